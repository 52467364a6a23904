// Search optimizers over a categorical Space, driven by ask/tell: the driver asks for points, evaluates
// them (possibly in parallel) and tells the outcomes back. Optimizers are pure logic: no clock, no I/O,
// and all randomness comes from a seeded generator, so the same seed and the same sequence of ask(n) and
// tell calls give bit-identical points. A run resumes by re-creating the optimizer with its seed and
// replaying the recorded (point, outcome) pairs through the same ask/tell sequence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "search/space.hpp"

namespace mage::search {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string_view name() const = 0;
  // Up to n points to evaluate next (the driver evaluates them, possibly in parallel, then calls tell for
  // each, in the order given). Fewer than n (possibly 0) when the optimizer must first hear results; an
  // empty answer while nothing is pending means it has finished (done()). Never repeats a point it has
  // asked for or been told about.
  virtual std::vector<Point> ask(std::size_t n) = 0;
  // The outcome of a point. Points the optimizer did not ask for are accepted as extra knowledge (they are
  // not asked later); telling a point twice keeps the first outcome. Throws std::invalid_argument for a
  // point outside the space.
  virtual void tell(const Point& p, const Outcome& o) = 0;
  virtual bool done() const { return false; }
};

// Uniform random points without repeats; done() once every point of the space has been evaluated.
std::unique_ptr<Optimizer> make_random(const Space& space, std::uint64_t seed);

// The OpenTuner-style ensemble (docs/search.md).
struct EnsembleOptions {
  Point start;                   // evaluated first, e.g. the default mapping; empty: a random point
  std::size_t population = 30;   // differential evolution
  double crossover = 0.2;        // differential evolution
  double uniform_rate = 0.1;     // uniform greedy mutation: per-parameter probability
  double normal_rate = 0.3;      // normal greedy mutation: per-parameter probability
  double normal_sigma = 0.1;     // normal greedy mutation: standard deviation as a fraction of the option range
  std::size_t window = 500;      // AUC bandit: results remembered
  double exploration = 0.05;     // AUC bandit: exploration constant C
};
std::unique_ptr<Optimizer> make_ensemble(const Space& space, std::uint64_t seed, EnsembleOptions options = {});

// AutoMap-style constrained coordinate descent (docs/search.md).
struct CcdOptions {
  Point start;  // the default mapping; empty: option 0 of every parameter
  // Ordered phases; each a list of parameter indices in sweep order (e.g. phase 1: task processor-kind
  // parameters heaviest first; phase 2: region-argument memory parameters). Empty: one phase over every
  // parameter in index order.
  std::vector<std::vector<std::size_t>> sweeps;
  // After changing parameter `changed`, make the point valid (e.g. move that task's arguments to memories
  // its new processor can address); identity when empty. Must return a point of the space.
  std::function<Point(Point, std::size_t changed)> repair;
  double noise = 0.02;     // keep a change only if it beats the best by more than this relative margin
  std::uint64_t seed = 0;  // unused: ties go to the lower option index, so the search is deterministic anyway
};
std::unique_ptr<Optimizer> make_coordinate_descent(const Space& space, CcdOptions options);

// "random", "ensemble" or "ccd"; null for an unknown name. `ccd` may be null (defaults); the ensemble also
// starts from its `start` point when one is given.
std::unique_ptr<Optimizer> make_optimizer(std::string_view name, const Space& space, std::uint64_t seed,
                                          const CcdOptions* ccd);
std::vector<std::string_view> optimizer_names();

}  // namespace mage::search
