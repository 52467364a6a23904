// Running a command per mapper and judging the run. The process handling follows three rules:
//  - the command gets a process group of its own, and the group is only signalled while its id cannot have
//    been reused: before /bin/sh is reaped, its zombie holds the id; after, only while members remain;
//  - the reader never waits on the pipe alone: a grandchild that escaped the group may hold it open
//    forever, so every wait is bounded by the timeout, the grace period or the linger period;
//  - the pipe is close-on-exec in this process, so commands started by other threads never inherit it.
#include "search/command_evaluator.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <set>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "search/command_output.hpp"

namespace mage::search {

namespace {

using Clock = std::chrono::steady_clock;
using lang::Category;
using lang::Diagnostic;

constexpr int kPollSliceMs = 50;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

Diagnostic usage_error(std::string code, std::string message, std::string hint) {
  return lang::make_error(Category::Usage, std::move(code), {}, std::move(message), std::move(hint));
}

// ---- runs that terminate_running_commands() can reach ------------------------------------------------

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
std::set<std::atomic<bool>*>& registry() {
  static std::set<std::atomic<bool>*> active;
  return active;
}

struct Registration {
  std::atomic<bool> cancel{false};
  Registration() {
    std::lock_guard lock(registry_mutex());
    registry().insert(&cancel);
  }
  ~Registration() {
    std::lock_guard lock(registry_mutex());
    registry().erase(&cancel);
  }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
};

// ---- output -------------------------------------------------------------------------------------------

// The first kOutputHead bytes and the last kOutputTail (at least) of everything read.
class OutputBuffer {
 public:
  void append(const char* p, std::size_t n) {
    total_ += n;
    if (head_.size() < kOutputHead) {
      std::size_t k = std::min(n, kOutputHead - head_.size());
      head_.append(p, k);
      p += k;
      n -= k;
    }
    tail_.append(p, n);
    if (tail_.size() > 2 * kOutputTail) {
      tail_.erase(0, tail_.size() - kOutputTail);
      trimmed_ = true;
    }
  }
  bool trimmed() const { return trimmed_; }
  std::string head() const { return head_; }
  // What follows the head (all of it until the front is cut; then from its first whole line, where a line
  // ends at `\n` or `\r` as extract_value() reads it). A first line that lost its front keeps its last
  // kMaxMatchedLine bytes or more, which is all extract_value() matches of any line: a 200 KB line ending in
  // the measurement is matched as if it were whole.
  std::string tail() const {
    if (!trimmed_) return tail_;
    auto end = tail_.find_first_of("\r\n");
    if (end == std::string::npos || end >= kMaxMatchedLine) return tail_;
    return tail_.substr(end + 1);
  }
  std::string text() const {
    if (!trimmed_) return head_ + tail_;
    return head_ + fmt::format("\n[... {} bytes of output not kept ...]\n", total_ - head_.size() - tail_.size()) +
           tail();
  }

 private:
  std::string head_, tail_;
  std::size_t total_ = 0;
  bool trimmed_ = false;
};

// Reads what the pipe holds now. False once it is at end of file (or broken).
bool drain(int fd, OutputBuffer& out) {
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;
  }
}

// Waits up to `ms` for output, then reads it; once the pipe is closed, just waits `closed_ms` (at most `ms`).
void wait_and_read(int fd, bool& open, OutputBuffer& out, int ms, int closed_ms) {
  if (ms < 0) ms = 0;
  if (!open) {
    ::poll(nullptr, 0, std::min(ms, closed_ms));
    return;
  }
  pollfd p{fd, POLLIN, 0};
  int r = ::poll(&p, 1, ms);
  if (r > 0) open = drain(fd, out);
}

// ---- process groups -----------------------------------------------------------------------------------

// Whether the group has a member that is not a zombie. Zombies count as gone: an orphan that died is
// reaped by init, which in some containers never happens. Without /proc, any member counts.
bool group_alive(pid_t pgid) {
  if (::kill(-pgid, 0) != 0) return false;  // ESRCH: none; EPERM: none we could signal anyway
  DIR* dir = ::opendir("/proc");
  if (!dir) return true;
  bool alive = false;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream in(std::string("/proc/") + e->d_name + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) continue;
    auto paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    char state = 0;
    long ppid = 0, pgrp = 0;
    if (std::sscanf(stat.c_str() + paren + 1, " %c %ld %ld", &state, &ppid, &pgrp) != 3) continue;
    if (pgrp == pgid && state != 'Z' && state != 'X') {
      alive = true;
      break;
    }
  }
  ::closedir(dir);
  return alive;
}

struct Child {
  pid_t pid = -1;
  bool reaped = false;
  int status = 0;
  bool try_reap() {
    if (reaped) return true;
    int st = 0;
    pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid) {
      reaped = true;
      status = st;
    } else if (r < 0 && errno == ECHILD) {
      reaped = true;  // reaped elsewhere (SIGCHLD ignored by the host program): its status is lost
    }
    return reaped;
  }
  void reap() {
    while (!reaped) {
      int st = 0;
      pid_t r = ::waitpid(pid, &st, 0);
      if (r == pid) {
        reaped = true;
        status = st;
      } else if (r < 0 && errno != EINTR) {
        reaped = true;  // ECHILD: someone else reaped it; nothing left to wait for
      }
    }
  }
};

// SIGTERM to the group, up to the grace period for it to end, then SIGKILL; reaps the shell meanwhile.
void stop_group(Child& child, int fd, bool& open, OutputBuffer& out) {
  ::kill(-child.pid, SIGTERM);
  auto start = Clock::now();
  while (seconds_since(start) < kKillGrace_s) {
    if (child.try_reap() && !group_alive(child.pid)) return;
    wait_and_read(fd, open, out, kPollSliceMs, 20);
  }
  ::kill(-child.pid, SIGKILL);  // the zombie or a live member still holds the id, so it is still ours
  child.reap();
  // SIGKILL is delivered at once but processes take a moment to exit: the next run should find them gone.
  auto killed = Clock::now();
  while (group_alive(child.pid) && seconds_since(killed) < kKillGrace_s) wait_and_read(fd, open, out, 10, 10);
}

// A process outside the command's group that ends the group if this process dies before the run is over,
// however it dies (SIGKILL included): it waits on a pipe only this process writes to. At the end of the
// run, release() tells it to exit without doing anything; end of file without that word means this
// process is gone, and the group gets SIGKILL. It ignores the signals a terminal or `timeout` send to this
// process's group, and closes every other descriptor, so it holds no pipe or lock of this process.
class GroupGuard {
 public:
  void start(pid_t pgid) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return;  // no guard: the parent-death signal still ends the shell
    pid_t pid = ::fork();
    if (pid < 0) {
      ::close(p[0]);
      ::close(p[1]);
      return;
    }
    if (pid == 0) {  // async-signal-safe calls only from here on
      struct sigaction ign {};
      ign.sa_handler = SIG_IGN;
      for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU}) ::sigaction(sig, &ign, nullptr);
      ::dup2(p[0], 0);
      if (::close_range(1, ~0U, 0) != 0)
        for (int fd = 1; fd < 65536; ++fd) ::close(fd);
      char word = 0;
      ssize_t n;
      do n = ::read(0, &word, 1);
      while (n < 0 && errno == EINTR);
      if (n <= 0) ::kill(-pgid, SIGKILL);
      ::_exit(0);
    }
    ::close(p[0]);
    pid_ = pid;
    fd_ = p[1];
  }
  // The run is over: the guard exits without signalling, and is reaped.
  void release() {
    if (fd_ >= 0) {
      [[maybe_unused]] ssize_t n = ::write(fd_, "x", 1);
      ::close(fd_);
      fd_ = -1;
    }
    if (pid_ > 0) {
      while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
      pid_ = -1;
    }
  }
  GroupGuard() = default;
  GroupGuard(const GroupGuard&) = delete;
  GroupGuard& operator=(const GroupGuard&) = delete;
  ~GroupGuard() { release(); }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
};

const char* signal_name(int sig) {
  switch (sig) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGUSR1: return "SIGUSR1";
    case SIGSEGV: return "SIGSEGV";
    case SIGUSR2: return "SIGUSR2";
    case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";
    case SIGTERM: return "SIGTERM";
    case SIGXCPU: return "SIGXCPU";
    default: return nullptr;
  }
}

std::string describe_signal(int sig) {
  const char* name = signal_name(sig);
  return name ? fmt::format("signal {} ({})", sig, name) : fmt::format("signal {}", sig);
}

bool mentions_out_of_memory(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find("out of memory") != std::string::npos || lower.find("failed to allocate") != std::string::npos ||
         lower.find("bad_alloc") != std::string::npos;
}

// Finite, positive and normal (a subnormal time's reciprocal overflows); a throughput may also be 0.
bool value_acceptable(CommandSpec::Metric metric, double v) {
  const bool positive = std::isfinite(v) && std::isnormal(v) && v > 0;
  return metric == CommandSpec::Metric::Time ? positive : positive || v == 0;
}

std::string shown(std::string_view text, std::size_t max = 500) {
  std::string p = printable(text);
  return p.size() <= max ? p : p.substr(0, max - 3) + "...";
}

}  // namespace

// ---- validation ---------------------------------------------------------------------------------------

lang::Expected<std::regex> compile_pattern(const std::string& pattern) {
  const std::string example = "e.g. --pattern 'ELAPSED TIME = ([0-9.eE+-]+) s'";
  if (pattern.empty())
    return usage_error("run.bad-pattern", "--pattern is empty: nothing says where the measured number is",
                       "give a regular expression with one group around the number, " + example);
  try {
    std::regex re(pattern, std::regex::ECMAScript);
    if (re.mark_count() == 0)
      return usage_error("run.bad-pattern", fmt::format("--pattern `{}` has no capture group", shown(pattern)),
                         "put parentheses around the part that matches the number, " + example);
    return re;
  } catch (const std::regex_error& e) {
    return usage_error("run.bad-pattern",
                       fmt::format("--pattern `{}` is not a valid regular expression: {}", shown(pattern), e.what()),
                       "write an ECMAScript regular expression with one group around the number (escape `(`, "
                       "`.` and `*` meant literally with `\\`), " + example);
  }
}

std::optional<Diagnostic> validate(const CommandSpec& spec) {
  auto re = compile_pattern(spec.pattern);
  if (!re) return re.error();
  if (spec.command.find_first_not_of(" \t\n") == std::string::npos)
    return usage_error("run.bad-command", "the command to run is empty",
                       "give the command that runs the application, with {mapper} where the mapper file goes, "
                       "e.g. --run './stencil -mapper {mapper}'");
  if (spec.command.find("{mapper}") == std::string::npos)
    return usage_error("run.bad-command",
                       fmt::format("the command `{}` has no {{mapper}}, so every candidate would run alike",
                                   shown(spec.command)),
                       "write {mapper} where the application takes the mapper file; it is replaced by the path");
  for (const char* quoted : {"'{mapper}'", "\"{mapper}\""})
    if (spec.command.find(quoted) != std::string::npos)
      return usage_error("run.bad-command",
                         fmt::format("the command `{}` puts {} in quotes", shown(spec.command), quoted),
                         "write {mapper} without quotes: the path is quoted for the shell when it is inserted");
  if (spec.repetitions < 1 || spec.repetitions > 1000)
    return usage_error("run.bad-option", fmt::format("{} repetitions asked for", spec.repetitions),
                       "give between 1 and 1000 repetitions; 3 or 5 make the median robust to one noisy run");
  if (!std::isfinite(spec.timeout_s) || spec.timeout_s <= 0 || spec.timeout_s > 1e7)
    return usage_error("run.bad-option", fmt::format("the timeout of {} s is not a positive duration", spec.timeout_s),
                       "give --timeout in seconds, well above the time of one run with a good mapper");
  if (!spec.workdir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(spec.workdir, ec))
      return usage_error("run.bad-option", fmt::format("the work directory `{}` is not a directory", spec.workdir),
                         "create it, or give the directory the command should run in");
  }
  return std::nullopt;
}

// ---- judging a run ------------------------------------------------------------------------------------

Diagnostic failure_diagnostic(const CommandSpec& spec, const std::string& command, const CommandRun& run,
                              std::string_view output, const std::string& mapper_path) {
  auto line = find_error_line(output, mapper_path);
  bool telling = line && line->kind != ErrorLine::Kind::LastLine;  // a line that looks like an error
  auto quote = [&](std::string_view lead) {
    return line ? fmt::format("; {}: `{}`", lead, line->text) : std::string("; it printed nothing");
  };

  Diagnostic d;
  d.severity = lang::Severity::Error;
  d.category = Category::Mapping;
  if (run.cancelled) {
    d.category = Category::Usage;
    d.code = "run.cancelled";
    d.message = fmt::format("the run was interrupted after {:.1f} s and its process group stopped", run.seconds);
    d.hint = "nothing to fix in the mapper: the run was stopped from outside; run it again to measure it";
  } else if (run.exit_code == -1 && !run.timed_out && run.signal == 0) {
    d.category = Category::Usage;
    d.code = "run.start-failed";
    d.message = "the command could not be started: " + shown(run.output_tail);
    d.hint = "check that /bin/sh can run here and that the work directory exists";
  } else if (run.timed_out) {
    d.code = "run.timeout";
    d.message = fmt::format("the command did not finish within the timeout of {} s, so its process group was "
                            "stopped",
                            spec.timeout_s) +
                (telling ? quote("before that it printed") : "");
    d.hint = "a mapper that makes the application hang or run far slower than others hits the timeout; if good "
             "mappers need longer, raise --timeout";
  } else if (run.signal != 0) {
    d.code = "run.signal";
    d.message = fmt::format("the command was killed by {}", describe_signal(run.signal)) + quote("its output says");
    d.hint = "the application crashed under this mapper: a processor kind, memory or layout it chose may be one "
             "a task variant cannot use; compare with a mapper that runs";
  } else if (run.exit_code != 0) {
    d.code = "run.exit-status";
    std::string status = fmt::format("the command exited with status {}", run.exit_code);
    if (run.exit_code > 128 && run.exit_code < 128 + 65)
      status += fmt::format(" (as shells report a process killed by {})", describe_signal(run.exit_code - 128));
    d.message = status + quote("its output says");
    if (line && line->kind == ErrorLine::Kind::MapperDiagnostic)
      d.hint = "the application rejected the mapper program: fix the line the error names";
    else if (line && mentions_out_of_memory(line->text))
      d.hint = "the mapping needs more memory than there is: place the largest regions in a bigger memory "
               "(SYSMEM or ZCMEM) or spread the launch over more processors";
    else
      d.hint = "read the last lines of output in the notes; if every mapper fails like this, run the command by "
               "hand with a known-good mapper to check the command itself";
  } else if (!run.value) {
    d.category = telling ? Category::Mapping : Category::Usage;
    d.code = "run.no-match";
    d.message = fmt::format("the command exited with status 0, but no line of its output matches the pattern "
                            "`{}` with a number in its first group",
                            shown(spec.pattern)) +
                quote(telling ? "its output says" : "its last line is");
    d.hint = telling ? "the application reported an error under this mapper without failing; fix what it names"
                     : "check --pattern against the last lines of output in the notes: it must match the line "
                       "with the time or throughput and capture the number in its first group";
  } else {
    d.category = Category::Usage;
    d.code = "run.bad-value";
    d.message = spec.metric == CommandSpec::Metric::Time
                    ? fmt::format("the pattern captured the time {}, which is not a positive normal number "
                                  "(from {:g} to {:g})",
                                  *run.value, std::numeric_limits<double>::min(), std::numeric_limits<double>::max())
                    : fmt::format("the pattern captured the throughput {}, which is {}", *run.value,
                                  *run.value < 0 ? "negative" : "too small to be a measurement (not a normal number)");
    d.hint = "make the first group of --pattern capture the measured number itself";
  }
  if (line && line->kind == ErrorLine::Kind::MapperDiagnostic && line->line > 0) {
    d.span.begin.line = line->line;
    d.span.begin.column = std::max<std::uint32_t>(line->column, 1);
    d.span.length = 1;
  }
  d.notes.push_back("command: " + shown(command));
  if (run.seconds > 0) d.notes.push_back(fmt::format("ran for {:.2f} s", run.seconds));
  std::string tail = last_lines(output, 12, 1500);
  d.notes.push_back(tail.empty() ? "the command printed nothing" : "last lines of output:\n" + tail);
  return d;
}

// ---- running ------------------------------------------------------------------------------------------

lang::Expected<CommandEvaluator> CommandEvaluator::create(CommandSpec spec) {
  if (auto bad = validate(spec)) return *bad;
  auto re = compile_pattern(spec.pattern);
  return CommandEvaluator(std::move(spec), *re);
}

CommandRun CommandEvaluator::run_once(const std::string& command, std::string* full_output) const {
  CommandRun run;
  auto fail_start = [&](const std::string& what) {
    run.output_tail = what + ": " + std::strerror(errno);
    if (full_output) *full_output = run.output_tail;
    return run;
  };
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0) return fail_start("cannot open /dev/null");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    int saved = errno;
    ::close(devnull);
    errno = saved;
    return fail_start("cannot create a pipe");
  }
  // Everything the child touches is prepared before fork: between fork and exec only async-signal-safe
  // calls are allowed, since other threads may hold locks.
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  const char* workdir = spec_.workdir.empty() ? nullptr : spec_.workdir.c_str();
  Registration registration;
  const pid_t parent = ::getpid();
  auto start = Clock::now();
  pid_t pid = ::fork();
  if (pid < 0) {
    int saved = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    ::close(devnull);
    errno = saved;
    return fail_start("cannot start a process");
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    // If mage dies, so does the shell (the guard below ends the rest of the group); if it died already,
    // stop here.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD}) ::sigaction(sig, &dfl, nullptr);
    ::dup2(devnull, 0);
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    if (workdir && ::chdir(workdir) != 0) {
      const char msg[] = "mage: cannot enter the work directory\n";
      [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
      ::_exit(127);
    }
    ::execv("/bin/sh", const_cast<char* const*>(argv));
    const char msg[] = "mage: cannot run /bin/sh\n";
    [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here, so the group exists before any kill below (EACCES after exec is fine)
  GroupGuard guard;
  guard.start(pid);
  ::close(fds[1]);
  ::close(devnull);
  int fd = fds[0];
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);

  Child child{pid};
  OutputBuffer out;
  bool open = true;
  const double timeout = spec_.timeout_s;
  for (;;) {
    if (child.try_reap()) break;
    double elapsed = seconds_since(start);
    if (elapsed >= timeout) {
      run.timed_out = true;
      break;
    }
    if (registration.cancel.load()) {
      run.cancelled = true;
      break;
    }
    int ms = static_cast<int>(std::ceil(std::min<double>(kPollSliceMs, (timeout - elapsed) * 1000)));
    wait_and_read(fd, open, out, ms, 5);  // closed output: the shell is likely exiting
  }
  if (child.reaped) {
    run.seconds = seconds_since(start);
    if (open) open = drain(fd, out);
    // Processes the command left in its group: a moment to finish, then they are stopped.
    auto exited = Clock::now();
    while (group_alive(pid) && seconds_since(exited) < kLeftoverLinger_s)
      wait_and_read(fd, open, out, kPollSliceMs, 20);
    if (group_alive(pid)) stop_group(child, fd, open, out);
  } else {
    stop_group(child, fd, open, out);
    run.seconds = seconds_since(start);
  }
  if (open) drain(fd, out);
  ::close(fd);
  guard.release();  // the group is gone (or left on purpose by a process that escaped it)

  if (WIFEXITED(child.status)) {
    run.exit_code = WEXITSTATUS(child.status);
  } else if (WIFSIGNALED(child.status)) {
    run.signal = WTERMSIG(child.status);
    run.exit_code = 128 + run.signal;
  }
  // A value only counts from a run that finished by itself.
  if (!run.timed_out && !run.cancelled) {
    if (!out.trimmed()) {
      run.value = extract_value(out.text(), pattern_);
    } else {  // the cut between head and tail must not join two lines into one match
      run.value = extract_value(out.tail(), pattern_);
      if (!run.value) run.value = extract_value(out.head(), pattern_);
    }
  }
  std::string text = out.text();
  std::string tail = text.size() > kRunTail ? text.substr(text.size() - kRunTail) : text;
  run.output_tail = printable(tail);
  if (full_output) *full_output = std::move(text);
  return run;
}

CommandResult CommandEvaluator::run(const std::string& mapper_path, std::uint64_t seed) const {
  CommandResult result;
  const std::string command = substitute(spec_.command, mapper_path, seed);
  std::vector<double> values;
  for (int i = 0; i < spec_.repetitions; ++i) {
    std::string output;
    CommandRun r = run_once(command, &output);
    bool good = !r.timed_out && !r.cancelled && r.signal == 0 && r.exit_code == 0 && r.value &&
                value_acceptable(spec_.metric, *r.value);
    result.runs.push_back(r);
    if (!good) {
      result.error = failure_diagnostic(spec_, command, r, output, mapper_path);
      if (spec_.repetitions > 1)
        result.error.notes.insert(result.error.notes.begin(),
                                  fmt::format("in repetition {} of {}", i + 1, spec_.repetitions));
      return result;
    }
    values.push_back(*r.value);
  }
  result.ok = true;
  result.value = median(values);
  result.score = spec_.metric == CommandSpec::Metric::Time ? 1.0 / result.value : result.value;
  return result;
}

CommandResult run_command(const CommandSpec& spec, const std::string& mapper_path, std::uint64_t seed) {
  auto evaluator = CommandEvaluator::create(spec);
  if (!evaluator) {
    CommandResult result;
    result.error = evaluator.error();
    return result;
  }
  return evaluator->run(mapper_path, seed);
}

void terminate_running_commands() {
  std::lock_guard lock(registry_mutex());
  for (auto* cancel : registry()) cancel->store(true);
}

}  // namespace mage::search
