#include "sim/region_state.hpp"

namespace mage::sim {

FieldState::FieldState(std::int64_t elements) {
  if (elements > 0) stretches_.emplace(0, Stretch{elements, {}});
}

void FieldState::split_at(std::int64_t x) {
  auto it = stretches_.upper_bound(x);
  if (it == stretches_.begin()) return;
  --it;
  if (it->first == x || it->second.hi <= x) return;
  Stretch right{it->second.hi, it->second.state};
  it->second.hi = x;
  stretches_.emplace(x, std::move(right));
}

void FieldState::for_each(const model::IntervalSet& set,
                          const std::function<void(std::int64_t, std::int64_t, DataState&)>& f) {
  for (const auto& iv : set.intervals()) {
    split_at(iv.lo);
    split_at(iv.hi);
    for (auto it = stretches_.lower_bound(iv.lo); it != stretches_.end() && it->first < iv.hi; ++it)
      f(it->first, it->second.hi, it->second.state);
  }
}

}  // namespace mage::sim
