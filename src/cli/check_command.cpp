// `mage check FILE [--machine M] [--app A] [--format text|json]`
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/inputs.hpp"
#include "lang/checker.hpp"
#include "lang/parser.hpp"
#include "mapping/policy.hpp"
#include "util/json_text.hpp"

namespace mage::cli {

int run_check(const CheckOptions& o) {
  lang::Diagnostics usage;
  auto source = load_source(o.file, usage);
  std::optional<mapping::MachineDesc> machine;
  std::optional<lang::AppSignature> app;
  if (source && o.machine) machine = load_machine(*o.machine, usage);
  if (source && o.app) app = load_app(*o.app, usage);
  if (usage.has_errors()) {
    report_usage(usage);
    return kExitUsage;
  }

  lang::Diagnostics diags;
  if (machine) {
    // With a machine the program is also evaluated: globals such as `Machine(GPU).split(1, 3)` are checked.
    mapping::Policy::compile(*source, *machine, diags, app ? &*app : nullptr, [](const std::string& line) {
      std::fprintf(stderr, "print: %s\n", line.c_str());
    });
  } else {
    lang::Program program = lang::parse(*source, diags);
    if (!diags.has_errors()) lang::check_program(program, lang::CheckOptions{app ? &*app : nullptr, nullptr}, diags);
  }

  if (o.format == "json") {
    nlohmann::json j = lang::to_json(diags, &*source);
    j["file"] = o.file;
    j["ok"] = !diags.has_errors();
    std::puts(util::json_text(j, 2).c_str());
  } else {
    std::fputs(lang::render_text(diags, &*source, use_color()).c_str(), stderr);
    std::fprintf(stderr, "%s: %zu error%s, %zu warning%s\n", o.file.c_str(), diags.error_count(),
                 diags.error_count() == 1 ? "" : "s", diags.warning_count(), diags.warning_count() == 1 ? "" : "s");
  }
  return diags.has_errors() ? kExitFindings : kExitOk;
}

}  // namespace mage::cli
