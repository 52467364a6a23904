// One simulation from end to end: plan the application under the policy, time it with the engine, and
// summarise the outcome — time and throughput in the application's unit, processor use, bytes per
// channel, memory peaks, where the copies went, and the critical path. Results are simulated, and say
// on which machine model.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lang/diagnostic.hpp"
#include "sim/engine.hpp"
#include "sim/planner.hpp"

namespace mage::sim {

struct ProcessorUse {
  std::string name;
  ProcKind kind = ProcKind::CPU;
  int tasks = 0;
  double busy = 0;         // s computing
  double utilization = 0;  // busy / total time
  // The timed steps' work: kernel time (launch overhead included) of the tasks after the fence that
  // have work to do (FLOP or bytes); tasks without work, such as placement or control tasks, are left out.
  int work_tasks = 0;
  double work = 0;  // s
};

struct ChannelUse {
  std::string name;
  std::uint64_t bytes = 0;
  double utilization = 0;  // bytes / bandwidth / total time
};

struct MemoryUse {
  std::string name;
  MemKind kind = MemKind::SYSMEM;
  std::uint64_t peak = 0;
  std::uint64_t capacity = 0;
};

// Copies grouped by what moved where: `ghost` SYSMEM→FBMEM, for task `stencil`.
struct CopyGroup {
  std::string region;
  std::string task;
  MemKind from = MemKind::SYSMEM;
  MemKind to = MemKind::SYSMEM;
  int count = 0;
  std::uint64_t bytes = 0;
  double seconds = 0;  // summed durations
};

// The chain of activities that decided the timed window (from the execution fence to the end of the
// run), by kind: compute + copies + runtime + waits = window.
struct CriticalPath {
  double compute = 0;  // s of task execution on the path
  double copies = 0;   // s of copies the path waited for
  double runtime = 0;  // s of the runtime's work on the path: mapping tasks, launch messages to other nodes
  std::vector<std::string> steps;  // the last few links of the chain, latest first
  double waits = 0;    // s between a link and the one it waited for (time nothing on the path explains)
  double window = 0;   // s from the fence to the end of the run
};

// Whether a planned task has work to do; one without (a placement or control task) only costs its launch.
inline bool has_work(const TaskPlan& t) { return t.flops > 0 || t.traffic > 0; }

struct SimResult {
  bool ok = false;
  // When !ok: a mapping error, out of memory, a stall, or (code "sim.crash") a crash of the simulation
  // process, which is mage's failure and not the program's: see internal_error().
  std::optional<lang::Diagnostic> error;
  std::string machine;    // "p100x4, 1 node (simulated model)"
  std::string app;
  double total_time = 0;  // s, all steps
  double warmup_time = 0; // s before the execution fence: set-up and warm-up steps
  double step_time = 0;   // s per timed step: (end of the run - fence) / steps
  std::int64_t steps = 0;
  double throughput = 0;  // in `unit`
  std::string unit;
  std::vector<ProcessorUse> processors;  // those that ran tasks
  std::vector<ChannelUse> channels;      // those that carried bytes
  std::vector<MemoryUse> memories;       // those that held instances
  std::vector<CopyGroup> copies;         // largest first
  std::uint64_t copy_bytes = 0;
  CriticalPath critical;
  Plan plan;             // what was simulated, for traces and explanations
  EngineResult timings;
  // mage failed, not the program: the simulation process crashed (error code "sim.crash").
  bool internal_error() const { return !ok && timings.crashed; }
};

SimResult simulate(const model::AppModel& app, const model::MachineModel& machine, mapping::Policy& policy);

// A short human summary (simulated figures labelled as such).
std::string render_summary(const SimResult& r);
nlohmann::json to_json(const SimResult& r);

}  // namespace mage::sim
