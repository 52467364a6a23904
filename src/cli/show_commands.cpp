// `mage machine show MACHINE [--nodes N]` and `mage app show FILE`, each with `--format text|json`.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/inputs.hpp"
#include "model/app_io.hpp"

namespace mage::cli {

int run_machine_show(const MachineShowOptions& o) {
  lang::Diagnostics usage;
  auto machine = load_machine_model(o.machine, o.nodes, usage);
  if (!machine) {
    report_usage(usage);
    return kExitUsage;
  }
  if (o.format == "json")
    std::puts(model::to_json(*machine).dump(2).c_str());
  else
    std::fputs(model::describe(*machine).c_str(), stdout);
  return kExitOk;
}

int run_app_show(const AppShowOptions& o) {
  lang::Diagnostics usage;
  auto app = load_app_model(o.file, usage);
  if (!app) {
    report_usage(usage);
    return kExitUsage;
  }
  if (o.format == "json")
    std::puts(model::to_json(*app).dump(2).c_str());
  else
    std::fputs(model::describe(*app).c_str(), stdout);
  return kExitOk;
}

}  // namespace mage::cli
