#include "model/interval_set.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <set>
#include <vector>

namespace mage::model {

static void PrintTo(const IntervalSet& s, std::ostream* os) { *os << s.to_string(); }

namespace {

TEST(IntervalSet, NormalisesSortsMergesAndDropsEmptyIntervals) {
  IntervalSet s{{8, 12}, {0, 4}, {4, 6}, {10, 14}, {20, 20}, {30, 25}};
  EXPECT_EQ(s.intervals(), (std::vector<Interval>{{0, 6}, {8, 14}}));
  EXPECT_EQ(s.size(), 12);
  EXPECT_EQ(s.to_string(), "{[0, 6), [8, 14)}");
  EXPECT_EQ(IntervalSet().to_string(), "{}");
  EXPECT_TRUE(IntervalSet({{5, 5}}).empty());
}

TEST(IntervalSet, Membership) {
  IntervalSet s{{0, 4}, {8, 12}};
  EXPECT_TRUE(s.contains(0));
  EXPECT_TRUE(s.contains(3));
  EXPECT_FALSE(s.contains(4));
  EXPECT_FALSE(s.contains(-1));
  EXPECT_TRUE(s.contains(11));
  EXPECT_FALSE(s.contains(12));
  EXPECT_TRUE(s.contains(IntervalSet{{1, 3}, {8, 9}}));
  EXPECT_FALSE(s.contains(IntervalSet{{3, 9}}));
  EXPECT_TRUE(s.contains(IntervalSet()));
}

TEST(IntervalSet, SetOperations) {
  IntervalSet a{{0, 10}, {20, 30}};
  IntervalSet b{{5, 25}};
  EXPECT_EQ(a | b, IntervalSet::range(0, 30));
  EXPECT_EQ(a & b, (IntervalSet{{5, 10}, {20, 25}}));
  EXPECT_EQ(a - b, (IntervalSet{{0, 5}, {25, 30}}));
  EXPECT_EQ(b - a, IntervalSet::range(10, 20));
  EXPECT_TRUE(a.overlaps(b));
  EXPECT_FALSE(IntervalSet::range(0, 4).overlaps(IntervalSet::range(4, 8)));  // half-open: they touch
  EXPECT_FALSE(a.overlaps(IntervalSet()));
  // One interval of b spanning several of a, and several of b cutting one of a.
  EXPECT_EQ(IntervalSet({{0, 2}, {4, 6}, {8, 10}}) - IntervalSet::range(1, 9),
            (IntervalSet{{0, 1}, {9, 10}}));
  EXPECT_EQ(IntervalSet::range(0, 10) - IntervalSet({{1, 2}, {4, 5}}),
            (IntervalSet{{0, 1}, {2, 4}, {5, 10}}));
}

TEST(IntervalSet, HugeSetsSaturateInsteadOfOverflowing) {
  const IntervalSet all = IntervalSet::range(INT64_MIN, INT64_MAX);
  EXPECT_EQ(all.size(), INT64_MAX);
  EXPECT_EQ((all - IntervalSet::range(0, 1)).size(), INT64_MAX);
  const auto halves = all.split_even(2);
  ASSERT_EQ(halves.size(), 2u);
  EXPECT_EQ(halves[0].intervals().front().lo, INT64_MIN);
  EXPECT_EQ(halves[0].intervals().back().hi, halves[1].intervals().front().lo);
}

TEST(IntervalSet, SplitEvenGivesContiguousNearlyEqualPieces) {
  auto pieces = IntervalSet::range(0, 10).split_even(3);
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0], IntervalSet::range(0, 4));
  EXPECT_EQ(pieces[1], IntervalSet::range(4, 7));
  EXPECT_EQ(pieces[2], IntervalSet::range(7, 10));
  // Across the gaps of a set with several intervals; more pieces than elements leaves some empty.
  auto split = IntervalSet({{0, 3}, {10, 13}}).split_even(4);
  EXPECT_EQ(split[0], IntervalSet::range(0, 2));
  EXPECT_EQ(split[1], (IntervalSet{{2, 3}, {10, 11}}));
  EXPECT_EQ(split[3], IntervalSet::range(12, 13));
  auto many = IntervalSet::range(0, 2).split_even(3);
  EXPECT_TRUE(many[2].empty());
  EXPECT_TRUE(IntervalSet::range(0, 2).split_even(0).empty());
}

// Small random sets, so that overlaps and adjacency are common.
rc::Gen<IntervalSet> small_set() {
  return rc::gen::map(rc::gen::container<std::vector<std::pair<int, int>>>(
                          rc::gen::pair(rc::gen::inRange(-20, 60), rc::gen::inRange(0, 12))),
                      [](const std::vector<std::pair<int, int>>& raw) {
                        std::vector<Interval> intervals;
                        for (auto [lo, len] : raw) intervals.push_back({lo, lo + len});
                        return IntervalSet(intervals);
                      });
}

std::set<std::int64_t> elements(const IntervalSet& s) {
  std::set<std::int64_t> out;
  for (const Interval& i : s.intervals())
    for (std::int64_t x = i.lo; x < i.hi; ++x) out.insert(x);
  return out;
}

RC_GTEST_PROP(IntervalSetProp, CanonicalForm, ()) {
  const IntervalSet s = *small_set();
  for (std::size_t i = 0; i < s.intervals().size(); ++i) {
    RC_ASSERT(s.intervals()[i].lo < s.intervals()[i].hi);
    if (i > 0) RC_ASSERT(s.intervals()[i - 1].hi < s.intervals()[i].lo);  // apart, not touching
  }
  RC_ASSERT(static_cast<std::size_t>(s.size()) == elements(s).size());
}

RC_GTEST_PROP(IntervalSetProp, InclusionExclusion, ()) {
  const IntervalSet a = *small_set(), b = *small_set();
  RC_ASSERT((a | b).size() == a.size() + b.size() - (a & b).size());
  RC_ASSERT((a - b).size() == a.size() - (a & b).size());
}

RC_GTEST_PROP(IntervalSetProp, IdempotentAndCommutative, ()) {
  const IntervalSet a = *small_set(), b = *small_set();
  RC_ASSERT((a | a) == a);
  RC_ASSERT((a & a) == a);
  RC_ASSERT((a - a).empty());
  RC_ASSERT((a | b) == (b | a));
  RC_ASSERT((a & b) == (b & a));
  RC_ASSERT(a.overlaps(b) == b.overlaps(a));
}

RC_GTEST_PROP(IntervalSetProp, AgreesWithElementSets, ()) {
  const IntervalSet a = *small_set(), b = *small_set();
  const auto ea = elements(a), eb = elements(b);
  std::set<std::int64_t> u = ea, i, d;
  u.insert(eb.begin(), eb.end());
  for (std::int64_t x : ea) (eb.count(x) ? i : d).insert(x);
  RC_ASSERT(elements(a | b) == u);
  RC_ASSERT(elements(a & b) == i);
  RC_ASSERT(elements(a - b) == d);
  RC_ASSERT(a.overlaps(b) == !i.empty());
  RC_ASSERT(a.contains(b) == (elements(b - a).empty()));
  const auto x = *rc::gen::inRange(-25, 75);
  RC_ASSERT(a.contains(x) == (ea.count(x) > 0));
}

RC_GTEST_PROP(IntervalSetProp, SplitEvenPartitionsInOrder, ()) {
  const IntervalSet a = *small_set();
  const auto n = *rc::gen::inRange<std::int64_t>(1, 9);
  const auto pieces = a.split_even(n);
  RC_ASSERT(static_cast<std::int64_t>(pieces.size()) == n);
  IntervalSet all;
  std::int64_t previous_end = INT64_MIN;
  for (const IntervalSet& p : pieces) {
    RC_ASSERT(p.size() == a.size() / n || p.size() == a.size() / n + 1);
    RC_ASSERT(!all.overlaps(p));
    if (!p.empty()) {
      RC_ASSERT(p.intervals().front().lo >= previous_end);
      previous_end = p.intervals().back().hi;
    }
    all = all | p;
  }
  RC_ASSERT(all == a);
}

}  // namespace
}  // namespace mage::model
