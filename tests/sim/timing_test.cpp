// Steady-state timing and the critical path: an execution fence ends the warm-up, the step time is the
// window from the fence to the end of the run over the timed steps, and the critical path's parts add up
// to that window. Expected values come from the models' own figures.
#include <gtest/gtest.h>

#include "apps/builtin.hpp"
#include "mapping/policy.hpp"
#include "model/app_builder.hpp"
#include "model/machine_model.hpp"
#include "sim/engine.hpp"
#include "sim/simulate.hpp"

namespace mage::sim {
namespace {

// ---- the fence in the engine, on hand-built graphs ---------------------------------------------------

EnginePlatform two_processors() {
  EnginePlatform p;
  p.nodes = 1;
  p.processors = {{"n0.P0", 0}, {"n0.P1", 0}};
  p.memories = {{"n0.M0", 0, 0}, {"n0.M1", 0, 0}};
  p.links = {{"M0->M1", 1e9, 0}, {"M1->M0", 1e9, 0}};
  p.routes = {{{0, 1}, {0}}, {{1, 0}, {1}}};
  return p;
}

SimTask task(const std::string& name, int proc, double seconds, int step, std::vector<int> deps = {}) {
  SimTask t;
  t.name = t.label = name;
  t.processor = proc;
  t.compute_seconds = seconds;
  t.step = step;
  t.deps = std::move(deps);
  return t;
}

// A set-up task, a warm-up step, then a timed step whose first task needs nothing: it still starts at the
// fence, and so does the copy of the timed task that reads the set-up's data.
TEST(ExecutionFence, HoldsTimedTasksAndTheirCopies) {
  TaskGraph g;
  g.warmup_steps = 1;
  SimTask fill = task("fill", 0, 1.0, 0);
  fill.setup = true;
  SimTask warm = task("warm", 1, 0.5, 0);
  SimTask control = task("control", 1, 0.25, 1);
  SimTask kernel = task("kernel", 1, 0.25, 1, {0});
  kernel.copies = {CopyOp{0, 1, static_cast<std::uint64_t>(0.5e9), 0, "data", "data"}};
  g.tasks = {fill, warm, control, kernel};
  ASSERT_EQ(first_timed_task(g), 2u);
  auto r = run_engine_isolated(two_processors(), g);
  ASSERT_TRUE(r.completed) << r.error;
  EXPECT_DOUBLE_EQ(r.timed_start, 1.0);  // the fill ends last among the warm-up
  EXPECT_DOUBLE_EQ(r.tasks[2].start, 1.0);  // would start at 0.5 without the fence
  ASSERT_EQ(r.copies.size(), 1u);
  EXPECT_DOUBLE_EQ(r.copies[0].start, 1.0);
  EXPECT_NEAR(r.tasks[3].start, 1.5, 1e-9);  // after its 0.5 s copy
  EXPECT_NEAR(r.makespan, 1.75, 1e-9);
}

TEST(ExecutionFence, NoWarmUpMeansAFenceAtZero) {
  TaskGraph g;
  g.tasks = {task("a", 0, 1.0, 0), task("b", 1, 0.5, 0, {0})};
  auto r = run_engine_isolated(two_processors(), g);
  ASSERT_TRUE(r.completed) << r.error;
  EXPECT_EQ(r.timed_start, 0.0);
  EXPECT_DOUBLE_EQ(r.makespan, 1.5);
}

// A task issued before a set-up launch belongs to the warm-up: the fence follows the last warm-up task in
// program order.
TEST(ExecutionFence, TasksBeforeASetUpLaunchAreWarmUp) {
  TaskGraph g;
  SimTask late_setup = task("init", 1, 1.0, 0, {0});
  late_setup.setup = true;
  g.tasks = {task("early", 0, 0.5, 0), late_setup, task("work", 0, 0.25, 0)};
  EXPECT_EQ(first_timed_task(g), 2u);
  auto r = run_engine_isolated(two_processors(), g);
  ASSERT_TRUE(r.completed) << r.error;
  EXPECT_DOUBLE_EQ(r.timed_start, 1.5);
  EXPECT_DOUBLE_EQ(r.tasks[2].start, 1.5);
}

// ---- steady state on a whole model -------------------------------------------------------------------

// A data-free control task on a CPU, a set-up fill of the data on the CPUs, and a compute-bound GPU kernel
// that reads and updates the filled data: one warm-up step, then `steps` timed ones.
model::AppModel control_fill_kernel(std::int64_t steps, double kernel_flops_per_element) {
  model::AppBuilder app("fenced");
  app.steps(steps, 1).throughput("steps/s", 1);
  app.region("data", 4 * (std::int64_t{1} << 24)).field("v", 8);
  app.partition("tiles", "data").blocks(4).disjoint();
  app.task("control").variant(ProcKind::CPU);
  app.task("fill").variant(ProcKind::CPU).bytes_per_element(8);
  app.task("kernel").variant(ProcKind::GPU).flops_per_element(kernel_flops_per_element);
  app.index_launch("fill", {4}).setup().partition("tiles", model::Privilege::WD);
  app.single_launch("control");
  app.index_launch("kernel", {4}).partition("tiles", model::Privilege::RW);
  lang::Diagnostics d;
  auto model = app.build(d);
  EXPECT_TRUE(model) << lang::render_text(d, nullptr);
  return model ? *model : model::AppModel{};
}

std::unique_ptr<mapping::Policy> policy_for(const model::MachineModel& machine, const std::string& program,
                                            const lang::AppSignature* signature = nullptr) {
  lang::Diagnostics d;
  auto policy = mapping::Policy::compile(lang::SourceFile("t.mpl", program), model::to_machine_desc(machine), d,
                                         signature);
  EXPECT_TRUE(policy) << lang::render_text(d, nullptr);
  return policy;
}

TEST(SteadyState, TheWarmUpIsOutsideTheTimedSteps) {
  const std::int64_t steps = 5;
  const double flops_per_element = 700;  // about 2.5 ms per tile on a P100
  model::AppModel app = control_fill_kernel(steps, flops_per_element);
  model::MachineModel machine = *model::model_preset("p100x4", 1);
  // Each GPU gets one tile, in its framebuffer (the default).
  auto policy = policy_for(machine, "m = Machine(GPU);\ndef f(Task task) { return m[0, task.ipoint[0]]; }\n"
                                    "IndexTaskMap kernel f;\n");
  ASSERT_TRUE(policy);
  SimResult r = simulate(app, machine, *policy);
  ASSERT_TRUE(r.ok) << (r.error ? r.error->message : "");

  // The steady state: each GPU runs one kernel per step, on data already in its framebuffer, and the
  // runtime maps ahead, so a step lasts one kernel: launch overhead + FLOP / peak.
  const model::Processor& gpu = machine.processors[model::processors(machine, 0, ProcKind::GPU).front()];
  const double tile = static_cast<double>(std::int64_t{1} << 24);
  const double kernel = gpu.launch_overhead + flops_per_element * tile / gpu.flops;
  EXPECT_NEAR(r.step_time, kernel, 0.01 * kernel);

  // The warm-up (fill on the CPUs, the copies to the GPUs, the first kernels) is longer than the timed
  // steps together, and none of it is in them.
  const std::size_t first_timed = first_timed_task(r.plan.graph);
  double warmup_end = 0, timed_first_start = r.total_time;
  for (std::size_t t = 0; t < r.plan.graph.tasks.size(); ++t) {
    if (t < first_timed) warmup_end = std::max(warmup_end, r.timings.tasks[t].end);
    else timed_first_start = std::min(timed_first_start, r.timings.tasks[t].start);
  }
  for (const auto& c : r.timings.copies)
    if (static_cast<std::size_t>(c.task) >= first_timed) EXPECT_GE(c.start, r.warmup_time);
  EXPECT_DOUBLE_EQ(r.warmup_time, warmup_end);
  EXPECT_GE(timed_first_start, r.warmup_time);
  EXPECT_GT(r.warmup_time, kernel * static_cast<double>(steps));
  EXPECT_NEAR(r.total_time, r.warmup_time + r.step_time * static_cast<double>(steps), 1e-9);
  // The set-up's data reached the GPUs during the warm-up: the timed steps copy nothing.
  for (const auto& c : r.timings.copies) EXPECT_LT(static_cast<std::size_t>(c.task), first_timed);
  // A compute-bound run: the critical path of the window is the kernels.
  EXPECT_NEAR(r.critical.compute, r.critical.window, 0.01 * r.critical.window);
}

// ---- a critical path that adds up --------------------------------------------------------------------

SimResult simulate_builtin(std::string_view name, std::int64_t nodes) {
  const apps::BuiltinApp* builtin = apps::find_builtin(name);
  EXPECT_NE(builtin, nullptr);
  if (!builtin) return {};
  lang::Diagnostics d;
  auto app = apps::make_app(*builtin, apps::Scale{nodes, 4}, {}, d);
  EXPECT_TRUE(app) << lang::render_text(d, nullptr);
  if (!app) return {};
  model::MachineModel machine = *model::model_preset("p100x4", nodes);
  lang::AppSignature signature = app->signature();
  auto policy = policy_for(machine, std::string(apps::expert_mapper(*builtin)), &signature);
  if (!policy) return {};
  return simulate(*app, machine, *policy);
}

void expect_adds_up(const SimResult& r, std::string_view what) {
  ASSERT_TRUE(r.ok) << what << ": " << (r.error ? r.error->message : "");
  const double window = r.step_time * static_cast<double>(r.steps);
  const auto& c = r.critical;
  EXPECT_NEAR(c.window, window, 1e-9 * window) << what;
  EXPECT_NEAR(c.compute + c.copies + c.runtime + c.waits, window, 0.02 * window) << what;
  // The chain is made of activities, not of unexplained time.
  EXPECT_LT(c.waits, 0.01 * window) << what;
  EXPECT_GT(c.compute, 0) << what;
}

TEST(CriticalPath, AddsUpToTheTimedWindowOfStencil) { expect_adds_up(simulate_builtin("stencil", 1), "stencil, 1 node"); }
TEST(CriticalPath, AddsUpToTheTimedWindowOfPennant) { expect_adds_up(simulate_builtin("pennant", 4), "pennant, 4 nodes"); }
TEST(CriticalPath, AddsUpToTheTimedWindowOfCannon) {
  // 16 nodes: about 1.6 s of simulation.
  SimResult r = simulate_builtin("cannon", 16);
  expect_adds_up(r, "cannon, 16 nodes");
  // Cannon's leaves wait for their tiles: copies are on the path.
  EXPECT_GT(r.critical.copies, 0);
}

}  // namespace
}  // namespace mage::sim
