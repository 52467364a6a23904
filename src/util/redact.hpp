// Secrets (API keys) kept out of every file and every message mage writes. Whoever reads a secret registers
// it; everything that leaves the process through a run directory, a recording or a diagnostic passes
// through redact(), the one function that removes them.
#pragma once

#include <string>

namespace mage::util {

inline constexpr const char* kRedacted = "[redacted]";

// From now on, redact() replaces `secret` (and its JSON-escaped form) by "[redacted]". A secret shorter than
// kMinSecretBytes is not registered: it is a placeholder ("none", "x"), and replacing it everywhere would
// mangle text while protecting nothing. Thread-safe.
inline constexpr std::size_t kMinSecretBytes = 8;
void register_secret(const std::string& secret);

// `text` with every registered secret replaced. Thread-safe.
std::string redact(std::string text);

// The first control character in `value` (a byte below 0x20, or 0x7F), as its position; npos when none.
// Such a byte in an HTTP header value would end the header and start another.
std::size_t find_control_character(const std::string& value);

}  // namespace mage::util
