// `mage machine show`, `mage app show` and `mage apps`, each with `--format text|json`.
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/inputs.hpp"
#include "apps/builtin.hpp"
#include "model/app_io.hpp"
#include "util/json_text.hpp"

namespace mage::cli {

namespace {

std::string sized_for(const model::MachineModel& m) {
  return fmt::format("{}, {} node{}", m.spec.name, m.nodes.size(), m.nodes.size() == 1 ? "" : "s");
}

}  // namespace

int run_machine_show(const MachineShowOptions& o) {
  lang::Diagnostics usage;
  auto machine = load_machine_model(o.machine, o.nodes, usage);
  if (!machine) {
    report_usage(usage);
    return kExitUsage;
  }
  if (o.format == "json")
    std::puts(util::json_text(model::to_json(*machine), 2).c_str());
  else
    std::fputs(model::describe(*machine).c_str(), stdout);
  return kExitOk;
}

int run_app_show(const AppShowOptions& o) {
  lang::Diagnostics usage;
  const apps::BuiltinApp* builtin = apps::find_builtin(o.file);
  if (o.expert) {
    auto source = load_mapper("expert", o.file, usage);
    if (!source) {
      report_usage(usage);
      return kExitUsage;
    }
    std::fputs(source->text().c_str(), stdout);
    return kExitOk;
  }
  auto machine = load_machine_model(o.machine, o.nodes, usage);
  auto app = machine ? load_app_model(o.file, *machine, o.params, usage) : std::nullopt;
  std::optional<apps::Parameters> params;
  if (app && builtin)
    if (auto overrides = parse_params(o.params, o.file, usage))
      params = apps::resolve_parameters(*builtin, scale_of(*machine), *overrides, usage);
  if (!app) {
    report_usage(usage);
    return kExitUsage;
  }
  if (o.format == "json") {
    nlohmann::json j = model::to_json(*app);
    if (builtin) {
      j["summary"] = builtin->summary;
      j["sized_for"] = sized_for(*machine);
    }
    std::puts(util::json_text(j, 2).c_str());
    return kExitOk;
  }
  if (builtin) {
    std::printf("%s: %s\nsized for %s; parameters (change with --param NAME=VALUE):\n",
                std::string(builtin->name).c_str(), std::string(builtin->summary).c_str(),
                sized_for(*machine).c_str());
    for (const auto& p : params->list())
      std::printf("  %-22s %12lld  %s\n", p.name.c_str(), static_cast<long long>(p.value), p.meaning.c_str());
    std::puts("");
  }
  std::fputs(model::describe(*app).c_str(), stdout);
  return kExitOk;
}

int run_apps(const AppsOptions& o) {
  if (o.format == "json") {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& a : apps::builtin_apps()) j.push_back({{"name", a.name}, {"summary", a.summary}});
    std::puts(util::json_text(j, 2).c_str());
    return kExitOk;
  }
  for (const auto& a : apps::builtin_apps())
    std::printf("%-10s %s\n", std::string(a.name).c_str(), std::string(a.summary).c_str());
  std::puts("\nmage app show NAME describes one; mage sim --app NAME --mapper expert|default simulates it.");
  return kExitOk;
}

}  // namespace mage::cli
