#include "sim/trace.hpp"

#include <nlohmann/json.hpp>

namespace mage::sim {

namespace {
constexpr double kMicro = 1e6;
}

nlohmann::json trace_json(const SimResult& result) {
  const Plan& plan = result.plan;
  const EngineResult& r = result.timings;
  nlohmann::json events = nlohmann::json::array();
  // Tracks: processors keep their engine index as thread id; channels follow them.
  const int processors = static_cast<int>(plan.platform.processors.size());
  auto name_track = [&](int pid, int tid, const std::string& name) {
    events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", pid}, {"tid", tid}, {"args", {{"name", name}}}});
  };
  for (int n = 0; n < plan.platform.nodes; ++n)
    events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", n}, {"args", {{"name", "node " + std::to_string(n)}}}});
  std::vector<bool> used_proc(static_cast<std::size_t>(processors), false);
  for (std::size_t t = 0; t < plan.graph.tasks.size() && t < r.tasks.size(); ++t) {
    const SimTask& task = plan.graph.tasks[t];
    const TaskTiming& tt = r.tasks[t];
    used_proc[static_cast<std::size_t>(task.processor)] = true;
    events.push_back({{"ph", "X"}, {"name", task.label}, {"cat", "task"}, {"pid", task.node},
                      {"tid", task.processor}, {"ts", tt.start * kMicro}, {"dur", (tt.end - tt.start) * kMicro},
                      {"args", {{"step", task.step}, {"mapped_at_us", tt.launched * kMicro}}}});
  }
  for (int p = 0; p < processors; ++p)
    if (used_proc[static_cast<std::size_t>(p)])
      name_track(plan.platform.processors[static_cast<std::size_t>(p)].node, p,
                 plan.platform.processors[static_cast<std::size_t>(p)].name);
  std::vector<bool> used_link(plan.platform.links.size(), false);
  for (const auto& c : r.copies) {
    const CopyOp& op = plan.graph.tasks[static_cast<std::size_t>(c.task)].copies[static_cast<std::size_t>(c.index)];
    const auto& route = plan.platform.route(op.src_memory, op.dst_memory);
    for (int l : route) {
      used_link[static_cast<std::size_t>(l)] = true;
      int node = plan.platform.memories[static_cast<std::size_t>(op.src_memory)].node;
      events.push_back({{"ph", "X"}, {"name", op.what}, {"cat", "copy"}, {"pid", node}, {"tid", processors + l},
                        {"ts", c.start * kMicro}, {"dur", (c.end - c.start) * kMicro},
                        {"args", {{"bytes", op.bytes}, {"for", plan.graph.tasks[static_cast<std::size_t>(c.task)].label}}}});
    }
  }
  for (std::size_t l = 0; l < used_link.size(); ++l)
    if (used_link[l])
      for (int n = 0; n < plan.platform.nodes; ++n) name_track(n, processors + static_cast<int>(l), plan.platform.links[l].name);
  return {{"traceEvents", std::move(events)}, {"displayTimeUnit", "ms"},
          {"otherData", {{"machine", result.machine}, {"app", result.app}, {"simulated", true}}}};
}

}  // namespace mage::sim
