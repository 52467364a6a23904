// Control replication without Legion: the sharding classes the adapter registers, the shard that owns
// each point, and where the shards of a replicated task run.
#include "mapping/sharding.hpp"

#include <gtest/gtest.h>

namespace mage::mapping {
namespace {

// 4 nodes x 2 CPUs, as the adapter describes a real machine.
std::unique_ptr<Policy> compile(const std::string& text) {
  NodeInventory node{{{ProcKind::CPU, 2}}, {MemKind::SYSMEM}};
  MachineDesc m = machine_from_inventory(std::vector<NodeInventory>(4, node));
  lang::Diagnostics d;
  auto p = Policy::compile(lang::SourceFile("t.mpl", text), m, d);
  EXPECT_TRUE(p) << lang::render_text(d, nullptr);
  return p;
}

const char* kProgram = R"(
m = Machine(CPU);
def by_row(Task t) { return m[t.ipoint[0] % m.size[0], t.ipoint[1] % m.size[1]]; }
IndexTaskMap stencil by_row;
def beside_parent(Task t) { return t.parent.processor(m); }
IndexTaskMap leaf, stencil2 beside_parent;
def second_cpu(Task t) { return m[0, 1]; }
SingleTaskMap top second_cpu;
)";

TEST(Sharding, OneClassPerNamedTaskAndOneForTheRestPerKind) {
  auto p = compile(kProgram);
  ASSERT_TRUE(p);
  auto classes = sharding_classes(*p);
  EXPECT_EQ(classes, (std::vector<ShardingClass>{
                         {"", ProcKind::CPU}, {"leaf", ProcKind::CPU}, {"stencil", ProcKind::CPU}, {"stencil2", ProcKind::CPU}}));
  EXPECT_EQ(sharding_class_of(classes, "stencil", ProcKind::CPU), 2u);
  EXPECT_EQ(sharding_class_of(classes, "other", ProcKind::CPU), 0u);
  EXPECT_EQ(sharding_class_of(classes, "stencil", ProcKind::GPU), std::nullopt);  // no GPUs, no class
}

TEST(Sharding, WildcardAndKindRulesAddNoClass) {
  auto p = compile("m = Machine(CPU);\ndef f(Task t) { return m[0, 0]; }\nIndexTaskMap * f;\nIndexTaskMap CPU f;\n");
  ASSERT_TRUE(p);
  EXPECT_EQ(sharding_classes(*p), (std::vector<ShardingClass>{{"", ProcKind::CPU}}));
}

TEST(Sharding, TheOwnerIsTheNodeOfTheIndexMapping) {
  auto p = compile(kProgram);
  ASSERT_TRUE(p);
  ShardingClass stencil{"stencil", ProcKind::CPU};
  for (std::int64_t i = 0; i < 8; ++i)
    for (std::int64_t j = 0; j < 2; ++j) {
      LaunchPoint pt{{i, j}, {8, 2}};
      auto four = owner_shard(*p, stencil, pt, 4);
      ASSERT_TRUE(four.ok());
      EXPECT_EQ(*four, i % 4) << i << "," << j;
      auto two = owner_shard(*p, stencil, pt, 2);  // fewer shards than nodes: node modulo shards
      ASSERT_TRUE(two.ok());
      EXPECT_EQ(*two, i % 2);
    }
}

TEST(Sharding, TasksNoRuleNamesFollowTheDefaultBlocks) {
  auto p = compile(kProgram);
  ASSERT_TRUE(p);
  // 8 points over 4 nodes x 2 CPUs in contiguous blocks: points 2n and 2n+1 on node n.
  for (std::int64_t i = 0; i < 8; ++i) {
    auto owner = owner_shard(*p, ShardingClass{"", ProcKind::CPU}, LaunchPoint{{i}, {8}}, 4);
    ASSERT_TRUE(owner.ok());
    EXPECT_EQ(*owner, i / 2);
  }
}

TEST(Sharding, AFunctionThatNeedsTheParentIsAnErrorNotACrash) {
  auto p = compile(kProgram);
  ASSERT_TRUE(p);
  auto owner = owner_shard(*p, ShardingClass{"leaf", ProcKind::CPU}, LaunchPoint{{0}, {4}}, 4);
  ASSERT_FALSE(owner.ok());
  EXPECT_NE(owner.error().message.find("parent"), std::string::npos) << owner.error().message;
}

TEST(Sharding, ReplicasRunOnePerNodeOnTheSingleMappingsProcessor) {
  auto p = compile(kProgram);
  ASSERT_TRUE(p);
  EXPECT_EQ(replica_processors(*p, "top", ProcKind::CPU),
            (std::vector<ProcessorId>{{ProcKind::CPU, 0, 1}, {ProcKind::CPU, 1, 1}, {ProcKind::CPU, 2, 1},
                                      {ProcKind::CPU, 3, 1}}));
  auto other = replica_processors(*p, "other", ProcKind::CPU);
  ASSERT_EQ(other.size(), 4u);
  for (std::int64_t n = 0; n < 4; ++n) EXPECT_EQ(other[static_cast<std::size_t>(n)], (ProcessorId{ProcKind::CPU, n, 0}));
  EXPECT_TRUE(replica_processors(*p, "top", ProcKind::GPU).empty());
}

}  // namespace
}  // namespace mage::mapping
