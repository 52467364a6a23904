// The Legion adapter's plain-data half: machine inventory, launch points, layout and flag translation.
#include "mapping/legion_bridge.hpp"

#include <gtest/gtest.h>

namespace mage::mapping {
namespace {

LayoutSpec layout_of(const std::string& rule) {
  lang::Diagnostics d;
  MachineDesc m = machine_from_inventory(std::vector<NodeInventory>{{{{ProcKind::CPU, 4}}, {MemKind::SYSMEM}}});
  auto p = Policy::compile(lang::SourceFile("t.mpl", rule), m, d);
  EXPECT_TRUE(p) << lang::render_text(d, nullptr);
  return p->layout("t", RegionRef{0, {"r"}}, ProcKind::CPU, MemKind::SYSMEM);
}

TEST(LegionBridge, UniformNodesGiveTheirCounts) {
  NodeInventory n{{{ProcKind::CPU, 4}, {ProcKind::OMP, 1}}, {MemKind::SYSMEM, MemKind::SOCKMEM}};
  std::string note;
  MachineDesc m = machine_from_inventory(std::vector<NodeInventory>{n, n}, &note);
  EXPECT_EQ(m.nodes, 2);
  EXPECT_EQ(m.per_node(ProcKind::CPU), 4);
  EXPECT_EQ(m.per_node(ProcKind::OMP), 1);
  EXPECT_FALSE(m.has(ProcKind::GPU));
  EXPECT_TRUE(m.has(MemKind::SOCKMEM));
  EXPECT_TRUE(note.empty()) << note;
}

TEST(LegionBridge, UnevenNodesKeepWhatEveryNodeHasAndSaySo) {
  NodeInventory a{{{ProcKind::CPU, 4}, {ProcKind::GPU, 2}}, {MemKind::SYSMEM, MemKind::FBMEM}};
  NodeInventory b{{{ProcKind::CPU, 2}}, {MemKind::SYSMEM}};
  std::string note;
  MachineDesc m = machine_from_inventory(std::vector<NodeInventory>{a, b}, &note);
  EXPECT_EQ(m.per_node(ProcKind::CPU), 2);
  EXPECT_FALSE(m.has(ProcKind::GPU));
  EXPECT_FALSE(m.has(MemKind::FBMEM));
  EXPECT_NE(note.find("2 to 4 CPU"), std::string::npos) << note;
  EXPECT_NE(note.find("FBMEM"), std::string::npos) << note;
}

TEST(LegionBridge, LaunchPointsAreRelativeToTheLowCorner) {
  std::vector<std::int64_t> lo{2, 0}, hi{5, 3}, p{3, 3};
  auto lp = launch_point(lo, hi, p);
  ASSERT_TRUE(lp);
  EXPECT_EQ(lp->ipoint, (Coords{1, 3}));
  EXPECT_EQ(lp->ispace, (Extents{4, 4}));
  std::vector<std::int64_t> outside{6, 0};
  EXPECT_FALSE(launch_point(lo, hi, outside));
}

TEST(LegionBridge, DimensionOrderFollowsTheLayout) {
  EXPECT_EQ(dimension_order(LayoutSpec{}, 2), (std::vector<int>{0, 1, kFieldDimension}));  // SOA F_order
  EXPECT_EQ(dimension_order(layout_of("Layout * * * AOS C_order;"), 3), (std::vector<int>{kFieldDimension, 2, 1, 0}));
  EXPECT_EQ(dimension_order(layout_of("Layout * * * SOA C_order;"), 2), (std::vector<int>{1, 0, kFieldDimension}));
}

TEST(LegionBridge, AlignmentsKeepEveryComparison) {
  LayoutSpec s = layout_of("Layout * * * Align == 64 Align <= 256 Compact Exact;");
  EXPECT_EQ(alignments(s), (std::vector<Alignment>{{AlignOp::Eq, 64}, {AlignOp::Le, 256}}));
  EXPECT_TRUE(s.compact);
  EXPECT_TRUE(s.exact);
}

TEST(LegionBridge, FlagsBeatTheEnvironment) {
  std::vector<const char*> argv{"app", "-ll:cpu", "4", "-mapping", "m.mpl", "-mapping-log"};
  auto f = parse_adapter_flags(argv, "env.mpl", nullptr);
  EXPECT_EQ(f.mapping_file, "m.mpl");
  EXPECT_TRUE(f.log);
  EXPECT_TRUE(f.error.empty());
  std::vector<const char*> bare{"app"};
  auto e = parse_adapter_flags(bare, "env.mpl", "1");
  EXPECT_EQ(e.mapping_file, "env.mpl");
  EXPECT_TRUE(e.log);
  EXPECT_FALSE(parse_adapter_flags(bare, nullptr, "0").log);
  std::vector<const char*> dangling{"app", "-mapping"};
  EXPECT_FALSE(parse_adapter_flags(dangling, nullptr, nullptr).error.empty());
}

TEST(LegionBridge, ProcessorsAreDescribedForLogs) {
  EXPECT_EQ(describe_processors({ProcessorId{ProcKind::CPU, 0, 3}}), "node 0 CPU 3");
  EXPECT_EQ(describe_processors({ProcessorId{ProcKind::CPU, 1, 0}, ProcessorId{ProcKind::CPU, 1, 2}}),
            "node 1 CPU {0, 2}");
}

TEST(LegionBridge, ArgumentsWithTheSameMemoryLayoutAndTreeShareAnInstance) {
  LayoutSpec soa, aos;
  aos.soa = false;
  std::vector<InstanceArg> args{
      {true, 1, MemKind::SYSMEM, soa},   // 0: shares with 2
      {true, 1, MemKind::SYSMEM, aos},   // 1: another layout: alone
      {true, 1, MemKind::SYSMEM, soa},   // 2
      {true, 2, MemKind::SYSMEM, soa},   // 3: another tree: shares with 5
      {false, 1, MemKind::SYSMEM, soa},  // 4: never shares (say, a reduction)
      {true, 2, MemKind::SYSMEM, soa},   // 5
      {true, 1, MemKind::ZCMEM, soa},    // 6: another memory: alone
  };
  EXPECT_EQ(shared_instance_groups(args), (std::vector<std::vector<std::size_t>>{{0, 2}, {3, 5}}));
  EXPECT_TRUE(shared_instance_groups(std::span<const InstanceArg>{}).empty());
}

TEST(LegionBridge, TheNearestCommonAncestorHoldsEveryRegion) {
  // Ancestries, nearest first: 5 < 2 < 1 < 0, 6 < 2, 7 < 3 < 0.
  std::vector<std::vector<int>> siblings{{5, 2, 1, 0}, {6, 2, 1, 0}};
  EXPECT_EQ(nearest_common_ancestor<int>(siblings), 2);
  std::vector<std::vector<int>> cousins{{5, 2, 1, 0}, {7, 3, 0}};
  EXPECT_EQ(nearest_common_ancestor<int>(cousins), 0);
  std::vector<std::vector<int>> same{{5, 2}, {5, 2}};
  EXPECT_EQ(nearest_common_ancestor<int>(same), 5);
  std::vector<std::vector<int>> unrelated{{5, 2}, {9}};
  EXPECT_EQ(nearest_common_ancestor<int>(unrelated), std::nullopt);
}

}  // namespace
}  // namespace mage::mapping
