// A Legion mapper that answers from a compiled mapper program. It is Legion's default mapper with the
// decisions a mapper program makes replaced by the policy's answers (docs/legion.md lists which call
// answers which statement); everything a program does not decide stays the default mapper's.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "legion.h"
#include "mappers/default_mapper.h"
#include "legion/policy_host.hpp"

namespace mage::legion {

class MageMapper : public Legion::Mapping::DefaultMapper {
 public:
  MageMapper(Legion::Mapping::MapperRuntime* rt, Legion::Machine machine, Legion::Processor local,
             std::shared_ptr<PolicyHost> host);

  // One call at a time, run to completion: the hooks below read which task is being mapped.
  MapperSyncModel get_mapper_sync_model() const override;

  void select_task_options(Legion::Mapping::MapperContext ctx, const Legion::Task& task,
                           TaskOptions& output) override;
  void slice_task(Legion::Mapping::MapperContext ctx, const Legion::Task& task, const SliceTaskInput& input,
                  SliceTaskOutput& output) override;
  void map_task(Legion::Mapping::MapperContext ctx, const Legion::Task& task, const MapTaskInput& input,
                MapTaskOutput& output) override;
  void select_tasks_to_map(Legion::Mapping::MapperContext ctx, const SelectMappingInput& input,
                           SelectMappingOutput& output) override;
  void report_profiling(Legion::Mapping::MapperContext ctx, const Legion::Task& task,
                        const TaskProfilingInfo& input) override;
  // Control replication: shards one per node, and index launches sharded by the policy's node.
  void replicate_task(Legion::Mapping::MapperContext ctx, const Legion::Task& task, const ReplicateTaskInput& input,
                      ReplicateTaskOutput& output) override;
  void select_sharding_functor(Legion::Mapping::MapperContext ctx, const Legion::Task& task,
                               const SelectShardingFunctorInput& input, SelectShardingFunctorOutput& output) override;

  // What the policy decides for one task, in Legion terms; public so that checks can compare.
  struct RegionDecision {
    MemKind kind = MemKind::SYSMEM;
    mapping::LayoutSpec layout;
    bool collect = false;
  };
  // The processor kind a task runs on: the policy's choice among the kinds it has variants for.
  ProcKind task_kind(Legion::Mapping::MapperContext ctx, const Legion::Task& task);
  // The policy's processor for one point of an index launch (already resolved to a Legion processor).
  Legion::Processor point_processor(const Legion::Task& task, const Legion::DomainPoint& point, ProcKind kind);
  // The names rules may select an argument by: its region's, then each ancestor partition's and region's.
  mapping::RegionRef region_ref(Legion::Mapping::MapperContext ctx, const Legion::Task& task, unsigned index);
  RegionDecision region_decision(Legion::Mapping::MapperContext ctx, const Legion::Task& task, unsigned index,
                                 ProcKind kind);
  // The constraints a policy layout adds to an instance of a `dims`-dimensional region.
  static void add_layout_constraints(const mapping::LayoutSpec& spec, int dims, const std::vector<Legion::FieldID>& fields,
                                     Legion::LayoutConstraintSet& constraints);

  PolicyHost& host() { return *host_; }

 protected:
  Legion::Processor default_policy_select_initial_processor(Legion::Mapping::MapperContext ctx,
                                                            const Legion::Task& task) override;
  void default_policy_select_target_processors(Legion::Mapping::MapperContext ctx, const Legion::Task& task,
                                               std::vector<Legion::Processor>& target_procs) override;
  Legion::Memory default_policy_select_target_memory(Legion::Mapping::MapperContext ctx, Legion::Processor target_proc,
                                                     const Legion::RegionRequirement& req,
                                                     Legion::MemoryConstraint mc) override;
  Legion::LayoutConstraintID default_policy_select_layout_constraints(Legion::Mapping::MapperContext ctx,
                                                                     Legion::Memory target_memory,
                                                                     const Legion::RegionRequirement& req,
                                                                     MappingKind mapping_kind,
                                                                     bool needs_field_constraint_check,
                                                                     bool& force_new_instances) override;
  void default_policy_select_constraints(Legion::Mapping::MapperContext ctx, Legion::LayoutConstraintSet& constraints,
                                         Legion::Memory target_memory, const Legion::RegionRequirement& req) override;
  Legion::LogicalRegion default_policy_select_instance_region(Legion::Mapping::MapperContext ctx,
                                                              Legion::Memory target_memory,
                                                              const Legion::RegionRequirement& req,
                                                              const Legion::LayoutConstraintSet& constraints,
                                                              bool force_new_instances,
                                                              bool meets_constraints) override;
  int default_policy_select_garbage_collection_priority(Legion::Mapping::MapperContext ctx, MappingKind kind,
                                                        Legion::Memory memory, const Legion::Mapping::PhysicalInstance& inst,
                                                        bool meets_fill_constraints, bool reduction) override;

 private:
  mapping::TaskContext context_of(const Legion::Task& task, mapping::TaskContext* parent_storage);
  std::vector<Legion::Processor> single_processors(const Legion::Task& task, ProcKind kind);
  // Arguments the program puts in the same memory with the same layout, from one region tree, share one
  // instance covering the smallest region that holds them all: applications read such arguments through
  // one accessor. On one node the default mapper's root-region instances already do this.
  std::vector<std::optional<Legion::LogicalRegion>> shared_instance_regions(Legion::Mapping::MapperContext ctx,
                                                                            const Legion::Task& task);
  // `r` and its ancestor regions, nearest first.
  std::vector<Legion::LogicalRegion> region_ancestry(Legion::Mapping::MapperContext ctx, Legion::LogicalRegion r);
  // The index of `req` among the regions of the task being mapped, if it is one of them.
  std::optional<unsigned> current_index(const Legion::RegionRequirement& req) const;

  std::shared_ptr<PolicyHost> host_;
  std::map<Legion::TaskID, ProcKind> kinds_;  // per task id: variants do not change once registered

  // The task map_task is working on, for the default mapper's per-region hooks.
  struct Current {
    const Legion::Task* task = nullptr;
    ProcKind kind = ProcKind::CPU;
    std::vector<RegionDecision> regions;
    std::vector<std::optional<Legion::LogicalRegion>> shared;  // per argument: its instance's region, if shared
  };
  Current current_;
  std::optional<unsigned> last_index_;
  // A copy of a task's region requirement that stands for argument `substitute_index_`.
  const Legion::RegionRequirement* substitute_ = nullptr;
  unsigned substitute_index_ = 0;
  // Registered constraint sets per memory kind, field space, dimensions and policy layout: the default
  // mapper keeps one per memory kind and field space, which would give every task the first layout.
  std::map<std::tuple<Legion::Memory::Kind, Legion::FieldSpace, int, std::string>, Legion::LayoutConstraintID>
      layouts_;  // the region whose instance constraints were chosen last
};

}  // namespace mage::legion
