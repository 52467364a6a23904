// Machine spaces (dsl.md §4): every transformation against a reference model written straight from the
// spec's formulas, the factorization helpers against brute force, properties over random chains of
// transformations, and every error with its message and argument index.
#include "mapping/machine_space.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace mage::mapping {
namespace {

// ---- Reference model: a space is its extents and a function from a point to the processor it names,
// composed from the point correspondences of dsl.md §4 without any of the implementation's machinery.

struct Ref {
  Extents size;
  std::function<ProcessorId(const Coords&)> at;
};

Ref ref_base(ProcKind kind, std::int64_t nodes, std::int64_t per_node) {
  return {{nodes, per_node}, [kind](const Coords& c) { return ProcessorId{kind, c[0], c[1]}; }};
}

// new[.., i, j, ..] = old[.., i + j*f, ..]
Ref ref_split(const Ref& r, std::size_t d, std::int64_t f) {
  Extents s = r.size;
  s[d] = f;
  s.insert(s.begin() + static_cast<std::ptrdiff_t>(d) + 1, r.size[d] / f);
  return {s, [r, d, f](const Coords& c) {
            Coords old = c;
            old[d] = c[d] + c[d + 1] * f;
            old.erase(old.begin() + static_cast<std::ptrdiff_t>(d) + 1);
            return r.at(old);
          }};
}

// Dim d becomes dims with extents e, first fastest: old = i0 + i1*e0 + i2*e0*e1 + ...
Ref ref_split_n(const Ref& r, std::size_t d, const Extents& e) {
  Extents s = r.size;
  s.erase(s.begin() + static_cast<std::ptrdiff_t>(d));
  s.insert(s.begin() + static_cast<std::ptrdiff_t>(d), e.begin(), e.end());
  return {s, [r, d, e](const Coords& c) {
            std::int64_t old = 0;
            for (std::size_t k = e.size(); k-- > 0;) old = old * e[k] + c[d + k];
            Coords o(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(d));
            o.push_back(old);
            o.insert(o.end(), c.begin() + static_cast<std::ptrdiff_t>(d + e.size()), c.end());
            return r.at(o);
          }};
}

// One dim of extent s[d1]*s[d2] at d1 if d1 < d2, else d1 - 1; old[d1] = k / s[d2], old[d2] = k % s[d2].
Ref ref_merge(const Ref& r, std::size_t d1, std::size_t d2) {
  const std::size_t pos = d1 < d2 ? d1 : d1 - 1;
  Extents others;
  for (std::size_t i = 0; i < r.size.size(); ++i)
    if (i != d1 && i != d2) others.push_back(r.size[i]);
  Extents s = others;
  s.insert(s.begin() + static_cast<std::ptrdiff_t>(pos), r.size[d1] * r.size[d2]);
  const std::int64_t s2 = r.size[d2];
  return {s, [r, d1, d2, pos, s2](const Coords& c) {
            Coords rest = c;
            rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(pos));
            Coords old(r.size.size());
            std::size_t next = 0;
            for (std::size_t i = 0; i < old.size(); ++i)
              if (i != d1 && i != d2) old[i] = rest[next++];
            old[d1] = c[pos] / s2;
            old[d2] = c[pos] % s2;
            return r.at(old);
          }};
}

Ref ref_swap(const Ref& r, std::size_t a, std::size_t b) {
  Extents s = r.size;
  std::swap(s[a], s[b]);
  return {s, [r, a, b](Coords c) {
            std::swap(c[a], c[b]);
            return r.at(c);
          }};
}

Ref ref_slice(const Ref& r, std::size_t d, std::int64_t lo, std::int64_t hi) {
  Extents s = r.size;
  s[d] = hi - lo + 1;
  return {s, [r, d, lo](Coords c) {
            c[d] += lo;
            return r.at(c);
          }};
}

Ref ref_reverse(const Ref& r, std::size_t d) {
  const std::int64_t extent = r.size[d];
  return {r.size, [r, d, extent](Coords c) {
            c[d] = extent - 1 - c[d];
            return r.at(c);
          }};
}

// Every point of a space with these extents, first dimension slowest.
std::vector<Coords> points(const Extents& size) {
  std::vector<Coords> out;
  Coords c(size.size(), 0);
  for (;;) {
    out.push_back(c);
    std::size_t i = size.size();
    while (i > 0 && ++c[i - 1] == size[i - 1]) c[--i] = 0;
    if (i == 0) return out;
  }
}

std::int64_t product(const Extents& e) {
  std::int64_t p = 1;
  for (std::int64_t x : e) p *= x;
  return p;
}

// The space agrees with the reference at every point, in both directions.
::testing::AssertionResult matches(const MachineSpace& m, const Ref& r) {
  if (m.size() != r.size) return ::testing::AssertionFailure() << "extents differ";
  for (const Coords& p : points(r.size)) {
    const ProcessorId got = m.processor_at(p);
    const ProcessorId want = r.at(p);
    if (!(got == want))
      return ::testing::AssertionFailure()
             << "point " << ::testing::PrintToString(p) << " names (" << got.node << ", " << got.proc
             << "), expected (" << want.node << ", " << want.proc << ")";
    if (m.coords_of(got) != std::optional<Coords>(p))
      return ::testing::AssertionFailure()
             << "coords_of does not invert point " << ::testing::PrintToString(p);
  }
  return ::testing::AssertionSuccess();
}

ProcessorId proc(std::int64_t node, std::int64_t p, ProcKind kind = ProcKind::CPU) { return {kind, node, p}; }

// ---- Hand-computed correspondences.

TEST(MachineSpaceTest, BaseIsNodesByProcessors) {
  const MachineSpace m = MachineSpace::base(ProcKind::GPU, 3, 4);
  EXPECT_EQ(m.kind(), ProcKind::GPU);
  EXPECT_EQ(m.size(), (Extents{3, 4}));
  EXPECT_EQ(m.dims(), 2u);
  EXPECT_EQ(m.volume(), 12);
  EXPECT_EQ(m.processor_at(Coords{2, 1}), proc(2, 1, ProcKind::GPU));
  EXPECT_EQ(m.coords_of(proc(1, 3, ProcKind::GPU)), (Coords{1, 3}));
  EXPECT_TRUE(matches(m, ref_base(ProcKind::GPU, 3, 4)));
}

TEST(MachineSpaceTest, ContainsChecksRankAndBounds) {
  const MachineSpace m = MachineSpace::base(ProcKind::CPU, 2, 3);
  EXPECT_TRUE(m.contains(Coords{1, 2}));
  EXPECT_FALSE(m.contains(Coords{2, 0}));
  EXPECT_FALSE(m.contains(Coords{0, 3}));
  EXPECT_FALSE(m.contains(Coords{-1, 0}));
  EXPECT_FALSE(m.contains(Coords{0}));
  EXPECT_FALSE(m.contains(Coords{0, 0, 0}));
}

TEST(MachineSpaceTest, CoordsOfRejectsForeignProcessors) {
  const MachineSpace m = MachineSpace::base(ProcKind::GPU, 2, 3);
  EXPECT_EQ(m.coords_of(proc(0, 0, ProcKind::CPU)), std::nullopt);
  EXPECT_EQ(m.coords_of(proc(2, 0, ProcKind::GPU)), std::nullopt);
  EXPECT_EQ(m.coords_of(proc(0, 3, ProcKind::GPU)), std::nullopt);
  EXPECT_EQ(m.coords_of(proc(-1, 0, ProcKind::GPU)), std::nullopt);
  // A slice removes processors from the space.
  const MachineSpace s = m.slice(1, 1, 2);
  EXPECT_EQ(s.coords_of(proc(1, 0, ProcKind::GPU)), std::nullopt);
  EXPECT_EQ(s.coords_of(proc(1, 2, ProcKind::GPU)), (Coords{1, 1}));
}

TEST(MachineSpaceTest, SplitByHand) {
  // (2, 4).split(1, 2) -> (2, 2, 2); new[n, i, j] = old[n, i + 2j].
  const MachineSpace m = MachineSpace::base(ProcKind::CPU, 2, 4).split(1, 2);
  EXPECT_EQ(m.size(), (Extents{2, 2, 2}));
  EXPECT_EQ(m.processor_at(Coords{1, 1, 0}), proc(1, 1));
  EXPECT_EQ(m.processor_at(Coords{0, 0, 1}), proc(0, 2));
  EXPECT_EQ(m.processor_at(Coords{1, 1, 1}), proc(1, 3));
  EXPECT_EQ(m.coords_of(proc(0, 3)), (Coords{0, 1, 1}));
}

TEST(MachineSpaceTest, MergeByHand) {
  const MachineSpace base = MachineSpace::base(ProcKind::CPU, 2, 3);
  // merge(0, 1): k -> (k / 3, k % 3).
  const MachineSpace a = base.merge(0, 1);
  EXPECT_EQ(a.size(), (Extents{6}));
  EXPECT_EQ(a.processor_at(Coords{4}), proc(1, 1));
  EXPECT_EQ(a.processor_at(Coords{2}), proc(0, 2));
  // merge(1, 0): dim 0 (extent 2) is the faster part: k -> (node k % 2, proc k / 2).
  const MachineSpace b = base.merge(1, 0);
  EXPECT_EQ(b.size(), (Extents{6}));
  EXPECT_EQ(b.processor_at(Coords{4}), proc(0, 2));
  EXPECT_EQ(b.processor_at(Coords{1}), proc(1, 0));
  // In 3-D, merge(2, 0) of (2, 2, 3) puts the merged dim at 2 - 1 = 1: (2, 6), old[2] = k / 2, old[0] = k
  // % 2.
  const MachineSpace c = MachineSpace::base(ProcKind::CPU, 2, 6).split(1, 2).merge(2, 0);
  EXPECT_EQ(c.size(), (Extents{2, 6}));
  // point (1, 5): old = (node 1, i 1, j 2) -> proc 1 + 2*2 = 5.
  EXPECT_EQ(c.processor_at(Coords{1, 5}), proc(1, 5));
  // point (0, 2): old = (node 0, i 0, j 1) -> proc 2.
  EXPECT_EQ(c.processor_at(Coords{0, 2}), proc(0, 2));
}

TEST(MachineSpaceTest, SwapSliceReverseByHand) {
  const MachineSpace base = MachineSpace::base(ProcKind::CPU, 2, 4);
  const MachineSpace sw = base.swap(0, 1);
  EXPECT_EQ(sw.size(), (Extents{4, 2}));
  EXPECT_EQ(sw.processor_at(Coords{3, 1}), proc(1, 3));
  const MachineSpace sl = base.slice(1, 1, 2);
  EXPECT_EQ(sl.size(), (Extents{2, 2}));
  EXPECT_EQ(sl.volume(), 4);
  EXPECT_EQ(sl.processor_at(Coords{1, 0}), proc(1, 1));
  EXPECT_EQ(sl.processor_at(Coords{0, 1}), proc(0, 2));
  const MachineSpace rv = base.reverse(1);
  EXPECT_EQ(rv.size(), (Extents{2, 4}));
  EXPECT_EQ(rv.processor_at(Coords{0, 0}), proc(0, 3));
  EXPECT_EQ(rv.processor_at(Coords{1, 3}), proc(1, 0));
}

TEST(MachineSpaceTest, BalanceAutoGreedySplitByHand) {
  // balance_factors(12, 2) = (4, 3); first new dim fastest: proc = i0 + 4*i1.
  const MachineSpace b = MachineSpace::base(ProcKind::CPU, 1, 12).balance_split(1, 2);
  EXPECT_EQ(b.size(), (Extents{1, 4, 3}));
  EXPECT_EQ(b.processor_at(Coords{0, 1, 2}), proc(0, 9));
  const MachineSpace t = MachineSpace::base(ProcKind::CPU, 1, 36).balance_split(1, 3);
  EXPECT_EQ(t.size(), (Extents{1, 4, 3, 3}));
  EXPECT_EQ(t.processor_at(Coords{0, 3, 2, 1}), proc(0, 3 + 2 * 4 + 1 * 12));
  const MachineSpace a = MachineSpace::base(ProcKind::GPU, 16, 1).auto_split(0, {4, 4, 4});
  EXPECT_EQ(a.size(), (Extents{4, 2, 2, 1}));
  EXPECT_EQ(a.processor_at(Coords{1, 1, 1, 0}), proc(1 + 4 + 8, 0, ProcKind::GPU));
  const MachineSpace g = MachineSpace::base(ProcKind::CPU, 1, 6).greedy_split(1, {1, 100});
  EXPECT_EQ(g.size(), (Extents{1, 1, 6}));
}

// ---- Every transformation, exhaustively against the reference.

TEST(MachineSpaceTest, SplitMatchesReference) {
  for (auto [nodes, per] : {std::pair{4, 6}, std::pair{2, 8}, std::pair{3, 1}}) {
    const MachineSpace m = MachineSpace::base(ProcKind::CPU, nodes, per);
    const Ref r = ref_base(ProcKind::CPU, nodes, per);
    for (std::size_t d = 0; d < 2; ++d)
      for (std::int64_t f = 1; f <= r.size[d]; ++f)
        if (r.size[d] % f == 0) {
          SCOPED_TRACE(::testing::Message() << nodes << "x" << per << " split(" << d << ", " << f << ")");
          EXPECT_TRUE(matches(m.split(static_cast<std::int64_t>(d), f), ref_split(r, d, f)));
          // And again on a 3-D space, splitting every dimension.
          const MachineSpace m3 = m.split(static_cast<std::int64_t>(d), f);
          const Ref r3 = ref_split(r, d, f);
          for (std::size_t e = 0; e < 3; ++e)
            for (std::int64_t g = 1; g <= r3.size[e]; ++g)
              if (r3.size[e] % g == 0) {
                EXPECT_TRUE(matches(m3.split(static_cast<std::int64_t>(e), g), ref_split(r3, e, g)));
              }
        }
  }
}

TEST(MachineSpaceTest, MergeMatchesReference) {
  const MachineSpace m2 = MachineSpace::base(ProcKind::OMP, 3, 4);
  const Ref r2 = ref_base(ProcKind::OMP, 3, 4);
  const MachineSpace m4 = m2.split(1, 2).split(0, 3);
  const Ref r4 = ref_split(ref_split(r2, 1, 2), 0, 3);
  ASSERT_TRUE(matches(m4, r4));
  ASSERT_EQ(m4.size(), (Extents{3, 1, 2, 2}));
  for (auto [m, r] : {std::pair{m2, r2}, std::pair{m4, r4}})
    for (std::size_t a = 0; a < r.size.size(); ++a)
      for (std::size_t b = 0; b < r.size.size(); ++b)
        if (a != b) {
          SCOPED_TRACE(::testing::Message()
                       << "merge(" << a << ", " << b << ") of " << r.size.size() << "-D");
          EXPECT_TRUE(matches(m.merge(static_cast<std::int64_t>(a), static_cast<std::int64_t>(b)),
                              ref_merge(r, a, b)));
        }
}

TEST(MachineSpaceTest, SwapMatchesReference) {
  const MachineSpace m = MachineSpace::base(ProcKind::CPU, 2, 12).split(1, 3);
  const Ref r = ref_split(ref_base(ProcKind::CPU, 2, 12), 1, 3);
  for (std::size_t a = 0; a < 3; ++a)
    for (std::size_t b = 0; b < 3; ++b)
      EXPECT_TRUE(
          matches(m.swap(static_cast<std::int64_t>(a), static_cast<std::int64_t>(b)), ref_swap(r, a, b)));
}

TEST(MachineSpaceTest, SliceMatchesReference) {
  const MachineSpace m = MachineSpace::base(ProcKind::CPU, 3, 5);
  const Ref r = ref_base(ProcKind::CPU, 3, 5);
  for (std::size_t d = 0; d < 2; ++d)
    for (std::int64_t lo = 0; lo < r.size[d]; ++lo)
      for (std::int64_t hi = lo; hi < r.size[d]; ++hi) {
        const MachineSpace s = m.slice(static_cast<std::int64_t>(d), lo, hi);
        EXPECT_TRUE(matches(s, ref_slice(r, d, lo, hi)));
        EXPECT_EQ(s.volume(), product(s.size()));
      }
}

TEST(MachineSpaceTest, ReverseMatchesReference) {
  const MachineSpace m = MachineSpace::base(ProcKind::CPU, 3, 8).split(1, 4);
  const Ref r = ref_split(ref_base(ProcKind::CPU, 3, 8), 1, 4);
  for (std::size_t d = 0; d < 3; ++d)
    EXPECT_TRUE(matches(m.reverse(static_cast<std::int64_t>(d)), ref_reverse(r, d)));
}

TEST(MachineSpaceTest, MultiSplitsMatchReference) {
  const MachineSpace m = MachineSpace::base(ProcKind::CPU, 2, 24);
  const Ref r = ref_base(ProcKind::CPU, 2, 24);
  EXPECT_TRUE(matches(m.balance_split(1, 2), ref_split_n(r, 1, {6, 4})));
  EXPECT_TRUE(matches(m.balance_split(1, 3), ref_split_n(r, 1, {4, 3, 2})));
  EXPECT_TRUE(matches(m.balance_split(0, 3), ref_split_n(r, 0, {2, 1, 1})));
  EXPECT_TRUE(matches(m.auto_split(1, {2, 3, 4}), ref_split_n(r, 1, auto_factors(24, {2, 3, 4}))));
  EXPECT_TRUE(matches(m.auto_split(1, {2, 3, 4}), ref_split_n(r, 1, {2, 3, 4})));
  EXPECT_TRUE(matches(m.greedy_split(1, {2, 2, 3}), ref_split_n(r, 1, {4, 2, 3})));
  EXPECT_TRUE(matches(m.auto_split(0, {7}), ref_split_n(r, 0, {2})));
}

// ---- Structural equality.

TEST(MachineSpaceTest, EqualityIsStructural) {
  const MachineSpace a = MachineSpace::base(ProcKind::GPU, 2, 12);
  EXPECT_EQ(a, MachineSpace::base(ProcKind::GPU, 2, 12));
  EXPECT_FALSE(a == MachineSpace::base(ProcKind::CPU, 2, 12));
  EXPECT_FALSE(a == MachineSpace::base(ProcKind::GPU, 12, 2));
  EXPECT_FALSE(a == MachineSpace::base(ProcKind::GPU, 2, 12).reverse(0));
  EXPECT_EQ(a.split(1, 3).swap(0, 2), a.split(1, 3).swap(0, 2));
  EXPECT_EQ(a.swap(0, 1), a.swap(1, 0));
  EXPECT_FALSE(a.split(1, 3) == a.split(1, 4));
  EXPECT_FALSE(a.slice(1, 0, 3) == a.slice(1, 1, 4));
  // The split family is recorded by its resulting extents.
  EXPECT_EQ(a.split(1, 4), a.balance_split(1, 2));
  EXPECT_EQ(a.auto_split(1, {4, 4}), a.greedy_split(1, {4, 4}));
  // Undoing a split yields the same map, but not the same structure.
  EXPECT_FALSE(a.split(1, 3).merge(2, 1) == a);
}

// ---- Factorization helpers.

TEST(MachineSpaceFactors, BalanceExamples) {
  EXPECT_EQ(balance_factors(12, 2), (Extents{4, 3}));
  EXPECT_EQ(balance_factors(16, 3), (Extents{4, 2, 2}));
  EXPECT_EQ(balance_factors(36, 3), (Extents{4, 3, 3}));
  EXPECT_EQ(balance_factors(1, 2), (Extents{1, 1}));
  EXPECT_EQ(balance_factors(1, 3), (Extents{1, 1, 1}));
  EXPECT_EQ(balance_factors(7, 2), (Extents{7, 1}));
  EXPECT_EQ(balance_factors(7, 3), (Extents{7, 1, 1}));
  EXPECT_EQ(balance_factors(16, 2), (Extents{4, 4}));
  EXPECT_EQ(balance_factors(24, 3), (Extents{4, 3, 2}));
  EXPECT_EQ(balance_factors(30, 3), (Extents{5, 3, 2}));
  EXPECT_EQ(balance_factors(64, 3), (Extents{4, 4, 4}));
  // Spread 4 either way; (10, 6, 6) is lexicographically larger than (9, 8, 5).
  EXPECT_EQ(balance_factors(360, 3), (Extents{10, 6, 6}));
  const std::int64_t m31 = 2147483647;  // prime
  EXPECT_EQ(balance_factors(m31 * m31, 2), (Extents{m31, m31}));
  EXPECT_EQ(balance_factors(m31, 3), (Extents{m31, 1, 1}));
  EXPECT_EQ(balance_factors(std::int64_t{1} << 62, 3),
            (Extents{std::int64_t{1} << 21, std::int64_t{1} << 21, std::int64_t{1} << 20}));
}

TEST(MachineSpaceFactors, GreedyExamples) {
  // Primes 3, 2, 2: (6,2) -> 3 into dim 0 -> ratios (2, 2) tie -> dim 0 -> ratios (1, 2) -> dim 1.
  EXPECT_EQ(greedy_factors(12, {6, 2}), (Extents{6, 2}));
  EXPECT_EQ(greedy_factors(8, {1, 1}), (Extents{4, 2}));
  EXPECT_EQ(greedy_factors(30, {10, 10, 10}), (Extents{5, 3, 2}));
  EXPECT_EQ(greedy_factors(6, {1, 100}), (Extents{1, 6}));
  EXPECT_EQ(greedy_factors(24, {2, 2, 3}), (Extents{4, 2, 3}));
  EXPECT_EQ(greedy_factors(1, {5, 7}), (Extents{1, 1}));
  EXPECT_EQ(greedy_factors(9, {1}), (Extents{9}));
  // Exact ratios where a double cannot tell 3M/3 from M + 1.
  const std::int64_t m = (std::int64_t{1} << 61) - 1;
  EXPECT_EQ(greedy_factors(6, {3 * m, m}), (Extents{6, 1}));
  EXPECT_EQ(greedy_factors(6, {3 * m, m + 1}), (Extents{3, 2}));
  // Large primes factor quickly (Pollard's rho beyond trial division).
  EXPECT_EQ(greedy_factors(9223372036854775783, {1, 1}), (Extents{9223372036854775783, 1}));
  EXPECT_EQ(greedy_factors(std::int64_t{2147483647} * 2147483629, {1, 1}), (Extents{2147483647, 2147483629}));
}

TEST(MachineSpaceFactors, AutoWorkedCases) {
  EXPECT_EQ(auto_factors(4, {4, 4}), (Extents{2, 2}));
  EXPECT_EQ(auto_factors(16, {4, 4, 4}), (Extents{4, 2, 2}));
  EXPECT_EQ(auto_factors(8, {4, 4, 2}), (Extents{4, 2, 1}));
  EXPECT_EQ(auto_factors(16, {1, 1, 1}), (Extents{4, 2, 2}));
}

TEST(MachineSpaceFactors, AutoTieBreaking) {
  // Two extents: the cost L0*L1/n is the same for all, so the greedy answer wins.
  EXPECT_EQ(auto_factors(12, {1, 100}), (Extents{1, 12}));
  EXPECT_EQ(auto_factors(7, {9}), (Extents{7}));
  // Greedy (2, 2, 3) costs 2; (1, 3, 4) costs 2/3 + 3/4 + 1/2 = 23/12 and is the only optimum.
  EXPECT_EQ(auto_factors(12, {1, 2, 3}), (Extents{1, 3, 4}));
  // Greedy (4, 2, 3) costs 2; (2, 3, 4) and (3, 2, 4) both cost 23/12: the lexicographically first wins.
  EXPECT_EQ(auto_factors(24, {2, 2, 3}), (Extents{2, 3, 4}));
  EXPECT_EQ(auto_factors(24, {3, 2, 2}), (Extents{4, 2, 3}));
}

TEST(MachineSpaceFactors, AutoHandlesLargeSearchesAndItsBound) {
  // 720720 has 240 divisors and 89600 ordered factorizations into 4 extents (its speed: bench/).
  const Extents big = auto_factors(720720, {1000, 999, 998, 997});
  EXPECT_EQ(product(big), 720720);
  // Beyond the search bound (2^20 candidates) the greedy answer is returned rather than hanging.
  const Extents l16(16, 3);
  EXPECT_EQ(auto_factors(std::int64_t{1} << 62, l16), greedy_factors(std::int64_t{1} << 62, l16));
  EXPECT_EQ(auto_factors(9223372036854775783, {5, 6, 7, 8}),
            greedy_factors(9223372036854775783, {5, 6, 7, 8}));
}

TEST(MachineSpaceFactors, AutoExactWithHugeIterationExtents) {
  // These overflow a 128-bit cost and take the 256-bit path; scaling L does not change the answer.
  const std::int64_t big = std::numeric_limits<std::int64_t>::max() / 4;
  EXPECT_EQ(auto_factors(12, {big, 2 * big, 3 * big}), (Extents{1, 3, 4}));
  EXPECT_EQ(auto_factors(24, {2 * big, 2 * big, 3 * big}), (Extents{2, 3, 4}));
  EXPECT_EQ(auto_factors(16, {4 * big, 4 * big, 4 * big}), (Extents{4, 2, 2}));
}

// Brute force: every ordered factorization of n into k factors, in lexicographic order.
void factorizations(std::int64_t n, std::size_t k, Extents& cur, std::vector<Extents>& out) {
  if (cur.size() + 1 == k) {
    cur.push_back(n);
    out.push_back(cur);
    cur.pop_back();
    return;
  }
  for (std::int64_t d = 1; d <= n; ++d)
    if (n % d == 0) {
      cur.push_back(d);
      factorizations(n / d, k, cur, out);
      cur.pop_back();
    }
}

std::vector<Extents> factorizations(std::int64_t n, std::size_t k) {
  std::vector<Extents> out;
  Extents cur;
  factorizations(n, k, cur, out);
  return out;
}

// sum_{i<j} (L_i/O_i)(L_j/O_j), times n^2 so that it is an integer (small inputs only).
std::int64_t scaled_cost(std::int64_t n, const Extents& l, const Extents& o) {
  std::int64_t c = 0;
  for (std::size_t i = 0; i < l.size(); ++i)
    for (std::size_t j = i + 1; j < l.size(); ++j) c += l[i] * (n / o[i]) * l[j] * (n / o[j]);
  return c;
}

RC_GTEST_PROP(MachineSpaceFactorsProp, AutoIsTheExhaustiveOptimum, ()) {
  const auto n = *rc::gen::inRange<std::int64_t>(1, 241);
  const auto k = *rc::gen::inRange<std::size_t>(1, 5);
  const auto l = *rc::gen::container<Extents>(k, rc::gen::inRange<std::int64_t>(1, 33));
  const Extents got = auto_factors(n, l);
  const Extents greedy = greedy_factors(n, l);
  const std::vector<Extents> all = factorizations(n, k);
  std::int64_t best = scaled_cost(n, l, all.front());
  for (const Extents& o : all) best = std::min(best, scaled_cost(n, l, o));
  RC_ASSERT(product(got) == n);
  RC_ASSERT(scaled_cost(n, l, got) == best);
  if (scaled_cost(n, l, greedy) == best) {
    RC_ASSERT(got == greedy);
  } else {
    const auto first =
        std::find_if(all.begin(), all.end(), [&](const Extents& o) { return scaled_cost(n, l, o) == best; });
    RC_ASSERT(got == *first);
  }
}

RC_GTEST_PROP(MachineSpaceFactorsProp, AutoAndGreedyIgnoreTheScaleOfL, ()) {
  const auto n = *rc::gen::inRange<std::int64_t>(1, 5000);
  const auto k = *rc::gen::inRange<std::size_t>(2, 5);
  const auto l = *rc::gen::container<Extents>(k, rc::gen::inRange<std::int64_t>(1, 64));
  // Up to 2^56: the cost no longer fits 128 bits, so this compares the two exact paths.
  const auto scale = *rc::gen::inRange<std::int64_t>(1, std::int64_t{1} << 56);
  Extents scaled = l;
  for (std::int64_t& x : scaled) x *= scale;
  RC_ASSERT(auto_factors(n, scaled) == auto_factors(n, l));
  RC_ASSERT(greedy_factors(n, scaled) == greedy_factors(n, l));
}

// Independent greedy: trial-division primes, exact cross-multiplied ratios.
Extents ref_greedy(std::int64_t n, const Extents& l) {
  std::vector<std::int64_t> primes;
  for (std::int64_t p = 2; p * p <= n; ++p)
    for (; n % p == 0; n /= p) primes.push_back(p);
  if (n > 1) primes.push_back(n);
  Extents o(l.size(), 1);
  for (auto p = primes.rbegin(); p != primes.rend(); ++p) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < l.size(); ++i)
      if (static_cast<long double>(l[i]) * o[best] > static_cast<long double>(l[best]) * o[i]) best = i;
    o[best] *= *p;
  }
  return o;
}

RC_GTEST_PROP(MachineSpaceFactorsProp, GreedyMatchesReference, ()) {
  // Up to 1e10, so that some extents have prime factors beyond trial division.
  const auto n = *rc::gen::oneOf(rc::gen::inRange<std::int64_t>(1, 1000),
                                 rc::gen::inRange<std::int64_t>(1, 10000000000));
  const auto k = *rc::gen::inRange<std::size_t>(1, 5);
  // Small extents make ratio ties common, where the first dimension must win.
  const auto l = *rc::gen::container<Extents>(
      k, rc::gen::oneOf(rc::gen::inRange<std::int64_t>(1, 5), rc::gen::inRange<std::int64_t>(1, 1000)));
  const Extents got = greedy_factors(n, l);
  RC_ASSERT(product(got) == n);
  RC_ASSERT(got == ref_greedy(n, l));
}

RC_GTEST_PROP(MachineSpaceFactorsProp, BalanceMatchesBruteForce, ()) {
  const auto n = *rc::gen::inRange<std::int64_t>(1, 3000);
  const auto k = *rc::gen::element<std::int64_t>(2, 3);
  Extents want;
  for (Extents o : factorizations(n, static_cast<std::size_t>(k))) {
    if (!std::is_sorted(o.rbegin(), o.rend())) continue;  // keep non-increasing tuples only
    const auto spread = [](const Extents& e) { return e.front() - e.back(); };
    if (want.empty() || spread(o) < spread(want) || (spread(o) == spread(want) && o > want)) want = o;
  }
  RC_ASSERT(balance_factors(n, k) == want);
}

// ---- Properties over random chains of valid transformations.

// A random space and its reference, built by drawing transformations whose arguments are valid.
struct Built {
  MachineSpace space;
  Ref ref;
  std::int64_t base_volume;
  bool sliced = false;
};

std::int64_t pick_divisor(std::int64_t n) {
  Extents divs;
  for (std::int64_t d = 1; d <= n; ++d)
    if (n % d == 0) divs.push_back(d);
  return *rc::gen::elementOf(divs);
}

Built random_space() {
  const auto kind = *rc::gen::elementOf(kAllProcKinds);
  const auto nodes = *rc::gen::inRange<std::int64_t>(1, 5);
  const auto per = *rc::gen::inRange<std::int64_t>(1, 9);
  Built b{MachineSpace::base(kind, nodes, per), ref_base(kind, nodes, per), nodes * per};
  const auto steps = *rc::gen::inRange(0, 7);
  for (int step = 0; step < steps; ++step) {
    const std::size_t dims = b.space.dims();
    const auto dim = [&] { return *rc::gen::inRange<std::size_t>(0, dims); };
    const std::size_t d = dim();
    const auto sd = static_cast<std::int64_t>(d);
    const std::int64_t extent = b.ref.size[d];
    switch (*rc::gen::inRange(0, 8)) {
      case 0: {
        if (dims == kMaxSpaceDims) break;
        const std::int64_t f = pick_divisor(extent);
        b = {b.space.split(sd, f), ref_split(b.ref, d, f), b.base_volume, b.sliced};
        break;
      }
      case 1: {
        if (dims < 2) break;
        const std::size_t e = dim();
        if (e == d) break;
        b = {b.space.merge(sd, static_cast<std::int64_t>(e)), ref_merge(b.ref, d, e), b.base_volume,
             b.sliced};
        break;
      }
      case 2: {
        const std::size_t e = dim();
        b = {b.space.swap(sd, static_cast<std::int64_t>(e)), ref_swap(b.ref, d, e), b.base_volume, b.sliced};
        break;
      }
      case 3: {
        const auto lo = *rc::gen::inRange<std::int64_t>(0, extent);
        const auto hi = *rc::gen::inRange<std::int64_t>(lo, extent);
        b = {b.space.slice(sd, lo, hi), ref_slice(b.ref, d, lo, hi), b.base_volume,
             b.sliced || hi - lo + 1 < extent};
        break;
      }
      case 4:
        b = {b.space.reverse(sd), ref_reverse(b.ref, d), b.base_volume, b.sliced};
        break;
      case 5: {
        const auto n = *rc::gen::element<std::int64_t>(2, 3);
        if (dims + static_cast<std::size_t>(n) - 1 > kMaxSpaceDims) break;
        b = {b.space.balance_split(sd, n), ref_split_n(b.ref, d, balance_factors(extent, n)), b.base_volume,
             b.sliced};
        break;
      }
      default: {
        const auto l = *rc::gen::container<Extents>(*rc::gen::inRange<std::size_t>(1, 4),
                                                    rc::gen::inRange<std::int64_t>(1, 17));
        if (dims + l.size() - 1 > kMaxSpaceDims) break;
        const bool greedy = *rc::gen::arbitrary<bool>();
        const Extents parts = greedy ? greedy_factors(extent, l) : auto_factors(extent, l);
        b = {greedy ? b.space.greedy_split(sd, l) : b.space.auto_split(sd, l), ref_split_n(b.ref, d, parts),
             b.base_volume, b.sliced};
        break;
      }
    }
  }
  return b;
}

RC_GTEST_PROP(MachineSpaceProp, MatchesTheReferenceModel, ()) {
  const Built b = random_space();
  RC_ASSERT(b.space.size() == b.ref.size);
  for (const Coords& p : points(b.ref.size)) RC_ASSERT(b.space.processor_at(p) == b.ref.at(p));
}

RC_GTEST_PROP(MachineSpaceProp, PointsNameDistinctProcessors, ()) {
  const Built b = random_space();
  const MachineSpace& m = b.space;
  RC_ASSERT(m.volume() == product(m.size()));
  // Only a slice that drops something changes the volume.
  const bool volume_ok = b.sliced ? m.volume() < b.base_volume : m.volume() == b.base_volume;
  RC_ASSERT(volume_ok);
  std::set<std::tuple<ProcKind, std::int64_t, std::int64_t>> seen;
  for (const Coords& p : points(m.size())) {
    const ProcessorId id = m.processor_at(p);
    RC_ASSERT(id.kind == m.kind());
    seen.emplace(id.kind, id.node, id.proc);
  }
  RC_ASSERT(static_cast<std::int64_t>(seen.size()) == m.volume());
}

RC_GTEST_PROP(MachineSpaceProp, CoordsOfInvertsProcessorAt, ()) {
  const Built b = random_space();
  const MachineSpace& m = b.space;
  for (const Coords& p : points(m.size())) {
    RC_ASSERT(m.contains(p));
    RC_ASSERT(m.coords_of(m.processor_at(p)) == std::optional<Coords>(p));
  }
  // Forwards from every processor of the base (at most 4 x 8) and beyond: exactly `volume` are in the space.
  std::int64_t found = 0;
  for (std::int64_t node = 0; node <= 4; ++node)
    for (std::int64_t proc = 0; proc <= 8; ++proc) {
      const ProcessorId id{m.kind(), node, proc};
      if (const auto c = m.coords_of(id)) {
        ++found;
        RC_ASSERT(m.contains(*c));
        RC_ASSERT(m.processor_at(*c) == id);
      }
    }
  RC_ASSERT(found == m.volume());
}

RC_GTEST_PROP(MachineSpaceProp, MergeUndoesSplit, ()) {
  // split(d, f) puts the fast part i at d and the slow part j at d + 1 (old = i + j*f); merge(d + 1, d) makes
  // d the faster part and places the result at (d + 1) - 1 = d, giving k = j*f + i.
  const Built b = random_space();
  RC_PRE(b.space.dims() < kMaxSpaceDims);
  const auto d = *rc::gen::inRange<std::size_t>(0, b.space.dims());
  const auto sd = static_cast<std::int64_t>(d);
  const std::int64_t f = pick_divisor(b.space.size()[d]);
  const MachineSpace back = b.space.split(sd, f).merge(sd + 1, sd);
  RC_ASSERT(back.size() == b.space.size());
  for (const Coords& p : points(b.space.size())) RC_ASSERT(back.processor_at(p) == b.space.processor_at(p));
}

RC_GTEST_PROP(MachineSpaceProp, SwapAndReverseTwiceAreIdentity, ()) {
  const Built b = random_space();
  const auto dims = b.space.dims();
  const auto d1 = static_cast<std::int64_t>(*rc::gen::inRange<std::size_t>(0, dims));
  const auto d2 = static_cast<std::int64_t>(*rc::gen::inRange<std::size_t>(0, dims));
  const MachineSpace swapped = b.space.swap(d1, d2).swap(d1, d2);
  const MachineSpace reversed = b.space.reverse(d1).reverse(d1);
  RC_ASSERT(swapped.size() == b.space.size());
  RC_ASSERT(reversed.size() == b.space.size());
  for (const Coords& p : points(b.space.size())) {
    RC_ASSERT(swapped.processor_at(p) == b.space.processor_at(p));
    RC_ASSERT(reversed.processor_at(p) == b.space.processor_at(p));
  }
}

// ---- Errors.

template <class F>
::testing::AssertionResult throws_space_error(F&& f, std::string_view substring, int arg) {
  try {
    f();
  } catch (const SpaceError& e) {
    const std::string message = e.what();
    if (message.find(substring) == std::string::npos)
      return ::testing::AssertionFailure() << "message \"" << message << "\" lacks \"" << substring << "\"";
    if (e.arg() != arg) return ::testing::AssertionFailure() << "arg " << e.arg() << ", expected " << arg;
    if (e.hint().empty() || e.hint().back() != '.')
      return ::testing::AssertionFailure() << "hint \"" << e.hint() << "\" is not a sentence";
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no SpaceError";
}

TEST(MachineSpaceErrors, BaseNeedsProcessors) {
  EXPECT_TRUE(throws_space_error([] { MachineSpace::base(ProcKind::GPU, 0, 4); }, "at least one node", -1));
  EXPECT_TRUE(throws_space_error([] { MachineSpace::base(ProcKind::GPU, 2, -1); }, "got 2 x -1", -1));
  EXPECT_TRUE(throws_space_error(
      [] { MachineSpace::base(ProcKind::CPU, std::int64_t{1} << 32, std::int64_t{1} << 32); },
      "does not fit in a 64-bit integer", -1));
}

TEST(MachineSpaceErrors, DimensionOutOfRange) {
  const MachineSpace m = MachineSpace::base(ProcKind::CPU, 2, 4);
  const std::string two = "is outside the space, which has 2 dimensions (0..1)";
  EXPECT_TRUE(throws_space_error([&] { m.split(2, 1); }, "dimension 2 " + two, 0));
  EXPECT_TRUE(throws_space_error([&] { m.split(-1, 1); }, "dimension -1 " + two, 0));
  EXPECT_TRUE(throws_space_error([&] { m.merge(3, 0); }, "dimension 3 " + two, 0));
  EXPECT_TRUE(throws_space_error([&] { m.merge(0, 5); }, "dimension 5 " + two, 1));
  EXPECT_TRUE(throws_space_error([&] { m.swap(0, 2); }, "dimension 2 " + two, 1));
  EXPECT_TRUE(throws_space_error([&] { m.swap(-2, 0); }, "dimension -2 " + two, 0));
  EXPECT_TRUE(throws_space_error([&] { m.slice(2, 0, 0); }, "dimension 2 " + two, 0));
  EXPECT_TRUE(throws_space_error([&] { m.reverse(9); }, "dimension 9 " + two, 0));
  EXPECT_TRUE(throws_space_error([&] { m.balance_split(2, 2); }, "dimension 2 " + two, 0));
  EXPECT_TRUE(throws_space_error([&] { m.auto_split(2, {4}); }, "dimension 2 " + two, 0));
  EXPECT_TRUE(throws_space_error([&] { m.greedy_split(-1, {4}); }, "dimension -1 " + two, 0));
  EXPECT_TRUE(throws_space_error([&] { m.merge(0, 1).reverse(1); }, "which has 1 dimension (0..0)", 0));
}

TEST(MachineSpaceErrors, SplitFactorMustDivide) {
  const MachineSpace m = MachineSpace::base(ProcKind::CPU, 2, 4);
  EXPECT_TRUE(throws_space_error([&] { m.split(1, 3); },
                                 "split factor 3 does not divide extent 4 of dimension 1", 1));
  EXPECT_TRUE(throws_space_error([&] { m.split(1, 8); }, "split factor 8 does not divide extent 4", 1));
  EXPECT_TRUE(throws_space_error([&] { m.split(0, 0); }, "split factor 0 must be at least 1", 1));
  EXPECT_TRUE(throws_space_error([&] { m.split(0, -2); }, "split factor -2 must be at least 1", 1));
}

TEST(MachineSpaceErrors, MergeNeedsTwoDimensions) {
  const MachineSpace m = MachineSpace::base(ProcKind::CPU, 2, 4);
  EXPECT_TRUE(throws_space_error([&] { m.merge(1, 1); }, "two different dimensions, got 1 twice", 1));
}

TEST(MachineSpaceErrors, SliceBounds) {
  const MachineSpace m = MachineSpace::base(ProcKind::CPU, 2, 4);
  EXPECT_TRUE(throws_space_error([&] { m.slice(1, -1, 2); },
                                 "slice start -1 is outside dimension 1, which has extent 4 (0..3)", 1));
  EXPECT_TRUE(throws_space_error([&] { m.slice(1, 4, 4); }, "slice start 4 is outside dimension 1", 1));
  EXPECT_TRUE(throws_space_error([&] { m.slice(1, 0, 4); },
                                 "slice end 4 is outside dimension 1, which has extent 4 (0..3)", 2));
  EXPECT_TRUE(throws_space_error([&] { m.slice(0, 0, -1); }, "slice end -1 is outside dimension 0", 2));
  EXPECT_TRUE(throws_space_error([&] { m.slice(1, 2, 1); }, "slice end 1 is before its start 2", 2));
}

TEST(MachineSpaceErrors, BalanceSplitCount) {
  const MachineSpace m = MachineSpace::base(ProcKind::CPU, 2, 4);
  EXPECT_TRUE(
      throws_space_error([&] { m.balance_split(1, 1); }, "balance_split makes 2 or 3 dimensions, not 1", 1));
  EXPECT_TRUE(
      throws_space_error([&] { m.balance_split(1, 4); }, "balance_split makes 2 or 3 dimensions, not 4", 1));
  EXPECT_TRUE(throws_space_error([] { balance_factors(12, 0); }, "not 0", 1));
  EXPECT_TRUE(throws_space_error([] { balance_factors(0, 2); }, "cannot factor 0", 1));
}

TEST(MachineSpaceErrors, IterationExtents) {
  const MachineSpace m = MachineSpace::base(ProcKind::CPU, 2, 4);
  EXPECT_TRUE(throws_space_error(
      [&] {
        m.auto_split(1, {4, 0});
      },
      "iteration extent 0 (position 1) must be positive", 1));
  EXPECT_TRUE(throws_space_error(
      [&] {
        m.greedy_split(1, {-3, 2});
      },
      "iteration extent -3 (position 0) must be positive", 1));
  EXPECT_TRUE(throws_space_error([&] { m.auto_split(1, {}); }, "the iteration extents are empty", 1));
  EXPECT_TRUE(throws_space_error([&] { m.greedy_split(1, {}); }, "the iteration extents are empty", 1));
  EXPECT_TRUE(throws_space_error([] { auto_factors(8, {2, 0, 2}); }, "iteration extent 0 (position 1)", 1));
  EXPECT_TRUE(throws_space_error([] { greedy_factors(8, {0}); }, "iteration extent 0 (position 0)", 1));
  EXPECT_TRUE(throws_space_error([] { auto_factors(0, {2}); }, "cannot factor 0", 1));
  EXPECT_TRUE(throws_space_error([] { greedy_factors(-4, {2}); }, "cannot factor -4", 1));
  EXPECT_TRUE(throws_space_error([] { auto_factors(8, Extents(17, 1)); },
                                 "the iteration space has 17 dimensions", 1));
}

TEST(MachineSpaceErrors, TooManyDimensions) {
  MachineSpace m = MachineSpace::base(ProcKind::CPU, 1, 1);
  while (m.dims() < kMaxSpaceDims) m = m.split(0, 1);
  ASSERT_EQ(m.size(), Extents(kMaxSpaceDims, 1));
  const std::string limit = "the result would have 17 dimensions; a space has at most 16";
  EXPECT_TRUE(throws_space_error([&] { m.split(3, 1); }, limit, -1));
  EXPECT_TRUE(throws_space_error([&] { m.balance_split(3, 2); }, limit, 1));
  EXPECT_TRUE(throws_space_error([&] { m.auto_split(3, {2, 2}); }, limit, 1));
  EXPECT_TRUE(throws_space_error([&] { m.greedy_split(3, {2, 2, 2}); }, "would have 18 dimensions", 1));
  // Splitting into one dimension keeps the count and is allowed.
  EXPECT_EQ(m.auto_split(3, {5}).dims(), kMaxSpaceDims);
  EXPECT_EQ(m.merge(0, 1).split(0, 1).dims(), kMaxSpaceDims);
}

}  // namespace
}  // namespace mage::mapping
