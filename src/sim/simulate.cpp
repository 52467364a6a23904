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

lang::Diagnostic engine_failure(const EngineResult& r) {
  lang::Diagnostic d;
  d.category = lang::Category::Mapping;
  d.code = r.stalled ? "sim.failed" : "sim.process-failed";
  d.message = fmt::format("the simulation did not complete: {}", r.error);
  // Only a run that stalled points at the program; anything else is the simulator's process failing.
  d.hint = r.stalled ? "a dependence cycle or an InstanceLimit below what a task needs stalls the program: check them"
                     : "the simulator ran out of memory or hit a resource limit of this process (such as "
                       "`ulimit -v`): simulate fewer nodes or a smaller problem, or raise the limit";
  return d;
}

// The simulation process crashed: a bug in mage, whatever the program (docs/simulator.md).
lang::Diagnostic internal_failure(const std::string& why) {
  lang::Diagnostic d;
  d.category = lang::Category::Mapping;
  d.code = "sim.crash";
  d.message = fmt::format("mage failed, not the program: {}", why);
  d.hint = "this says nothing about the mapper and the program is unchanged; if this process has a low resource "
           "limit (such as `ulimit -v`), raise it or simulate fewer nodes, otherwise it is a bug in mage: report it "
           "with the program and the command line";
  return d;
}

// The chain of activities that decided the timed window, walked back from the end of the last task to
// the execution fence. Each link is what the previous one waited for last: a task before a task (a
// dependence, or the one before it on its processor), a copy of one of its inputs, or the runtime that
// mapped it; a copy waits for the task that produced its data, the runtime, or the copies before it on
// its copy engine; the runtime's work on one task waits for its work on the one before, or for the task
// whose end made room under an InstanceLimit. Each link's time between the fence and the end of the run
// is counted once, and the time between a link and the one it waited for is a wait, so the parts add up
// to the window.
CriticalPath critical_path(const Plan& plan, const EngineResult& r, const model::MachineModel& machine) {
  CriticalPath path;
  const auto& tasks = plan.graph.tasks;
  const double fence = r.timed_start;
  path.window = std::max(0.0, r.makespan - fence);
  if (tasks.empty() || r.tasks.size() != tasks.size() || path.window <= 0) return path;
  const std::size_t first_timed = first_timed_task(plan.graph);
  const double eps = 1e-9 * std::max(1.0, r.makespan);
  const double overhead = plan.platform.runtime_overhead;

  std::vector<std::vector<std::size_t>> copies_of(tasks.size());
  for (std::size_t c = 0; c < r.copies.size(); ++c) copies_of[static_cast<std::size_t>(r.copies[c].task)].push_back(c);
  // The task before on the same processor, the task with copies before on the same copy engine, and the
  // task before on the same runtime (node 0's for launches that are not replicated).
  std::vector<int> previous_on_proc(tasks.size(), -1), previous_batch(tasks.size(), -1),
      previous_on_runtime(tasks.size(), -1);
  std::map<int, int> last_on_proc, last_batch, last_on_runtime;
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    const int id = static_cast<int>(t);
    if (auto it = last_on_proc.find(tasks[t].processor); it != last_on_proc.end()) previous_on_proc[t] = it->second;
    last_on_proc[tasks[t].processor] = id;
    if (!tasks[t].copies.empty()) {
      if (auto it = last_batch.find(tasks[t].processor); it != last_batch.end()) previous_batch[t] = it->second;
      last_batch[tasks[t].processor] = id;
    }
    const int runtime = tasks[t].replicated ? tasks[t].node : -1;
    if (auto it = last_on_runtime.find(runtime); it != last_on_runtime.end()) previous_on_runtime[t] = it->second;
    last_on_runtime[runtime] = id;
  }
  auto remote_latency = [&](std::size_t t) {
    return !tasks[t].replicated && tasks[t].node != 0 ? plan.platform.remote_launch_latency : 0.0;
  };
  auto name_of = [&](std::size_t t) {
    return model::processor_name(machine, static_cast<model::ProcId>(tasks[t].processor));
  };

  enum class Kind { Task, Copy, Runtime, Fence };
  struct Link {
    Kind kind = Kind::Fence;
    std::size_t index = 0;  // task, or copy timing
    double end = 0;
  };
  // Among the candidates, the one that ended last, no later than `at` (ties: the first offered).
  struct Latest {
    double at, eps;
    Link best{Kind::Fence, 0, -1};
    bool found = false;
    void offer(Kind kind, std::size_t index, double end) {
      if (end > at + eps || (found && end <= best.end)) return;
      best = Link{kind, index, end};
      found = true;
    }
  };
  // Adds the part of [from, to] inside the window to `part`; true while the walk is still inside.
  auto add = [&](double& part, double from, double to) {
    part += std::max(0.0, to - std::max(from, fence));
    return from > fence + eps;
  };
  auto note = [&](std::string text) {
    if (path.steps.size() < 8) path.steps.push_back(std::move(text));
  };

  std::size_t last = 0;
  for (std::size_t i = 1; i < tasks.size(); ++i)
    if (r.tasks[i].end > r.tasks[last].end) last = i;
  Link at{Kind::Task, last, r.tasks[last].end};
  double cursor = r.tasks[last].end;
  bool remote_hop = false;  // the runtime link reached from a task on another node pays the launch latency
  const std::size_t max_hops = 4 * (tasks.size() + r.copies.size()) + 16;
  for (std::size_t hops = 0; hops < max_hops; ++hops) {
    Latest latest{cursor, eps};
    bool inside = true;
    if (at.kind == Kind::Fence) break;
    if (at.kind == Kind::Task) {
      const std::size_t t = at.index;
      const TaskTiming& tt = r.tasks[t];
      note(fmt::format("{} on {} computed {}", tasks[t].label, name_of(t), model::format_seconds(tt.end - tt.start)));
      inside = add(path.compute, tt.start, tt.end);
      cursor = tt.start;
      if (!inside) break;
      if (t >= first_timed) latest.offer(Kind::Fence, 0, fence);
      for (int d : tasks[t].deps) latest.offer(Kind::Task, static_cast<std::size_t>(d), r.tasks[static_cast<std::size_t>(d)].end);
      if (int p = previous_on_proc[t]; p >= 0) latest.offer(Kind::Task, static_cast<std::size_t>(p), r.tasks[static_cast<std::size_t>(p)].end);
      for (std::size_t c : copies_of[t]) latest.offer(Kind::Copy, c, r.copies[c].end);
      latest.offer(Kind::Runtime, t, tt.launched + remote_latency(t));
      remote_hop = true;
    } else if (at.kind == Kind::Copy) {
      const CopyTiming& ct = r.copies[at.index];
      const auto t = static_cast<std::size_t>(ct.task);
      const CopyOp& op = tasks[t].copies[static_cast<std::size_t>(ct.index)];
      note(fmt::format("{} waited for a copy of {} ({})", tasks[t].label, op.what, model::format_seconds(ct.end - ct.start)));
      inside = add(path.copies, ct.start, ct.end);
      cursor = ct.start;
      if (!inside) break;
      if (t >= first_timed) latest.offer(Kind::Fence, 0, fence);
      for (std::size_t i = 0; i <= static_cast<std::size_t>(ct.index) && i < tasks[t].copies.size(); ++i)
        if (int after = tasks[t].copies[i].after_task; after >= 0)
          latest.offer(Kind::Task, static_cast<std::size_t>(after), r.tasks[static_cast<std::size_t>(after)].end);
      if (int p = previous_batch[t]; p >= 0)
        for (std::size_t c : copies_of[static_cast<std::size_t>(p)]) latest.offer(Kind::Copy, c, r.copies[c].end);
      latest.offer(Kind::Runtime, t, r.tasks[t].launched);
      remote_hop = false;
    } else {  // the runtime mapping task t, then (from a task on another node) the launch message
      const std::size_t t = at.index;
      const double launched = r.tasks[t].launched;
      if (remote_hop) inside = add(path.runtime, launched, launched + remote_latency(t));
      remote_hop = false;
      if (inside) inside = add(path.runtime, launched - overhead, launched);
      note(fmt::format("{} waited for the runtime to map it", tasks[t].label));
      cursor = launched - overhead;
      if (!inside) break;
      if (int p = previous_on_runtime[t]; p >= 0)
        latest.offer(Kind::Runtime, static_cast<std::size_t>(p), r.tasks[static_cast<std::size_t>(p)].launched);
      if (int w = r.tasks[t].limit_wait; w >= 0)
        latest.offer(Kind::Task, static_cast<std::size_t>(w), r.tasks[static_cast<std::size_t>(w)].end);
    }
    if (!latest.found) {  // nothing explains the time back to the fence: the path waited
      path.waits += std::max(0.0, cursor - fence);
      break;
    }
    if (!add(path.waits, latest.best.end, cursor)) break;
    cursor = latest.best.end;
    at = latest.best;
  }
  if (path.waits < eps) path.waits = 0;  // rounding between links that meet
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
                             : engine_failure(r);
    return result;
  }
  result.ok = true;
  result.total_time = r.makespan;
  result.warmup_time = r.timed_start;
  double timed = std::max(0.0, r.makespan - r.timed_start);
  result.step_time = app.steps > 0 ? timed / static_cast<double>(app.steps) : 0;
  result.throughput = result.step_time > 0 ? app.throughput.per_step / result.step_time : 0;

  const auto& tasks = result.plan.graph.tasks;
  std::map<int, ProcessorUse> procs;
  const std::size_t first_timed = first_timed_task(result.plan.graph);
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    auto& use = procs[tasks[t].processor];
    ++use.tasks;
    if (t >= first_timed && t < result.plan.tasks.size() && has_work(result.plan.tasks[t])) {
      ++use.work_tasks;
      use.work += tasks[t].compute_seconds;
    }
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
  out += fmt::format("time: {} for {} timed step{} ({} per step) after {} of warm-up, {} in all\n",
                     model::format_seconds(r.step_time * static_cast<double>(r.steps)), r.steps, r.steps == 1 ? "" : "s",
                     model::format_seconds(r.step_time), model::format_seconds(r.warmup_time),
                     model::format_seconds(r.total_time));
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
  out += fmt::format("critical path of the timed steps: {} computing + {} copies + {} runtime + {} waiting = {}\n",
                     model::format_seconds(r.critical.compute), model::format_seconds(r.critical.copies),
                     model::format_seconds(r.critical.runtime), model::format_seconds(r.critical.waits),
                     model::format_seconds(r.critical.window));
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
  j["warmup_time_s"] = r.warmup_time;
  j["timed_time_s"] = r.step_time * static_cast<double>(r.steps);
  j["step_time_s"] = r.step_time;
  j["steps"] = r.steps;
  j["throughput"] = r.throughput;
  j["unit"] = r.unit;
  for (const auto& p : r.processors)
    j["processors"].push_back({{"name", p.name}, {"kind", std::string(to_string(p.kind))}, {"tasks", p.tasks},
                               {"busy_s", p.busy}, {"utilization", p.utilization}, {"work_tasks", p.work_tasks},
                               {"work_s", p.work}});
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
                        {"runtime_s", r.critical.runtime}, {"waits_s", r.critical.waits},
                        {"window_s", r.critical.window}, {"steps", r.critical.steps}};
  return j;
}

}  // namespace mage::sim
