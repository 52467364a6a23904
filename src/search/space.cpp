#include "search/space.hpp"

#include <limits>
#include <stdexcept>

#include <fmt/format.h>

namespace mage::search {

std::size_t Space::size() const {
  std::size_t n = 1;
  for (const auto& p : params) {
    if (p.options.empty()) return 0;
    if (__builtin_mul_overflow(n, p.options.size(), &n)) return std::numeric_limits<std::size_t>::max();
  }
  return n;
}

bool Space::contains(const Point& p) const {
  if (p.size() != params.size()) return false;
  for (std::size_t i = 0; i < p.size(); ++i)
    if (p[i] < 0 || static_cast<std::size_t>(p[i]) >= params[i].options.size()) return false;
  return true;
}

std::string Space::describe(const Point& p) const {
  std::string out;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (!out.empty()) out += ' ';
    const bool known = i < params.size() && p[i] >= 0 && static_cast<std::size_t>(p[i]) < params[i].options.size();
    const std::string name = i < params.size() ? params[i].name : fmt::format("#{}", i);
    out += known ? fmt::format("{}={}", name, params[i].options[static_cast<std::size_t>(p[i])])
                 : fmt::format("{}=?{}", name, p[i]);
  }
  return out;
}

void validate_space(const Space& space) {
  for (const auto& p : space.params)
    if (p.options.empty()) throw std::invalid_argument(fmt::format("search parameter `{}` has no options", p.name));
}

bool better(const Outcome& a, const Outcome& b) {
  if (a.ok != b.ok) return a.ok;
  return a.ok && a.score > b.score;
}

}  // namespace mage::search
