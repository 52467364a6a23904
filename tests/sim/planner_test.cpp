// The planner on a small halo exchange whose dependences, copies and instances can be worked out by hand,
// and a whole simulation of it.
#include "sim/planner.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/simulate.hpp"
#include "sim/trace.hpp"

namespace mage::sim {
namespace {

// 4 tiles of 1000 elements (8 bytes each, one field). `ghost` piece i holds the 10 elements on each side
// that belong to the neighbouring tiles. Each step: `update` writes tile i, then `stencil` reads ghost i
// and writes tile i.
model::AppModel halo(std::int64_t steps = 1) {
  model::AppModel app;
  app.name = "halo";
  app.steps = steps;
  app.regions = {model::Region{"cells", 4000, {model::Field{"v", 8}}}};
  model::Partition tiles{"tiles", "cells", "", 0, {}, {}, true};
  model::Partition ghost{"ghost", "cells", "", 0, {}, {}, false};
  for (std::int64_t i = 0; i < 4; ++i) {
    tiles.pieces.push_back(model::IntervalSet::range(i * 1000, (i + 1) * 1000));
    model::IntervalSet g;
    if (i > 0) g = g | model::IntervalSet::range(i * 1000 - 10, i * 1000);
    if (i < 3) g = g | model::IntervalSet::range((i + 1) * 1000, (i + 1) * 1000 + 10);
    ghost.pieces.push_back(g);
  }
  app.partitions = {tiles, ghost};
  model::Variant gpu;
  gpu.kind = ProcKind::GPU;
  gpu.flops_per_element = 10;
  gpu.bytes_per_element = 16;
  model::Variant cpu = gpu;
  cpu.kind = ProcKind::CPU;
  app.tasks = {model::Task{"update", {gpu, cpu}}, model::Task{"stencil", {gpu, cpu}}};
  auto arg = [](std::string partition, model::Privilege p) {
    model::Argument a;
    a.partition = std::move(partition);
    a.privilege = p;
    return a;
  };
  app.launches = {model::Launch{"update", {4}, {arg("tiles", model::Privilege::RW)}, "", {}, "", false},
                  model::Launch{"stencil", {4}, {arg("tiles", model::Privilege::RW), arg("ghost", model::Privilege::RO)},
                                "", {}, "", false}};
  return app;
}

struct Fixture {
  model::MachineModel machine = *model::model_preset("p100x4", 1);
  std::unique_ptr<mapping::Policy> policy;
  explicit Fixture(const std::string& program) {
    lang::Diagnostics d;
    policy = mapping::Policy::compile(lang::SourceFile("t.mpl", program), model::to_machine_desc(machine), d);
    EXPECT_TRUE(policy) << lang::render_text(d, nullptr);
  }
};

TEST(Planner, HaloDependencesAndCopiesOnGpus) {
  Fixture f("Task * GPU, CPU;");
  auto p = plan(halo(), f.machine, *f.policy);
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->graph.tasks.size(), 8u);
  // stencil i (task 4 + i) reads what was last written where its ghost lies: by the right neighbour's
  // update, and by the left neighbour's stencil, which ran earlier in program order and wrote that tile.
  // It also writes tile i, which the left neighbour's stencil read: an anti-dependence.
  EXPECT_EQ(p->graph.tasks[4].deps, (std::vector<int>{0, 1}));
  EXPECT_EQ(p->graph.tasks[5].deps, (std::vector<int>{1, 2, 4}));
  EXPECT_EQ(p->graph.tasks[7].deps, (std::vector<int>{3, 6}));
  // Default mapping: point i on GPU i, its data in that GPU's framebuffer; the ghost comes from the
  // neighbours' framebuffers, 10 elements x 8 bytes from each.
  const auto& copies = p->graph.tasks[5].copies;
  ASSERT_EQ(copies.size(), 2u);
  std::uint64_t total = 0;
  for (const auto& c : copies) {
    total += c.bytes;
    EXPECT_EQ(f.machine.memories[static_cast<std::size_t>(c.src_memory)].kind, MemKind::FBMEM);
    EXPECT_EQ(f.machine.memories[static_cast<std::size_t>(c.dst_memory)].kind, MemKind::FBMEM);
    EXPECT_EQ(c.bytes, 80u);
  }
  EXPECT_EQ(total, 160u);
  EXPECT_TRUE(p->graph.tasks[0].copies.empty());  // nothing valid elsewhere yet
  for (const auto& t : p->tasks) EXPECT_EQ(t.kind, ProcKind::GPU);
}

TEST(Planner, GhostInZeroCopyMemoryChangesCopiesAndCost) {
  Fixture fb("Task * GPU;");
  Fixture zc("Task * GPU;\nRegion * ghost GPU ZCMEM;");
  auto a = plan(halo(), fb.machine, *fb.policy);
  auto b = plan(halo(), zc.machine, *zc.policy);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(b->tasks[5].args[1].memory_kind, MemKind::ZCMEM);
  for (const auto& c : b->graph.tasks[5].copies)
    EXPECT_EQ(zc.machine.memories[static_cast<std::size_t>(c.dst_memory)].kind, MemKind::ZCMEM);
  // Reading part of the traffic over PCIe makes the kernel slower.
  EXPECT_GT(b->graph.tasks[5].compute_seconds, a->graph.tasks[5].compute_seconds);
}

TEST(Planner, InstancesAreReusedAcrossSteps) {
  Fixture f("Task * GPU;");
  auto p = plan(halo(3), f.machine, *f.policy);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->graph.tasks.size(), 24u);
  EXPECT_EQ(p->graph.tasks[0].allocations.size(), 1u);   // tile 0 in GPU 0's framebuffer, step 0
  EXPECT_TRUE(p->graph.tasks[8].allocations.empty());    // the same instance, step 1
}

TEST(Planner, CollectMemoryReleasesReadOnlyInstancesAndCopiesAgain) {
  Fixture f("Task * GPU;\nCollectMemory stencil ghost;");
  auto p = plan(halo(2), f.machine, *f.policy);
  ASSERT_TRUE(p);
  const SimTask& second_step = p->graph.tasks[13];  // stencil point 1, step 1
  bool collected = false;
  for (const auto& a : second_step.allocations) collected |= a.released_at_end;
  EXPECT_TRUE(collected);
  EXPECT_FALSE(second_step.copies.empty());
}

TEST(Planner, CpuOnlyTaskKeepsDataInHostMemory) {
  Fixture f("Task * CPU;");
  auto p = plan(halo(), f.machine, *f.policy);
  ASSERT_TRUE(p);
  for (const auto& t : p->tasks) {
    EXPECT_EQ(t.kind, ProcKind::CPU);
    for (const auto& a : t.args) EXPECT_EQ(a.memory_kind, MemKind::SYSMEM);
  }
}

TEST(Planner, MappingErrorsNameTheTask) {
  Fixture f("Task * GPU;\nRegion * ghost GPU SYSMEM;");
  auto p = plan(halo(), f.machine, *f.policy);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, "mapping.memory-not-addressable");
  ASSERT_FALSE(p.error().notes.empty());
  EXPECT_NE(p.error().notes.back().find("stencil (0,)"), std::string::npos) << p.error().notes.back();
}

TEST(Simulate, HaloEndToEnd) {
  Fixture f("Task * GPU;");
  auto r = simulate(halo(2), f.machine, *f.policy);
  ASSERT_TRUE(r.ok) << (r.error ? r.error->message : "");
  EXPECT_GT(r.total_time, 0);
  EXPECT_GT(r.throughput, 0);
  EXPECT_EQ(r.processors.size(), 4u);  // one point per GPU
  EXPECT_EQ(r.copy_bytes, 2u * 6u * 80u);  // 6 neighbour strips per step
  EXPECT_NE(render_summary(r).find("(simulated)"), std::string::npos);
  auto trace = trace_json(r);
  auto parsed = nlohmann::json::parse(trace.dump());
  EXPECT_GE(parsed["traceEvents"].size(), 16u);
  auto a = to_json(simulate(halo(2), f.machine, *f.policy)).dump();
  auto b = to_json(simulate(halo(2), f.machine, *f.policy)).dump();
  EXPECT_EQ(a, b);  // bit for bit
}

TEST(Simulate, OutOfMemoryIsAMappingError) {
  model::AppModel app = halo();
  app.regions[0].elements = 4000;
  app.regions[0].fields[0].bytes = std::int64_t{8} << 30;  // 8 GiB per element: tiles far beyond 16 GiB
  Fixture f("Task * GPU;");
  auto r = simulate(app, f.machine, *f.policy);
  EXPECT_FALSE(r.ok);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, "mapping.out-of-memory");
}

TEST(Simulate, CollectMemoryWithInstanceLimitLowersThePeak) {
  const std::string one_gpu = "Task * GPU;\nm = Machine(GPU);\ndef first(Task task) { return m[0, 0]; }\n"
                              "IndexTaskMap * first;\n";
  auto peak = [](const SimResult& r) {
    std::uint64_t p = 0;
    for (const auto& m : r.memories) p = std::max(p, m.peak);
    return p;
  };
  Fixture keep(one_gpu);
  Fixture collect(one_gpu + "CollectMemory stencil ghost;\nInstanceLimit stencil 1;\n");
  auto a = simulate(halo(2), keep.machine, *keep.policy);
  auto b = simulate(halo(2), collect.machine, *collect.policy);
  ASSERT_TRUE(a.ok && b.ok);
  // Four tiles (8000 B each) live throughout; the ghosts (80, 160, 160, 80 B) all stay without collection,
  // and one at a time with it.
  EXPECT_EQ(peak(a), 32000u + 480u);
  EXPECT_EQ(peak(b), 32000u + 160u);
}

}  // namespace
}  // namespace mage::sim
