// What every optimizer promises: reproducible point sequences, resumption by replay, no repeated points.
#include "search/optimizer.hpp"

#include <gtest/gtest.h>

#include "search/search_test_util.hpp"

namespace mage::search {
namespace {

using search_test::grid;
using search_test::replay;
using search_test::run;

CcdOptions ccd_options() {
  CcdOptions options;
  options.start = {1, 1, 1, 1, 1, 1};
  options.sweeps = {{5, 4, 3}, {0, 1, 2}};
  return options;
}

std::unique_ptr<Optimizer> make(std::string_view name, std::uint64_t seed) {
  const CcdOptions ccd = ccd_options();
  return make_optimizer(name, grid(6, 4), seed, &ccd);
}

class OptimizerContract : public ::testing::TestWithParam<std::string_view> {};

TEST_P(OptimizerContract, SameSeedGivesTheSamePoints) {
  for (std::size_t batch : {1u, 5u}) {
    auto a = run(*make(GetParam(), 17), search_test::with_failures, 150, batch);
    auto b = run(*make(GetParam(), 17), search_test::with_failures, 150, batch);
    EXPECT_EQ(a.points, b.points) << "batch " << batch;
    EXPECT_GT(a.points.size(), 10u);
    EXPECT_TRUE(search_test::all_distinct(a.points));
  }
}

TEST_P(OptimizerContract, DifferentSeedsGiveDifferentPoints) {
  auto a = run(*make(GetParam(), 1), search_test::separable, 60, 3);
  auto b = run(*make(GetParam(), 2), search_test::separable, 60, 3);
  if (GetParam() == "ccd")
    EXPECT_EQ(a.points, b.points);  // deterministic whatever the seed
  else
    EXPECT_NE(a.points, b.points);
}

TEST_P(OptimizerContract, ResumesByReplayingRecordedOutcomes) {
  for (std::size_t batch : {1u, 4u}) {
    const auto full = run(*make(GetParam(), 23), search_test::with_failures, 120, batch);
    ASSERT_GE(full.batches.size(), 10u);
    // Interrupted after 8 batches: a fresh optimizer replays them, then carries on as if never stopped.
    auto resumed = make(GetParam(), 23);
    replay(*resumed, full, 8);
    std::size_t replayed = 0;
    for (std::size_t b = 0; b < 8; ++b) replayed += full.batches[b];
    auto rest = run(*resumed, search_test::with_failures, full.points.size() - replayed, batch);
    std::vector<Point> expected(full.points.begin() + static_cast<std::ptrdiff_t>(replayed), full.points.end());
    EXPECT_EQ(rest.points, expected) << "batch " << batch;
  }
}

// A crash in the middle of a batch: the outcomes that were recorded are replayed, the rest evaluated again.
TEST_P(OptimizerContract, ResumesAfterAPartlyRecordedBatch) {
  const auto full = run(*make(GetParam(), 29), search_test::separable, 40, 4);
  auto resumed = make(GetParam(), 29);
  replay(*resumed, full, 3);
  auto batch = resumed->ask(4);
  ASSERT_FALSE(batch.empty());
  std::size_t at = full.batches[0] + full.batches[1] + full.batches[2];
  for (std::size_t i = 0; i < batch.size(); ++i) {
    ASSERT_EQ(batch[i], full.points[at + i]);
    // Only the first outcome was recorded; the others are evaluated afresh, with the same results.
    resumed->tell(batch[i], i == 0 ? full.outcomes[at + i] : search_test::separable(batch[i]));
  }
  at += batch.size();
  auto rest = run(*resumed, search_test::separable, full.points.size() - at, 4);
  EXPECT_EQ(rest.points, std::vector<Point>(full.points.begin() + static_cast<std::ptrdiff_t>(at), full.points.end()));
}

TEST_P(OptimizerContract, FailuresNeverBecomeTheBestWhileASuccessExists) {
  auto opt = make(GetParam(), 3);
  auto t = run(*opt, search_test::with_failures, 200, 2);
  ASSERT_TRUE(t.best);
  EXPECT_TRUE(t.best_outcome.ok);
  EXPECT_TRUE(search_test::all_distinct(t.points));
}

INSTANTIATE_TEST_SUITE_P(Search, OptimizerContract, ::testing::Values("random", "ensemble", "ccd"),
                         [](const auto& info) { return std::string(info.param); });

TEST(OptimizerRegistry, NamesAndFactories) {
  EXPECT_EQ(optimizer_names(), (std::vector<std::string_view>{"random", "ensemble", "ccd"}));
  Space s = grid(6, 4);
  for (auto name : optimizer_names()) {
    auto opt = make_optimizer(name, s, 1, nullptr);
    ASSERT_TRUE(opt) << name;
    EXPECT_EQ(opt->name(), name);
    EXPECT_FALSE(opt->ask(1).empty());
  }
  EXPECT_EQ(make_optimizer("annealing", s, 1, nullptr), nullptr);
}

TEST(OptimizerRegistry, TheEnsembleStartsFromTheGivenStartPoint) {
  const CcdOptions ccd = ccd_options();
  auto opt = make_optimizer("ensemble", grid(6, 4), 9, &ccd);
  EXPECT_EQ(opt->ask(1), std::vector<Point>{ccd.start});
  auto descent = make_optimizer("ccd", grid(6, 4), 9, &ccd);
  EXPECT_EQ(descent->ask(1), std::vector<Point>{ccd.start});
}

}  // namespace
}  // namespace mage::search
