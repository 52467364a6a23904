// The engine: times a mapped task graph on a platform with SimGrid. Every computation and every copy
// is a SimGrid activity; copies share links and contend on them. Each processor runs one task at a time
// in program order as soon as its dependences and input copies are done; a per-processor copy engine
// fetches inputs ahead, so copies overlap with computation; each node's runtime maps tasks on its
// utility processor, with InstanceLimit back-pressure and per-memory accounting. An execution fence
// separates the warm-up from the timed steps: the timed tasks and their copies start after every warm-up
// task has finished (the runtime maps ahead regardless, as Legion's does past an execution fence).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sim/task_graph.hpp"

namespace mage::sim {

struct TaskTiming {
  double launched = 0;  // mapped by the runtime
  double start = 0;
  double end = 0;
  int limit_wait = -1;  // the task whose end let the runtime map this one past an InstanceLimit; -1: none
};

struct CopyTiming {
  int task = 0;
  int index = 0;  // into SimTask::copies
  double start = 0;
  double end = 0;
};

struct OutOfMemory {
  int task = 0;
  int memory = 0;
  std::uint64_t requested = 0;
  std::uint64_t in_use = 0;  // before the request
  std::uint64_t capacity = 0;
  std::string what;
};

struct EngineResult {
  bool completed = false;
  std::string error;  // why the run did not complete
  bool stalled = false;  // it ran, but some task never could (a dependence cycle, an InstanceLimit)
  bool crashed = false;  // the simulation process failed (died, threw, could not start): mage's fault, not the program's
  std::optional<OutOfMemory> oom;
  double makespan = 0;
  // The execution fence that ends the warm-up (first_timed_task): the end of the last warm-up task, or 0
  // without a warm-up. No timed task, and no copy for one, starts before it.
  double timed_start = 0;
  std::vector<TaskTiming> tasks;
  std::vector<CopyTiming> copies;
  std::vector<double> processor_busy;        // seconds computing, per processor
  std::vector<std::uint64_t> link_bytes;     // bytes carried, per link
  std::vector<std::uint64_t> memory_peak;    // bytes, per memory
};

// Runs SimGrid in this process. SimGrid keeps global state, so this may run once per process: use
// run_engine_isolated from anything that simulates more than once.
EngineResult run_engine(const EnginePlatform& platform, const TaskGraph& graph);

// Runs run_engine in a child process and returns its result; a crash of the child becomes an error.
EngineResult run_engine_isolated(const EnginePlatform& platform, const TaskGraph& graph);

nlohmann::json to_json(const EngineResult& r);

// The compact binary form the simulation child sends its result in (JSON of 50 k tasks takes longer
// to write and parse than the simulation itself). decode returns nullopt on a truncated or bad buffer.
std::string encode(const EngineResult& r);
std::optional<EngineResult> decode(std::string_view bytes);

}  // namespace mage::sim
