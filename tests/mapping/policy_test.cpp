// The compiled policy: rule precedence (dsl.md §2), defaults, mapping errors and the launch cache.
#include "mapping/policy.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mapping/launch_map.hpp"

#include "mapping/machine_spec_util.hpp"

namespace mage::mapping {
namespace {

using test_util::spec;

std::unique_ptr<Policy> compile(const std::string& text, const std::string& machine = "nodes=2,gpus=4,cpus=8,omps=2") {
  lang::Diagnostics d;
  auto p = Policy::compile(lang::SourceFile("t.mpl", text), spec(machine), d);
  EXPECT_TRUE(p) << lang::render_text(d, nullptr);
  return p;
}

RegionRef region(const std::string& name, int index = 0) { return RegionRef{index, {name}}; }

TEST(Policy, DefaultsMirrorTheDefaultMapper) {
  auto p = compile("");
  EXPECT_EQ(p->kind_priority("t"), (std::vector<ProcKind>{ProcKind::GPU, ProcKind::OMP, ProcKind::CPU}));
  EXPECT_EQ(*p->choose_kind("t"), ProcKind::GPU);
  std::vector<ProcKind> cpu_only{ProcKind::CPU};
  EXPECT_EQ(*p->choose_kind("t", cpu_only), ProcKind::CPU);
  EXPECT_EQ(*p->choose_memory("t", region("r"), ProcKind::GPU), MemKind::FBMEM);
  EXPECT_EQ(*p->choose_memory("t", region("r"), ProcKind::OMP), MemKind::SOCKMEM);
  EXPECT_EQ(*p->choose_memory("t", region("r"), ProcKind::CPU), MemKind::SYSMEM);
  EXPECT_EQ(p->layout("t", region("r"), ProcKind::GPU, MemKind::FBMEM).describe(), "SOA F_order");
  EXPECT_FALSE(p->instance_limit("t"));
  EXPECT_FALSE(p->collect("t", region("r")));
  EXPECT_FALSE(p->control_replicated("t"));
}

TEST(Policy, OmpFallsBackToSysmemWithoutSocketMemory) {
  lang::Diagnostics d;
  MachineDesc m = spec("nodes=1,omps=2,cpus=2");
  m.memories.erase(MemKind::SOCKMEM);
  auto p = Policy::compile(lang::SourceFile("t.mpl", ""), m, d);
  EXPECT_EQ(*p->choose_memory("t", region("r"), ProcKind::OMP), MemKind::SYSMEM);
}

TEST(Policy, NamedTaskBeatsWildcardRegardlessOfOrder) {
  auto p = compile("Task t CPU;\nTask * GPU;");
  EXPECT_EQ(p->kind_priority("t"), (std::vector<ProcKind>{ProcKind::CPU}));
  EXPECT_EQ(p->kind_priority("u"), (std::vector<ProcKind>{ProcKind::GPU}));
}

TEST(Policy, LaterRuleWinsAmongEquallySpecific) {
  lang::Diagnostics d;
  auto p = Policy::compile(lang::SourceFile("t.mpl", "Task * GPU;\nTask * CPU;"), spec("nodes=1,gpus=1,cpus=1"), d);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind_priority("t"), (std::vector<ProcKind>{ProcKind::CPU}));
  EXPECT_EQ(d.warning_count(), 1u);  // the first rule is dead
}

TEST(Policy, TaskBeatsRegionBeatsKindInSpecificity) {
  auto p = compile(
      "Region t * * SYSMEM;\n"
      "Region * r GPU ZCMEM;\n"
      "Region * * GPU FBMEM;\n"
      "Region * 1 GPU ZCMEM;\n");
  // A named task outranks a named region even when the region rule names the kind.
  EXPECT_EQ(*p->choose_memory("t", region("r"), ProcKind::CPU), MemKind::SYSMEM);
  EXPECT_EQ(*p->choose_memory("u", region("r"), ProcKind::GPU), MemKind::ZCMEM);
  EXPECT_EQ(*p->choose_memory("u", region("q"), ProcKind::GPU), MemKind::FBMEM);
  // An argument index selects like a name does.
  EXPECT_EQ(*p->choose_memory("u", region("q", 1), ProcKind::GPU), MemKind::ZCMEM);
}

TEST(Policy, RegionRulesMatchParentPartitionAndRegionNames) {
  auto p = compile("Region * rp_shared GPU ZCMEM;");
  RegionRef r{2, {"piece_7", "rp_shared", "all_nodes"}};
  EXPECT_EQ(*p->choose_memory("t", r, ProcKind::GPU), MemKind::ZCMEM);
  EXPECT_EQ(*p->choose_memory("t", RegionRef{2, {"x", "rp_private"}}, ProcKind::GPU), MemKind::FBMEM);
}

TEST(Policy, FirstUsableMemoryInTheList) {
  auto p = compile("Region * * * SOCKMEM, SYSMEM;\nRegion * * GPU FBMEM, ZCMEM;");
  EXPECT_EQ(*p->choose_memory("t", region("r"), ProcKind::CPU), MemKind::SOCKMEM);
  EXPECT_EQ(*p->choose_memory("t", region("r"), ProcKind::GPU), MemKind::FBMEM);
  auto q = compile("Region * * * SOCKMEM, SYSMEM;", "nodes=1,cpus=4");  // no OMP: no SOCKMEM
  EXPECT_EQ(*q->choose_memory("t", region("r"), ProcKind::CPU), MemKind::SYSMEM);
}

TEST(Policy, MemoryTheProcessorCannotAddressIsAMappingError) {
  auto p = compile("Region * * * FBMEM;");
  auto m = p->choose_memory("t", region("ghost"), ProcKind::CPU);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, "mapping.memory-not-addressable");
  EXPECT_EQ(m.error().category, lang::Category::Mapping);
  EXPECT_EQ(m.error().span.begin.line, 1u);
  EXPECT_EQ(m.error().span.begin.column, 14u);
  EXPECT_NE(m.error().message.find("`ghost`"), std::string::npos) << m.error().message;
  EXPECT_NE(m.error().hint.find("SYSMEM"), std::string::npos) << m.error().hint;
}

TEST(Policy, NoUsableVariantIsAMappingError) {
  auto p = compile("Task t GPU;");
  std::vector<ProcKind> cpu_only{ProcKind::CPU};
  auto k = p->choose_kind("t", cpu_only);
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().code, "mapping.no-usable-variant");
  EXPECT_NE(k.error().hint.find("CPU"), std::string::npos);
}

TEST(Policy, KindsTheMachineLacksAreSkipped) {
  auto p = compile("Task * GPU, OMP, CPU;", "nodes=1,cpus=4");
  EXPECT_EQ(*p->choose_kind("t"), ProcKind::CPU);
}

TEST(Policy, LayoutRulesByProcessorOrMemoryKind) {
  auto p = compile("Layout * * * SOA C_order;\nLayout * * FBMEM AOS F_order Align == 128;\nLayout t r CPU Compact Exact;");
  EXPECT_EQ(p->layout("u", region("r"), ProcKind::CPU, MemKind::SYSMEM).describe(), "SOA C_order");
  auto fb = p->layout("u", region("r"), ProcKind::GPU, MemKind::FBMEM);
  EXPECT_EQ(fb.describe(), "AOS F_order Align == 128");
  EXPECT_EQ(fb.rule_line, 2u);
  EXPECT_EQ(p->layout("t", region("r"), ProcKind::CPU, MemKind::SYSMEM).describe(), "SOA F_order Compact Exact");
  auto q = compile("Layout * * * Align >= 64 Align <= 256;");
  EXPECT_EQ(q->layout("t", region("r"), ProcKind::CPU, MemKind::SYSMEM).describe(), "SOA F_order Align >= 64 Align <= 256");
}

TEST(Policy, InstanceLimitCollectAndControlReplication) {
  auto p = compile("InstanceLimit task_4 1;\nInstanceLimit * 8;\nCollectMemory task_4 *;\nCollectMemory * ghost;\n"
                   "ControlReplicate main, top;");
  EXPECT_EQ(p->instance_limit("task_4"), 1);
  EXPECT_EQ(p->instance_limit("other"), 8);
  EXPECT_TRUE(p->collect("task_4", region("anything")));
  EXPECT_TRUE(p->collect("other", region("ghost")));
  EXPECT_FALSE(p->collect("other", region("private")));
  EXPECT_TRUE(p->control_replicated("top"));
  EXPECT_FALSE(p->control_replicated("task_4"));
}

TEST(Policy, DefaultIndexMappingIsContiguousBlocksNodeMajor) {
  auto p = compile("");
  TaskContext t{"t", {0}, {16}, nullptr, std::nullopt};
  std::vector<ProcessorId> got;
  for (std::int64_t i = 0; i < 16; ++i) {
    t.ipoint = {i};
    got.push_back(p->map_index_point(t, ProcKind::GPU)->front());
  }
  for (std::int64_t i = 0; i < 16; ++i) {
    std::int64_t g = i / 2;  // 16 points over 8 GPUs
    EXPECT_EQ(got[static_cast<std::size_t>(i)], (ProcessorId{ProcKind::GPU, g / 4, g % 4})) << i;
  }
}

TEST(Policy, IndexTaskMapByNameBeatsByKind) {
  auto p = compile(
      "m = Machine(GPU);\n"
      "def zero(Task task) { return m[0, 0]; }\n"
      "def last(Task task) { return m[1, 3]; }\n"
      "IndexTaskMap t zero;\n"
      "IndexTaskMap GPU last;\n");
  TaskContext t{"t", {0}, {4}, nullptr, std::nullopt};
  EXPECT_EQ(p->map_index_point(t, ProcKind::GPU)->front(), (ProcessorId{ProcKind::GPU, 0, 0}));
  t.name = "u";
  EXPECT_EQ(p->map_index_point(t, ProcKind::GPU)->front(), (ProcessorId{ProcKind::GPU, 1, 3}));
  EXPECT_EQ(p->index_map_rule("u", ProcKind::CPU), nullptr);
}

TEST(Policy, WildcardIndexGivesAProcessorSet) {
  auto p = compile("m = Machine(GPU);\ndef f(Task task) { return m[task.ipoint[0] % 2, *]; }\nIndexTaskMap t f;");
  TaskContext t{"t", {1}, {4}, nullptr, std::nullopt};
  const auto& s = p->map_index_point(t, ProcKind::GPU);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->size(), 4u);
  for (std::int64_t i = 0; i < 4; ++i) EXPECT_EQ((*s)[static_cast<std::size_t>(i)], (ProcessorId{ProcKind::GPU, 1, i}));
}

TEST(Policy, ResultsAreCachedPerLaunch) {
  auto p = compile("m = Machine(GPU);\ndef f(Task task) { return m[0, task.ipoint[0] % 4]; }\nIndexTaskMap t f;");
  TaskContext t{"t", {3}, {8}, nullptr, std::nullopt};
  const auto* first = &p->map_index_point(t, ProcKind::GPU);
  const auto* again = &p->map_index_point(t, ProcKind::GPU);
  EXPECT_EQ(first, again);  // the same cached entry, not a recomputation
  t.ispace = {16};          // another launch domain is another table
  EXPECT_NE(first, &p->map_index_point(t, ProcKind::GPU));
}

TEST(Policy, MappingFunctionReturningANonProcessor) {
  auto p = compile("def f(Task task) { return task.ipoint[0]; }\nIndexTaskMap t f;");
  TaskContext t{"t", {3}, {8}, nullptr, std::nullopt};
  const auto& r = p->map_index_point(t, ProcKind::GPU);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "mapping.not-a-processor");
  EXPECT_NE(r.error().message.find("returned the integer 3"), std::string::npos) << r.error().message;
}

TEST(Policy, MappingFunctionReturningAnotherKind) {
  auto p = compile("m = Machine(CPU);\ndef f(Task task) { return m[0, 0]; }\nIndexTaskMap t f;");
  TaskContext t{"t", {0}, {2}, nullptr, std::nullopt};
  const auto& r = p->map_index_point(t, ProcKind::GPU);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "mapping.wrong-kind");
}

TEST(Policy, EvaluationErrorsNameThePointAndTheRule) {
  auto p = compile("m = Machine(GPU);\ndef f(Task task) { return m[0, task.ipoint[0]]; }\nIndexTaskMap t f;");
  TaskContext t{"t", {5}, {8}, nullptr, std::nullopt};
  const auto& r = p->map_index_point(t, ProcKind::GPU);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "eval.index-out-of-range");
  ASSERT_GE(r.error().notes.size(), 2u);
  EXPECT_NE(r.error().notes[0].find("point (5,) of index task `t` over (8,)"), std::string::npos)
      << r.error().notes[0];
  EXPECT_NE(r.error().notes[1].find("line 3"), std::string::npos);
}

TEST(Policy, BadQueryPointIsAUsageError) {
  auto p = compile("");
  TaskContext t{"t", {8}, {8}, nullptr, std::nullopt};
  EXPECT_EQ(p->map_index_point(t, ProcKind::GPU).error().code, "usage.bad-point");
}

TEST(Policy, SingleLaunchDefaultsToTheParentsNode) {
  auto p = compile("");
  TaskContext parent{"main", {}, {}, nullptr, ProcessorId{ProcKind::CPU, 1, 5}};
  TaskContext t{"t", {}, {}, &parent, std::nullopt};
  EXPECT_EQ(p->map_single(t, ProcKind::CPU)->front(), (ProcessorId{ProcKind::CPU, 1, 5}));
  EXPECT_EQ(p->map_single(t, ProcKind::GPU)->front(), (ProcessorId{ProcKind::GPU, 1, 0}));
}

TEST(Policy, SingleTaskMapSamePointAsParent) {
  auto p = compile("m = Machine(GPU);\ndef same(Task task) { return m[*task.parent.processor(m)]; }\n"
                   "SingleTaskMap task_4 same;");
  TaskContext parent{"task_5", {1, 0}, {2, 2}, nullptr, ProcessorId{ProcKind::GPU, 1, 2}};
  TaskContext t{"task_4", {}, {}, &parent, std::nullopt};
  EXPECT_EQ(p->map_single(t, ProcKind::GPU)->front(), (ProcessorId{ProcKind::GPU, 1, 2}));
}

TEST(Policy, CompileReportsEveryLayerOfError) {
  lang::Diagnostics syntax, check, eval;
  EXPECT_FALSE(Policy::compile(lang::SourceFile("t.mpl", "Task * GPU"), spec("nodes=1,gpus=1"), syntax));
  EXPECT_EQ(syntax.all().front().category, lang::Category::Syntax);
  EXPECT_FALSE(Policy::compile(lang::SourceFile("t.mpl", "Task * TPU;"), spec("nodes=1,gpus=1"), check));
  EXPECT_EQ(check.all().front().category, lang::Category::Static);
  EXPECT_FALSE(Policy::compile(lang::SourceFile("t.mpl", "m = Machine(GPU).split(1, 3);"), spec("nodes=1,gpus=4"), eval));
  EXPECT_EQ(eval.all().front().category, lang::Category::Evaluation);
}

TEST(LaunchMap, MapsEveryPointRowMajorAndRenders) {
  auto p = compile("m = Machine(GPU);\ndef f(Task task) { return m[task.ipoint[0] % 2, task.ipoint[1] % 4]; }\n"
                   "IndexTaskMap work f;");
  LaunchQuery q{"work", {2, 4}, {}, std::nullopt};
  auto map = map_launch(*p, q);
  ASSERT_TRUE(map);
  ASSERT_EQ(map->points.size(), 8u);
  EXPECT_EQ(map->points[5].point, (Coords{1, 1}));
  EXPECT_EQ(map->points[5].procs->front(), (ProcessorId{ProcKind::GPU, 1, 1}));
  std::string text = render_launch_text(*map, *p);
  EXPECT_NE(text.find("index launch over 2x4 (8 points) on GPU"), std::string::npos) << text;
  EXPECT_NE(text.find("grid"), std::string::npos);
  auto j = launch_to_json(*map, *p);
  EXPECT_EQ(j["points"][5]["node"], 1);
  EXPECT_EQ(j["points"][5]["proc"], 1);
  EXPECT_EQ(j["rule"]["function"], "f");
}

TEST(LaunchMap, ParsesDomains) {
  EXPECT_EQ(parse_domain("8x4"), (Extents{8, 4}));
  EXPECT_EQ(parse_domain("16"), (Extents{16}));
  EXPECT_EQ(parse_domain("2x2x2"), (Extents{2, 2, 2}));
  EXPECT_FALSE(parse_domain("8x"));
  EXPECT_FALSE(parse_domain("0x4"));
  EXPECT_FALSE(parse_domain("-1"));
  EXPECT_FALSE(parse_domain("100000x100000"));
  EXPECT_FALSE(parse_domain("a"));
}

}  // namespace
}  // namespace mage::mapping
