// Control replication in Legion terms, without Legion: where the shards of a replicated task run, and
// which shard owns each point of an index launch it makes. dsl.md: "the node coordinate of the index
// mapping decides sharding". Legion asks a sharding functor, which sees a point and its launch domain
// but not the task, so the adapter registers one functor per class of launches the program can tell
// apart: each task an IndexTaskMap statement names, plus one class for every other task, times each
// processor kind of the machine.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lang/expected.hpp"
#include "mapping/legion_bridge.hpp"
#include "mapping/policy.hpp"

namespace mage::mapping {

struct ShardingClass {
  std::string task;  // empty: every task that no IndexTaskMap statement names
  ProcKind kind = ProcKind::CPU;
  friend bool operator==(const ShardingClass&, const ShardingClass&) = default;
};

// The classes of a policy, in an order that depends only on the program and the machine: every node
// computes the same list, so every node registers the same functor under the same id.
std::vector<ShardingClass> sharding_classes(const Policy& policy);
// The position in `classes` of the class that decides for `task` on `kind`; nullopt when the machine
// has no processors of `kind` (no class was made for it).
std::optional<std::size_t> sharding_class_of(std::span<const ShardingClass> classes, std::string_view task,
                                             ProcKind kind);

// The shard that owns one point: the node the policy places the point on, modulo the number of shards.
// Shards are placed one per node in node order (replica_processors), so with one shard per node the
// owner is the point's node. A sharding functor cannot see the launching task, so a mapping function
// that reads `task.parent` fails here; the error is the policy's.
lang::Expected<std::int64_t> owner_shard(Policy& policy, const ShardingClass& cls, const LaunchPoint& point,
                                         std::int64_t shards);

// Where the shards of a replicated task run: shard n on node n, each on the processor index that the
// policy gives the task as a single launch (0 when it gives none).
std::vector<ProcessorId> replica_processors(Policy& policy, std::string_view task, ProcKind kind);

}  // namespace mage::mapping
