// Launches issued by tasks (`parent`) and launches that run once (`setup`): the model's points, its
// validation, the file forms, and what the planner makes of them.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mapping/policy.hpp"
#include "model/app_builder.hpp"
#include "model/app_io.hpp"
#include "model/machine_model.hpp"
#include "sim/simulate.hpp"

namespace mage::model {
namespace {

// `outer` over 2 points launches `inner` over 3 points each; `leaf` runs once per `inner` point on its
// own tile (6 tiles, flattened index = outer point * 3 + inner point). `fill` writes the tiles once.
AppBuilder nested() {
  AppBuilder app("nested");
  app.steps(2, 1);
  app.region("tiles", 600).field("v", 8);
  app.partition("tile", "tiles").blocks(6).disjoint();
  app.task("fill").variant(ProcKind::CPU).bytes_per_element(8);
  app.task("outer").variant(ProcKind::CPU);
  app.task("inner").variant(ProcKind::GPU).variant(ProcKind::CPU);
  app.task("leaf").variant(ProcKind::GPU).flops_per_element(100).bytes_per_element(16);
  app.index_launch("fill", {6}).setup().partition("tile", Privilege::WD);
  app.index_launch("outer", {2});
  app.index_launch("inner", {3}).parent("outer");
  app.single_launch("leaf").parent("inner").partition("tile", Privilege::RW);
  return app;
}

TEST(AppHierarchy, ChildrenRunOncePerParentPointWithFlattenedProjections) {
  lang::Diagnostics d;
  auto app = nested().build(d);
  ASSERT_TRUE(app) << lang::render_text(d, nullptr);
  EXPECT_EQ(app->parent_launch(2), std::optional<std::size_t>(1));
  EXPECT_EQ(app->parent_launch(1), std::nullopt);
  EXPECT_EQ(app->issues(3), 6);
  auto inner = app->points(2);
  ASSERT_EQ(inner.size(), 6u);
  EXPECT_EQ(inner[4].parent, 1);  // the second outer point's second inner point
  EXPECT_EQ(inner[4].point, (mapping::Coords{1}));
  auto leaves = app->points(3);
  ASSERT_EQ(leaves.size(), 6u);
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    EXPECT_EQ(leaves[i].parent, static_cast<std::int64_t>(i));
    EXPECT_EQ(leaves[i].args[0].piece, std::optional<std::int64_t>(static_cast<std::int64_t>(i)));
  }
}

TEST(AppHierarchy, ValidationNamesAMissingParentAndMismatchedSetup) {
  AppBuilder app = nested();
  app.single_launch("leaf").parent("outr").partition("tile", Privilege::RW);
  app.index_launch("inner", {3}).parent("fill");  // fill runs in the first step only; inner every step
  lang::Diagnostics d;
  EXPECT_FALSE(app.build(d));
  std::string all = lang::render_text(d, nullptr);
  EXPECT_NE(all.find("launches[4].parent"), std::string::npos) << all;
  EXPECT_NE(all.find("did you mean `outer`"), std::string::npos) << all;
  EXPECT_NE(all.find("launches[5].setup"), std::string::npos) << all;
}

TEST(AppHierarchy, ParentAndSetupSurviveTheFileForm) {
  lang::Diagnostics d;
  auto app = nested().build(d);
  ASSERT_TRUE(app);
  auto again = load_app(to_json(*app).dump(), "nested.json", d);
  ASSERT_TRUE(again) << lang::render_text(d, nullptr);
  EXPECT_EQ(*again, *app);
}

TEST(AppHierarchy, PlannerRunsSetupOnceAndChildrenAfterParentsOnTheirGpu) {
  lang::Diagnostics d;
  auto app = nested().build(d);
  ASSERT_TRUE(app);
  auto machine = *model_preset("p100x4", 1);
  // Each leaf on the GPU of its parent, as DISTAL's expert mappers place their leaves.
  const std::string program =
      "m = Machine(GPU);\n"
      "def same_point(Task task) {\n    return m[*task.parent.processor(m)];\n}\n"
      "def spread(Task task) {\n    return m[0, task.ipoint[0] + 1];\n}\n"
      "IndexTaskMap inner spread;\nSingleTaskMap leaf same_point;\n";
  auto policy = mapping::Policy::compile(lang::SourceFile("t.mpl", program), to_machine_desc(machine), d);
  ASSERT_TRUE(policy) << lang::render_text(d, nullptr);
  auto r = sim::simulate(*app, machine, *policy);
  ASSERT_TRUE(r.ok) << (r.error ? r.error->message : "");
  const auto& tasks = r.plan.graph.tasks;
  int fills = 0;
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    if (tasks[t].name == "fill") {
      ++fills;
      EXPECT_EQ(tasks[t].step, 0);
    }
    if (tasks[t].name != "leaf") continue;
    // The leaf's parent is the inner point just before it in its step: a dependence, and the same GPU.
    bool found = false;
    for (int dep : tasks[t].deps)
      if (tasks[static_cast<std::size_t>(dep)].name == "inner") {
        found = true;
        EXPECT_EQ(tasks[static_cast<std::size_t>(dep)].processor, tasks[t].processor);
      }
    EXPECT_TRUE(found) << tasks[t].label;
    EXPECT_EQ(r.plan.tasks[t].kind, ProcKind::GPU);
  }
  EXPECT_EQ(fills, 6);  // one step's worth, not three
}

}  // namespace
}  // namespace mage::model
