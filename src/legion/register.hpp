// How a Legion application adopts the mage mapper: one call before Runtime::start.
//
//   #include "legion/register.hpp"
//   int main(int argc, char** argv) {
//     ... register tasks ...
//     mage::legion::register_mapper();
//     return Legion::Runtime::start(argc, argv);
//   }
//
// The mapper program comes from `-mapping FILE` on the command line or MAGE_MAPPING; `-mapping-log`
// or MAGE_MAPPING_LOG=1 prints each decision. A program with errors stops the application before its
// first task, with the diagnostics `mage check` prints.
#pragma once

#include <memory>
#include <set>

#include "legion.h"
#include "legion/policy_host.hpp"

namespace mage::legion {

// Makes the mapper for one processor; the default makes a MageMapper. Checks and tools pass their own.
using MapperFactory = Legion::Mapping::Mapper* (*)(Legion::Mapping::MapperRuntime* rt, Legion::Machine machine,
                                                  Legion::Processor local, std::shared_ptr<PolicyHost> host);

// Installs the mage mapper as the default mapper of every processor, through a registration callback.
void register_mapper(MapperFactory factory = nullptr);

// The same work for applications that already have a registration callback: call it from there.
void install_mappers(Legion::Machine machine, Legion::Runtime* runtime, const std::set<Legion::Processor>& local_procs,
                     MapperFactory factory = nullptr);

}  // namespace mage::legion
