// The plain-data half of the Legion adapter: everything it computes that does not need Legion's
// headers, so that it is tested without Legion. The adapter (src/legion/) only translates between
// these types and Legion's handles.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "mapping/machine_desc.hpp"
#include "mapping/policy.hpp"

namespace mage::mapping {

// What one node (Legion address space) of a real machine holds.
struct NodeInventory {
  std::map<ProcKind, std::int64_t> procs;
  std::set<MemKind> memories;  // kinds with at least one memory of non-zero capacity
};

// The MachineDesc a policy is compiled against. MachineDesc describes identical nodes, so an uneven
// machine is reduced to what every node has (fewest processors per kind, memories all nodes share);
// `note` then says what was left out.
MachineDesc machine_from_inventory(std::span<const NodeInventory> nodes, std::string* note = nullptr);

// A point of a rectangular launch domain given by its inclusive bounds, as the policy sees it:
// coordinates relative to the low corner, extents per dimension. Nullopt if the point is outside.
struct LaunchPoint {
  Coords ipoint;
  Extents ispace;
};
std::optional<LaunchPoint> launch_point(std::span<const std::int64_t> lo, std::span<const std::int64_t> hi,
                                        std::span<const std::int64_t> point);

// Dimension order of an instance, fastest first: index dimensions 0..dims-1 and the field dimension
// (kFieldDimension). F_order puts dimension 0 first, C_order the last one; SOA puts the field
// dimension last (each field contiguous), AOS first (fields of one element together).
inline constexpr int kFieldDimension = -1;
std::vector<int> dimension_order(const LayoutSpec& spec, int dims);

// Instance sharing: arguments of one task that the program puts in the same memory with the same layout,
// from one region tree, share one instance (applications read such arguments through one accessor).
// `eligible` is false for arguments that never share (reductions, no access, VIRTUAL, `Exact`).
struct InstanceArg {
  bool eligible = false;
  std::uint64_t tree = 0;
  MemKind memory = MemKind::SYSMEM;
  LayoutSpec layout;
};
// Groups of two or more arguments that share an instance, each in argument order.
std::vector<std::vector<std::size_t>> shared_instance_groups(std::span<const InstanceArg> args);

// The first entry of `chains[0]` that every other chain also holds: with each chain a region's ancestry,
// nearest first, the nearest region that holds them all.
template <class Region>
std::optional<Region> nearest_common_ancestor(std::span<const std::vector<Region>> chains) {
  if (chains.empty()) return std::nullopt;
  for (const Region& candidate : chains.front()) {
    bool everywhere = true;
    for (std::size_t c = 1; c < chains.size() && everywhere; ++c)
      everywhere = std::find(chains[c].begin(), chains[c].end(), candidate) != chains[c].end();
    if (everywhere) return candidate;
  }
  return std::nullopt;
}

// `Align OP N` as a comparison Legion's alignment constraint can express.
enum class AlignOp { Eq, Ne, Lt, Le, Gt, Ge };
struct Alignment {
  AlignOp op;
  std::int64_t bytes;
  friend bool operator==(const Alignment&, const Alignment&) = default;
};
std::vector<Alignment> alignments(const LayoutSpec& spec);

// The adapter's settings: `-mapping FILE` and `-mapping-log` on the command line win over the
// environment (MAGE_MAPPING, MAGE_MAPPING_LOG=1). `error` is set for a flag missing its value.
struct AdapterFlags {
  std::string mapping_file;
  bool log = false;
  std::string error;
};
AdapterFlags parse_adapter_flags(std::span<const char* const> argv, const char* env_mapping, const char* env_log);

// "node 0 CPU 3", or "node 0 CPU {1, 2}" for a set on one node, for decision logs.
std::string describe_processors(const ProcessorSet& procs);

}  // namespace mage::mapping
