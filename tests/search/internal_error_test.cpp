// A crash of a simulation process is mage's failure, not the program's: the simulator reports it as
// `sim.crash` saying so, a search records it as an internal error (kept apart from the programs' failures
// and never the best), and the candidate file stays. The crashes are made on purpose with the test hook
// MAGE_TEST_CRASH (util/test_hooks.hpp).
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "apps/builtin.hpp"
#include "mapping/policy.hpp"
#include "model/machine_model.hpp"
#include "search/run_dir.hpp"
#include "search/sim_evaluator.hpp"
#include "search/tune.hpp"
#include "sim/engine.hpp"
#include "sim/simulate.hpp"

namespace mage::search {
namespace {

namespace fs = std::filesystem;

// Sets MAGE_TEST_CRASH for one test; the children the test forks inherit it.
struct CrashHook {
  explicit CrashHook(const char* hook) { ::setenv("MAGE_TEST_CRASH", hook, 1); }
  ~CrashHook() { ::unsetenv("MAGE_TEST_CRASH"); }
};

struct InternalError : ::testing::Test {
  model::MachineModel machine = *model::model_preset("p100x4", 1);
  model::AppModel app;
  fs::path root;

  void SetUp() override {
    lang::Diagnostics d;
    app = *apps::make_app(*apps::find_builtin("stencil"), {1, 4}, {{"steps", 1}, {"warmup", 1}}, d);
    root = fs::temp_directory_path() / ("mage-internal-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root);
    fs::create_directories(root);
  }
  void TearDown() override { fs::remove_all(root); }

  std::unique_ptr<mapping::Policy> compile(const std::string& program) {
    lang::Diagnostics d;
    lang::AppSignature signature = app.signature();
    return mapping::Policy::compile(lang::SourceFile("p.mpl", program), model::to_machine_desc(machine), d,
                                    &signature);
  }
};

TEST_F(InternalError, ACrashedSimulationProcessIsMagesFailure) {
  auto policy = compile("Task * GPU;\n");
  ASSERT_TRUE(policy);
  {
    sim::SimResult ok = sim::simulate(app, machine, *policy);
    ASSERT_TRUE(ok.ok);
    EXPECT_FALSE(ok.internal_error());
  }
  CrashHook hook("simulation-process");
  sim::SimResult r = sim::simulate(app, machine, *policy);
  ASSERT_FALSE(r.ok);
  EXPECT_TRUE(r.internal_error());
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, "sim.crash");
  EXPECT_NE(r.error->message.find("mage failed, not the program"), std::string::npos) << r.error->message;
  EXPECT_NE(r.error->message.find("signal 6"), std::string::npos) << r.error->message;
  auto j = sim::to_json(r);
  EXPECT_EQ(j["error"]["code"], "sim.crash");
  EXPECT_EQ(j["internal_error"], true);
  // The feedback does not send the reader after the program.
  feedback::Feedback fb = feedback::from_simulation(r, &policy->program());
  ASSERT_FALSE(fb.fired.empty());
  EXPECT_EQ(fb.fired.front(), "internal.crash");
  EXPECT_NE(fb.explain.find("mage failed, not the program"), std::string::npos) << fb.explain;
  EXPECT_EQ(fb.suggest.find("edit"), std::string::npos) << fb.suggest;
}

// A stall is the program's doing, not mage's: the engine reports it without marking a crash.
TEST_F(InternalError, AStallIsNotACrash) {
  sim::EnginePlatform p;
  p.nodes = 1;
  p.processors = {{"n0.P0", 0}};
  p.memories = {{"n0.M0", 0, 0}};
  p.routes = {{{}}};
  sim::TaskGraph g;
  g.tasks.resize(2);
  g.tasks[0].name = g.tasks[0].label = "a";
  g.tasks[0].compute_seconds = 1;
  g.tasks[0].deps = {1};  // waits for a task that runs after it on the same processor
  g.tasks[1].name = g.tasks[1].label = "b";
  g.tasks[1].compute_seconds = 1;
  sim::EngineResult r = sim::run_engine_isolated(p, g);
  EXPECT_FALSE(r.completed);
  EXPECT_FALSE(r.crashed) << r.error;
  {
    CrashHook hook("simulation-process");
    sim::EngineResult crashed = sim::run_engine_isolated(p, g);
    EXPECT_FALSE(crashed.completed);
    EXPECT_TRUE(crashed.crashed);
  }
}

// The evaluation process of a search dies (in the child that compiles and plans the candidate) and the
// SimGrid process under it dies: both are internal errors, their records say so, the candidates stay.
TEST_F(InternalError, SearchRecordsCrashesApartAndKeepsTheCandidates) {
  for (const char* where : {"evaluation-process", "simulation-process"}) {
    SCOPED_TRACE(where);
    auto evaluate = make_sim_evaluator(app, machine, 2);
    const fs::path candidate = root / (std::string(where) + ".mpl");
    std::ofstream(candidate) << "Task * GPU;\n";
    std::vector<Evaluation> out;
    {
      CrashHook hook(where);
      out = evaluate({{"Task * GPU;\n", candidate.string()}, {"Task * GPU;\n", candidate.string()}});
    }
    ASSERT_EQ(out.size(), 2u);
    for (const Evaluation& e : out) {
      EXPECT_FALSE(e.ok);
      EXPECT_TRUE(e.internal);
      EXPECT_EQ(e.error_code, "sim.crash");
      EXPECT_NE(e.error.find("mage failed, not the program"), std::string::npos) << e.error;
      EXPECT_NE(e.feedback.explain.find("mage failed, not the program"), std::string::npos) << e.feedback.explain;
      // Through the record and back, as a resumed run reads it.
      nlohmann::json j = to_json(e);
      EXPECT_EQ(j["internal_error"], true);
      EXPECT_EQ(j["error"]["code"], "sim.crash");
      EXPECT_TRUE(evaluation_from_json(j).internal);
    }
    EXPECT_TRUE(fs::exists(candidate));
    // Without the hook the same program evaluates.
    auto again = evaluate({{"Task * GPU;\n", candidate.string()}});
    EXPECT_TRUE(again[0].ok) << again[0].error;
    EXPECT_FALSE(again[0].internal);
  }
}

TEST_F(InternalError, CountsKeepInternalErrorsApart) {
  Evaluation good;
  good.ok = true;
  good.score = 1;
  Evaluation bad;
  bad.error_code = "mapping.out-of-memory";
  Evaluation crash;
  crash.error_code = "sim.crash";
  crash.internal = true;
  nlohmann::json legacy = to_json(bad);  // a record written before the flag existed
  legacy["error"]["code"] = "sim.crash";
  OutcomeCounts c = count_outcomes({to_json(good), to_json(bad), to_json(crash), legacy});
  EXPECT_EQ(c.succeeded, 1u);
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(c.internal_errors, 2u);
  EXPECT_EQ(to_json(c)["internal_errors"], 2);
}

// In a tuning run an internal error is recorded as one, counted on the progress line, and never the best.
TEST_F(InternalError, TuningNeverScoresACrash) {
  const MappingSpace space(app, model::to_machine_desc(machine));
  TuneSettings s;
  s.app = "stencil";
  s.optimizer = "random";
  s.budget = 6;
  auto created = RunDir::create((root / "run").string(), to_json(s));
  ASSERT_TRUE(created);
  RunDir dir = *created;
  std::size_t calls = 0;
  // Every other evaluation crashes; the crashed ones would score highest if a crash were ever scored.
  BatchEvaluator evaluate = [&](const std::vector<Candidate>& batch) {
    std::vector<Evaluation> out;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Evaluation e;
      if (calls++ % 2 == 0) {
        e.internal = true;
        e.error_code = "sim.crash";
        e.score = 1e9;
      } else {
        e.ok = true;
        e.score = e.value = static_cast<double>(calls);
      }
      out.push_back(e);
    }
    return out;
  };
  std::atomic<bool> stop{false};
  Progress last;
  auto r = tune(s, space, evaluate, dir, Evaluation{}, Evaluation{}, [&](const Progress& p) { last = p; }, stop);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->best_index);
  EXPECT_FALSE(r->best.internal);
  EXPECT_TRUE(r->best.ok);
  EXPECT_EQ(last.internal_errors, 3u);
  EXPECT_NE(render_progress(last).find("3 internal errors"), std::string::npos) << render_progress(last);
  OutcomeCounts c = count_outcomes(dir.evaluations());
  EXPECT_EQ(c.internal_errors, 3u);
  EXPECT_EQ(c.succeeded, 3u);
  EXPECT_EQ(c.failed, 0u);
  for (std::size_t i = 0; i < 6; ++i) EXPECT_TRUE(fs::exists(dir.candidate_path(i)));
}

}  // namespace
}  // namespace mage::search
