// What the engine executes: point tasks in program order, already mapped, with their dependences,
// input copies and instance allocations. The planner derives it from an application, a machine and a
// policy; the engine only times it. Plain data, so it can be built by hand in tests.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mage::sim {

// A copy from one memory to another, to bring a task's input up to date before it runs.
struct CopyOp {
  int src_memory = 0;
  int dst_memory = 0;
  std::uint64_t bytes = 0;
  int after_task = -1;  // the task that produced the source data (-1: valid from the start)
  std::string what;     // "`ghost` n0.sysmem→n0.fbmem1", for traces
  std::string region;   // the argument's name as rules see it, for explanations
};

// Memory a task's instances take while they live.
struct Allocation {
  int memory = 0;
  std::uint64_t bytes = 0;
  bool released_at_end = false;  // collected when the task finishes (CollectMemory, reduction buffers)
  std::string what;
};

struct SimTask {
  std::string name;        // task name
  std::string label;       // name and point, e.g. "stencil (3, 1)"
  int processor = 0;       // engine processor index
  int node = 0;            // node whose runtime launches it
  double compute_seconds = 0;  // kernel time on its processor (launch overhead included)
  std::vector<int> deps;   // tasks that must finish first (true, anti and output dependences)
  std::vector<CopyOp> copies;
  std::vector<Allocation> allocations;  // made when the runtime maps the task
  int limit_group = -1;    // index into TaskGraph::limits for InstanceLimit back-pressure, -1 if none
  int step = 0;            // time step, for the timed window
  bool setup = false;      // of a set-up launch (first step only): part of the warm-up
  bool replicated = false; // control-replicated: launched by its own node's runtime, not node 0's
};

// At most `count` tasks of a group mapped but not finished at once on one node.
struct InstanceLimitGroup {
  std::string task;
  std::int64_t count = 1;
};

struct EngineProcessor {
  std::string name;  // "n0.GPU1"
  int node = 0;
};

struct EngineMemory {
  std::string name;  // "n0.FBMEM1"
  int node = 0;
  std::uint64_t capacity = 0;  // bytes; 0 = unbounded
};

struct EngineLink {
  std::string name;
  double bandwidth = 1e9;  // bytes/s
  double latency = 0;      // s
};

// The platform as the engine needs it: processors, memories, links, and the route between memories.
struct EnginePlatform {
  int nodes = 1;
  std::vector<EngineProcessor> processors;
  std::vector<EngineMemory> memories;
  std::vector<EngineLink> links;
  // Link indices from memory src to memory dst, only for the pairs a copy uses: a dense table would take
  // memories^2 entries, gigabytes on a few thousand nodes.
  std::map<std::pair<int, int>, std::vector<int>> routes;
  // The route from src to dst; empty for the same memory or a pair no copy uses.
  const std::vector<int>& route(int src, int dst) const {
    static const std::vector<int> none;
    auto it = routes.find({src, dst});
    return it == routes.end() ? none : it->second;
  }
  double runtime_overhead = 0;  // seconds of utility-processor work to map and launch one task
  double remote_launch_latency = 0;  // a launch from another node's runtime pays this (no replication)
};

struct TaskGraph {
  std::vector<SimTask> tasks;  // program order
  std::vector<InstanceLimitGroup> limits;
  int warmup_steps = 0;             // steps before the timed window
};

// The warm-up is the set-up launches and the warm-up steps; an execution fence follows it, and the timed
// steps are the tasks after the fence. The fence sits after the last warm-up task in program order, so a
// task that precedes a set-up launch belongs to the warm-up too (no timed task can be one a warm-up task
// waits for). Returns the index of the first timed task (tasks.size() when every task is warm-up).
inline std::size_t first_timed_task(const TaskGraph& g) {
  std::size_t first = 0;
  for (std::size_t t = 0; t < g.tasks.size(); ++t)
    if (g.tasks[t].setup || g.tasks[t].step < g.warmup_steps) first = t + 1;
  return first;
}

}  // namespace mage::sim
