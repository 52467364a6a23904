// The mapping space of the built-in applications: its default point is the default mapper, every point
// renders to a clean, canonical program, repair keeps memories addressable, and coordinate descent sweeps
// the heaviest task first.
#include "search/mapping_space.hpp"

#include <algorithm>
#include <random>

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "apps/builtin.hpp"
#include "lang/checker.hpp"
#include "lang/formatter.hpp"
#include "lang/parser.hpp"
#include "mapping/policy.hpp"
#include "model/machine_model.hpp"
#include "search/optimizer.hpp"
#include "search/sim_evaluator.hpp"
#include "sim/planner.hpp"

namespace mage::search {
namespace {

model::AppModel app_for(std::string_view name, std::int64_t nodes = 1) {
  lang::Diagnostics d;
  auto app = apps::make_app(*apps::find_builtin(name), {nodes, 4}, {{"steps", 1}}, d);
  EXPECT_TRUE(app) << lang::render_text(d, nullptr);
  return *app;
}

std::string lower_case(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
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


// What the planner allocates for a point against the capacities, as the simulator's engine checks them:
// per memory instance the instances kept for the run plus the largest collected one. Empty when it fits.
std::string overflow(const sim::Plan& plan, const model::MachineModel& machine) {
  std::vector<std::uint64_t> kept(machine.memories.size()), collected(machine.memories.size());
  for (const auto& task : plan.graph.tasks)
    for (const auto& a : task.allocations) {
      auto m = static_cast<std::size_t>(a.memory);
      if (a.released_at_end) collected[m] = std::max(collected[m], a.bytes);
      else kept[m] += a.bytes;
    }
  std::string out;
  for (std::size_t m = 0; m < kept.size(); ++m) {
    const auto capacity = static_cast<std::uint64_t>(machine.memories[m].capacity);
    if (capacity > 0 && kept[m] + collected[m] > capacity)
      out += fmt::format("{} needs {} of {}; ", model::memory_name(machine, static_cast<model::MemId>(m)),
                         model::format_bytes(static_cast<std::int64_t>(kept[m] + collected[m])),
                         model::format_bytes(static_cast<std::int64_t>(capacity)));
  }
  return out;
}

// Random points of every application (and cannon on 4 nodes) render to clean programs that map: every
// point task gets a processor and every argument a memory its processor addresses, and the instances
// fit the memories. Planning only; bench/space_points.sh simulates them.
TEST(MappingSpace, RandomPointsMapAndFitTheirMemories) {
  std::vector<std::pair<std::string, std::int64_t>> cases;
  for (const auto& builtin : apps::builtin_apps()) cases.emplace_back(builtin.name, 1);
  cases.emplace_back("cannon", 4);
  for (const auto& [name, nodes] : cases) {
    const auto app = app_for(name, nodes);
    const auto machine = *model::model_preset("p100x4", nodes);
    const MappingSpace space(app, machine);
    const lang::AppSignature sig = app.signature();
    auto random = make_optimizer("random", space.space(), 1, nullptr);
    const auto points = random->ask(60);
    ASSERT_EQ(points.size(), 60u) << name;
    int mapped = 0;
    std::string failures;
    for (const Point& p : points) {
      const std::string program = space.render(p);
      ASSERT_EQ(problems(program, app), "") << name << "\n" << program;
      lang::Diagnostics d;
      auto policy = mapping::Policy::compile(lang::SourceFile("point.mpl", program), model::to_machine_desc(machine), d, &sig);
      ASSERT_TRUE(policy) << lang::render_text(d, nullptr);
      auto plan = sim::plan(app, machine, *policy);
      if (!plan) {
        failures += plan.error().code + "; ";
        continue;
      }
      const std::string over = overflow(*plan, machine);
      if (!over.empty()) {
        failures += "out of memory: " + over;
        continue;
      }
      // The space's estimate agrees: nothing it renders overflows by its own account.
      for (const auto& u : space.footprint(space.fit(p))) EXPECT_FALSE(u.over()) << name << "\n" << program;
      ++mapped;
    }
    EXPECT_GE(mapped, 54) << name << " on " << nodes << " node(s): " << failures;
  }
}

// A task launched by another task may follow its parent's processor whatever kinds the two run on: the
// rendered `same_point` names the parent's processor in the parent's kind's machine space.
TEST(MappingSpace, SamePointFollowsAParentOnAnyKind) {
  const auto app = app_for("cannon");
  const auto machine = *model::model_preset("p100x4", 1);
  const MappingSpace space(app, machine);
  auto param = [&](const std::string& name) {
    for (std::size_t i = 0; i < space.space().params.size(); ++i)
      if (space.space().params[i].name == name) return i;
    ADD_FAILURE() << "no parameter " << name;
    return std::size_t{0};
  };
  auto option = [&](std::size_t i, const std::string& name) {
    const auto& o = space.space().params[i].options;
    const auto it = std::find(o.begin(), o.end(), name);
    EXPECT_NE(it, o.end()) << space.space().params[i].name << " has no option " << name;
    return static_cast<int>(it - o.begin());
  };
  // task_7 (index launch) launches task_6 (single), which launches task_5 (index), whose points launch
  // task_4 (single).
  const std::size_t kind7 = param("kind task_7"), kind6 = param("kind task_6"), kind5 = param("kind task_5"),
                    kind4 = param("kind task_4"), map6 = param("map task_6"), map4 = param("map task_4");
  int combinations = 0;
  for (const auto& k7 : space.space().params[kind7].options)
    for (const auto& k6 : space.space().params[kind6].options)
      for (const auto& k5 : space.space().params[kind5].options) {
        Point p = space.default_point();
        p[kind7] = option(kind7, k7);
        p[kind6] = option(kind6, k6);
        p[kind5] = option(kind5, k5);
        p[kind4] = option(kind4, "GPU");
        p[map6] = option(map6, "same_point");
        p[map4] = option(map4, "same_point");
        p = space.fit(p);
        const std::string program = space.render(p);
        EXPECT_EQ(problems(program, app), "") << program;
        if (k5 != "GPU") {
          EXPECT_NE(program.find("same_point_gpu_from_" + lower_case(k5)), std::string::npos) << program;
        }
        const Evaluation e = evaluate_by_simulation(app, machine, program, "point.mpl");
        EXPECT_TRUE(e.ok) << k7 << " " << k6 << " " << k5 << ": " << e.error_code << " " << e.error << "\n" << program;
        ++combinations;
      }
  EXPECT_EQ(combinations, 2 * 2 * 3);
}

// A memory too small for an argument's instances is not offered, and a point whose choices together
// overflow a memory renders with arguments moved to memories that hold them.
TEST(MappingSpace, MemoriesThatCannotHoldTheDataAreNotChosen) {
  const auto app = app_for("pennant");
  const auto machine = *model::model_preset("p100x4", 1);
  const MappingSpace sized(app, machine);
  const MappingSpace unsized(app, model::to_machine_desc(machine));
  ASSERT_EQ(sized.space().params.size(), unsized.space().params.size());
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < sized.space().params.size(); ++i)
    dropped += unsized.space().params[i].options.size() - sized.space().params[i].options.size();
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(sized.fit(sized.default_point()), sized.default_point());
  // Every argument in zero-copy memory (8 GiB per node) overflows it; the fitted point does not.
  Point zc = sized.default_point();
  for (std::size_t i = 0; i < zc.size(); ++i)
    if (sized.decisions()[i].what == Decision::What::Memory) {
      const auto& o = sized.space().params[i].options;
      const auto it = std::find(o.begin(), o.end(), "ZCMEM");
      if (it != o.end()) zc[i] = static_cast<int>(it - o.begin());
    }
  bool over = false;
  for (const auto& u : sized.footprint(zc)) over = over || u.over();
  EXPECT_TRUE(over);
  const Point fitted = sized.fit(zc);
  for (const auto& u : sized.footprint(fitted)) EXPECT_FALSE(u.over());
  EXPECT_EQ(sized.fit(fitted), fitted);  // fitting is idempotent
  const Evaluation e = evaluate_by_simulation(app, machine, sized.render(zc), "zc.mpl");
  EXPECT_TRUE(e.ok) << e.error_code << " " << e.error;
}

}  // namespace
}  // namespace mage::search
