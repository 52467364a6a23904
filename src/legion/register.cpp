#include "legion/register.hpp"

#include <cstdio>
#include <cstdlib>

#include "legion/mage_mapper.hpp"
#include "legion/sharding.hpp"
#include "mapping/legion_bridge.hpp"

namespace mage::legion {

namespace {

MapperFactory registered_factory = nullptr;  // a registration callback is a plain function pointer

void registration_callback(Legion::Machine machine, Legion::Runtime* runtime,
                           const std::set<Legion::Processor>& local_procs) {
  install_mappers(machine, runtime, local_procs, registered_factory);
}

}  // namespace

void install_mappers(Legion::Machine machine, Legion::Runtime* runtime, const std::set<Legion::Processor>& local_procs,
                     MapperFactory factory) {
  const Legion::InputArgs& args = Legion::Runtime::get_input_args();
  std::span<const char* const> argv(const_cast<const char* const*>(args.argv), static_cast<std::size_t>(args.argc));
  mapping::AdapterFlags flags =
      mapping::parse_adapter_flags(argv, std::getenv("MAGE_MAPPING"), std::getenv("MAGE_MAPPING_LOG"));
  std::string errors, warnings;
  std::shared_ptr<PolicyHost> host = PolicyHost::create(machine, flags, errors, warnings);
  if (!warnings.empty()) std::fputs(warnings.c_str(), stderr);
  if (!host) {
    std::fputs(errors.c_str(), stderr);
    std::fputs("mage: the mapper program has errors; the application does not start (run `mage check` on it)\n",
               stderr);
    std::fflush(stderr);
    // The runtime's threads are live: leave without running static destructors that could wait on them.
    std::_Exit(1);
  }
  register_sharding_functors(runtime, host);
  for (Legion::Processor p : local_procs) {
    Legion::Mapping::MapperRuntime* rt = runtime->get_mapper_runtime();
    Legion::Mapping::Mapper* mapper =
        factory ? factory(rt, machine, p, host) : new MageMapper(rt, machine, p, host);
    runtime->replace_default_mapper(mapper, p);
  }
}

void register_mapper(MapperFactory factory) {
  registered_factory = factory;
  Legion::Runtime::add_registration_callback(registration_callback);
}

}  // namespace mage::legion
