// What kind of failure an evaluation's error code is, and the counts of each kind over many evaluations:
// the failure mix the search benchmark and the mapping-space check report beside the scores.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace mage::search {

enum class FailureKind {
  Check,        // the program was rejected before mapping: syntax, static checks, usage (`syntax.*`, `static.*`)
  Evaluation,   // mapping it failed: a mapping function's error (`eval.*`), a planner or simulator error
  OutOfMemory,  // an instance did not fit its memory (`mapping.out-of-memory`)
  Crash,        // the evaluation died (`sim.crash`)
  Internal,     // mage failed, not the program (`*.internal`, `internal.*`)
};
inline constexpr std::size_t kFailureKinds = 5;
std::string_view to_string(FailureKind k);  // "check", "evaluation", "out_of_memory", "crash", "internal"
FailureKind failure_kind(std::string_view error_code);

// Evaluations, successes and failures by kind and by code.
struct FailureMix {
  std::size_t evaluations = 0;
  std::size_t ok = 0;
  std::array<std::size_t, kFailureKinds> by_kind{};
  std::map<std::string, std::size_t> by_code;
  void add(bool succeeded, const std::string& error_code);
  std::size_t count(FailureKind k) const { return by_kind[static_cast<std::size_t>(k)]; }
  std::size_t failures() const { return evaluations - ok; }
  // The most frequent error code ("" without failures; the first by name on a tie).
  std::string commonest_code() const;
  FailureMix& operator+=(const FailureMix& other);
};

}  // namespace mage::search
