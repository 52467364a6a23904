// AutoMap-style constrained coordinate descent.
#include <gtest/gtest.h>

#include "search/optimizer.hpp"
#include "search/search_test_util.hpp"

namespace mage::search {
namespace {

using search_test::all_distinct;
using search_test::grid;
using search_test::run;

TEST(CoordinateDescent, FindsTheOptimumOfASeparableSpace) {
  Space s = grid(6, 4);
  CcdOptions options;
  auto opt = make_coordinate_descent(s, options);
  auto t = run(*opt, search_test::separable, 1000, 8);
  EXPECT_EQ(t.best, search_test::kTarget);
  EXPECT_TRUE(t.finished);
  EXPECT_TRUE(all_distinct(t.points));
  // The start, a first round that reaches the target (18 candidates), and a second round that improves
  // nothing; of its 18 candidates, the last parameter's 3 were evaluated in the first round already.
  EXPECT_EQ(t.points.size(), 1 + 18 + 15u);
}

TEST(CoordinateDescent, StartsWhereToldAndKeepsAnySuccessOverAFailedStart) {
  Space s = grid(6, 4);
  CcdOptions options;
  options.start = {0, 0, 0, 0, 0, 0};  // fails: p5 = 0
  auto opt = make_coordinate_descent(s, options);
  auto first = opt->ask(4);
  ASSERT_EQ(first, (std::vector<Point>{options.start}));
  EXPECT_TRUE(opt->ask(4).empty());  // nothing before the start's outcome
  EXPECT_FALSE(opt->done());
  opt->tell(first[0], search_test::with_failures(first[0]));
  auto t = run(*opt, search_test::with_failures, 1000, 4);
  ASSERT_TRUE(t.best);
  EXPECT_TRUE(t.best_outcome.ok);
  EXPECT_TRUE(t.finished);
  // Coordinate descent is local: from p2 = 3 (kept while p4 was 0) the failing corner p2 = 3, p4 = 3 sends
  // p4 to 2, and moving p2 alone is then worse, so it stops at 95 rather than the optimum 97.
  EXPECT_EQ(t.best, (Point{2, 0, 3, 1, 2, 2}));
  EXPECT_EQ(t.best_outcome.score, 95);
}

TEST(CoordinateDescent, TerminatesOnAFlatSpace) {
  Space s{{{"a", {"x", "y", "z"}}, {"b", {"1", "2"}}, {"c", {"u", "v", "w", "t"}}}};
  auto opt = make_coordinate_descent(s, {});
  auto t = run(*opt, [](const Point&) { return Outcome{true, 1}; }, 1000, 100);
  EXPECT_TRUE(t.finished);
  EXPECT_TRUE(opt->done());
  EXPECT_EQ(t.points.size(), 1u + 2 + 1 + 3);  // the start and one round
  EXPECT_EQ(t.batches, (std::vector<std::size_t>{1, 2, 1, 3}));  // one batch per parameter
  EXPECT_TRUE(opt->ask(5).empty());
}

TEST(CoordinateDescent, SmallBatchesSplitAParameter) {
  Space s = grid(2, 5);
  auto opt = make_coordinate_descent(s, {});
  auto t = run(*opt, [](const Point&) { return Outcome{true, 1}; }, 1000, 3);
  EXPECT_EQ(t.batches, (std::vector<std::size_t>{1, 3, 1, 3, 1}));
}

TEST(CoordinateDescent, KeepsOnlyChangesAboveTheNoise) {
  Space s = grid(1, 3);
  // Option 1 is 1 % better than the start, option 2 3 % better.
  auto f = [](const Point& p) { return Outcome{true, p[0] == 0 ? 100.0 : p[0] == 1 ? 101.0 : 103.0}; };
  CcdOptions options;
  options.noise = 0.02;
  auto t = run(*make_coordinate_descent(s, options), f, 100, 4);
  EXPECT_EQ(t.points.size(), 3u);
  options.noise = 0.05;  // neither beats the start by 5 %
  auto opt = make_coordinate_descent(s, options);
  run(*opt, f, 100, 4);
  EXPECT_TRUE(opt->done());
  // With a 0 noise, 2 wins over 1; a second round finds nothing new and stops.
  options.noise = 0;
  options.start = {1};
  t = run(*make_coordinate_descent(s, options), f, 100, 1);
  EXPECT_EQ(t.points, (std::vector<Point>{{1}, {0}, {2}}));
}

TEST(CoordinateDescent, NeverKeepsAFailure) {
  Space s = grid(2, 3);
  auto f = [](const Point& p) { return p == Point{0, 0} ? Outcome{true, 1} : Outcome{false, 1e9}; };
  auto opt = make_coordinate_descent(s, {});
  auto t = run(*opt, f, 100, 4);
  EXPECT_TRUE(t.finished);
  EXPECT_EQ(t.best, (Point{0, 0}));
  EXPECT_EQ(t.points.size(), 5u);
}

// Two tasks, each with a processor (cpu, gpu) and an argument memory (sys, zc, fb). A cpu addresses sys
// and zc, a gpu zc and fb; other pairs fail. The gpu with fb memory is 10x faster than anything on the cpu.
Space task_space() {
  Space s;
  for (int t = 0; t < 2; ++t) {
    s.params.push_back({"t" + std::to_string(t) + ".proc", {"cpu", "gpu"}});
    s.params.push_back({"t" + std::to_string(t) + ".mem", {"sys", "zc", "fb"}});
  }
  return s;
}
Outcome task_time(const Point& p) {
  double throughput = 0;
  for (std::size_t t = 0; t < 2; ++t) {
    const int proc = p[2 * t], mem = p[2 * t + 1];
    if ((proc == 0 && mem == 2) || (proc == 1 && mem == 0)) return {false, 0};
    throughput += proc == 0 ? (mem == 0 ? 1.0 : 0.8) : (mem == 1 ? 2.0 : 10.0);
  }
  return {true, throughput};
}
CcdOptions task_options(bool with_repair) {
  CcdOptions options;
  options.start = {0, 0, 0, 0};
  options.sweeps = {{2, 0}, {1, 3}};  // processors (task 1 first, as the heavier), then memories
  if (with_repair)
    options.repair = [](Point p, std::size_t changed) {
      if (changed % 2 == 0) {
        int& mem = p[changed + 1];
        if (p[changed] == 1 && mem == 0) mem = 2;  // a gpu cannot reach sys: its framebuffer
        if (p[changed] == 0 && mem == 2) mem = 0;  // a cpu cannot reach fb: system memory
      }
      return p;
    };
  return options;
}

TEST(CoordinateDescent, RepairMakesProcessorMovesPossible) {
  Space s = task_space();
  auto t = run(*make_coordinate_descent(s, task_options(true)), task_time, 100, 4);
  EXPECT_EQ(t.best, (Point{1, 2, 1, 2}));
  EXPECT_EQ(t.best_outcome.score, 20);
  // The first candidate after the start is task 1 on the gpu, repaired to its framebuffer.
  ASSERT_GE(t.points.size(), 2u);
  EXPECT_EQ(t.points[1], (Point{0, 0, 1, 2}));

  // Without the repair every processor move fails, and the memory sweep only finds cpu memories.
  t = run(*make_coordinate_descent(s, task_options(false)), task_time, 100, 4);
  EXPECT_TRUE(t.finished);
  EXPECT_EQ(t.best, (Point{0, 0, 0, 0}));
  EXPECT_EQ(t.best_outcome.score, 2);
}

TEST(CoordinateDescent, RejectsBadOptions) {
  Space s = grid(2, 2);
  CcdOptions options;
  options.start = {0, 2};
  EXPECT_THROW(make_coordinate_descent(s, options), std::invalid_argument);
  options.start = {};
  options.sweeps = {{0, 2}};
  EXPECT_THROW(make_coordinate_descent(s, options), std::invalid_argument);
  options.sweeps = {};
  options.repair = [](Point p, std::size_t) {
    p[0] = 5;
    return p;
  };
  auto opt = make_coordinate_descent(s, options);
  auto start = opt->ask(1);
  opt->tell(start[0], {true, 1});
  EXPECT_THROW(opt->ask(1), std::logic_error);
}

}  // namespace
}  // namespace mage::search
