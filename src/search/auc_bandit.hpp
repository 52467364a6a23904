// The area-under-the-curve credit bandit of OpenTuner's AUCBanditMetaTechnique: it decides which search
// technique proposes the next point. Each use of a technique is recorded with credit (it found a new
// global best) or not; over the last `window` uses of all techniques, a technique scores
//   AUC + C * sqrt(2 * log2(uses of all techniques) / uses of this technique)
// where AUC weights its i-th use in the window by i (recent successes count more), normalised to [0, 1].
// An unused technique scores infinity, so every technique is tried first.
#pragma once

#include <cstddef>
#include <deque>
#include <utility>
#include <vector>

#include "search/sampling.hpp"

namespace mage::search {

class AucBandit {
 public:
  AucBandit(std::size_t arms, std::size_t window = 500, double exploration = 0.05);

  // Arms by decreasing score; equal scores in random order.
  std::vector<std::size_t> order(Rng& rng) const;
  void record(std::size_t arm, bool credit);

  double score(std::size_t arm) const;
  double auc(std::size_t arm) const;
  std::size_t uses(std::size_t arm) const;
  std::size_t history_size() const { return history_.size(); }

 private:
  std::size_t arms_;
  std::size_t window_;
  double exploration_;
  std::deque<std::pair<std::size_t, bool>> history_;  // (arm, credit), oldest first
};

}  // namespace mage::search
