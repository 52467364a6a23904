#include "lang/toml_input.hpp"

#include <algorithm>

namespace mage::lang {

const char* toml_type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    default: return "a date or time";
  }
}

Span text_span(std::string_view text, std::uint32_t line, std::uint32_t column, std::uint32_t length) {
  if (line == 0) return Span{};
  std::size_t offset = 0;
  for (std::uint32_t l = 1; l < line && offset < text.size(); ++offset)
    if (text[offset] == '\n') ++l;
  offset = std::min(offset + column - 1, text.size());
  return Span{Location{line, column, static_cast<std::uint32_t>(offset)}, std::max(length, 1u)};
}

Span toml_span(std::string_view text, const toml::source_region& where) {
  const auto& b = where.begin;
  std::uint32_t length = where.end.line == b.line && where.end.column > b.column ? where.end.column - b.column : 1;
  return text_span(text, b.line, b.column, length);
}

}  // namespace mage::lang
