// Failure kinds by error-code family.
#include "search/failure_mix.hpp"

namespace mage::search {

std::string_view to_string(FailureKind k) {
  switch (k) {
    case FailureKind::Check: return "check";
    case FailureKind::Evaluation: return "evaluation";
    case FailureKind::OutOfMemory: return "out_of_memory";
    case FailureKind::Crash: return "crash";
    case FailureKind::Internal: return "internal";
  }
  return "evaluation";
}

FailureKind failure_kind(std::string_view code) {
  if (code == "sim.crash") return FailureKind::Crash;
  if (code.starts_with("internal.") || code.ends_with(".internal")) return FailureKind::Internal;
  if (code == "mapping.out-of-memory") return FailureKind::OutOfMemory;
  // What `mage check` reports: the parser's, the checker's and the inputs' errors.
  if (code.starts_with("syntax.") || code.starts_with("static.") || code.starts_with("usage.") ||
      code == "mapping.no-usable-variant")
    return FailureKind::Check;
  return FailureKind::Evaluation;
}

void FailureMix::add(bool succeeded, const std::string& error_code) {
  ++evaluations;
  if (succeeded) {
    ++ok;
    return;
  }
  ++by_kind[static_cast<std::size_t>(failure_kind(error_code))];
  ++by_code[error_code];
}

std::string FailureMix::commonest_code() const {
  std::string best;
  std::size_t n = 0;
  for (const auto& [code, count] : by_code)
    if (count > n) best = code, n = count;
  return best;
}

FailureMix& FailureMix::operator+=(const FailureMix& other) {
  evaluations += other.evaluations;
  ok += other.ok;
  for (std::size_t k = 0; k < kFailureKinds; ++k) by_kind[k] += other.by_kind[k];
  for (const auto& [code, count] : other.by_code) by_code[code] += count;
  return *this;
}

}  // namespace mage::search
