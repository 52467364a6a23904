// The machine as the mapping layer sees it: nodes, processors per kind, memory kinds, and which
// memory kinds each processor kind can address. The simulator's full machine model (bandwidths,
// capacities, channels) extends this; the CLI accepts a compact spec, a TOML file, or a preset.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lang/app_signature.hpp"
#include "lang/diagnostic.hpp"
#include "lang/kinds.hpp"

namespace mage::mapping {

struct MachineDesc {
  std::string name = "custom";
  std::int64_t nodes = 1;
  std::map<ProcKind, std::int64_t> procs_per_node;
  std::set<MemKind> memories;  // kinds present on every node

  std::int64_t per_node(ProcKind k) const;
  bool has(ProcKind k) const { return per_node(k) > 0; }
  bool has(MemKind k) const { return memories.count(k) > 0; }
  // Memory kinds a processor kind can address, fastest first (Legion's affinities).
  std::vector<MemKind> addressable(ProcKind k) const;
  bool can_address(ProcKind p, MemKind m) const;
  // The processor's own fastest memory (dsl.md §2 defaults).
  std::optional<MemKind> default_memory(ProcKind k) const;
  lang::MachineFacts facts() const;
  std::string summary() const;  // "2 nodes × (4 GPU, 8 CPU, 2 OMP); memories SYSMEM FBMEM ZCMEM SOCKMEM"
};

// Memory kinds implied by the processors when a description does not list them: SYSMEM always,
// FBMEM and ZCMEM with GPUs, SOCKMEM with OpenMP processors.
std::set<MemKind> implied_memories(const std::map<ProcKind, std::int64_t>& procs);

// Names of the built-in machine presets and the machines they describe (processor counts only here).
std::vector<std::string> machine_preset_names();
std::optional<MachineDesc> machine_preset(std::string_view name);

// Reads `--machine`: a preset name ("p100x4"), or a compact spec "nodes=2,gpus=4,cpus=8,omps=2"
// (keys: nodes, cpus, gpus, omps, ios, pys, procs, utils is ignored). Errors are Usage diagnostics.
std::optional<MachineDesc> parse_machine_spec(std::string_view spec, lang::Diagnostics& diags);

// The TOML form:
//   name = "mynode"
//   nodes = 2
//   memories = ["SYSMEM", "FBMEM", "ZCMEM"]   # optional (before any table); default: implied_memories
//   [processors]   # per node
//   gpu = 4
//   cpu = 8
//   omp = 2
std::optional<MachineDesc> parse_machine_toml(std::string_view text, const std::string& file_name,
                                              lang::Diagnostics& diags);

}  // namespace mage::mapping
