// `mage apps`, `mage app show NAME` and `mage sim --app NAME --mapper expert|default|FILE`.
#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_fixture.hpp"

namespace {

using mage::testing::Cli;

TEST_F(Cli, AppsListsTheNineApplications) {
  auto r = mage("apps");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* name : {"circuit", "stencil", "pennant", "cannon", "summa", "pumma", "johnson", "solomonik", "cosma"})
    EXPECT_NE(r.out.find(std::string(name) + " "), std::string::npos) << name << "\n" << r.out;
  auto j = nlohmann::json::parse(mage("apps --format json").out);
  EXPECT_EQ(j.size(), 9u);
}

TEST_F(Cli, AppShowDescribesABuiltinApplication) {
  auto r = mage("app show pennant --nodes 2 --param steps=3");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("sized for p100x4, 2 nodes"), std::string::npos) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\n  npieces +8  "))) << r.out;  // one piece per GPU
  EXPECT_NE(r.out.find("3 timed steps"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rp_all_ghost_p"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("qcs_corner_divergence"), std::string::npos) << r.out;
  auto expert = mage("app show cannon --expert");
  ASSERT_EQ(expert.code, 0) << expert.err;
  EXPECT_NE(expert.out.find("SingleTaskMap task_4 same_point;"), std::string::npos) << expert.out;
}

TEST_F(Cli, SimRunsBuiltinApplicationsUnderExpertDefaultAndFileMappers) {
  auto e = mage("sim --app stencil --mapper expert --param steps=2 --format json");
  ASSERT_EQ(e.code, 0) << e.err;
  auto j = nlohmann::json::parse(e.out);
  EXPECT_EQ(j["unit"], "Mpoints/s");
  EXPECT_GT(j["throughput"].get<double>(), 0);
  EXPECT_EQ(mage("sim --app circuit --mapper default --param steps=2 --nodes 2").code, 0);
  auto cpu = write("cpu.mpl", "Task * CPU;\n");
  auto c = mage("sim --app stencil --mapper " + cpu.string() + " --param steps=2");
  EXPECT_EQ(c.code, 0) << c.err;
  EXPECT_NE(c.out.find("(simulated)"), std::string::npos) << c.out;
}

TEST_F(Cli, SimBuiltinMistakesAreUsageErrors) {
  auto typo = mage("sim --app stencli --mapper expert");
  EXPECT_EQ(typo.code, 2);
  EXPECT_NE(typo.err.find("did you mean `stencil`"), std::string::npos) << typo.err;
  auto param = mage("sim --app stencil --mapper expert --param tsteps=3");
  EXPECT_EQ(param.code, 2);
  EXPECT_NE(param.err.find("did you mean `steps`"), std::string::npos) << param.err;
  EXPECT_EQ(mage("sim --app stencil --mapper expert --param steps").code, 2);
  auto file_expert = mage("sim --app examples/apps/halo2d.toml --mapper expert");
  EXPECT_EQ(file_expert.code, 2);
  EXPECT_NE(file_expert.err.find("built-in application"), std::string::npos) << file_expert.err;
  EXPECT_EQ(mage("sim --app stencil").code, 2);  // no mapper
}

}  // namespace
