// What keeps a run directory consistent against hostile records, concurrent processes and kills: records
// whose fields have the wrong type (a measured 1e-320 once became `null`) are errors naming the line, never
// an abort; a second process is refused by the lock; temporaries a killed writer left are removed; best.mpl
// always matches the recorded best after a resume; and a measurement that is not a finite, positive,
// normal number never reaches a record.
#include "search/run_dir.hpp"
#include "search/tune.hpp"

#include <gtest/gtest.h>

#include "temp_dir.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include "apps/builtin.hpp"
#include "model/machine_model.hpp"

namespace mage::search {
namespace {

namespace fs = std::filesystem;
using mage::testing::TempDir;
using nlohmann::json;

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void append_raw(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::app) << bytes;
}

json settings() {
  return {{"app", "stencil"}, {"machine", "p100x4"}, {"nodes", 1},   {"optimizer", "ensemble"},
          {"seed", 3},        {"budget", 6},         {"batch", 1},   {"run_command", ""}};
}

TEST(RunDirRecords, AWrongTypeIsAnErrorNamingTheLineNotAnAbort) {
  const char* bad[] = {
      R"({"index": 1, "ok": true, "score": null, "value": 1e-320})",  // what a subnormal time once stored
      R"({"index": 1, "ok": "yes"})",
      R"({"index": -1, "ok": true})",
      R"({"index": 1, "point": [0, "a"]})",
      R"({"index": 1, "point": 3})",
      R"({"index": 1, "error": 404})",
      R"({"index": 1, "feedback": {"system": 4}})",
  };
  for (const char* line : bad) {
    TempDir tmp;
    const std::string run = tmp.file("run");
    {
      auto created = RunDir::create(run, settings());
      ASSERT_TRUE(created) << created.error().message;
      RunDir dir = *created;
      std::string error;
      ASSERT_TRUE(dir.append_evaluation({{"index", 0}, {"ok", true}, {"score", 2.0}}, error)) << error;
    }
    // As the last line (whole, so not a torn write) and as a middle line.
    for (int middle = 0; middle < 2; ++middle) {
      if (middle) append_raw(run + "/evaluations.jsonl", R"({"index": 2, "ok": false})" "\n");
      else append_raw(run + "/evaluations.jsonl", std::string(line) + "\n");
      auto opened = RunDir::open(run);
      ASSERT_FALSE(opened) << line;
      EXPECT_EQ(opened.error().code, "rundir.corrupt") << line;
      EXPECT_NE(opened.error().message.find("evaluations.jsonl` line 2"), std::string::npos)
          << opened.error().message;
      EXPECT_NE(opened.error().hint.find("line 2"), std::string::npos) << opened.error().hint;
    }
    EXPECT_FALSE(check_record(json::parse(line)).value_or("").empty()) << line;
  }
  EXPECT_EQ(check_record(json::parse(R"({"index": 3, "ok": true, "score": 0.5, "point": [1, 2],
                                         "error": {"code": "x", "message": "y"}, "tokens": {"prompt": 1}})")),
            std::nullopt);
  EXPECT_NE(check_record(json::parse(R"({"score": null})")).value_or("").find("`score` is null, not a number"),
            std::string::npos);
}

TEST(RunDirRecords, ReadingNeverThrowsWhateverTheTypes) {
  for (const char* text : {R"({"ok": true, "score": null})", R"({"ok": 1, "score": "3"})", R"([1, 2])",
                           R"({"error": {"code": 7}, "feedback": []})", "null"}) {
    Evaluation e = evaluation_from_json(json::parse(text));
    EXPECT_EQ(e.score, 0) << text;
  }
}

TEST(RunDirLock, AnotherProcessIsRefusedWhileTheRunIsOpen) {
  TempDir tmp;
  const std::string run = tmp.file("run");
  auto created = RunDir::create(run, settings());
  ASSERT_TRUE(created) << created.error().message;
  // Within this process the lock is shared: reopening works.
  EXPECT_TRUE(RunDir::open(run));
  // Another process: both resuming it and starting a new run into it are refused.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto opened = RunDir::open(run);
    bool refused = !opened && opened.error().code == "rundir.locked" &&
                   opened.error().message.find("in use by another `mage tune` (process " +
                                               std::to_string(::getppid()) + ")") != std::string::npos;
    auto fresh = RunDir::create(tmp.file("run"), settings());
    refused = refused && !fresh;
    ::_exit(refused ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the second process was not refused";
  // Once every holder is gone, another process may open it.
  { RunDir gone = std::move(created).take(); }
  child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(RunDir::open(run) ? 0 : 1);
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the lock outlived its holder";
}

TEST(RunDirLock, TwoNewRunsIntoOneEmptyDirectoryCannotBothStart) {
  TempDir tmp;
  const std::string run = tmp.file("run");
  fs::create_directories(run);
  auto first = RunDir::create(run, settings());
  ASSERT_TRUE(first) << first.error().message;
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(RunDir::create(run, settings()) ? 1 : 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(RunDirKill, TemporariesLeftByAKilledWriterAreRemovedOnOpen) {
  TempDir tmp;
  const std::string run = tmp.file("run");
  { ASSERT_TRUE(RunDir::create(run, settings())); }
  append_raw(run + "/best.mpl.tmp.4242.0", "Task * GPU;\n");
  append_raw(run + "/summary.json.tmp.4242", "{");
  append_raw(run + "/candidates/00003.mpl.tmp.4242.1", "Task");
  auto opened = RunDir::open(run);
  ASSERT_TRUE(opened) << opened.error().message;
  for (const auto& dir : {run, run + "/candidates"})
    for (const auto& e : fs::directory_iterator(dir))
      EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
}

struct BestFixture : ::testing::Test {
  model::AppModel app;
  std::unique_ptr<MappingSpace> space;
  TempDir tmp;

  void SetUp() override {
    lang::Diagnostics d;
    app = *apps::make_app(*apps::find_builtin("stencil"), {1, 4}, {}, d);
    space = std::make_unique<MappingSpace>(app, model::to_machine_desc(*model::model_preset("p100x4", 1)));
  }

  static std::vector<Evaluation> evaluate(const std::vector<Candidate>& batch) {
    std::vector<Evaluation> out;
    for (const auto& c : batch) {
      Evaluation e;
      e.ok = true;
      e.score = e.value = 1 + static_cast<double>(std::hash<std::string>{}(c.program) % 1000);
      out.push_back(e);
    }
    return out;
  }

  TuneResult run(std::size_t budget, const BatchEvaluator& eval = evaluate) {
    TuneSettings s;
    s.app = "stencil";
    s.budget = budget;
    const std::string path = tmp.file("run");
    auto opened = fs::exists(path) ? RunDir::open(path) : RunDir::create(path, to_json(s));
    EXPECT_TRUE(opened) << (opened ? "" : opened.error().message);
    RunDir dir = *opened;
    std::atomic<bool> stop{false};
    auto r = tune(s, *space, eval, dir, Evaluation{}, Evaluation{}, {}, stop);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return *r;
  }
};

TEST_F(BestFixture, ResumeRestoresADeletedOrStaleBestFile) {
  TuneResult first = run(6);
  ASSERT_TRUE(first.best_index);
  const std::string best = tmp.file("run/best.mpl");
  char name[64];
  std::snprintf(name, sizeof name, "run/candidates/%05zu.mpl", *first.best_index);
  const std::string recorded = read(tmp.file(name));
  EXPECT_EQ(read(best), recorded);

  fs::remove(best);  // deleted by hand: the resume (even with nothing left to evaluate) writes it again
  TuneResult again = run(6);
  EXPECT_EQ(again.evaluations, 6u);
  ASSERT_TRUE(fs::exists(best));
  EXPECT_EQ(read(best), recorded);

  // Killed after best.mpl was written for a candidate whose record never made it: the record rules.
  std::ofstream(best) << "Task * CPU;\n";
  run(6);
  EXPECT_EQ(read(best), recorded);
}

TEST_F(BestFixture, NoSuccessMeansNoBestFile) {
  auto failing = [](const std::vector<Candidate>& batch) {
    std::vector<Evaluation> out(batch.size());
    for (auto& e : out) e.error_code = "x";
    return out;
  };
  run(3, failing);
  std::ofstream(tmp.file("run/best.mpl")) << "Task * CPU;\n";  // a best.mpl no record supports
  run(3, failing);
  EXPECT_FALSE(fs::exists(tmp.file("run/best.mpl")));
}

TEST_F(BestFixture, AMeasurementThatIsNotANormalNumberIsRecordedAsAFailure) {
  const double bad[] = {std::numeric_limits<double>::infinity(), std::nan(""), 1e-320, -1.0};
  std::size_t next = 0;
  auto eval = [&](const std::vector<Candidate>& batch) {
    std::vector<Evaluation> out(batch.size());
    for (auto& e : out) {
      e.ok = true;
      e.score = e.value = bad[next++ % 4];
      e.seconds = std::nan("");
    }
    return out;
  };
  run(4, eval);
  auto opened = RunDir::open(tmp.file("run"));
  ASSERT_TRUE(opened) << opened.error().message;  // and the resume reads every record back
  ASSERT_EQ(opened->evaluations().size(), 4u);
  for (const auto& r : opened->evaluations()) {
    EXPECT_FALSE(r["ok"].get<bool>()) << r;
    EXPECT_EQ(r["error"]["code"], "eval.bad-value") << r;
    EXPECT_TRUE(r["score"].is_number()) << r;
    EXPECT_TRUE(r["seconds"].is_number()) << r;
  }
  EXPECT_TRUE(is_measurement(1.5));
  EXPECT_TRUE(is_measurement(0));
  EXPECT_FALSE(is_measurement(1e-320));
  EXPECT_FALSE(is_measurement(-2));
  Evaluation e;
  e.ok = true;
  e.score = 2.0;
  e.value = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(checked(e).ok);
  e.value = 0.5;
  EXPECT_TRUE(checked(e).ok);
}

}  // namespace
}  // namespace mage::search
