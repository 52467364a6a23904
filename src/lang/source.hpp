// A source file held in memory, with line lookup for diagnostics.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mage::lang {

// A position in a source file: 1-based line and column (in bytes), and the 0-based byte offset.
struct Location {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::uint32_t offset = 0;
  bool valid() const { return line != 0; }
  friend bool operator==(const Location&, const Location&) = default;
};

// A half-open byte range [begin, end) with the location of its first byte.
struct Span {
  Location begin;
  std::uint32_t length = 0;
};

class SourceFile {
 public:
  SourceFile(std::string name, std::string text);

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  std::uint32_t line_count() const { return static_cast<std::uint32_t>(line_starts_.size()); }
  // The text of a 1-based line without its newline; empty if out of range.
  std::string_view line(std::uint32_t line) const;
  Location location_at(std::uint32_t offset) const;

 private:
  std::string name_;
  std::string text_;
  std::vector<std::uint32_t> line_starts_;
};

}  // namespace mage::lang
