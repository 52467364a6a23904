// The tuning loop: an optimizer proposes points of the mapping space, their programs are evaluated (by
// simulation or by running the real application), and every finished evaluation is appended to the run
// directory before the next batch starts, so an interruption loses nothing and `--resume` continues.
// Resuming replays the recorded outcomes through a fresh optimizer with the run's seed and batch size,
// which asks the same points again (the optimizers are deterministic), then carries on.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "feedback/feedback.hpp"
#include "lang/expected.hpp"
#include "search/mapping_space.hpp"
#include "search/run_dir.hpp"

namespace mage::search {

// What a tuning run is: written to run.json when it starts, read back to resume.
struct TuneSettings {
  std::string app;  // a built-in application or a model file
  std::string machine = "p100x4";
  std::int64_t nodes = 1;
  std::map<std::string, std::int64_t> params;  // built-in application parameters
  std::string optimizer = "ensemble";          // random, ensemble or ccd
  std::uint64_t seed = 1;
  std::size_t budget = 100;  // evaluations
  std::size_t batch = 1;     // points asked at once (the parallel evaluations); fixed for the run
  std::string run_command;   // empty: simulate; else the command evaluator's template
};
nlohmann::json to_json(const TuneSettings& s);
lang::Expected<TuneSettings> settings_from_json(const nlohmann::json& j, const std::string& file);

struct Candidate {
  std::string program;
  std::string path;  // where the program was written (the run directory's candidates/)
};

// One candidate's outcome. Higher score is better; a failed evaluation ranks below every success.
struct Evaluation {
  bool ok = false;
  double score = 0;       // throughput (simulated or measured), or 1 / time
  double value = 0;       // in `unit`
  std::string unit;
  double step_time = 0;   // s, when known
  std::string error_code;
  std::string error;
  // mage failed, not the program (a crashed simulation process, code "sim.crash"): the program's worth is
  // unknown, so it is counted apart and never held against the mapper. Recorded as "internal_error": true.
  bool internal = false;
  feedback::Feedback feedback;
  double seconds = 0;     // wall time the evaluation took
};
nlohmann::json to_json(const Evaluation& e);
// A record read back; never throws (a field of the wrong type reads as its default; RunDir::open refuses
// such records first).
Evaluation evaluation_from_json(const nlohmann::json& j);

// A number a measurement may be: finite, and zero or a positive normal number (1e-320 is not: its
// reciprocal overflows, and JSON cannot hold what follows).
bool is_measurement(double v);
// `e` as it may be recorded: a success whose score is not is_measurement() or whose value is not finite
// becomes a failure with code "eval.bad-value"; a non-finite duration becomes 0. Every outcome passes
// through this before it is recorded or compared.
Evaluation checked(Evaluation e);

// How a run's recorded evaluations ended: internal errors (mage's failures) apart from the programs' own.
struct OutcomeCounts {
  std::size_t succeeded = 0;
  std::size_t failed = 0;           // the program's fault: it does not check, map, fit or finish
  std::size_t internal_errors = 0;  // mage's fault: the evaluation crashed
};
OutcomeCounts count_outcomes(const std::vector<nlohmann::json>& records);
nlohmann::json to_json(const OutcomeCounts& c);

// Evaluates a batch of candidates, one outcome each, in order.
using BatchEvaluator = std::function<std::vector<Evaluation>(const std::vector<Candidate>&)>;

struct Progress {
  std::size_t done = 0;   // evaluations finished, replayed ones included
  std::size_t budget = 0;
  std::optional<double> best;  // score
  double expert = 0, fallback = 0;  // the baselines' scores (0: unknown or failed)
  std::size_t internal_errors = 0;  // evaluations mage failed (not the programs' fault)
  double rate = 0;        // evaluations per second in this session
  double eta = 0;         // s
};

struct TuneResult {
  std::size_t evaluations = 0;
  std::optional<std::size_t> best_index;
  Evaluation best;
  std::string best_program;
  bool stopped = false;   // interrupted before the budget
  bool finished = false;  // the optimizer had nothing left to try
};

// Where a search starts: its first point (default: the space's default point), and points to evaluate and
// tell the optimizer before it asks anything (a hybrid search's LLM proposals). Injected points are
// recorded with "injected": true, and replayed as such on resume.
struct TuneStart {
  std::optional<Point> start;
  std::vector<Point> inject;
};

// Runs (or resumes) a tuning run in `dir`. `baselines` are the expert and default programs' outcomes (for
// the progress line and the summary); `stop` ends the run after the current batch.
lang::Expected<TuneResult> tune(const TuneSettings& settings, const MappingSpace& space, const BatchEvaluator& evaluate,
                                RunDir& dir, const Evaluation& expert, const Evaluation& fallback,
                                const std::function<void(const Progress&)>& progress, const std::atomic<bool>& stop,
                                const TuneStart& from = {});

// "12/100  best 1.23x expert, 1.40x default  8.1 eval/s  ETA 11 s" (and "  2 internal errors" when any)
std::string render_progress(const Progress& p);

}  // namespace mage::search
