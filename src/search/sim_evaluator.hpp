// Evaluating candidate mapper programs by simulation: compile against the application and machine, simulate,
// and turn the outcome into the three-part feedback. The batch evaluator runs up to `jobs` candidates at
// once, each in a child process of its own (the simulator's engine cannot run twice in one process, and a
// crash costs one evaluation, not the run).
#pragma once

#include <string>

#include "model/app_model.hpp"
#include "model/machine_model.hpp"
#include "search/tune.hpp"

namespace mage::search {

// In this process: the outcome of one program, named `name` in its diagnostics.
Evaluation evaluate_by_simulation(const model::AppModel& app, const model::MachineModel& machine,
                                  const std::string& program, const std::string& name);

BatchEvaluator make_sim_evaluator(const model::AppModel& app, const model::MachineModel& machine, int jobs);

}  // namespace mage::search
