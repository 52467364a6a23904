// The run directory: every write either completes or leaves the previous state, so a run killed at any
// moment resumes from exactly the evaluations that finished. Appends are one write() of a whole line on an
// O_APPEND descriptor followed by fsync; a write that fails midway is cut back off the file.
#include "search/run_dir.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "util/files.hpp"
#include "util/redact.hpp"

namespace mage::search {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxEvaluationsBytes = std::size_t{1} << 30;

lang::Diagnostic run_dir_error(std::string code, std::string message, std::string hint) {
  return lang::make_error(lang::Category::Usage, std::move(code), {}, std::move(message), std::move(hint));
}

// JSON that never throws on the way out (invalid UTF-8 in strings becomes U+FFFD), with no secret in it.
std::string dump(const nlohmann::json& j, int indent) {
  return util::redact(j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace));
}

const char* type_name(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::array: return "a list";
    case nlohmann::json::value_t::object: return "an object";
    default: return "a number";
  }
}

// "parse error at line 1, column 5: ..." without the library's "[json.exception...] " prefix.
std::string parse_message(const nlohmann::json::exception& e) {
  std::string what = e.what();
  auto close = what.find("] ");
  return close == std::string::npos ? what : what.substr(close + 2);
}

bool is_blank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }

// Makes a new directory entry durable; failure only weakens durability, so it is not reported.
void sync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::optional<lang::Diagnostic> check_new(const std::string& path) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    return run_dir_error("rundir.io", fmt::format("cannot inspect `{}`: {}", path, ec.message()),
                         "choose another --out directory");
  if (!fs::exists(status)) return std::nullopt;
  if (!fs::is_directory(status))
    return run_dir_error("rundir.exists", fmt::format("`{}` exists and is not a directory", path),
                         "choose another --out directory");
  if (fs::is_empty(path, ec) && !ec) return std::nullopt;
  fs::path p(path);
  auto evaluations = p / "evaluations.jsonl";
  if (fs::exists(evaluations, ec) && fs::file_size(evaluations, ec) > 0 && !ec)
    return run_dir_error("rundir.exists", fmt::format("run directory `{}` already has evaluations", path),
                         fmt::format("pass --resume {} to continue it, or choose another --out", path));
  if (fs::exists(p / "run.json", ec))
    return run_dir_error("rundir.exists", fmt::format("`{}` already holds a tuning run (run.json)", path),
                         fmt::format("pass --resume {} to continue it, or choose another --out", path));
  return run_dir_error("rundir.exists", fmt::format("`{}` exists and is not empty", path),
                       "choose another --out directory, or empty this one");
}

}  // namespace

std::optional<std::string> check_record(const nlohmann::json& r) {
  if (!r.is_object()) return "it is not a JSON object";
  auto field = [&](const char* name) -> const nlohmann::json* {
    auto it = r.find(name);
    return it == r.end() ? nullptr : &*it;
  };
  auto wrong = [](const char* name, const nlohmann::json& j, const char* want) {
    return fmt::format("`{}` is {}, not {}", name, type_name(j), want);
  };
  for (const char* name : {"ok", "injected", "extracted"})
    if (auto* j = field(name); j && !j->is_boolean()) return wrong(name, *j, "true or false");
  for (const char* name : {"score", "value", "step_time", "seconds"})
    if (auto* j = field(name); j && !j->is_number()) return wrong(name, *j, "a number");
  for (const char* name : {"index", "iteration"})
    if (auto* j = field(name); j && !j->is_number_unsigned()) return wrong(name, *j, "a count");
  for (const char* name : {"unit", "candidate", "rationale"})
    if (auto* j = field(name); j && !j->is_string()) return wrong(name, *j, "a string");
  if (auto* j = field("point")) {
    if (!j->is_array()) return wrong("point", *j, "a list of option indices");
    for (const auto& x : *j)
      if (!x.is_number_integer() || x.get<std::int64_t>() < 0 || x.get<std::int64_t>() > (1 << 30))
        return fmt::format("`point` holds {}, not an option index", x.dump());
  }
  for (const char* name : {"error", "feedback"}) {
    auto* j = field(name);
    if (!j) continue;
    if (j->is_string()) continue;  // a message alone
    if (!j->is_object()) return wrong(name, *j, "an object");
    for (const auto& [k, v] : j->items())
      if (!v.is_string() && !v.is_array() && !v.is_object()) return fmt::format("`{}.{}` is {}", name, k, type_name(v));
  }
  return std::nullopt;
}

std::optional<lang::Diagnostic> RunDir::lock() {
  const std::string lock_path = file("run.lock");
  std::string error;
  long holder = 0;
  switch (util::FileLock::acquire_shared(lock_path, lock_, error, holder)) {
    case util::FileLock::Outcome::Acquired: return std::nullopt;
    case util::FileLock::Outcome::Busy:
      return run_dir_error(
          "rundir.locked",
          fmt::format("run directory `{}` is in use by another `mage tune`{}", path_,
                      holder > 0 ? fmt::format(" (process {})", holder) : std::string()),
          fmt::format("wait for that run to end (or stop it), then resume with --resume {}; or choose another --out",
                      path_));
    case util::FileLock::Outcome::Failed: break;
  }
  return run_dir_error("rundir.io", error, "check the permissions of the run directory");
}

std::string RunDir::file(const char* name) const { return (fs::path(path_) / name).string(); }
std::string RunDir::evaluations_path() const { return file("evaluations.jsonl"); }
std::string RunDir::candidate_path(std::size_t index) const {
  return (fs::path(path_) / "candidates" / fmt::format("{:05}.mpl", index)).string();
}

lang::Expected<RunDir> RunDir::create(const std::string& path, const nlohmann::json& settings) {
  if (path.empty())
    return run_dir_error("rundir.io", "no run directory given", "give the directory to write the run to with --out");
  if (auto bad = check_new(path)) return *bad;
  RunDir dir(path);
  std::error_code ec;
  fs::create_directories(fs::path(path) / "candidates", ec);
  if (ec)
    return run_dir_error("rundir.io", fmt::format("cannot create run directory `{}`: {}", path, ec.message()),
                         "check the permissions of its parent, or choose another --out");
  if (auto busy = dir.lock()) return *busy;
  // Another process may have started a run here between the check above and the lock.
  if (fs::exists(fs::path(path) / "run.json", ec))
    return run_dir_error("rundir.exists", fmt::format("`{}` already holds a tuning run (run.json)", path),
                         fmt::format("pass --resume {} to continue it, or choose another --out", path));
  std::string error;
  if (!util::write_file_atomic(dir.file("run.json"), dump(settings, 2) + "\n", error))
    return run_dir_error("rundir.io", error, "check the disk and the permissions of the --out directory");
  int fd = ::open(dir.evaluations_path().c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || ::fsync(fd) != 0) {
    std::string message = fmt::format("cannot create `{}`: {}", dir.evaluations_path(), std::strerror(errno));
    if (fd >= 0) ::close(fd);
    return run_dir_error("rundir.io", message, "check the disk and the permissions of the --out directory");
  }
  ::close(fd);
  sync_directory(path);
  dir.settings_ = settings;
  return dir;
}

lang::Expected<RunDir> RunDir::open(const std::string& path) {
  std::error_code ec;
  if (path.empty() || !fs::is_directory(path, ec))
    return run_dir_error("rundir.missing", fmt::format("there is no run directory `{}`", path),
                         "pass --resume the --out directory of an earlier tuning run");
  RunDir dir(path);
  if (!fs::exists(fs::path(path) / "run.json", ec))
    return run_dir_error("rundir.missing", fmt::format("`{}` is not a run directory: it has no run.json", path),
                         "pass --resume the --out directory of an earlier tuning run, or start a new one");
  if (auto busy = dir.lock()) return *busy;
  util::remove_stale_temporaries(path);
  util::remove_stale_temporaries((fs::path(path) / "candidates").string());
  std::string error;
  const std::string settings_path = dir.file("run.json");
  auto settings_text = util::read_file(settings_path, error);
  if (!settings_text)
    return run_dir_error("rundir.missing", fmt::format("`{}` is not a run directory: {}", path, error),
                         "pass --resume the --out directory of an earlier tuning run, or start a new one");
  try {
    dir.settings_ = nlohmann::json::parse(*settings_text);
  } catch (const nlohmann::json::exception& e) {
    return run_dir_error("rundir.corrupt", fmt::format("`{}` is not valid JSON: {}", settings_path, parse_message(e)),
                         "restore the file, or start a new run with another --out");
  }

  const std::string log_path = dir.evaluations_path();
  if (!fs::exists(log_path, ec)) {
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      return run_dir_error("rundir.io", fmt::format("cannot create `{}`: {}", log_path, std::strerror(errno)),
                           "check the permissions of the run directory");
    ::close(fd);
    return dir;
  }
  auto log = util::read_file(log_path, error, kMaxEvaluationsBytes);
  if (!log) return run_dir_error("rundir.io", error, "check the file and its permissions");

  const std::string& text = *log;
  std::size_t pos = 0, good_end = 0, line_no = 0;
  bool add_newline = false;
  while (pos < text.size()) {
    ++line_no;
    std::size_t nl = text.find('\n', pos);
    bool complete = nl != std::string::npos;
    std::size_t end = complete ? nl + 1 : text.size();
    std::string_view line(text.data() + pos, (complete ? nl : text.size()) - pos);
    bool last = end >= text.size() || is_blank(std::string_view(text).substr(end));
    if (is_blank(line)) {
      if (complete) good_end = end;
      pos = end;
      continue;
    }
    std::string why;
    try {
      auto record = nlohmann::json::parse(line);
      if (record.is_object()) {
        if (auto bad = check_record(record))  // whole but wrong: never taken for a torn line
          return run_dir_error(
              "rundir.corrupt",
              fmt::format("`{}` line {} is not a valid evaluation record: {}", log_path, line_no, *bad),
              fmt::format("repair or delete line {} (every other line is kept), then resume again", line_no));
        dir.evaluations_.push_back(std::move(record));
        dir.lines_.push_back(line_no);
        good_end = end;
        add_newline = !complete;  // a whole record whose newline was lost
        pos = end;
        continue;
      }
      why = "it is not a JSON object";
    } catch (const nlohmann::json::exception& e) {
      why = parse_message(e);
    }
    if (!last)
      return run_dir_error("rundir.corrupt",
                           fmt::format("`{}` line {} is not a valid evaluation record: {}", log_path, line_no, why),
                           fmt::format("repair or delete line {} (every other line is kept), then resume again",
                                       line_no));
    break;  // the torn last line of an interrupted write
  }
  if (good_end < text.size()) {
    if (::truncate(log_path.c_str(), static_cast<off_t>(good_end)) != 0)
      return run_dir_error("rundir.io",
                           fmt::format("cannot cut the torn last line of `{}`: {}", log_path, std::strerror(errno)),
                           "check the permissions of the file");
    dir.dropped_bytes_ = text.size() - good_end;
  }
  if (add_newline) {
    int fd = ::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0 || ::write(fd, "\n", 1) != 1) {
      std::string message = fmt::format("cannot repair `{}`: {}", log_path, std::strerror(errno));
      if (fd >= 0) ::close(fd);
      return run_dir_error("rundir.io", message, "check the permissions of the file");
    }
    ::fsync(fd);
    ::close(fd);
  }
  return dir;
}

bool RunDir::append_evaluation(const nlohmann::json& record, std::string& error) {
  const std::string log_path = evaluations_path();
  const std::string line = dump(record, -1) + "\n";
  int fd = ::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = fmt::format("cannot open `{}`: {}", log_path, std::strerror(errno));
    return false;
  }
  struct stat before {};
  if (::fstat(fd, &before) != 0) {
    error = fmt::format("cannot inspect `{}`: {}", log_path, std::strerror(errno));
    ::close(fd);
    return false;
  }
  ssize_t n;
  do n = ::write(fd, line.data(), line.size());
  while (n < 0 && errno == EINTR);
  bool written = n == static_cast<ssize_t>(line.size());
  if (!written || ::fsync(fd) != 0) {
    int saved = errno;
    error = !written && n >= 0 ? fmt::format("cannot append to `{}`: only {} of {} bytes written", log_path, n,
                                             line.size())
                               : fmt::format("cannot append to `{}`: {}", log_path, std::strerror(saved));
    // Take the partial line back, so the next append does not glue onto it.
    [[maybe_unused]] int r = ::ftruncate(fd, before.st_size);
    ::close(fd);
    return false;
  }
  if (::close(fd) != 0) {
    error = fmt::format("cannot close `{}`: {}", log_path, std::strerror(errno));
    return false;
  }
  evaluations_.push_back(record);
  return true;
}

bool RunDir::write_candidate(std::size_t index, const std::string& program, std::string& error) {
  std::error_code ec;
  fs::create_directories(fs::path(path_) / "candidates", ec);
  if (ec) {
    error = fmt::format("cannot create `{}`: {}", (fs::path(path_) / "candidates").string(), ec.message());
    return false;
  }
  return util::write_file_atomic(candidate_path(index), util::redact(program), error);
}

bool RunDir::write_best(const std::string& program, std::string& error) {
  return util::write_file_atomic(best_path(), util::redact(program), error);
}

bool RunDir::sync_best(const std::optional<std::string>& program, bool& changed, std::string& error) {
  changed = false;
  std::error_code ec;
  const std::string path = best_path();
  if (!program) {
    if (!fs::exists(fs::symlink_status(path, ec))) return true;
    if (!fs::remove(path, ec)) {
      error = fmt::format("cannot remove `{}`: {}", path, ec.message());
      return false;
    }
    changed = true;
    return true;
  }
  std::string ignored;
  auto current = fs::is_regular_file(path, ec) ? util::read_file(path, ignored) : std::nullopt;
  if (current && *current == util::redact(*program)) return true;
  changed = true;
  return write_best(*program, error);
}

bool RunDir::write_summary(const nlohmann::json& summary, std::string& error) {
  return util::write_file_atomic(file("summary.json"), dump(summary, 2) + "\n", error);
}

}  // namespace mage::search
