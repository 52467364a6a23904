// The application model: what a task-based program does in one time step, as plain data the simulator
// replays. Regions number their elements once (0..N-1, the modeller's choice: only volumes matter);
// partitions cut them into pieces; each launch runs a task over a domain, every argument picking one
// piece per point. Costs are roofline inputs (FLOP and bytes of traffic); sizes are bytes, times seconds.
// docs/apps.md describes every field and the modelling conventions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lang/app_signature.hpp"
#include "lang/diagnostic.hpp"
#include "lang/kinds.hpp"
#include "mapping/machine_space.hpp"
#include "mapping/policy.hpp"
#include "model/interval_set.hpp"

namespace mage::model {

struct Field {
  std::string name;
  std::int64_t bytes = 0;  // per element
  friend bool operator==(const Field&, const Field&) = default;
};

struct Region {
  std::string name;
  std::int64_t elements = 0;
  std::vector<Field> fields;
  const Field* find_field(std::string_view field) const;
  std::int64_t element_bytes() const;  // all fields together
  friend bool operator==(const Region&, const Region&) = default;
};

// Pieces of a region, or of one piece of an earlier partition (`parent`, `parent_piece`), in the root
// region's numbering. A piece may be empty. Whether pieces overlap is computed from them;
// `declared_disjoint` is the modeller's claim, checked against that.
struct Partition {
  std::string name;
  std::string region;  // the partitioned region; empty when `parent` is set
  std::string parent;  // the partition one of whose pieces is partitioned
  std::int64_t parent_piece = 0;
  std::vector<IntervalSet> pieces;
  std::vector<std::string> piece_names;  // none, or one per piece: names rules may use (`rp_all_private`)
  bool declared_disjoint = false;
  friend bool operator==(const Partition&, const Partition&) = default;
};

// Two pieces that share elements (lower index first); none when the pieces are disjoint.
std::optional<std::pair<std::size_t, std::size_t>> first_overlap(const Partition& p);
inline bool is_disjoint(const Partition& p) { return !first_overlap(p); }

// A property of an instance's layout a variant is sensitive to: `SOA`, `AOS`, `C_order`, `F_order`, or
// `Align<N` (alignment below N bytes).
enum class LayoutProperty : std::uint8_t { SOA, AOS, COrder, FOrder, AlignBelow };
struct LayoutPredicate {
  LayoutProperty property = LayoutProperty::SOA;
  std::int64_t bytes = 0;  // AlignBelow only
  friend bool operator==(const LayoutPredicate&, const LayoutPredicate&) = default;
};
std::optional<LayoutPredicate> parse_layout_predicate(std::string_view text);
std::string to_string(const LayoutPredicate& p);

// The layout an instance actually got, as the simulator decides it from the policy's LayoutSpec.
struct LayoutFacts {
  bool soa = true;
  bool c_order = false;
  std::int64_t alignment = 1;  // bytes
};
bool holds(const LayoutPredicate& p, const LayoutFacts& layout);

// The roofline term a layout factor scales. A layout changes how well a kernel's accesses use memory, so
// factors scale the memory time by default; a kernel whose arithmetic itself depends on the layout (vector
// loads that need unit stride, say) says so with `Compute`.
enum class LayoutTerm : std::uint8_t { Memory, Compute };
std::string_view to_string(LayoutTerm t);  // "memory", "compute"
std::optional<LayoutTerm> parse_layout_term(std::string_view s);

struct LayoutSlowdown {
  LayoutPredicate when;
  double factor = 1;  // >= 1; factors of every predicate that holds multiply
  LayoutTerm applies_to = LayoutTerm::Memory;
  friend bool operator==(const LayoutSlowdown&, const LayoutSlowdown&) = default;
};

// How one argument's layout changes a variant's speed: slowdowns, and layouts it cannot run with.
struct ArgLayout {
  std::int64_t arg = 0;
  std::vector<LayoutSlowdown> slowdown;
  std::vector<LayoutPredicate> reject;
  friend bool operator==(const ArgLayout&, const ArgLayout&) = default;
};

// One implementation of a task for a processor kind. Work per point task: the per-point terms plus the
// per-element terms times the elements of argument `work_arg`'s piece.
struct Variant {
  ProcKind kind = ProcKind::CPU;
  std::optional<double> launch_overhead;  // s; none: the machine's figure for the kind
  double flops_per_element = 0;
  double bytes_per_element = 0;  // memory traffic, not data size
  double flops_per_point = 0;
  double bytes_per_point = 0;
  std::int64_t work_arg = 0;
  std::vector<ArgLayout> layout;

  bool per_element() const { return flops_per_element != 0 || bytes_per_element != 0; }
  // The product of the factors on `term` that hold for argument `arg`'s layout; 1 when none applies.
  double slowdown(std::size_t arg, const LayoutFacts& facts, LayoutTerm term) const;
  bool rejects(std::size_t arg, const LayoutFacts& facts) const;
  friend bool operator==(const Variant&, const Variant&) = default;
};

struct Task {
  std::string name;
  std::vector<Variant> variants;  // at most one per processor kind
  const Variant* find_variant(ProcKind kind) const;
  friend bool operator==(const Task&, const Task&) = default;
};

// From a launch point to a piece. Points are linearised row-major (the last dimension fastest);
// a single launch is one point with linear index 0.
enum class ProjectionKind : std::uint8_t {
  Identity,  // piece = linear index
  Offset,    // piece = linear index + k; off either end: no piece (Skip) or the end piece (Clamp)
  Constant,  // piece = k
  Table,     // piece = table[linear index]
};
enum class Edge : std::uint8_t { Skip, Clamp };
struct Projection {
  ProjectionKind kind = ProjectionKind::Identity;
  std::int64_t k = 0;
  Edge edge = Edge::Skip;
  std::vector<std::int64_t> table;
  // The piece a point selects among `pieces`; none for a skipped edge. Unchecked: validation reports a
  // piece out of range.
  std::optional<std::int64_t> piece(std::int64_t linear, std::int64_t pieces) const;
  friend bool operator==(const Projection&, const Projection&) = default;
};
std::string_view to_string(ProjectionKind k);
std::optional<ProjectionKind> parse_projection_kind(std::string_view s);

enum class Privilege : std::uint8_t { RO, RW, WD, RED };
std::string_view to_string(Privilege p);
std::optional<Privilege> parse_privilege(std::string_view s);
// Reduction operators a RED argument may name.
inline constexpr std::string_view kReductionOperators[] = {"+", "-", "*", "/", "min", "max", "&", "|", "^"};
bool is_reduction_operator(std::string_view op);

struct Argument {
  std::string region;     // the whole region, the same for every point; or
  std::string partition;  // one piece per point, chosen by `projection`
  Projection projection;  // partitions only
  Privilege privilege = Privilege::RO;
  std::string redop;                // RED only
  std::vector<std::string> fields;  // empty: every field of the region
  friend bool operator==(const Argument&, const Argument&) = default;
};

struct Launch {
  std::string task;
  mapping::Extents domain;  // index launch extents; empty for a single launch
  std::vector<Argument> args;
  std::string produces;  // a future; an index launch's is reduced over its points
  // Futures it waits for: produced earlier in the step, or (by a later launch) in the previous step.
  std::vector<std::string> consumes;
  // Launched by a task rather than the top level: by every point task of the nearest earlier launch of
  // task `parent` (an inner task such as DISTAL's `task_5`). Children wait for their parent point, and
  // their projections see the flattened index parent_index * volume() + linear.
  std::string parent;
  bool setup = false;  // runs once, in the first step only (initialisation such as filling the inputs)
  bool single() const { return domain.empty(); }
  std::int64_t volume() const;  // points; 1 for a single launch
  friend bool operator==(const Launch&, const Launch&) = default;
};

// Results in the application's own unit: `per_step` units per step, so throughput = per_step / (s/step).
struct Throughput {
  std::string unit = "steps/s";
  double per_step = 1;
  friend bool operator==(const Throughput&, const Throughput&) = default;
};

// One argument of one point task, resolved.
struct ArgPiece {
  mapping::RegionRef ref;             // argument index and names, as mapping rules select it
  std::string region;                 // the root region
  std::optional<std::int64_t> piece;  // index in the partition; none for a region or a skipped edge
  IntervalSet elements;
  std::vector<std::string> fields;  // resolved: every field when the argument lists none
  std::int64_t bytes = 0;           // elements × the bytes of those fields
  Privilege privilege = Privilege::RO;
  std::string redop;
};

struct PointTask {
  std::size_t launch = 0;  // index into AppModel::launches
  std::int64_t parent = -1;  // index of the launching point task in points(parent launch); -1: top level
  std::string task;
  mapping::Coords point;    // empty for a single launch
  mapping::Extents domain;  // empty for a single launch
  std::vector<ArgPiece> args;
};

// Roofline inputs of one point task on one variant.
struct Work {
  double flops = 0;
  double bytes = 0;
};
Work work(const Variant& v, const PointTask& point);

struct AppModel {
  std::string name;
  std::int64_t steps = 1;         // timed
  std::int64_t warmup_steps = 0;  // run first, untimed
  Throughput throughput;
  std::vector<Region> regions;
  std::vector<Partition> partitions;
  std::vector<Task> tasks;
  std::vector<Launch> launches;  // the program of one step, in order

  const Region* find_region(std::string_view name) const;
  const Partition* find_partition(std::string_view name) const;
  const Task* find_task(std::string_view name) const;
  const Region* root_region(const Partition& p) const;
  // The elements a partition splits: all of its region, or its parent's piece; empty when unknown.
  IntervalSet parent_elements(const Partition& p) const;
  // What rules match an argument by, most specific first: the piece's own name if it has one, the
  // partition, then each ancestor piece name, partition and finally the region.
  std::vector<std::string> names(const Argument& arg, std::optional<std::int64_t> piece = {}) const;
  // The launch whose point tasks issue launch `index`: the nearest earlier launch of its `parent` task.
  std::optional<std::size_t> parent_launch(std::size_t index) const;
  // How many times launch `index` is issued per step: 1 at the top level, else its parent's point count.
  std::int64_t issues(std::size_t index) const;
  // The launch that produces a future, if any.
  std::optional<std::size_t> producer(std::string_view future) const;
  // Every point of a launch, row-major. Expects a valid model.
  std::vector<PointTask> points(std::size_t launch) const;
  // Tasks with variants and argument names (from their first launch), and every region, partition and
  // piece name: what `mage check --app` knows.
  lang::AppSignature signature() const;
  friend bool operator==(const AppModel&, const AppModel&) = default;
};

// The coordinates of a row-major linear index in a domain.
mapping::Coords delinearize(std::int64_t linear, const mapping::Extents& domain);

// Bounds that turn hostile input into errors.
inline constexpr std::int64_t kMaxElements = std::int64_t{1} << 40;
inline constexpr std::int64_t kMaxElementBytes = std::int64_t{1} << 20;
inline constexpr std::int64_t kMaxPieces = std::int64_t{1} << 20;
inline constexpr std::int64_t kMaxLaunchPoints = std::int64_t{1} << 20;
inline constexpr std::size_t kMaxDims = 8;
inline constexpr std::int64_t kMaxSteps = std::int64_t{1} << 24;

// What is wrong with a model, each problem naming its field (`launches[2].args[1].partition`).
struct AppProblem {
  std::string code;  // "usage.app-unknown-name", ...
  std::string field;
  std::string message;
  std::string hint;
};
std::vector<AppProblem> validate(const AppModel& app);
// Problems as Usage errors without positions (built-in models have no file).
void report(const std::string& app_name, const std::vector<AppProblem>& problems, lang::Diagnostics& diags);
// validate() then report(); true when the model is valid.
bool validate(const AppModel& app, lang::Diagnostics& diags);

// `mage app show`: tasks and variants, regions, partitions, launch domains and the per-step program.
std::string describe(const AppModel& app);

}  // namespace mage::model
