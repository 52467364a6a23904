// The OpenTuner-style ensemble and its AUC bandit.
#include <gtest/gtest.h>

#include <cmath>

#include "search/auc_bandit.hpp"
#include "search/optimizer.hpp"
#include "search/search_test_util.hpp"

namespace mage::search {
namespace {

using search_test::all_distinct;
using search_test::grid;
using search_test::run;

TEST(EnsembleOptimizer, FindsTheOptimumOfASeparableSpace) {
  Space s = grid(6, 4);  // 4096 points
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    auto opt = make_ensemble(s, seed);
    auto t = run(*opt, search_test::separable, 300, 1);
    EXPECT_EQ(t.best, search_test::kTarget) << "seed " << seed;
    EXPECT_TRUE(all_distinct(t.points));
  }
}

TEST(EnsembleOptimizer, FindsTheOptimumNextToAFailingRegion) {
  Space s = grid(6, 4);
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    auto opt = make_ensemble(s, seed);
    auto t = run(*opt, search_test::with_failures, 400, 4);
    EXPECT_EQ(t.best, search_test::kFailingOptimum) << "seed " << seed;
    EXPECT_TRUE(t.best_outcome.ok);
  }
}

TEST(EnsembleOptimizer, AsksTheStartPointFirst) {
  Space s = grid(6, 4);
  EnsembleOptions options;
  options.start = {3, 3, 0, 0, 1, 1};
  auto opt = make_ensemble(s, 7, options);
  auto first = opt->ask(5);
  ASSERT_EQ(first.size(), 5u);
  EXPECT_EQ(first[0], options.start);
  EXPECT_TRUE(all_distinct(first));
  options.start = {4, 0, 0, 0, 0, 0};
  EXPECT_THROW(make_ensemble(s, 7, options), std::invalid_argument);
}

TEST(EnsembleOptimizer, RepeatsAreAnsweredFromTheCacheUntilTheSpaceIsExhausted) {
  // 8 points: the techniques soon propose only points seen before; none may reach the driver twice.
  Space s = grid(3, 2);
  auto opt = make_ensemble(s, 3);
  auto t = run(*opt, [](const Point& p) { return Outcome{true, double(p[0] + p[1] + p[2])}; }, 100, 3);
  EXPECT_EQ(t.points.size(), 8u);
  EXPECT_TRUE(all_distinct(t.points));
  EXPECT_TRUE(t.finished);
  EXPECT_TRUE(opt->done());
}

TEST(EnsembleOptimizer, LargeBatchesHoldDistinctPoints) {
  Space s = grid(6, 4);
  auto opt = make_ensemble(s, 4);
  auto t = run(*opt, search_test::separable, 200, 16);
  EXPECT_EQ(t.points.size(), 200u);
  EXPECT_TRUE(all_distinct(t.points));
  for (std::size_t i = 0; i + 1 < t.batches.size(); ++i) EXPECT_EQ(t.batches[i], 16u);
}

TEST(EnsembleOptimizer, AllFailingSpaceStillEnds) {
  Space s = grid(2, 3);
  auto opt = make_ensemble(s, 1);
  auto t = run(*opt, [](const Point&) { return Outcome{false, 0}; }, 50, 2);
  EXPECT_EQ(t.points.size(), 9u);
  EXPECT_TRUE(t.finished);
}

TEST(EnsembleBandit, TriesUnusedArmsFirst) {
  AucBandit b(3);
  Rng rng(1);
  b.record(0, true);
  b.record(2, false);
  EXPECT_EQ(b.order(rng).front(), 1u);
  EXPECT_TRUE(std::isinf(b.score(1)));
}

TEST(EnsembleBandit, AreaUnderTheCurveWeightsRecentCredit) {
  AucBandit early(2), late(2);
  early.record(0, true), early.record(0, false), early.record(0, false);
  late.record(0, false), late.record(0, false), late.record(0, true);
  EXPECT_DOUBLE_EQ(early.auc(0), 1.0 / 6);  // weight 1 of 1 + 2 + 3
  EXPECT_DOUBLE_EQ(late.auc(0), 3.0 / 6);
  EXPECT_DOUBLE_EQ(late.auc(1), 0.0);
}

TEST(EnsembleBandit, ScoreAddsTheExplorationTerm) {
  AucBandit b(2, 500, 0.05);
  b.record(0, false), b.record(1, false), b.record(1, true), b.record(0, false);
  // Four uses in all, two of arm 0, no credit: 0.05 * sqrt(2 * log2(4) / 2).
  EXPECT_DOUBLE_EQ(b.score(0), 0.05 * std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(b.score(1), 2.0 / 3 + 0.05 * std::sqrt(2.0));
  Rng rng(1);
  EXPECT_EQ(b.order(rng), (std::vector<std::size_t>{1, 0}));
}

TEST(EnsembleBandit, ForgetsUsesOutsideTheWindow) {
  AucBandit b(2, 4);
  for (int i = 0; i < 4; ++i) b.record(0, true);
  EXPECT_EQ(b.uses(0), 4u);
  for (int i = 0; i < 4; ++i) b.record(1, false);
  EXPECT_EQ(b.uses(0), 0u);
  EXPECT_EQ(b.history_size(), 4u);
  EXPECT_TRUE(std::isinf(b.score(0)));
}

TEST(EnsembleBandit, BreaksTiesAtRandom) {
  AucBandit b(3);
  std::set<std::size_t> firsts;
  Rng rng(8);
  for (int i = 0; i < 50; ++i) firsts.insert(b.order(rng).front());
  EXPECT_EQ(firsts.size(), 3u);
}

}  // namespace
}  // namespace mage::search
