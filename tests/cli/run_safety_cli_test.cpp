// `mage` against the hostile cases that once lost data, leaked processes or secrets: a measured 1e-320, two
// processes on one run directory, a deleted best.mpl and a killed writer's temporaries, every way of
// killing `mage tune --run` (the command's process group must not outlive it), a reply echoing the API key,
// a key with a line break, writes through symlinks, onto FIFOs and read-only files, and a full stdout.
#include <signal.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_fixture.hpp"
#include "llm/fake_llm_server.hpp"

namespace {

using mage::llm::test::FakeLlmServer;
using mage::llm::test::openai_reply;
using mage::testing::Cli;
using mage::testing::slurp;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::vector<nlohmann::json> records(const fs::path& dir) {
  std::vector<nlohmann::json> out;
  std::istringstream in(slurp(dir / "evaluations.jsonl"));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

// Gone, or a zombie nobody reaps (some containers' init does not): either way not running.
bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return errno == ESRCH;
  std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

bool eventually_gone(pid_t pid, double seconds = 5) {
  const auto start = Clock::now();
  while (!process_gone(pid)) {
    if (std::chrono::duration<double>(Clock::now() - start).count() > seconds) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// The process ids a command wrote to `file`, one "SHELL CHILD" pair a line.
std::vector<pid_t> pids_in(const fs::path& file) {
  std::vector<pid_t> out;
  std::istringstream in(slurp(file));
  for (long p; in >> p;) out.push_back(static_cast<pid_t>(p));
  return out;
}

// A --run command that, for candidates only (not the baselines), starts a long sleep in its process group,
// writes its shell's and the sleep's ids to `pids`, and waits.
std::string sleeping_command(const fs::path& pids) {
  return "case {mapper} in *candidates*) sleep 120 & echo $$ $! >> '" + pids.string() +
         "'; wait;; esac; echo 1";
}

class RunSafety : public Cli {
 protected:
  // Starts `mage ARGS...` in the background (in the scratch folder), as a user's shell would.
  pid_t start(const std::vector<std::string>& args) {
    pid_t pid = ::fork();
    if (pid == 0) {
      if (::chdir(dir_.c_str()) != 0) ::_exit(127);
      ::setenv("NO_COLOR", "1", 1);
      int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::dup2(null, 2);
      std::vector<char*> argv = {const_cast<char*>(MAGE_BINARY)};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(MAGE_BINARY, argv.data());
      ::_exit(127);
    }
    return pid;
  }

  // Waits until `file` names at least one process; false after `seconds`.
  bool wait_for_pids(const fs::path& file, double seconds = 30) {
    const auto begin = Clock::now();
    while (pids_in(file).size() < 2) {
      if (std::chrono::duration<double>(Clock::now() - begin).count() > seconds) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }

  // Reaps `pid`; kills it (and fails) if it has not ended within `seconds`.
  void expect_exits(pid_t pid, double seconds = 15) {
    const auto begin = Clock::now();
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::duration<double>(Clock::now() - begin).count() > seconds) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        ADD_FAILURE() << "mage did not end";
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  std::vector<std::string> tune_args(const fs::path& out, const fs::path& pids) {
    return {"tune", "stencil", "--budget", "3", "--jobs", "1", "--quiet", "--timeout", "300", "--out", out.string(),
            "--run", sleeping_command(pids)};
  }
};

TEST_F(Cli, ASubnormalMeasuredTimeIsAFailedEvaluationAndTheRunResumes) {
  const fs::path out = dir_ / "tiny";
  const std::string run = " --run 'echo T=1e-320 # {mapper}' --pattern 'T=([0-9.eE+-]+)'";
  auto r = mage("tune stencil --budget 3 --quiet --out " + out.string() + run);
  EXPECT_EQ(r.code, 1) << r.err;  // no mapper succeeded
  const auto recs = records(out);
  ASSERT_EQ(recs.size(), 3u);
  for (const auto& rec : recs) {
    EXPECT_FALSE(rec["ok"].get<bool>());
    EXPECT_EQ(rec["error"]["code"], "run.bad-value");
    EXPECT_TRUE(rec["score"].is_number()) << rec;
  }
  auto resumed = mage("tune --resume " + out.string() + " --budget 4 --quiet");
  EXPECT_EQ(resumed.code, 1) << resumed.err;
  EXPECT_EQ(resumed.err.find("terminate"), std::string::npos) << resumed.err;
  EXPECT_EQ(records(out).size(), 4u);

  // A record damaged by hand is an error naming the file and line, never an abort.
  std::string log = slurp(out / "evaluations.jsonl");
  const auto second = log.find('\n') + 1;
  const auto end = log.find('\n', second);
  log.replace(second, end - second, R"({"index": 1, "ok": true, "score": null})");
  std::ofstream(out / "evaluations.jsonl", std::ios::binary | std::ios::trunc) << log;
  auto damaged = mage("tune --resume " + out.string() + " --budget 5 --quiet");
  EXPECT_EQ(damaged.code, 2) << damaged.err;
  EXPECT_NE(damaged.err.find("evaluations.jsonl` line 2"), std::string::npos) << damaged.err;
  EXPECT_NE(damaged.err.find("`score` is null, not a number"), std::string::npos) << damaged.err;
}

TEST_F(RunSafety, ASecondProcessOnARunningDirectoryIsRefused) {
  const fs::path out = dir_ / "busy", pids = dir_ / "pids";
  const pid_t first = start(tune_args(out, pids));
  ASSERT_TRUE(wait_for_pids(pids)) << "the first run never reached its candidates";
  auto resumed = mage("tune --resume " + out.string() + " --quiet");
  EXPECT_EQ(resumed.code, 2) << resumed.err;
  EXPECT_NE(resumed.err.find("is in use by another `mage tune` (process " + std::to_string(first) + ")"),
            std::string::npos)
      << resumed.err;
  auto fresh = mage("tune stencil --budget 2 --quiet --out " + out.string());
  EXPECT_EQ(fresh.code, 2) << fresh.err;
  EXPECT_TRUE(records(out).empty());
  // Once the first is gone (however it ended), the run can be resumed.
  ::kill(first, SIGKILL);
  expect_exits(first);
  for (pid_t p : pids_in(pids)) EXPECT_TRUE(eventually_gone(p)) << p;
  auto after = mage("tune --resume " + out.string() + " --budget 0 --quiet");
  EXPECT_EQ(after.err.find("in use"), std::string::npos) << after.err;
  EXPECT_EQ(after.code, 1) << after.err;  // nothing evaluated, so no mapper succeeded
}

TEST_F(Cli, ResumeRewritesADeletedBestFileAndRemovesTemporaries) {
  const fs::path out = dir_ / "best";
  auto r = mage("tune stencil --budget 4 --quiet --out " + out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string best = slurp(out / "best.mpl");
  ASSERT_FALSE(best.empty());
  fs::remove(out / "best.mpl");
  std::ofstream(out / "best.mpl.tmp.99999.0") << "Task";
  std::ofstream(out / "candidates" / "00004.mpl.tmp.99999") << "Task";
  auto resumed = mage("tune --resume " + out.string() + " --quiet");
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("best mapper: " + out.string() + "/best.mpl"), std::string::npos) << resumed.out;
  EXPECT_EQ(slurp(out / "best.mpl"), best);
  EXPECT_FALSE(fs::exists(out / "best.mpl.tmp.99999.0"));
  EXPECT_FALSE(fs::exists(out / "candidates" / "00004.mpl.tmp.99999"));
}

// Each way of ending `mage tune --run` takes the command's whole process group with it.
TEST_F(RunSafety, NoWayOfKillingTuneLeavesTheCommandRunning) {
  struct Way {
    const char* name;
    std::vector<int> signals;
  };
  const Way ways[] = {{"SIGTERM", {SIGTERM}},
                      {"SIGHUP", {SIGHUP}},
                      {"double SIGINT", {SIGINT, SIGINT}},
                      {"SIGKILL", {SIGKILL}},
                      {"SIGQUIT", {SIGQUIT}}};
  int n = 0;
  for (const Way& way : ways) {
    const fs::path out = dir_ / ("run" + std::to_string(n)), pids = dir_ / ("pids" + std::to_string(n));
    ++n;
    const pid_t pid = start(tune_args(out, pids));
    ASSERT_TRUE(wait_for_pids(pids)) << way.name;
    for (int sig : way.signals) {
      ::kill(pid, sig);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    expect_exits(pid);
    const auto started = pids_in(pids);
    ASSERT_EQ(started.size(), 2u) << way.name;
    for (pid_t p : started) {
      EXPECT_TRUE(eventually_gone(p)) << way.name << ": process " << p << " outlived mage";
      if (!process_gone(p)) ::kill(p, SIGKILL);
    }
  }
}

TEST_F(RunSafety, TimeoutDoesNotLeakTheCommand) {
  const fs::path out = dir_ / "timed", pids = dir_ / "pids";
  std::string args;
  for (const auto& a : tune_args(out, pids)) args += " '" + a + "'";
  // `timeout` sends SIGTERM to mage (and to its own group) after 4 s.
  auto r = run("timeout 4 '" + std::string(MAGE_BINARY) + "'" + args);
  EXPECT_EQ(r.code, 124) << r.err;
  const auto started = pids_in(pids);
  ASSERT_EQ(started.size(), 2u) << "the command never started";
  for (pid_t p : started) {
    EXPECT_TRUE(eventually_gone(p)) << "process " << p << " outlived `timeout mage`";
    if (!process_gone(p)) ::kill(p, SIGKILL);
  }
}

TEST_F(Cli, AKeyEchoedByTheServerReachesNoFileAndNoOutput) {
  FakeLlmServer server;
  const std::string key = "sk-echoed-secret-0123456789";
  // A proxy that quotes the request's headers back inside the answer.
  server.push(200, openai_reply("Your request had Authorization: Bearer " + key +
                                "\n```mpl\nTask * GPU;\n# " + key + "\n```\n"));
  server.push(200, openai_reply("no program, but the key again: " + key));
  ::setenv("MAGE_TEST_ECHO_KEY", key.c_str(), 1);
  const fs::path out = dir_ / "echo";
  auto r = mage("tune stencil --optimizer llm --iterations 2 --llm-key-env MAGE_TEST_ECHO_KEY --llm openai:test-model "
                "--llm-url " + server.openai_base() + " --out " + out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(server.received()[0].headers["authorization"], "Bearer " + key);  // it was sent
  EXPECT_EQ(r.out.find(key), std::string::npos);
  EXPECT_EQ(r.err.find(key), std::string::npos);
  std::size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(out)) {
    if (!e.is_regular_file()) continue;
    ++files;
    EXPECT_EQ(slurp(e.path()).find(key), std::string::npos) << e.path();
  }
  EXPECT_GE(files, 6u);
  const auto recs = records(out);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_NE(recs[0]["rationale"].get<std::string>().find("Bearer [redacted]"), std::string::npos) << recs[0];
}

TEST_F(Cli, AKeyWithALineBreakIsRefusedBeforeAnyRequest) {
  FakeLlmServer server;
  server.push(200, openai_reply("```mpl\nTask * GPU;\n```"));
  ::setenv("MAGE_TEST_CRLF_KEY", "sk-abcdefgh\r\nX-Injected: yes", 1);
  auto r = mage("tune stencil --optimizer llm --iterations 1 --quiet --llm-key-env MAGE_TEST_CRLF_KEY "
                "--llm openai:test-model --llm-url " + server.openai_base() + " --out " + (dir_ / "crlf").string());
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("control character (byte 0x0D at position 11)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("$MAGE_TEST_CRLF_KEY"), std::string::npos) << r.err;
  EXPECT_TRUE(server.received().empty());
}

TEST_F(Cli, ASlowServerNamesTheTimeoutOption) {
  FakeLlmServer server;
  server.push({200, openai_reply("```mpl\nTask * GPU;\n```"), {}, 2500});
  ::setenv("MAGE_TEST_LLM_KEY", "sk-test", 1);
  auto r = mage("tune stencil --optimizer llm --iterations 1 --quiet --llm-key-env MAGE_TEST_LLM_KEY --llm-timeout 1 "
                "--llm openai:test-model --llm-url " + server.openai_base() + " --out " + (dir_ / "slow").string());
  EXPECT_NE(r.err.find("did not answer within 1 s"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("raise --llm-timeout (now 1 s)"), std::string::npos) << r.err;
}

TEST_F(Cli, WritesFollowSymlinksKeepModesAndRefuseFifos) {
  const std::string messy = "Task  *   GPU;\n";
  fs::create_directories(dir_ / "real");
  write("real/m.mpl", messy);
  fs::create_symlink("real/m.mpl", dir_ / "link.mpl");
  auto r = mage("fmt --write " + (dir_ / "link.mpl").string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(dir_ / "link.mpl"));
  EXPECT_EQ(slurp(dir_ / "real/m.mpl"), "Task * GPU;\n");

  const fs::path ro = write("ro.mpl", messy);
  ASSERT_EQ(::chmod(ro.c_str(), 0444), 0);
  r = mage("fmt --write " + ro.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(slurp(ro), "Task * GPU;\n");
  struct stat st {};
  ASSERT_EQ(::stat(ro.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0444u);

  // A trace through a link lands in the link's target; a FIFO is refused and stays a FIFO.
  fs::create_symlink("real/trace.json", dir_ / "trace-link.json");
  r = mage("sim examples/halo2d.mpl --app examples/apps/halo2d.toml --machine p100x4 --trace " +
           (dir_ / "trace-link.json").string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(dir_ / "trace-link.json"));
  EXPECT_FALSE(nlohmann::json::parse(slurp(dir_ / "real/trace.json"))["traceEvents"].empty());
  ASSERT_EQ(::mkfifo((dir_ / "fifo.json").c_str(), 0644), 0);
  r = mage("sim examples/halo2d.mpl --app examples/apps/halo2d.toml --machine p100x4 --trace " +
           (dir_ / "fifo.json").string());
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("is a FIFO"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_fifo(dir_ / "fifo.json"));
}

TEST_F(Cli, AFailedWriteToStandardOutputIsAnError) {
  auto r = run("sh -c \"'" + std::string(MAGE_BINARY) + "' apps > /dev/full\"");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("cannot write to standard output"), std::string::npos) << r.err;
  r = run("sh -c \"'" + std::string(MAGE_BINARY) + "' fmt examples/halo2d.mpl > /dev/full\"");
  EXPECT_EQ(r.code, 2) << r.err;
}

}  // namespace
