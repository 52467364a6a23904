// `mage sim (FILE | --mapper expert|default|FILE) --app APP [--param NAME=VALUE]... [--machine PRESET|FILE]
// [--nodes N] [--trace out.json] [--format text|json]`
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/inputs.hpp"
#include "feedback/feedback.hpp"
#include "mapping/policy.hpp"
#include "report/report.hpp"
#include "sim/simulate.hpp"
#include "sim/trace.hpp"
#include "util/files.hpp"
#include "util/json_text.hpp"

namespace mage::cli {

namespace {

// `--report FILE`: the simulation's page, linking the trace (written beside the page unless --trace names one).
bool write_sim_report(const SimOptions& o, const sim::SimResult* result, const feedback::Feedback& fb,
                      const lang::SourceFile& source, const std::string& note) {
  namespace fs = std::filesystem;
  report::SimView view;
  view.result = result;
  view.feedback = fb;
  view.mapper = source.name();
  view.note = note;
  std::string error;
  const fs::path page(*o.report);
  std::error_code ec;
  if (page.has_parent_path()) fs::create_directories(page.parent_path(), ec);
  if (result && result->ok) {
    fs::path trace = o.trace ? fs::path(*o.trace) : fs::path(page).replace_extension(".trace.json");
    if (o.trace || util::write_file_atomic(trace.string(), sim::trace_json(*result).dump() + "\n", error)) {
      const fs::path base = fs::absolute(page, ec).parent_path();
      view.trace_href = fs::absolute(trace, ec).lexically_normal().lexically_relative(base.lexically_normal()).generic_string();
    }
  }
  if (!util::write_file_atomic(*o.report, report::render_simulation_page(view, source.text(), o.app), error)) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    return false;
  }
  if (o.format != "json") std::printf("report: %s (open it in a browser)\n", o.report->c_str());
  return true;
}

}  // namespace

int run_sim(const SimOptions& o) {
  lang::Diagnostics usage;
  if (o.file.empty() && o.mapper.empty()) {
    std::fputs("error: give a mapper program: FILE, or --mapper expert|default|FILE\n", stderr);
    return kExitUsage;
  }
  const std::string& mapper = o.file.empty() ? o.mapper : o.file;
  auto machine = load_machine_model(o.machine, o.nodes, usage);
  auto app = machine ? load_app_model(o.app, *machine, o.params, usage) : std::nullopt;
  auto source = app ? load_mapper(mapper, o.app, usage) : std::nullopt;
  if (usage.has_errors()) {
    report_usage(usage);
    return kExitUsage;
  }

  lang::Diagnostics diags;
  lang::AppSignature signature = app->signature();
  auto print = [](const std::string& line) { std::fprintf(stderr, "print: %s\n", line.c_str()); };
  auto policy = mapping::Policy::compile(*source, model::to_machine_desc(*machine), diags, &signature, print);
  if (!policy) {
    feedback::Feedback fb = feedback::from_diagnostics(diags, &*source);
    if (o.format == "json") {
      nlohmann::json j = lang::to_json(diags, &*source);
      j["ok"] = false;
      j["feedback"] = feedback::to_json(fb);
      std::puts(util::json_text(j, 2).c_str());
    } else {
      std::fputs(lang::render_text(diags, &*source, use_color()).c_str(), stderr);
      std::printf("\n%s\n", feedback::render(fb).c_str());
    }
    if (o.report && !write_sim_report(o, nullptr, fb, *source, "not simulated: the program has errors (see the feedback)"))
      return kExitUsage;
    return kExitFindings;
  }
  if (diags.warning_count() > 0 && o.format != "json")
    std::fputs(lang::render_text(diags, &*source, use_color()).c_str(), stderr);

  sim::SimResult result = sim::simulate(*app, *machine, *policy);
  if (o.trace && result.ok) {
    std::string error;
    if (!util::write_file_atomic(*o.trace, util::json_text(sim::trace_json(result)) + "\n", error)) {
      std::fprintf(stderr, "error: %s\n", error.c_str());
      return kExitUsage;
    }
  }
  // The error points into the mapper program: name it, since the feedback quotes it without the source.
  if (result.error && result.error->span.begin.valid()) result.error->file = source->name();
  feedback::Feedback fb = feedback::from_simulation(result, &policy->program());
  if (o.format == "json") {
    nlohmann::json j = sim::to_json(result);
    j["feedback"] = feedback::to_json(fb);
    std::puts(util::json_text(j, 2).c_str());
  } else {
    std::fputs(sim::render_summary(result).c_str(), stdout);
    // An internal error is not about the program: it is not reported against the program's file.
    if (result.error)
      std::fputs(lang::render_text(*result.error, result.internal_error() ? nullptr : &*source, use_color()).c_str(),
                 stderr);
    if (o.trace && result.ok) std::printf("trace: %s (open in ui.perfetto.dev)\n", o.trace->c_str());
    std::printf("\n%s\n", feedback::render(fb).c_str());
  }
  if (o.report && !write_sim_report(o, &result, fb, *source, "")) return kExitUsage;
  if (result.ok) return kExitOk;
  // A crashed simulation process is mage's failure: the program is not blamed.
  return result.internal_error() ? kExitInternal : kExitFindings;
}

}  // namespace mage::cli
