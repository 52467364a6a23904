// Random numbers for the optimizers, reproducible bit for bit. The generator is std::mt19937_64, whose
// output the standard fixes; the distributions are written here because the standard library's
// (uniform_int_distribution, normal_distribution, shuffle) differ between implementations, and a run
// must replay identically wherever it resumes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "search/space.hpp"

namespace mage::search {

using Rng = std::mt19937_64;

// Uniform in [0, n); n >= 1. Rejection sampling, so no modulo bias.
std::size_t uniform_index(Rng& rng, std::size_t n);
// Uniform in [0, 1) with 53 random bits.
double uniform_real(Rng& rng);
// True with probability p.
bool bernoulli(Rng& rng, double p);
// Approximately standard normal: the sum of 12 uniforms minus 6 (Irwin-Hall), so only exact arithmetic is
// involved (no libm functions whose last bit could vary) and values stay within [-6, 6].
double standard_normal(Rng& rng);

// Fisher-Yates with uniform_index.
template <typename T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[uniform_index(rng, i)]);
}

// A uniformly random point of the space.
Point random_point(const Space& space, Rng& rng);

// A uniformly random point for which `taken` is false, or nullopt when every point is taken. `taken_count`
// is how many points of the space are taken; when they are most of a small space, the free points are
// enumerated instead of sampled, so the search ends.
std::optional<Point> random_free_point(const Space& space, Rng& rng, const std::function<bool(const Point&)>& taken,
                                       std::size_t taken_count);

}  // namespace mage::search
