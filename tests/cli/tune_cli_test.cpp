// `mage tune` as a user runs it: a simulated run into a run directory, a run killed mid-way and resumed to
// the same evaluations as an uninterrupted one, and a real command measured by the command evaluator.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_fixture.hpp"

namespace {

using mage::testing::Cli;
using mage::testing::slurp;
namespace fs = std::filesystem;

// The complete records of a run's evaluations.jsonl (a torn last line is skipped).
std::vector<nlohmann::json> records(const fs::path& dir) {
  std::vector<nlohmann::json> out;
  std::istringstream in(slurp(dir / "evaluations.jsonl"));
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded()) out.push_back(j);
  }
  return out;
}

TEST_F(Cli, TuneWritesARunDirectory) {
  const fs::path out = dir_ / "run";
  auto r = mage("tune stencil --budget 12 --jobs 2 --quiet --out " + out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("the expert mapper"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("simulated"), std::string::npos) << r.out;
  for (const char* f : {"run.json", "evaluations.jsonl", "best.mpl", "summary.json", "default.mpl", "expert.mpl",
                        "candidates/00011.mpl"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  EXPECT_EQ(records(out).size(), 12u);
  auto summary = nlohmann::json::parse(slurp(out / "summary.json"));
  EXPECT_EQ(summary["evaluations"], 12);
  EXPECT_GE(summary["best"]["vs_default"].get<double>(), 1.0);  // the default point is evaluated first
  // The best mapper is a program `mage check` accepts.
  EXPECT_EQ(mage("check " + (out / "best.mpl").string()).code, 0);
  // The directory is not overwritten by a second run.
  auto again = mage("tune stencil --budget 2 --quiet --out " + out.string());
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.err.find("--resume"), std::string::npos) << again.err;
}

TEST_F(Cli, TuneKilledMidwayResumesToTheSameEvaluations) {
  const fs::path cut = dir_ / "cut", whole = dir_ / "whole";
  const std::string args = "tune stencil --optimizer ensemble --seed 3 --jobs 1 --quiet";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(MAGE_BINARY, MAGE_BINARY, "tune", "stencil", "--optimizer", "ensemble", "--seed", "3", "--jobs", "1",
            "--quiet", "--budget", "100000", "--out", cut.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Kill it without warning once it has recorded some evaluations.
  for (int i = 0; i < 3000 && records(cut).size() < 8; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const std::size_t kept = records(cut).size();
  ASSERT_GE(kept, 8u) << "the run recorded too little before the kill";
  const std::string budget = std::to_string(kept + 10);
  auto resumed = mage("tune --resume " + cut.string() + " --budget " + budget + " --quiet");
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resuming after"), std::string::npos) << resumed.err;
  auto uninterrupted = mage(args + " --budget " + budget + " --out " + whole.string());
  ASSERT_EQ(uninterrupted.code, 0) << uninterrupted.err;
  const auto a = records(cut), b = records(whole);
  ASSERT_EQ(a.size(), kept + 10);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]["point"], b[i]["point"]) << "evaluation " << i;
    EXPECT_EQ(a[i]["score"], b[i]["score"]) << "evaluation " << i;
  }
}

TEST_F(Cli, TuneMeasuresARealCommand) {
  // The "application" reports the mapper file's size as its time, so shorter programs win.
  const fs::path out = dir_ / "measured";
  auto r = mage("tune stencil --budget 6 --quiet --out " + out.string() +
                " --run \"echo elapsed \\$(wc -c < {mapper}) s\" --pattern \"elapsed ([0-9]+) s\" --metric time");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("(measured)"), std::string::npos) << r.out;
  const auto recs = records(out);
  ASSERT_EQ(recs.size(), 6u);
  EXPECT_TRUE(recs[0]["ok"].get<bool>());
  EXPECT_EQ(recs[0]["value"].get<double>(), static_cast<double>(slurp(out / "candidates/00000.mpl").size()));
  // A command that fails becomes a failed evaluation with its output in the feedback.
  auto failing = mage("tune stencil --budget 2 --quiet --out " + (dir_ / "failing").string() +
                      " --run \"echo broken {mapper} >&2; exit 3\"");
  EXPECT_EQ(failing.code, 1) << failing.err;
  const auto bad = records(dir_ / "failing");
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_FALSE(bad[0]["ok"].get<bool>());
  EXPECT_EQ(bad[0]["error"]["code"], "run.exit-status");
}

}  // namespace
