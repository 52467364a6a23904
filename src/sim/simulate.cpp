#include "sim/simulate.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace mage::sim {

namespace {

lang::Diagnostic out_of_memory(const OutOfMemory& oom, const Plan& plan, const model::MachineModel& machine) {
  const SimTask& t = plan.graph.tasks[static_cast<std::size_t>(oom.task)];
  lang::Diagnostic d;
  d.category = lang::Category::Mapping;
  d.code = "mapping.out-of-memory";
  d.message = fmt::format("out of memory: the instance of {} for {} needs {} in {}, which has {} of {} in use",
                          oom.what, t.label, model::format_bytes(static_cast<std::int64_t>(oom.requested)),
                          model::memory_name(machine, static_cast<model::MemId>(oom.memory)),
                          model::format_bytes(static_cast<std::int64_t>(oom.in_use)),
                          model::format_bytes(static_cast<std::int64_t>(oom.capacity)));
  d.hint = "place this region in a larger memory with a `Region` rule (e.g. ZCMEM or SYSMEM), spread the pieces "
           "over more processors, or bound live instances with `InstanceLimit` and `CollectMemory`";
  return d;
}

lang::Diagnostic engine_failure(const std::string& why) {
  lang::Diagnostic d;
  d.category = lang::Category::Mapping;
  d.code = "sim.failed";
  d.message = fmt::format("the simulation did not complete: {}", why);
  d.hint = "a dependence cycle or an InstanceLimit below what a task needs stalls the program: check them";
  return d;
}

// The simulation process crashed: a bug in mage, whatever the program (docs/simulator.md).
lang::Diagnostic internal_failure(const std::string& why) {
  lang::Diagnostic d;
  d.category = lang::Category::Mapping;
  d.code = "sim.crash";
  d.message = fmt::format("mage failed, not the program: {}", why);
  d.hint = "this is a bug in mage and says nothing about the mapper; the program is unchanged: report it with the "
           "program and the command line";
  return d;
}

// Walks back from the last task to finish, each time to whatever it waited for last.
CriticalPath critical_path(const Plan& plan, const EngineResult& r, const model::MachineModel& machine) {
  CriticalPath path;
  const auto& tasks = plan.graph.tasks;
  if (tasks.empty()) return path;
  std::vector<std::vector<std::size_t>> copies_of(tasks.size());
  for (std::size_t c = 0; c < r.copies.size(); ++c) copies_of[static_cast<std::size_t>(r.copies[c].task)].push_back(c);
  std::vector<int> previous_on_proc(tasks.size(), -1);
  std::map<int, int> last_on_proc;
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    auto [it, fresh] = last_on_proc.emplace(tasks[t].processor, static_cast<int>(t));
    if (!fresh) {
      previous_on_proc[t] = it->second;
      it->second = static_cast<int>(t);
    }
  }
  int t = 0;
  for (std::size_t i = 1; i < tasks.size(); ++i)
    if (r.tasks[i].end > r.tasks[static_cast<std::size_t>(t)].end) t = static_cast<int>(i);
  for (int hops = 0; t >= 0 && hops < 100000; ++hops) {
    auto ti = static_cast<std::size_t>(t);
    const TaskTiming& tt = r.tasks[ti];
    path.compute += tt.end - tt.start;
    if (path.steps.size() < 8)
      path.steps.push_back(fmt::format("{} on {} computed {}", tasks[ti].label,
                                       model::processor_name(machine, static_cast<model::ProcId>(tasks[ti].processor)),
                                       model::format_seconds(tt.end - tt.start)));
    // What ended last before it started.
    double latest = tt.launched;
    int next = -1;
    const CopyTiming* copy = nullptr;
    for (int d : tasks[ti].deps)
      if (r.tasks[static_cast<std::size_t>(d)].end > latest) latest = r.tasks[static_cast<std::size_t>(d)].end, next = d, copy = nullptr;
    if (int p = previous_on_proc[ti]; p >= 0 && r.tasks[static_cast<std::size_t>(p)].end > latest)
      latest = r.tasks[static_cast<std::size_t>(p)].end, next = p, copy = nullptr;
    for (std::size_t c : copies_of[ti])
      if (r.copies[c].end > latest) latest = r.copies[c].end, copy = &r.copies[c];
    if (copy) {
      const CopyOp& op = tasks[ti].copies[static_cast<std::size_t>(copy->index)];
      path.copies += copy->end - copy->start;
      if (path.steps.size() < 8)
        path.steps.push_back(fmt::format("{} waited for a copy of {} ({})", tasks[ti].label, op.what,
                                         model::format_seconds(copy->end - copy->start)));
      next = op.after_task;
    } else if (next < 0 && tt.launched > 0) {
      path.runtime += tt.launched;
    }
    t = next;
  }
  return path;
}

}  // namespace

SimResult simulate(const model::AppModel& app, const model::MachineModel& machine, mapping::Policy& policy) {
  SimResult result;
  result.app = app.name;
  result.machine = fmt::format("{}, {} node{} (simulated model)", machine.spec.name, machine.nodes.size(),
                               machine.nodes.size() == 1 ? "" : "s");
  result.unit = app.throughput.unit;
  result.steps = app.steps;
  auto planned = plan(app, machine, policy);
  if (!planned) {
    result.error = planned.error();
    return result;
  }
  result.plan = *planned;
  result.timings = run_engine_isolated(result.plan.platform, result.plan.graph);
  const EngineResult& r = result.timings;
  if (!r.completed) {
    result.error = r.crashed ? internal_failure(r.error)
                   : r.oom   ? out_of_memory(*r.oom, result.plan, machine)
                             : engine_failure(r.error);
    return result;
  }
  result.ok = true;
  result.total_time = r.makespan;
  double timed = r.makespan - r.timed_start;
  result.step_time = app.steps > 0 ? timed / static_cast<double>(app.steps) : 0;
  result.throughput = result.step_time > 0 ? app.throughput.per_step / result.step_time : 0;

  const auto& tasks = result.plan.graph.tasks;
  std::map<int, ProcessorUse> procs;
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    auto& use = procs[tasks[t].processor];
    ++use.tasks;
  }
  for (auto& [p, use] : procs) {
    use.name = model::processor_name(machine, static_cast<model::ProcId>(p));
    use.kind = machine.processors[static_cast<std::size_t>(p)].kind;
    use.busy = r.processor_busy[static_cast<std::size_t>(p)];
    use.utilization = r.makespan > 0 ? use.busy / r.makespan : 0;
    result.processors.push_back(use);
  }
  for (std::size_t l = 0; l < r.link_bytes.size(); ++l) {
    if (r.link_bytes[l] == 0) continue;
    double bw = machine.links[l].bandwidth;
    result.channels.push_back(ChannelUse{model::link_name(machine, static_cast<model::LinkId>(l)), r.link_bytes[l],
                                         r.makespan > 0 && bw > 0 ? static_cast<double>(r.link_bytes[l]) / bw / r.makespan : 0});
  }
  for (std::size_t m = 0; m < r.memory_peak.size(); ++m) {
    if (r.memory_peak[m] == 0) continue;
    result.memories.push_back(MemoryUse{model::memory_name(machine, static_cast<model::MemId>(m)), machine.memories[m].kind,
                                        r.memory_peak[m], static_cast<std::uint64_t>(machine.memories[m].capacity)});
  }
  std::map<std::tuple<std::string, std::string, MemKind, MemKind>, CopyGroup> groups;
  for (const auto& c : r.copies) {
    const SimTask& t = tasks[static_cast<std::size_t>(c.task)];
    const CopyOp& op = t.copies[static_cast<std::size_t>(c.index)];
    MemKind from = machine.memories[static_cast<std::size_t>(op.src_memory)].kind;
    MemKind to = machine.memories[static_cast<std::size_t>(op.dst_memory)].kind;
    auto& g = groups[{op.region, t.name, from, to}];
    g.region = op.region;
    g.task = t.name;
    g.from = from;
    g.to = to;
    ++g.count;
    g.bytes += op.bytes;
    g.seconds += c.end - c.start;
    result.copy_bytes += op.bytes;
  }
  for (auto& [k, g] : groups) result.copies.push_back(g);
  std::stable_sort(result.copies.begin(), result.copies.end(),
                   [](const CopyGroup& a, const CopyGroup& b) { return a.bytes > b.bytes; });
  result.critical = critical_path(result.plan, r, machine);
  return result;
}

std::string render_summary(const SimResult& r) {
  std::string out = fmt::format("application `{}` on {}\n", r.app, r.machine);
  if (!r.ok) return out + fmt::format("failed: {}\n", r.error ? r.error->message : "unknown error");
  out += fmt::format("time: {} for {} timed step{} ({} per step), {} in all\n", model::format_seconds(r.step_time * static_cast<double>(r.steps)),
                     r.steps, r.steps == 1 ? "" : "s", model::format_seconds(r.step_time), model::format_seconds(r.total_time));
  out += fmt::format("throughput: {:.4g} {} (simulated)\n", r.throughput, r.unit);
  out += "processors:\n";
  for (const auto& p : r.processors)
    out += fmt::format("  {:<14} {:>6} tasks  busy {:>10}  {:5.1f}%\n", p.name, p.tasks, model::format_seconds(p.busy),
                       100 * p.utilization);
  if (!r.copies.empty()) {
    out += fmt::format("copies: {} in all\n", model::format_bytes(static_cast<std::int64_t>(r.copy_bytes)));
    for (std::size_t i = 0; i < std::min<std::size_t>(r.copies.size(), 6); ++i) {
      const auto& c = r.copies[i];
      out += fmt::format("  `{}` {}→{} for `{}`: {} copies, {}\n", c.region, to_string(c.from), to_string(c.to), c.task,
                         c.count, model::format_bytes(static_cast<std::int64_t>(c.bytes)));
    }
  }
  if (!r.memories.empty()) {
    out += "memory peaks:\n";
    for (const auto& m : r.memories)
      out += fmt::format("  {:<14} {:>10} of {}\n", m.name, model::format_bytes(static_cast<std::int64_t>(m.peak)),
                         m.capacity ? model::format_bytes(static_cast<std::int64_t>(m.capacity)) : std::string("unbounded"));
  }
  out += fmt::format("critical path: {} computing, {} waiting for copies, {} waiting for the runtime\n",
                     model::format_seconds(r.critical.compute), model::format_seconds(r.critical.copies),
                     model::format_seconds(r.critical.runtime));
  return out;
}

nlohmann::json to_json(const SimResult& r) {
  nlohmann::json j;
  j["ok"] = r.ok;
  j["simulated"] = true;
  j["machine"] = r.machine;
  j["app"] = r.app;
  if (!r.ok) {
    j["error"] = r.error ? lang::to_json(*r.error, nullptr) : nlohmann::json(nullptr);
    if (r.internal_error()) j["internal_error"] = true;  // mage failed, not the program
    return j;
  }
  j["total_time_s"] = r.total_time;
  j["step_time_s"] = r.step_time;
  j["steps"] = r.steps;
  j["throughput"] = r.throughput;
  j["unit"] = r.unit;
  for (const auto& p : r.processors)
    j["processors"].push_back({{"name", p.name}, {"kind", std::string(to_string(p.kind))}, {"tasks", p.tasks},
                               {"busy_s", p.busy}, {"utilization", p.utilization}});
  for (const auto& c : r.channels)
    j["channels"].push_back({{"name", c.name}, {"bytes", c.bytes}, {"utilization", c.utilization}});
  for (const auto& m : r.memories)
    j["memories"].push_back({{"name", m.name}, {"kind", std::string(to_string(m.kind))}, {"peak_bytes", m.peak},
                             {"capacity_bytes", m.capacity}});
  for (const auto& c : r.copies)
    j["copies"].push_back({{"region", c.region}, {"task", c.task}, {"from", std::string(to_string(c.from))},
                           {"to", std::string(to_string(c.to))}, {"count", c.count}, {"bytes", c.bytes},
                           {"seconds", c.seconds}});
  j["copy_bytes"] = r.copy_bytes;
  j["critical_path"] = {{"compute_s", r.critical.compute}, {"copies_s", r.critical.copies},
                        {"runtime_s", r.critical.runtime}, {"steps", r.critical.steps}};
  return j;
}

}  // namespace mage::sim
