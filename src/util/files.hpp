// File I/O at the edge of the core: whole-file reads with clear errors, and atomic replacement.
#pragma once

#include <optional>
#include <string>

namespace mage::util {

// Reads a whole file. On failure returns nullopt and sets `error` to a sentence naming the file.
std::optional<std::string> read_file(const std::string& path, std::string& error, std::size_t max_bytes = 64u << 20);

// Writes `content` to a temporary file beside `path`, flushes it, and renames it over `path`, so a
// reader sees the old file or the new one, never a torn one. False (with `error`) on failure.
bool write_file_atomic(const std::string& path, const std::string& content, std::string& error);

}  // namespace mage::util
