// A small Legion program run under the mage mapper. A checking mapper wraps every decision: after the
// mage mapper answers slice_task and map_task, it asks a separately compiled policy the same question
// and counts agreements and disagreements. The program also checks its own numeric results and that
// InstanceLimit bounds how many `stencil` tasks run at once.
//
// Exit status: 0 when every check agreed (and there were checks), 1 otherwise.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
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

enum TaskIds { TOP_ID = 1, FILL_ID, STENCIL_ID, SUM_ID };
enum FieldIds { FID_A = 1, FID_B };
constexpr int kRows = 8, kCols = 6;
constexpr int kBlocksX = 4, kBlocksY = 2;

std::atomic<int> checks_passed{0}, checks_failed{0};
std::atomic<int> stencil_running{0}, stencil_peak{0};
std::atomic<bool> results_ok{false};

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
    for (const auto& slice : output.slices) {
      DomainPoint p = slice.domain.lo();
      mage::mapping::TaskContext c{task.get_task_name(), {}, {}, nullptr, std::nullopt};
      for (int d = 0; d < p.get_dim(); ++d) {
        c.ipoint.push_back(p[d] - task.index_domain.lo()[d]);
        c.ispace.push_back(task.index_domain.hi()[d] - task.index_domain.lo()[d] + 1);
      }
      std::lock_guard<std::mutex> g(reference_mutex());
      const auto& want = reference()->map_index_point(c, kind);
      auto got = host().id_of(slice.proc);
      expect(want.ok() && got && std::find(want->begin(), want->end(), *got) != want->end(),
             fmt::format("slice of `{}` point {}: processor differs from the policy's", c.name,
                         mage::mapping::show_tuple(c.ipoint)));
      expect(slice.domain.get_volume() == 1 && !slice.recurse, "slices hold one point and are final");
    }
  }

  void map_task(Mapping::MapperContext ctx, const Task& task, const MapTaskInput& input,
                MapTaskOutput& output) override {
    MageMapper::map_task(ctx, task, input, output);
    const std::string name = task.get_task_name();
    auto kind = mage::legion::to_mage(task.target_proc.kind());
    std::vector<mage::ProcKind> variants;
    for (mage::ProcKind k : mage::kAllProcKinds) {
      std::vector<VariantID> found;
      runtime->find_valid_variants(ctx, task.task_id, found, *mage::legion::to_legion(k));
      if (!found.empty()) variants.push_back(k);
    }
    std::lock_guard<std::mutex> g(reference_mutex());
    auto& ref = *reference();
    auto want_kind = ref.choose_kind(name, variants);
    expect(want_kind.ok() && kind && *want_kind == *kind, fmt::format("`{}` runs on the policy's processor kind", name));
    if (!kind) return;
    if (auto limit = ref.instance_limit(name))
      expect(host().running(name) <= *limit, fmt::format("`{}`: more than {} instances selected at once", name, *limit));
    if (!task.is_index_space) {
      mage::mapping::TaskContext c{name, {}, {}, nullptr, std::nullopt};
      mage::mapping::TaskContext parent;
      if (const Task* pt = task.get_parent_task()) {
        parent.name = pt->get_task_name();
        parent.processor = host().id_of(pt->target_proc.exists() ? pt->target_proc : pt->current_proc);
        c.parent = &parent;
      }
      auto want = ref.map_single(c, *kind);
      auto got = host().id_of(output.target_procs.empty() ? task.target_proc : output.target_procs.front());
      expect(want.ok() && got && std::find(want->begin(), want->end(), *got) != want->end(),
             fmt::format("single task `{}`: processor differs from the policy's", name));
    }
    if (runtime->is_inner_variant(ctx, task.task_id, output.chosen_variant)) return;  // mapped virtually
    for (unsigned i = 0; i < task.regions.size(); ++i) {
      const RegionRequirement& req = task.regions[i];
      if (req.privilege == LEGION_NO_ACCESS || req.privilege_fields.empty()) continue;
      mage::mapping::RegionRef region = region_ref(ctx, task, i);
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
    }
  }

 private:
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
  int now = ++stencil_running;
  int peak = stencil_peak.load();
  while (now > peak && !stencil_peak.compare_exchange_weak(peak, now)) {
  }
  const FieldAccessor<LEGION_READ_ONLY, double, 2> a(regions[0], FID_A);
  const FieldAccessor<LEGION_WRITE_DISCARD, double, 2> b(regions[1], FID_B);
  Rect<2> r = runtime->get_index_space_domain(regions[1].get_logical_region().get_index_space());
  for (PointInRectIterator<2> p(r); p(); p++) b[*p] = 2.0 * a[*p];
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // long enough for tasks to overlap
  --stencil_running;
}

double sum_task(const Task*, const std::vector<PhysicalRegion>& regions, Context, Runtime* runtime) {
  const FieldAccessor<LEGION_READ_ONLY, double, 2> b(regions[0], FID_B);
  Rect<2> r = runtime->get_index_space_domain(regions[0].get_logical_region().get_index_space());
  double s = 0;
  for (PointInRectIterator<2> p(r); p(); p++) s += b[*p];
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

  TaskLauncher sum(SUM_ID, TaskArgument());
  sum.add_region_requirement(RegionRequirement(grid, LEGION_READ_ONLY, LEGION_EXCLUSIVE, grid));
  sum.add_field(0, FID_B);
  double got = runtime->execute_task(ctx, sum).get_result<double>();
  double want = 0;
  for (int x = 0; x < kRows; ++x)
    for (int y = 0; y < kCols; ++y) want += 2.0 * (x * 100.0 + y);
  results_ok = got == want;
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

  mage::legion::register_mapper(make_checking_mapper);
  int rc = Runtime::start(argc, argv);

  bool limited = stencil_peak.load() <= 2;
  std::printf("mage_legion_check: %d checks passed, %d failed; results %s; at most %d `stencil` tasks at once\n",
              checks_passed.load(), checks_failed.load(), results_ok ? "correct" : "WRONG", stencil_peak.load());
  if (rc != 0 || checks_failed > 0 || checks_passed == 0 || !results_ok) return 1;
  // InstanceLimit only applies when the program sets one (the default-program run has none).
  bool has_limit = false;
  for (int i = 0; i + 1 < argc; ++i) has_limit = has_limit || std::string(argv[i]) == "-mapping";
  if (has_limit && !limited) {
    std::printf("InstanceLimit stencil 2 was exceeded\n");
    return 1;
  }
  std::printf("checks passed\n");
  return 0;
}
