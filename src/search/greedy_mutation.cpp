// OpenTuner's greedy mutation techniques: copy the global best (a random point before there is one) and
// mutate some of its parameters, retrying a few times when the mutation changed nothing.
#include <algorithm>
#include <cmath>
#include <string>

#include "search/technique.hpp"

namespace mage::search {

namespace {

// OpenTuner retries a mutation that reproduced its parent this many times before giving up.
constexpr int kMutationTries = 10;
// Normal draws per parameter before stepping to a neighbouring option.
constexpr int kNormalRedraws = 8;

class GreedyMutation : public Technique {
 public:
  explicit GreedyMutation(double rate) : rate_(rate) {}

  std::optional<Point> propose(const TechniqueContext& ctx) override {
    const Point parent = ctx.best ? *ctx.best : random_point(ctx.space, ctx.rng);
    Point p = parent;
    for (int t = 0; t < kMutationTries && p == parent; ++t)
      for (std::size_t i = 0; i < p.size(); ++i)
        if (bernoulli(ctx.rng, rate_)) p[i] = mutate(ctx, p[i], static_cast<int>(ctx.space.params[i].options.size()));
    return p;  // may equal the parent; the ensemble answers that from its cache
  }

  void tell(const Point&, const Outcome&) override {}

 protected:
  // A new option index for a parameter with `options` options currently at `value`.
  virtual int mutate(const TechniqueContext& ctx, int value, int options) = 0;

 private:
  double rate_;
};

class UniformGreedyMutation final : public GreedyMutation {
 public:
  using GreedyMutation::GreedyMutation;
  std::string_view name() const override { return "uniform_greedy_mutation"; }

 protected:
  int mutate(const TechniqueContext& ctx, int, int options) override {
    return static_cast<int>(uniform_index(ctx.rng, static_cast<std::size_t>(options)));
  }
};

class NormalGreedyMutation final : public GreedyMutation {
 public:
  NormalGreedyMutation(double rate, double sigma) : GreedyMutation(rate), sigma_(sigma) {}
  std::string_view name() const override { return "normal_greedy_mutation"; }

 protected:
  // The option index is treated as ordinal (options listed in a meaningful order move to neighbours more
  // often). A step that rounds to zero is drawn again; with few options and a small sigma that rarely
  // succeeds, so the fallback is a step to a random neighbour.
  int mutate(const TechniqueContext& ctx, int value, int options) override {
    if (options <= 1) return value;
    const double sd = sigma_ * (options - 1);
    for (int t = 0; t < kNormalRedraws; ++t) {
      const int next = std::clamp(value + static_cast<int>(std::lround(sd * standard_normal(ctx.rng))), 0, options - 1);
      if (next != value) return next;
    }
    if (value == 0) return 1;
    if (value == options - 1) return value - 1;
    return bernoulli(ctx.rng, 0.5) ? value + 1 : value - 1;
  }

 private:
  double sigma_;
};

}  // namespace

std::unique_ptr<Technique> make_uniform_greedy_mutation(double rate) {
  return std::make_unique<UniformGreedyMutation>(rate);
}

std::unique_ptr<Technique> make_normal_greedy_mutation(double rate, double sigma) {
  return std::make_unique<NormalGreedyMutation>(rate, sigma);
}

}  // namespace mage::search
