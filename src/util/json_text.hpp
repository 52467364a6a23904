// JSON as text at every boundary where mage writes it (stdout, files, pipes between processes).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace mage::util {

// Serialises `j`; bytes that are not valid UTF-8 (from a file's content or a file name) become U+FFFD
// instead of aborting, so every document mage writes is valid JSON whatever the input held.
inline std::string json_text(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mage::util
