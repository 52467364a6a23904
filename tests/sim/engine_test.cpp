// The SimGrid engine on hand-built graphs whose timings can be worked out on paper.
#include "sim/engine.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace mage::sim {
namespace {

constexpr double GB = 1e9;

// Two processors and two memories on one node, joined by one link of 1 GB/s each way.
EnginePlatform two_by_two(double latency = 0) {
  EnginePlatform p;
  p.nodes = 1;
  p.processors = {{"n0.P0", 0}, {"n0.P1", 0}};
  p.memories = {{"n0.M0", 0, 0}, {"n0.M1", 0, 0}};
  p.links = {{"M0->M1", GB, latency}, {"M1->M0", GB, latency}};
  p.routes = {{{0, 1}, {0}}, {{1, 0}, {1}}};
  return p;
}

SimTask task(const std::string& name, int proc, double seconds, std::vector<int> deps = {}) {
  SimTask t;
  t.name = name;
  t.label = name;
  t.processor = proc;
  t.compute_seconds = seconds;
  t.deps = std::move(deps);
  return t;
}

TEST(Engine, OneTask) {
  TaskGraph g;
  g.tasks = {task("a", 0, 2.0)};
  auto r = run_engine_isolated(two_by_two(), g);
  ASSERT_TRUE(r.completed) << r.error;
  EXPECT_DOUBLE_EQ(r.makespan, 2.0);
  EXPECT_DOUBLE_EQ(r.processor_busy[0], 2.0);
}

TEST(Engine, DependencesSerialiseAcrossProcessors) {
  TaskGraph g;
  g.tasks = {task("a", 0, 1.0), task("b", 1, 1.0, {0}), task("c", 0, 0.5)};
  auto r = run_engine_isolated(two_by_two(), g);
  ASSERT_TRUE(r.completed) << r.error;
  EXPECT_DOUBLE_EQ(r.tasks[1].start, 1.0);
  EXPECT_DOUBLE_EQ(r.tasks[2].start, 1.0);  // same processor as `a`: one task at a time
  EXPECT_DOUBLE_EQ(r.makespan, 2.0);
}

TEST(Engine, CopyTimeIsBytesOverBandwidthPlusLatency) {
  TaskGraph g;
  SimTask b = task("b", 1, 1.0, {0});
  b.copies = {CopyOp{0, 1, static_cast<std::uint64_t>(GB), 0, "x", "x"}};
  g.tasks = {task("a", 0, 1.0), b};
  auto r = run_engine_isolated(two_by_two(0.25), g);
  ASSERT_TRUE(r.completed) << r.error;
  ASSERT_EQ(r.copies.size(), 1u);
  EXPECT_NEAR(r.copies[0].start, 1.0, 1e-9);  // after the producer
  EXPECT_NEAR(r.copies[0].end, 2.25, 1e-9);
  EXPECT_NEAR(r.makespan, 3.25, 1e-9);
  EXPECT_EQ(r.link_bytes[0], static_cast<std::uint64_t>(GB));
  EXPECT_EQ(r.link_bytes[1], 0u);
}

TEST(Engine, CopiesShareALink) {
  TaskGraph g;
  SimTask a = task("a", 0, 0.0);
  SimTask b = task("b", 1, 0.0);
  a.copies = {CopyOp{1, 0, static_cast<std::uint64_t>(GB), -1, "x", "x"}};
  b.copies = {CopyOp{0, 1, static_cast<std::uint64_t>(GB), -1, "y", "y"}};
  SimTask c = task("c", 1, 0.0);
  c.copies = {CopyOp{0, 1, static_cast<std::uint64_t>(GB), -1, "z", "z"}};
  // b and c are on one processor, so their copies run one after the other; a's copy goes the other way.
  g.tasks = {a, b};
  auto r = run_engine_isolated(two_by_two(), g);
  ASSERT_TRUE(r.completed) << r.error;
  EXPECT_NEAR(r.makespan, 1.0, 1e-9);  // opposite directions do not contend
  // Two processors pulling over the same direction share it: each copy takes twice as long.
  EnginePlatform p = two_by_two();
  p.processors.push_back({"n0.P2", 0});
  SimTask d = task("d", 2, 0.0);
  d.copies = {CopyOp{0, 1, static_cast<std::uint64_t>(GB), -1, "w", "w"}};
  g.tasks = {b, d};
  auto shared = run_engine_isolated(p, g);
  ASSERT_TRUE(shared.completed) << shared.error;
  EXPECT_NEAR(shared.makespan, 2.0, 1e-9);
}

TEST(Engine, CopiesOverlapWithComputation) {
  TaskGraph g;
  SimTask b = task("b", 0, 1.0);
  b.copies = {CopyOp{1, 0, static_cast<std::uint64_t>(GB), -1, "x", "x"}};
  g.tasks = {task("a", 0, 2.0), b};
  auto r = run_engine_isolated(two_by_two(), g);
  ASSERT_TRUE(r.completed) << r.error;
  EXPECT_NEAR(r.copies[0].end, 1.0, 1e-9);  // fetched while `a` computes
  EXPECT_NEAR(r.makespan, 3.0, 1e-9);
}

TEST(Engine, OutOfMemoryExactlyAtCapacity) {
  EnginePlatform p = two_by_two();
  p.memories[1].capacity = 100;
  TaskGraph g;
  SimTask a = task("a", 0, 1.0);
  a.allocations = {Allocation{1, 60, false, "first"}};
  SimTask b = task("b", 0, 1.0);
  b.allocations = {Allocation{1, 40, false, "second"}};
  g.tasks = {a, b};
  auto fits = run_engine_isolated(p, g);
  ASSERT_TRUE(fits.completed) << fits.error;
  EXPECT_EQ(fits.memory_peak[1], 100u);
  g.tasks[1].allocations[0].bytes = 41;
  auto r = run_engine_isolated(p, g);
  EXPECT_FALSE(r.completed);
  ASSERT_TRUE(r.oom);
  EXPECT_EQ(r.oom->task, 1);
  EXPECT_EQ(r.oom->requested, 41u);
  EXPECT_EQ(r.oom->in_use, 60u);
  EXPECT_EQ(r.oom->capacity, 100u);
}

TEST(Engine, InstanceLimitLowersThePeak) {
  TaskGraph g;
  for (int i = 0; i < 4; ++i) {
    SimTask t = task("leaf", 0, 1.0);
    t.allocations = {Allocation{0, 1000, true, "input"}};
    g.tasks.push_back(t);
  }
  auto free_run = run_engine_isolated(two_by_two(), g);
  ASSERT_TRUE(free_run.completed) << free_run.error;
  EXPECT_EQ(free_run.memory_peak[0], 4000u);  // all mapped at once
  g.limits = {InstanceLimitGroup{"leaf", 1}};
  for (auto& t : g.tasks) t.limit_group = 0;
  auto limited = run_engine_isolated(two_by_two(), g);
  ASSERT_TRUE(limited.completed) << limited.error;
  EXPECT_EQ(limited.memory_peak[0], 1000u);
  EXPECT_NEAR(limited.makespan, 4.0, 1e-9);
}

TEST(Engine, RuntimeOverheadAndRemoteLaunches) {
  EnginePlatform p = two_by_two();
  p.nodes = 2;
  p.processors[1].node = 1;
  p.runtime_overhead = 0.5;
  p.remote_launch_latency = 0.25;
  TaskGraph g;
  SimTask a = task("a", 0, 1.0);
  SimTask b = task("b", 1, 1.0);
  b.node = 1;
  g.tasks = {a, b};
  auto central = run_engine_isolated(p, g);
  ASSERT_TRUE(central.completed) << central.error;
  EXPECT_NEAR(central.tasks[1].start, 1.25, 1e-9);  // mapped second by node 0's runtime, then sent over
  for (auto& t : g.tasks) t.replicated = true;
  auto replicated = run_engine_isolated(p, g);
  ASSERT_TRUE(replicated.completed) << replicated.error;
  EXPECT_NEAR(replicated.tasks[1].start, 0.5, 1e-9);  // node 1 maps its own task
}

TEST(Engine, StallIsReportedNotHung) {
  TaskGraph g;
  g.tasks = {task("a", 0, 1.0, {1}), task("b", 0, 1.0)};
  auto r = run_engine_isolated(two_by_two(), g);
  EXPECT_FALSE(r.completed);
  EXPECT_NE(r.error.find("stalled"), std::string::npos) << r.error;
}

TEST(Engine, Deterministic) {
  TaskGraph g;
  for (int i = 0; i < 20; ++i) {
    SimTask t = task("t", i % 2, 0.1 * (i % 3 + 1), i > 1 ? std::vector<int>{i - 2} : std::vector<int>{});
    t.copies = {CopyOp{i % 2, 1 - i % 2, static_cast<std::uint64_t>(1e8 * (i % 4 + 1)), i > 0 ? i - 1 : -1, "c", "c"}};
    g.tasks.push_back(t);
  }
  auto a = to_json(run_engine_isolated(two_by_two(1e-6), g)).dump();
  auto b = to_json(run_engine_isolated(two_by_two(1e-6), g)).dump();
  EXPECT_EQ(a, b);
}

TEST(Engine, ResultEncodingRoundTripsAndRejectsDamage) {
  EngineResult r;
  r.completed = false;
  r.error = "out of memory in n0.fbmem1";
  r.makespan = 1.5;
  r.timed_start = 0.25;
  r.tasks = {{0, 0.1, 0.2}, {0.1, 0.3, 0.7}};
  r.copies = {{1, 0, 0.2, 0.3}};
  r.processor_busy = {0.1, 0.4};
  r.link_bytes = {7, 0};
  r.memory_peak = {100};
  r.oom = OutOfMemory{1, 0, 41, 60, 100, "`ghost`"};
  std::string bytes = encode(r);
  auto back = decode(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(to_json(*back).dump(), to_json(r).dump());
  EXPECT_FALSE(decode(bytes.substr(0, bytes.size() - 1)));
  EXPECT_FALSE(decode(bytes + "x"));
  EXPECT_FALSE(decode(""));
}

}  // namespace
}  // namespace mage::sim
