// Builds Legion's circuit example with the mage mapper: the example registers its mapper through a
// function named `update_mappers`, and this file provides that function in place of the example's
// circuit_mapper.cc, which is left out of the build.
#include <set>

#include "legion.h"
#include "legion/register.hpp"

void update_mappers(Legion::Machine machine, Legion::Runtime* runtime, const std::set<Legion::Processor>& local_procs) {
  mage::legion::install_mappers(machine, runtime, local_procs);
}
