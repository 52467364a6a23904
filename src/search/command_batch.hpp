// Evaluating candidate mapper programs by running the real application (the command evaluator), up to
// `jobs` at once; the measured time or throughput becomes the score, a failure its diagnostic's feedback.
#pragma once

#include "search/command_evaluator.hpp"
#include "search/tune.hpp"

namespace mage::search {

Evaluation evaluate_by_command(const CommandEvaluator& command, const Candidate& candidate);
BatchEvaluator make_command_batch_evaluator(const CommandEvaluator& command, int jobs);

}  // namespace mage::search
