// The run directory: what create writes, that reopening gives back exactly what was appended, how a torn
// last line and a corrupt middle line are told apart, and the errors that say what to do.
#include "search/run_dir.hpp"

#include <gtest/gtest.h>

#include "temp_dir.hpp"

#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

#include <unistd.h>

namespace mage::search {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A scratch directory; `run` is a path inside it that does not exist yet.
struct TempDir : mage::testing::TempDir {
  std::string run() const { return file("run"); }
};

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void append_raw(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::app) << bytes;
}

json settings() {
  return {{"app", "stencil"}, {"machine", "p100x4"}, {"optimizer", "ensemble"}, {"seed", 3}, {"budget", 100},
          {"jobs", 2}};
}

json record(int index) { return {{"index", index}, {"ok", true}, {"throughput", 1.5 * index}}; }

// Appends a record, or fails the test (by an exception, which gtest reports) when it cannot.
void append(RunDir& run, const json& r) {
  std::string error;
  if (!run.append_evaluation(r, error)) throw std::runtime_error("append failed: " + error);
}

// A new run in `tmp` with records 0 .. records-1 appended.
RunDir started(const TempDir& tmp, int records = 0) {
  auto created = RunDir::create(tmp.run(), settings());
  if (!created) throw std::runtime_error("create failed: " + created.error().message);
  RunDir run = *created;
  for (int i = 0; i < records; ++i) append(run, record(i));
  return run;
}

TEST(RunDir, CreateAppendReopenRoundTrip) {
  TempDir tmp;
  auto created = RunDir::create(tmp.run(), settings());
  ASSERT_TRUE(created) << created.error().message;
  RunDir dir = *created;
  EXPECT_EQ(dir.path(), tmp.run());
  EXPECT_TRUE(fs::is_directory(tmp.run() + "/candidates"));
  EXPECT_EQ(json::parse(read(tmp.run() + "/run.json")), settings());
  EXPECT_TRUE(fs::exists(dir.evaluations_path()));
  EXPECT_TRUE(dir.evaluations().empty());

  std::string error;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(dir.append_evaluation(record(i), error)) << error;
  EXPECT_EQ(dir.evaluations().size(), 3u);

  auto opened = RunDir::open(tmp.run());
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(opened->settings(), settings());
  ASSERT_EQ(opened->evaluations().size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(opened->evaluations()[i], record(i));
  EXPECT_EQ(opened->dropped_bytes(), 0u);

  // One line per record, each complete.
  std::string log = read(dir.evaluations_path());
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 3);
  EXPECT_EQ(log.back(), '\n');

  // Appending after reopening continues the same file.
  RunDir again = *opened;
  ASSERT_TRUE(again.append_evaluation(record(3), error)) << error;
  auto reopened = RunDir::open(tmp.run());
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->evaluations().size(), 4u);
}

TEST(RunDir, TornLastLineIsDroppedOnOpen) {
  TempDir tmp;
  RunDir run = started(tmp, 2);
  auto clean_size = fs::file_size(run.evaluations_path());
  append_raw(run.evaluations_path(), R"({"index": 2, "ok": tr)");

  auto opened = RunDir::open(tmp.run());
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(opened->evaluations().size(), 2u);
  EXPECT_EQ(opened->dropped_bytes(), 21u);
  EXPECT_EQ(fs::file_size(run.evaluations_path()), clean_size);

  // The next append starts on a clean line.
  RunDir resumed = *opened;
  append(resumed, record(2));
  auto again = RunDir::open(tmp.run());
  ASSERT_TRUE(again) << again.error().message;
  ASSERT_EQ(again->evaluations().size(), 3u);
  EXPECT_EQ(again->evaluations()[2], record(2));
}

TEST(RunDir, TornLastLineOfZeroBytesIsDropped) {
  TempDir tmp;
  RunDir run = started(tmp, 1);
  // After a power loss a file may end in zeros where the last write did not reach the disk.
  append_raw(run.evaluations_path(), std::string(40, '\0') + "\n");
  auto opened = RunDir::open(tmp.run());
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(opened->evaluations().size(), 1u);
  EXPECT_EQ(opened->dropped_bytes(), 41u);
}

TEST(RunDir, WholeLastRecordWithoutNewlineIsKept) {
  TempDir tmp;
  RunDir run = started(tmp, 1);
  append_raw(run.evaluations_path(), record(1).dump());
  auto opened = RunDir::open(tmp.run());
  ASSERT_TRUE(opened) << opened.error().message;
  ASSERT_EQ(opened->evaluations().size(), 2u);
  EXPECT_EQ(opened->evaluations()[1], record(1));
  EXPECT_EQ(read(run.evaluations_path()).back(), '\n');
}

TEST(RunDir, CorruptMiddleLineIsAnErrorNamingTheLine) {
  TempDir tmp;
  RunDir run = started(tmp, 1);
  append_raw(run.evaluations_path(), "{\"index\": 1, oops}\n");
  append(run, record(2));
  auto before = read(run.evaluations_path());

  auto opened = RunDir::open(tmp.run());
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, "rundir.corrupt");
  EXPECT_NE(opened.error().message.find("evaluations.jsonl"), std::string::npos);
  EXPECT_NE(opened.error().message.find("line 2"), std::string::npos);
  EXPECT_NE(opened.error().hint.find("line 2"), std::string::npos);
  EXPECT_EQ(read(run.evaluations_path()), before);  // nothing cut when the damage is not at the end
}

TEST(RunDir, MiddleLineThatIsNotAnObjectIsAnError) {
  TempDir tmp;
  RunDir run = started(tmp, 1);
  append_raw(run.evaluations_path(), "\n[1, 2]\n");  // a blank line is skipped, but counted
  append(run, record(1));
  auto opened = RunDir::open(tmp.run());
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("line 3"), std::string::npos);
  EXPECT_NE(opened.error().message.find("not a JSON object"), std::string::npos);
}

TEST(RunDir, CreateRefusesANonEmptyDirectory) {
  TempDir tmp;
  fs::create_directories(tmp.run());
  std::ofstream(tmp.run() + "/notes.txt") << "mine\n";
  auto stray = RunDir::create(tmp.run(), settings());
  ASSERT_FALSE(stray);
  EXPECT_EQ(stray.error().code, "rundir.exists");
  EXPECT_NE(stray.error().message.find(tmp.run()), std::string::npos);
  EXPECT_NE(stray.error().message.find("not empty"), std::string::npos);
  EXPECT_EQ(read(tmp.run() + "/notes.txt"), "mine\n");
}

TEST(RunDir, CreateOverAnEarlierRunPointsToResume) {
  TempDir tmp;
  auto first = RunDir::create(tmp.run(), settings());
  ASSERT_TRUE(first);
  auto no_evaluations = RunDir::create(tmp.run(), settings());
  ASSERT_FALSE(no_evaluations);
  EXPECT_NE(no_evaluations.error().hint.find("--resume " + tmp.run()), std::string::npos);

  RunDir run = *first;
  std::string error;
  ASSERT_TRUE(run.append_evaluation(record(0), error));
  auto second = RunDir::create(tmp.run(), json{{"app", "other"}});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().message, "run directory `" + tmp.run() + "` already has evaluations");
  EXPECT_EQ(second.error().hint, "pass --resume " + tmp.run() + " to continue it, or choose another --out");
  // The earlier run is untouched.
  EXPECT_EQ(json::parse(read(tmp.run() + "/run.json")), settings());
  auto opened = RunDir::open(tmp.run());
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->evaluations().size(), 1u);
}

TEST(RunDir, CreateInAnEmptyExistingDirectoryOrOverAFileFails) {
  TempDir tmp;
  fs::create_directories(tmp.run());
  EXPECT_TRUE(RunDir::create(tmp.run(), settings()));

  std::ofstream(tmp.file("plain")) << "x";
  auto over_file = RunDir::create(tmp.file("plain"), settings());
  ASSERT_FALSE(over_file);
  EXPECT_NE(over_file.error().message.find("not a directory"), std::string::npos);
}

TEST(RunDir, OpenErrorsNameTheFile) {
  TempDir tmp;
  auto missing = RunDir::open(tmp.file("nothing-here"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "rundir.missing");
  EXPECT_NE(missing.error().hint.find("--resume"), std::string::npos);

  fs::create_directories(tmp.run());
  auto no_settings = RunDir::open(tmp.run());
  ASSERT_FALSE(no_settings);
  EXPECT_NE(no_settings.error().message.find("run.json"), std::string::npos);

  std::ofstream(tmp.run() + "/run.json") << "{\"app\": ";
  auto corrupt = RunDir::open(tmp.run());
  ASSERT_FALSE(corrupt);
  EXPECT_EQ(corrupt.error().code, "rundir.corrupt");
  EXPECT_NE(corrupt.error().message.find("run.json"), std::string::npos);

  // run.json alone is a run with no evaluations yet.
  std::ofstream(tmp.run() + "/run.json") << settings().dump();
  auto bare = RunDir::open(tmp.run());
  ASSERT_TRUE(bare) << bare.error().message;
  EXPECT_TRUE(bare->evaluations().empty());
  EXPECT_TRUE(fs::exists(bare->evaluations_path()));
}

TEST(RunDir, CandidateBestAndSummaryFiles) {
  TempDir tmp;
  RunDir run = started(tmp);
  std::string error;
  ASSERT_TRUE(run.write_candidate(42, "Task * GPU;\n", error)) << error;
  ASSERT_TRUE(run.write_candidate(123456, "Task * CPU;\n", error)) << error;
  EXPECT_EQ(read(tmp.run() + "/candidates/00042.mpl"), "Task * GPU;\n");
  EXPECT_EQ(read(tmp.run() + "/candidates/123456.mpl"), "Task * CPU;\n");
  EXPECT_EQ(run.candidate_path(7), tmp.run() + "/candidates/00007.mpl");

  ASSERT_TRUE(run.write_best("Task * GPU;\n", error)) << error;
  ASSERT_TRUE(run.write_best("Task * OMP;\n", error)) << error;
  EXPECT_EQ(read(tmp.run() + "/best.mpl"), "Task * OMP;\n");

  json summary = {{"evaluations", 10}, {"best", {{"index", 4}, {"throughput", 2.5}}}};
  ASSERT_TRUE(run.write_summary(summary, error)) << error;
  EXPECT_EQ(json::parse(read(tmp.run() + "/summary.json")), summary);

  // No temporary files are left beside them.
  for (const auto& entry : fs::recursive_directory_iterator(tmp.run()))
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();
}

TEST(RunDir, RecordsWithInvalidUtf8StillWriteAndRead) {
  TempDir tmp;
  RunDir run = started(tmp);
  append(run, {{"index", 0}, {"feedback", std::string("out\xff" "put")}});
  auto opened = RunDir::open(tmp.run());
  ASSERT_TRUE(opened) << opened.error().message;
  ASSERT_EQ(opened->evaluations().size(), 1u);
  EXPECT_EQ(opened->evaluations()[0]["index"], 0);
}

TEST(RunDir, AppendFailureNamesTheFile) {
  TempDir tmp;
  RunDir run = started(tmp);
  fs::remove(run.evaluations_path());
  fs::create_directories(run.evaluations_path());  // a directory where the log should be
  std::string error;
  EXPECT_FALSE(run.append_evaluation(record(0), error));
  EXPECT_NE(error.find("evaluations.jsonl"), std::string::npos);
  EXPECT_TRUE(run.evaluations().empty());
}

}  // namespace
}  // namespace mage::search
