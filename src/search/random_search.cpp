// Random search: uniform points, never one already asked or told, until the space is exhausted.
#include <set>
#include <stdexcept>

#include "search/optimizer.hpp"
#include "search/sampling.hpp"

namespace mage::search {

namespace {

class RandomSearch final : public Optimizer {
 public:
  RandomSearch(const Space& space, std::uint64_t seed) : space_(space), rng_(seed) { validate_space(space_); }

  std::string_view name() const override { return "random"; }

  std::vector<Point> ask(std::size_t n) override {
    std::vector<Point> out;
    auto taken = [&](const Point& p) { return seen_.contains(p); };
    while (out.size() < n) {
      auto p = random_free_point(space_, rng_, taken, seen_.size());
      if (!p) break;
      seen_.insert(*p);
      pending_.insert(*p);
      out.push_back(std::move(*p));
    }
    return out;
  }

  void tell(const Point& p, const Outcome&) override {
    if (!space_.contains(p)) throw std::invalid_argument("random search told a point outside its space");
    pending_.erase(p);
    seen_.insert(p);
  }

  bool done() const override { return pending_.empty() && seen_.size() >= space_.size(); }

 private:
  Space space_;
  Rng rng_;
  std::set<Point> seen_;     // asked or told
  std::set<Point> pending_;  // asked, not yet told
};

}  // namespace

std::unique_ptr<Optimizer> make_random(const Space& space, std::uint64_t seed) {
  return std::make_unique<RandomSearch>(space, seed);
}

}  // namespace mage::search
