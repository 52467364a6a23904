// Shared by the optimizer tests: a synchronous driver (ask a batch, evaluate, tell in order), replay of a
// recorded run, and small synthetic spaces with known optima.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "search/optimizer.hpp"

namespace mage::search::search_test {

using Objective = std::function<Outcome(const Point&)>;

struct Trace {
  std::vector<Point> points;  // in ask order
  std::vector<Outcome> outcomes;
  std::vector<std::size_t> batches;  // size of each non-empty ask answer
  bool finished = false;             // stopped because the optimizer was done
  std::optional<Point> best;
  Outcome best_outcome;
};

// Evaluates up to `budget` points, asking `batch` at a time (less for the last ask).
inline Trace run(Optimizer& opt, const Objective& f, std::size_t budget, std::size_t batch) {
  Trace t;
  while (t.points.size() < budget) {
    auto points = opt.ask(std::min(batch, budget - t.points.size()));
    if (points.empty()) {
      // The driver tells everything before asking again, so an empty answer must mean the end.
      EXPECT_TRUE(opt.done()) << opt.name() << " answered nothing while nothing was pending";
      t.finished = opt.done();
      break;
    }
    t.batches.push_back(points.size());
    for (const auto& p : points) {
      Outcome o = f(p);
      t.points.push_back(p);
      t.outcomes.push_back(o);
      if (!t.best || better(o, t.best_outcome)) t.best = p, t.best_outcome = o;
    }
    for (std::size_t i = t.points.size() - points.size(); i < t.points.size(); ++i)
      opt.tell(t.points[i], t.outcomes[i]);
  }
  return t;
}

// Replays the first `batches` recorded batches into a fresh optimizer, checking that it asks for the
// recorded points.
inline void replay(Optimizer& opt, const Trace& t, std::size_t batches) {
  std::size_t at = 0;
  for (std::size_t b = 0; b < batches; ++b) {
    auto points = opt.ask(t.batches[b]);
    ASSERT_EQ(points.size(), t.batches[b]);
    for (const auto& p : points) {
      ASSERT_EQ(p, t.points[at]) << "evaluation " << at;
      ++at;
    }
    for (std::size_t i = at - points.size(); i < at; ++i) opt.tell(t.points[i], t.outcomes[i]);
  }
}

inline bool all_distinct(const std::vector<Point>& points) {
  return std::set<Point>(points.begin(), points.end()).size() == points.size();
}

inline Space grid(std::size_t params, std::size_t options) {
  Space s;
  for (std::size_t i = 0; i < params; ++i) {
    Parameter p{"p" + std::to_string(i), {}};
    for (std::size_t o = 0; o < options; ++o) p.options.push_back("o" + std::to_string(o));
    s.params.push_back(std::move(p));
  }
  return s;
}

// Separable, 6 parameters of 4 options: 100 - sum of weighted distances to a target, weights 1..6.
inline const Point kTarget{2, 0, 3, 1, 3, 2};
inline Outcome separable(const Point& p) {
  double cost = 0;
  for (std::size_t i = 0; i < p.size(); ++i) cost += static_cast<double>(i + 1) * std::abs(p[i] - kTarget[i]);
  return {true, 100 - cost};
}

// The separable function with failures: p0 = 1 fails, p5 = 0 fails (so all-zero starts fail), and the
// target's own corner p2 = 3 with p4 = 3 fails, which moves the optimum to kFailingOptimum (score 97).
inline const Point kFailingOptimum{2, 0, 2, 1, 3, 2};
inline Outcome with_failures(const Point& p) {
  if (p[0] == 1 || p[5] == 0 || (p[2] == 3 && p[4] == 3)) return {false, 0};
  return separable(p);
}

}  // namespace mage::search::search_test
