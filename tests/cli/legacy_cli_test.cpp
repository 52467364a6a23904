// The historical (2022) forms through the command line: `check`, `map` and `sim` accept them with a
// `legacy.*` warning, and `mage fmt --upgrade` rewrites them into programs that map and simulate the same.
#include <filesystem>
#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_fixture.hpp"

namespace {

using mage::testing::Cli;
using mage::testing::slurp;

// Every GPU launch, whatever its dimension, in contiguous blocks over every GPU, node-major.
constexpr const char* kLegacy =
    "Task * GPU, CPU;\n"
    "Region * * GPU FBMEM;\n"
    "Region * * CPU SYSMEM;\n"
    "\n"
    "flat = Machine(GPU).merge(0, 1);\n"
    "\n"
    "# the linear number of the point, scaled to the GPUs\n"
    "def lin(IPoint p, ISpace s, MSpace m) {\n"
    "    return s.len == 1 ? p[0] * m.size[0] / s[0] : (p[0] * s[1] + p[1]) * m.size[0] / s.volume;\n"
    "}\n"
    "\n"
    "IndexTaskMap GPU flat lin;  # every index launch on GPUs\n"
    "InstanceLimit stencil GPU 4;\n";

TEST_F(Cli, LegacyFormsCheckMapAndWarn) {
  auto f = write("legacy.mpl", kLegacy);
  auto c = mage("check " + f.string() + " --machine nodes=2,gpus=4");
  EXPECT_EQ(c.code, 0) << c.err;
  EXPECT_NE(c.err.find("legacy.mpl:12:18: warning: `IndexTaskMap TASKS SPACE FUNC;` is the 2022 form"),
            std::string::npos)
      << c.err;
  EXPECT_NE(c.err.find("legacy.mpl:13:1: warning: `InstanceLimit TASK KIND N;` is the 2022 form"), std::string::npos) << c.err;
  auto text = mage("map " + f.string() + " --machine nodes=2,gpus=4,cpus=8 --task t --domain 4x4");
  EXPECT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.err.find("legacy.mpl:12:18: warning"), std::string::npos) << text.err;  // `map` warns too
  auto m = mage("map " + f.string() + " --machine nodes=2,gpus=4,cpus=8 --task t --domain 4x4 --format json");
  ASSERT_EQ(m.code, 0) << m.err;
  auto j = nlohmann::json::parse(m.out);
  ASSERT_EQ(j["points"].size(), 16u);
  for (const auto& p : j["points"]) {  // 16 points over 8 GPUs: two consecutive points per GPU
    int k = (p["point"][0].get<int>() * 4 + p["point"][1].get<int>()) / 2;
    EXPECT_EQ(p["node"], k / 4) << p.dump();
    EXPECT_EQ(p["proc"], k % 4) << p.dump();
  }
}

TEST_F(Cli, FmtUpgradeRewritesAndMapsTheSame) {
  auto f = write("legacy.mpl", kLegacy);
  auto up = mage("fmt --upgrade " + f.string());
  ASSERT_EQ(up.code, 0) << up.err;
  EXPECT_NE(up.out.find("# the linear number of the point, scaled to the GPUs\ndef lin("), std::string::npos)
      << up.out;
  EXPECT_NE(up.out.find("def lin_flat(Task task) {\n    return flat[lin(task.ipoint, task.ispace, flat)];\n}\n\n"
                        "IndexTaskMap GPU lin_flat;  # every index launch on GPUs\nInstanceLimit stencil 4;\n"),
            std::string::npos)
      << up.out;
  EXPECT_NE(up.err.find("legacy.mpl:13: note: `InstanceLimit stencil GPU 4;` became `InstanceLimit stencil 4;`"),
            std::string::npos)
      << up.err;
  EXPECT_EQ(slurp(f), kLegacy);  // printing leaves the file alone
  EXPECT_EQ(mage("fmt --upgrade --check " + f.string()).code, 1);

  auto copy = write("upgraded.mpl", kLegacy);
  EXPECT_EQ(mage("fmt --upgrade --write " + copy.string()).code, 0);
  EXPECT_EQ(slurp(copy), up.out);
  EXPECT_EQ(mage("fmt --upgrade --check " + copy.string()).code, 0);
  EXPECT_EQ(mage("fmt --check " + copy.string()).code, 0);  // canonical
  auto clean = mage("check " + copy.string() + " --machine nodes=2,gpus=4,cpus=8");
  EXPECT_EQ(clean.code, 0) << clean.err;
  EXPECT_NE(clean.err.find("0 errors, 0 warnings"), std::string::npos) << clean.err;

  for (const char* domain : {"4x4", "6", "3x5"}) {
    std::string args = std::string(" --machine nodes=2,gpus=4,cpus=8 --task t --domain ") + domain + " --format json";
    auto a = mage("map " + f.string() + args);
    auto b = mage("map " + copy.string() + args);
    ASSERT_EQ(a.code, 0) << a.err;
    ASSERT_EQ(b.code, 0) << b.err;
    EXPECT_EQ(nlohmann::json::parse(a.out)["points"], nlohmann::json::parse(b.out)["points"]) << domain;
  }
}

TEST_F(Cli, LegacyFormsSimulateLikeTheirUpgrade) {
  auto f = write("legacy.mpl", kLegacy);
  auto copy = write("upgraded.mpl", kLegacy);
  ASSERT_EQ(mage("fmt --upgrade --write " + copy.string()).code, 0);
  std::string args = " --app examples/apps/halo2d.toml --machine p100x4 --nodes 2 --format json";
  auto a = mage("sim " + f.string() + args);
  auto b = mage("sim " + copy.string() + args);
  ASSERT_EQ(a.code, 0) << a.err;
  ASSERT_EQ(b.code, 0) << b.err;
  auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
  EXPECT_TRUE(ja["ok"].get<bool>());
  EXPECT_EQ(ja["throughput"], jb["throughput"]);
  auto text = mage("sim " + f.string() + " --app examples/apps/halo2d.toml --machine p100x4 --nodes 2");
  EXPECT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.err.find("legacy.mpl:12:18: warning"), std::string::npos) << text.err;  // `sim` warns too
}

TEST_F(Cli, DocumentedUpgradeIsWhatFmtUpgradeWrites) {
  // docs/language.md §9.1 shows a 2022 program and its upgrade as the first two `mpl` blocks after the heading.
  std::string doc = slurp(std::filesystem::path(MAGE_SOURCE_DIR) / "docs" / "language.md");
  std::size_t at = doc.find("### 9.1 ");
  ASSERT_NE(at, std::string::npos);
  std::string rest = doc.substr(at);
  std::regex block("```mpl\n([\\s\\S]*?)```");
  std::vector<std::string> blocks;
  for (auto it = std::sregex_iterator(rest.begin(), rest.end(), block); it != std::sregex_iterator() && blocks.size() < 2;
       ++it)
    blocks.push_back((*it)[1].str());
  ASSERT_EQ(blocks.size(), 2u);
  auto f = write("doc.mpl", blocks[0]);
  auto up = mage("fmt --upgrade " + f.string());
  ASSERT_EQ(up.code, 0) << up.err;
  EXPECT_EQ(up.out, blocks[1]);
}

}  // namespace
