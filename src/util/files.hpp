// File I/O at the edge of the core: whole-file reads with clear errors, and atomic replacement.
#pragma once

#include <optional>
#include <string>

namespace mage::util {

// Reads a whole file. On failure returns nullopt and sets `error` to a sentence naming the file.
std::optional<std::string> read_file(const std::string& path, std::string& error, std::size_t max_bytes = 64u << 20);

// The one way mage writes a whole file. `content` goes to a temporary file beside the target, is flushed,
// and is renamed over it, so a reader sees the old file or the new one, never a torn one. The write
// follows the user's intent:
//  - a symlink is followed on purpose: its final target is replaced (created if the link dangles), and the
//    link itself stays a link;
//  - an existing target that is not a regular file (a device, FIFO, socket or directory) is refused;
//  - an existing file keeps its permission bits (a read-only file stays read-only).
// The temporary file is `TARGET.tmp.PID.N` (remove_stale_temporaries() cleans those a killed process left).
// False (with `error`, a sentence naming the file) on failure; the target is then unchanged.
bool write_file_atomic(const std::string& path, const std::string& content, std::string& error);

// Whether `name` (a file name, no folder) is one of write_file_atomic()'s temporary files.
bool is_atomic_temporary(const std::string& name);
// Removes write_file_atomic()'s temporary files directly in `dir` (left by a process killed mid-write);
// the number removed. Only for a folder no other process writes to (e.g. under a RunLock).
std::size_t remove_stale_temporaries(const std::string& dir);

}  // namespace mage::util
