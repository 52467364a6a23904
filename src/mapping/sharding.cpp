#include "mapping/sharding.hpp"

#include <algorithm>
#include <set>

#include "lang/checker.hpp"

namespace mage::mapping {

std::vector<ShardingClass> sharding_classes(const Policy& policy) {
  // Tasks named by an IndexTaskMap statement, sorted; "" first stands for all the others.
  std::set<std::string> tasks{""};
  for (const lang::Stmt& s : policy.program().statements) {
    if (s.kind != lang::StmtKind::IndexTaskMap || s.tasks.wildcard || lang::kind_selector(s.tasks)) continue;
    for (const auto& n : s.tasks.names) tasks.insert(n.name);
  }
  std::vector<ShardingClass> classes;
  for (const std::string& t : tasks)
    for (ProcKind k : kAllProcKinds)
      if (policy.machine().has(k)) classes.push_back({t, k});
  return classes;
}

std::optional<std::size_t> sharding_class_of(std::span<const ShardingClass> classes, std::string_view task,
                                             ProcKind kind) {
  auto find = [&](std::string_view name) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < classes.size(); ++i)
      if (classes[i].task == name && classes[i].kind == kind) return i;
    return std::nullopt;
  };
  if (!task.empty())
    if (auto named = find(task)) return named;
  return find("");
}

lang::Expected<std::int64_t> owner_shard(Policy& policy, const ShardingClass& cls, const LaunchPoint& point,
                                         std::int64_t shards) {
  TaskContext c{cls.task, point.ipoint, point.ispace, nullptr, std::nullopt};
  const auto& where = policy.map_index_point(c, cls.kind);
  if (!where) return where.error();
  std::int64_t node = where->empty() ? 0 : where->front().node;  // a set lies on one node
  return node % std::max<std::int64_t>(shards, 1);
}

std::vector<ProcessorId> replica_processors(Policy& policy, std::string_view task, ProcKind kind) {
  std::int64_t per_node = policy.machine().per_node(kind);
  if (per_node <= 0) return {};
  std::int64_t proc = 0;
  auto single = policy.map_single(TaskContext{std::string(task), {}, {}, nullptr, std::nullopt}, kind);
  if (single && !single->empty()) proc = single->front().proc % per_node;
  std::vector<ProcessorId> shards;
  for (std::int64_t n = 0; n < policy.machine().nodes; ++n) shards.push_back({kind, n, proc});
  return shards;
}

}  // namespace mage::mapping
