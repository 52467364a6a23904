// The mapping space of an application on a machine: every decision a mapper program makes, as the
// categorical parameters the classic optimizers search. Per task a processor kind (among the kinds it has
// variants for), per task argument a memory kind, per region a layout (order, SOA/AOS, alignment), per
// launched task an index-mapping function from a small library written in the language, InstanceLimit and
// CollectMemory switches, and control replication. Every point renders to a readable mapper program that
// `mage check` accepts and `mage fmt --check` leaves alone. As in AutoMap's constrained search, choices
// that cannot be valid are not offered (a memory too small for an argument's instances), and points the
// machine cannot honour render repaired: a memory the chosen processor cannot address becomes the kind's
// default memory, and arguments whose memory would overflow move to a memory that holds them.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mapping/machine_desc.hpp"
#include "mapping/policy.hpp"
#include "model/app_model.hpp"
#include "model/machine_model.hpp"
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
  // With the full machine model, memories are checked against their capacities; with a description alone
  // (kinds and counts, no capacities) every memory is taken to hold anything.
  MappingSpace(const model::AppModel& app, const model::MachineModel& machine);
  MappingSpace(const model::AppModel& app, const mapping::MachineDesc& machine);

  const Space& space() const { return space_; }
  const std::vector<Decision>& decisions() const { return decisions_; }
  // The runtime's defaults (dsl.md §2): what an empty program would do.
  const Point& default_point() const { return default_; }
  // AutoMap's phases: processor kinds, heaviest task first; then every argument's memory.
  const std::vector<std::vector<std::size_t>>& ccd_sweeps() const { return sweeps_; }
  // After parameter `changed` moved, every memory of that task's arguments its new kind can address, and
  // the point fitted (`fit`).
  Point repair(Point p, std::size_t changed) const;
  // The point with every argument in a memory its task's processor can address and whose instances fit
  // (estimated as `footprint` does): the largest user of an overflowing memory moves to the fastest other
  // memory that then holds everything, or stops collecting if it is collected instances. What `render`
  // writes.
  Point fit(Point p) const;
  // The estimated bytes the point's instances take in each memory instance (by MemId of the machine
  // model), against its capacity; empty without a machine model. The simulator's allocation rule: one
  // instance per (memory, region, piece, fields), kept for the run; a collected read-only argument gets
  // an instance per task, released when it ends (unless a kept one made earlier serves it), and as the
  // runtime maps far ahead, those of every step count (under an instance limit, one per processor).
  // Point tasks run where the point's index-mapping function puts them (docs/search.md), a child with
  // its parent. An estimate: it ignores the order in which instances come and go.
  struct Usage {
    std::int64_t bytes = 0;
    std::int64_t capacity = 0;  // 0: unbounded
    bool over() const { return capacity > 0 && bytes > capacity; }
  };
  std::vector<Usage> footprint(const Point& p) const;

  std::string render(const Point& p) const;
  // The point closest to what a compiled program decides: its kinds, memories, layouts, limits and
  // collection as the policy answers them, and its index mapping when the function is one of the
  // library's (`block1d` or `block1d_gpu`), else the default. How a hybrid search brings an LLM's
  // programs into the classic optimizers.
  Point project(const mapping::Policy& policy) const;

 private:
  MappingSpace(const model::AppModel& app, const mapping::MachineDesc& machine, const model::MachineModel* model);
  std::size_t add(Parameter p, Decision d, int default_option);
  ProcKind kind_of(const Point& p, const std::string& task) const;
  MemKind memory_of(const Point& p, std::size_t param, ProcKind kind) const;
  // Where each argument's instances go (see `footprint`), and whether memory kind `m` can hold argument
  // `arg` of `task` on `kind` at all, the argument alone.
  void place_instances(const model::AppModel& app, const model::MachineModel& model);
  bool holds(const std::string& task, std::size_t arg, ProcKind kind, MemKind m) const;
  struct Instance;
  // Which of `procs` processors of a kind (node-major) runs an instance's point task under a function;
  // `node_first`: a child's single launch on the first processor of its parent's node (the default when
  // the parent runs on another kind); `parent_procs`: a child's parent kind's processors (0: not a child).
  std::size_t processor(const Instance& i, std::size_t procs, std::string_view function, bool node_first,
                        std::size_t parent_procs) const;
  // Bytes per memory instance of the point; `contribution`, when given, receives parameter -> its
  // argument's bytes on memory instance `watch`.
  std::vector<std::int64_t> usage(const Point& p, std::size_t watch = SIZE_MAX,
                                  std::map<std::size_t, std::int64_t>* contribution = nullptr) const;

  const model::AppModel* app_;
  mapping::MachineDesc machine_;
  // The memory model: per memory instance its kind and capacity; per processor kind and memory kind the
  // instance each processor (node-major) reaches it in; per (task, argument) its instances.
  struct Instance {
    std::size_t piece = 0;  // (region, elements, fields), numbered
    std::int64_t bytes = 0;
    double place = 0;       // where in [0, 1) of the kind's processors its point task runs by default
    std::int64_t linear = 0, volume = 0;  // an index point: its row-major index in the launch; 0: single
    bool read_only = false;
    std::int64_t repeats = 1;  // times its launch runs: once for a set-up launch, else every step
    std::size_t launch = 0;    // the first launch (in program order) that uses it there
  };
  std::vector<MemKind> memory_kind_;
  std::vector<std::int64_t> capacity_;
  std::size_t pieces_ = 0;  // distinct (region, elements, fields)
  std::map<std::pair<ProcKind, MemKind>, std::vector<std::size_t>> reach_;
  std::map<std::pair<std::string, std::size_t>, std::vector<Instance>> instances_;
  Space space_;
  std::vector<Decision> decisions_;
  Point default_;
  std::vector<std::vector<std::size_t>> sweeps_;
  std::map<std::string, std::size_t> kind_param_;  // task -> its Kind parameter
  std::map<std::string, int> launch_dims_;         // task -> dimensions of its first launch (-1 child, -2 single)
  std::map<std::string, const model::Launch*> first_launch_;
  std::map<std::string, std::size_t> collect_param_;  // task -> its Collect parameter
  std::map<std::string, std::size_t> limit_param_;    // task -> its Limit parameter
  std::map<std::string, std::size_t> map_param_;      // task -> its IndexMap parameter
};

// The index-mapping library: the functions a point can name, with their definitions in the language.
struct MappingFunction {
  std::string_view name;  // "block1d"
  int dims;               // launch dimensions it applies to: 0 any index launch, -1 a child's single launch
  std::string_view body;  // the function body, with `M` standing for the machine space of the task's kind
  // For a child's function, the body when its parent runs on another processor kind, with `P` standing
  // for the parent kind's machine space (rendered as `NAME_KIND_from_PARENTKIND`).
  std::string_view across = {};
};
const std::vector<MappingFunction>& mapping_library();

}  // namespace mage::search
