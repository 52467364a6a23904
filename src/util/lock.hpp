// An exclusive lock on a folder's lock file (flock), so two processes never write the same run at once.
// The lock belongs to an open file description: it ends when the holder closes it, exits or is killed, so
// a crashed holder never leaves a stale lock behind. The descriptor is close-on-exec, so commands the holder
// starts do not keep it.
#pragma once

#include <memory>
#include <string>

namespace mage::util {

class FileLock {
 public:
  enum class Outcome { Acquired, Busy, Failed };

  // Takes the lock on `path` (created if missing) without waiting. Busy when another process holds it
  // (`holder` is then its process id when it wrote one, else 0); Failed when the file cannot be opened or
  // locked (`error` says why). On success the holder's process id is written into the file.
  static Outcome try_acquire(const std::string& path, FileLock& lock, std::string& error, long& holder);

  // As try_acquire(), but a lock this process already holds on the same file is shared rather than
  // refused: within one process, reopening a folder it is writing is allowed; other processes are excluded.
  static Outcome acquire_shared(const std::string& path, std::shared_ptr<FileLock>& lock, std::string& error,
                                long& holder);

  FileLock() = default;
  ~FileLock();
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace mage::util
