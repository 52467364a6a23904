// Shared by every reader of TOML inputs (application signatures, machine and application models), so
// their errors point at the value the same way.
#pragma once

#include <string_view>

#include <toml++/toml.h>

#include "lang/source.hpp"

namespace mage::lang {

// What a TOML value is, for messages: "a table", "an integer".
const char* toml_type_name(toml::node_type t);

// The span of a 1-based line and column in `text` (the byte offset recomputed from the text); empty when
// the line is 0 (unknown).
Span text_span(std::string_view text, std::uint32_t line, std::uint32_t column, std::uint32_t length);
// The span of a region toml++ reports: its start, and its length when it stays on one line.
Span toml_span(std::string_view text, const toml::source_region& where);

}  // namespace mage::lang
