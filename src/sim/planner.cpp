#include "sim/planner.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "sim/region_state.hpp"

namespace mage::sim {

using lang::Diagnostic;
using lang::Expected;

namespace {

// More point tasks than this in one simulation is refused: a model this size is a mistake.
constexpr std::size_t kMaxSimTasks = 4'000'000;

Diagnostic error(lang::Category category, std::string code, std::string message, std::string hint) {
  return lang::make_error(category, std::move(code), {}, std::move(message), std::move(hint));
}

std::string point_label(const model::PointTask& p) {
  return p.point.empty() ? p.task : fmt::format("{} {}", p.task, mapping::show_tuple(p.point));
}

// The layout an instance gets from the policy's constraints: an `Align` that fixes or bounds the
// alignment from below sets it; otherwise elements are naturally aligned (1 byte as far as rules go).
model::LayoutFacts layout_facts(const mapping::LayoutSpec& spec) {
  model::LayoutFacts f;
  f.soa = spec.soa;
  f.c_order = spec.c_order;
  for (const auto& [op, bytes] : spec.align)
    if (op == lang::Tok::EqEq || op == lang::Tok::GreaterEq) f.alignment = std::max(f.alignment, bytes);
    else if (op == lang::Tok::Greater) f.alignment = std::max(f.alignment, bytes * 2);
  return f;
}

bool reads(model::Privilege p) { return p == model::Privilege::RO || p == model::Privilege::RW; }
bool writes(model::Privilege p) { return p == model::Privilege::RW || p == model::Privilege::WD; }

class Planner {
 public:
  Planner(const model::AppModel& app, const model::MachineModel& machine, mapping::Policy& policy)
      : app_(app), machine_(machine), policy_(policy) {}

  Expected<Plan> run() {
    build_platform();
    std::size_t total_steps = static_cast<std::size_t>(app_.warmup_steps + app_.steps);
    // Counted before any point task is built: an application too large to simulate is refused in
    // moments and without the memory its tasks would take.
    std::size_t per_step = 0;
    for (std::size_t l = 0; l < app_.launches.size(); ++l)
      per_step += static_cast<std::size_t>(
          std::min(std::max<std::int64_t>(app_.issues(l), 0) * std::max<std::int64_t>(app_.launches[l].volume(), 0),
                   model::kMaxLaunchPoints));
    if (per_step * total_steps > kMaxSimTasks)
      return error(lang::Category::Usage, "usage.too-many-tasks",
                   fmt::format("the application has {} point tasks per step over {} steps, more than the {} a "
                               "simulation handles",
                               per_step, total_steps, kMaxSimTasks),
                   "simulate fewer steps or fewer pieces");
    std::vector<std::vector<model::PointTask>> points;
    for (std::size_t l = 0; l < app_.launches.size(); ++l) points.push_back(app_.points(l));
    plan_.graph.warmup_steps = static_cast<int>(app_.warmup_steps);
    parents_.assign(app_.launches.size(), false);
    for (std::size_t l = 0; l < app_.launches.size(); ++l)
      if (auto parent = app_.parent_launch(l)) parents_[*parent] = true;
    std::vector<std::vector<int>> previous(app_.launches.size()), current(app_.launches.size());
    for (std::size_t step = 0; step < total_steps; ++step) {
      for (auto& c : current) c.clear();
      for (std::size_t l = 0; l < app_.launches.size(); ++l) {
        if (step > 0 && app_.launches[l].setup) continue;
        auto parent_launch = app_.parent_launch(l);
        for (const auto& p : points[l]) {
          int parent = -1;
          if (parent_launch && p.parent >= 0 && static_cast<std::size_t>(p.parent) < current[*parent_launch].size())
            parent = current[*parent_launch][static_cast<std::size_t>(p.parent)];
          auto added = add_task(p, static_cast<int>(step), parent, previous, current);
          if (!added) return added.error();
          current[l].push_back(*added);
        }
      }
      previous.swap(current);
    }
    return std::move(plan_);
  }

 private:
  void build_platform() {
    EnginePlatform& p = plan_.platform;
    p.nodes = static_cast<int>(machine_.nodes.size());
    for (model::ProcId i = 0; i < machine_.processors.size(); ++i)
      p.processors.push_back({model::processor_name(machine_, i), static_cast<int>(machine_.processors[i].node)});
    for (model::MemId i = 0; i < machine_.memories.size(); ++i)
      p.memories.push_back({model::memory_name(machine_, i), static_cast<int>(machine_.memories[i].node),
                            static_cast<std::uint64_t>(machine_.memories[i].capacity)});
    for (model::LinkId i = 0; i < machine_.links.size(); ++i)
      p.links.push_back({model::link_name(machine_, i), machine_.links[i].bandwidth, machine_.links[i].latency});
    p.runtime_overhead = machine_.spec.utility.launch_overhead;
    p.remote_launch_latency = machine_.nodes.size() > 1 ? machine_.spec.network.latency : 0.0;
  }

  const std::vector<int>& route(model::MemId from, model::MemId to) {
    auto [it, fresh] = plan_.platform.routes.try_emplace({static_cast<int>(from), static_cast<int>(to)});
    auto& r = it->second;
    if (fresh && from != to)
      for (model::LinkId l : model::route(machine_, from, to)) r.push_back(static_cast<int>(l));
    return r;
  }

  double route_bandwidth(model::MemId from, model::MemId to) {
    const auto& r = route(from, to);
    double bw = std::numeric_limits<double>::infinity();
    for (int l : r) bw = std::min(bw, machine_.links[static_cast<std::size_t>(l)].bandwidth);
    return bw;
  }

  Expected<ProcKind> kind_for(const std::string& task) {
    if (auto it = kinds_.find(task); it != kinds_.end()) return it->second;
    const model::Task* t = app_.find_task(task);
    std::vector<ProcKind> variants;
    if (t)
      for (const auto& v : t->variants) variants.push_back(v.kind);
    auto k = policy_.choose_kind(task, variants);
    if (k) kinds_.emplace(task, *k);
    return k;
  }

  // The processor of a point task; `placed` receives it as the policy names it (node, index in kind).
  Expected<model::ProcId> processor_for(const model::PointTask& p, ProcKind kind, int parent,
                                        mapping::ProcessorId& placed) {
    mapping::TaskContext ctx;
    ctx.name = p.task;
    ctx.ipoint = p.point;
    ctx.ispace = p.domain;
    if (parent >= 0) ctx.parent = &contexts_.at(parent);
    Expected<mapping::ProcessorSet> procs =
        p.point.empty() ? policy_.map_single(ctx, kind) : policy_.map_index_point(ctx, kind);
    if (!procs) return procs.error();
    // Among a set (`m[i, *]`) the runtime takes the least loaded processor; ties go to the first.
    model::ProcId best = 0;
    bool found = false;
    for (const auto& id : *procs) {
      const auto& on_node = node_procs(id.node, kind);
      if (id.node < 0 || static_cast<std::size_t>(id.proc) >= on_node.size()) continue;
      model::ProcId candidate = on_node[static_cast<std::size_t>(id.proc)];
      if (!found || load_[candidate] < load_[best]) best = candidate, placed = id;
      found = true;
    }
    if (!found)
      return error(lang::Category::Mapping, "mapping.no-such-processor",
                   fmt::format("the policy mapped {} to a {} processor the machine does not have", point_label(p),
                               to_string(kind)),
                   "check the machine the program was checked against");
    return best;
  }

  const std::vector<model::ProcId>& node_procs(std::int64_t node, ProcKind kind) {
    auto key = std::make_pair(node, kind);
    auto it = procs_.find(key);
    if (it == procs_.end()) {
      std::vector<model::ProcId> list;
      if (node >= 0 && static_cast<std::size_t>(node) < machine_.nodes.size())
        list = model::processors(machine_, static_cast<model::NodeId>(node), kind);
      it = procs_.emplace(key, std::move(list)).first;
    }
    return it->second;
  }

  Expected<int> add_task(const model::PointTask& p, int step, int parent,
                         const std::vector<std::vector<int>>& previous, const std::vector<std::vector<int>>& current) {
    auto fail = [&](Diagnostic d) -> Expected<int> {
      d.notes.push_back(fmt::format("while mapping {} (step {})", point_label(p), step));
      return d;
    };
    auto kind = kind_for(p.task);
    if (!kind) return fail(kind.error());
    mapping::ProcessorId placed;
    auto proc_id = processor_for(p, *kind, parent, placed);
    if (!proc_id) return fail(proc_id.error());
    const model::Processor& proc = machine_.processors[*proc_id];
    const model::Variant* variant = app_.find_task(p.task)->find_variant(*kind);

    const int id = static_cast<int>(plan_.graph.tasks.size());
    SimTask task;
    task.name = p.task;
    task.label = point_label(p);
    task.processor = static_cast<int>(*proc_id);
    task.node = static_cast<int>(proc.node);
    task.step = step;
    task.setup = app_.launches[p.launch].setup;
    // A child is launched by its parent on the parent's node, as a replicated launch is by its shard.
    task.replicated = policy_.control_replicated(p.task) || parent >= 0;
    if (auto limit = policy_.instance_limit(p.task, *kind)) task.limit_group = limit_group(p.task, *limit);
    TaskPlan tp;
    tp.launch = p.launch;
    tp.step = step;
    tp.point = p.point;
    tp.kind = *kind;
    tp.processor = *proc_id;

    std::set<int> deps;
    std::map<std::tuple<model::MemId, model::MemId, int>, std::size_t> copy_index;
    // Per argument the processor reaches: its size, the bandwidth, and the layout's factor on its traffic.
    std::vector<double> arg_bytes, arg_bandwidth, arg_memory_factor;
    double memory_factor = 1;  // every argument's, for a processor that reaches none of them
    for (std::size_t i = 0; i < p.args.size(); ++i) {
      const model::ArgPiece& a = p.args[i];
      auto mem_kind = policy_.choose_memory(p.task, a.ref, *kind);
      if (!mem_kind) return fail(mem_kind.error());
      auto mem = model::best_memory(machine_, *proc_id, *mem_kind);
      if (!mem)
        return fail(error(lang::Category::Mapping, "mapping.memory-not-addressable",
                          fmt::format("{} on {} cannot address any {} of this machine for argument {} (`{}`)",
                                      point_label(p), model::processor_name(machine_, *proc_id),
                                      to_string(*mem_kind), i, a.ref.names.empty() ? a.region : a.ref.names.front()),
                          "choose a memory kind this processor kind can address in the `Region` rule"));
      mapping::LayoutSpec layout = policy_.layout(p.task, a.ref, *kind, *mem_kind);
      model::LayoutFacts facts = layout_facts(layout);
      if (variant->rejects(i, facts))
        return fail(error(lang::Category::Mapping, "mapping.layout-rejected",
                          fmt::format("the {} variant of task `{}` cannot run with argument {} (`{}`) laid out as {}",
                                      to_string(*kind), p.task, i,
                                      a.ref.names.empty() ? a.region : a.ref.names.front(), layout.describe()),
                          layout.rule_line ? fmt::format("change the `Layout` rule at line {}", layout.rule_line)
                                           : std::string("add a `Layout` rule for this argument")));
      const double arg_memory = variant->slowdown(i, facts, model::LayoutTerm::Memory);
      memory_factor *= arg_memory;
      tp.compute_slowdown *= variant->slowdown(i, facts, model::LayoutTerm::Compute);
      tp.args.push_back(ArgPlan{a.ref.names.empty() ? a.region : a.ref.names.front(), *mem_kind, *mem,
                                layout.describe(), a.bytes, arg_memory});
      if (const auto* access = model::find_access(machine_, *proc_id, *mem)) {
        arg_bytes.push_back(static_cast<double>(a.bytes));
        arg_bandwidth.push_back(access->bandwidth);
        arg_memory_factor.push_back(arg_memory);
      }
      allocate(task, a, *mem, policy_.collect(p.task, a.ref) && a.privilege == model::Privilege::RO);
      track_data(id, task, a, *mem, deps, copy_index);
    }
    for (const auto& future : app_.launches[p.launch].consumes) {
      auto producer = app_.producer(future);
      if (!producer) continue;
      const auto& tasks = *producer < p.launch ? current[*producer] : previous[*producer];
      deps.insert(tasks.begin(), tasks.end());
    }
    if (parent >= 0) deps.insert(parent);  // a child is launched by its parent's body
    deps.erase(id);
    task.deps.assign(deps.begin(), deps.end());

    // Roofline: the kernel's traffic splits over its arguments by size, each at the bandwidth the
    // processor reaches that argument's memory with (zero-copy memory over PCIe is slow) and scaled by
    // what that argument's layout costs its accesses. Layouts leave the arithmetic alone unless the
    // model says the kernel's compute depends on them.
    model::Work w = model::work(*variant, p);
    double total = 0;
    for (double b : arg_bytes) total += b;
    double memory_time = 0;
    for (std::size_t i = 0; i < arg_bytes.size(); ++i) {
      double share = total > 0 ? arg_bytes[i] / total : 1.0 / static_cast<double>(arg_bytes.size());
      if (arg_bandwidth[i] > 0) memory_time += w.bytes * share / arg_bandwidth[i] * arg_memory_factor[i];
    }
    if (arg_bytes.empty() && proc.bandwidth > 0) memory_time = w.bytes / proc.bandwidth * memory_factor;
    double compute_time = (proc.flops > 0 ? w.flops / proc.flops : 0) * tp.compute_slowdown;
    double overhead = variant->launch_overhead.value_or(proc.launch_overhead);
    task.compute_seconds = overhead + std::max(compute_time, memory_time);
    tp.flops = w.flops;
    tp.traffic = w.bytes;
    load_[*proc_id] += task.compute_seconds;

    if (parents_[p.launch]) contexts_.emplace(id, mapping::TaskContext{p.task, p.point, p.domain, nullptr, placed});
    plan_.graph.tasks.push_back(std::move(task));
    plan_.tasks.push_back(std::move(tp));
    return id;
  }

  int limit_group(const std::string& task, std::int64_t count) {
    auto& limits = plan_.graph.limits;
    for (std::size_t g = 0; g < limits.size(); ++g)
      if (limits[g].task == task) return static_cast<int>(g);
    limits.push_back(InstanceLimitGroup{task, count});
    return static_cast<int>(limits.size() - 1);
  }

  // One instance per (memory, region, piece, fields), reused while it lives; collected ones are
  // released when the task ends, and the next user allocates again.
  void allocate(SimTask& task, const model::ArgPiece& a, model::MemId mem, bool collect) {
    if (a.bytes <= 0) return;
    std::string key = fmt::format("{}|{}|{}|{}", mem, a.region, a.elements.to_string(), fmt::join(a.fields, ","));
    if (live_instances_.count(key)) return;
    task.allocations.push_back(Allocation{static_cast<int>(mem), static_cast<std::uint64_t>(a.bytes), collect,
                                          fmt::format("`{}` ({} B)", a.ref.names.empty() ? a.region : a.ref.names.front(), a.bytes)});
    if (!collect) live_instances_.insert(std::move(key));
  }

  FieldState& field_state(const std::string& region, const std::string& field) {
    auto key = std::make_pair(region, field);
    auto it = fields_.find(key);
    if (it == fields_.end()) {
      const model::Region* r = app_.find_region(region);
      it = fields_.emplace(key, FieldState(r ? r->elements : 0)).first;
    }
    return it->second;
  }

  // Dependences and copies for one argument, then the state after the task, field by field.
  void track_data(int id, SimTask& task, const model::ArgPiece& a, model::MemId mem, std::set<int>& deps,
                  std::map<std::tuple<model::MemId, model::MemId, int>, std::size_t>& copy_index) {
    const model::Region* region = app_.find_region(a.region);
    std::string name = a.ref.names.empty() ? a.region : a.ref.names.front();
    auto copy = [&](model::MemId src, std::uint64_t bytes, int after) {
      if (src == mem || bytes == 0) return;
      auto key = std::make_tuple(src, mem, after);
      auto [it, fresh] = copy_index.emplace(key, task.copies.size());
      if (fresh) {
        route(src, mem);
        task.copies.push_back(CopyOp{static_cast<int>(src), static_cast<int>(mem), 0, after,
                                     fmt::format("`{}` {}→{}", name, model::memory_name(machine_, src),
                                                 model::memory_name(machine_, mem)),
                                     name});
      }
      task.copies[it->second].bytes += bytes;
    };
    for (const auto& field_name : a.fields) {
      const model::Field* field = region ? region->find_field(field_name) : nullptr;
      auto field_bytes = static_cast<std::uint64_t>(field ? field->bytes : 0);
      field_state(a.region, field_name).for_each(a.elements, [&](std::int64_t lo, std::int64_t hi, DataState& s) {
        auto bytes = static_cast<std::uint64_t>(hi - lo) * field_bytes;
        bool reduce = a.privilege == model::Privilege::RED;
        // Dependences, as the runtime's analysis finds them.
        if (s.last_writer >= 0) deps.insert(s.last_writer);
        if (writes(a.privilege) || reduce) deps.insert(s.readers.begin(), s.readers.end());
        bool same_reduction = reduce && !s.reductions.empty();
        if (!same_reduction)
          for (const auto& [m, t] : s.reductions) deps.insert(t);
        // Data: bring the current values to `mem` before a read.
        if (reads(a.privilege)) {
          for (const auto& [m, t] : s.reductions) copy(m, bytes, t);
          if (s.reductions.empty() && !s.valid.empty() &&
              std::find(s.valid.begin(), s.valid.end(), mem) == s.valid.end()) {
            model::MemId src = s.valid.front();
            for (model::MemId v : s.valid)
              if (route_bandwidth(v, mem) > route_bandwidth(src, mem)) src = v;
            copy(src, bytes, s.last_writer);
          }
        }
        // The state after this task.
        if (writes(a.privilege)) {
          s.last_writer = id;
          s.readers.clear();
          s.valid = {mem};
          s.reductions.clear();
        } else if (reduce) {
          s.reductions.emplace_back(mem, id);
          s.readers.clear();
        } else {
          if (!s.reductions.empty()) {  // the reductions were applied into `mem`
            s.valid = {mem};
            s.reductions.clear();
          } else if (!s.valid.empty() && std::find(s.valid.begin(), s.valid.end(), mem) == s.valid.end() &&
                     !collected(task, mem)) {
            s.valid.push_back(mem);
          }
          s.readers.push_back(id);
        }
      });
    }
  }

  // A collected read-only instance is not kept as a valid copy: later readers copy again.
  static bool collected(const SimTask& task, model::MemId mem) {
    for (const auto& a : task.allocations)
      if (a.released_at_end && a.memory == static_cast<int>(mem)) return true;
    return false;
  }

  const model::AppModel& app_;
  const model::MachineModel& machine_;
  mapping::Policy& policy_;
  Plan plan_;
  std::map<std::string, ProcKind> kinds_;
  std::map<std::pair<std::int64_t, ProcKind>, std::vector<model::ProcId>> procs_;
  std::map<model::ProcId, double> load_;
  // What a child's mapping sees of its parent, kept only for tasks of launches that launch others.
  std::vector<bool> parents_;  // by launch
  std::unordered_map<int, mapping::TaskContext> contexts_;  // by planned task
  std::set<std::string> live_instances_;
  std::map<std::pair<std::string, std::string>, FieldState> fields_;
};

}  // namespace

Expected<Plan> plan(const model::AppModel& app, const model::MachineModel& machine, mapping::Policy& policy) {
  return Planner(app, machine, policy).run();
}

}  // namespace mage::sim
