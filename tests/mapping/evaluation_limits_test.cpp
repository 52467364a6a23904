// Bounds on evaluation: memory per evaluation, steps over a whole launch, and the machine summary's size.
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "lang/parser.hpp"
#include "mapping/interpreter.hpp"
#include "mapping/launch_map.hpp"
#include "mapping/policy.hpp"

#include "mapping/machine_spec_util.hpp"

namespace mage::mapping {
namespace {

using test_util::spec;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A 65,536-element tuple copied into 200 locals at each of 60 levels of recursion would hold 6 GiB: the
// element budget stops it long before, with an error that says so.
TEST(EvaluationLimits, LargeTuplesCopiedThroughRecursionHitTheMemoryBound) {
  std::string text = "a0 = (0, 0);\n";
  for (int i = 1; i < 16; ++i) text += "a" + std::to_string(i) + " = (*a" + std::to_string(i - 1) + ", *a" +
                                       std::to_string(i - 1) + ");\n";
  text += "def f(int n) {\n";
  for (int i = 0; i < 200; ++i) text += "  x" + std::to_string(i) + " = a15;\n";
  text += "  return n == 0 ? 0 : f(n - 1);\n}\ny = f(60);\n";
  lang::SourceFile source("mem.mpl", text);
  lang::Diagnostics diags;
  lang::Program program = lang::parse(source, diags);
  ASSERT_FALSE(diags.has_errors()) << lang::render_text(diags, &source);
  MachineDesc machine = spec("nodes=1,gpus=1");
  Interpreter interp(program, machine);
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(interp.evaluate_globals(diags));
  EXPECT_LT(seconds_since(start), 10.0);
  ASSERT_EQ(diags.error_count(), 1u) << lang::render_text(diags, &source);
  const auto& d = diags.all().front();
  EXPECT_EQ(d.code, "eval.too-much-memory");
  EXPECT_GE(d.span.begin.line, 18u);  // a `xN = a15;` line of the function
  EXPECT_LE(d.span.begin.line, 217u);
  EXPECT_NE(d.message.find("128 MiB"), std::string::npos) << d.message;
  // The tuple itself, 65,536 elements, is within bounds.
  ASSERT_NE(interp.global("a15"), nullptr);
  EXPECT_EQ(std::get<Tuple>(*interp.global("a15")).items.size(), 65536u);
}

TEST(EvaluationLimits, TheElementBudgetIsPerEvaluation) {
  // Each global statement is one evaluation: many moderate ones pass where one huge one would not.
  std::string text = "a0 = (0, 0);\n";
  for (int i = 1; i < 16; ++i) text += "a" + std::to_string(i) + " = (*a" + std::to_string(i - 1) + ", *a" +
                                       std::to_string(i - 1) + ");\n";
  for (int i = 0; i < 300; ++i) text += "c" + std::to_string(i) + " = a15;\n";
  lang::SourceFile source("ok.mpl", text);
  lang::Diagnostics diags;
  lang::Program program = lang::parse(source, diags);
  MachineDesc machine = spec("nodes=1,gpus=1");
  Interpreter interp(program, machine);
  EXPECT_TRUE(interp.evaluate_globals(diags)) << lang::render_text(diags, &source);
}

// A mapping function that runs into the per-call step limit at every point of a 1024x1024 launch would
// take hours; the launch's step budget ends it within seconds, as one error for the whole launch.
TEST(EvaluationLimits, ALaunchStopsWhenItsStepBudgetIsSpent) {
  const std::string text =
      "def spin(int n) { return n == 0 ? 0 : spin(n - 1) + spin(n - 1); }\n"
      "def f(Task t) { m = Machine(GPU); return m[spin(40) % 2, 0]; }\n"
      "IndexTaskMap t f;\n";
  lang::Diagnostics d;
  auto policy = Policy::compile(lang::SourceFile("fib.mpl", text), spec("nodes=2,gpus=4"), d);
  ASSERT_TRUE(policy) << lang::render_text(d, nullptr);
  LaunchQuery q;
  q.task = "t";
  q.domain = {1024, 1024};
  auto start = std::chrono::steady_clock::now();
  auto map = map_launch(*policy, q);
  EXPECT_LT(seconds_since(start), 30.0);
  ASSERT_FALSE(map);
  EXPECT_EQ(map.error().code, "eval.step-budget");
  bool counted = false;
  for (const auto& n : map.error().notes) counted |= n.find("of 1048576 points were mapped") != std::string::npos;
  EXPECT_TRUE(counted);
}

TEST(EvaluationLimits, TheStepBudgetLeavesOrdinaryLaunchesAlone) {
  const std::string text =
      "def f(Task t) { m = Machine(GPU); return m[t.ipoint[0] % m.size[0], t.ipoint[1] % m.size[1]]; }\n"
      "IndexTaskMap t f;\n";
  lang::Diagnostics d;
  auto policy = Policy::compile(lang::SourceFile("ok.mpl", text), spec("nodes=2,gpus=4"), d);
  ASSERT_TRUE(policy) << lang::render_text(d, nullptr);
  LaunchQuery q;
  q.task = "t";
  q.domain = {256, 256};
  auto map = map_launch(*policy, q);
  ASSERT_TRUE(map) << map.error().message;
  EXPECT_EQ(map->error_count(), 0u);
  EXPECT_EQ(map->points.size(), 65536u);
}

// A machine with a million GPUs per node: the load summary lists 64 per node and sums up the rest.
TEST(EvaluationLimits, TheLoadSummaryStaysSmallOnHugeMachines) {
  lang::Diagnostics d;
  auto policy = Policy::compile(lang::SourceFile("empty.mpl", ""), spec("nodes=1000000,gpus=1000000"), d);
  ASSERT_TRUE(policy) << lang::render_text(d, nullptr);
  LaunchQuery q;
  q.task = "T";
  q.domain = {2};
  auto map = map_launch(*policy, q);
  ASSERT_TRUE(map) << map.error().message;
  std::string text = render_launch_text(*map, *policy);
  EXPECT_LT(text.size(), 200'000u);
  EXPECT_NE(text.find("(999936 more, "), std::string::npos) << text.substr(0, 2000);
  EXPECT_NE(text.find("(999936 more nodes)"), std::string::npos);
}

}  // namespace
}  // namespace mage::mapping
