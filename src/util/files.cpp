#include "util/files.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mage::util {

std::optional<std::string> read_file(const std::string& path, std::string& error, std::size_t max_bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = "`" + path + "` is a directory, not a file";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open `" + path + "`: " + std::strerror(errno);
    return std::nullopt;
  }
  std::string content;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    content.append(buf, static_cast<std::size_t>(in.gcount()));
    if (content.size() > max_bytes) {
      error = "`" + path + "` is larger than " + std::to_string(max_bytes) + " bytes";
      return std::nullopt;
    }
  }
  return content;
}

namespace {

// Where a write to `path` lands: symlinks followed to their final target. False (with `error`) when the
// target exists and is not a regular file, or the links loop. `st` holds the target's status when it exists.
bool resolve_target(const std::string& path, std::string& target, bool& exists, struct stat& st, std::string& error) {
  namespace fs = std::filesystem;
  target = path;
  for (int hops = 0; hops < 40; ++hops) {
    if (::lstat(target.c_str(), &st) != 0) {
      if (errno != ENOENT) {
        error = "cannot inspect `" + target + "`: " + std::strerror(errno);
        return false;
      }
      exists = false;
      return true;
    }
    if (S_ISLNK(st.st_mode)) {
      std::error_code ec;
      fs::path link = fs::read_symlink(target, ec);
      if (ec) {
        error = "cannot read the symbolic link `" + target + "`: " + ec.message();
        return false;
      }
      target = link.is_absolute() ? link.string() : (fs::path(target).parent_path() / link).string();
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      error = "`" + target + "` is a directory; give the path of a file to write";
      return false;
    }
    if (!S_ISREG(st.st_mode)) {
      const char* what = S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                         : S_ISFIFO(st.st_mode)                     ? "a FIFO"
                         : S_ISSOCK(st.st_mode)                     ? "a socket"
                                                                    : "not a regular file";
      error = "`" + target + "` is " + what + "; mage only replaces regular files, so give the path of a file";
      return false;
    }
    exists = true;
    return true;
  }
  error = "`" + path + "`: too many levels of symbolic links";
  return false;
}

std::atomic<unsigned long> g_temporaries{0};

}  // namespace

bool write_file_atomic(const std::string& path, const std::string& content, std::string& error) {
  std::string target;
  bool exists = false;
  struct stat st {};
  if (!resolve_target(path, target, exists, st, error)) return false;
  const std::string tmp = target + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(g_temporaries++);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = "cannot create `" + tmp + "`: " + std::strerror(errno);
    return false;
  }
  auto fail = [&](const std::string& what) {
    error = what + ": " + std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  };
  // The file being replaced keeps its permissions (the umask applies to new files only).
  if (exists && ::fchmod(fd, st.st_mode & 07777) != 0) return fail("cannot set the permissions of `" + tmp + "`");
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write `" + tmp + "`");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("cannot flush `" + tmp + "`");
  if (::close(fd) != 0) {
    error = "cannot flush `" + tmp + "`: " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  if (std::rename(tmp.c_str(), target.c_str()) != 0) {
    error = "cannot replace `" + target + "`: " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

bool is_atomic_temporary(const std::string& name) {
  // NAME.tmp.PID.N (and NAME.tmp.PID from earlier versions).
  auto at = name.rfind(".tmp.");
  if (at == std::string::npos || at == 0) return false;
  std::string_view rest(name);
  rest.remove_prefix(at + 5);
  bool digit = false;
  for (char c : rest) {
    if (c >= '0' && c <= '9') digit = true;
    else if (c != '.' || !digit) return false;
  }
  return digit && rest.back() != '.';
}

std::size_t remove_stale_temporaries(const std::string& dir) {
  std::size_t removed = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!is_atomic_temporary(name)) continue;
    std::error_code rm;
    if (it->is_regular_file(rm) && std::filesystem::remove(it->path(), rm)) ++removed;
  }
  return removed;
}

}  // namespace mage::util
