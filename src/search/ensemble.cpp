// The OpenTuner-style ensemble: an AUC-credit bandit picks, for each requested point, which technique
// proposes it (differential evolution, uniform greedy mutation, normal greedy mutation). A technique is
// credited when its point becomes a new global best.
//
// Repeated proposals never reach the driver: a point already evaluated is answered from the cache (the
// technique hears the cached outcome and its use is recorded without credit, as OpenTuner does, so a
// technique that keeps repeating itself loses the bandit's favour), and a point still being evaluated is
// shared (the proposer hears the outcome when it arrives). After many repeats in a row, a random unseen
// point is asked instead, so the search also ends on small spaces.
#include <map>
#include <stdexcept>

#include "search/auc_bandit.hpp"
#include "search/optimizer.hpp"
#include "search/technique.hpp"

namespace mage::search {

namespace {

// Repeated proposals in a row before a random unseen point is asked instead.
constexpr int kRepeatTries = 64;
// Owner of a point no technique proposed (the start point, random fallbacks).
constexpr std::size_t kNoOwner = static_cast<std::size_t>(-1);

class Ensemble final : public Optimizer {
 public:
  Ensemble(const Space& space, std::uint64_t seed, EnsembleOptions options)
      : space_(space), rng_(seed), start_(std::move(options.start)), bandit_(3, options.window, options.exploration) {
    validate_space(space_);
    if (!start_.empty() && !space_.contains(start_))
      throw std::invalid_argument("the ensemble's start point is outside the space");
    techniques_.push_back(make_differential_evolution(options.population, options.crossover));
    techniques_.push_back(make_uniform_greedy_mutation(options.uniform_rate));
    techniques_.push_back(make_normal_greedy_mutation(options.normal_rate, options.normal_sigma));
  }

  std::string_view name() const override { return "ensemble"; }

  std::vector<Point> ask(std::size_t n) override {
    std::vector<Point> out;
    if (n == 0) return out;
    if (!started_) {
      started_ = true;
      Point start = start_.empty() ? random_point(space_, rng_) : start_;
      if (!seen(start)) {
        pending_[start] = Pending{kNoOwner, {}};
        out.push_back(std::move(start));
      }
    }
    while (out.size() < n) {
      auto next = propose();
      if (!next) break;
      out.push_back(std::move(*next));
    }
    return out;
  }

  void tell(const Point& p, const Outcome& o) override {
    if (!space_.contains(p)) throw std::invalid_argument("the ensemble was told a point outside its space");
    if (cache_.contains(p)) return;
    cache_.emplace(p, o);
    const bool new_best = !best_ || better(o, best_->second);
    if (new_best) best_ = {p, o};
    auto it = pending_.find(p);
    if (it == pending_.end()) return;
    const Pending pending = std::move(it->second);
    pending_.erase(it);
    if (pending.owner != kNoOwner) {
      bandit_.record(pending.owner, new_best && o.ok);
      techniques_[pending.owner]->tell(p, o);
    }
    for (std::size_t t : pending.sharers) {
      bandit_.record(t, false);
      techniques_[t]->tell(p, o);
    }
  }

  bool done() const override { return pending_.empty() && cache_.size() >= space_.size(); }

 private:
  struct Pending {
    std::size_t owner = kNoOwner;      // the technique credited for the outcome
    std::vector<std::size_t> sharers;  // techniques that proposed it again while it was pending
  };

  bool seen(const Point& p) const { return cache_.contains(p) || pending_.contains(p); }

  // The next new point, registered as pending; nullopt when every point is evaluated or pending.
  std::optional<Point> propose() {
    if (cache_.size() + pending_.size() >= space_.size()) return std::nullopt;
    for (int attempt = 0; attempt < kRepeatTries; ++attempt) {
      bool proposed = false;
      for (std::size_t t : bandit_.order(rng_)) {
        TechniqueContext ctx{space_, rng_, best_ ? &best_->first : nullptr};
        auto p = techniques_[t]->propose(ctx);
        if (!p) {
          bandit_.record(t, false);  // OpenTuner's "no desired result": a use without credit
          continue;
        }
        proposed = true;
        if (auto c = cache_.find(*p); c != cache_.end()) {
          bandit_.record(t, false);
          techniques_[t]->tell(*p, c->second);
        } else if (auto q = pending_.find(*p); q != pending_.end()) {
          q->second.sharers.push_back(t);
        } else {
          pending_[*p] = Pending{t, {}};
          return p;
        }
        break;  // a repeat: ask the bandit again
      }
      if (!proposed) break;
    }
    auto p = random_free_point(space_, rng_, [&](const Point& q) { return seen(q); }, cache_.size() + pending_.size());
    if (p) pending_[*p] = Pending{kNoOwner, {}};
    return p;
  }

  Space space_;
  Rng rng_;
  Point start_;
  bool started_ = false;
  AucBandit bandit_;
  std::vector<std::unique_ptr<Technique>> techniques_;
  std::map<Point, Outcome> cache_;
  std::map<Point, Pending> pending_;
  std::optional<std::pair<Point, Outcome>> best_;
};

}  // namespace

std::unique_ptr<Optimizer> make_ensemble(const Space& space, std::uint64_t seed, EnsembleOptions options) {
  return std::make_unique<Ensemble>(space, seed, std::move(options));
}

}  // namespace mage::search
