// The planner: from an application, a machine and a compiled policy to the task graph the engine times.
//
// It replays the program in order, as the runtime's dependence analysis does: each point task gets its
// processor and, per argument, a memory and layout from the policy; dependences come from privileges and
// overlapping pieces; copies bring stale data to the chosen memory from the best valid copy (applying
// pending reductions); instances are allocated once per (memory, piece, fields) and reused, or collected
// after the task under CollectMemory. Deterministic and free of SimGrid, so it is tested directly.
#pragma once

#include <string>
#include <vector>

#include "lang/expected.hpp"
#include "mapping/policy.hpp"
#include "model/app_model.hpp"
#include "model/machine_model.hpp"
#include "sim/task_graph.hpp"

namespace mage::sim {

// What the plan knows about one argument of one point task, for results and feedback.
struct ArgPlan {
  std::string region;  // the argument's most specific name
  MemKind memory_kind = MemKind::SYSMEM;
  model::MemId memory = 0;
  std::string layout;  // "SOA F_order"
  std::int64_t bytes = 0;
  double memory_slowdown = 1;  // the layout's factor on this argument's share of the kernel's traffic
};

struct TaskPlan {
  std::size_t launch = 0;
  int step = 0;
  mapping::Coords point;
  ProcKind kind = ProcKind::CPU;
  model::ProcId processor = 0;
  double flops = 0;
  double traffic = 0;      // bytes the kernel moves through memory
  double compute_slowdown = 1;  // the layouts' factor on the kernel's arithmetic (rare: vector loads)
  std::vector<ArgPlan> args;
};

struct Plan {
  EnginePlatform platform;
  TaskGraph graph;
  std::vector<TaskPlan> tasks;  // parallel to graph.tasks
};

lang::Expected<Plan> plan(const model::AppModel& app, const model::MachineModel& machine, mapping::Policy& policy);

}  // namespace mage::sim
