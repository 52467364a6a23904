#include "search/sampling.hpp"

#include <limits>

namespace mage::search {

namespace {

// Rejection tries before falling back to enumerating the free points.
constexpr int kSampleTries = 64;
// Spaces up to this size may be enumerated; larger ones are practically never mostly taken.
constexpr std::size_t kMaxEnumerated = std::size_t{1} << 24;

// Advances `p` to the next point in lexicographic order (last parameter fastest); false after the last.
bool next_point(const Space& space, Point& p) {
  for (std::size_t i = p.size(); i-- > 0;) {
    if (static_cast<std::size_t>(++p[i]) < space.params[i].options.size()) return true;
    p[i] = 0;
  }
  return false;
}

}  // namespace

std::size_t uniform_index(Rng& rng, std::size_t n) {
  if (n <= 1) return 0;
  const std::uint64_t range = n;
  // The largest multiple of `range` the generator covers; draws at or above it would bias small values.
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t limit = kMax - kMax % range;
  std::uint64_t x = rng();
  while (x >= limit) x = rng();
  return static_cast<std::size_t>(x % range);
}

double uniform_real(Rng& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

bool bernoulli(Rng& rng, double p) { return uniform_real(rng) < p; }

double standard_normal(Rng& rng) {
  double sum = 0;
  for (int i = 0; i < 12; ++i) sum += uniform_real(rng);
  return sum - 6.0;
}

Point random_point(const Space& space, Rng& rng) {
  Point p(space.params.size());
  for (std::size_t i = 0; i < p.size(); ++i)
    p[i] = static_cast<int>(uniform_index(rng, space.params[i].options.size()));
  return p;
}

std::optional<Point> random_free_point(const Space& space, Rng& rng, const std::function<bool(const Point&)>& taken,
                                       std::size_t taken_count) {
  const std::size_t size = space.size();
  if (size == 0 || taken_count >= size) return std::nullopt;
  for (int i = 0; i < kSampleTries; ++i) {
    Point p = random_point(space, rng);
    if (!taken(p)) return p;
  }
  if (size > kMaxEnumerated) {
    // Unreachable in practice: 64 misses in a row need nearly all of a huge space to be taken.
    for (;;) {
      Point p = random_point(space, rng);
      if (!taken(p)) return p;
    }
  }
  // Pick the k-th free point in lexicographic order; the count is recomputed rather than trusted.
  std::size_t free = 0;
  Point p(space.params.size(), 0);
  do free += taken(p) ? 0 : 1;
  while (next_point(space, p));
  if (free == 0) return std::nullopt;
  std::size_t k = uniform_index(rng, free);
  p.assign(space.params.size(), 0);
  do {
    if (!taken(p) && k-- == 0) return p;
  } while (next_point(space, p));
  return std::nullopt;
}

}  // namespace mage::search
