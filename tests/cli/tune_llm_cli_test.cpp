// `mage tune --optimizer llm` end to end: the `mage` binary talks to an in-process server speaking the
// OpenAI protocol with scripted answers, records the session without the key, and `--replay` re-runs it
// with no server to the same results.
#include <cstdlib>

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

std::vector<nlohmann::json> lines(const fs::path& file) {
  std::vector<nlohmann::json> out;
  std::istringstream in(slurp(file));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST_F(Cli, TuneWithAnLlmRecordsAndReplays) {
  FakeLlmServer server;
  // Iteration 1: all on GPUs with aligned framebuffer tiles; 2: prose only; 3: a program with an error.
  server.push(200, openai_reply("Aligned tiles help the GPU kernels.\n```mpl\nTask * GPU;\nRegion * * GPU FBMEM;\n"
                                "Layout * * * SOA F_order Align == 128;\n```\n"));
  server.push(200, openai_reply("I think the mapping is already good."));
  server.push(200, openai_reply("```\nTask * GPU\n```"));
  ::setenv("MAGE_TEST_LLM_KEY", "sk-secret-test-key", 1);
  const fs::path run = dir_ / "llm", again = dir_ / "replayed";
  const std::string common = "tune stencil --optimizer llm --iterations 3 --quiet --llm-key-env MAGE_TEST_LLM_KEY";
  auto r = mage(common + " --llm openai:test-model --llm-url http://127.0.0.1:" + std::to_string(server.port()) + "/v1" +
                " --out " + run.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(server.received().size(), 3u);
  // The prompt holds the application's names and the feedback on the previous attempt.
  const std::string second = server.received()[1].body;
  EXPECT_NE(second.find("pxm_in"), std::string::npos);
  EXPECT_NE(second.find("Explain"), std::string::npos);

  const auto records = lines(run / "evaluations.jsonl");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_TRUE(records[0]["ok"].get<bool>());
  EXPECT_FALSE(records[1]["extracted"].get<bool>());  // counted, and fed back
  EXPECT_FALSE(records[2]["ok"].get<bool>());
  EXPECT_EQ(records[0]["tokens"]["prompt"], 100);
  auto summary = nlohmann::json::parse(slurp(run / "summary.json"));
  EXPECT_EQ(summary["iterations"], 3);
  EXPECT_EQ(summary["tokens"]["prompt"], 300);
  EXPECT_GT(summary["best"]["vs_default"].get<double>(), 1.0);  // alignment beats the defaults
  EXPECT_EQ(slurp(run / "llm.jsonl").find("sk-secret-test-key"), std::string::npos);

  // The replay needs no server and gives the same evaluations.
  auto replay = mage(common + " --replay " + run.string() + " --out " + again.string());
  ASSERT_EQ(replay.code, 0) << replay.err;
  const auto replayed = lines(again / "evaluations.jsonl");
  ASSERT_EQ(replayed.size(), records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(replayed[i]["ok"], records[i]["ok"]) << i;
    EXPECT_EQ(replayed[i]["score"], records[i]["score"]) << i;
  }
  EXPECT_EQ(server.received().size(), 3u);
}

TEST_F(Cli, HybridInjectsTheLlmProposalsAndRefinesItsBest) {
  FakeLlmServer server;
  server.push(200, openai_reply("```mpl\nTask * GPU;\nLayout * points * SOA F_order Align == 128;\n```"));
  server.push(200, openai_reply("```mpl\nTask increment CPU;\n```"));
  ::setenv("MAGE_TEST_LLM_KEY", "sk-test", 1);
  const fs::path run = dir_ / "hybrid";
  auto r = mage("tune stencil --optimizer hybrid --iterations 2 --budget 8 --quiet --llm-key-env MAGE_TEST_LLM_KEY "
                "--llm openai:test-model --llm-url http://127.0.0.1:" + std::to_string(server.port()) + "/v1" +
                " --out " + run.string());
  ASSERT_EQ(r.code, 0) << r.err;
  // Both programs compile, so both reach the ensemble's population before it asks anything.
  const auto ensemble = lines(run / "ensemble" / "evaluations.jsonl");
  ASSERT_GE(ensemble.size(), 2u);
  EXPECT_TRUE(ensemble[0]["injected"].get<bool>());
  EXPECT_TRUE(ensemble[1]["injected"].get<bool>());
  EXPECT_NE(slurp(run / "ensemble" / "candidates" / "00000.mpl").find("Align == 128"), std::string::npos);
  // Coordinate descent starts from the LLM's best: its first candidate is that program's projection.
  EXPECT_EQ(slurp(run / "ccd" / "candidates" / "00000.mpl"), slurp(run / "ensemble" / "candidates" / "00000.mpl"));
  auto summary = nlohmann::json::parse(slurp(run / "summary.json"));
  EXPECT_EQ(summary["phases"]["ensemble"]["injected"], 2);
  EXPECT_TRUE(summary["phases"].contains("ccd"));
}

TEST_F(Cli, TuneWithAnUnusableLlmSaysWhy) {
  FakeLlmServer server;
  server.push(401, R"({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})");
  ::setenv("MAGE_TEST_LLM_KEY", "sk-wrong", 1);
  auto r = mage("tune stencil --optimizer llm --iterations 2 --quiet --llm-key-env MAGE_TEST_LLM_KEY "
                "--llm openai:test-model --llm-url http://127.0.0.1:" + std::to_string(server.port()) + "/v1" +
                " --out " + (dir_ / "bad").string());
  EXPECT_NE(r.err.find("rejected the API key"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("stopped after 0 iterations"), std::string::npos) << r.err;
}

// bench/llm_table.sh, the benchmark of the hybrid against both of its parts, run end to end against the
// local server: a row per application and seed with three figures, and a re-run that reuses the runs.
TEST_F(Cli, TheHybridBenchmarkComparesAllThreeAndResumes) {
  FakeLlmServer server;
  const std::string program = "```mpl\nTask * GPU;\nLayout * * * SOA F_order Align == 128;\n```";
  for (int i = 0; i < 4; ++i) server.push(200, openai_reply(program));  // 2 iterations each: llm, hybrid
  ::setenv("MAGE_TEST_LLM_KEY", "sk-test", 1);
  const fs::path out = dir_ / "bench";
  const std::string command = std::string("MAGE='") + MAGE_BINARY +
                              "' bash bench/llm_table.sh --llm openai:test-model --llm-key-env MAGE_TEST_LLM_KEY "
                              "--llm-url http://127.0.0.1:" + std::to_string(server.port()) +
                              "/v1 --apps stencil --seeds 1 --iterations 2 --budget 3 --out '" + out.string() + "'";
  auto r = run(command);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(server.received().size(), 4u);
  const std::string csv = slurp(out / "llm_table.csv");
  std::istringstream rows(csv);
  std::string header, row;
  std::getline(rows, header);
  std::getline(rows, row);
  EXPECT_EQ(header, "app,seed,llm,ensemble,hybrid,llm_evaluations,classic_evaluations");
  std::vector<std::string> fields;
  std::istringstream cells(row);
  for (std::string f; std::getline(cells, f, ',');) fields.push_back(f);
  ASSERT_EQ(fields.size(), 7u) << row;
  EXPECT_EQ(fields[0], "stencil");
  for (int i : {2, 3, 4}) EXPECT_GT(std::stod(fields[static_cast<std::size_t>(i)]), 0.0) << row;
  EXPECT_EQ(fields[6], "8");  // the ensemble gets the hybrid's 2 + 2 x 3 evaluations
  EXPECT_NE(r.out.find("| stencil |"), std::string::npos) << r.out;
  // Finished runs are not run again: no request reaches the server, and the table is the same.
  auto again = run(command);
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(server.received().size(), 4u);
  EXPECT_EQ(slurp(out / "llm_table.csv"), csv);
}

}  // namespace
