// The mapping space of an application on a machine: every decision a mapper program makes, as the
// categorical parameters the classic optimizers search. Per task a processor kind (among the kinds it has
// variants for), per task argument a memory kind, per region a layout (order, SOA/AOS, alignment), per
// launched task an index-mapping function from a small library written in the language, InstanceLimit and
// CollectMemory switches, and control replication. Every point renders to a readable mapper program that
// `mage check` accepts and `mage fmt --check` leaves alone; points the machine cannot honour (a memory the
// chosen processor cannot address) render repaired, with the kind's default memory.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "mapping/machine_desc.hpp"
#include "mapping/policy.hpp"
#include "model/app_model.hpp"
#include "search/space.hpp"

namespace mage::search {

// What one parameter decides.
struct Decision {
  enum class What { Kind, Memory, Order, Soa, Align, IndexMap, Limit, Collect, Replicate };
  What what = What::Kind;
  std::string task;    // Kind, Memory, IndexMap, Limit, Collect
  int arg = -1;        // Memory: the argument index
  std::string region;  // Order, Soa, Align: the root region; Memory: the argument's name, for reading
};

class MappingSpace {
 public:
  MappingSpace(const model::AppModel& app, const mapping::MachineDesc& machine);

  const Space& space() const { return space_; }
  const std::vector<Decision>& decisions() const { return decisions_; }
  // The runtime's defaults (dsl.md §2): what an empty program would do.
  const Point& default_point() const { return default_; }
  // AutoMap's phases: processor kinds, heaviest task first; then every argument's memory.
  const std::vector<std::vector<std::size_t>>& ccd_sweeps() const { return sweeps_; }
  // After parameter `changed` moved, every memory of that task's arguments its new kind can address.
  Point repair(Point p, std::size_t changed) const;

  std::string render(const Point& p) const;
  // The point closest to what a compiled program decides: its kinds, memories, layouts, limits and
  // collection as the policy answers them, and its index mapping when the function is one of the
  // library's (`block1d` or `block1d_gpu`), else the default. How a hybrid search brings an LLM's
  // programs into the classic optimizers.
  Point project(const mapping::Policy& policy) const;

 private:
  std::size_t add(Parameter p, Decision d, int default_option);
  ProcKind kind_of(const Point& p, const std::string& task) const;
  MemKind memory_of(const Point& p, std::size_t param, ProcKind kind) const;

  const model::AppModel* app_;
  mapping::MachineDesc machine_;
  Space space_;
  std::vector<Decision> decisions_;
  Point default_;
  std::vector<std::vector<std::size_t>> sweeps_;
  std::map<std::string, std::size_t> kind_param_;  // task -> its Kind parameter
  std::map<std::string, int> launch_dims_;         // task -> dimensions of its first launch (-1 child, -2 single)
  std::map<std::string, const model::Launch*> first_launch_;
};

// The index-mapping library: the functions a point can name, with their definitions in the language.
struct MappingFunction {
  std::string_view name;  // "block1d"
  int dims;               // launch dimensions it applies to: 0 any index launch, -1 a child's single launch
  std::string_view body;  // the function body, with `M` standing for the machine space of the task's kind
};
const std::vector<MappingFunction>& mapping_library();

}  // namespace mage::search
