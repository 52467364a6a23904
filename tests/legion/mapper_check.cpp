// A small Legion program run under the mage mapper. A checking mapper wraps every decision: after the
// mage mapper answers slice_task, map_task, replicate_task and select_sharding_functor, it asks a
// separately compiled policy the same question and counts agreements and disagreements. The program
// also checks its own numeric results and that InstanceLimit bounds the `wait` tasks mapped and not
// finished on each processor.
// With `-check-sharding` it also requires that index launches were sharded (a replicated top level).
//
// Exit status: 0 when every check agreed (and there were checks), 1 otherwise.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "legion.h"
#include "legion/mage_mapper.hpp"
#include "legion/register.hpp"

using namespace Legion;
using mage::legion::MageMapper;
using mage::legion::PolicyHost;

namespace {

enum TaskIds { TOP_ID = 1, FILL_ID, STENCIL_ID, SUM_ID, WAIT_ID, PAIR_ID };
enum FieldIds { FID_A = 1, FID_B };
constexpr int kRows = 8, kCols = 6;
constexpr int kBlocksX = 4, kBlocksY = 2;

std::atomic<int> checks_passed{0}, checks_failed{0}, sharding_checks{0};
// `wait` tasks mapped and not finished, per processor (what InstanceLimit bounds), and the most seen.
std::mutex in_flight_mutex;
std::map<Processor, int> wait_in_flight;
int wait_in_flight_peak = 0;
std::atomic<bool> results_ok{false}, top_ran{false};  // on several nodes, one process runs the top level

void fail(const std::string& what) {
  ++checks_failed;
  std::fprintf(stderr, "CHECK FAILED: %s\n", what.c_str());
}

void expect(bool ok, const std::string& what) {
  if (ok) ++checks_passed;
  else fail(what);
}

// The mage mapper, with every answer compared to a policy compiled independently from the same file.
class CheckingMapper : public MageMapper {
 public:
  CheckingMapper(Mapping::MapperRuntime* rt, Machine machine, Processor local, std::shared_ptr<PolicyHost> host)
      : MageMapper(rt, machine, local, host) {
    std::lock_guard<std::mutex> g(reference_mutex());
    if (!reference()) {
      mage::lang::Diagnostics d;
      reference() = mage::mapping::Policy::compile(this->host().source(), this->host().machine(), d);
      if (!reference()) fail("the reference policy does not compile: " + mage::lang::render_text(d, nullptr));
    }
  }

  void slice_task(Mapping::MapperContext ctx, const Task& task, const SliceTaskInput& input,
                  SliceTaskOutput& output) override {
    MageMapper::slice_task(ctx, task, input, output);
    mage::ProcKind kind = task_kind(ctx, task);
    const Task* parent = task.get_parent_task();
    for (const auto& slice : output.slices) {
      mage::mapping::TaskContext c = point_context(task, slice.domain.lo());
      std::lock_guard<std::mutex> g(reference_mutex());
      const auto& want = reference()->map_index_point(c, kind);
      auto got = host().id_of(slice.proc);
      expect(want.ok() && got && std::find(want->begin(), want->end(), *got) != want->end(),
             fmt::format("slice of `{}` point {}: processor differs from the policy's", c.name,
                         mage::mapping::show_tuple(c.ipoint)));
      expect(slice.domain.get_volume() == 1 && !slice.recurse, "slices hold one point and are final");
      // Under control replication each node slices only the points its shard owns: those on this node.
      if (parent && reference()->control_replicated(parent->get_task_name()) && want.ok() && !want->empty())
        expect(want->front().node == static_cast<std::int64_t>(local_proc.address_space()),
               fmt::format("`{}` point {} was sliced on node {}, not on its own node {}", c.name,
                           mage::mapping::show_tuple(c.ipoint), local_proc.address_space(), want->front().node));
    }
  }

  void replicate_task(Mapping::MapperContext ctx, const Task& task, const ReplicateTaskInput& input,
                      ReplicateTaskOutput& output) override {
    MageMapper::replicate_task(ctx, task, input, output);
    const std::string name = task.get_task_name();
    const mage::ProcKind kind = task_kind(ctx, task);
    std::lock_guard<std::mutex> g(reference_mutex());
    auto want = mage::mapping::replica_processors(*reference(), name, kind);
    std::vector<std::optional<mage::mapping::ProcessorId>> got;
    for (Processor p : output.target_processors) got.push_back(host().id_of(p));
    expect(got.size() == want.size() && std::equal(want.begin(), want.end(), got.begin(),
                                                   [](const auto& w, const auto& g) { return g && *g == w; }),
           fmt::format("`{}`: shards are not one per node on the policy's processor", name));
  }

  void select_sharding_functor(Mapping::MapperContext ctx, const Task& task, const SelectShardingFunctorInput& input,
                               SelectShardingFunctorOutput& output) override {
    MageMapper::select_sharding_functor(ctx, task, input, output);
    if (!task.is_index_space) return;
    const std::string name = task.get_task_name();
    ShardingFunctor* functor = Runtime::get_sharding_functor(output.chosen_functor);
    expect(output.chosen_functor != 0 && functor && output.slice_recurse,
           fmt::format("index launch of `{}` in a replicated task uses a mage sharding functor", name));
    if (!functor) return;
    // Every point goes to the shard on the node the policy places it on.
    const auto shards = static_cast<std::int64_t>(input.shard_mapping.size());
    const mage::ProcKind kind = task_kind(ctx, task);
    for (Domain::DomainPointIterator it(task.index_domain); it; it++) {
      mage::mapping::TaskContext c = point_context(task, it.p);
      std::lock_guard<std::mutex> g(reference_mutex());
      const auto& want = reference()->map_index_point(c, kind);
      ShardID shard = functor->shard(it.p, task.index_domain, input.shard_mapping.size());
      bool ok = want.ok() && !want->empty() && shard < input.shard_mapping.size() &&
                static_cast<std::int64_t>(shard) == want->front().node % shards &&
                (shards != static_cast<std::int64_t>(host().machine().nodes) ||
                 static_cast<std::int64_t>(input.shard_mapping[shard].address_space()) == want->front().node);
      expect(ok, fmt::format("`{}` point {}: shard {} is not on the policy's node", name,
                             mage::mapping::show_tuple(c.ipoint), shard));
      ++sharding_checks;
    }
  }

  void map_task(Mapping::MapperContext ctx, const Task& task, const MapTaskInput& input,
                MapTaskOutput& output) override {
    MageMapper::map_task(ctx, task, input, output);
    const std::string name = task.get_task_name();
    if (name == "wait") {
      std::lock_guard<std::mutex> g(in_flight_mutex);
      int n = ++wait_in_flight[output.target_procs.empty() ? task.target_proc : output.target_procs.front()];
      wait_in_flight_peak = std::max(wait_in_flight_peak, n);
    }
    auto kind = mage::legion::to_mage(task.target_proc.kind());
    std::vector<mage::ProcKind> variants;
    for (mage::ProcKind k : mage::kAllProcKinds) {
      std::vector<VariantID> found;
      runtime->find_valid_variants(ctx, task.task_id, found, *mage::legion::to_legion(k));
      if (!found.empty()) variants.push_back(k);
    }
    // Runtime calls can block and switch this thread to another mapper call: none under the lock.
    const bool inner = runtime->is_inner_variant(ctx, task.task_id, output.chosen_variant);
    std::vector<mage::mapping::RegionRef> refs;
    for (unsigned i = 0; i < task.regions.size(); ++i) refs.push_back(region_ref(ctx, task, i));
    std::lock_guard<std::mutex> g(reference_mutex());
    auto& ref = *reference();
    auto want_kind = ref.choose_kind(name, variants);
    expect(want_kind.ok() && kind && *want_kind == *kind, fmt::format("`{}` runs on the policy's processor kind", name));
    if (!kind) return;
    if (auto limit = ref.instance_limit(name))
      expect(host().running(name, local_proc) <= *limit,
             fmt::format("`{}`: more than {} instances selected at once", name, *limit));
    if (!task.is_index_space) {
      mage::mapping::TaskContext c{name, {}, {}, nullptr, std::nullopt};
      mage::mapping::TaskContext parent;
      if (const Task* pt = task.get_parent_task()) {
        parent.name = pt->get_task_name();
        parent.processor = host().id_of(pt->target_proc.exists() ? pt->target_proc : pt->current_proc);
        c.parent = &parent;
      }
      mage::lang::Expected<mage::mapping::ProcessorSet> want = ref.map_single(c, *kind);
      if (ref.control_replicated(name) && ref.machine().nodes > 1)  // a shard: one per node
        want = mage::mapping::replica_processors(ref, name, *kind);
      auto got = host().id_of(output.target_procs.empty() ? task.target_proc : output.target_procs.front());
      expect(want.ok() && got && std::find(want->begin(), want->end(), *got) != want->end(),
             fmt::format("single task `{}`: processor differs from the policy's", name));
    }
    if (inner) return;  // mapped virtually
    for (unsigned i = 0; i < task.regions.size(); ++i) {
      const RegionRequirement& req = task.regions[i];
      if (req.privilege == LEGION_NO_ACCESS || req.privilege_fields.empty()) continue;
      const mage::mapping::RegionRef& region = refs[i];
      auto mem = ref.choose_memory(name, region, *kind);
      for (const auto& inst : output.chosen_instances[i]) {
        auto got = mage::legion::to_mage(inst.get_location().kind());
        expect(mem.ok() && got && *got == *mem,
               fmt::format("`{}` arg {}: memory {} is not the policy's", name, i, got ? to_string(*got) : "?"));
        LayoutConstraintSet wanted;
        std::vector<FieldID> fields(req.privilege_fields.begin(), req.privilege_fields.end());
        add_layout_constraints(ref.layout(name, region, *kind, *mem), req.region.get_index_space().get_dim(), fields,
                               wanted);
        const Legion::LayoutConstraint* failed = nullptr;
        expect(inst.entails(wanted, &failed),
               fmt::format("`{}` arg {}: instance layout is not `{}`", name, i,
                           ref.layout(name, region, *kind, *mem).describe()));
      }
      if (ref.collect(name, region) && req.privilege == LEGION_READ_ONLY)
        expect(output.untracked_valid_regions.count(i) == 1, fmt::format("`{}` arg {} is collected", name, i));
      // Arguments from one region tree with the same memory and layout share one instance.
      for (unsigned j = 0; j < i; ++j) {
        const RegionRequirement& other = task.regions[j];
        if (other.privilege == LEGION_NO_ACCESS || other.privilege == LEGION_REDUCE || req.privilege == LEGION_REDUCE ||
            other.privilege_fields != req.privilege_fields || other.region.get_tree_id() != req.region.get_tree_id())
          continue;
        auto other_mem = ref.choose_memory(name, refs[j], *kind);
        if (!mem.ok() || !other_mem.ok() || *mem != *other_mem) continue;
        auto layout = ref.layout(name, region, *kind, *mem);
        if (layout.exact || !(layout == ref.layout(name, refs[j], *kind, *mem))) continue;
        expect(!output.chosen_instances[i].empty() && !output.chosen_instances[j].empty() &&
                   output.chosen_instances[i].front() == output.chosen_instances[j].front(),
               fmt::format("`{}` args {} and {} are not in one instance", name, j, i));
      }
    }
  }

  // The program's InstanceLimit for a task; nullopt without one (or before any mapper existed).
  static std::optional<std::int64_t> instance_limit(const std::string& task) {
    std::lock_guard<std::mutex> g(reference_mutex());
    return reference() ? reference()->instance_limit(task) : std::nullopt;
  }

 private:
  static mage::mapping::TaskContext point_context(const Task& task, const DomainPoint& p) {
    mage::mapping::TaskContext c{task.get_task_name(), {}, {}, nullptr, std::nullopt};
    for (int d = 0; d < p.get_dim(); ++d) {
      c.ipoint.push_back(p[d] - task.index_domain.lo()[d]);
      c.ispace.push_back(task.index_domain.hi()[d] - task.index_domain.lo()[d] + 1);
    }
    return c;
  }
  static std::unique_ptr<mage::mapping::Policy>& reference() {
    static std::unique_ptr<mage::mapping::Policy> p;
    return p;
  }
  static std::mutex& reference_mutex() {
    static std::mutex m;
    return m;
  }
};

Mapping::Mapper* make_checking_mapper(Mapping::MapperRuntime* rt, Machine machine, Processor local,
                                      std::shared_ptr<PolicyHost> host) {
  return new CheckingMapper(rt, machine, local, std::move(host));
}

// ---- the application ----------------------------------------------------------------------------

void fill_task(const Task*, const std::vector<PhysicalRegion>& regions, Context, Runtime* runtime) {
  const FieldAccessor<LEGION_WRITE_DISCARD, double, 2> a(regions[0], FID_A);
  Rect<2> r = runtime->get_index_space_domain(regions[0].get_logical_region().get_index_space());
  for (PointInRectIterator<2> p(r); p(); p++) a[*p] = (*p)[0] * 100.0 + (*p)[1];
}

void stencil_task(const Task*, const std::vector<PhysicalRegion>& regions, Context, Runtime* runtime) {
  const FieldAccessor<LEGION_READ_ONLY, double, 2> a(regions[0], FID_A);
  const FieldAccessor<LEGION_WRITE_DISCARD, double, 2> b(regions[1], FID_B);
  Rect<2> r = runtime->get_index_space_domain(regions[1].get_logical_region().get_index_space());
  for (PointInRectIterator<2> p(r); p(); p++) b[*p] = 2.0 * a[*p];
}

// A task that only waits, long enough that the mapper maps a processor's next points before it ends.
void wait_task(const Task* task, const std::vector<PhysicalRegion>&, Context, Runtime*) {
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::lock_guard<std::mutex> g(in_flight_mutex);
  --wait_in_flight[task->current_proc];
}

double sum_task(const Task*, const std::vector<PhysicalRegion>& regions, Context, Runtime* runtime) {
  const FieldAccessor<LEGION_READ_ONLY, double, 2> b(regions[0], FID_B);
  Rect<2> r = runtime->get_index_space_domain(regions[0].get_logical_region().get_index_space());
  double s = 0;
  for (PointInRectIterator<2> p(r); p(); p++) s += b[*p];
  return s;
}

// Two blocks read through one accessor, as applications read colocated arguments (Legion's circuit
// does): both must be in one instance, which mage gives arguments with the same memory and layout.
double pair_task(const Task*, const std::vector<PhysicalRegion>& regions, Context, Runtime* runtime) {
  const FieldAccessor<LEGION_READ_ONLY, double, 2, coord_t, Realm::AffineAccessor<double, 2, coord_t>> b(
      regions.begin(), regions.end(), FID_B);
  double s = 0;
  for (const PhysicalRegion& region : regions) {
    Rect<2> r = runtime->get_index_space_domain(region.get_logical_region().get_index_space());
    for (PointInRectIterator<2> p(r); p(); p++) s += b[*p];
  }
  return s;
}

void top_task(const Task*, const std::vector<PhysicalRegion>&, Context ctx, Runtime* runtime) {
  IndexSpace is = runtime->create_index_space(ctx, Rect<2>(Point<2>(0, 0), Point<2>(kRows - 1, kCols - 1)));
  FieldSpace fs = runtime->create_field_space(ctx);
  {
    FieldAllocator alloc = runtime->create_field_allocator(ctx, fs);
    alloc.allocate_field(sizeof(double), FID_A);
    alloc.allocate_field(sizeof(double), FID_B);
  }
  LogicalRegion grid = runtime->create_logical_region(ctx, is, fs);
  runtime->attach_name(grid, "grid");
  IndexSpace colors = runtime->create_index_space(ctx, Rect<2>(Point<2>(0, 0), Point<2>(kBlocksX - 1, kBlocksY - 1)));
  IndexPartition ip = runtime->create_equal_partition(ctx, is, colors);
  LogicalPartition blocks = runtime->get_logical_partition(ctx, grid, ip);
  runtime->attach_name(blocks, "blocks");

  TaskLauncher fill(FILL_ID, TaskArgument());
  fill.add_region_requirement(RegionRequirement(grid, LEGION_WRITE_DISCARD, LEGION_EXCLUSIVE, grid));
  fill.add_field(0, FID_A);
  runtime->execute_task(ctx, fill);

  IndexTaskLauncher stencil(STENCIL_ID, colors, TaskArgument(), ArgumentMap());
  stencil.add_region_requirement(RegionRequirement(blocks, 0, LEGION_READ_ONLY, LEGION_EXCLUSIVE, grid));
  stencil.add_field(0, FID_A);
  stencil.add_region_requirement(RegionRequirement(blocks, 0, LEGION_WRITE_DISCARD, LEGION_EXCLUSIVE, grid));
  stencil.add_field(1, FID_B);
  runtime->execute_index_space(ctx, stencil);
  runtime->execute_index_space(ctx, IndexTaskLauncher(WAIT_ID, colors, TaskArgument(), ArgumentMap()));

  TaskLauncher sum(SUM_ID, TaskArgument());
  sum.add_region_requirement(RegionRequirement(grid, LEGION_READ_ONLY, LEGION_EXCLUSIVE, grid));
  sum.add_field(0, FID_B);
  double got = runtime->execute_task(ctx, sum).get_result<double>();
  double want = 0;
  for (int x = 0; x < kRows; ++x)
    for (int y = 0; y < kCols; ++y) want += 2.0 * (x * 100.0 + y);
  TaskLauncher pair(PAIR_ID, TaskArgument());
  Rect<2> pair_rect(Point<2>(0, 0), Point<2>(-1, -1));
  for (Point<2> color : {Point<2>(0, 0), Point<2>(1, 0)}) {
    LogicalRegion block = runtime->get_logical_subregion_by_color(ctx, blocks, color);
    pair.add_region_requirement(RegionRequirement(block, LEGION_READ_ONLY, LEGION_EXCLUSIVE, grid));
    pair.add_field(pair.region_requirements.size() - 1, FID_B);
    pair_rect = pair_rect.union_bbox(runtime->get_index_space_domain(ctx, block.get_index_space()).bounds<2, coord_t>());
  }
  double pair_got = runtime->execute_task(ctx, pair).get_result<double>();
  double pair_want = 0;  // the two blocks are adjacent, so their bounding box is their union
  for (PointInRectIterator<2> p(pair_rect); p(); p++) pair_want += 2.0 * ((*p)[0] * 100.0 + (*p)[1]);
  results_ok = got == want && pair_got == pair_want;
  if (pair_got != pair_want) std::fprintf(stderr, "wrong result: pair %g, expected %g\n", pair_got, pair_want);
  top_ran = true;
  if (!results_ok) std::fprintf(stderr, "wrong result: sum %g, expected %g\n", got, want);

  runtime->destroy_logical_region(ctx, grid);
  runtime->destroy_field_space(ctx, fs);
  runtime->destroy_index_space(ctx, is);
}

template <auto F, class R = void>
void register_variant(TaskID id, const char* name, Processor::Kind kind, bool leaf) {
  TaskVariantRegistrar registrar(id, name);
  registrar.add_constraint(ProcessorConstraint(kind));
  registrar.set_leaf(leaf);
  if constexpr (std::is_void_v<R>) Runtime::preregister_task_variant<F>(registrar, name);
  else Runtime::preregister_task_variant<R, F>(registrar, name);
}

}  // namespace

int main(int argc, char** argv) {
  Runtime::set_top_level_task_id(TOP_ID);
  {
    TaskVariantRegistrar registrar(TOP_ID, "top_level");
    registrar.add_constraint(ProcessorConstraint(Processor::LOC_PROC));
    registrar.set_inner();
    registrar.set_replicable();
    Runtime::preregister_task_variant<top_task>(registrar, "top_level");
  }
  register_variant<fill_task>(FILL_ID, "fill", Processor::LOC_PROC, true);
  register_variant<fill_task>(FILL_ID, "fill", Processor::OMP_PROC, true);
  register_variant<stencil_task>(STENCIL_ID, "stencil", Processor::LOC_PROC, true);
  register_variant<sum_task, double>(SUM_ID, "sum", Processor::LOC_PROC, true);
  register_variant<wait_task>(WAIT_ID, "wait", Processor::LOC_PROC, true);
  register_variant<pair_task, double>(PAIR_ID, "pair", Processor::LOC_PROC, true);

  mage::legion::register_mapper(make_checking_mapper);
  int rc = Runtime::start(argc, argv);

  std::printf("mage_legion_check: %d checks passed, %d failed, %d points sharded; results %s; at most %d `wait` "
              "tasks in flight on a processor\n",
              checks_passed.load(), checks_failed.load(), sharding_checks.load(),
              !top_ran ? "computed elsewhere" : results_ok ? "correct" : "WRONG", wait_in_flight_peak);
  if (rc != 0 || checks_failed > 0 || checks_passed == 0 || (top_ran && !results_ok)) return 1;
  bool check_sharding = false;
  for (int i = 1; i < argc; ++i) check_sharding = check_sharding || std::string(argv[i]) == "-check-sharding";
  if (check_sharding && sharding_checks == 0) {
    std::printf("no index launch was sharded: the top-level task was not control-replicated\n");
    return 1;
  }
  // InstanceLimit bounds the `wait` tasks in flight per processor; without a limit the mapper maps a
  // processor's second point while its first still waits, which shows that the bound is the limit's doing.
  auto limit = CheckingMapper::instance_limit("wait");
  if (limit && wait_in_flight_peak > *limit) {
    std::printf("InstanceLimit wait %lld was exceeded\n", static_cast<long long>(*limit));
    return 1;
  }
  if (!limit && wait_in_flight_peak < 2) {
    std::printf("without InstanceLimit, no processor had two `wait` tasks in flight: the limit check proves "
                "nothing here\n");
    return 1;
  }
  std::printf("checks passed\n");
  return 0;
}
