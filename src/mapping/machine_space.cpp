// Machine spaces (dsl.md §4). A space is its base plus a vector of op records; processor_at walks the
// ops backwards (this space -> base) and coords_of forwards, both in a fixed-size scratch array.
#include "mapping/machine_space.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <numeric>
#include <utility>

namespace mage::mapping {

namespace {

using u64 = std::uint64_t;
__extension__ typedef unsigned __int128 u128;  // __extension__: -Wpedantic
using Scratch = std::array<std::int64_t, kMaxSpaceDims>;

[[noreturn]] void fail(int arg, std::string message, std::string hint) {
  throw SpaceError(std::move(message), arg, std::move(hint));
}

std::int64_t checked_mul(std::int64_t a, std::int64_t b, int arg) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r))
    fail(arg, fmt::format("{} x {} does not fit in a 64-bit integer", a, b),
         "Use a smaller machine or smaller extents.");
  return r;
}

std::int64_t product(const Extents& e, int arg) {
  std::int64_t p = 1;
  for (std::int64_t x : e) p = checked_mul(p, x, arg);
  return p;
}

std::size_t checked_dim(std::int64_t d, std::size_t dims, int arg) {
  if (d < 0 || static_cast<std::size_t>(d) >= dims)
    fail(arg,
         fmt::format("dimension {} is outside the space, which has {} dimension{} (0..{})", d, dims,
                     dims == 1 ? "" : "s", dims - 1),
         fmt::format("Use a dimension from 0 to {}.", dims - 1));
  return static_cast<std::size_t>(d);
}

void check_room(std::size_t result_dims, int arg) {
  if (result_dims > kMaxSpaceDims)
    fail(arg,
         fmt::format("the result would have {} dimensions; a space has at most {}", result_dims,
                     kMaxSpaceDims),
         "Merge or slice away dimensions before splitting further.");
}

void check_iteration(std::int64_t n, const Extents& iteration) {
  if (n < 1)
    fail(1, fmt::format("cannot factor {}: the extent must be at least 1", n), "Factor a positive extent.");
  if (iteration.empty())
    fail(1, "the iteration extents are empty",
         "Pass at least one extent, such as the launch domain task.ispace.");
  if (iteration.size() > kMaxSpaceDims)
    fail(1,
         fmt::format("the iteration space has {} dimensions; at most {} are supported", iteration.size(),
                     kMaxSpaceDims),
         "Merge iteration dimensions first.");
  for (std::size_t i = 0; i < iteration.size(); ++i)
    if (iteration[i] < 1)
      fail(1, fmt::format("iteration extent {} (position {}) must be positive", iteration[i], i),
           "Use iteration extents of at least 1.");
}

// ---- Prime factorization: trial division for small primes, Pollard's rho beyond, so that any 64-bit
// extent factors quickly.

u64 mul_mod(u64 a, u64 b, u64 m) { return static_cast<u64>(static_cast<u128>(a) * b % m); }

u64 pow_mod(u64 b, u64 e, u64 m) {
  u64 r = 1;
  for (b %= m; e > 0; e >>= 1, b = mul_mod(b, b, m))
    if (e & 1) r = mul_mod(r, b, m);
  return r;
}

// Miller-Rabin; the first twelve primes as bases make it deterministic below 3.3e24.
bool is_prime(u64 n) {
  constexpr std::array<u64, 12> kBases = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
  if (n < 2) return false;
  for (u64 p : kBases)
    if (n % p == 0) return n == p;
  u64 d = n - 1;
  int s = 0;
  for (; d % 2 == 0; d /= 2) ++s;
  for (u64 a : kBases) {
    u64 x = pow_mod(a, d, n);
    bool witness = x != 1 && x != n - 1;
    for (int r = 1; r < s && witness; ++r) {
      x = mul_mod(x, x, n);
      witness = x != n - 1;
    }
    if (witness) return false;
  }
  return true;
}

// A nontrivial factor of an odd composite n.
u64 pollard_rho(u64 n) {
  for (u64 c = 1;; ++c) {
    auto f = [&](u64 v) { return (mul_mod(v, v, n) + c) % n; };
    u64 x = 2, y = 2, d = 1;
    while (d == 1) {
      x = f(x);
      y = f(f(y));
      d = std::gcd(x > y ? x - y : y - x, n);
    }
    if (d != n) return d;
  }
}

void collect_primes(u64 n, std::vector<u64>& out) {
  if (n == 1) return;
  if (is_prime(n)) {
    out.push_back(n);
    return;
  }
  const u64 d = pollard_rho(n);
  collect_primes(d, out);
  collect_primes(n / d, out);
}

// Prime factors of n >= 1 with multiplicity, ascending.
std::vector<u64> prime_factors(u64 n) {
  std::vector<u64> primes;
  for (u64 p = 2; p < 1000 && p * p <= n; p += (p == 2 ? 1 : 2))
    for (; n % p == 0; n /= p) primes.push_back(p);
  collect_primes(n, primes);
  std::sort(primes.begin(), primes.end());
  return primes;
}

// The divisors of n in mixed radix over its distinct primes: a divisor with exponents e_j has index
// sum_j e_j * stride[j]. When d divides m, index(m / d) = index(m) - index(d), so a search can walk
// divisors without dividing. The last index is n itself.
struct DivisorTable {
  std::vector<u64> prime;           // distinct, ascending
  std::vector<std::uint8_t> power;  // exponent of each prime in n
  std::vector<std::size_t> stride;
  std::vector<u64> value;  // value[index]

  explicit DivisorTable(u64 n) : value{1} {
    const std::vector<u64> primes = prime_factors(n);
    for (std::size_t i = 0; i < primes.size();) {
      std::size_t j = i;
      while (j < primes.size() && primes[j] == primes[i]) ++j;
      prime.push_back(primes[i]);
      power.push_back(static_cast<std::uint8_t>(j - i));
      stride.push_back(value.size());
      const std::size_t lower = value.size();
      u64 prime_power = 1;
      for (std::size_t e = i; e < j; ++e) {
        prime_power *= primes[i];
        for (std::size_t k = 0; k < lower; ++k) value.push_back(value[k] * prime_power);
      }
      i = j;
    }
  }

  std::vector<u64> sorted() const {
    std::vector<u64> s = value;
    std::sort(s.begin(), s.end());
    return s;
  }

  // Number of ordered factorizations of n into k factors, saturated at `cap`: for each prime power p^e,
  // the ways to spread e over k factors, C(e + k - 1, k - 1).
  u64 count_factorizations(std::size_t k, u64 cap) const {
    u128 total = 1;
    for (u64 e : power) {
      u128 ways = 1;
      for (u64 t = 1; t < k; ++t) ways = ways * (e + t) / t;
      total = std::min<u128>(total * std::min<u128>(ways, cap + 1), cap + 1);
    }
    return static_cast<u64>(total);
  }
};

u64 floor_sqrt(u64 n) {
  u64 r = static_cast<u64>(std::sqrt(static_cast<long double>(n)));
  while (static_cast<u128>(r) * r > n) --r;
  while (static_cast<u128>(r + 1) * (r + 1) <= n) ++r;
  return r;
}

u64 floor_cbrt(u64 n) {
  u64 r = static_cast<u64>(std::cbrt(static_cast<long double>(n)));
  auto cube = [](u64 v) { return static_cast<u128>(v) * v * v; };
  while (cube(r) > n) --r;
  while (cube(r + 1) <= n) ++r;
  return r;
}

// ---- Exact auto_split cost. Scaled by n it is an integer: cost * n = sum_{i<j} L_i L_j prod_{k!=i,j} O_k.
// It is built one dimension at a time: with P the product of the extents so far and F the sum over chosen
// i of L_i prod_{k!=i} O_k, adding (O, L) gives E' = E*O + F*L, F' = F*O + P*L, P' = P*O. The accumulator
// is unsigned __int128 when C(k,2) * max(L)^2 * n fits in it, else U256 (the bound is below 2^196).

// Just enough of a 256-bit unsigned integer for that recurrence.
struct U256 {
  std::array<u64, 4> w{};  // least significant first
  U256() = default;
  explicit U256(u64 v) : w{v, 0, 0, 0} {}
  U256 operator*(u64 m) const {
    U256 r;
    u128 carry = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      const u128 t = static_cast<u128>(w[i]) * m + carry;
      r.w[i] = static_cast<u64>(t);
      carry = t >> 64;
    }
    return r;
  }
  U256 operator+(const U256& o) const {
    U256 r;
    u128 carry = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      const u128 t = static_cast<u128>(w[i]) + o.w[i] + carry;
      r.w[i] = static_cast<u64>(t);
      carry = t >> 64;
    }
    return r;
  }
  friend bool operator==(const U256&, const U256&) = default;
  friend bool operator<(const U256& a, const U256& b) {
    for (std::size_t i = 4; i-- > 0;)
      if (a.w[i] != b.w[i]) return a.w[i] < b.w[i];
    return false;
  }
};

template <class Acc>
struct CostState {
  Acc e{0}, f{0};
  u64 p = 1;
  CostState next(u64 o, u64 l) const { return {e * o + f * l, f * o + Acc(p) * l, p * o}; }
  Acc total(u64 o, u64 l) const { return e * o + f * l; }
};

// Exhaustive search over the ordered factorizations of n into len(L) extents. Divisors are walked in mixed
// radix order for speed; among equal costs the lexicographically smallest extents win (first extent
// ascending, then the second, ...), i.e. the first optimum of a lexicographic enumeration.
template <class Acc>
class AutoSearch {
 public:
  AutoSearch(const DivisorTable& table, const std::vector<u64>& iteration) : table_(table), l_(iteration) {}

  // `bound` is the cost of a known candidate (the greedy answer): only candidates at most as costly are kept.
  void run(const Acc& bound) {
    best_cost_ = bound;
    Exponents all{};
    std::copy(table_.power.begin(), table_.power.end(), all.begin());
    visit(0, table_.value.size() - 1, all, CostState<Acc>{});
  }
  const Acc& best_cost() const { return best_cost_; }
  Extents best() const {
    return Extents(best_.begin(), best_.begin() + static_cast<std::ptrdiff_t>(l_.size()));
  }

 private:
  // A 64-bit number has at most 15 distinct prime factors.
  using Exponents = std::array<std::uint8_t, 16>;

  // Chooses extent i (not the last) among the divisors of the divisor with index `rest`, whose exponents
  // are `rest_exp`; the last extent is whatever remains.
  void visit(std::size_t i, std::size_t rest, const Exponents& rest_exp, const CostState<Acc>& s) {
    // Each remaining extent is at most `rest`, so the pairs already chosen and the pairs between chosen and
    // remaining dimensions cost at least E * rest + F * sum_{j>=i} L_j (scaled by n).
    Acc least = s.e * table_.value[rest];
    for (std::size_t j = i; j < l_.size(); ++j) least = least + s.f * l_[j];
    if (best_cost_ < least) return;
    const bool last_choice = i + 2 == l_.size();
    const std::size_t r = table_.prime.size();
    Exponents e{}, child{};
    std::size_t d = 0;
    for (;;) {
      cur_[i] = static_cast<std::int64_t>(table_.value[d]);
      if (last_choice) {
        cur_[i + 1] = static_cast<std::int64_t>(table_.value[rest - d]);
        record(s.next(table_.value[d], l_[i]).total(table_.value[rest - d], l_[i + 1]));
      } else {
        for (std::size_t j = 0; j < r; ++j) child[j] = static_cast<std::uint8_t>(rest_exp[j] - e[j]);
        visit(i + 1, rest - d, child, s.next(table_.value[d], l_[i]));
      }
      std::size_t j = 0;  // odometer step over the exponents e <= rest_exp
      for (; j < r && e[j] == rest_exp[j]; ++j) {
        d -= e[j] * table_.stride[j];
        e[j] = 0;
      }
      if (j == r) return;
      ++e[j];
      d += table_.stride[j];
    }
  }

  void record(const Acc& cost) {
    const auto k = static_cast<std::ptrdiff_t>(l_.size());
    if (best_cost_ < cost ||
        (found_ && cost == best_cost_ &&
         !std::lexicographical_compare(cur_.begin(), cur_.begin() + k, best_.begin(), best_.begin() + k)))
      return;
    found_ = true;
    best_cost_ = cost;
    best_ = cur_;
  }

  const DivisorTable& table_;
  const std::vector<u64>& l_;
  Scratch cur_{}, best_{};
  Acc best_cost_{0};
  bool found_ = false;
};

template <class Acc>
Extents auto_search(const DivisorTable& table, const std::vector<u64>& l, const Extents& greedy) {
  CostState<Acc> g;
  for (std::size_t i = 0; i < l.size(); ++i) g = g.next(static_cast<u64>(greedy[i]), l[i]);
  AutoSearch<Acc> search(table, l);
  search.run(g.e);
  return g.e == search.best_cost() ? greedy : search.best();
}

// Beyond this many candidate factorizations auto_factors returns the greedy answer instead of searching,
// so that no input can stall the interpreter (n <= 1e6 with 4 extents stays far below it).
constexpr u64 kMaxAutoCandidates = u64{1} << 20;

}  // namespace

// ---- The chain of transformations.

struct MachineSpace::Chain {
  enum class Kind : std::uint8_t { Split, Merge, Swap, Slice, Reverse };

  // One transformation, stored as what it does to coordinates. split, balance_split, auto_split and
  // greedy_split all become a Split with their resolved extents, so equal op chains mean equal maps.
  // Unused fields stay zero so that the defaulted == compares only what matters.
  struct Op {
    Kind kind = Kind::Split;
    std::uint8_t in_dims = 0;  // dimensions of the space the op applies to
    std::uint8_t d1 = 0;       // split, slice, reverse: the dimension; merge: the slower one; swap: the lower
    std::uint8_t d2 = 0;       // merge: the faster dimension; swap: the higher
    std::uint8_t pos = 0;      // merge: position of the merged dimension in the result
    std::uint8_t parts = 0;    // split: number of new dimensions
    std::int64_t lo = 0;       // slice: first kept index
    std::int64_t hi = 0;       // slice: last kept index
    std::int64_t extent = 0;   // merge: s[d2]; reverse: s[d1]
    Scratch factors{};         // split: the new extents, first fastest
    friend bool operator==(const Op&, const Op&) = default;
  };

  ProcKind kind = ProcKind::CPU;
  std::int64_t nodes = 0;
  std::int64_t per_node = 0;
  std::vector<Op> ops;
  Extents size;
  std::int64_t volume = 0;

  std::shared_ptr<const Chain> then(Op op, Extents next_size) const {
    auto next = std::make_shared<Chain>(*this);
    op.in_dims = static_cast<std::uint8_t>(size.size());
    next->ops.push_back(op);
    next->size = std::move(next_size);
    next->volume = product(next->size, -1);
    return next;
  }

  std::shared_ptr<const Chain> split(std::size_t d, const Extents& parts) const {
    Op op{.kind = Kind::Split,
          .d1 = static_cast<std::uint8_t>(d),
          .parts = static_cast<std::uint8_t>(parts.size())};
    std::copy(parts.begin(), parts.end(), op.factors.begin());
    Extents next(size.begin(), size.begin() + static_cast<std::ptrdiff_t>(d));
    next.insert(next.end(), parts.begin(), parts.end());
    next.insert(next.end(), size.begin() + static_cast<std::ptrdiff_t>(d) + 1, size.end());
    return then(op, std::move(next));
  }
};

MachineSpace MachineSpace::base(ProcKind kind, std::int64_t nodes, std::int64_t per_node) {
  if (nodes < 1 || per_node < 1)
    fail(
        -1,
        fmt::format("Machine({}) needs at least one node and one processor per node, got {} x {}",
                    to_string(kind), nodes, per_node),
        fmt::format("Describe a machine that has at least one {} processor on every node.", to_string(kind)));
  auto chain = std::make_shared<Chain>();
  chain->kind = kind;
  chain->nodes = nodes;
  chain->per_node = per_node;
  chain->size = {nodes, per_node};
  chain->volume = checked_mul(nodes, per_node, -1);
  return MachineSpace(std::move(chain));
}

ProcKind MachineSpace::kind() const { return chain_->kind; }
const Extents& MachineSpace::size() const { return chain_->size; }
std::int64_t MachineSpace::volume() const { return chain_->volume; }

MachineSpace MachineSpace::split(std::int64_t d, std::int64_t f) const {
  const Extents& s = size();
  const std::size_t dd = checked_dim(d, s.size(), 0);
  if (f < 1) fail(1, fmt::format("split factor {} must be at least 1", f), "Use a positive factor.");
  if (s[dd] % f != 0)
    fail(1, fmt::format("split factor {} does not divide extent {} of dimension {}", f, s[dd], d),
         fmt::format("Use a factor that divides {}.", s[dd]));
  check_room(s.size() + 1, -1);
  return MachineSpace(chain_->split(dd, {f, s[dd] / f}));
}

MachineSpace MachineSpace::merge(std::int64_t d1, std::int64_t d2) const {
  const Extents& s = size();
  const std::size_t a = checked_dim(d1, s.size(), 0);
  const std::size_t b = checked_dim(d2, s.size(), 1);
  if (a == b)
    fail(1, fmt::format("merge needs two different dimensions, got {} twice", d1),
         "Name two different dimensions.");
  // The merged dimension sits where d1 lands once d2 is removed.
  const std::size_t pos = a < b ? a : a - 1;
  Extents next;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == b) continue;
    next.push_back(i == a ? checked_mul(s[a], s[b], -1) : s[i]);
  }
  Chain::Op op{.kind = Chain::Kind::Merge,
               .d1 = static_cast<std::uint8_t>(a),
               .d2 = static_cast<std::uint8_t>(b),
               .pos = static_cast<std::uint8_t>(pos),
               .extent = s[b]};
  return MachineSpace(chain_->then(op, std::move(next)));
}

MachineSpace MachineSpace::swap(std::int64_t d1, std::int64_t d2) const {
  const Extents& s = size();
  const std::size_t a = checked_dim(d1, s.size(), 0);
  const std::size_t b = checked_dim(d2, s.size(), 1);
  Extents next = s;
  std::swap(next[a], next[b]);
  // swap(a, b) and swap(b, a) are the same op.
  Chain::Op op{.kind = Chain::Kind::Swap,
               .d1 = static_cast<std::uint8_t>(std::min(a, b)),
               .d2 = static_cast<std::uint8_t>(std::max(a, b))};
  return MachineSpace(chain_->then(op, std::move(next)));
}

MachineSpace MachineSpace::slice(std::int64_t d, std::int64_t lo, std::int64_t hi) const {
  const Extents& s = size();
  const std::size_t dd = checked_dim(d, s.size(), 0);
  const std::int64_t last = s[dd] - 1;
  if (lo < 0 || lo > last)
    fail(1,
         fmt::format("slice start {} is outside dimension {}, which has extent {} (0..{})", lo, d, s[dd],
                     last),
         fmt::format("Use a start from 0 to {}.", last));
  if (hi < 0 || hi > last)
    fail(2,
         fmt::format("slice end {} is outside dimension {}, which has extent {} (0..{})", hi, d, s[dd], last),
         fmt::format("Use an end from 0 to {}; the range lo..hi is inclusive.", last));
  if (hi < lo)
    fail(2, fmt::format("slice end {} is before its start {}", hi, lo),
         "Use an end at or after the start; the range lo..hi is inclusive.");
  Extents next = s;
  next[dd] = hi - lo + 1;
  Chain::Op op{.kind = Chain::Kind::Slice, .d1 = static_cast<std::uint8_t>(dd), .lo = lo, .hi = hi};
  return MachineSpace(chain_->then(op, std::move(next)));
}

MachineSpace MachineSpace::reverse(std::int64_t d) const {
  const std::size_t dd = checked_dim(d, dims(), 0);
  Chain::Op op{.kind = Chain::Kind::Reverse, .d1 = static_cast<std::uint8_t>(dd), .extent = size()[dd]};
  return MachineSpace(chain_->then(op, size()));
}

MachineSpace MachineSpace::balance_split(std::int64_t d, std::int64_t n) const {
  const std::size_t dd = checked_dim(d, dims(), 0);
  const Extents parts = balance_factors(size()[dd], n);
  check_room(dims() - 1 + parts.size(), 1);
  return MachineSpace(chain_->split(dd, parts));
}

MachineSpace MachineSpace::auto_split(std::int64_t d, const Extents& iteration) const {
  const std::size_t dd = checked_dim(d, dims(), 0);
  check_room(dims() - 1 + iteration.size(), 1);
  return MachineSpace(chain_->split(dd, auto_factors(size()[dd], iteration)));
}

MachineSpace MachineSpace::greedy_split(std::int64_t d, const Extents& iteration) const {
  const std::size_t dd = checked_dim(d, dims(), 0);
  check_room(dims() - 1 + iteration.size(), 1);
  return MachineSpace(chain_->split(dd, greedy_factors(size()[dd], iteration)));
}

bool MachineSpace::contains(std::span<const std::int64_t> point) const {
  const Extents& s = size();
  if (point.size() != s.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (point[i] < 0 || point[i] >= s[i]) return false;
  return true;
}

ProcessorId MachineSpace::processor_at(std::span<const std::int64_t> point) const {
  assert(contains(point));
  Scratch c;
  std::copy(point.begin(), point.end(), c.begin());
  for (auto it = chain_->ops.rbegin(); it != chain_->ops.rend(); ++it) {
    const Chain::Op& op = *it;
    switch (op.kind) {
      case Chain::Kind::Split: {
        // The parts of the old index, first fastest: old = i0 + i1*e0 + i2*e0*e1 + ...
        std::int64_t old = 0, stride = 1;
        for (std::size_t k = 0; k < op.parts; ++k) {
          old += c[op.d1 + k] * stride;
          stride *= op.factors[k];
        }
        c[op.d1] = old;
        std::copy(c.begin() + op.d1 + op.parts, c.begin() + op.in_dims + op.parts - 1, c.begin() + op.d1 + 1);
        break;
      }
      case Chain::Kind::Merge: {
        // The result holds the old coordinates without d2, with the merged index where d1 was.
        const std::int64_t k = c[op.pos];
        Scratch old;
        for (std::size_t i = 0, j = 0; i < op.in_dims; ++i) {
          if (i == op.d2) {
            old[i] = k % op.extent;
          } else {
            old[i] = i == op.d1 ? k / op.extent : c[j];
            ++j;
          }
        }
        c = old;
        break;
      }
      case Chain::Kind::Swap:
        std::swap(c[op.d1], c[op.d2]);
        break;
      case Chain::Kind::Slice:
        c[op.d1] += op.lo;
        break;
      case Chain::Kind::Reverse:
        c[op.d1] = op.extent - 1 - c[op.d1];
        break;
    }
  }
  return ProcessorId{chain_->kind, c[0], c[1]};
}

std::optional<Coords> MachineSpace::coords_of(const ProcessorId& p) const {
  const Chain& chain = *chain_;
  if (p.kind != chain.kind || p.node < 0 || p.node >= chain.nodes || p.proc < 0 || p.proc >= chain.per_node)
    return std::nullopt;
  Scratch c{p.node, p.proc};
  for (const Chain::Op& op : chain.ops) {
    switch (op.kind) {
      case Chain::Kind::Split: {
        std::int64_t old = c[op.d1];
        std::copy_backward(c.begin() + op.d1 + 1, c.begin() + op.in_dims,
                           c.begin() + op.in_dims + op.parts - 1);
        for (std::size_t k = 0; k < op.parts; ++k) {
          c[op.d1 + k] = old % op.factors[k];
          old /= op.factors[k];
        }
        break;
      }
      case Chain::Kind::Merge: {
        Scratch next;
        for (std::size_t i = 0, j = 0; i < op.in_dims; ++i) {
          if (i == op.d2) continue;
          next[j++] = i == op.d1 ? c[op.d1] * op.extent + c[op.d2] : c[i];
        }
        c = next;
        break;
      }
      case Chain::Kind::Swap:
        std::swap(c[op.d1], c[op.d2]);
        break;
      case Chain::Kind::Slice:
        if (c[op.d1] < op.lo || c[op.d1] > op.hi) return std::nullopt;
        c[op.d1] -= op.lo;
        break;
      case Chain::Kind::Reverse:
        c[op.d1] = op.extent - 1 - c[op.d1];
        break;
    }
  }
  return Coords(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(dims()));
}

bool operator==(const MachineSpace& a, const MachineSpace& b) {
  const MachineSpace::Chain& x = *a.chain_;
  const MachineSpace::Chain& y = *b.chain_;
  return &x == &y || (x.kind == y.kind && x.nodes == y.nodes && x.per_node == y.per_node && x.ops == y.ops);
}

// ---- Factorizations.

Extents balance_factors(std::int64_t n, std::int64_t k) {
  if (k != 2 && k != 3)
    fail(1, fmt::format("balance_split makes 2 or 3 dimensions, not {}", k), "Use 2 or 3.");
  if (n < 1)
    fail(1, fmt::format("cannot factor {}: the extent must be at least 1", n), "Factor a positive extent.");
  const u64 un = static_cast<u64>(n);
  const std::vector<u64> divs = DivisorTable(un).sorted();
  // The largest divisor of m that is at most floor(sqrt(m)) (and at least `least`), or 0 if none.
  auto largest_low_divisor = [&](u64 m, u64 least) -> u64 {
    const u64 root = floor_sqrt(m);
    for (auto it = std::upper_bound(divs.begin(), divs.end(), root); it != divs.begin();) {
      const u64 b = *--it;
      if (b < least) break;
      if (m % b == 0) return b;
    }
    return 0;
  };
  if (k == 2) {
    const u64 b = largest_low_divisor(un, 1);
    return {static_cast<std::int64_t>(un / b), static_cast<std::int64_t>(b)};
  }
  // k = 3, a >= b >= c: for a fixed c the spread a - c is smallest with the largest b <= sqrt(n/c). Walking c
  // downwards and keeping only strict improvements breaks ties toward the larger c, which at an equal spread
  // means the larger a: the lexicographically largest tuple. Since a >= cbrt(n), once cbrt(n) - c exceeds the
  // best spread no smaller c can win.
  const u64 root = floor_cbrt(un);
  Extents best;
  u64 best_spread = 0;
  for (auto it = std::upper_bound(divs.begin(), divs.end(), root); it != divs.begin();) {
    const u64 c = *--it;
    if (!best.empty() && root - c > best_spread) break;
    const u64 m = un / c;
    const u64 b = largest_low_divisor(m, c);
    if (b == 0) continue;
    const u64 a = m / b;
    if (best.empty() || a - c < best_spread) {
      best_spread = a - c;
      best = {static_cast<std::int64_t>(a), static_cast<std::int64_t>(b), static_cast<std::int64_t>(c)};
    }
  }
  return best;
}

Extents greedy_factors(std::int64_t n, const Extents& iteration) {
  check_iteration(n, iteration);
  const std::vector<u64> primes = prime_factors(static_cast<u64>(n));
  Extents o(iteration.size(), 1);
  for (auto p = primes.rbegin(); p != primes.rend(); ++p) {
    // The first dimension with the largest L[i]/o[i]; cross-multiplied, both sides are below 2^126.
    std::size_t best = 0;
    for (std::size_t i = 1; i < o.size(); ++i)
      if (static_cast<u128>(iteration[i]) * static_cast<u64>(o[best]) >
          static_cast<u128>(iteration[best]) * static_cast<u64>(o[i]))
        best = i;
    o[best] *= static_cast<std::int64_t>(*p);
  }
  return o;
}

Extents auto_factors(std::int64_t n, const Extents& iteration) {
  check_iteration(n, iteration);
  Extents greedy = greedy_factors(n, iteration);
  const u64 un = static_cast<u64>(n);
  const std::size_t k = iteration.size();
  const DivisorTable table(un);
  if (k == 1 || table.count_factorizations(k, kMaxAutoCandidates) > kMaxAutoCandidates) return greedy;
  const std::vector<u64> l(iteration.begin(), iteration.end());
  const u64 lmax = *std::max_element(l.begin(), l.end());
  u128 bound = 0;
  const bool narrow = !__builtin_mul_overflow(static_cast<u128>(k * (k - 1) / 2), lmax, &bound) &&
                      !__builtin_mul_overflow(bound, lmax, &bound) &&
                      !__builtin_mul_overflow(bound, un, &bound);
  return narrow ? auto_search<u128>(table, l, greedy) : auto_search<U256>(table, l, greedy);
}

}  // namespace mage::mapping
