// One compiled policy per process, shared by the mappers of all its processors: the policy itself,
// the real machine in policy coordinates (processor ids <-> Legion processors, memories by kind), the
// decision log, fallbacks reported once, and the per-processor InstanceLimit counts.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "legion.h"
#include "legion/legion_mapping.h"
#include "lang/kinds.hpp"
#include "mapping/legion_bridge.hpp"
#include "mapping/policy.hpp"
#include "mapping/sharding.hpp"

namespace mage::legion {

std::optional<ProcKind> to_mage(Legion::Processor::Kind k);
std::optional<Legion::Processor::Kind> to_legion(ProcKind k);
std::optional<MemKind> to_mage(Legion::Memory::Kind k);
std::vector<std::int64_t> coords(const Legion::DomainPoint& p);

class PolicyHost {
 public:
  // Reads the mapper program named by `flags`, describes `machine` and compiles the program against it.
  // On failure returns null and puts into `errors` what `mage check` would print (or why the file
  // could not be read). Warnings go to `warnings`.
  static std::shared_ptr<PolicyHost> create(Legion::Machine machine, const mapping::AdapterFlags& flags,
                                            std::string& errors, std::string& warnings);

  // Every policy query runs under one lock: the policy caches launches and its interpreter has state.
  template <class F>
  decltype(auto) with(F&& f) {
    std::lock_guard<std::mutex> g(mutex_);
    return f(*policy_);
  }
  const mapping::MachineDesc& machine() const { return policy_->machine(); }
  const lang::SourceFile& source() const { return policy_->source(); }

  // The Legion processor a policy processor id names; NO_PROC if the machine has none such.
  Legion::Processor processor(const mapping::ProcessorId& id) const;
  std::optional<mapping::ProcessorId> id_of(Legion::Processor p) const;
  // The processors of a kind on one node, in policy order.
  const std::vector<Legion::Processor>& processors(ProcKind kind, std::int64_t node) const;
  // The memory of `kind` that `p` reaches with the highest bandwidth; NO_MEMORY if none.
  Legion::Memory memory(Legion::Processor p, MemKind kind) const;

  bool logging() const { return log_; }
  void log(const std::string& line);  // one decision, "[mage] ..." on stderr
  // A decision Legion cannot honour: printed the first time `key` is seen, then counted silently.
  void report_once(const std::string& key, const std::string& text);
  // An evaluation error of the mapper program: printed as `mage check` prints it, then the process stops.
  [[noreturn]] void fatal(const lang::Diagnostic& d);

  // InstanceLimit: instances of a task selected for mapping on a processor and not finished (counted per
  // processor, as the language counts them: docs/language.md §3.5).
  bool try_acquire(const std::string& task, Legion::Processor proc, std::int64_t limit);
  void release(const std::string& task, Legion::Processor proc);
  std::int64_t running(const std::string& task, Legion::Processor proc);
  // Mapper events of mappers that deferred tasks at their limit; taken (and triggered) on a release.
  void add_waiter(Legion::Mapping::MapperEvent e);
  std::vector<Legion::Mapping::MapperEvent> take_waiters();

  // Control replication: the sharding functors registered for this policy, one per class
  // (mapping/sharding.hpp) with consecutive ids from `first`.
  void set_sharding(std::vector<mapping::ShardingClass> classes, Legion::ShardingID first);
  // The functor that shards index launches of `task` on `kind`; nullopt if none was registered.
  std::optional<Legion::ShardingID> sharding_functor(std::string_view task, ProcKind kind) const;

 private:
  PolicyHost() = default;

  std::mutex mutex_;
  std::unique_ptr<mapping::Policy> policy_;
  bool log_ = false;
  std::map<ProcKind, std::vector<std::vector<Legion::Processor>>> procs_;  // [kind][node][index]
  std::map<Legion::Processor, mapping::ProcessorId> ids_;
  std::map<std::pair<Legion::Processor, MemKind>, Legion::Memory> memories_;

  std::mutex report_mutex_;
  std::set<std::string> reported_;
  std::map<std::pair<std::string, Legion::Processor>, std::int64_t> running_;
  std::vector<Legion::Mapping::MapperEvent> waiters_;

  std::vector<mapping::ShardingClass> sharding_classes_;  // set once, before any mapper call
  Legion::ShardingID first_sharding_ = 0;
};

}  // namespace mage::legion
