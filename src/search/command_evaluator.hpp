// Evaluating a mapper by running a real application: any shell command that takes the mapper file and
// prints its time or throughput. This is how a real Legion application is tuned, so it must survive
// everything real runs do — hang, crash, print megabytes, leave background processes behind — and turn
// each of those into a diagnostic that says what happened and what to do, which feedback then explains.
//
// Each run is `/bin/sh -c COMMAND` in a process group of its own, with stdout and stderr on one pipe and
// stdin on /dev/null. On timeout the whole group gets SIGTERM, then SIGKILL after a grace period; any
// process the command leaves behind in its group when it exits is ended the same way, so when a run returns
// nothing of it is left running to disturb the next one (save a process that left the group itself).
#pragma once

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "lang/diagnostic.hpp"
#include "lang/expected.hpp"

namespace mage::search {

struct CommandSpec {
  std::string command;  // shell command template: `{mapper}` becomes the mapper path (shell-quoted; write it
                        // bare, not in quotes), `{seed}` the seed of the run
  std::string pattern;  // ECMAScript regex whose first capture group holds the number, e.g.
                        // "ELAPSED TIME = ([0-9.eE+-]+) s"; the last match in the output counts
  enum class Metric { Time, Throughput } metric = Metric::Time;  // Time: lower is better; Throughput: higher
  int repetitions = 1;     // the result is the median of this many runs; the first failure stops them
  double timeout_s = 600;  // per run
  std::string workdir;     // empty: the current directory
};

// How long a group that got SIGTERM has to exit before SIGKILL, and how long processes the command left
// behind in its group may go on after it exits before they get SIGTERM.
inline constexpr double kKillGrace_s = 2.0;
inline constexpr double kLeftoverLinger_s = 1.0;
// Output kept per run: the first kOutputHead bytes and the last kOutputTail bytes (matching and error
// lines use both); CommandRun::output_tail holds the last kRunTail of them.
inline constexpr std::size_t kOutputHead = 16u << 10;
inline constexpr std::size_t kOutputTail = 64u << 10;
inline constexpr std::size_t kRunTail = 4u << 10;

struct CommandRun {
  int exit_code = -1;       // the exit status; 128 + N when killed by signal N; -1 when it never started
  int signal = 0;           // the signal that killed /bin/sh itself, if one did
  bool timed_out = false;
  bool cancelled = false;   // stopped by terminate_running_commands()
  double seconds = 0;       // wall time until the command exited (or was killed)
  std::string output_tail;  // the last ~4 KB of stdout and stderr, made printable (command_output.hpp)
  std::optional<double> value;  // what the pattern extracted
};

struct CommandResult {
  bool ok = false;
  double value = 0;  // median of the extracted values
  double score = 0;  // higher is better: the value for Throughput, 1 / value for Time
  std::vector<CommandRun> runs;
  lang::Diagnostic error;  // when !ok: what went wrong
};

// The spec's pattern compiled, or a Usage diagnostic naming `--pattern` when it does not compile or has no
// capture group.
lang::Expected<std::regex> compile_pattern(const std::string& pattern);

// Everything wrong with a spec before anything runs (the pattern, a missing or quoted `{mapper}`, a
// repetition count or timeout out of range, a missing work directory); nothing when it is fine.
std::optional<lang::Diagnostic> validate(const CommandSpec& spec);

// Why one run failed, as a diagnostic. Codes: "run.timeout", "run.signal", "run.exit-status",
// "run.no-match", "run.bad-value" (a time that is not positive, a negative throughput), "run.start-failed"
// and "run.cancelled". `output` is what the run printed (at least its tail); the message quotes its most
// relevant line (find_error_line), and when that line is a diagnostic about the mapper file, the span points
// at the line and column it names. Notes give the command and the last lines of output. Category Mapping
// when the mapper is the likely cause (a crash, a timeout, an error in the output), Usage when the command
// or the pattern is (no match, a bad value, a command that cannot start).
lang::Diagnostic failure_diagnostic(const CommandSpec& spec, const std::string& command, const CommandRun& run,
                                    std::string_view output, const std::string& mapper_path);

// A validated spec, ready to run many mappers, from several threads at once.
class CommandEvaluator {
 public:
  static lang::Expected<CommandEvaluator> create(CommandSpec spec);

  const CommandSpec& spec() const { return spec_; }
  // Runs the command spec().repetitions times (stopping at the first failure) on the mapper file.
  CommandResult run(const std::string& mapper_path, std::uint64_t seed = 0) const;
  // One run, with no repetitions and no judgement beyond extracting the value.
  CommandRun run_once(const std::string& command, std::string* full_output = nullptr) const;

 private:
  CommandEvaluator(CommandSpec spec, std::regex pattern) : spec_(std::move(spec)), pattern_(std::move(pattern)) {}
  CommandSpec spec_;
  std::regex pattern_;
};

// Validates the spec, then runs it; an invalid spec gives !ok with the validation error.
CommandResult run_command(const CommandSpec& spec, const std::string& mapper_path, std::uint64_t seed = 0);

// Asks every command running in this process to stop, e.g. when the user interrupts a tuning run: each
// is stopped as on a timeout (SIGTERM to its group, SIGKILL after the grace period) and its run fails with
// code "run.cancelled". Returns at once; commands started afterwards are not affected. Not for signal
// handlers: call it from a normal thread once the interrupt is noticed.
void terminate_running_commands();

}  // namespace mage::search
