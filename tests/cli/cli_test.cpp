// The `mage` program as a user runs it: exit codes, text and JSON output, files it rewrites, and the
// examples shipped in examples/ and docs/.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_fixture.hpp"

namespace {

using mage::testing::Cli;
using mage::testing::slurp;
namespace fs = std::filesystem;

TEST_F(Cli, CheckCleanProgramExitsZero) {
  auto r = mage("check examples/stencil.mpl --machine p100x4 --app examples/stencil.app.toml");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("0 errors, 0 warnings"), std::string::npos) << r.err;
}

TEST_F(Cli, CheckReportsEverySyntaxErrorWithCaret) {
  auto f = write("bad.mpl", "Task * GPU\nRegion * * GPU FBMEM;\ndef f(Task t): return 1;\nx = (1, 2;\n");
  auto r = mage("check " + f.string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("bad.mpl:1:11: error: expected `;`"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bad.mpl:3:14: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no colon"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bad.mpl:4:10: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("    1 | Task * GPU\n      |           ^"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("3 errors"), std::string::npos) << r.err;
}

TEST_F(Cli, CheckJsonListsDiagnostics) {
  auto f = write("w.mpl", "Task * GPU;\nTask * CPU;\nRegion * * GPU FBMEMM;\n");
  auto r = mage("check " + f.string() + " --format json");
  EXPECT_EQ(r.code, 1);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["errors"], 1);
  EXPECT_EQ(j["warnings"], 1);
  bool saw_error = false;
  for (const auto& d : j["diagnostics"]) {
    for (const char* key : {"severity", "line", "column", "message", "hint", "code", "category"})
      EXPECT_TRUE(d.contains(key)) << key;
    if (d["severity"] == "error") {
      saw_error = true;
      EXPECT_EQ(d["line"], 3);
      EXPECT_EQ(d["column"], 16);
      EXPECT_NE(d["hint"].get<std::string>().find("FBMEM"), std::string::npos) << d.dump();
    }
  }
  EXPECT_TRUE(saw_error);
}

TEST_F(Cli, CheckWithMachineEvaluatesGlobals) {
  auto f = write("e.mpl", "m = Machine(GPU).split(1, 3);\n");
  auto r = mage("check " + f.string() + " --machine nodes=1,gpus=4");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("e.mpl:1:27: error:"), std::string::npos) << r.err;
}

TEST_F(Cli, BadInputsAreUsageErrors) {
  auto missing = mage("check no/such/file.mpl");
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("no/such/file.mpl"), std::string::npos) << missing.err;
  auto preset = mage("check examples/stencil.mpl --machine p200x9");
  EXPECT_EQ(preset.code, 2);
  EXPECT_NE(preset.err.find("unknown machine `p200x9`"), std::string::npos) << preset.err;
  auto spec = mage("check examples/stencil.mpl --machine nodes=2,tpus=4");
  EXPECT_EQ(spec.code, 2);
  EXPECT_NE(spec.err.find("tpus"), std::string::npos) << spec.err;
  auto toml = write("m.toml", "nodes = [\n");
  auto bad_toml = mage("check examples/stencil.mpl --machine " + toml.string());
  EXPECT_EQ(bad_toml.code, 2);
  EXPECT_NE(bad_toml.err.find("m.toml:"), std::string::npos) << bad_toml.err;
  auto app = write("a.toml", "[tasks.stencil]\nvariants = [\"TPU\"]\n");
  auto bad_app = mage("check examples/stencil.mpl --app " + app.string());
  EXPECT_EQ(bad_app.code, 2);
  EXPECT_NE(bad_app.err.find("a.toml:2:"), std::string::npos) << bad_app.err;
  EXPECT_EQ(mage("map examples/stencil.mpl --machine p100x4 --task stencil --domain 4x0").code, 2);
  EXPECT_EQ(mage("frobnicate").code, 2);
}

TEST_F(Cli, MachineFromToml) {
  auto toml = write("m.toml", "name = \"two\"\nnodes = 2\n[processors]\ngpu = 2\ncpu = 4\n");
  auto r = mage("map examples/stencil.mpl --machine " + toml.string() + " --task stencil --domain 4 --format json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["points"][3]["node"], 1);
  EXPECT_EQ(j["points"][3]["proc"], 1);
}

TEST_F(Cli, FmtCheckWriteAndRefusal) {
  auto f = write("f.mpl", "Task  *   GPU,CPU ;  # keep me\nx=(1,2) ;\n");
  EXPECT_EQ(mage("fmt --check " + f.string()).code, 1);
  auto printed = mage("fmt " + f.string());
  EXPECT_EQ(printed.code, 0);
  EXPECT_EQ(printed.out, "Task * GPU, CPU;  # keep me\nx = (1, 2);\n");
  EXPECT_EQ(mage("fmt --write " + f.string()).code, 0);
  EXPECT_EQ(slurp(f), printed.out);
  EXPECT_EQ(mage("fmt --check " + f.string()).code, 0);
  // A file that does not parse is left exactly as it was.
  auto bad = write("bad.mpl", "Task * GPU\n");
  EXPECT_EQ(mage("fmt --write " + bad.string()).code, 1);
  EXPECT_EQ(slurp(bad), "Task * GPU\n");
}

TEST_F(Cli, MapTextShowsTableLoadAndGrid) {
  auto r = mage("map examples/block2d.mpl --machine nodes=2,gpus=4,cpus=8,omps=2 --task work --domain 8x4");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("index launch over 8x4 (32 points) on GPU, mapped by `hierarchical_block`"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("node 1: GPU0=4 GPU1=4 GPU2=4 GPU3=4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("    7  1.1 1.1 1.3 1.3"), std::string::npos) << r.out;
}

TEST_F(Cli, MapJsonGivesNodeAndProcessorPerPoint) {
  auto r = mage("map examples/block2d.mpl --machine nodes=2,gpus=4,cpus=8,omps=2 --task work --domain 8x4 --format json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["points"].size(), 32u);
  // Rows 0-3 on node 0 and 4-7 on node 1; each node's 4x4 block split 2x2 over its GPUs.
  for (const auto& p : j["points"]) {
    int i = p["point"][0], k = p["point"][1];
    EXPECT_EQ(p["node"], i / 4) << p.dump();
    EXPECT_EQ(p["proc"], (i % 4) / 2 + 2 * (k / 2)) << p.dump();
  }
}

TEST_F(Cli, MapSingleLaunchWithParent) {
  auto r = mage("map examples/distal_gemm.mpl --machine nodes=2,gpus=4,cpus=8,omps=2 --task task_4 "
                "--parent-proc 1,3 --format json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["launch"], "single");
  EXPECT_EQ(j["points"][0]["node"], 1);
  EXPECT_EQ(j["points"][0]["proc"], 3);
}

TEST_F(Cli, MapEvaluationErrorExplainsOnce) {
  auto f = write("oob.mpl", "m = Machine(GPU);\ndef f(Task task) {\n    return m[0, task.ipoint[0]];\n}\nIndexTaskMap t f;\n");
  auto r = mage("map " + f.string() + " --machine nodes=1,gpus=4 --task t --domain 6");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("(4,)"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("oob.mpl:3:17: error: index 4 is outside dimension 1 of `m`, whose extents are (1, 4)"),
            std::string::npos)
      << r.err;
}

TEST_F(Cli, EveryExampleChecksCleanAndIsCanonical) {
  int seen = 0;
  for (const auto& e : fs::directory_iterator(fs::path(MAGE_SOURCE_DIR) / "examples")) {
    if (e.path().extension() != ".mpl") continue;
    ++seen;
    auto r = mage("check " + e.path().string() + " --machine p100x4 --format json");
    EXPECT_EQ(r.code, 0) << e.path() << r.out;
    EXPECT_EQ(nlohmann::json::parse(r.out)["errors"], 0) << e.path();
    EXPECT_EQ(mage("fmt --check " + e.path().string()).code, 0) << e.path();
  }
  EXPECT_GE(seen, 3);
}

// Every ```mpl block in docs/ is a complete program that checks without errors on the p100x4 preset,
// and formats idempotently.
TEST_F(Cli, EveryDocsExampleChecks) {
  int seen = 0;
  std::regex block("```mpl\n([\\s\\S]*?)```");
  for (const auto& e : fs::directory_iterator(fs::path(MAGE_SOURCE_DIR) / "docs")) {
    if (e.path().extension() != ".md") continue;
    std::string text = slurp(e.path());
    for (auto it = std::sregex_iterator(text.begin(), text.end(), block); it != std::sregex_iterator(); ++it) {
      auto f = write("doc" + std::to_string(++seen) + ".mpl", (*it)[1].str());
      auto r = mage("check " + f.string() + " --machine p100x4");
      EXPECT_EQ(r.code, 0) << e.path() << " block " << seen << ":\n" << (*it)[1].str() << r.err;
      // Formatting is idempotent on every documented program.
      auto once = mage("fmt " + f.string());
      ASSERT_EQ(once.code, 0) << once.err;
      auto g = write("doc" + std::to_string(seen) + "-fmt.mpl", once.out);
      EXPECT_EQ(mage("fmt " + g.string()).out, once.out) << e.path() << " block " << seen;
    }
  }
  EXPECT_GE(seen, 5);
}

TEST_F(Cli, SimPrintsASimulatedSummaryAndWritesATrace) {
  auto trace = dir_ / "trace.json";
  auto r = mage("sim examples/halo2d.mpl --app examples/apps/halo2d.toml --machine p100x4 --trace " + trace.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("on p100x4, 1 node (simulated model)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("iterations/s (simulated)"), std::string::npos) << r.out;
  auto t = nlohmann::json::parse(slurp(trace));
  EXPECT_GT(t["traceEvents"].size(), 10u);
  // The three-part feedback follows the summary.
  auto system = r.out.find("\nSystem: "), explain = r.out.find("\nExplain: "), suggest = r.out.find("\nSuggest: ");
  ASSERT_NE(system, std::string::npos) << r.out;
  EXPECT_LT(system, explain);
  EXPECT_LT(explain, suggest);
}

TEST_F(Cli, SimJsonOnFourNodes) {
  auto r = mage("sim examples/halo2d.mpl --app examples/apps/halo2d.toml --machine p100x4 --nodes 4 --format json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["simulated"], true);
  EXPECT_GT(j["throughput"].get<double>(), 0);
  EXPECT_NE(j["machine"].get<std::string>().find("4 nodes"), std::string::npos);
  for (const char* part : {"system", "explain", "suggest"}) EXPECT_FALSE(j["feedback"][part].get<std::string>().empty());
}

TEST_F(Cli, SimMappingErrorIsReported) {
  auto f = write("bad.mpl", "Task * GPU;\nRegion * * GPU SYSMEM;\n");
  auto r = mage("sim " + f.string() + " --app examples/apps/halo2d.toml --machine p100x4");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("bad.mpl:2:16: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("Suggest: a GPU task needs FBMEM or ZCMEM: edit the `Region` rule at line 2"), std::string::npos)
      << r.out;
  // An error found before simulating gets its feedback too.
  auto syntax = write("syntax.mpl", "def f(Task t): return 1;\n");
  auto s = mage("sim " + syntax.string() + " --app examples/apps/halo2d.toml");
  EXPECT_EQ(s.code, 1);
  EXPECT_NE(s.out.find("Explain: "), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("colon"), std::string::npos) << s.out;
}

TEST_F(Cli, SimBadInputsAreUsageErrors) {
  EXPECT_EQ(mage("sim examples/halo2d.mpl --app examples/apps/halo2d.toml --machine p300x9").code, 2);
  auto app = write("app.toml", "name = \"x\"\n[[regions]]\nname = 3\n");
  auto r = mage("sim examples/halo2d.mpl --app " + app.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("app.toml:"), std::string::npos) << r.err;
  auto machine = write("m.toml", "preset = \"p100x4\"\n[gpu]\nflops = -1\n");
  auto m = mage("sim examples/halo2d.mpl --app examples/apps/halo2d.toml --machine " + machine.string());
  EXPECT_EQ(m.code, 2);
  EXPECT_NE(m.err.find("gpu.flops"), std::string::npos) << m.err;
}

TEST_F(Cli, CheckAcceptsAFullApplicationModelForNames) {
  auto f = write("typo.mpl", "Region * in_xq GPU ZCMEM;\n");
  auto r = mage("check " + f.string() + " --app examples/apps/halo2d.toml");
  EXPECT_EQ(r.code, 0) << r.err;  // a name the application lacks is a warning
  EXPECT_NE(r.err.find("in_xq"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 warning"), std::string::npos) << r.err;
}

TEST_F(Cli, MachineAndAppShow) {
  auto m = mage("machine show p100x4 --nodes 2");
  ASSERT_EQ(m.code, 0) << m.err;
  EXPECT_NE(m.out.find("FBMEM"), std::string::npos) << m.out;
  auto a = mage("app show examples/apps/halo2d.toml");
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_NE(a.out.find("stencil"), std::string::npos) << a.out;
  EXPECT_EQ(mage("machine show nope").code, 2);
}

}  // namespace
