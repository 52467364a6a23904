#include "util/lock.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace mage::util {

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

FileLock::Outcome FileLock::try_acquire(const std::string& path, FileLock& lock, std::string& error, long& holder) {
  holder = 0;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    error = "cannot open the lock file `" + path + "`: " + std::strerror(errno);
    return Outcome::Failed;
  }
  int r;
  do r = ::flock(fd, LOCK_EX | LOCK_NB);
  while (r != 0 && errno == EINTR);
  if (r != 0) {
    const int saved = errno;
    if (saved == EWOULDBLOCK) {
      // The holder writes its id just after locking: give it a moment if the file is still empty.
      for (int tries = 0; tries < 20 && holder <= 0; ++tries) {
        char buf[32] = {0};
        ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
        if (n > 0 && buf[n - 1] == '\n') holder = std::strtol(buf, nullptr, 10);
        else ::usleep(5000);
      }
      ::close(fd);
      return Outcome::Busy;
    }
    error = "cannot lock `" + path + "`: " + std::strerror(saved);
    ::close(fd);
    return Outcome::Failed;
  }
  // Who holds it, for the message another process shows; the lock itself does not depend on this.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] auto n = ::pwrite(fd, pid.data(), pid.size(), 0);
  }
  lock = FileLock();
  lock.fd_ = fd;
  return Outcome::Acquired;
}

FileLock::Outcome FileLock::acquire_shared(const std::string& path, std::shared_ptr<FileLock>& lock,
                                          std::string& error, long& holder) {
  // Keyed by file and process: a child made by fork() shares the parent's memory but is another process.
  static std::mutex mutex;
  static std::map<std::pair<std::string, pid_t>, std::weak_ptr<FileLock>> held;
  std::error_code ec;
  std::string name = std::filesystem::weakly_canonical(path, ec).string();
  if (ec) name = path;
  const auto key = std::make_pair(name, ::getpid());
  std::lock_guard guard(mutex);
  if (auto it = held.find(key); it != held.end()) {
    if (auto live = it->second.lock()) {
      lock = std::move(live);
      holder = ::getpid();
      return Outcome::Acquired;
    }
    held.erase(it);
  }
  auto fresh = std::make_shared<FileLock>();
  Outcome outcome = try_acquire(path, *fresh, error, holder);
  if (outcome == Outcome::Acquired) {
    held[key] = fresh;
    lock = std::move(fresh);
  }
  return outcome;
}

}  // namespace mage::util
