// Layouts in the roofline: a layout changes how well a kernel's accesses use memory, so its factor scales
// the memory term; only a factor the model marks `compute` scales the arithmetic. Checked on a one-kernel
// model worked out by hand and on the built-in circuit (compute-bound) and stencil (memory-bound).
#include <algorithm>

#include <gtest/gtest.h>

#include "apps/builtin.hpp"
#include "model/app_builder.hpp"
#include "model/machine_model.hpp"
#include "sim/planner.hpp"
#include "sim/simulate.hpp"

namespace mage::sim {
namespace {

std::unique_ptr<mapping::Policy> compile(const std::string& program, const model::MachineModel& machine,
                                         const model::AppModel* app = nullptr) {
  lang::Diagnostics d;
  lang::AppSignature signature;
  if (app) signature = app->signature();
  auto policy = mapping::Policy::compile(lang::SourceFile("t.mpl", program), model::to_machine_desc(machine), d,
                                         app ? &signature : nullptr);
  EXPECT_TRUE(policy) << lang::render_text(d, nullptr);
  return policy;
}

// One GPU kernel over 4 tiles of 2^20 two-field elements: `flops` and `bytes` per element, and one layout
// factor of 2 for AOS on its only argument, on `term`.
model::AppModel kernel(double flops, double bytes, model::LayoutTerm term) {
  model::AppBuilder b("kernel");
  b.region("cells", 4 << 20).field("a", 8).field("b", 8);
  b.partition("tiles", "cells").blocks(4).disjoint();
  b.task("k").variant(ProcKind::GPU).launch_overhead(0).flops_per_element(flops).bytes_per_element(bytes)
      .slowdown(0, "AOS", 2.0, term);
  b.index_launch("k", {4}).partition("tiles", model::Privilege::RW);
  lang::Diagnostics d;
  auto app = b.build(d);
  EXPECT_TRUE(app) << lang::render_text(d, nullptr);
  return app ? *app : model::AppModel{};
}

// The kernel time of the first point task under a layout rule.
double kernel_seconds(const model::AppModel& app, const std::string& layout) {
  const model::MachineModel machine = *model::model_preset("p100x4", 1);
  auto policy = compile("Task * GPU;\nLayout * * * " + layout + ";\n", machine);
  if (!policy) return 0;
  auto p = plan(app, machine, *policy);
  EXPECT_TRUE(p) << p.error().message;
  return p ? p->graph.tasks.at(0).compute_seconds : 0;
}

TEST(LayoutRoofline, MemoryFactorScalesTheTrafficOnly) {
  const model::MachineModel machine = *model::model_preset("p100x4", 1);
  const model::Processor& gpu = *std::find_if(machine.processors.begin(), machine.processors.end(),
                                              [](const auto& p) { return p.kind == ProcKind::GPU; });
  const double elements = 1 << 20;
  // Memory-bound (1 FLOP per 16 B): the time is the traffic's, and AOS doubles it.
  auto streaming = kernel(1, 16, model::LayoutTerm::Memory);
  const double soa = kernel_seconds(streaming, "SOA"), aos = kernel_seconds(streaming, "AOS");
  ASSERT_GT(soa, 0);
  EXPECT_GT(soa, 10 * elements / gpu.flops);  // the premise: far longer than its arithmetic
  EXPECT_NEAR(aos / soa, 2.0, 1e-9);
  // Compute-bound (10^4 FLOP per 16 B), even at twice the traffic: AOS changes nothing.
  auto dense = kernel(1e4, 16, model::LayoutTerm::Memory);
  const double dense_soa = kernel_seconds(dense, "SOA");
  EXPECT_NEAR(dense_soa, 1e4 * elements / gpu.flops, dense_soa * 1e-9);
  EXPECT_DOUBLE_EQ(kernel_seconds(dense, "AOS"), dense_soa);
}

TEST(LayoutRoofline, ComputeFactorScalesTheArithmeticOnly) {
  // A kernel that says its arithmetic depends on the layout: compute-bound, AOS doubles it...
  auto dense = kernel(1e4, 16, model::LayoutTerm::Compute);
  EXPECT_NEAR(kernel_seconds(dense, "AOS") / kernel_seconds(dense, "SOA"), 2.0, 1e-9);
  // ...memory-bound with room to spare (1 FLOP per 16 B), the slower arithmetic stays hidden.
  auto streaming = kernel(1, 16, model::LayoutTerm::Compute);
  EXPECT_DOUBLE_EQ(kernel_seconds(streaming, "AOS"), kernel_seconds(streaming, "SOA"));
}

// ---- the built-in applications ---------------------------------------------------------------------------

model::AppModel builtin(std::string_view name, const std::map<std::string, std::int64_t>& overrides) {
  lang::Diagnostics d;
  auto app = apps::make_app(*apps::find_builtin(name), apps::Scale{1, 4}, overrides, d);
  EXPECT_TRUE(app) << lang::render_text(d, nullptr);
  return app ? *app : model::AppModel{};
}

double step_time(const model::AppModel& app, const std::string& program) {
  const model::MachineModel machine = *model::model_preset("p100x4", 1);
  auto policy = compile(program, machine, &app);
  if (!policy) return 0;
  SimResult r = simulate(app, machine, *policy);
  EXPECT_TRUE(r.ok) << (r.error ? r.error->message : std::string());
  return r.step_time;
}

TEST(LayoutRoofline, AosLeavesTheComputeBoundCircuitAlone) {
  // calculate_new_currents does 960,000 FLOP per wire on ~190 B (10,000 solver iterations on registers):
  // AOS makes its loads uncoalesced, which a compute-bound kernel does not notice.
  auto app = builtin("circuit", {{"steps", 2}});
  const double soa = step_time(app, "Layout * * * SOA;\n"), aos = step_time(app, "Layout * * * AOS;\n");
  ASSERT_GT(soa, 0);
  EXPECT_NEAR(aos / soa, 1.0, 0.03) << "SOA " << soa << " s, AOS " << aos << " s";
}

TEST(LayoutRoofline, AosSlowsTheMemoryBoundStencil) {
  // stencil (24 B a point) and increment (16 B) stream their tiles; interleaved, both move 32 B a point
  // (x1.33 and x2 on their tile's traffic). Kernels are most of a step, so AOS costs well over 20%, and
  // less than the larger of the two factors.
  auto app = builtin("stencil", {{"steps", 2}});
  const double soa = step_time(app, "Layout * * * SOA;\n"), aos = step_time(app, "Layout * * * AOS;\n");
  ASSERT_GT(soa, 0);
  EXPECT_GT(aos / soa, 1.2) << "SOA " << soa << " s, AOS " << aos << " s";
  EXPECT_LT(aos / soa, 2.0) << "SOA " << soa << " s, AOS " << aos << " s";
}

}  // namespace
}  // namespace mage::sim
