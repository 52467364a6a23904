// Sets of element numbers as sorted, non-overlapping, coalesced half-open intervals [lo, hi). The
// application model numbers a region's elements once, so every subregion is one of these; numbering
// tiles one after the other keeps them to a few intervals.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace mage::model {

struct Interval {
  std::int64_t lo = 0;
  std::int64_t hi = 0;  // one past the last element
  friend bool operator==(const Interval&, const Interval&) = default;
};

class IntervalSet {
 public:
  IntervalSet() = default;
  // Any intervals, in any order: sorted, merged where they overlap or touch; empty ones are dropped.
  IntervalSet(std::initializer_list<Interval> intervals);
  explicit IntervalSet(std::vector<Interval> intervals);
  static IntervalSet range(std::int64_t lo, std::int64_t hi) { return IntervalSet({Interval{lo, hi}}); }

  const std::vector<Interval>& intervals() const { return intervals_; }
  bool empty() const { return intervals_.empty(); }
  std::int64_t size() const;  // number of elements, at most INT64_MAX
  bool contains(std::int64_t element) const;
  bool contains(const IntervalSet& other) const;  // other is a subset
  bool overlaps(const IntervalSet& other) const;

  // The first n elements go to piece 0, and so on: n pieces whose sizes differ by at most one.
  std::vector<IntervalSet> split_even(std::int64_t n) const;

  std::string to_string() const;  // "{[0, 4096), [8192, 8448)}", "{}" when empty

  friend IntervalSet operator|(const IntervalSet& a, const IntervalSet& b);  // union
  friend IntervalSet operator&(const IntervalSet& a, const IntervalSet& b);  // intersection
  friend IntervalSet operator-(const IntervalSet& a, const IntervalSet& b);  // difference
  friend bool operator==(const IntervalSet&, const IntervalSet&) = default;

 private:
  std::vector<Interval> intervals_;
};

}  // namespace mage::model
