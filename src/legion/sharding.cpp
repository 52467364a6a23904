#include "legion/sharding.hpp"

#include <fmt/format.h>

namespace mage::legion {

PolicySharding::PolicySharding(std::shared_ptr<PolicyHost> host, mapping::ShardingClass cls)
    : host_(std::move(host)), class_(std::move(cls)) {}

Legion::ShardID PolicySharding::shard(const Legion::DomainPoint& point, const Legion::Domain& domain,
                                      const size_t total_shards) {
  const auto shards = static_cast<std::int64_t>(std::max<size_t>(total_shards, 1));
  auto lp = mapping::launch_point(coords(domain.lo()), coords(domain.hi()), coords(point));
  if (!lp) return 0;  // not a point of the launch: any shard will do, as long as it is always the same
  auto owner = host_->with([&](mapping::Policy& p) { return mapping::owner_shard(p, class_, *lp, shards); });
  if (owner) return static_cast<Legion::ShardID>(*owner);
  // A functor sees no task, so a mapping function that reads `task.parent` cannot be answered here.
  std::int64_t linear = 0;
  for (std::size_t d = 0; d < lp->ispace.size(); ++d) linear = linear * lp->ispace[d] + lp->ipoint[d];
  std::string who = class_.task.empty() ? "tasks no IndexTaskMap names" : fmt::format("task `{}`", class_.task);
  host_->report_once(fmt::format("shard:{}:{}", class_.task, to_string(class_.kind)),
                     fmt::format("{}the node of a point cannot be computed for sharding {} on {}; their points are "
                                 "dealt round-robin to the shards",
                                 lang::render_text(owner.error(), &host_->source()), who, to_string(class_.kind)));
  return static_cast<Legion::ShardID>(linear % shards);
}

void register_sharding_functors(Legion::Runtime* runtime, const std::shared_ptr<PolicyHost>& host) {
  std::vector<mapping::ShardingClass> classes =
      host->with([](mapping::Policy& p) { return mapping::sharding_classes(p); });
  if (classes.empty()) return;
  Legion::ShardingID first = runtime->generate_library_sharding_ids("mage", classes.size());
  for (std::size_t i = 0; i < classes.size(); ++i)
    runtime->register_sharding_functor(first + static_cast<Legion::ShardingID>(i), new PolicySharding(host, classes[i]),
                                       true /*silence_warnings*/);
  host->set_sharding(std::move(classes), first);
}

}  // namespace mage::legion
