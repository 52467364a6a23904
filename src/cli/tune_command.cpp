// `mage tune APP`: search the mapping space of an application with a classic optimizer, by simulation or
// by running the real application (`--run`), into a run directory that `--resume` continues.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "apps/builtin.hpp"
#include "cli/commands.hpp"
#include "cli/inputs.hpp"
#include "search/command_batch.hpp"
#include "search/sim_evaluator.hpp"
#include "search/tune.hpp"
#include "util/files.hpp"

namespace mage::cli {

namespace {

std::atomic<bool> g_stop{false};

// The first Ctrl-C finishes the evaluations under way and stops; a second one stops at once.
void on_interrupt(int) {
  g_stop.store(true);
  std::signal(SIGINT, SIG_DFL);
}

std::string default_out_dir(const search::TuneSettings& s) {
  std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  return fmt::format("runs/{}-{}-{}", s.app.find('/') == std::string::npos ? s.app : "app", s.optimizer, stamp);
}

// The optimizer `auto` stands for: the best classic optimizer in the benchmark (docs/search.md).
constexpr const char* kAutoOptimizer = "ensemble";

int fail(const lang::Diagnostic& d) {
  lang::Diagnostics diags;
  diags.add(d);
  report_usage(diags);
  return kExitUsage;
}

std::string describe(const search::Evaluation& e) {
  return e.ok ? fmt::format("{:.4g} {}", e.value, e.unit) : fmt::format("failed ({})", e.error);
}

}  // namespace

int run_tune(const TuneOptions& o) {
  lang::Diagnostics usage;
  search::TuneSettings settings;
  std::optional<search::RunDir> dir;
  if (o.resume) {
    auto opened = search::RunDir::open(*o.resume);
    if (!opened) return fail(opened.error());
    auto s = search::settings_from_json(opened->settings(), opened->path() + "/run.json");
    if (!s) return fail(s.error());
    settings = *s;
    if (o.budget) settings.budget = *o.budget;  // a resumed run may be extended
    dir.emplace(std::move(*opened));
  } else {
    settings.app = o.app;
    settings.machine = o.machine;
    settings.nodes = o.nodes;
    settings.optimizer = o.optimizer == "auto" ? kAutoOptimizer : o.optimizer;
    settings.seed = o.seed;
    settings.budget = o.budget.value_or(100);
    settings.batch = static_cast<std::size_t>(std::max(o.jobs, 1));
    settings.run_command = o.run.value_or("");
    auto overrides = parse_params(o.params, o.app, usage);
    if (!overrides) {
      report_usage(usage);
      return kExitUsage;
    }
    settings.params = *overrides;
  }

  auto machine = load_machine_model(settings.machine, settings.nodes, usage);
  std::vector<std::string> params;
  for (const auto& [k, v] : settings.params) params.push_back(fmt::format("{}={}", k, v));
  auto app = machine ? load_app_model(settings.app, *machine, params, usage) : std::nullopt;
  if (!app) {
    report_usage(usage);
    return kExitUsage;
  }

  std::optional<search::CommandEvaluator> command;
  if (!settings.run_command.empty()) {
    search::CommandSpec spec;
    spec.command = settings.run_command;
    spec.pattern = o.pattern;
    spec.metric = o.metric == "throughput" ? search::CommandSpec::Metric::Throughput : search::CommandSpec::Metric::Time;
    spec.repetitions = o.repetitions;
    spec.timeout_s = o.timeout;
    auto created = search::CommandEvaluator::create(spec);
    if (!created) return fail(created.error());
    command.emplace(std::move(*created));
  }
  if (!dir) {
    nlohmann::json j = search::to_json(settings);
    if (command) {
      j["pattern"] = o.pattern;
      j["metric"] = o.metric;
    }
    auto created = search::RunDir::create(o.out.value_or(default_out_dir(settings)), j);
    if (!created) return fail(created.error());
    dir.emplace(std::move(*created));
  }

  const search::MappingSpace space(*app, model::to_machine_desc(*machine));
  search::BatchEvaluator evaluate = command ? search::make_command_batch_evaluator(*command, o.jobs)
                                            : search::make_sim_evaluator(*app, *machine, o.jobs);
  // The baselines: the runtime's defaults (an empty program) and, for a built-in application, its expert.
  std::vector<search::Candidate> baselines = {{std::string(apps::kDefaultMapper), dir->path() + "/default.mpl"}};
  const apps::BuiltinApp* builtin = apps::find_builtin(settings.app);
  if (builtin) baselines.push_back({std::string(apps::expert_mapper(*builtin)), dir->path() + "/expert.mpl"});
  std::string error;
  for (const auto& b : baselines)
    if (!util::write_file_atomic(b.path, b.program, error)) return fail(lang::make_error(lang::Category::Usage, "rundir.io", {}, error, ""));
  std::vector<search::Evaluation> base = evaluate(baselines);
  const search::Evaluation fallback = base[0];
  const search::Evaluation expert = builtin ? base[1] : search::Evaluation{};

  const bool tty = ::isatty(STDERR_FILENO);
  const std::string what = command ? "measured" : fmt::format("simulated on {} ({} node{})", settings.machine,
                                                                settings.nodes, settings.nodes == 1 ? "" : "s");
  std::fprintf(stderr, "tuning %s with %s (seed %llu, budget %zu, %zu at a time), %s\n", settings.app.c_str(),
               settings.optimizer.c_str(), static_cast<unsigned long long>(settings.seed), settings.budget,
               settings.batch, what.c_str());
  std::fprintf(stderr, "  default mapper: %s\n", describe(fallback).c_str());
  if (builtin) std::fprintf(stderr, "  expert mapper:  %s\n", describe(expert).c_str());
  std::fprintf(stderr, "  run directory:  %s%s\n", dir->path().c_str(),
               dir->evaluations().empty() ? "" : fmt::format(" (resuming after {} evaluations)", dir->evaluations().size()).c_str());

  g_stop.store(false);
  std::signal(SIGINT, on_interrupt);
  std::size_t shown = 0;
  auto progress = [&](const search::Progress& p) {
    if (o.quiet) return;
    if (tty) {
      std::fprintf(stderr, "\r\033[K%s", search::render_progress(p).c_str());
    } else if (p.done >= shown + std::max<std::size_t>(settings.budget / 10, 1) || p.done == settings.budget) {
      std::fprintf(stderr, "%s\n", search::render_progress(p).c_str());
      shown = p.done;
    }
  };
  const auto started = std::chrono::steady_clock::now();
  auto result = search::tune(settings, space, evaluate, *dir, expert, fallback, progress, g_stop);
  std::signal(SIGINT, SIG_DFL);
  if (tty && !o.quiet) std::fputs("\n", stderr);
  if (!result) return fail(result.error());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  nlohmann::json summary = {{"settings", search::to_json(settings)},
                            {"evaluations", result->evaluations},
                            {"stopped", result->stopped},
                            {"finished", result->finished},
                            {"seconds", seconds},
                            {"default", search::to_json(fallback)},
                            {"simulated", !command},
                            {"machine", what}};
  if (builtin) summary["expert"] = search::to_json(expert);
  if (result->best_index) {
    summary["best"] = search::to_json(result->best);
    summary["best"]["index"] = *result->best_index;
    if (expert.ok) summary["best"]["vs_expert"] = result->best.score / expert.score;
    if (fallback.ok) summary["best"]["vs_default"] = result->best.score / fallback.score;
  }
  if (!dir->write_summary(summary, error)) return fail(lang::make_error(lang::Category::Usage, "rundir.io", {}, error, ""));

  if (result->stopped) std::fprintf(stderr, "interrupted: %zu evaluations kept; continue with --resume %s\n",
                                     result->evaluations, dir->path().c_str());
  if (!result->best_index) {
    std::printf("no mapper succeeded in %zu evaluations; see %s/evaluations.jsonl\n", result->evaluations,
                dir->path().c_str());
    return kExitFindings;
  }
  std::printf("best of %zu evaluations: %s (evaluation %zu)", result->evaluations, describe(result->best).c_str(),
              *result->best_index);
  if (expert.ok) std::printf(", %.3fx the expert mapper", result->best.score / expert.score);
  if (fallback.ok) std::printf(", %.3fx the default mapper", result->best.score / fallback.score);
  std::printf("\n%s\nbest mapper: %s/best.mpl\n", command ? "(measured)" : ("(" + what + ")").c_str(), dir->path().c_str());
  return kExitOk;
}

}  // namespace mage::cli
