// The tuning loop and its records.
#include "search/tune.hpp"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "search/optimizer.hpp"

namespace mage::search {

namespace {

lang::Diagnostic run_error(std::string code, std::string message, std::string hint) {
  return lang::make_error(lang::Category::Usage, std::move(code), {}, std::move(message), std::move(hint));
}

}  // namespace

nlohmann::json to_json(const TuneSettings& s) {
  return {{"app", s.app},         {"machine", s.machine}, {"nodes", s.nodes},       {"params", s.params},
          {"optimizer", s.optimizer}, {"seed", s.seed},   {"budget", s.budget},     {"batch", s.batch},
          {"run_command", s.run_command}};
}

lang::Expected<TuneSettings> settings_from_json(const nlohmann::json& j, const std::string& file) {
  TuneSettings s;
  try {
    s.app = j.at("app").get<std::string>();
    s.machine = j.at("machine").get<std::string>();
    s.nodes = j.at("nodes").get<std::int64_t>();
    s.params = j.value("params", std::map<std::string, std::int64_t>{});
    s.optimizer = j.at("optimizer").get<std::string>();
    s.seed = j.at("seed").get<std::uint64_t>();
    s.budget = j.at("budget").get<std::size_t>();
    s.batch = j.at("batch").get<std::size_t>();
    s.run_command = j.value("run_command", std::string());
  } catch (const nlohmann::json::exception& e) {
    return run_error("rundir.corrupt", fmt::format("{}: the run's settings are incomplete ({})", file, e.what()),
                     "this is not a run directory `mage tune` wrote; start a new run with --out");
  }
  if (s.batch < 1) s.batch = 1;
  return s;
}

nlohmann::json to_json(const Evaluation& e) {
  nlohmann::json j = {{"ok", e.ok}, {"score", e.score}, {"value", e.value}, {"unit", e.unit},
                      {"step_time", e.step_time}, {"seconds", e.seconds}, {"feedback", feedback::to_json(e.feedback)}};
  if (!e.ok) j["error"] = {{"code", e.error_code}, {"message", e.error}};
  if (e.internal) j["internal_error"] = true;
  return j;
}

bool is_measurement(double v) { return std::isfinite(v) && (v == 0 || (std::isnormal(v) && v > 0)); }

Evaluation checked(Evaluation e) {
  if (!std::isfinite(e.step_time) || e.step_time < 0) e.step_time = 0;
  if (!std::isfinite(e.seconds) || e.seconds < 0) e.seconds = 0;
  if (e.ok && (!is_measurement(e.score) || !std::isfinite(e.value))) {
    const double bad = is_measurement(e.score) ? e.value : e.score;
    e.ok = false;
    e.error_code = "eval.bad-value";
    e.error = fmt::format("the evaluation gave {} {}, which is not a finite, positive, normal number", bad,
                          is_measurement(e.score) ? "as its value" : "as its score");
    e.feedback.system = e.error;
    e.score = 0;
    e.value = 0;
  }
  return e;
}

Evaluation evaluation_from_json(const nlohmann::json& j) {
  // Typed reads that fall back to the default, so no record can throw here (RunDir::open checks types).
  auto number = [](const nlohmann::json& o, const char* k) {
    auto it = o.find(k);
    return it != o.end() && it->is_number() ? it->get<double>() : 0.0;
  };
  auto text = [](const nlohmann::json& o, const char* k) {
    auto it = o.find(k);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  Evaluation e;
  if (!j.is_object()) return e;
  e.ok = j.contains("ok") && j["ok"].is_boolean() && j["ok"].get<bool>();
  e.score = number(j, "score");
  e.value = number(j, "value");
  e.unit = text(j, "unit");
  e.step_time = number(j, "step_time");
  e.seconds = number(j, "seconds");
  if (j.contains("error") && j["error"].is_object()) {
    e.error_code = text(j["error"], "code");
    e.error = text(j["error"], "message");
  }
  // Records written before internal errors were marked: a crash was always mage's.
  e.internal = !e.ok && (j.value("internal_error", false) || e.error_code == "sim.crash");
  if (j.contains("feedback") && j["feedback"].is_object()) {
    e.feedback.system = text(j["feedback"], "system");
    e.feedback.explain = text(j["feedback"], "explain");
    e.feedback.suggest = text(j["feedback"], "suggest");
  }
  return e;
}

OutcomeCounts count_outcomes(const std::vector<nlohmann::json>& records) {
  OutcomeCounts c;
  for (const auto& r : records) {
    if (!r.is_object()) continue;
    Evaluation e = evaluation_from_json(r);
    if (e.ok) ++c.succeeded;
    else if (e.internal) ++c.internal_errors;
    else ++c.failed;
  }
  return c;
}

nlohmann::json to_json(const OutcomeCounts& c) {
  return {{"succeeded", c.succeeded}, {"failed", c.failed}, {"internal_errors", c.internal_errors}};
}

std::string render_progress(const Progress& p) {
  std::string out = fmt::format("{}/{}", p.done, p.budget);
  if (p.best) {
    out += "  best";
    if (p.expert > 0) out += fmt::format(" {:.3f}x expert", *p.best / p.expert);
    if (p.fallback > 0) out += fmt::format("{} {:.3f}x default", p.expert > 0 ? "," : "", *p.best / p.fallback);
    if (p.expert <= 0 && p.fallback <= 0) out += fmt::format(" {:.4g}", *p.best);
  } else {
    out += "  no successful mapper yet";
  }
  if (p.rate > 0) out += fmt::format("  {:.1f} eval/s  ETA {:.0f} s", p.rate, p.eta);
  if (p.internal_errors > 0)
    out += fmt::format("  {} internal error{} (mage failed, not the program)", p.internal_errors,
                       p.internal_errors == 1 ? "" : "s");
  return out;
}

lang::Expected<TuneResult> tune(const TuneSettings& settings, const MappingSpace& space, const BatchEvaluator& evaluate,
                                RunDir& dir, const Evaluation& expert, const Evaluation& fallback,
                                const std::function<void(const Progress&)>& progress, const std::atomic<bool>& stop,
                                const TuneStart& from) {
  CcdOptions ccd;
  ccd.start = from.start.value_or(space.default_point());
  ccd.sweeps = space.ccd_sweeps();
  ccd.repair = [&space](Point p, std::size_t changed) { return space.repair(std::move(p), changed); };
  auto optimizer = make_optimizer(settings.optimizer, space.space(), settings.seed, &ccd);
  if (!optimizer)
    return run_error("usage.optimizer", fmt::format("unknown optimizer `{}`", settings.optimizer),
                     "use random, ensemble or ccd");

  TuneResult result;
  Progress prog;
  prog.budget = settings.budget;
  prog.expert = expert.ok ? expert.score : 0;
  prog.fallback = fallback.ok ? fallback.score : 0;
  auto consider = [&](std::size_t index, const Evaluation& e, const std::string& program) {
    if (e.internal) ++prog.internal_errors;
    if (!e.ok || (result.best_index && e.score <= result.best.score)) return false;
    result.best_index = index;
    result.best = e;
    result.best_program = program;
    prog.best = e.score;
    return true;
  };
  // An internal error has no score: the optimizer ranks it with the failures (it cannot rank what it does
  // not know), while the record, the summary and the feedback keep it apart from the program's failures.
  auto outcome = [](const Evaluation& e) { return Outcome{e.ok, e.score}; };
  auto point_of = [](const nlohmann::json& record) {
    auto it = record.find("point");
    return it != record.end() && it->is_array() ? it->get<Point>() : Point{};
  };
  auto was_injected = [](const nlohmann::json& record) {
    auto it = record.find("injected");
    return it != record.end() && it->is_boolean() && it->get<bool>();
  };
  auto where = [&dir](std::size_t k) {
    return dir.line_of(k) > 0 ? fmt::format("{} line {}", dir.evaluations_path(), dir.line_of(k))
                              : dir.evaluations_path();
  };

  // Replay what the run directory holds: the same asks in the same batches give the same points. A batch
  // cut short by an interruption leaves `pending` points, evaluated first below.
  const auto& records = dir.evaluations();
  // Wall-clock time since the run started (a resumed run goes on from its last record), for reports.
  const auto session_start = std::chrono::steady_clock::now();
  const bool timed = !records.empty() && records.back().contains("elapsed_s") && records.back()["elapsed_s"].is_number();
  const double elapsed_before = timed ? records.back()["elapsed_s"].get<double>() : 0.0;
  std::size_t k = 0;
  for (; k < records.size() && was_injected(records[k]); ++k) {
    Evaluation e = checked(evaluation_from_json(records[k]));
    const Point p = point_of(records[k]);
    if (!space.space().contains(p))
      return run_error("rundir.diverged", fmt::format("{}: evaluation {} is not a point of this mapping space",
                                                      where(k), k),
                       "the run was made with another version of mage or of the application; start a new run");
    optimizer->tell(p, outcome(e));
    consider(k, e, space.render(p));
  }
  const bool inject = k == 0 && !from.inject.empty();
  std::vector<Point> pending;
  while (k < records.size() && pending.empty()) {
    auto points = optimizer->ask(settings.batch);
    if (points.empty()) break;
    for (const Point& p : points) {
      if (k >= records.size()) {
        pending.push_back(p);
        continue;
      }
      if (point_of(records[k]) != p)
        return run_error("rundir.diverged",
                         fmt::format("{}: evaluation {} does not match what the optimizer asks now", where(k), k),
                         "the run was made with another version of mage or of the application; start a new run");
      Evaluation e = checked(evaluation_from_json(records[k]));
      optimizer->tell(p, outcome(e));
      consider(k, e, space.render(p));
      ++k;
    }
  }
  result.evaluations = k;
  prog.done = k;
  // best.mpl is exactly the recorded best: a run killed between two writes, or a deleted best.mpl, is
  // repaired here before anything new is evaluated.
  {
    std::string error;
    bool changed = false;
    if (!dir.sync_best(result.best_index ? std::optional<std::string>(result.best_program) : std::nullopt, changed,
                       error))
      return run_error("rundir.io", error, "check the permissions of the run directory");
  }

  // Writes a batch's programs, evaluates them, and records each outcome before telling the optimizer, so
  // that an interruption loses nothing finished. Injected points are marked as such for the replay.
  auto run_batch = [&](const std::vector<Point>& points, bool injected) -> std::optional<lang::Diagnostic> {
    std::vector<Candidate> batch;
    std::string error;
    for (std::size_t i = 0; i < points.size(); ++i) {
      Candidate c{space.render(points[i]), dir.candidate_path(result.evaluations + i)};
      if (!dir.write_candidate(result.evaluations + i, c.program, error)) return run_error("rundir.io", error, "");
      batch.push_back(std::move(c));
    }
    std::vector<Evaluation> outcomes = evaluate(batch);
    for (std::size_t i = 0; i < points.size(); ++i) {
      const std::size_t index = result.evaluations;
      outcomes[i] = checked(std::move(outcomes[i]));
      nlohmann::json record = to_json(outcomes[i]);
      record["index"] = index;
      record["point"] = points[i];
      if (injected) record["injected"] = true;
      record["candidate"] = fmt::format("candidates/{:05}.mpl", index);
      record["elapsed_s"] =
          elapsed_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - session_start).count();
      // best.mpl before the record: killed between the two, best.mpl is never older than the recorded
      // best, and a resume (sync_best) puts it back to exactly the recorded one.
      if (consider(index, outcomes[i], batch[i].program) && !dir.write_best(batch[i].program, error))
        return run_error("rundir.io", error, "");
      if (!dir.append_evaluation(record, error)) return run_error("rundir.io", error, "");
      optimizer->tell(points[i], outcome(outcomes[i]));
      ++result.evaluations;
    }
    return std::nullopt;
  };

  // Injected points first, in batches, told as knowledge the optimizer did not ask for.
  for (std::size_t first = 0; inject && first < from.inject.size() && !stop.load(); first += settings.batch) {
    const auto begin = from.inject.begin() + static_cast<std::ptrdiff_t>(first);
    const auto end =
        from.inject.begin() + static_cast<std::ptrdiff_t>(std::min(from.inject.size(), first + settings.batch));
    if (auto failed = run_batch(std::vector<Point>(begin, end), /*injected=*/true)) return *failed;
  }
  const auto start = std::chrono::steady_clock::now();
  std::size_t fresh = 0;
  while (result.evaluations < settings.budget && !stop.load()) {
    auto points = pending.empty() ? optimizer->ask(std::min(settings.batch, settings.budget - result.evaluations))
                                  : std::move(pending);
    pending.clear();
    if (points.empty()) {
      result.finished = optimizer->done();
      break;
    }
    if (auto failed = run_batch(points, false)) return *failed;
    fresh += points.size();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    prog.done = result.evaluations;
    prog.rate = elapsed > 0 ? static_cast<double>(fresh) / elapsed : 0;
    prog.eta = prog.rate > 0 ? static_cast<double>(settings.budget - result.evaluations) / prog.rate : 0;
    if (progress) progress(prog);
  }
  result.stopped = stop.load() && result.evaluations < settings.budget;
  return result;
}

}  // namespace mage::search
