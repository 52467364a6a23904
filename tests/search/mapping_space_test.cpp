// The mapping space of the built-in applications: its default point is the default mapper, every point
// renders to a clean, canonical program, repair keeps memories addressable, and coordinate descent sweeps
// the heaviest task first.
#include "search/mapping_space.hpp"

#include <random>

#include <gtest/gtest.h>

#include "apps/builtin.hpp"
#include "lang/checker.hpp"
#include "lang/formatter.hpp"
#include "lang/parser.hpp"
#include "mapping/policy.hpp"
#include "model/machine_model.hpp"
#include "search/sim_evaluator.hpp"

namespace mage::search {
namespace {

model::AppModel app_for(std::string_view name, std::int64_t nodes = 1) {
  lang::Diagnostics d;
  auto app = apps::make_app(*apps::find_builtin(name), {nodes, 4}, {{"steps", 1}}, d);
  EXPECT_TRUE(app) << lang::render_text(d, nullptr);
  return *app;
}

// Errors and warnings of checking `program` against the application, and whether it is canonical.
std::string problems(const std::string& program, const model::AppModel& app) {
  lang::SourceFile source("point.mpl", program);
  lang::Diagnostics d;
  lang::Program parsed = lang::parse(source, d);
  lang::AppSignature sig = app.signature();
  if (!d.has_errors()) lang::check_program(parsed, lang::CheckOptions{&sig, nullptr}, d);
  std::string out = d.error_count() + d.warning_count() > 0 ? lang::render_text(d, &source) : "";
  if (!d.has_errors() && lang::format_program(parsed, source) != program) out += "not in canonical form\n";
  return out;
}

TEST(MappingSpace, EveryPointRendersACleanCanonicalProgram) {
  std::mt19937_64 rng(7);
  for (const auto& builtin : apps::builtin_apps())
    for (std::int64_t nodes : {1, 2}) {
      const auto app = app_for(builtin.name, nodes);
      const MappingSpace space(app, model::to_machine_desc(*model::model_preset("p100x4", nodes)));
      ASSERT_GT(space.space().params.size(), 0u) << builtin.name;
      EXPECT_EQ(problems(space.render(space.default_point()), app), "") << builtin.name;
      for (int i = 0; i < 10; ++i) {
        Point p;
        for (const auto& param : space.space().params) p.push_back(static_cast<int>(rng() % param.options.size()));
        const std::string program = space.render(p);
        EXPECT_EQ(problems(program, app), "") << builtin.name << "\n" << program;
      }
    }
}

// A program rendered from a point projects back onto the same program: how a hybrid search turns an
// LLM's mapper into a point the classic optimizers can start from.
TEST(MappingSpace, ProjectingARenderedProgramGivesItBack) {
  std::mt19937_64 rng(11);
  for (const char* name : {"stencil", "circuit", "cannon", "johnson"}) {
    const auto app = app_for(name, 2);
    const auto machine = model::to_machine_desc(*model::model_preset("p100x4", 2));
    const MappingSpace space(app, machine);
    const lang::AppSignature sig = app.signature();
    for (int i = 0; i < 10; ++i) {
      Point p;
      for (const auto& param : space.space().params) p.push_back(static_cast<int>(rng() % param.options.size()));
      const std::string program = space.render(p);
      lang::Diagnostics d;
      auto policy = mapping::Policy::compile(lang::SourceFile("p.mpl", program), machine, d, &sig);
      ASSERT_TRUE(policy) << lang::render_text(d, nullptr);
      EXPECT_EQ(space.render(space.project(*policy)), program) << name;
    }
  }
  // A hand-written program: what the library does not express falls back to the defaults.
  const auto app = app_for("stencil");
  const auto machine = model::to_machine_desc(*model::model_preset("p100x4", 1));
  const MappingSpace space(app, machine);
  lang::Diagnostics d;
  auto policy = mapping::Policy::compile(
      lang::SourceFile("h.mpl", "Task increment CPU;\nLayout * points * AOS C_order;\nm = Machine(GPU);\n"
                                "def mine(Task t) {\n    return m[0, 0];\n}\nIndexTaskMap stencil mine;\n"),
      machine, d);
  ASSERT_TRUE(policy) << lang::render_text(d, nullptr);
  const std::string rendered = space.render(space.project(*policy));
  EXPECT_NE(rendered.find("Task increment CPU;"), std::string::npos) << rendered;
  EXPECT_NE(rendered.find("Region increment 0 CPU SYSMEM;"), std::string::npos) << rendered;
  EXPECT_NE(rendered.find("Layout * points * AOS C_order;"), std::string::npos) << rendered;
  EXPECT_EQ(rendered.find("IndexTaskMap stencil"), std::string::npos) << rendered;
}

TEST(MappingSpace, TheDefaultPointMapsAsTheEmptyProgram) {
  for (const char* name : {"stencil", "circuit", "johnson"}) {
    const auto app = app_for(name);
    const auto machine = *model::model_preset("p100x4", 1);
    const MappingSpace space(app, model::to_machine_desc(machine));
    const Evaluation point = evaluate_by_simulation(app, machine, space.render(space.default_point()), "point.mpl");
    const Evaluation empty = evaluate_by_simulation(app, machine, "", "empty.mpl");
    ASSERT_TRUE(point.ok && empty.ok) << name << ": " << point.error << empty.error;
    EXPECT_DOUBLE_EQ(point.score, empty.score) << name;
  }
}

TEST(MappingSpace, ParametersFollowTheModel) {
  const auto app = app_for("circuit");
  const MappingSpace space(app, model::to_machine_desc(*model::model_preset("p100x4", 1)));
  auto find = [&](const std::string& name) -> const Parameter* {
    for (const auto& p : space.space().params)
      if (p.name == name) return &p;
    return nullptr;
  };
  // Only the kinds a task has variants for; init_piece has a CPU variant alone.
  ASSERT_TRUE(find("kind calculate_new_currents"));
  EXPECT_EQ(find("kind calculate_new_currents")->options, (std::vector<std::string>{"GPU", "CPU"}));
  EXPECT_EQ(find("kind init_piece")->options, (std::vector<std::string>{"CPU"}));
  // Memories any of those kinds can address; layouts per region; index maps for 1-D launches.
  EXPECT_EQ(find("memory calculate_new_currents 2")->options,
            (std::vector<std::string>{"FBMEM", "ZCMEM", "SYSMEM", "SOCKMEM"}));
  EXPECT_EQ(find("align all_wires")->options, (std::vector<std::string>{"none", "64", "128"}));
  EXPECT_EQ(find("map update_voltages")->options, (std::vector<std::string>{"default", "block1d", "cyclic1d"}));
  EXPECT_EQ(find("replicate"), nullptr);  // one node: nothing to replicate
  // Coordinate descent sweeps kinds heaviest first: the solver outweighs everything else.
  ASSERT_EQ(space.ccd_sweeps().size(), 2u);
  EXPECT_EQ(space.decisions()[space.ccd_sweeps()[0].front()].task, "calculate_new_currents");
}

TEST(MappingSpace, RepairMovesArgumentsToMemoriesTheNewKindAddresses) {
  const auto app = app_for("stencil");
  const MappingSpace space(app, model::to_machine_desc(*model::model_preset("p100x4", 1)));
  Point p = space.default_point();
  std::size_t kind = 0;
  while (space.decisions()[kind].what != Decision::What::Kind || space.decisions()[kind].task != "stencil") ++kind;
  p[kind] = 1;  // CPU
  const Point repaired = space.repair(p, kind);
  for (std::size_t i = 0; i < repaired.size(); ++i)
    if (space.decisions()[i].what == Decision::What::Memory && space.decisions()[i].task == "stencil") {
      EXPECT_EQ(space.space().params[i].options[static_cast<std::size_t>(repaired[i])], "SYSMEM");
    }
  EXPECT_NE(space.render(repaired).find("Region stencil 0 CPU SYSMEM;"), std::string::npos);
}

}  // namespace
}  // namespace mage::search
