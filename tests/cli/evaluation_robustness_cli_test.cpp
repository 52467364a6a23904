// The evaluator never crashes on a program `mage check` accepts, and when a simulation process does crash
// (made to, with the test hook MAGE_TEST_CRASH) mage says it failed, not the program, with its own exit
// code, and keeps the program.
#include <nlohmann/json.hpp>

#include "cli/cli_fixture.hpp"

namespace mage::testing {
namespace {

// A local machine space indexed through a comprehension: the value read from `grid` must stay valid while
// the comprehension binds `k`. This once ended in signal 11.
constexpr const char* kLocalSpaceProgram =
    "m_gpu = Machine(GPU);\n"
    "def c3(Task task) { grid = m_gpu; return grid[*tuple(0 for k in (0, 1))]; }\n"
    "IndexTaskMap task_4 c3;\n";

constexpr const char* kSplitSpaceProgram =
    "Task * GPU;\n"
    "m = Machine(GPU);\n"
    "def f(Task task) { s = m.split(1, 2); return s[*tuple(task.ipoint[0] % s.size[i] for i in (0, 1, 2))]; }\n"
    "IndexTaskMap work f;\n";

TEST_F(Cli, LocalSpaceIndexedByAComprehensionChecksAndSimulates) {
  auto f = write("c3.mpl", kLocalSpaceProgram);
  ASSERT_EQ(mage("check " + f.string()).code, 0);
  auto r = mage("sim --app cosma " + f.string());
  // Every point of task_4 goes to GPU 0 of node 0: a valid, slow mapping; simulated, not crashed.
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("throughput"), std::string::npos) << r.out;
  auto j = nlohmann::json::parse(mage("sim --app cosma --format json " + f.string()).out);
  EXPECT_EQ(j["ok"], true);
}

TEST_F(Cli, SplitSpaceIndexedByAComprehensionChecksAndMaps) {
  auto f = write("split.mpl", kSplitSpaceProgram);
  ASSERT_EQ(mage("check " + f.string()).code, 0);
  auto r = mage("map " + f.string() + " --machine nodes=2,gpus=4 --task work --domain 4x2 --format json");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  // m is 2 x 4; split(1, 2) makes it 2 x 2 x 2; point (p, q) goes to (p % 2, p % 2, p % 2).
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["errors"], 0);
  ASSERT_EQ(j["points"].size(), 8u);
  for (const auto& p : j["points"]) {
    const int odd = p["point"][0].get<int>() % 2;
    EXPECT_EQ(p["node"], odd) << p;
    EXPECT_EQ(p["proc"], 3 * odd) << p;
  }
  EXPECT_EQ(mage("map " + f.string() + " --machine nodes=2,gpus=4 --task work --domain 4x2").code, 0);
}

TEST_F(Cli, ACrashedSimulationIsMagesFailureNotTheProgram) {
  const std::string program = "Task * GPU;\n";
  auto f = write("fine.mpl", program);
  auto r = run("MAGE_TEST_CRASH=simulation-process '" + std::string(MAGE_BINARY) + "' sim --app stencil " +
               f.string());
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("mage failed, not the program"), std::string::npos) << r.out << r.err;
  EXPECT_EQ(r.err.find("fine.mpl"), std::string::npos) << r.err;  // not reported against the program's file
  EXPECT_EQ(slurp(f), program);  // the program is kept as it was
  auto j = nlohmann::json::parse(
      run("MAGE_TEST_CRASH=simulation-process '" + std::string(MAGE_BINARY) + "' sim --format json --app stencil " +
          f.string())
          .out);
  EXPECT_EQ(j["error"]["code"], "sim.crash");
  EXPECT_EQ(j["internal_error"], true);
  EXPECT_EQ(j["feedback"]["fired"][0], "internal.crash");
  // Without the hook the same program simulates: the hook is the only way to trip it.
  EXPECT_EQ(mage("sim --app stencil " + f.string()).code, 0);
}

TEST_F(Cli, TuningCountsInternalErrorsApart) {
  auto out = dir_ / "run";
  auto r = run("MAGE_TEST_CRASH=evaluation-process '" + std::string(MAGE_BINARY) +
               "' tune stencil --optimizer random --budget 3 --quiet --out " + out.string());
  // Nothing succeeded (the baselines crashed too), so no best: exit 1, with the crashes named as mage's.
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("3 evaluations failed inside mage, not because of the program"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("mage failed, not the program"), std::string::npos) << r.err;  // the baselines' lines
  auto summary = nlohmann::json::parse(slurp(out / "summary.json"));
  EXPECT_EQ(summary["outcomes"]["internal_errors"], 3);
  EXPECT_EQ(summary["outcomes"]["failed"], 0);
  EXPECT_EQ(summary["outcomes"]["succeeded"], 0);
  std::istringstream lines(slurp(out / "evaluations.jsonl"));
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    auto rec = nlohmann::json::parse(line);
    EXPECT_EQ(rec["internal_error"], true);
    EXPECT_EQ(rec["error"]["code"], "sim.crash");
    EXPECT_TRUE(fs::exists(out / rec["candidate"].get<std::string>())) << rec["candidate"];
  }
  EXPECT_EQ(n, 3);
}

}  // namespace
}  // namespace mage::testing
