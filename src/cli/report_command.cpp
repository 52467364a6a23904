// `mage report RUN_DIR [RUN_DIR ...] [--out FILE.html]`: one self-contained HTML page about tuning runs,
// with the best mapper simulated again for its timeline and trace. `mage tune --report FILE` writes the
// same page at the end of a run.
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/inputs.hpp"
#include "cli/tune_session.hpp"
#include "feedback/feedback.hpp"
#include "mapping/policy.hpp"
#include "report/report.hpp"
#include "search/tune.hpp"
#include "sim/simulate.hpp"
#include "sim/trace.hpp"
#include "util/files.hpp"

namespace mage::cli {

namespace fs = std::filesystem;

namespace {

// The best mapper of `run` simulated on the run's machine model; `view.note` says why not when it cannot be.
std::optional<sim::SimResult> simulate_best(const report::Run& run, report::SimView& view) {
  const auto& best = run.evaluations[*run.best];
  view.mapper = fmt::format("the best mapper ({}, evaluation {})", run.label, best.index);
  auto settings = search::settings_from_json(run.settings, run.path + "/run.json");
  if (!settings) {
    view.note = "not simulated: " + settings.error().message;
    return std::nullopt;
  }
  lang::Diagnostics usage;
  auto machine = load_machine_model(settings->machine, settings->nodes, usage);
  std::vector<std::string> params;
  for (const auto& [k, v] : settings->params) params.push_back(fmt::format("{}={}", k, v));
  auto app = machine ? load_app_model(settings->app, *machine, params, usage) : std::nullopt;
  if (!app) {
    view.note = "not simulated: the run's machine or application could not be loaded" +
                (usage.all().empty() ? std::string() : ": " + usage.all().front().message);
    return std::nullopt;
  }
  lang::Diagnostics diags;
  lang::AppSignature signature = app->signature();
  lang::SourceFile source((fs::path(run.path) / best.candidate).string(), run.best_program);
  auto policy = mapping::Policy::compile(source, model::to_machine_desc(*machine), diags, &signature);
  if (!policy) {
    view.note = "not simulated: the best mapper no longer compiles" +
                (diags.all().empty() ? std::string() : ": " + diags.all().front().message);
    return std::nullopt;
  }
  sim::SimResult result = sim::simulate(*app, *machine, *policy);
  view.feedback = feedback::from_simulation(result, &policy->program());
  if (run.measured)
    view.note = "The run measured the real application; this is the simulator's view of the same mapper.";
  else if (result.ok && std::abs(result.throughput - best.value) > 1e-6 * std::max(std::abs(best.value), 1e-300))
    view.note = fmt::format("The run recorded {:.4g} {}; the simulator now gives {:.4g} (the models changed since).",
                            best.value, best.unit, result.throughput);
  return result;
}

}  // namespace

int write_report(const std::vector<std::string>& dirs, const std::string& out) {
  std::vector<report::Run> runs;
  for (const auto& d : dirs) {
    auto run = report::load_run(d);
    if (!run) return usage_failure(run.error());
    runs.push_back(*run);
  }
  // The best mapper over all runs, simulated again for its timeline.
  const report::Run* best_run = nullptr;
  for (const auto& r : runs)
    if (r.best && (!best_run || r.evaluations[*r.best].score > best_run->evaluations[*best_run->best].score))
      best_run = &r;
  report::SimView view;
  std::optional<sim::SimResult> result;
  const fs::path page(out);
  std::string error;
  std::error_code ec;
  if (page.has_parent_path()) fs::create_directories(page.parent_path(), ec);
  if (!best_run) {
    view.note = "No evaluation succeeded, so there is no best mapper to simulate.";
  } else if ((result = simulate_best(*best_run, view))) {
    view.result = &*result;
    if (result->ok) {
      fs::path trace = page;
      trace.replace_extension(".trace.json");
      if (util::write_file_atomic(trace.string(), sim::trace_json(*result).dump() + "\n", error))
        view.trace_href = trace.filename().string();
      else
        std::fprintf(stderr, "warning: no trace: %s\n", error.c_str());
    }
  }
  const std::string html = report::render_runs_page(runs, view, page.has_parent_path() ? page.parent_path().string() : ".");
  if (!util::write_file_atomic(out, html, error))
    return usage_failure(lang::make_error(lang::Category::Usage, "report.io", {}, error,
                                          "give --out a file in a folder you can write to"));
  std::printf("report: %s (open it in a browser)\n", out.c_str());
  return kExitOk;
}

int run_report(const ReportOptions& o) {
  if (o.runs.empty()) {
    std::fputs("error: give one or more run directories\n", stderr);
    return kExitUsage;
  }
  const std::string out =
      o.out.value_or(o.runs.size() == 1 ? (fs::path(o.runs.front()) / "report.html").string() : "report.html");
  return write_report(o.runs, out);
}

int report_after_tune(const TuneOptions& o, const std::string& run_dir, int exit_code) {
  if (exit_code == kExitUsage) return exit_code;
  if (!o.report) {
    std::printf("report: mage report %s (writes %s/report.html)\n", run_dir.c_str(), run_dir.c_str());
    return exit_code;
  }
  const int written = write_report({run_dir}, *o.report);
  return written == kExitOk ? exit_code : written;
}

}  // namespace mage::cli
