// Reading the files a user names as inputs (mapper programs, machines, applications).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace mage::util {

// Reads a whole regular file of at most `max_bytes`. A FIFO, a device, a socket or a directory is
// refused at once, never waited on. On failure returns nullopt and sets `error` to a sentence naming the
// file and what it is.
std::optional<std::string> read_input_file(const std::string& path, std::string& error,
                                           std::size_t max_bytes = std::size_t{64} << 20);

}  // namespace mage::util
