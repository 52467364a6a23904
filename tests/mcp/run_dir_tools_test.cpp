// tuning_status and best_mapper on run directories written by search::RunDir, including one caught
// mid-append: the tools report what is complete and leave every file exactly as it was.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "mcp/run_view.hpp"
#include "mcp/server.hpp"
#include "search/run_dir.hpp"

namespace mage::mcp {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class McpRunDir : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    root_ = fs::temp_directory_path() / ("mage-mcp-run-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(root_);
    path_ = (root_ / "run").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  search::RunDir make_run(int evaluations) {
    auto run = search::RunDir::create(path_, {{"app", "stencil"}, {"machine", "p100x4"}, {"optimizer", "ensemble"}});
    EXPECT_TRUE(run) << run.error().message;
    search::RunDir dir = *run;
    std::string error;
    for (int i = 0; i < evaluations; ++i) {
      // Records as `mage tune` writes them. Evaluation 1 is the best; 2 failed.
      json record = {{"index", i},
                     {"ok", i != 2},
                     {"score", i == 1 ? 90.0 : 10.0 * i},
                     {"unit", "Mpoints/s"},
                     {"point", {i, 0}},
                     {"candidate", "candidates/0000" + std::to_string(i) + ".mpl"},
                     {"feedback", {{"system", "s"}, {"explain", "e"}, {"suggest", "x"}}}};
      if (i == 2) record["error"] = {{"code", "sim.out-of-memory"}, {"message", "out of memory"}};
      EXPECT_TRUE(dir.append_evaluation(record, error)) << error;
      EXPECT_TRUE(dir.write_candidate(i, "# candidate " + std::to_string(i) + "\nTask * GPU;\n", error)) << error;
    }
    return dir;
  }

  json call(const std::string& tool, json arguments) {
    json reply = server_.handle({{"jsonrpc", "2.0"},
                                 {"id", 1},
                                 {"method", "tools/call"},
                                 {"params", {{"name", tool}, {"arguments", std::move(arguments)}}}});
    return reply["result"];
  }

  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  fs::path root_;
  std::string path_;
  Server server_;
};

TEST_F(McpRunDir, StatusSummarizesEvaluationsAndBest) {
  search::RunDir dir = make_run(4);
  std::string error;
  ASSERT_TRUE(dir.write_summary({{"evaluations", 4}, {"best_score", 90.0}}, error)) << error;
  json r = call("tuning_status", {{"run_dir", path_}});
  ASSERT_FALSE(r["isError"].get<bool>()) << r.dump(2);
  const json& s = r["structuredContent"];
  EXPECT_EQ(s["settings"]["optimizer"], "ensemble");
  EXPECT_EQ(s["evaluations"], 4);
  EXPECT_EQ(s["succeeded"], 3);
  EXPECT_EQ(s["failed"], 1);
  EXPECT_DOUBLE_EQ(s["best_score"].get<double>(), 90.0);
  EXPECT_EQ(s["best"]["index"], 1);
  EXPECT_EQ(s["summary"]["evaluations"], 4);
  EXPECT_EQ(s["latest"].size(), 4u);
  EXPECT_FALSE(s["has_best_mpl"].get<bool>());
  std::string text = r["content"][0]["text"];
  EXPECT_NE(text.find("4 (3 succeeded, 1 failed)"), std::string::npos) << text;
  EXPECT_NE(text.find("2 failed: out of memory"), std::string::npos) << text;
}

TEST_F(McpRunDir, StatusLeavesATornLineAlone) {
  make_run(2);
  const fs::path log = fs::path(path_) / "evaluations.jsonl";
  std::ofstream(log, std::ios::binary | std::ios::app) << R"({"index": 2, "ok": tr)";
  const std::string before = read(log);
  json r = call("tuning_status", {{"run_dir", path_}});
  ASSERT_FALSE(r["isError"].get<bool>()) << r.dump(2);
  EXPECT_EQ(r["structuredContent"]["evaluations"], 2);
  EXPECT_EQ(r["structuredContent"]["unreadable_lines"], 1);
  EXPECT_EQ(read(log), before);  // not cut, as RunDir::open would
}

TEST_F(McpRunDir, BestMapperPrefersBestMplThenTheBestCandidate) {
  search::RunDir dir = make_run(3);
  json from_candidate = call("best_mapper", {{"run_dir", path_}});
  ASSERT_FALSE(from_candidate["isError"].get<bool>()) << from_candidate.dump(2);
  EXPECT_EQ(from_candidate["structuredContent"]["program"], "# candidate 1\nTask * GPU;\n");
  EXPECT_EQ(from_candidate["structuredContent"]["index"], 1);

  std::string error;
  ASSERT_TRUE(dir.write_best("# the best\nTask * GPU;\n", error)) << error;
  json from_best = call("best_mapper", {{"run_dir", path_}});
  EXPECT_EQ(from_best["structuredContent"]["program"], "# the best\nTask * GPU;\n");
  EXPECT_NE(from_best["content"][0]["text"].get<std::string>().find("```"), std::string::npos);
}

TEST_F(McpRunDir, RecordsMayCarryTheirProgramOrLackFields) {
  fs::create_directories(path_);
  std::ofstream(fs::path(path_) / "evaluations.jsonl") << R"({"throughput": 5, "program": "Task * CPU;\n"})"
                                                          "\n"
                                                       << R"({"index": 1, "ok": false})"
                                                          "\n"
                                                       << "[1, 2]\n";
  std::string error;
  auto run = read_run(path_, error);
  ASSERT_TRUE(run) << error;
  EXPECT_TRUE(run->settings.is_null());
  EXPECT_EQ(run->evaluations.size(), 2u);
  EXPECT_EQ(run->unreadable_lines, 1u);
  auto best = best_record(run->evaluations);
  ASSERT_TRUE(best);
  EXPECT_EQ(*best, 0u);
  EXPECT_EQ(record_program(*run, run->evaluations[0]), "Task * CPU;\n");
  EXPECT_FALSE(record_ok(run->evaluations[1]));

  json r = call("best_mapper", {{"run_dir", path_}});
  EXPECT_EQ(r["structuredContent"]["program"], "Task * CPU;\n");
}

TEST_F(McpRunDir, NotARunDirectoryIsAToolError) {
  fs::create_directories(path_);
  json r = call("tuning_status", {{"run_dir", path_}});
  EXPECT_TRUE(r["isError"].get<bool>());
  EXPECT_NE(r["content"][0]["text"].get<std::string>().find("no tuning run directory"), std::string::npos);
  EXPECT_TRUE(call("best_mapper", {{"run_dir", (root_ / "missing").string()}})["isError"].get<bool>());
}

}  // namespace
}  // namespace mage::mcp
