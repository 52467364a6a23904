// `mage tune APP`: search the mapping space of an application with a classic optimizer, by simulation or
// by running the real application (`--run`), into a run directory that `--resume` continues.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "cli/inputs.hpp"
#include "cli/tune_session.hpp"
#include "search/command_batch.hpp"
#include "search/sim_evaluator.hpp"
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

// The optimizer `auto` stands for: the best classic optimizer in the benchmark (docs/search-benchmark.md).
constexpr const char* kAutoOptimizer = "ensemble";

}  // namespace

int usage_failure(const lang::Diagnostic& d) {
  lang::Diagnostics diags;
  diags.add(d);
  report_usage(diags);
  return kExitUsage;
}

std::string describe(const search::Evaluation& e) {
  return e.ok ? fmt::format("{:.4g} {}", e.value, e.unit) : fmt::format("failed ({})", e.error);
}

std::unique_ptr<TuneSession> open_session(const TuneOptions& o, const std::string& optimizer,
                                          const nlohmann::json& extra) {
  auto s = std::make_unique<TuneSession>();
  lang::Diagnostics usage;
  if (o.resume) {
    auto opened = search::RunDir::open(*o.resume);
    if (!opened) return usage_failure(opened.error()), nullptr;
    auto settings = search::settings_from_json(opened->settings(), opened->path() + "/run.json");
    if (!settings) return usage_failure(settings.error()), nullptr;
    s->settings = *settings;
    if (o.budget) s->settings.budget = *o.budget;  // a resumed run may be extended
    s->dir.emplace(*opened);
  } else {
    s->settings.app = o.app;
    s->settings.machine = o.machine;
    s->settings.nodes = o.nodes;
    s->settings.optimizer = optimizer;
    s->settings.seed = o.seed;
    s->settings.budget = o.budget.value_or(100);
    s->settings.batch = static_cast<std::size_t>(std::max(o.jobs, 1));
    s->settings.run_command = o.run.value_or("");
    auto overrides = parse_params(o.params, o.app, usage);
    if (!overrides) return report_usage(usage), nullptr;
    s->settings.params = *overrides;
  }
  auto machine = load_machine_model(s->settings.machine, s->settings.nodes, usage);
  std::vector<std::string> params;
  for (const auto& [k, v] : s->settings.params) params.push_back(fmt::format("{}={}", k, v));
  auto app = machine ? load_app_model(s->settings.app, *machine, params, usage) : std::nullopt;
  if (!app) return report_usage(usage), nullptr;
  s->machine = std::move(*machine);
  s->app = std::move(*app);

  if (!s->settings.run_command.empty()) {
    search::CommandSpec spec;
    spec.command = s->settings.run_command;
    // Read without throwing: in a hand-edited run.json, a value that is not a string reads as the default.
    auto setting = [&](const char* key, const std::string& fallback) {
      const auto& j = s->dir->settings();
      auto it = j.find(key);
      return o.resume && it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
    };
    spec.pattern = setting("pattern", o.pattern);
    const std::string metric = setting("metric", o.metric);
    spec.metric = metric == "throughput" ? search::CommandSpec::Metric::Throughput : search::CommandSpec::Metric::Time;
    spec.repetitions = o.repetitions;
    spec.timeout_s = o.timeout;
    auto created = search::CommandEvaluator::create(spec);
    if (!created) return usage_failure(created.error()), nullptr;
    s->command.emplace(*created);
  }
  if (!s->dir) {
    nlohmann::json j = search::to_json(s->settings);
    if (s->command) j["pattern"] = o.pattern, j["metric"] = o.metric;
    for (const auto& [k, v] : extra.items()) j[k] = v;
    auto created = search::RunDir::create(o.out.value_or(default_out_dir(s->settings)), j);
    if (!created) return usage_failure(created.error()), nullptr;
    s->dir.emplace(*created);
  }
  s->evaluate = s->command ? search::make_command_batch_evaluator(*s->command, o.jobs)
                           : search::make_sim_evaluator(s->app, s->machine, o.jobs);
  s->what = s->command ? "measured"
                       : fmt::format("simulated on {} ({} node{})", s->settings.machine, s->settings.nodes,
                                     s->settings.nodes == 1 ? "" : "s");

  // The baselines: the runtime's defaults (an empty program) and, for a built-in application, its expert.
  std::vector<search::Candidate> baselines = {{std::string(apps::kDefaultMapper), s->dir->path() + "/default.mpl"}};
  s->builtin = apps::find_builtin(s->settings.app);
  if (s->builtin) baselines.push_back({std::string(apps::expert_mapper(*s->builtin)), s->dir->path() + "/expert.mpl"});
  std::string error;
  for (const auto& b : baselines)
    if (!util::write_file_atomic(b.path, b.program, error))
      return usage_failure(lang::make_error(lang::Category::Usage, "rundir.io", {}, error, "")), nullptr;
  std::vector<search::Evaluation> base = s->evaluate(baselines);
  s->fallback = search::checked(base[0]);
  if (s->builtin) s->expert = search::checked(base[1]);
  return s;
}

void print_session(const TuneSession& s, const std::string& search) {
  std::fprintf(stderr, "tuning %s with %s, %s\n", s.settings.app.c_str(), search.c_str(), s.what.c_str());
  std::fprintf(stderr, "  default mapper: %s\n", describe(s.fallback).c_str());
  if (s.builtin) std::fprintf(stderr, "  expert mapper:  %s\n", describe(s.expert).c_str());
  const std::string resumed =
      s.dir->evaluations().empty() ? "" : fmt::format(" (resuming after {} evaluations)", s.dir->evaluations().size());
  std::fprintf(stderr, "  run directory:  %s%s\n", s.dir->path().c_str(), resumed.c_str());
}

int finish_session(TuneSession& s, const std::optional<search::Evaluation>& best, std::optional<std::size_t> index,
                   std::size_t evaluations, nlohmann::json summary) {
  summary["evaluations"] = evaluations;
  const search::OutcomeCounts counts = search::count_outcomes(s.dir->evaluations());
  summary["outcomes"] = search::to_json(counts);
  summary["default"] = search::to_json(s.fallback);
  summary["simulated"] = !s.command;
  summary["machine"] = s.what;
  if (s.builtin) summary["expert"] = search::to_json(s.expert);
  if (best && index) {
    summary["best"] = search::to_json(*best);
    summary["best"]["index"] = *index;
    if (s.expert.ok) summary["best"]["vs_expert"] = best->score / s.expert.score;
    if (s.fallback.ok) summary["best"]["vs_default"] = best->score / s.fallback.score;
  }
  std::string error;
  if (!s.dir->write_summary(summary, error))
    return usage_failure(lang::make_error(lang::Category::Usage, "rundir.io", {}, error, ""));
  if (counts.internal_errors > 0)
    std::fprintf(stderr,
                 "%zu evaluation%s failed inside mage, not because of the program (\"internal_error\" in %s/"
                 "evaluations.jsonl; their candidates are kept)\n",
                 counts.internal_errors, counts.internal_errors == 1 ? "" : "s", s.dir->path().c_str());
  if (!best || !index) {
    std::printf("no mapper succeeded in %zu evaluations; see %s/evaluations.jsonl\n", evaluations,
                s.dir->path().c_str());
    return kExitFindings;
  }
  std::printf("best of %zu evaluations: %s (evaluation %zu)", evaluations, describe(*best).c_str(), *index);
  if (s.expert.ok) std::printf(", %.3fx the expert mapper", best->score / s.expert.score);
  if (s.fallback.ok) std::printf(", %.3fx the default mapper", best->score / s.fallback.score);
  std::printf("\n(%s)\nbest mapper: %s/best.mpl\n", s.what.c_str(), s.dir->path().c_str());
  return kExitOk;
}

int run_tune(const TuneOptions& o) {
  if (o.optimizer == "llm" || o.optimizer == "hybrid") return run_tune_llm(o);
  if (o.resume) {
    // A run the LLM optimizer made cannot be resumed as a classic one.
    auto opened = search::RunDir::open(*o.resume);
    if (opened && opened->settings().contains("llm"))
      return usage_failure(lang::make_error(lang::Category::Usage, "usage.resume-llm", {},
                                            fmt::format("{} is an LLM optimizer run", *o.resume),
                                            "re-run it deterministically with --optimizer llm --replay DIR"));
  }
  auto s = open_session(o, o.optimizer == "auto" ? kAutoOptimizer : o.optimizer, nlohmann::json::object());
  if (!s) return kExitUsage;
  const search::MappingSpace space(s->app, s->machine);
  print_session(*s, fmt::format("{} (seed {}, budget {}, {} at a time)", s->settings.optimizer, s->settings.seed,
                                s->settings.budget, s->settings.batch));

  const bool tty = ::isatty(STDERR_FILENO);
  g_stop.store(false);
  std::signal(SIGINT, on_interrupt);
  std::size_t shown = 0;
  auto progress = [&](const search::Progress& p) {
    if (o.quiet) return;
    if (tty) {
      std::fprintf(stderr, "\r\033[K%s", search::render_progress(p).c_str());
    } else if (p.done >= shown + std::max<std::size_t>(s->settings.budget / 10, 1) || p.done == s->settings.budget) {
      std::fprintf(stderr, "%s\n", search::render_progress(p).c_str());
      shown = p.done;
    }
  };
  const auto started = std::chrono::steady_clock::now();
  auto result = search::tune(s->settings, space, s->evaluate, *s->dir, s->expert, s->fallback, progress, g_stop);
  std::signal(SIGINT, SIG_DFL);
  if (tty && !o.quiet) std::fputs("\n", stderr);
  if (!result) return usage_failure(result.error());
  if (result->stopped)
    std::fprintf(stderr, "interrupted: %zu evaluations kept; continue with --resume %s\n", result->evaluations,
                 s->dir->path().c_str());
  nlohmann::json summary = {
      {"settings", search::to_json(s->settings)},
      {"stopped", result->stopped},
      {"finished", result->finished},
      {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}};
  std::optional<search::Evaluation> best;
  if (result->best_index) best = result->best;
  return report_after_tune(o, s->dir->path(),
                           finish_session(*s, best, result->best_index, result->evaluations, summary));
}

}  // namespace mage::cli
