// The command evaluator: the pure pieces (quoting, value extraction, median, error lines, validation) on
// their own, then real subprocesses through /bin/sh — success, repetitions, each kind of failure, the
// timeout that must take the whole process group down, and output that never closes.
#include "search/command_evaluator.hpp"

#include <gtest/gtest.h>

#include "temp_dir.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "feedback/feedback.hpp"
#include "search/command_output.hpp"

namespace mage::search {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using mage::testing::TempDir;


void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::string read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Gone, or a zombie that nobody reaps (init does not, in some containers): either way not running.
bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return errno == ESRCH;
  std::string stat = read("/proc/" + std::to_string(pid) + "/stat");
  auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

pid_t read_pid(const std::string& path) {
  std::string text = read(path);
  return text.empty() ? 0 : static_cast<pid_t>(std::stol(text));
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The process whose id the command wrote to `pidfile` is no longer running.
void expect_stopped(const std::string& pidfile) {
  pid_t pid = read_pid(pidfile);
  ASSERT_GT(pid, 0) << pidfile;
  EXPECT_TRUE(process_gone(pid)) << pidfile;
}

CommandSpec spec(std::string command, std::string pattern = "time = ([0-9.eE+-]+) s") {
  CommandSpec s;
  s.command = std::move(command);
  s.pattern = std::move(pattern);
  s.timeout_s = 20;
  return s;
}

bool has_note(const lang::Diagnostic& d, std::string_view text) {
  for (const auto& n : d.notes)
    if (n.find(text) != std::string::npos) return true;
  return false;
}

// ---- pure pieces --------------------------------------------------------------------------------------

TEST(CommandOutput, ExtractValueTakesTheLastMatch) {
  std::regex re("time = ([0-9.eE+-]+) s");
  EXPECT_EQ(extract_value("time = 1.0 s\nwarmup\ntime = 2.5 s\ndone\n", re), 2.5);
  EXPECT_EQ(extract_value("time = 1 s, time = 4 s", re), 4.0);
  EXPECT_EQ(extract_value("no numbers here\n", re), std::nullopt);
  EXPECT_EQ(extract_value("", re), std::nullopt);
  // A progress line ending in \r counts as a line of its own.
  EXPECT_EQ(extract_value("time = 3 s\rtime = 5 s\r", re), 5.0);
}

TEST(CommandOutput, ExtractValueHandlesExponentsAndSigns) {
  std::regex re("T=([0-9.eE+-]+)");
  EXPECT_DOUBLE_EQ(*extract_value("T=1.5e-3", re), 1.5e-3);
  EXPECT_DOUBLE_EQ(*extract_value("T=+4.0E+01", re), 40.0);
  EXPECT_DOUBLE_EQ(*extract_value("T=2E3\n", re), 2000.0);
  EXPECT_DOUBLE_EQ(*extract_value("T=-7", re), -7.0);
}

TEST(CommandOutput, ExtractValueSkipsCapturesThatAreNotNumbers) {
  std::regex re("time = (\\S+)");
  EXPECT_EQ(extract_value("time = 2.0\ntime = n/a\n", re), 2.0);
  EXPECT_EQ(extract_value("time = -\ntime = 1.2.3\n", re), std::nullopt);
  EXPECT_EQ(extract_value("time = inf\ntime = nan\n", re), std::nullopt);
}

TEST(CommandOutput, ExtractValueSurvivesHugeLines) {
  std::regex re("(?:a|b)*time = ([0-9.]+)");
  // One long line ending in the value, then a longer one without: only each line's end is matched.
  std::string output(1 << 20, 'a');
  output += "time = 3.25\n";
  output += std::string(1 << 21, 'b');
  EXPECT_EQ(extract_value(output, re), 3.25);
}

TEST(CommandOutput, ParseNumber) {
  EXPECT_EQ(parse_number(" 12.5 "), 12.5);
  EXPECT_EQ(parse_number("+3"), 3.0);
  EXPECT_EQ(parse_number("++3"), std::nullopt);
  EXPECT_EQ(parse_number("3x"), std::nullopt);
  EXPECT_EQ(parse_number(""), std::nullopt);
  EXPECT_EQ(parse_number("1e999"), std::nullopt);
}

TEST(CommandOutput, SubstituteQuotesTheMapperAndLeavesOtherBracesAlone) {
  EXPECT_EQ(substitute("run {mapper} --seed {seed} ${HOME} | awk '{print $2}'", "/tmp/a b/it's.mpl", 7),
            "run '/tmp/a b/it'\\''s.mpl' --seed 7 ${HOME} | awk '{print $2}'");
  EXPECT_EQ(substitute("{mapper}{mapper}", "x", 0), "'x''x'");
  EXPECT_EQ(substitute("no placeholders {mapp} {seed", "x", 1), "no placeholders {mapp} {seed");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("'"), "''\\'''");
}

TEST(CommandOutput, MedianOfOddAndEvenCounts) {
  EXPECT_EQ(median({3, 1, 2}), 2);
  EXPECT_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_EQ(median({5}), 5);
  EXPECT_EQ(median({}), 0);
  EXPECT_EQ(median({1, 100, 100}), 100);
}

TEST(CommandOutput, FindErrorLinePrefersMapperDiagnostics) {
  std::string output =
      "starting\n"
      "[0 - 7f00] 0.1 {5}{runtime}: [error 576] LEGION ERROR: instance allocation failed\n"
      "/tmp/run/candidates/00003.mpl:12:5: error: unknown task `stencl`\n"
      "other.cc:1:1: error: something else\n";
  auto line = find_error_line(output, "/elsewhere/00003.mpl");
  ASSERT_TRUE(line);
  EXPECT_EQ(line->kind, ErrorLine::Kind::MapperDiagnostic);
  EXPECT_EQ(line->line, 12u);
  EXPECT_EQ(line->column, 5u);
  EXPECT_NE(line->text.find("unknown task"), std::string::npos);

  // Another mapper name: the compiler-style line is only a Diagnostic, still ahead of the runtime error.
  line = find_error_line(output, "/x/other.mpl");
  ASSERT_TRUE(line);
  EXPECT_EQ(line->kind, ErrorLine::Kind::Diagnostic);
  EXPECT_NE(line->text.find("00003.mpl:12:5"), std::string::npos);
}

TEST(CommandOutput, FindErrorLineRanksRuntimeErrorsOverGenericOnes) {
  auto line = find_error_line("error count: 0\nok\nAssertion `x > 0' failed.\nAborted (core dumped)\n", "m.mpl");
  ASSERT_TRUE(line);
  EXPECT_EQ(line->kind, ErrorLine::Kind::RuntimeError);
  EXPECT_EQ(line->text, "Assertion `x > 0' failed.");

  line = find_error_line("step 1\nSegmentation fault\nerror: bye\n", "m.mpl");
  ASSERT_TRUE(line);
  EXPECT_EQ(line->kind, ErrorLine::Kind::Crash);

  // "errors" is not the word "error".
  line = find_error_line("0 errors\nall good\n\n", "m.mpl");
  ASSERT_TRUE(line);
  EXPECT_EQ(line->kind, ErrorLine::Kind::LastLine);
  EXPECT_EQ(line->text, "all good");

  EXPECT_FALSE(find_error_line("\n  \n", "m.mpl"));
}

TEST(CommandOutput, PrintableStripsColoursAndInvalidBytes) {
  EXPECT_EQ(printable("\x1b[31mred\x1b[0m ok\r\n"), "red ok\n");
  EXPECT_EQ(printable("a\xff" "b\x01" "c"), "a?b c");
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");
  // Whatever goes in, the result serializes as JSON.
  std::string junk;
  for (int i = 0; i < 256; ++i) junk += static_cast<char>(i);
  EXPECT_NO_THROW((void)nlohmann::json(printable(junk)).dump());
}

TEST(CommandOutput, LastLines) {
  EXPECT_EQ(last_lines("a\nb\n\nc\nd\n", 2, 100), "c\nd");
  EXPECT_EQ(last_lines("", 5, 100), "");
  std::string cut = last_lines(std::string(50, 'x'), 1, 10);
  EXPECT_EQ(cut.size(), 10u);
  EXPECT_TRUE(cut.starts_with("..."));
}

TEST(CommandSpecCheck, BadPatternsNameTheOption) {
  auto bad = compile_pattern("time = ([0-9");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "run.bad-pattern");
  EXPECT_EQ(bad.error().category, lang::Category::Usage);
  EXPECT_NE(bad.error().message.find("--pattern"), std::string::npos);
  EXPECT_NE(bad.error().hint.find("group"), std::string::npos);

  auto no_group = compile_pattern("time = [0-9.]+");
  ASSERT_FALSE(no_group);
  EXPECT_NE(no_group.error().message.find("no capture group"), std::string::npos);
  EXPECT_FALSE(compile_pattern(""));
  EXPECT_TRUE(compile_pattern("x=([0-9]+)"));
}

TEST(CommandSpecCheck, ValidateCatchesEachMistake) {
  EXPECT_FALSE(validate(spec("./app {mapper}")));
  auto code_of = [](CommandSpec s) {
    auto d = validate(s);
    return d ? d->code : std::string();
  };
  EXPECT_EQ(code_of(spec("./app")), "run.bad-command");
  EXPECT_EQ(code_of(spec("  ")), "run.bad-command");
  EXPECT_EQ(code_of(spec("./app '{mapper}'")), "run.bad-command");
  EXPECT_EQ(code_of(spec("./app \"{mapper}\"")), "run.bad-command");
  EXPECT_EQ(code_of(spec("./app {mapper}", "(")), "run.bad-pattern");
  auto s = spec("./app {mapper}");
  s.repetitions = 0;
  EXPECT_EQ(code_of(s), "run.bad-option");
  s = spec("./app {mapper}");
  s.timeout_s = 0;
  EXPECT_EQ(code_of(s), "run.bad-option");
  s = spec("./app {mapper}");
  s.workdir = "/nonexistent/mage/workdir";
  EXPECT_EQ(code_of(s), "run.bad-option");

  // run_command reports the same, without running anything.
  auto r = run_command(spec("./app"), "m.mpl");
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.runs.empty());
  EXPECT_EQ(r.error.code, "run.bad-command");
}

TEST(CommandFailure, DiagnosticQuotesTheMapperLineAndBecomesFeedback) {
  CommandRun run;
  run.exit_code = 1;
  std::string output = "loading\nmapper.mpl:3:9: error: unknown memory kind `FBMEMM`\n";
  run.output_tail = output;
  auto d = failure_diagnostic(spec("./app {mapper}"), "./app 'mapper.mpl'", run, output, "/runs/x/mapper.mpl");
  EXPECT_EQ(d.code, "run.exit-status");
  EXPECT_EQ(d.category, lang::Category::Mapping);
  EXPECT_NE(d.message.find("status 1"), std::string::npos);
  EXPECT_NE(d.message.find("unknown memory kind `FBMEMM`"), std::string::npos);
  EXPECT_EQ(d.span.begin.line, 3u);
  EXPECT_EQ(d.span.begin.column, 9u);
  EXPECT_TRUE(has_note(d, "command: ./app 'mapper.mpl'"));

  lang::Diagnostics diags;
  diags.add(d);
  lang::SourceFile source("mapper.mpl", "Task * GPU;\nRegion * * GPU FBMEM;\nRegion * * CPU FBMEMM;\n");
  auto fb = feedback::from_diagnostics(diags, &source);
  EXPECT_NE(fb.system.find("FBMEMM"), std::string::npos);
  EXPECT_FALSE(fb.explain.empty());
  EXPECT_FALSE(fb.suggest.empty());
  EXPECT_FALSE(fb.fired.empty());
}

TEST(CommandFailure, EachKindHasItsCode) {
  auto s = spec("./app {mapper}");
  auto code = [&](CommandRun r, std::string out = "x\n") {
    return failure_diagnostic(s, "./app m", r, out, "m.mpl").code;
  };
  CommandRun timeout;
  timeout.timed_out = true;
  timeout.exit_code = 143;
  EXPECT_EQ(code(timeout), "run.timeout");
  CommandRun signal;
  signal.signal = SIGSEGV;
  signal.exit_code = 128 + SIGSEGV;
  EXPECT_EQ(code(signal), "run.signal");
  EXPECT_NE(failure_diagnostic(s, "c", signal, "", "m").message.find("SIGSEGV"), std::string::npos);
  CommandRun no_match;
  no_match.exit_code = 0;
  EXPECT_EQ(code(no_match), "run.no-match");
  EXPECT_EQ(failure_diagnostic(s, "c", no_match, "fine\n", "m").category, lang::Category::Usage);
  EXPECT_EQ(failure_diagnostic(s, "c", no_match, "ERROR: out of memory\n", "m").category, lang::Category::Mapping);
  CommandRun zero;
  zero.exit_code = 0;
  zero.value = 0.0;
  EXPECT_EQ(code(zero), "run.bad-value");
  CommandRun never;
  never.output_tail = "cannot create a pipe: Too many open files";
  EXPECT_EQ(code(never), "run.start-failed");
  CommandRun shell_signal;
  shell_signal.exit_code = 134;
  auto d = failure_diagnostic(s, "c", shell_signal, "", "m");
  EXPECT_EQ(d.code, "run.exit-status");
  EXPECT_NE(d.message.find("SIGABRT"), std::string::npos);
  EXPECT_TRUE(has_note(d, "printed nothing"));
}

// ---- real subprocesses --------------------------------------------------------------------------------

TEST(CommandRun, Success) {
  TempDir dir;
  std::string mapper = dir.file("m.mpl");
  write(mapper, "Task * GPU;\n");
  auto r = run_command(spec("test -f {mapper} && echo \"time = 1.5 s\""), mapper);
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.value, 1.5);
  EXPECT_DOUBLE_EQ(r.score, 1 / 1.5);
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.runs[0].exit_code, 0);
  EXPECT_FALSE(r.runs[0].timed_out);
  EXPECT_EQ(r.runs[0].value, 1.5);
  EXPECT_NE(r.runs[0].output_tail.find("time = 1.5 s"), std::string::npos);

  auto t = spec("echo 'throughput: 2e3 GB/s' >&2; : {mapper}", "throughput: ([0-9.eE+-]+)");
  t.metric = CommandSpec::Metric::Throughput;
  auto rt = run_command(t, mapper);
  ASSERT_TRUE(rt.ok) << rt.error.message;
  EXPECT_EQ(rt.value, 2000);
  EXPECT_EQ(rt.score, 2000);  // stderr is read too
}

TEST(CommandRun, MedianOverRepetitions) {
  TempDir dir;
  std::string counter = shell_quote(dir.file("count"));
  auto s = spec("n=$(cat " + counter + " 2>/dev/null || echo 0); n=$((n+1)); echo $n > " + counter +
                "; case $n in 1) v=5;; 2) v=1;; *) v=3;; esac; echo \"time = $v s\"; : {mapper}");
  s.repetitions = 3;
  auto r = run_command(s, dir.file("m.mpl"));
  ASSERT_TRUE(r.ok) << r.error.message;
  ASSERT_EQ(r.runs.size(), 3u);
  EXPECT_EQ(r.runs[0].value, 5);
  EXPECT_EQ(r.runs[1].value, 1);
  EXPECT_EQ(r.runs[2].value, 3);
  EXPECT_EQ(r.value, 3);
  EXPECT_DOUBLE_EQ(r.score, 1.0 / 3);
}

TEST(CommandRun, RepetitionsStopAtTheFirstFailure) {
  TempDir dir;
  std::string counter = shell_quote(dir.file("count"));
  auto s = spec("n=$(cat " + counter + " 2>/dev/null || echo 0); n=$((n+1)); echo $n > " + counter +
                "; if [ $n -eq 2 ]; then echo broken; exit 4; fi; echo \"time = 1 s\"; : {mapper}");
  s.repetitions = 5;
  auto r = run_command(s, dir.file("m.mpl"));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.runs.size(), 2u);
  EXPECT_EQ(r.error.code, "run.exit-status");
  EXPECT_TRUE(has_note(r.error, "repetition 2 of 5"));
  EXPECT_EQ(read(dir.file("count")), "2\n");
}

TEST(CommandRun, ParseFailure) {
  auto r = run_command(spec("echo 'the run finished'; echo 'elapsed: 3 seconds'; : {mapper}"), "m.mpl");
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.runs[0].exit_code, 0);
  EXPECT_FALSE(r.runs[0].value);
  EXPECT_EQ(r.error.code, "run.no-match");
  EXPECT_EQ(r.error.category, lang::Category::Usage);
  EXPECT_NE(r.error.message.find("time = ([0-9.eE+-]+) s"), std::string::npos);
  EXPECT_NE(r.error.message.find("elapsed: 3 seconds"), std::string::npos);
  EXPECT_NE(r.error.hint.find("--pattern"), std::string::npos);
  EXPECT_TRUE(has_note(r.error, "the run finished"));
}

TEST(CommandRun, NonZeroExitQuotesTheOutput) {
  auto r = run_command(spec("echo 'starting'; echo '[0 - 7f3a] {runtime}: [error 576] LEGION ERROR: out of memory "
                            "in FBMEM' >&2; echo 'cleanup done'; exit 3; : {mapper}"),
                       "m.mpl");
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.runs[0].exit_code, 3);
  EXPECT_EQ(r.error.code, "run.exit-status");
  EXPECT_EQ(r.error.category, lang::Category::Mapping);
  EXPECT_NE(r.error.message.find("status 3"), std::string::npos);
  EXPECT_NE(r.error.message.find("LEGION ERROR: out of memory in FBMEM"), std::string::npos);
  EXPECT_NE(r.error.hint.find("memory"), std::string::npos);
  EXPECT_TRUE(has_note(r.error, "cleanup done"));
}

TEST(CommandRun, MapperDiagnosticInOutputPointsAtTheLine) {
  TempDir dir;
  std::string mapper = dir.file("cand.mpl");
  write(mapper, "Task * GPU;\n");
  auto r = run_command(spec("echo \"$(basename {mapper}):4:7: error: unknown task \\`foo\\`\" >&2; exit 1"), mapper);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.code, "run.exit-status");
  EXPECT_EQ(r.error.span.begin.line, 4u);
  EXPECT_EQ(r.error.span.begin.column, 7u);
  EXPECT_NE(r.error.message.find("cand.mpl:4:7: error: unknown task `foo`"), std::string::npos);
}

TEST(CommandRun, KilledBySignal) {
  auto r = run_command(spec("ulimit -c 0; echo 'about to crash'; kill -SEGV $$; : {mapper}"), "m.mpl");
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.runs[0].signal, SIGSEGV);
  EXPECT_EQ(r.error.code, "run.signal");
  EXPECT_NE(r.error.message.find("SIGSEGV"), std::string::npos);
  EXPECT_NE(r.error.message.find("about to crash"), std::string::npos);
}

TEST(CommandRun, TimeoutKillsTheWholeProcessGroup) {
  TempDir dir;
  std::string pidfile = shell_quote(dir.file("grandchild.pid"));
  auto s = spec("echo 'time = 9 s'; sleep 30 & echo $! > " + pidfile + "; sleep 30; : {mapper}");
  s.timeout_s = 1;
  auto start = Clock::now();
  auto r = run_command(s, dir.file("m.mpl"));
  double took = seconds_since(start);
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_TRUE(r.runs[0].timed_out);
  EXPECT_FALSE(r.runs[0].value);  // a value printed before the timeout does not count
  EXPECT_EQ(r.error.code, "run.timeout");
  EXPECT_NE(r.error.hint.find("--timeout"), std::string::npos);
  EXPECT_GE(took, 0.9);
  EXPECT_LT(took, 1 + kKillGrace_s + 1.5);
  expect_stopped(dir.file("grandchild.pid"));
}

TEST(CommandRun, TimeoutEscalatesToSigkill) {
  TempDir dir;
  std::string pidfile = shell_quote(dir.file("grandchild.pid"));
  // SIGTERM is ignored by the shell and, inherited, by its children: only SIGKILL ends them.
  auto s = spec("trap '' TERM; sleep 30 & echo $! > " + pidfile + "; sleep 30; : {mapper}");
  s.timeout_s = 1;
  auto start = Clock::now();
  auto r = run_command(s, dir.file("m.mpl"));
  double took = seconds_since(start);
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_TRUE(r.runs[0].timed_out);
  EXPECT_EQ(r.runs[0].signal, SIGKILL);
  EXPECT_GE(took, 1 + kKillGrace_s - 0.2);
  EXPECT_LT(took, 1 + kKillGrace_s + 1.5);
  expect_stopped(dir.file("grandchild.pid"));
}

TEST(CommandRun, LeftoverProcessesAreStoppedAfterExit) {
  TempDir dir;
  std::string pidfile = shell_quote(dir.file("leftover.pid"));
  // The background sleep keeps the output pipe open after the shell exits.
  auto s = spec("sleep 30 & echo $! > " + pidfile + "; echo 'time = 2 s'; : {mapper}");
  auto start = Clock::now();
  auto r = run_command(s, dir.file("m.mpl"));
  double took = seconds_since(start);
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.value, 2);
  EXPECT_LT(took, kLeftoverLinger_s + kKillGrace_s + 1.5);
  expect_stopped(dir.file("leftover.pid"));
}

TEST(CommandRun, EscapedGrandchildHoldingThePipeDoesNotHangTheReader) {
  TempDir dir;
  std::string pidfile = shell_quote(dir.file("escaped.pid"));
  // setsid moves the sleep out of the group: it cannot be killed with it, but must not block the run.
  auto s = spec("setsid sleep 30 & echo $! > " + pidfile + "; echo 'time = 4 s'; : {mapper}");
  s.timeout_s = 20;
  auto start = Clock::now();
  auto r = run_command(s, dir.file("m.mpl"));
  double took = seconds_since(start);
  pid_t escaped = read_pid(dir.file("escaped.pid"));
  if (escaped > 0) ::kill(escaped, SIGKILL);
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.value, 4);
  EXPECT_LT(took, kLeftoverLinger_s + kKillGrace_s + 3);
}

TEST(CommandRun, MapperPathWithSpaceAndQuotes) {
  TempDir dir;
  fs::create_directories(dir.file("with space"));
  std::string mapper = dir.file("with space/it's \"odd\" $HOME.mpl");
  write(mapper, "Task * GPU;  # marker\n");
  auto r = run_command(spec("cat {mapper} && echo \"time = 1 s\""), mapper);
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_NE(r.runs[0].output_tail.find("Task * GPU;  # marker"), std::string::npos);

  auto seeded = run_command(spec("echo 'time = {seed} s'; : {mapper}"), mapper, 42);
  ASSERT_TRUE(seeded.ok) << seeded.error.message;
  EXPECT_EQ(seeded.value, 42);
}

TEST(CommandRun, LargeOutputKeepsTheTail) {
  auto r = run_command(spec("echo 'time = 8 s'; yes 'filler line' | head -c 3000000; echo; echo 'time = 7 s'; "
                            ": {mapper}"),
                       "m.mpl");
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.value, 7);
  EXPECT_LE(r.runs[0].output_tail.size(), kRunTail);
  EXPECT_NE(r.runs[0].output_tail.find("time = 7 s"), std::string::npos);

  // Only the head still holds a match: it is found there.
  auto head = run_command(spec("echo 'time = 6 s'; yes 'filler line' | head -c 3000000; : {mapper}"), "m.mpl");
  ASSERT_TRUE(head.ok) << head.error.message;
  EXPECT_EQ(head.value, 6);
}

TEST(CommandRun, WorkdirAndStdin) {
  TempDir dir;
  write(dir.file("here.txt"), "time = 5 s\n");
  auto s = spec("cat here.txt; cat; : {mapper}");  // `cat` alone reads stdin: /dev/null, so it ends at once
  s.workdir = dir.path();
  s.timeout_s = 10;
  auto r = run_command(s, "m.mpl");
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.value, 5);
}

TEST(CommandRun, TerminateRunningCommands) {
  TempDir dir;
  auto s = spec("sleep 30; : {mapper}");
  s.timeout_s = 60;
  std::atomic<bool> done{false};
  CommandResult r;
  std::thread runner([&] {
    r = run_command(s, dir.file("m.mpl"));
    done = true;
  });
  auto start = Clock::now();
  // Ask until the run notices: it may not have registered when the first request comes.
  while (!done && seconds_since(start) < 15) {
    terminate_running_commands();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  runner.join();
  EXPECT_LT(seconds_since(start), 1 + kKillGrace_s + 2);
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_TRUE(r.runs[0].cancelled);
  EXPECT_EQ(r.error.code, "run.cancelled");
}

}  // namespace
}  // namespace mage::search
