#include "legion/mage_mapper.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace mage::legion {

using Legion::Domain;
using Legion::DomainPoint;
using Legion::LayoutConstraintSet;
using Legion::LogicalPartition;
using Legion::LogicalRegion;
using Legion::Memory;
using Legion::Processor;
using Legion::RegionRequirement;
using Legion::Task;
using Legion::VariantID;
using Legion::Mapping::MapperContext;
using Legion::Mapping::PhysicalInstance;

namespace {

std::string rule_text(const lang::Stmt* rule) {
  if (!rule) return "default";
  return fmt::format("{} rule at line {}", lang::statement_keyword(rule->kind), rule->span.begin.line);
}

std::string region_text(const mapping::RegionRef& ref) {
  if (ref.names.empty()) return fmt::format("arg {}", ref.arg_index);
  return fmt::format("arg {} `{}`", ref.arg_index, ref.names.front());
}

Legion::EqualityKind equality(mapping::AlignOp op) {
  switch (op) {
    case mapping::AlignOp::Eq: return LEGION_EQ_EK;
    case mapping::AlignOp::Ne: return LEGION_NE_EK;
    case mapping::AlignOp::Lt: return LEGION_LT_EK;
    case mapping::AlignOp::Le: return LEGION_LE_EK;
    case mapping::AlignOp::Gt: return LEGION_GT_EK;
    case mapping::AlignOp::Ge: return LEGION_GE_EK;
  }
  return LEGION_EQ_EK;
}

}  // namespace

MageMapper::MageMapper(Legion::Mapping::MapperRuntime* rt, Legion::Machine machine, Processor local,
                       std::shared_ptr<PolicyHost> host)
    : DefaultMapper(rt, machine, local, "mage_mapper"), host_(std::move(host)) {}

Legion::Mapping::Mapper::MapperSyncModel MageMapper::get_mapper_sync_model() const {
  return SERIALIZED_NON_REENTRANT_MAPPER_MODEL;
}

// ---- processor kinds and processors -------------------------------------------------------------

ProcKind MageMapper::task_kind(MapperContext ctx, const Task& task) {
  if (auto it = kinds_.find(task.task_id); it != kinds_.end()) return it->second;
  std::vector<ProcKind> variants;
  for (ProcKind k : kAllProcKinds) {
    std::vector<VariantID> found;
    runtime->find_valid_variants(ctx, task.task_id, found, *to_legion(k));
    if (!found.empty()) variants.push_back(k);
  }
  std::string name = task.get_task_name();
  auto chosen = host_->with([&](mapping::Policy& p) { return p.choose_kind(name, variants); });
  ProcKind kind;
  if (chosen) {
    kind = *chosen;
  } else {
    // No listed kind is usable: the task still has to run, so the default order decides (dsl.md §2).
    std::vector<ProcKind> order = {ProcKind::GPU, ProcKind::OMP, ProcKind::CPU, ProcKind::IO, ProcKind::PY};
    auto usable = [&](ProcKind k) {
      return host_->machine().has(k) && std::find(variants.begin(), variants.end(), k) != variants.end();
    };
    auto it = std::find_if(order.begin(), order.end(), usable);
    kind = it != order.end() ? *it : (variants.empty() ? ProcKind::CPU : variants.front());
    host_->report_once("kind:" + name, fmt::format("{}falling back to {} for task `{}`",
                                                  lang::render_text(chosen.error(), &host_->source()),
                                                  to_string(kind), name));
  }
  kinds_[task.task_id] = kind;
  return kind;
}

mapping::TaskContext MageMapper::context_of(const Task& task, mapping::TaskContext* parent_storage) {
  mapping::TaskContext c;
  c.name = task.get_task_name();
  if (task.is_index_space && task.index_domain.get_dim() > 0) {
    auto lo = coords(task.index_domain.lo()), hi = coords(task.index_domain.hi());
    if (auto lp = mapping::launch_point(lo, hi, coords(task.index_point))) {
      c.ipoint = lp->ipoint;
      c.ispace = lp->ispace;
    }
  }
  if (const Task* parent = task.get_parent_task()) {
    parent_storage->name = parent->get_task_name();
    if (parent->is_index_space && parent->index_domain.get_dim() > 0) {
      auto lo = coords(parent->index_domain.lo()), hi = coords(parent->index_domain.hi());
      if (auto lp = mapping::launch_point(lo, hi, coords(parent->index_point))) {
        parent_storage->ipoint = lp->ipoint;
        parent_storage->ispace = lp->ispace;
      }
    }
    Processor where = parent->target_proc.exists() ? parent->target_proc : parent->current_proc;
    parent_storage->processor = host_->id_of(where);
    c.parent = parent_storage;
  }
  return c;
}

Processor MageMapper::point_processor(const Task& task, const DomainPoint& point, ProcKind kind) {
  mapping::TaskContext parent;
  mapping::TaskContext c = context_of(task, &parent);
  auto lp = mapping::launch_point(coords(task.index_domain.lo()), coords(task.index_domain.hi()), coords(point));
  if (!lp) return local_proc;  // not a point of the launch: nothing to decide
  c.ipoint = lp->ipoint;
  c.ispace = lp->ispace;
  std::optional<lang::Diagnostic> error;
  mapping::ProcessorSet set;
  const lang::Stmt* rule = nullptr;
  host_->with([&](mapping::Policy& p) {
    const auto& r = p.map_index_point(c, kind);
    if (r) set = *r;
    else error = r.error();
    rule = p.index_map_rule(c.name, kind);
  });
  if (error) host_->fatal(*error);
  // A set (`m[i, *]`) leaves the choice to the runtime: spread the points over it.
  std::int64_t linear = 0;
  for (std::size_t d = 0; d < c.ispace.size(); ++d) linear = linear * c.ispace[d] + c.ipoint[d];
  const mapping::ProcessorId& id = set[static_cast<std::size_t>(linear) % set.size()];
  Processor proc = host_->processor(id);
  if (!proc.exists()) {
    host_->report_once("proc:" + c.name, fmt::format("task `{}`: the policy chose {}, which this machine does not have; "
                                                    "using processor " IDFMT,
                                                    c.name, mapping::describe_processors({id}), local_proc.id));
    proc = local_proc;
  }
  if (host_->logging())
    host_->log(fmt::format("index task `{}` point {} of {} -> {} ({})", c.name, mapping::show_tuple(c.ipoint),
                           mapping::show_tuple(c.ispace), mapping::describe_processors(set), rule_text(rule)));
  return proc;
}

std::vector<Processor> MageMapper::single_processors(const Task& task, ProcKind kind) {
  mapping::TaskContext parent;
  mapping::TaskContext c = context_of(task, &parent);
  c.ipoint.clear();
  c.ispace.clear();
  auto r = host_->with([&](mapping::Policy& p) { return p.map_single(c, kind); });
  if (!r) host_->fatal(r.error());
  std::vector<Processor> procs;
  for (const auto& id : *r) {
    Processor p = host_->processor(id);
    if (p.exists()) procs.push_back(p);
  }
  if (procs.empty())
    host_->report_once("single:" + c.name, fmt::format("task `{}`: the policy chose {}, which this machine does not "
                                                      "have; the default mapper places it",
                                                      c.name, mapping::describe_processors(*r)));
  return procs;
}

void MageMapper::select_task_options(MapperContext ctx, const Task& task, TaskOptions& output) {
  DefaultMapper::select_task_options(ctx, task, output);  // asks default_policy_select_initial_processor
  std::string name = task.get_task_name();
  ProcKind kind = task_kind(ctx, task);
  output.replicate = false;
  // One shard is not replication (Legion ignores it, with a warning): replicate on several nodes only.
  if (host_->machine().nodes > 1 && host_->with([&](mapping::Policy& p) { return p.control_replicated(name); })) {
    std::vector<VariantID> variants;
    runtime->find_valid_variants(ctx, task.task_id, variants, *to_legion(kind));
    bool replicable = std::any_of(variants.begin(), variants.end(), [&](VariantID v) {
      return runtime->is_replicable_variant(ctx, task.task_id, v);
    });
    if (replicable) output.replicate = true;
    else
      host_->report_once("repl:" + name, fmt::format("ControlReplicate names task `{}`, but it has no replicable {} "
                                                    "variant; it runs without replication",
                                                    name, to_string(kind)));
  }
  if (host_->logging() && !task.is_index_space) {
    const lang::Stmt* rule = host_->with([&](mapping::Policy& p) { return p.single_map_rule(name, kind); });
    auto id = host_->id_of(output.initial_proc);
    host_->log(fmt::format("single task `{}` -> {} ({}){}", name,
                           id ? mapping::describe_processors({*id}) : std::string("?"), rule_text(rule),
                           output.replicate ? ", control-replicated" : ""));
  }
}

void MageMapper::replicate_task(MapperContext ctx, const Task& task, const ReplicateTaskInput& input,
                                ReplicateTaskOutput& output) {
  // select_task_options asked for replication only for a task the policy replicates and that has a
  // replicable variant of its kind.
  const std::string name = task.get_task_name();
  ProcKind kind = task_kind(ctx, task);
  std::vector<VariantID> variants;
  runtime->find_valid_variants(ctx, task.task_id, variants, *to_legion(kind));
  auto replicable = std::find_if(variants.begin(), variants.end(),
                                 [&](VariantID v) { return runtime->is_replicable_variant(ctx, task.task_id, v); });
  auto ids = host_->with([&](mapping::Policy& p) { return mapping::replica_processors(p, name, kind); });
  std::vector<Processor> shards;
  for (const auto& id : ids) shards.push_back(host_->processor(id));
  if (replicable == variants.end() || shards.empty() ||
      std::any_of(shards.begin(), shards.end(), [](Processor p) { return !p.exists(); })) {
    host_->report_once("replicate:" + name, fmt::format("task `{}`: no replicable {} variant or no {} processor on "
                                                       "every node; the default mapper replicates it",
                                                       name, to_string(kind), to_string(kind)));
    DefaultMapper::replicate_task(ctx, task, input, output);
    return;
  }
  output.chosen_variant = *replicable;
  output.target_processors = std::move(shards);  // shard n on node n: the sharding functors rely on it
  if (host_->logging())
    host_->log(fmt::format("replicate `{}`: {} shards, shard n on node n {} {}", name, ids.size(), to_string(kind),
                           ids.front().proc));
}

void MageMapper::select_sharding_functor(MapperContext ctx, const Task& task, const SelectShardingFunctorInput& input,
                                         SelectShardingFunctorOutput& output) {
  std::optional<Legion::ShardingID> functor;
  const std::string name = task.get_task_name();
  if (task.is_index_space) functor = host_->sharding_functor(name, task_kind(ctx, task));
  if (!functor) {  // a single task: the shard that launches it sends it to the policy's processor
    DefaultMapper::select_sharding_functor(ctx, task, input, output);
    return;
  }
  output.chosen_functor = *functor;
  output.slice_recurse = true;  // each shard's points still go through slice_task, to their processors
  if (host_->logging()) {
    auto lo = coords(task.index_domain.lo()), hi = coords(task.index_domain.hi());
    mapping::Extents extents;
    for (std::size_t d = 0; d < lo.size() && d < hi.size(); ++d) extents.push_back(hi[d] - lo[d] + 1);
    host_->log(fmt::format("shard index task `{}` over {} by the node of its index mapping ({} shards)", name,
                           mapping::show_tuple(extents), input.shard_mapping.size()));
  }
}

Processor MageMapper::default_policy_select_initial_processor(MapperContext ctx, const Task& task) {
  ProcKind kind = task_kind(ctx, task);
  if (task.is_index_space) {
    // The launch is sliced where it starts; slice_task sends each point to the policy's processor.
    if (to_mage(local_proc.kind()) == kind) return local_proc;
    const auto& here = host_->processors(kind, static_cast<std::int64_t>(local_proc.address_space()));
    if (!here.empty()) return here.front();
    const auto& first = host_->processors(kind, 0);
    if (!first.empty()) return first.front();
  } else {
    auto procs = single_processors(task, kind);
    if (!procs.empty()) return procs.front();
  }
  return DefaultMapper::default_policy_select_initial_processor(ctx, task);
}

void MageMapper::slice_task(MapperContext ctx, const Task& task, const SliceTaskInput& input, SliceTaskOutput& output) {
  ProcKind kind = task_kind(ctx, task);
  Domain domain = input.domain;
  if (!domain.exists() && input.domain_is.exists()) domain = runtime->get_index_space_domain(ctx, input.domain_is);
  // One slice per point, not re-sliced: each point lands on the processor the policy names.
  for (Domain::DomainPointIterator it(domain); it; it++) {
    DomainPoint p = it.p;
    output.slices.emplace_back(Domain(p, p), point_processor(task, p, kind), false /*recurse*/, false /*stealable*/);
  }
}

void MageMapper::default_policy_select_target_processors(MapperContext ctx, const Task& task,
                                                         std::vector<Processor>& target_procs) {
  if (!task.is_index_space) {
    auto kind = to_mage(task.target_proc.kind());
    if (kind) {
      // Only processors of the node the task was sent to can run it.
      for (Processor p : single_processors(task, *kind))
        if (p.address_space() == task.target_proc.address_space()) target_procs.push_back(p);
    }
  }
  if (target_procs.empty()) target_procs.push_back(task.target_proc);
  (void)ctx;
}

// ---- regions: memory, layout, collection ---------------------------------------------------------

mapping::RegionRef MageMapper::region_ref(MapperContext ctx, const Task& task, unsigned index) {
  mapping::RegionRef ref;
  ref.arg_index = static_cast<int>(index);
  auto name_of = [&](auto handle) -> std::string {
    const void* data = nullptr;
    size_t size = 0;
    if (!runtime->retrieve_semantic_information(ctx, handle, LEGION_NAME_SEMANTIC_TAG, data, size, true, false) ||
        !data || size == 0)
      return {};
    const char* s = static_cast<const char*>(data);
    return std::string(s, strnlen(s, size));
  };
  LogicalRegion r = task.regions[index].region;
  if (!r.exists()) return ref;
  for (int hops = 0; hops < 64; ++hops) {  // region, partition, region, ... up to the root
    if (auto n = name_of(r); !n.empty()) ref.names.push_back(n);
    if (!runtime->has_parent_logical_partition(ctx, r)) break;
    LogicalPartition part = runtime->get_parent_logical_partition(ctx, r);
    std::string n = name_of(part);
    if (n.empty()) n = name_of(part.get_index_partition());  // names are often given to the index partition
    if (!n.empty()) ref.names.push_back(n);
    r = runtime->get_parent_logical_region(ctx, part);
  }
  return ref;
}

MageMapper::RegionDecision MageMapper::region_decision(MapperContext ctx, const Task& task, unsigned index,
                                                       ProcKind kind) {
  mapping::RegionRef ref = region_ref(ctx, task, index);
  std::string name = task.get_task_name();
  RegionDecision d;
  std::optional<lang::Diagnostic> error;
  host_->with([&](mapping::Policy& p) {
    auto mem = p.choose_memory(name, ref, kind);
    if (mem) d.kind = *mem;
    else error = mem.error();
    if (!mem) d.kind = p.machine().default_memory(kind).value_or(MemKind::SYSMEM);
    d.layout = p.layout(name, ref, kind, d.kind);
    d.collect = p.collect(name, ref);
  });
  if (error)
    host_->report_once(fmt::format("mem:{}:{}", name, index),
                       fmt::format("{}falling back to {} for {} of task `{}`",
                                   lang::render_text(*error, &host_->source()), to_string(d.kind), region_text(ref),
                                   name));
  return d;
}

std::optional<unsigned> MageMapper::current_index(const RegionRequirement& req) const {
  if (!current_.task || current_.task->regions.empty()) return std::nullopt;
  if (substitute_ && &req == substitute_) return substitute_index_;
  const auto& regions = current_.task->regions;
  const RegionRequirement* p = &req;
  if (p < regions.data() || p >= regions.data() + regions.size()) return std::nullopt;
  auto i = static_cast<unsigned>(p - regions.data());
  if (i >= current_.regions.size()) return std::nullopt;
  return i;
}

void MageMapper::add_layout_constraints(const mapping::LayoutSpec& spec, int dims,
                                        const std::vector<Legion::FieldID>& fields, LayoutConstraintSet& constraints) {
  std::vector<Legion::DimensionKind> order;
  for (int d : mapping::dimension_order(spec, dims))
    order.push_back(d == mapping::kFieldDimension ? LEGION_DIM_F
                                                  : static_cast<Legion::DimensionKind>(LEGION_DIM_X + d));
  constraints.add_constraint(Legion::OrderingConstraint(order, false /*contiguous*/));
  for (const auto& a : mapping::alignments(spec))
    for (Legion::FieldID f : fields)
      constraints.add_constraint(Legion::AlignmentConstraint(f, equality(a.op), static_cast<size_t>(a.bytes)));
  if (spec.compact || spec.exact)
    constraints.add_constraint(Legion::SpecializedConstraint(
        spec.compact ? LEGION_COMPACT_SPECIALIZE : LEGION_AFFINE_SPECIALIZE, 0, false, spec.exact));
}

Memory MageMapper::default_policy_select_target_memory(MapperContext ctx, Processor target_proc,
                                                       const RegionRequirement& req, Legion::MemoryConstraint mc) {
  auto idx = current_index(req);
  if (!idx) return DefaultMapper::default_policy_select_target_memory(ctx, target_proc, req, mc);
  const std::string name = current_.task->get_task_name();
  MemKind want = current_.regions[*idx].kind;
  ProcKind kind = current_.kind;
  if (want == MemKind::VIRTUAL) want = host_->machine().default_memory(kind).value_or(MemKind::SYSMEM);
  Memory m = host_->memory(target_proc, want);
  if (!m.exists()) {
    MemKind fallback = host_->machine().default_memory(kind).value_or(MemKind::SYSMEM);
    host_->report_once(fmt::format("reach:{}:{}", name, *idx),
                       fmt::format("task `{}` arg {}: processor " IDFMT " reaches no {} memory; using {} (the "
                                   "default for {})",
                                   name, *idx, target_proc.id, to_string(want), to_string(fallback), to_string(kind)));
    m = host_->memory(target_proc, fallback);
    if (!m.exists()) return DefaultMapper::default_policy_select_target_memory(ctx, target_proc, req, mc);
  }
  if (mc.is_valid() && mc.get_kind() != m.kind()) {
    host_->report_once(fmt::format("variantmem:{}:{}", name, *idx),
                       fmt::format("task `{}` arg {}: its variant requires another memory kind than {}; the variant "
                                   "wins",
                                   name, *idx, to_string(want)));
    return DefaultMapper::default_policy_select_target_memory(ctx, target_proc, req, mc);
  }
  return m;
}

Legion::LayoutConstraintID MageMapper::default_policy_select_layout_constraints(
    MapperContext ctx, Memory target_memory, const RegionRequirement& req, MappingKind mapping_kind,
    bool needs_field_constraint_check, bool& force_new_instances) {
  auto idx = current_index(req);
  if (!idx || req.privilege == LEGION_REDUCE)
    return DefaultMapper::default_policy_select_layout_constraints(ctx, target_memory, req, mapping_kind,
                                                                   needs_field_constraint_check, force_new_instances);
  const int dims = req.region.get_index_space().get_dim();
  auto key = std::make_tuple(target_memory.kind(), req.region.get_field_space(), dims,
                             current_.regions[*idx].layout.describe());
  last_index_ = idx;
  if (needs_field_constraint_check) layouts_.erase(key);  // fields were added since: choose again
  if (auto it = layouts_.find(key); it != layouts_.end()) return it->second;
  LayoutConstraintSet constraints;
  default_policy_select_constraints(ctx, constraints, target_memory, req);
  Legion::LayoutConstraintID id = runtime->register_layout(ctx, constraints);
  layouts_[key] = id;
  return id;
}

void MageMapper::default_policy_select_constraints(MapperContext ctx, LayoutConstraintSet& constraints,
                                                   Memory target_memory, const RegionRequirement& req) {
  auto idx = current_index(req);
  last_index_ = idx;
  if (!idx || req.privilege == LEGION_REDUCE) {
    DefaultMapper::default_policy_select_constraints(ctx, constraints, target_memory, req);
    return;
  }
  const mapping::LayoutSpec& spec = current_.regions[*idx].layout;
  const int dims = req.region.get_index_space().get_dim();
  LayoutConstraintSet wanted;
  add_layout_constraints(spec, dims, {}, wanted);
  if (constraints.ordering_constraint.ordering.empty()) {
    constraints.add_constraint(wanted.ordering_constraint);
  } else if (!(constraints.ordering_constraint == wanted.ordering_constraint)) {
    host_->report_once(fmt::format("order:{}:{}", current_.task->get_task_name(), *idx),
                       fmt::format("task `{}` arg {}: its variant fixes the dimension order; `{}` is not applied to it",
                                   current_.task->get_task_name(), *idx, spec.describe()));
  }
  if ((spec.compact || spec.exact) && constraints.specialized_constraint.kind == LEGION_NO_SPECIALIZE)
    constraints.add_constraint(wanted.specialized_constraint);
  DefaultMapper::default_policy_select_constraints(ctx, constraints, target_memory, req);
  // Alignment applies to every field the instance will hold, which the default mapper has just chosen.
  const auto& fields = constraints.field_constraint.field_set;
  for (const auto& a : mapping::alignments(spec))
    for (Legion::FieldID f : fields)
      constraints.add_constraint(Legion::AlignmentConstraint(f, equality(a.op), static_cast<size_t>(a.bytes)));
}

LogicalRegion MageMapper::default_policy_select_instance_region(MapperContext ctx, Memory target_memory,
                                                              const RegionRequirement& req,
                                                              const LayoutConstraintSet& constraints,
                                                              bool force_new_instances, bool meets_constraints) {
  auto idx = current_index(req);
  if (!idx)
    return DefaultMapper::default_policy_select_instance_region(ctx, target_memory, req, constraints,
                                                                force_new_instances, meets_constraints);
  // Region tags belong to the application's own mapper; the default mapper would read them as its
  // EXACT_REGION flag. Only `Exact` in the program asks for an exact instance here.
  RegionRequirement untagged = req;
  untagged.tag = 0;
  LogicalRegion chosen = DefaultMapper::default_policy_select_instance_region(
      ctx, target_memory, untagged, constraints, force_new_instances, meets_constraints);
  const auto& shared = *idx < current_.shared.size() ? current_.shared[*idx] : std::nullopt;
  if (!shared || !meets_constraints || constraints.specialized_constraint.is_exact()) return chosen;
  // Keep the default's region when it already holds the shared one (on one node: the root).
  auto ancestry = region_ancestry(ctx, *shared);
  return std::find(ancestry.begin(), ancestry.end(), chosen) != ancestry.end() ? chosen : *shared;
}

int MageMapper::default_policy_select_garbage_collection_priority(MapperContext ctx, MappingKind kind, Memory memory,
                                                                  const PhysicalInstance& inst,
                                                                  bool meets_fill_constraints, bool reduction) {
  // The default mapper asks this right after choosing the constraints for the same region.
  if (last_index_ && *last_index_ < current_.regions.size() && current_.regions[*last_index_].collect)
    return LEGION_GC_FIRST_PRIORITY;
  return DefaultMapper::default_policy_select_garbage_collection_priority(ctx, kind, memory, inst,
                                                                          meets_fill_constraints, reduction);
}

std::vector<LogicalRegion> MageMapper::region_ancestry(MapperContext ctx, LogicalRegion r) {
  std::vector<LogicalRegion> chain{r};
  while (runtime->has_parent_logical_partition(ctx, chain.back()))
    chain.push_back(runtime->get_parent_logical_region(ctx, runtime->get_parent_logical_partition(ctx, chain.back())));
  return chain;
}

std::vector<std::optional<LogicalRegion>> MageMapper::shared_instance_regions(MapperContext ctx, const Task& task) {
  std::vector<mapping::InstanceArg> args;
  for (unsigned i = 0; i < task.regions.size(); ++i) {
    const RegionRequirement& req = task.regions[i];
    const RegionDecision& d = current_.regions[i];
    bool eligible = req.region.exists() && req.privilege != LEGION_REDUCE && req.privilege != LEGION_NO_ACCESS &&
                    d.kind != MemKind::VIRTUAL && !d.layout.exact;
    args.push_back({eligible, req.region.exists() ? req.region.get_tree_id() : 0, d.kind, d.layout});
  }
  std::vector<std::optional<LogicalRegion>> shared(task.regions.size());
  for (const auto& group : mapping::shared_instance_groups(args)) {
    std::vector<std::vector<LogicalRegion>> chains;
    for (std::size_t g : group) chains.push_back(region_ancestry(ctx, task.regions[g].region));
    auto common = mapping::nearest_common_ancestor<LogicalRegion>(chains);
    for (std::size_t g : group) shared[g] = common;
  }
  return shared;
}

// ---- map_task: the processor's mapping of one task -------------------------------------------------

void MageMapper::map_task(MapperContext ctx, const Task& task, const MapTaskInput& input, MapTaskOutput& output) {
  const std::string name = task.get_task_name();
  ProcKind kind = to_mage(task.target_proc.kind()).value_or(task_kind(ctx, task));
  current_ = Current{&task, kind, {}, {}};
  for (unsigned i = 0; i < task.regions.size(); ++i) current_.regions.push_back(region_decision(ctx, task, i, kind));
  current_.shared = shared_instance_regions(ctx, task);

  // Valid instances are reused only when they have the policy's layout (the default mapper alone would
  // take any instance that satisfies the variant) and, for a shared argument, cover the shared region.
  MapTaskInput filtered = input;
  for (unsigned i = 0; i < task.regions.size() && i < filtered.valid_instances.size(); ++i) {
    const RegionRequirement& req = task.regions[i];
    if (req.privilege == LEGION_REDUCE || !req.region.exists()) continue;
    LayoutConstraintSet wanted;
    add_layout_constraints(current_.regions[i].layout, req.region.get_index_space().get_dim(), {}, wanted);
    std::optional<Domain> cover;
    if (current_.shared[i]) cover = runtime->get_index_space_domain(ctx, current_.shared[i]->get_index_space());
    auto unusable = [&](const PhysicalInstance& inst) {
      if (!inst.entails(wanted)) return true;
      if (!cover) return false;
      Domain d = inst.get_instance_domain();
      return !d.contains(cover->lo()) || !d.contains(cover->hi());  // instance domains are rectangles
    };
    auto& valid = filtered.valid_instances[i];
    valid.erase(std::remove_if(valid.begin(), valid.end(), unusable), valid.end());
  }
  DefaultMapper::map_task(ctx, task, filtered, output);

  const bool leaf = runtime->is_leaf_variant(ctx, task.task_id, output.chosen_variant);
  if (leaf && !output.target_procs.empty()) {
    // The default mapper maps a region virtually when its tag has the VIRTUAL_MAP bit, but tags belong to
    // the application's own mapper and a leaf task cannot use a virtual region: place it as the program says.
    for (unsigned i = 0; i < task.regions.size() && i < output.chosen_instances.size(); ++i) {
      const RegionRequirement& req = task.regions[i];
      auto& chosen = output.chosen_instances[i];
      bool is_virtual = !chosen.empty() && chosen.front().is_virtual_instance();
      if (!is_virtual || current_.regions[i].kind == MemKind::VIRTUAL || req.privilege == LEGION_REDUCE ||
          req.privilege == LEGION_NO_ACCESS || req.privilege_fields.empty())
        continue;
      RegionRequirement untagged = req;
      untagged.tag = 0;
      substitute_ = &untagged;
      substitute_index_ = i;
      Processor target = output.target_procs.front();
      Memory memory = default_policy_select_target_memory(ctx, target, untagged,
                                                          find_memory_constraint(ctx, task, output.chosen_variant, i));
      std::set<Legion::FieldID> fields(req.privilege_fields.begin(), req.privilege_fields.end());
      std::vector<PhysicalInstance> instances;
      const auto& constraints = runtime->find_task_layout_constraints(ctx, task.task_id, output.chosen_variant);
      size_t footprint = 0;
      if (default_create_custom_instances(ctx, target, memory, untagged, i, fields, constraints, false, instances,
                                          &footprint))
        chosen = instances;
      else
        default_report_failed_instance_creation(task, i, target, memory, footprint);
      substitute_ = nullptr;
    }
  }
  std::vector<RegionDecision> decisions = std::move(current_.regions);
  current_ = Current{};
  last_index_.reset();

  for (unsigned i = 0; i < decisions.size(); ++i) {
    const RegionRequirement& req = task.regions[i];
    if (decisions[i].kind == MemKind::VIRTUAL) {
      if (leaf)
        host_->report_once(fmt::format("virtual:{}:{}", name, i),
                           fmt::format("task `{}` arg {}: VIRTUAL needs an inner variant, and this one is a leaf; "
                                       "it gets an instance in the default memory",
                                       name, i));
      else
        output.chosen_instances[i] = {PhysicalInstance::get_virtual_instance()};
    }
    // CollectMemory: the read-only copies this task made are not kept valid afterwards.
    if (decisions[i].collect && req.privilege == LEGION_READ_ONLY) output.untracked_valid_regions.insert(i);
  }
  if (host_->with([&](mapping::Policy& p) { return p.instance_limit(name, kind).has_value(); }))
    output.task_prof_requests.add_measurement<Realm::ProfilingMeasurements::OperationStatus>();

  if (host_->logging()) {
    auto id = host_->id_of(output.target_procs.empty() ? task.target_proc : output.target_procs.front());
    std::string line = fmt::format("map `{}`{} on {}", name,
                                   task.is_index_space ? " point " + mapping::show_tuple(coords(task.index_point)) : "",
                                   id ? mapping::describe_processors({*id}) : std::string("?"));
    for (unsigned i = 0; i < decisions.size(); ++i) {
      auto ref = region_ref(ctx, task, i);
      std::string where = "none";
      if (i < output.chosen_instances.size() && !output.chosen_instances[i].empty()) {
        const PhysicalInstance& inst = output.chosen_instances[i].front();
        if (inst.is_virtual_instance()) where = "VIRTUAL";
        else if (auto mk = to_mage(inst.get_location().kind())) where = std::string(to_string(*mk));
      }
      line += fmt::format("; {} -> {} [{}]{}", region_text(ref), where, decisions[i].layout.describe(),
                          decisions[i].collect ? " collect" : "");
    }
    host_->log(line);
  }
}

// ---- InstanceLimit: back-pressure --------------------------------------------------------------------

void MageMapper::select_tasks_to_map(MapperContext ctx, const SelectMappingInput& input, SelectMappingOutput& output) {
  SelectMappingInput allowed;
  std::vector<std::pair<std::string, std::int64_t>> held;  // limits of the tasks deferred here
  bool limited = false;
  for (const Task* t : input.ready_tasks) {
    std::string name = t->get_task_name();
    auto limit = host_->with([&](mapping::Policy& p) { return p.instance_limit(name, to_mage(t->target_proc.kind())); });
    limited = limited || limit.has_value();
    if (!limit || host_->try_acquire(name, local_proc, *limit)) allowed.ready_tasks.push_back(t);
    else held.emplace_back(name, *limit);
  }
  if (!limited) {
    DefaultMapper::select_tasks_to_map(ctx, input, output);
    return;
  }
  // Every allowed task is mapped now, so that the counts taken above match what runs.
  for (const Task* t : allowed.ready_tasks) output.map_tasks.insert(t);
  if (output.map_tasks.empty()) {
    Legion::Mapping::MapperEvent e = runtime->create_mapper_event(ctx);
    host_->add_waiter(e);
    output.deferral_event = e;
    // A task may have finished between the check and the wait: then nothing would wake us.
    for (const auto& [name, limit] : held)
      if (host_->running(name, local_proc) < limit) {
        for (auto w : host_->take_waiters()) runtime->trigger_mapper_event(ctx, w);
        break;
      }
  }
}

void MageMapper::report_profiling(MapperContext ctx, const Task& task, const TaskProfilingInfo& input) {
  (void)input;
  host_->release(task.get_task_name(), local_proc);  // the mapper that selected the task is told
  for (auto e : host_->take_waiters()) runtime->trigger_mapper_event(ctx, e);
}

}  // namespace mage::legion
