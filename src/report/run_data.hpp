// A run directory as a report reads it (docs/search.md, docs/llm.md): the settings, every evaluation with
// its outcome, feedback and (for the LLM optimizer) rationale and tokens, the baselines and the summary.
// Read-only: a run being written to, or with a torn last line, is read as far as it is complete and the
// files are left as they are (search::RunDir::open repairs a run to resume it; a report never does).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lang/expected.hpp"

namespace mage::report {

// What went wrong in a failed evaluation, from its recorded error code.
enum class FailureKind {
  Check,        // the program does not parse or check (syntax.*, static.*, usage.*)
  Evaluation,   // it checks but fails when evaluated: mapping functions, mapping decisions, a stalled
                // simulation, a failed run of the real application (eval.*, mapping.*, sim.failed, run.*)
  OutOfMemory,  // mapping.out-of-memory
  Crash,        // the evaluation crashed or hit an internal error (sim.crash, *.internal, run.signal, ...)
  NoProgram,    // the LLM's answer held no usable program (llm.*)
};
inline constexpr FailureKind kFailureKinds[] = {FailureKind::Check, FailureKind::Evaluation, FailureKind::OutOfMemory,
                                                FailureKind::Crash, FailureKind::NoProgram};
FailureKind classify_failure(const std::string& code);
const char* to_string(FailureKind k);  // "check error", "evaluation error", "out of memory", "crash", "no program"

struct EvalRow {
  std::size_t index = 0;     // in the whole run, phases one after the other
  std::string phase;         // a hybrid run's phase (llm, ensemble, ccd); empty otherwise
  std::size_t phase_index = 0;  // the record's own `index` in its evaluations.jsonl
  bool ok = false;
  double score = 0, value = 0, seconds = 0;
  std::string unit;
  std::optional<double> elapsed;  // wall-clock s since the run started, where recorded (`elapsed_s`)
  std::string error_code, error;
  std::string system, explain, suggest;  // the feedback
  std::string candidate;  // the program's file, relative to the run directory
  std::optional<std::string> program;  // read for LLM evaluations and the best one
  bool injected = false;
  // The LLM optimizer's records.
  std::optional<std::size_t> iteration;
  bool extracted = true;
  std::string rationale;
  std::int64_t prompt_tokens = 0, completion_tokens = 0;

  std::optional<FailureKind> failure() const {
    return ok ? std::nullopt : std::optional<FailureKind>(classify_failure(error_code));
  }
};

struct Baseline {
  bool known = false;  // recorded in summary.json
  bool ok = false;
  double score = 0, value = 0;
  std::string program;  // default.mpl or expert.mpl; empty when absent
};

struct Run {
  std::string path;   // the directory, as given
  std::string label;  // "ensemble (cannon-60)"
  nlohmann::json settings = nlohmann::json::object();  // run.json
  nlohmann::json summary;                              // summary.json; null while a run is unfinished
  std::string app, machine, optimizer;
  std::int64_t nodes = 1;
  bool llm = false;        // made by the LLM optimizer (or the hybrid)
  std::string llm_model, llm_feedback, llm_temperature;  // its settings, as recorded
  bool measured = false;   // evaluated by running the real application
  std::string evaluated_on;  // "simulated on p100x4 (1 node)", from the summary when present
  Baseline fallback, expert;  // the default mapper and the expert's
  std::vector<EvalRow> evaluations;
  std::optional<std::size_t> best;  // into evaluations: the highest score
  std::string best_program;         // its program (best.mpl if its candidate file is missing)
  std::vector<std::string> warnings;  // what could not be read, e.g. a torn last line

  std::int64_t prompt_tokens() const;
  std::int64_t completion_tokens() const;
};

// Reads a run directory written by `mage tune`. An error (code "report.*", category Usage) names the file
// and what to do when `path` is not a run directory; damaged parts are skipped and listed in `warnings`.
lang::Expected<Run> load_run(const std::string& path);

}  // namespace mage::report
