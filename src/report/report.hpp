// The report pages: one self-contained HTML file (inline CSS and SVG, a few lines of inline script to sort
// tables; nothing loaded from the network) about one or several tuning runs, or about one simulation.
//
// Sections of a runs page, each an element with the id given: `overview`, `convergence` (best-so-far score
// against evaluations, and against wall-clock time where recorded, one line per run, the default and
// expert mappers as dashed references), `distribution` (scores, and failure kinds from the recorded error
// codes), `best` (the best mapper and its line diff against the default and expert programs),
// `simulation` (the best mapper simulated again: a per-processor timeline of the timed steps, busy and
// idle time, per-task times, the largest copies, the critical path, a link to the Perfetto trace),
// `evaluations` (every evaluation in a sortable table) and, for LLM runs, `llm` (each iteration's
// rationale, program, outcome, feedback and tokens). A simulation page has `overview`, `simulation`,
// `feedback` and `program`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "feedback/feedback.hpp"
#include "report/run_data.hpp"
#include "sim/simulate.hpp"

namespace mage::report {

// A simulation to show, with what the page says about it.
struct SimView {
  const sim::SimResult* result = nullptr;  // null: not simulated (see `note`)
  feedback::Feedback feedback;
  std::string mapper;      // what was simulated ("the best mapper of ensemble (run-1), evaluation 17")
  std::string trace_href;  // the Perfetto trace, relative to the page; empty: none written
  std::string note;        // why there is no simulation, or a remark on it
};

// The page about `runs` (at least one). `best` is the best mapper's simulation (or why there is none);
// `page_dir` is the folder the page is written to, for links to the runs' files.
std::string render_runs_page(const std::vector<Run>& runs, const SimView& best, const std::string& page_dir);

// The page about one simulation of `program` (`mage sim --report`).
std::string render_simulation_page(const SimView& sim, const std::string& program, const std::string& app);

// The simulation's sections alone (timeline, busy and idle time, per-task times, copies, critical path),
// inside an element with id `simulation`.
std::string render_simulation_section(const SimView& sim);

}  // namespace mage::report
