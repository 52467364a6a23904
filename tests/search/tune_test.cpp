// The tuning loop with a synthetic evaluator: records and the best mapper in the run directory, the same
// seed giving the same run, and an interrupted run resumed to the same end as an uninterrupted one.
#include "search/tune.hpp"

#include <filesystem>

#include <gtest/gtest.h>

#include "apps/builtin.hpp"
#include "model/machine_model.hpp"

namespace mage::search {
namespace {

namespace fs = std::filesystem;

struct TuneFixture : ::testing::Test {
  model::AppModel app;
  std::unique_ptr<MappingSpace> space;
  fs::path root;

  void SetUp() override {
    lang::Diagnostics d;
    app = *apps::make_app(*apps::find_builtin("stencil"), {1, 4}, {}, d);
    space = std::make_unique<MappingSpace>(app, model::to_machine_desc(*model::model_preset("p100x4", 1)));
    root = fs::temp_directory_path() /
           ("mage-tune-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root);
  }
  void TearDown() override { fs::remove_all(root); }

  // A score from the program text alone: deterministic, and different for different programs; programs
  // that put the stencil on a CPU fail.
  static std::vector<Evaluation> evaluate(const std::vector<Candidate>& batch) {
    std::vector<Evaluation> out;
    for (const auto& c : batch) {
      Evaluation e;
      e.ok = c.program.find("Task stencil CPU") == std::string::npos;
      e.score = e.value = static_cast<double>(std::hash<std::string>{}(c.program) % 1000);
      e.unit = "points/s";
      out.push_back(e);
    }
    return out;
  }

  TuneResult run(const std::string& name, TuneSettings s, std::size_t stop_after = 0, const TuneStart& from = {}) {
    auto opened = fs::exists(root / name) ? RunDir::open((root / name).string())
                                          : RunDir::create((root / name).string(), to_json(s));
    EXPECT_TRUE(opened) << (opened ? "" : opened.error().message);
    RunDir dir = *opened;
    std::atomic<bool> stop{false};
    auto progress = [&](const Progress& p) {
      if (stop_after && p.done >= stop_after) stop.store(true);
    };
    auto r = tune(s, *space, evaluate, dir, Evaluation{}, Evaluation{}, progress, stop, from);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return *r;
  }

  std::vector<Point> points(const std::string& name) {
    auto dir = RunDir::open((root / name).string());
    std::vector<Point> out;
    for (const auto& e : dir->evaluations()) out.push_back(e.at("point").get<Point>());
    return out;
  }
};

TEST_F(TuneFixture, RecordsEveryEvaluationAndTheBest) {
  TuneSettings s;
  s.app = "stencil";
  s.budget = 25;
  s.batch = 3;
  auto r = run("a", s);
  EXPECT_EQ(r.evaluations, 25u);
  ASSERT_TRUE(r.best_index);
  auto dir = RunDir::open((root / "a").string());
  ASSERT_EQ(dir->evaluations().size(), 25u);
  double best = 0;
  for (const auto& e : dir->evaluations())
    if (e.at("ok").get<bool>()) best = std::max(best, e.at("score").get<double>());
  EXPECT_EQ(r.best.score, best);
  EXPECT_TRUE(fs::exists(root / "a" / "best.mpl"));
  EXPECT_TRUE(fs::exists(root / "a" / "candidates" / "00024.mpl"));
}

TEST_F(TuneFixture, SameSeedSameRunOtherSeedOtherRun) {
  TuneSettings s;
  s.app = "stencil";
  s.budget = 20;
  for (const char* opt : {"random", "ensemble", "ccd"}) {
    s.optimizer = opt;
    s.seed = 5;
    run(std::string(opt) + "1", s);
    run(std::string(opt) + "2", s);
    EXPECT_EQ(points(std::string(opt) + "1"), points(std::string(opt) + "2")) << opt;
    s.seed = 6;
    run(std::string(opt) + "3", s);
    if (std::string(opt) != "ccd") {
      EXPECT_NE(points(std::string(opt) + "1"), points(std::string(opt) + "3")) << opt;
    }
  }
}

TEST_F(TuneFixture, AnInterruptedRunResumesToTheSameEnd) {
  for (const char* opt : {"random", "ensemble", "ccd"}) {
    TuneSettings s;
    s.app = "stencil";
    s.optimizer = opt;
    s.budget = 40;
    s.batch = 4;
    auto whole = run(std::string(opt) + "-whole", s);
    auto first = run(std::string(opt) + "-cut", s, 13);
    EXPECT_TRUE(first.stopped) << opt;
    EXPECT_LT(first.evaluations, 40u);
    auto rest = run(std::string(opt) + "-cut", s);  // resumes from the run directory
    EXPECT_EQ(rest.evaluations, whole.evaluations) << opt;  // coordinate descent may finish early
    EXPECT_EQ(rest.best.score, whole.best.score) << opt;
    EXPECT_EQ(points(std::string(opt) + "-whole"), points(std::string(opt) + "-cut")) << opt;
  }
}

TEST_F(TuneFixture, InjectedPointsComeFirstAndSurviveAResume) {
  TuneStart from;
  Point p = space->default_point();
  for (int i = 0; i < 3; ++i) {
    p[p.size() - 1 - static_cast<std::size_t>(i)] = 1;  // an alignment or layout choice
    from.inject.push_back(p);
  }
  TuneSettings s;
  s.app = "stencil";
  s.budget = 20;
  s.batch = 2;
  run("whole", s, 0, from);
  auto recorded = points("whole");
  ASSERT_EQ(recorded.size(), 20u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(recorded[i], from.inject[i]);
  run("cut", s, 5, from);
  run("cut", s, 0, from);
  EXPECT_EQ(points("cut"), recorded);
}

TEST_F(TuneFixture, ARecordThatDivergesIsAnError) {
  TuneSettings s;
  s.app = "stencil";
  s.budget = 5;
  run("d", s);
  s.seed = 99;  // not what the records were made with
  RunDir dir = *RunDir::open((root / "d").string());
  std::atomic<bool> stop{false};
  auto r = tune(s, *space, evaluate, dir, Evaluation{}, Evaluation{}, {}, stop);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "rundir.diverged");
}

TEST(TuneProgress, ShowsRatiosRateAndEta) {
  Progress p;
  p.done = 12;
  p.budget = 100;
  p.best = 3.0;
  p.expert = 2.0;
  p.fallback = 1.5;
  p.rate = 8;
  p.eta = 11;
  EXPECT_EQ(render_progress(p), "12/100  best 1.500x expert, 2.000x default  8.0 eval/s  ETA 11 s");
}

}  // namespace
}  // namespace mage::search
