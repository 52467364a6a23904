#include "model/interval_set.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace mage::model {

IntervalSet::IntervalSet(std::initializer_list<Interval> intervals)
    : IntervalSet(std::vector<Interval>(intervals)) {}

IntervalSet::IntervalSet(std::vector<Interval> intervals) {
  std::erase_if(intervals, [](const Interval& i) { return i.hi <= i.lo; });
  std::sort(intervals.begin(), intervals.end(),
            [](const Interval& a, const Interval& b) { return a.lo < b.lo; });
  for (const Interval& i : intervals) {
    if (!intervals_.empty() && i.lo <= intervals_.back().hi)
      intervals_.back().hi = std::max(intervals_.back().hi, i.hi);
    else
      intervals_.push_back(i);
  }
}

std::int64_t IntervalSet::size() const {
  // Unsigned: lengths of disjoint intervals of int64 values sum to below 2^64; the result saturates.
  std::uint64_t n = 0;
  for (const Interval& i : intervals_) {
    n += static_cast<std::uint64_t>(i.hi) - static_cast<std::uint64_t>(i.lo);
    if (n > static_cast<std::uint64_t>(INT64_MAX)) return INT64_MAX;
  }
  return static_cast<std::int64_t>(n);
}

bool IntervalSet::contains(std::int64_t element) const {
  // The first interval starting after `element`; the one before it is the only candidate.
  auto after = std::upper_bound(intervals_.begin(), intervals_.end(), element,
                                [](std::int64_t e, const Interval& i) { return e < i.lo; });
  return after != intervals_.begin() && element < std::prev(after)->hi;
}

bool IntervalSet::contains(const IntervalSet& other) const { return (other - *this).empty(); }

bool IntervalSet::overlaps(const IntervalSet& other) const {
  auto a = intervals_.begin();
  auto b = other.intervals_.begin();
  while (a != intervals_.end() && b != other.intervals_.end()) {
    if (a->lo < b->hi && b->lo < a->hi) return true;
    if (a->hi <= b->hi)
      ++a;
    else
      ++b;
  }
  return false;
}

std::vector<IntervalSet> IntervalSet::split_even(std::int64_t n) const {
  std::vector<IntervalSet> pieces;
  if (n <= 0) return pieces;
  const std::int64_t total = size();
  auto it = intervals_.begin();
  std::int64_t at = it == intervals_.end() ? 0 : it->lo;  // next element not yet handed out
  for (std::int64_t p = 0; p < n; ++p) {
    // The first total % n pieces take one element more.
    const std::int64_t want = total / n + (p < total % n ? 1 : 0);
    std::vector<Interval> piece;
    for (std::int64_t left = want; left > 0;) {
      const auto rest = static_cast<std::uint64_t>(it->hi) - static_cast<std::uint64_t>(at);
      const auto take = static_cast<std::int64_t>(std::min(static_cast<std::uint64_t>(left), rest));
      piece.push_back({at, at + take});
      left -= take;
      at += take;
      if (at == it->hi && ++it != intervals_.end()) at = it->lo;
    }
    pieces.emplace_back(std::move(piece));
  }
  return pieces;
}

std::string IntervalSet::to_string() const {
  std::string out = "{";
  for (const Interval& i : intervals_)
    out += fmt::format("{}[{}, {})", out.size() > 1 ? ", " : "", i.lo, i.hi);
  return out + "}";
}

IntervalSet operator|(const IntervalSet& a, const IntervalSet& b) {
  std::vector<Interval> all = a.intervals_;
  all.insert(all.end(), b.intervals_.begin(), b.intervals_.end());
  return IntervalSet(std::move(all));
}

IntervalSet operator&(const IntervalSet& a, const IntervalSet& b) {
  IntervalSet out;
  auto x = a.intervals_.begin();
  auto y = b.intervals_.begin();
  while (x != a.intervals_.end() && y != b.intervals_.end()) {
    const std::int64_t lo = std::max(x->lo, y->lo);
    const std::int64_t hi = std::min(x->hi, y->hi);
    if (lo < hi) out.intervals_.push_back({lo, hi});  // ordered and separated, as both inputs are
    if (x->hi <= y->hi)
      ++x;
    else
      ++y;
  }
  return out;
}

IntervalSet operator-(const IntervalSet& a, const IntervalSet& b) {
  IntervalSet out;
  auto y = b.intervals_.begin();
  for (Interval x : a.intervals_) {
    while (y != b.intervals_.end() && y->hi <= x.lo) ++y;
    // Cut every interval of b that starts inside x out of it, left to right.
    for (auto z = y; z != b.intervals_.end() && z->lo < x.hi; ++z) {
      if (z->lo > x.lo) out.intervals_.push_back({x.lo, z->lo});
      x.lo = std::max(x.lo, z->hi);
    }
    if (x.lo < x.hi) out.intervals_.push_back(x);
  }
  return out;
}

}  // namespace mage::model
