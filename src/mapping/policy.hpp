// The compiled policy: the one API through which the simulator, the Legion adapter and the optimizers
// ask a mapper program for decisions. Rule precedence follows dsl.md §2; defaults mirror Legion's
// default mapper. Index-launch answers are cached per (task, kind, launch domain, parent).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lang/app_signature.hpp"
#include "lang/ast.hpp"
#include "lang/diagnostic.hpp"
#include "lang/expected.hpp"
#include "mapping/interpreter.hpp"
#include "mapping/machine_desc.hpp"
#include "mapping/value.hpp"

namespace mage::mapping {

// A region argument of a task, as rules select it: by a name (the argument's region, its parent
// partition or its parent region) or by its 0-based argument index.
struct RegionRef {
  int arg_index = -1;
  std::vector<std::string> names;
};

struct LayoutSpec {
  bool soa = true;       // fields separate (SOA) or interleaved (AOS)
  bool c_order = false;  // last index dimension fastest (C) or first (F)
  std::vector<std::pair<lang::Tok, std::int64_t>> align;  // every `Align OP N`; all must hold
  bool compact = false;
  bool exact = false;
  std::uint32_t rule_line = 0;  // the Layout statement that decided, 0 for the default
  std::string describe() const;  // "SOA F_order", "AOS C_order Align == 128"
  friend bool operator==(const LayoutSpec&, const LayoutSpec&) = default;
};

// One processor, or several when the mapping function returned a set (`m[i, *]`): the runtime picks.
using ProcessorSet = std::vector<ProcessorId>;

class Policy {
 public:
  // Parses, checks and evaluates the globals of a mapper program for a machine. Returns null, with the
  // reasons in `diags`, if the program has errors. Warnings are reported either way.
  // `print` output, including that of global statements evaluated here, goes to `print_sink`.
  static std::unique_ptr<Policy> compile(lang::SourceFile source, MachineDesc machine, lang::Diagnostics& diags,
                                         const lang::AppSignature* app = nullptr,
                                         std::function<void(const std::string&)> print_sink = {});

  const lang::SourceFile& source() const { return source_; }
  const lang::Program& program() const { return program_; }
  const MachineDesc& machine() const { return machine_; }

  // Processor kinds in priority order for a task (the winning `Task` rule, or GPU, OMP, CPU).
  std::vector<ProcKind> kind_priority(std::string_view task) const;
  // The kind a task runs on: the first in priority with a variant (empty `variants`: any) and processors.
  lang::Expected<ProcKind> choose_kind(std::string_view task, std::span<const ProcKind> variants = {}) const;
  lang::Expected<MemKind> choose_memory(std::string_view task, const RegionRef& region, ProcKind proc) const;
  LayoutSpec layout(std::string_view task, const RegionRef& region, ProcKind proc, MemKind mem) const;
  // The limit for a task running on `kind`; a 2022 rule `InstanceLimit TASK KIND N;` holds only on KIND (and
  // never when no kind is given).
  std::optional<std::int64_t> instance_limit(std::string_view task, std::optional<ProcKind> kind = std::nullopt) const;
  bool collect(std::string_view task, const RegionRef& region) const;
  bool control_replicated(std::string_view task) const;

  // The processor(s) for one point of an index launch: `task.ipoint` in `task.ispace`, run on `kind`.
  const lang::Expected<ProcessorSet>& map_index_point(const TaskContext& task, ProcKind kind);
  // The processor(s) for a single launch of `task` (its parent, if any, gives the default node).
  lang::Expected<ProcessorSet> map_single(const TaskContext& task, ProcKind kind);
  // The IndexTaskMap / SingleTaskMap statement that decides for a task on a kind; null for the default.
  const lang::Stmt* index_map_rule(std::string_view task, ProcKind kind) const;
  const lang::Stmt* single_map_rule(std::string_view task, ProcKind kind) const;

  // A budget of evaluation steps over every mapping function call from now on (0: none); see
  // Interpreter::set_total_step_budget.
  void set_total_step_budget(std::int64_t steps) { interpreter_->set_total_step_budget(steps); }

  // Output of `print` in the program; discarded unless a sink is set.
  void set_print_sink(std::function<void(const std::string&)> sink);

 private:
  Policy(lang::SourceFile source, MachineDesc machine);
  const lang::Stmt* winner(lang::StmtKind kind, std::string_view task, const RegionRef* region,
                           std::optional<ProcKind> proc, std::optional<MemKind> mem) const;
  lang::Expected<ProcessorSet> evaluate_mapping(const lang::Stmt* rule, const TaskContext& task, ProcKind kind,
                                                bool index);
  // The 2022 forms of IndexTaskMap (docs/language.md §9.1): the processor a rule's function designates.
  lang::Expected<Value> evaluate_legacy_mapping(const lang::Stmt& rule, const lang::Stmt& def, const TaskContext& task);
  ProcessorSet default_index_point(const TaskContext& task, ProcKind kind) const;

  // A cache key, and a non-owning view of one so that a lookup allocates nothing.
  struct LaunchKeyView {
    std::string_view task;
    ProcKind kind;
    std::span<const std::int64_t> domain;
    std::optional<ProcessorId> parent_proc;
    std::span<const std::int64_t> parent_point;
  };
  struct LaunchKey {
    std::string task;
    ProcKind kind;
    Extents domain;
    std::optional<ProcessorId> parent_proc;
    Coords parent_point;
    LaunchKeyView view() const { return {task, kind, domain, parent_proc, parent_point}; }
  };
  struct LaunchKeyHash {
    using is_transparent = void;
    std::size_t operator()(const LaunchKeyView& k) const;
    std::size_t operator()(const LaunchKey& k) const { return (*this)(k.view()); }
  };
  struct LaunchKeyEqual {
    using is_transparent = void;
    static bool same(const LaunchKeyView& a, const LaunchKeyView& b);
    bool operator()(const LaunchKeyView& a, const LaunchKey& b) const { return same(a, b.view()); }
    bool operator()(const LaunchKey& a, const LaunchKeyView& b) const { return same(a.view(), b); }
    bool operator()(const LaunchKey& a, const LaunchKey& b) const { return same(a.view(), b.view()); }
  };
  using LaunchTable = std::vector<std::optional<lang::Expected<ProcessorSet>>>;

  lang::SourceFile source_;
  lang::Program program_;
  MachineDesc machine_;
  std::unique_ptr<Interpreter> interpreter_;
  std::vector<const lang::Stmt*> rules_;  // rule statements in source order
  std::unordered_map<LaunchKey, LaunchTable, LaunchKeyHash, LaunchKeyEqual> launches_;
  std::optional<lang::Expected<ProcessorSet>> scratch_;  // answer for launches too large to cache
};

// Launch domains larger than this are not tabulated (each query is evaluated).
inline constexpr std::int64_t kMaxCachedLaunchVolume = 1 << 22;

}  // namespace mage::mapping
