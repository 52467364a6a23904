// The nine built-in applications: every expert and default mapper runs at every scale, and the models
// obey relations that hold for physical reasons, each derived from the model rather than from figures.
#include "apps/builtin.hpp"

#include <cmath>
#include <set>

#include <gtest/gtest.h>

#include "lang/checker.hpp"
#include "lang/formatter.hpp"
#include "lang/parser.hpp"
#include "mapping/policy.hpp"
#include "model/machine_model.hpp"
#include "sim/simulate.hpp"

namespace mage::apps {
namespace {

model::AppModel app_for(std::string_view name, std::int64_t nodes = 1,
                        const std::map<std::string, std::int64_t>& overrides = {}) {
  lang::Diagnostics d;
  const BuiltinApp* app = find_builtin(name);
  EXPECT_NE(app, nullptr) << name;
  auto model = make_app(*app, Scale{nodes, 4}, overrides, d);
  EXPECT_TRUE(model) << lang::render_text(d, nullptr);
  return model ? *model : model::AppModel{};
}

sim::SimResult simulate(const model::AppModel& app, std::string_view program, std::int64_t nodes = 1) {
  model::MachineModel machine = *model::model_preset("p100x4", nodes);
  lang::Diagnostics d;
  lang::AppSignature signature = app.signature();
  auto policy = mapping::Policy::compile(lang::SourceFile("mapper.mpl", std::string(program)),
                                         model::to_machine_desc(machine), d, &signature);
  EXPECT_TRUE(policy) << lang::render_text(d, nullptr);
  if (!policy) return {};
  return sim::simulate(app, machine, *policy);
}

std::string expert(std::string_view name) { return std::string(expert_mapper(*find_builtin(name))); }

TEST(BuiltinApps, NineWithSummariesAndExpertMappers) {
  std::set<std::string> names;
  for (const auto& a : builtin_apps()) {
    names.insert(std::string(a.name));
    EXPECT_FALSE(a.summary.empty()) << a.name;
    EXPECT_FALSE(expert_mapper(a).empty()) << a.name;
  }
  EXPECT_EQ(names, (std::set<std::string>{"circuit", "stencil", "pennant", "cannon", "summa", "pumma", "johnson",
                                          "solomonik", "cosma"}));
  EXPECT_EQ(find_builtin("stencli"), nullptr);
}

// Published mapper programs refer to the real names; the models must carry them.
TEST(BuiltinApps, ModelsUseTheRealTaskAndRegionNames) {
  struct Names {
    const char* app;
    std::vector<std::string> tasks, regions;
  };
  const Names expected[] = {
      {"circuit", {"calculate_new_currents", "distribute_charge", "update_voltages", "init_piece", "init_pointers"},
       {"all_nodes", "all_wires", "rp_all_nodes", "all_private", "all_shared", "rp_private", "rp_shared", "rp_ghost",
        "rp_wires"}},
      {"stencil", {"stencil", "increment"},
       {"points", "private", "xm", "xp", "ym", "yp", "pxm_in", "pxp_in", "pym_in", "pyp_in", "pxm_out", "pyp_out"}},
      {"pennant", {"init_step_points", "calc_global_dt", "adv_pos_half", "sum_point_mass", "qcs_corner_divergence",
                   "sum_point_force", "apply_boundary_conditions", "calc_dt_hydro"},
       {"rz_all", "rp_all", "rs_all", "rz_all_p", "rs_all_p", "rp_all_private", "rp_all_ghost", "rp_all_private_p",
        "rp_all_ghost_p", "rp_all_shared_p"}},
      {"cannon", {"task_1", "task_2", "task_3", "task_4", "task_5", "task_6", "task_7", "init_cublas", "taco_fill"}, {}},
      {"johnson", {"task_1", "task_2", "task_3", "task_4", "init_cublas", "taco_fill"}, {}},
      {"solomonik", {"task_1", "task_4", "task_5", "init_cublas"}, {}},
      {"cosma", {"task_1", "task_4", "init_cublas"}, {}},
  };
  for (const Names& n : expected) {
    lang::AppSignature sig = app_for(n.app).signature();
    for (const auto& t : n.tasks) EXPECT_TRUE(sig.find_task(t)) << n.app << ": task " << t;
    for (const auto& r : n.regions) EXPECT_TRUE(sig.region_names.count(r)) << n.app << ": region " << r;
  }
}

// Every expert mapper checks clean against its application and is in canonical form.
TEST(BuiltinApps, ExpertMappersCheckCleanAndAreFormatted) {
  for (const auto& a : builtin_apps()) {
    lang::SourceFile src(std::string(a.expert_file), expert(a.name));
    lang::Diagnostics d;
    lang::Program program = lang::parse(src, d);
    lang::AppSignature sig = app_for(a.name).signature();
    lang::check_program(program, lang::CheckOptions{&sig, nullptr}, d);
    EXPECT_EQ(d.error_count(), 0u) << a.name << "\n" << lang::render_text(d, &src);
    EXPECT_EQ(d.warning_count(), 0u) << a.name << "\n" << lang::render_text(d, &src);
    EXPECT_EQ(lang::format_program(program, src), src.text()) << a.name;
  }
}

// The published setting's sizes, weak-scaled where the published scripts weak-scale.
TEST(BuiltinApps, WeakScalingKeepsTheWorkPerGpu) {
  for (const char* name : {"circuit", "stencil", "pennant"}) {
    const auto one = app_for(name, 1), four = app_for(name, 4);
    ASSERT_FALSE(one.regions.empty());
    for (std::size_t r = 0; r < one.regions.size(); ++r) {
      // Every per-piece region grows with the GPUs; ghost strips and shared rows grow less.
      if (one.regions[r].name == "all_nodes" || one.regions[r].name == "all_wires" ||
          one.regions[r].name == "rz_all" || one.regions[r].name == "rs_all" || one.regions[r].name == "points") {
        EXPECT_NEAR(static_cast<double>(four.regions[r].elements) / static_cast<double>(one.regions[r].elements), 4.0,
                    0.05)
            << name << " " << one.regions[r].name;
      }
    }
    EXPECT_EQ(four.launches.back().domain.empty() ? 1 : four.launches.back().volume(),
              4 * (one.launches.back().domain.empty() ? 1 : one.launches.back().volume()))
        << name;
  }
  // Stencil: one 15000 x 15000 tile (3.6 GB) per GPU, as published.
  const auto stencil = app_for("stencil");
  EXPECT_EQ(stencil.find_partition("private")->pieces.size(), 4u);
  EXPECT_NEAR(static_cast<double>(stencil.find_partition("private")->pieces[0].size() * 16), 3.6e9, 0.01e9);
}

TEST(BuiltinApps, ParametersOverrideDefaultsAndBadOnesAreNamed) {
  auto app = app_for("stencil", 1, {{"steps", 3}});
  EXPECT_EQ(app.steps, 3);
  lang::Diagnostics d;
  EXPECT_FALSE(make_app(*find_builtin("stencil"), Scale{}, {{"stepz", 3}}, d));
  ASSERT_EQ(d.error_count(), 1u);
  EXPECT_NE(d.all()[0].message.find("did you mean `steps`"), std::string::npos) << d.all()[0].message;
  lang::Diagnostics d2;
  EXPECT_FALSE(make_app(*find_builtin("circuit"), Scale{}, {{"superpieces", 0}}, d2));
  EXPECT_EQ(d2.error_count(), 1u);
}

// ---- every expert and default mapper runs, on one node and on 2, 4 and 8 ------------------------------

struct MapperRun {
  std::string app;
  bool expert;
  std::int64_t nodes;
};

void PrintTo(const MapperRun& r, std::ostream* os) {
  *os << r.app << (r.expert ? " expert" : " default") << " on " << r.nodes << " node(s)";
}

class EveryMapper : public ::testing::TestWithParam<MapperRun> {};

TEST_P(EveryMapper, RunsWithoutError) {
  const MapperRun& r = GetParam();
  auto app = app_for(r.app, r.nodes, {{"steps", 2}});
  auto result = simulate(app, r.expert ? expert(r.app) : std::string(kDefaultMapper), r.nodes);
  ASSERT_TRUE(result.ok) << (result.error ? result.error->message : std::string("no result"));
  EXPECT_GT(result.throughput, 0);
  EXPECT_EQ(result.unit, app.throughput.unit);
}

std::vector<MapperRun> every_run() {
  std::vector<MapperRun> runs;
  for (const auto& a : builtin_apps())
    for (std::int64_t nodes : {1, 2, 4, 8})
      for (bool e : {true, false}) runs.push_back({std::string(a.name), e, nodes});
  return runs;
}

INSTANTIATE_TEST_SUITE_P(BuiltinApps, EveryMapper, ::testing::ValuesIn(every_run()),
                         [](const ::testing::TestParamInfo<MapperRun>& info) {
                           return info.param.app + (info.param.expert ? "_expert_" : "_default_") +
                                  std::to_string(info.param.nodes) + "nodes";
                         });

// ---- physical relations ----------------------------------------------------------------------------

// The bytes copied into the leaves' B and C arguments in one timed step.
std::uint64_t leaf_input_copies(const sim::SimResult& r, int step) {
  std::uint64_t bytes = 0;
  for (std::size_t t = 0; t < r.plan.graph.tasks.size(); ++t) {
    const auto& task = r.plan.graph.tasks[t];
    if (task.name != "task_4" || task.step != step) continue;
    for (const auto& c : task.copies)
      if (c.region == "B_tiles" || c.region == "C_tiles") bytes += c.bytes;
  }
  return bytes;
}

// The leaves' input bytes per product, as apps.md gives them: 2N^2/sqrt(P) per GPU for the 2-D family,
// 2(N/g)^2 per leaf for Johnson, and their analogues for Solomonik and COSMA.
double formula_input_bytes(const std::string& name, const model::AppModel& app, std::int64_t gpus) {
  const double n = static_cast<double>(app.find_region("A")->elements);  // N^2
  lang::Diagnostics d;
  const auto params = resolve_parameters(*find_builtin(name), Scale{gpus / 4, 4}, {}, d);
  auto at = [&](const char* p) { return static_cast<double>(params->at(p)); };
  if (name == "cannon" || name == "summa" || name == "pumma")
    return 8 * static_cast<double>(gpus) * 2 * n / std::sqrt(static_cast<double>(gpus));
  if (name == "johnson") return 8 * std::pow(at("g"), 3) * 2 * n / (at("g") * at("g"));
  if (name == "solomonik") return 8 * 2 * at("rpoc") * n;
  return 8 * n * (at("gx") + at("gy"));  // cosma: gx gy gz leaves of (N/gx)(N/gz) + (N/gz)(N/gy)
}

TEST(GemmModels, CommunicationVolumeMatchesTheFormula) {
  // Placing every tile on a CPU (its home in system memory) and collecting the leaves' inputs after use
  // makes each leaf fetch all of its inputs every product: the copied volume is the algorithm's.
  const std::string program = "Task taco_fill, task_1, task_2, task_3 CPU;\nCollectMemory task_4 *;\n";
  for (const char* name : {"cannon", "summa", "pumma", "johnson", "solomonik", "cosma"})
    for (std::int64_t nodes : {1, 4}) {
      auto app = app_for(name, nodes, {{"steps", 1}, {"n", 4000}});
      auto r = simulate(app, program, nodes);
      ASSERT_TRUE(r.ok) << name << ": " << (r.error ? r.error->message : "");
      const double expected = formula_input_bytes(name, app, 4 * nodes);
      EXPECT_NEAR(static_cast<double>(leaf_input_copies(r, static_cast<int>(app.warmup_steps))), expected,
                  expected * 1e-3)
          << name << " on " << nodes << " nodes";
    }
}

TEST(GemmModels, ExpertKeepsLocalTilesLocal) {
  // Under the expert mapper only inputs whose home is another GPU's memory move: the copied volume is the
  // formula's less what is local, so strictly between zero and the formula on one node.
  for (const char* name : {"cannon", "johnson", "solomonik", "cosma"}) {
    auto app = app_for(name, 1, {{"steps", 1}, {"n", 4000}});
    auto r = simulate(app, expert(name));
    ASSERT_TRUE(r.ok) << name;
    const auto moved = static_cast<double>(leaf_input_copies(r, static_cast<int>(app.warmup_steps)));
    EXPECT_GT(moved, 0) << name;
    EXPECT_LT(moved, formula_input_bytes(name, app, 4)) << name;
  }
}

TEST(StencilModel, AllCpuIsSlowerThanAllGpuAtTheDefaultSize) {
  auto app = app_for("stencil", 1, {{"steps", 2}});
  auto gpu = simulate(app, "Task * GPU;\n");
  auto cpu = simulate(app, "Task * CPU;\n");
  ASSERT_TRUE(gpu.ok && cpu.ok);
  // The stencil is memory-bound: the GPUs' framebuffers stream far faster than the host's DRAM.
  EXPECT_GT(cpu.step_time, 2 * gpu.step_time);
}

TEST(StencilModel, WorkingSetTooLargeForItsMemoryIsOutOfMemory) {
  auto app = app_for("stencil", 1, {{"steps", 1}});
  const auto machine = *model::model_preset("p100x4", 1);
  // The premise, from the models: four tiles do not fit in one node's zero-copy memory.
  const auto tile = app.find_partition("private")->pieces[0].size() * app.find_region("points")->element_bytes();
  ASSERT_GT(4 * tile, machine.spec.zcmem.capacity);
  auto r = simulate(app, "Region * * GPU ZCMEM;\n");
  EXPECT_FALSE(r.ok);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, "mapping.out-of-memory");
  EXPECT_TRUE(r.plan.graph.tasks.size() > 0);
  // And the same tiles fit in the framebuffers.
  EXPECT_TRUE(simulate(app, "Region * * GPU FBMEM;\n").ok);
}

// Bytes copied for arguments named `region` in timed steps (initialisation moves data once, before).
std::uint64_t timed_copies_of(const sim::SimResult& r, const std::string& region) {
  std::uint64_t bytes = 0;
  for (const auto& task : r.plan.graph.tasks)
    if (task.step >= r.plan.graph.warmup_steps)
      for (const auto& c : task.copies)
        if (c.region == region) bytes += c.bytes;
  return bytes;
}

TEST(CircuitModel, GhostNodesInZeroCopyMemoryNeedNoCopies) {
  // On one node every GPU reaches the node's zero-copy memory, so ghost nodes kept there (as the expert
  // does) are read in place; in the framebuffers each GPU must fetch its neighbours' shared nodes.
  auto app = app_for("circuit", 1, {{"steps", 2}, {"inner_steps", 10}});
  auto zc = simulate(app, expert("circuit"));
  std::string fb = expert("circuit");
  fb.replace(fb.find("Region * rp_ghost GPU ZCMEM;"), std::string("Region * rp_ghost GPU ZCMEM;").size(),
             "Region * rp_ghost GPU FBMEM;");
  auto in_fb = simulate(app, fb);
  ASSERT_TRUE(zc.ok && in_fb.ok);
  EXPECT_EQ(timed_copies_of(zc, "rp_ghost"), 0u);
  // Each GPU's ghost piece holds shared nodes of neighbouring superpieces, updated every step.
  EXPECT_GT(timed_copies_of(in_fb, "rp_ghost"), 0u);
}

}  // namespace
}  // namespace mage::apps
