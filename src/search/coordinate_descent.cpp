// AutoMap-style constrained coordinate descent. From the start point, each phase sweeps its parameters
// in order; for one parameter every other option is tried at once (one batch, evaluated in parallel),
// each candidate repaired after the change, and the best candidate is kept only if it succeeds and beats
// the current best by more than the noise margin (any success beats a failed best). Rounds over all phases
// repeat until one brings no improvement. No randomness: ties go to the lower option index.
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "search/optimizer.hpp"

namespace mage::search {

namespace {

class CoordinateDescent final : public Optimizer {
 public:
  CoordinateDescent(const Space& space, CcdOptions options) : space_(space), options_(std::move(options)) {
    validate_space(space_);
    best_ = options_.start.empty() ? Point(space_.params.size(), 0) : options_.start;
    if (!space_.contains(best_)) throw std::invalid_argument("the coordinate descent start point is outside the space");
    if (options_.sweeps.empty()) {
      options_.sweeps.emplace_back();
      for (std::size_t i = 0; i < space_.params.size(); ++i) options_.sweeps.back().push_back(i);
    }
    for (const auto& phase : options_.sweeps)
      for (std::size_t k : phase)
        if (k >= space_.params.size())
          throw std::invalid_argument(
              fmt::format("coordinate descent sweeps parameter {} of {}", k, space_.params.size()));
  }

  std::string_view name() const override { return "ccd"; }

  std::vector<Point> ask(std::size_t n) override {
    std::vector<Point> out;
    if (done_ || n == 0) return out;
    if (!start_asked_) {
      start_asked_ = true;
      if (auto it = cache_.find(best_); it != cache_.end()) {
        best_outcome_ = it->second;
      } else {
        pending_.insert(best_);
        out.push_back(best_);
        return out;
      }
    }
    if (!best_outcome_) return out;  // the start point's outcome comes first
    for (;;) {
      if (!batch_ready_ && !prepare()) {
        done_ = true;
        return out;
      }
      while (out.size() < n && next_ask_ < to_ask_.size()) {
        const Point& c = to_ask_[next_ask_++];
        if (cache_.contains(c)) continue;  // told meanwhile
        pending_.insert(c);
        out.push_back(c);
      }
      if (!resolved()) return out;
      decide();  // everything was cached: move straight on
    }
  }

  void tell(const Point& p, const Outcome& o) override {
    if (!space_.contains(p)) throw std::invalid_argument("coordinate descent was told a point outside its space");
    pending_.erase(p);
    if (!cache_.emplace(p, o).second) return;
    if (!best_outcome_ && p == best_) best_outcome_ = o;
    if (batch_ready_ && resolved()) decide();
  }

  bool done() const override { return done_; }

 private:
  // Every candidate of the current batch has an outcome.
  bool resolved() const { return next_ask_ == to_ask_.size() && pending_.empty(); }

  // A kept change must succeed and beat the best by the noise margin.
  bool improves(const Outcome& c) const {
    if (!c.ok) return false;
    if (!best_outcome_->ok) return true;
    return c.score > best_outcome_->score + options_.noise * std::abs(best_outcome_->score);
  }

  // Sets up the candidates of the next parameter in sweep order; false when a round ends without an
  // improvement.
  bool prepare() {
    for (;;) {
      if (phase_ == options_.sweeps.size()) {
        if (!round_improved_) return false;
        round_improved_ = false;
        phase_ = pos_ = 0;
      }
      if (pos_ == options_.sweeps[phase_].size()) {
        ++phase_;
        pos_ = 0;
        continue;
      }
      const std::size_t k = options_.sweeps[phase_][pos_++];
      candidates_.clear();
      to_ask_.clear();
      next_ask_ = 0;
      std::set<Point> distinct{best_};
      for (int o = 0; o < static_cast<int>(space_.params[k].options.size()); ++o) {
        if (o == best_[k]) continue;
        Point c = best_;
        c[k] = o;
        if (options_.repair) c = options_.repair(std::move(c), k);
        if (!space_.contains(c))
          throw std::logic_error(fmt::format("coordinate descent repair of parameter `{}` left the space",
                                             space_.params[k].name));
        if (!distinct.insert(c).second) continue;
        if (!cache_.contains(c)) to_ask_.push_back(c);
        candidates_.push_back(std::move(c));
      }
      batch_ready_ = true;
      return true;
    }
  }

  // Keeps the best candidate of the finished batch if it improves enough.
  void decide() {
    batch_ready_ = false;
    const Point* pick = nullptr;
    const Outcome* pick_outcome = nullptr;
    for (const auto& c : candidates_) {
      const Outcome& o = cache_.at(c);
      if (!pick || better(o, *pick_outcome)) pick = &c, pick_outcome = &o;
    }
    if (pick && improves(*pick_outcome)) {
      best_ = *pick;
      best_outcome_ = *pick_outcome;
      round_improved_ = true;
    }
  }

  Space space_;
  CcdOptions options_;
  std::map<Point, Outcome> cache_;
  std::set<Point> pending_;
  Point best_;
  std::optional<Outcome> best_outcome_;
  bool start_asked_ = false;
  bool done_ = false;
  // Position in the sweeps: the next parameter is sweeps[phase_][pos_].
  std::size_t phase_ = 0, pos_ = 0;
  bool round_improved_ = false;
  // The current parameter's batch.
  bool batch_ready_ = false;
  std::vector<Point> candidates_;  // distinct repaired candidates, in option order
  std::vector<Point> to_ask_;      // those without a cached outcome
  std::size_t next_ask_ = 0;
};

}  // namespace

std::unique_ptr<Optimizer> make_coordinate_descent(const Space& space, CcdOptions options) {
  return std::make_unique<CoordinateDescent>(space, std::move(options));
}

}  // namespace mage::search
