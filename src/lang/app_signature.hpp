// What the checker may know about an application: its task names with their variants and region
// arguments, and every region or partition name. The full application model (simulator) produces one;
// a small TOML file can describe one by hand.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lang/diagnostic.hpp"
#include "lang/kinds.hpp"

namespace mage::lang {

struct TaskSignature {
  std::string name;
  std::vector<ProcKind> variants;          // processor kinds it has a variant for
  std::vector<std::string> region_args;    // argument names in order (may be empty)
};

struct AppSignature {
  std::string name;
  std::vector<TaskSignature> tasks;
  std::set<std::string> region_names;  // regions, partitions and their parents

  const TaskSignature* find_task(std::string_view task) const;
};

// What the checker may know about the machine: kinds present and which memory a processor addresses.
struct MachineFacts {
  std::set<ProcKind> procs;
  std::set<MemKind> mems;
  std::set<std::pair<ProcKind, MemKind>> addressable;
  bool can_address(ProcKind p, MemKind m) const { return addressable.count({p, m}) > 0; }
};

// Parse the TOML form:
//   name = "stencil"
//   regions = ["points", "private", "xm", ...]
//   [tasks.stencil]
//   variants = ["CPU", "GPU"]
//   regions = ["private", "pxm_in", ...]     # argument names in order
// Errors go to `diags` (category Usage) with the line and column of the offending value.
std::optional<AppSignature> parse_app_signature(std::string_view toml_text, const std::string& file_name,
                                                Diagnostics& diags);

// Names longer than this get no "did you mean" suggestion.
inline constexpr std::size_t kMaxSuggestedName = 64;

// The closest candidate by edit distance, if close enough to be a plausible typo (at most a third of the
// name's length). Linear in the number of candidates.
std::optional<std::string> did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace mage::lang
