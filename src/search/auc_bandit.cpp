#include "search/auc_bandit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace mage::search {

AucBandit::AucBandit(std::size_t arms, std::size_t window, double exploration)
    : arms_(arms), window_(std::max<std::size_t>(window, 1)), exploration_(exploration) {
  if (arms == 0) throw std::invalid_argument("a bandit needs at least one arm");
}

std::size_t AucBandit::uses(std::size_t arm) const {
  return static_cast<std::size_t>(
      std::count_if(history_.begin(), history_.end(), [&](const auto& h) { return h.first == arm; }));
}

double AucBandit::auc(std::size_t arm) const {
  double found = 0, weighted = 0;
  for (const auto& [a, credit] : history_) {
    if (a != arm) continue;
    found += 1;
    if (credit) weighted += found;
  }
  return found > 0 ? weighted * 2.0 / (found * (found + 1.0)) : 0.0;
}

double AucBandit::score(std::size_t arm) const {
  const std::size_t n = uses(arm);
  if (n == 0) return std::numeric_limits<double>::infinity();
  const double total = static_cast<double>(history_.size());
  return auc(arm) + exploration_ * std::sqrt(2.0 * std::log2(total) / static_cast<double>(n));
}

std::vector<std::size_t> AucBandit::order(Rng& rng) const {
  std::vector<std::size_t> arms(arms_);
  for (std::size_t i = 0; i < arms_; ++i) arms[i] = i;
  shuffle(arms, rng);  // breaks ties at random, as OpenTuner does
  std::vector<double> scores(arms_);
  for (std::size_t i = 0; i < arms_; ++i) scores[i] = score(i);
  std::stable_sort(arms.begin(), arms.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  return arms;
}

void AucBandit::record(std::size_t arm, bool credit) {
  if (arm >= arms_) throw std::out_of_range("bandit arm out of range");
  history_.emplace_back(arm, credit);
  if (history_.size() > window_) history_.pop_front();
}

}  // namespace mage::search
