// Machine spaces: N-dimensional views of the processors of one kind (dsl.md §3, §4).
//
// A base space is 2-D, (nodes, processors per node). Every transformation returns a new space whose
// points name processors of the original one; a space keeps the chain of transformations so that a
// point can be mapped back to its (node, processor) and a processor forward to its coordinates.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "lang/kinds.hpp"

namespace mage::mapping {

using Extents = std::vector<std::int64_t>;
using Coords = std::vector<std::int64_t>;

// Upper bound on the number of dimensions of a space; transformations beyond it are errors.
inline constexpr std::size_t kMaxSpaceDims = 16;

// A processor of the machine: node index and index among the processors of its kind on that node.
struct ProcessorId {
  ProcKind kind = ProcKind::CPU;
  std::int64_t node = 0;
  std::int64_t proc = 0;
  friend bool operator==(const ProcessorId&, const ProcessorId&) = default;
};

// A user error in a transformation: the message names the values, `arg` is the 0-based index of the
// offending argument (or -1 for the receiver) so the interpreter can point at it.
class SpaceError : public std::runtime_error {
 public:
  SpaceError(std::string message, int arg, std::string hint)
      : std::runtime_error(std::move(message)), arg_(arg), hint_(std::move(hint)) {}
  int arg() const { return arg_; }
  const std::string& hint() const { return hint_; }

 private:
  int arg_;
  std::string hint_;
};

class MachineSpace {
 public:
  // The space `Machine(kind)` on a machine with `nodes` nodes and `per_node` processors of the kind.
  static MachineSpace base(ProcKind kind, std::int64_t nodes, std::int64_t per_node);

  ProcKind kind() const;
  const Extents& size() const;
  std::size_t dims() const { return size().size(); }
  std::int64_t volume() const;

  // dsl.md §4. Each throws SpaceError on invalid arguments.
  MachineSpace split(std::int64_t d, std::int64_t f) const;
  MachineSpace merge(std::int64_t d1, std::int64_t d2) const;
  MachineSpace swap(std::int64_t d1, std::int64_t d2) const;
  MachineSpace slice(std::int64_t d, std::int64_t lo, std::int64_t hi) const;
  MachineSpace reverse(std::int64_t d) const;
  MachineSpace balance_split(std::int64_t d, std::int64_t n) const;
  MachineSpace auto_split(std::int64_t d, const Extents& iteration) const;
  MachineSpace greedy_split(std::int64_t d, const Extents& iteration) const;

  // True if every coordinate is within the extents (and the point has dims() components).
  bool contains(std::span<const std::int64_t> point) const;
  // The processor a point names. Precondition: contains(point).
  ProcessorId processor_at(std::span<const std::int64_t> point) const;
  // Coordinates of a processor in this space; nullopt if the processor is not in it (other kind, or
  // removed by a slice).
  std::optional<Coords> coords_of(const ProcessorId& p) const;

  // Structural identity (same base and same chain of transformations).
  friend bool operator==(const MachineSpace& a, const MachineSpace& b);
  // Object identity: copies of one space share it. Lets callers memoise transformations of a space.
  const void* identity() const { return chain_.get(); }

 private:
  struct Chain;
  explicit MachineSpace(std::shared_ptr<const Chain> chain) : chain_(std::move(chain)) {}
  std::shared_ptr<const Chain> chain_;
};

// Pure factorization helpers behind balance_split / auto_split / greedy_split (dsl.md §4).
// Each returns extents whose product is n. They throw SpaceError (arg 1) on invalid input.

// n into k factors (k = 2 or 3), as equal as possible, non-increasing: minimise max - min, ties broken
// by the lexicographically largest tuple.
Extents balance_factors(std::int64_t n, std::int64_t k);
// Greedy: prime factors of n, largest first, each multiplied into the dimension whose
// iteration[i] / extent[i] is largest (the first on ties).
Extents greedy_factors(std::int64_t n, const Extents& iteration);
// Exhaustive: minimise sum_{i<j} (L[i]/O[i]) * (L[j]/O[j]). Ties: the greedy answer if optimal, else
// the first optimum in enumeration order (lexicographic, first extent ascending, then the second, ...).
Extents auto_factors(std::int64_t n, const Extents& iteration);

}  // namespace mage::mapping
