// What every `mage tune` run shares, whatever searches: the settings, the machine and application models,
// the run directory, the evaluator (simulation or the real application) and the two baselines.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "apps/builtin.hpp"
#include "cli/commands.hpp"
#include "model/app_model.hpp"
#include "model/machine_model.hpp"
#include "search/command_evaluator.hpp"
#include "search/tune.hpp"

namespace mage::cli {

struct TuneSession {
  search::TuneSettings settings;
  model::MachineModel machine;
  model::AppModel app;
  std::optional<search::RunDir> dir;
  std::optional<search::CommandEvaluator> command;
  search::BatchEvaluator evaluate;
  const apps::BuiltinApp* builtin = nullptr;
  search::Evaluation expert, fallback;  // fallback: the default mapper
  std::string what;                     // "simulated on p100x4 (1 node)" or "measured"
};

// Reads the options (or the run directory to resume), loads the models, creates the run directory with
// `extra` settings, and evaluates the baselines. Prints usage errors and returns null on failure.
std::unique_ptr<TuneSession> open_session(const TuneOptions& o, const std::string& optimizer,
                                          const nlohmann::json& extra);
// "  default mapper: ...", "  expert mapper: ...", "  run directory: ..." on stderr.
void print_session(const TuneSession& s, const std::string& search);
std::string describe(const search::Evaluation& e);
// Writes summary.json and prints the result lines; the exit code.
int finish_session(TuneSession& s, const std::optional<search::Evaluation>& best, std::optional<std::size_t> index,
                   std::size_t evaluations, nlohmann::json summary);
int usage_failure(const lang::Diagnostic& d);

// The LLM optimizer's run (`--optimizer llm` or `hybrid`).
int run_tune_llm(const TuneOptions& o);

}  // namespace mage::cli
