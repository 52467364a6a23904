// Inputs for the report tests: run directories written the way `mage tune` writes them (with hostile text
// in programs, feedback and rationales), and a small simulated application with copies between processors.
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "feedback/feedback.hpp"
#include "mapping/policy.hpp"
#include "model/app_model.hpp"
#include "model/machine_model.hpp"
#include "report/report.hpp"
#include "sim/simulate.hpp"

namespace mage::report::test {

namespace fs = std::filesystem;

// Text no page may show unescaped.
inline constexpr const char* kHostile = "<script>alert('x')</script> & \"quoted\"";

struct FakeEval {
  bool ok = true;
  double score = 0;
  std::string code, message;  // when !ok
  std::string explain = "most time is spent computing";
  std::string suggest = "keep the tasks on the GPUs";
  std::string program = "Task * GPU;\n";
};

inline FakeEval success(double score) {
  FakeEval e;
  e.score = score;
  return e;
}
inline FakeEval failure(std::string code, std::string message) {
  FakeEval e;
  e.ok = false;
  e.code = std::move(code);
  e.message = std::move(message);
  return e;
}

inline void write_text(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// A run directory of `evals`; `llm`: made by the LLM optimizer (each evaluation one iteration); `summary`:
// finished (summary.json with the default at 10 and the expert at 20).
inline void write_run(const fs::path& dir, const std::string& optimizer, const std::vector<FakeEval>& evals,
                      bool llm = false, bool summary = true) {
  nlohmann::json settings = {{"app", "stencil"}, {"machine", "p100x4"}, {"nodes", 1},   {"optimizer", optimizer},
                             {"seed", 1},        {"budget", evals.size()}, {"batch", 1}, {"params", nlohmann::json::object()},
                             {"run_command", ""}};
  if (llm) settings["llm"] = {{"model", "openai:test-model"}, {"temperature", 0.7}, {"feedback", "suggest"}};
  write_text(dir / "run.json", settings.dump(2));
  write_text(dir / "default.mpl", "");
  write_text(dir / "expert.mpl", "Task * GPU;\nRegion * * GPU FBMEM;\n");
  std::string lines;
  std::size_t best = 0;
  for (std::size_t i = 0; i < evals.size(); ++i) {
    const FakeEval& e = evals[i];
    const std::string name = fmt::format("candidates/{:05}.mpl", i);
    write_text(dir / name, e.program);
    nlohmann::json j = {{"ok", e.ok},      {"score", e.score}, {"value", e.score}, {"unit", "GFLOP/s"},
                        {"step_time", 0.1}, {"seconds", 0.25}, {"index", i},       {"candidate", name},
                        {"elapsed_s", 0.5 * static_cast<double>(i + 1)},
                        {"feedback", {{"system", e.ok ? "ran" : e.message}, {"explain", e.explain}, {"suggest", e.suggest}}}};
    if (!e.ok) j["error"] = {{"code", e.code}, {"message", e.message}};
    if (llm) {
      j["iteration"] = i + 1;
      j["extracted"] = e.code != "llm.no-program";
      j["rationale"] = std::string("Because ") + kHostile;
      j["tokens"] = {{"prompt", 100}, {"completion", 20}};
    }
    lines += j.dump() + "\n";
    if (e.ok && e.score > evals[best].score) best = i;
  }
  write_text(dir / "evaluations.jsonl", lines);
  if (summary)
    write_text(dir / "summary.json",
               nlohmann::json({{"evaluations", evals.size()},
                               {"machine", "simulated on p100x4 (1 node)"},
                               {"default", {{"ok", true}, {"score", 10.0}, {"value", 10.0}}},
                               {"expert", {{"ok", true}, {"score", 20.0}, {"value", 20.0}}}})
                   .dump(2));
}

// Evaluations with every failure kind: 2 check errors, 1 evaluation error, 1 out of memory, 1 crash.
inline std::vector<FakeEval> mixed_evals() {
  std::vector<FakeEval> v;
  v.push_back(success(12));
  v.push_back(failure("syntax.unexpected-token", std::string("expected `;` near ") + kHostile));
  v.push_back(success(18));
  v.push_back(failure("static.unknown-name", "unknown task `foo`"));
  v.push_back(failure("mapping.out-of-memory", "out of memory: the instance of `cells` needs 2 GiB"));
  FakeEval best = success(25);
  best.explain = std::string("aligned tiles ") + kHostile;
  best.suggest = "none";
  best.program = std::string("Task * GPU;\n# ") + kHostile + "\nRegion * * GPU FBMEM;\n";
  v.push_back(best);
  v.push_back(failure("sim.crash", "the evaluation died with signal 11"));
  v.push_back(failure("eval.index-out-of-range", "index 4 out of range"));
  v.push_back(success(21));
  return v;
}

// 4 tiles of 1000 elements; each step `update` writes a tile, then `stencil` reads the neighbours' edges.
inline model::AppModel halo(std::int64_t steps = 3) {
  model::AppModel app;
  app.name = "halo";
  app.steps = steps;
  app.regions = {model::Region{"cells", 4000, {model::Field{"v", 8}}}};
  model::Partition tiles{"tiles", "cells", "", 0, {}, {}, true};
  model::Partition ghost{"ghost", "cells", "", 0, {}, {}, false};
  for (std::int64_t i = 0; i < 4; ++i) {
    tiles.pieces.push_back(model::IntervalSet::range(i * 1000, (i + 1) * 1000));
    model::IntervalSet g;
    if (i > 0) g = g | model::IntervalSet::range(i * 1000 - 10, i * 1000);
    if (i < 3) g = g | model::IntervalSet::range((i + 1) * 1000, (i + 1) * 1000 + 10);
    ghost.pieces.push_back(g);
  }
  app.partitions = {tiles, ghost};
  model::Variant gpu;
  gpu.kind = ProcKind::GPU;
  gpu.flops_per_element = 10;
  gpu.bytes_per_element = 16;
  model::Variant cpu = gpu;
  cpu.kind = ProcKind::CPU;
  app.tasks = {model::Task{"update", {gpu, cpu}}, model::Task{"stencil", {gpu, cpu}}};
  auto arg = [](std::string partition, model::Privilege p) {
    model::Argument a;
    a.partition = std::move(partition);
    a.privilege = p;
    return a;
  };
  app.launches = {model::Launch{"update", {4}, {arg("tiles", model::Privilege::RW)}, "", {}, "", false},
                  model::Launch{"stencil", {4}, {arg("tiles", model::Privilege::RW), arg("ghost", model::Privilege::RO)},
                                "", {}, "", false}};
  return app;
}

// The halo simulated on p100x4 under `program`, with its feedback.
struct Simulated {
  model::MachineModel machine = *model::model_preset("p100x4", 1);
  sim::SimResult result;
  feedback::Feedback feedback;
  explicit Simulated(const std::string& program = "Task * GPU;\n") {
    lang::Diagnostics d;
    auto policy = mapping::Policy::compile(lang::SourceFile("t.mpl", program), model::to_machine_desc(machine), d);
    EXPECT_TRUE(policy);
    if (!policy) return;
    result = sim::simulate(halo(), machine, *policy);
    feedback = feedback::from_simulation(result, &policy->program());
  }
  SimView view() const {
    SimView v;
    v.result = &result;
    v.feedback = feedback;
    v.mapper = std::string("the best mapper ") + kHostile;
    v.trace_href = "report.trace.json";
    return v;
  }
};

inline std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) ++n;
  return n;
}

}  // namespace mage::report::test
