// Control replication: sharding functors that give each point of an index launch, made inside a
// replicated task, to the shard on the node the policy places the point on (mapping/sharding.hpp).
#pragma once

#include <memory>

#include "legion.h"
#include "legion/policy_host.hpp"

namespace mage::legion {

class PolicySharding : public Legion::ShardingFunctor {
 public:
  PolicySharding(std::shared_ptr<PolicyHost> host, mapping::ShardingClass cls);
  Legion::ShardID shard(const Legion::DomainPoint& point, const Legion::Domain& domain,
                        const size_t total_shards) override;

 private:
  std::shared_ptr<PolicyHost> host_;
  mapping::ShardingClass class_;
};

// Registers one functor per sharding class of the host's policy under ids that every node computes
// alike (the same program and machine give the same classes), and records them in the host.
void register_sharding_functors(Legion::Runtime* runtime, const std::shared_ptr<PolicyHost>& host);

}  // namespace mage::legion
