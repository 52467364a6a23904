// The search techniques the ensemble's bandit chooses among. A technique proposes one point at a time and
// hears the outcomes of its own proposals; the ensemble owns the global best, the evaluation cache and the
// random generator, which it lends through TechniqueContext.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "search/sampling.hpp"
#include "search/space.hpp"

namespace mage::search {

struct TechniqueContext {
  const Space& space;
  Rng& rng;
  const Point* best = nullptr;  // the global best point so far, null before any outcome
};

class Technique {
 public:
  virtual ~Technique() = default;
  virtual std::string_view name() const = 0;
  // The next point to evaluate, or nullopt while the technique waits for results.
  virtual std::optional<Point> propose(const TechniqueContext& ctx) = 0;
  // The outcome of a point this technique proposed (possibly answered from the cache).
  virtual void tell(const Point& p, const Outcome& o) = 0;
};

// OpenTuner's DifferentialEvolution: population members are replaced by better trial points built from
// three others (docs/search.md).
std::unique_ptr<Technique> make_differential_evolution(std::size_t population, double crossover);
// Mutates each parameter of the global best with probability `rate` to a uniformly random option.
std::unique_ptr<Technique> make_uniform_greedy_mutation(double rate);
// Mutates each parameter of the global best with probability `rate` by a normally distributed step of the
// option index (standard deviation sigma * (options - 1)).
std::unique_ptr<Technique> make_normal_greedy_mutation(double rate, double sigma);

}  // namespace mage::search
