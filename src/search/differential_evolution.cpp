// OpenTuner's DifferentialEvolution on categorical parameters. The population starts as random points,
// each proposed once. Afterwards the oldest member without a trial in flight is the target: three other
// points (members, plus the global best as an extra candidate: OpenTuner's information sharing) are drawn
// at random as base x1 and donors x2, x3; a copy of the target takes, for one random parameter and then
// for each other with probability `crossover`, x1's value when x2 and x3 agree there (their difference
// is zero) or a random option when they differ. The trial replaces the target if its outcome is better.
// Ages are a counter, not a clock, to stay deterministic.
#include <optional>
#include <stdexcept>

#include "search/technique.hpp"

namespace mage::search {

namespace {

class DifferentialEvolution final : public Technique {
 public:
  DifferentialEvolution(std::size_t population, double crossover) : size_(population), crossover_(crossover) {
    if (population < 4) throw std::invalid_argument("differential evolution needs a population of at least 4");
  }

  std::string_view name() const override { return "differential_evolution"; }

  std::optional<Point> propose(const TechniqueContext& ctx) override {
    if (members_.empty())
      for (std::size_t i = 0; i < size_; ++i) {
        Member m;
        m.point = random_point(ctx.space, ctx.rng);
        members_.push_back(std::move(m));
      }
    for (auto& m : members_)
      if (!m.submitted) {
        m.submitted = true;
        return m.point;
      }

    Member* target = nullptr;
    for (auto& m : members_)
      if (m.outcome && !m.trial && (!target || m.age < target->age)) target = &m;
    if (!target) return std::nullopt;  // every member waits for an outcome

    std::vector<const Point*> others;
    for (const auto& m : members_)
      if (&m != target) others.push_back(&m.point);
    if (ctx.best) others.push_back(ctx.best);
    shuffle(others, ctx.rng);
    const Point& x1 = *others[0];
    const Point& x2 = *others[1];
    const Point& x3 = *others[2];

    std::vector<std::size_t> order(ctx.space.params.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    shuffle(order, ctx.rng);
    Point trial = target->point;
    for (std::size_t i = 0; i < order.size(); ++i) {
      if (i >= kForcedCrossovers && !bernoulli(ctx.rng, crossover_)) continue;
      const std::size_t k = order[i];
      trial[k] = x2[k] == x3[k] ? x1[k]
                                : static_cast<int>(uniform_index(ctx.rng, ctx.space.params[k].options.size()));
    }
    target->trial = trial;
    target->age = ++clock_;
    return trial;
  }

  void tell(const Point& p, const Outcome& o) override {
    for (auto& m : members_) {
      if (m.submitted && !m.outcome && m.point == p) m.outcome = o;
      if (m.trial && *m.trial == p) {
        if (m.outcome && better(o, *m.outcome)) {
          m.point = p;
          m.outcome = o;
          m.age = ++clock_;
        }
        m.trial.reset();
      }
    }
  }

 private:
  // OpenTuner's n_cross: how many parameters (first in the shuffled order) are crossed regardless of the rate.
  static constexpr std::size_t kForcedCrossovers = 1;

  struct Member {
    Point point;
    bool submitted = false;
    std::optional<Outcome> outcome;  // of `point`
    std::optional<Point> trial;      // in flight
    std::uint64_t age = 0;
  };

  std::size_t size_;
  double crossover_;
  std::vector<Member> members_;
  std::uint64_t clock_ = 0;
};

}  // namespace

std::unique_ptr<Technique> make_differential_evolution(std::size_t population, double crossover) {
  return std::make_unique<DifferentialEvolution>(population, crossover);
}

}  // namespace mage::search
