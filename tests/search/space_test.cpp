// The search space, outcome ranking and the reproducible random helpers.
#include "search/space.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "search/sampling.hpp"
#include "search/search_test_util.hpp"

namespace mage::search {
namespace {

using search_test::grid;

TEST(SearchSpace, SizeIsTheProductOfOptionCountsAndSaturates) {
  EXPECT_EQ(Space{}.size(), 1u);
  Space s{{{"a", {"x", "y"}}, {"b", {"1", "2", "3"}}}};
  EXPECT_EQ(s.size(), 6u);
  EXPECT_EQ(grid(64, 4).size(), std::numeric_limits<std::size_t>::max());
  s.params.push_back({"empty", {}});
  EXPECT_EQ(s.size(), 0u);
  EXPECT_THROW(validate_space(s), std::invalid_argument);
}

TEST(SearchSpace, ContainsChecksArityAndRanges) {
  Space s{{{"a", {"x", "y"}}, {"b", {"1", "2", "3"}}}};
  EXPECT_TRUE(s.contains({1, 2}));
  EXPECT_FALSE(s.contains({1}));
  EXPECT_FALSE(s.contains({2, 0}));
  EXPECT_FALSE(s.contains({0, -1}));
  EXPECT_EQ(s.describe({1, 0}), "a=y b=1");
  EXPECT_EQ(s.describe({1, 7}), "a=y b=?7");
}

TEST(SearchSpace, FailedOutcomesRankBelowEverySuccess) {
  const Outcome fail{false, 1e9};
  const Outcome low{true, -5};
  const Outcome high{true, 3};
  EXPECT_TRUE(better(low, fail));
  EXPECT_FALSE(better(fail, low));
  EXPECT_TRUE(better(high, low));
  EXPECT_FALSE(better(low, high));
  EXPECT_FALSE(better(high, high));
  EXPECT_FALSE(better(fail, Outcome{false, 0}));  // failures tie whatever their score
  EXPECT_FALSE(better(Outcome{false, 0}, fail));
}

TEST(SearchSampling, UniformIndexCoversTheRangeOnly) {
  Rng rng(3);
  std::vector<int> hits(7);
  for (int i = 0; i < 7000; ++i) {
    std::size_t v = uniform_index(rng, 7);
    ASSERT_LT(v, 7u);
    ++hits[v];
  }
  for (int h : hits) EXPECT_GT(h, 800);  // 1000 expected each
  EXPECT_EQ(uniform_index(rng, 1), 0u);
}

// Pinned values: a change here breaks the resumption of runs recorded by earlier builds.
TEST(SearchSampling, SequencesArePinned) {
  Rng rng(42);
  std::vector<std::size_t> got;
  for (int i = 0; i < 8; ++i) got.push_back(uniform_index(rng, 10));
  EXPECT_EQ(got, (std::vector<std::size_t>{6, 4, 0, 2, 1, 8, 6, 4}));
  Rng rng2(42);
  EXPECT_EQ(uniform_real(rng2), 0.75515553295453897);  // exact: no rounding-sensitive maths
  EXPECT_EQ(standard_normal(rng2), -0.64225081002885709);
}

TEST(SearchSampling, NormalIsCentredAndBounded) {
  Rng rng(5);
  double sum = 0, squares = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    double x = standard_normal(rng);
    ASSERT_LE(std::abs(x), 6.0);
    sum += x;
    squares += x * x;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.05);
  EXPECT_NEAR(squares / n, 1.0, 0.05);
}

TEST(SearchSampling, ShuffleIsAPermutation) {
  Rng rng(9);
  std::vector<int> v{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  shuffle(v, rng);
  EXPECT_NE(v, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  std::sort(v.begin(), v.end());
  EXPECT_EQ(v, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(SearchSampling, FreePointsExhaustASmallSpaceOnceEach) {
  Space s = grid(3, 3);
  Rng rng(1);
  std::set<Point> taken;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto p = random_free_point(s, rng, [&](const Point& q) { return taken.contains(q); }, taken.size());
    ASSERT_TRUE(p);
    ASSERT_TRUE(s.contains(*p));
    ASSERT_TRUE(taken.insert(*p).second);
  }
  EXPECT_FALSE(random_free_point(s, rng, [&](const Point& q) { return taken.contains(q); }, taken.size()));
}

}  // namespace
}  // namespace mage::search
