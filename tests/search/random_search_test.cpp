// Random search: no repeats, exhaustion of small spaces, batches.
#include <gtest/gtest.h>

#include "search/optimizer.hpp"
#include "search/search_test_util.hpp"

namespace mage::search {
namespace {

using search_test::all_distinct;
using search_test::grid;
using search_test::run;

TEST(RandomSearch, ExhaustsASmallSpaceWithoutRepeatsThenIsDone) {
  // 4 x 3 = 81 points, optimum unique at (2, 0, 1, 2).
  Space s = grid(4, 3);
  const Point target{2, 0, 1, 2};
  auto f = [&](const Point& p) {
    double d = 0;
    for (std::size_t i = 0; i < p.size(); ++i) d += std::abs(p[i] - target[i]);
    return Outcome{true, -d};
  };
  auto opt = make_random(s, 11);
  auto t = run(*opt, f, 1000, 4);
  EXPECT_EQ(t.points.size(), 81u);
  EXPECT_TRUE(all_distinct(t.points));
  EXPECT_TRUE(t.finished);
  EXPECT_TRUE(opt->done());
  EXPECT_EQ(t.best, target);
  EXPECT_TRUE(opt->ask(3).empty());
}

TEST(RandomSearch, BatchesHoldDistinctPointsOfTheSpace) {
  Space s = grid(6, 4);
  auto opt = make_random(s, 2);
  auto batch = opt->ask(16);
  ASSERT_EQ(batch.size(), 16u);
  EXPECT_TRUE(all_distinct(batch));
  for (const auto& p : batch) EXPECT_TRUE(s.contains(p));
  EXPECT_FALSE(opt->done());
  // Asking again before telling gives new points too.
  auto more = opt->ask(16);
  batch.insert(batch.end(), more.begin(), more.end());
  EXPECT_TRUE(all_distinct(batch));
}

TEST(RandomSearch, DoesNotAskPointsItWasToldAbout) {
  Space s = grid(2, 2);
  auto opt = make_random(s, 5);
  opt->tell({0, 0}, {true, 1});
  opt->tell({1, 1}, {false, 0});
  auto rest = opt->ask(10);
  std::sort(rest.begin(), rest.end());
  EXPECT_EQ(rest, (std::vector<Point>{{0, 1}, {1, 0}}));
  EXPECT_FALSE(opt->done());  // two still pending
  opt->tell(rest[0], {true, 2});
  opt->tell(rest[1], {true, 3});
  EXPECT_TRUE(opt->done());
  EXPECT_THROW(opt->tell({2, 0}, {true, 0}), std::invalid_argument);
}

}  // namespace
}  // namespace mage::search
