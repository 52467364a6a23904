// `mage report`, `mage tune --report` and `mage sim --report` end to end: the pages, the re-simulated best
// mapper with its trace, several runs on one page, and the errors.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_fixture.hpp"
#include "llm/fake_llm_server.hpp"

namespace {

using mage::testing::Cli;
using mage::testing::slurp;
namespace fs = std::filesystem;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

TEST_F(Cli, TuneWritesItsReportAndReportComparesRuns) {
  const fs::path a = dir_ / "ensemble", b = dir_ / "random", page = dir_ / "pages" / "tuned.html";
  auto r = mage("tune stencil --budget 4 --quiet --out " + a.string() + " --report " + page.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("report: " + page.string()), std::string::npos) << r.out;
  const std::string html = slurp(page);
  for (const char* id : {"overview", "convergence", "distribution", "best", "simulation", "timeline", "evaluations"})
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  EXPECT_NE(html.find("simulated on p100x4"), std::string::npos);
  // The best mapper simulated again: its trace beside the page, linked from it.
  const auto trace = nlohmann::json::parse(slurp(dir_ / "pages" / "tuned.trace.json"));
  EXPECT_GT(trace["traceEvents"].size(), 10u);
  EXPECT_NE(html.find("href=\"tuned.trace.json\""), std::string::npos);
  // Candidate programs are linked relative to the page.
  EXPECT_NE(html.find("href=\"../ensemble/candidates/00000.mpl\""), std::string::npos);
  // Wall-clock times are recorded per evaluation, so convergence in time is drawn.
  EXPECT_NE(slurp(a / "evaluations.jsonl").find("\"elapsed_s\""), std::string::npos);
  EXPECT_NE(html.find("Against wall-clock time"), std::string::npos);

  // Without --report, tune says how to write one.
  auto plain = mage("tune stencil --optimizer random --budget 3 --quiet --out " + b.string());
  ASSERT_EQ(plain.code, 0) << plain.err;
  EXPECT_NE(plain.out.find("report: mage report " + b.string()), std::string::npos) << plain.out;
  EXPECT_FALSE(fs::exists(b / "report.html"));

  auto both = mage("report " + a.string() + " " + b.string() + " --out " + (dir_ / "both.html").string());
  ASSERT_EQ(both.code, 0) << both.err;
  const std::string compared = slurp(dir_ / "both.html");
  EXPECT_NE(compared.find("ensemble (ensemble)"), std::string::npos);
  EXPECT_NE(compared.find("random (random)"), std::string::npos);
  EXPECT_EQ(count(compared, "class=\"series\""), 4u);  // two runs, by evaluations and by time

  // One run: the page goes into the run directory by default.
  auto one = mage("report " + b.string());
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_TRUE(fs::exists(b / "report.html"));
  EXPECT_TRUE(fs::exists(b / "report.trace.json"));
}

TEST_F(Cli, LlmRunReportShowsEachIteration) {
  mage::llm::test::FakeLlmServer server;
  server.push(200, mage::llm::test::openai_reply("Keep <all> data on the GPUs.\n```mpl\nTask * GPU;\nRegion * * GPU FBMEM;\n```\n",
                                                  1200, 40));
  server.push(200, mage::llm::test::openai_reply("No program this time.", 1300, 10));
  ::setenv("MAGE_TEST_LLM_KEY", "sk-test", 1);
  const fs::path run = dir_ / "llm", page = dir_ / "llm.html";
  auto r = mage("tune stencil --optimizer llm --iterations 2 --quiet --llm-key-env MAGE_TEST_LLM_KEY --llm openai:test-model "
                "--llm-url http://127.0.0.1:" + std::to_string(server.port()) + "/v1 --out " + run.string() +
                " --report " + page.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string html = slurp(page);
  EXPECT_NE(html.find("id=\"llm\""), std::string::npos);
  EXPECT_EQ(count(html, "<article class=\"iteration\""), 2u);
  EXPECT_NE(html.find("Keep &lt;all&gt; data on the GPUs."), std::string::npos);  // the rationale, escaped
  EXPECT_NE(html.find("2500 prompt and 50 completion tokens"), std::string::npos);
  EXPECT_NE(html.find("data-kind=\"no program\">1<"), std::string::npos);
  EXPECT_NE(html.find("Region * * GPU FBMEM;"), std::string::npos);  // the program
}

TEST_F(Cli, ReportNamesWhatIsNotARun) {
  auto r = mage("report " + (dir_ / "nowhere").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("nowhere"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("is not a directory"), std::string::npos) << r.err;
  fs::create_directories(dir_ / "empty");
  auto e = mage("report " + (dir_ / "empty").string());
  EXPECT_EQ(e.code, 2);
  EXPECT_NE(e.err.find("run.json"), std::string::npos) << e.err;
  EXPECT_FALSE(fs::exists(dir_ / "empty" / "report.html"));
}

TEST_F(Cli, SimWritesAReport) {
  const fs::path page = dir_ / "sim.html";
  auto r = mage("sim --mapper expert --app stencil --report " + page.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("report: " + page.string()), std::string::npos);
  const std::string html = slurp(page);
  for (const char* id : {"simulation", "timeline", "tasks", "copies", "feedback", "program"})
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  EXPECT_NE(html.find("simulated on p100x4"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir_ / "sim.trace.json"));
  EXPECT_NE(html.find("href=\"sim.trace.json\""), std::string::npos);

  // A program with errors still gets a page, with the feedback.
  write("bad.mpl", "Task * GPU\n");
  auto bad = mage("sim " + (dir_ / "bad.mpl").string() + " --app stencil --report " + (dir_ / "bad.html").string());
  EXPECT_EQ(bad.code, 1);
  const std::string failed = slurp(dir_ / "bad.html");
  EXPECT_NE(failed.find("not simulated"), std::string::npos);
  EXPECT_NE(failed.find("<dt>System</dt>"), std::string::npos);
}

}  // namespace
