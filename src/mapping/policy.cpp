#include "mapping/policy.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "lang/checker.hpp"
#include "lang/parser.hpp"

namespace mage::mapping {

using lang::Diagnostic;
using lang::Expected;
using lang::Selector;
using lang::Stmt;
using lang::StmtKind;

namespace {

Diagnostic mapping_error(std::string code, lang::Span span, std::string message, std::string hint) {
  return lang::make_error(lang::Category::Mapping, std::move(code), span, std::move(message), std::move(hint));
}

bool names_contain(const Selector& s, std::string_view name) {
  for (const auto& n : s.names)
    if (n.name == name) return true;
  return false;
}

bool task_matches(const Stmt& rule, std::string_view task, std::optional<ProcKind> proc) {
  if (rule.tasks.wildcard) return true;
  if (auto k = lang::kind_selector(rule.tasks)) return proc && *k == *proc;
  return names_contain(rule.tasks, task);
}

bool region_matches(const Selector& s, const RegionRef& r) {
  if (s.wildcard) return true;
  if (s.index) return *s.index == r.arg_index;
  for (const auto& n : r.names)
    if (names_contain(s, n)) return true;
  return false;
}

// The third selector of Region (a processor kind) or Layout (a processor or a memory kind).
bool kind_matches(const Selector& s, std::optional<ProcKind> proc, std::optional<MemKind> mem) {
  if (s.wildcard || s.names.empty()) return true;
  const std::string& k = s.names.front().name;
  return (proc && to_string(*proc) == k) || (mem && to_string(*mem) == k);
}

std::string kinds_text(std::span<const ProcKind> kinds) {
  std::vector<std::string_view> names;
  for (ProcKind k : kinds) names.push_back(to_string(k));
  return fmt::format("{}", fmt::join(names, ", "));
}

std::string mems_text(const std::vector<MemKind>& kinds) {
  std::vector<std::string_view> names;
  for (MemKind k : kinds) names.push_back(to_string(k));
  return fmt::format("{}", fmt::join(names, ", "));
}

lang::Span list_span(const std::vector<lang::Ident>& items, const lang::Span& fallback) {
  if (items.empty()) return fallback;
  lang::Span s = items.front().span;
  const auto& last = items.back().span;
  s.length = last.begin.offset + last.length - s.begin.offset;
  return s;
}

}  // namespace

std::string LayoutSpec::describe() const {
  std::string s = fmt::format("{} {}", soa ? "SOA" : "AOS", c_order ? "C_order" : "F_order");
  for (const auto& [tok, bytes] : align) s += fmt::format(" Align {} {}", lang::spelling(tok), bytes);
  if (compact) s += " Compact";
  if (exact) s += " Exact";
  return s;
}

Policy::Policy(lang::SourceFile source, MachineDesc machine)
    : source_(std::move(source)), machine_(std::move(machine)) {}

std::unique_ptr<Policy> Policy::compile(lang::SourceFile source, MachineDesc machine, lang::Diagnostics& diags,
                                        const lang::AppSignature* app,
                                        std::function<void(const std::string&)> print_sink) {
  std::unique_ptr<Policy> p(new Policy(std::move(source), std::move(machine)));
  lang::Diagnostics local;
  p->program_ = lang::parse(p->source_, local);
  if (!local.has_errors()) {
    lang::MachineFacts facts = p->machine_.facts();
    lang::check_program(p->program_, lang::CheckOptions{app, &facts}, local);
  }
  if (!local.has_errors()) {
    p->interpreter_ = std::make_unique<Interpreter>(p->program_, p->machine_);
    p->interpreter_->set_print_sink(std::move(print_sink));
    p->interpreter_->evaluate_globals(local);
  }
  diags.append(local);
  if (local.has_errors()) return nullptr;
  for (const Stmt& s : p->program_.statements)
    if (lang::is_rule_statement(s.kind)) p->rules_.push_back(&s);
  return p;
}

void Policy::set_print_sink(std::function<void(const std::string&)> sink) {
  interpreter_->set_print_sink(std::move(sink));
}

const Stmt* Policy::winner(StmtKind kind, std::string_view task, const RegionRef* region,
                           std::optional<ProcKind> proc, std::optional<MemKind> mem) const {
  const Stmt* best = nullptr;
  lang::Specificity best_spec;
  for (const Stmt* r : rules_) {
    if (r->kind != kind || !task_matches(*r, task, proc)) continue;
    if (region && (kind == StmtKind::Region || kind == StmtKind::Layout || kind == StmtKind::CollectMemory) &&
        !region_matches(r->region, *region))
      continue;
    if ((kind == StmtKind::Region || kind == StmtKind::Layout) && !kind_matches(r->proc, proc, mem)) continue;
    if (lang::has_limit_kind(*r) && !(proc && kind_matches(r->proc, proc, std::nullopt))) continue;
    lang::Specificity spec = lang::specificity(*r);
    if (!best || spec >= best_spec) {  // later rules win among equals
      best = r;
      best_spec = spec;
    }
  }
  return best;
}

std::vector<ProcKind> Policy::kind_priority(std::string_view task) const {
  const Stmt* rule = winner(StmtKind::Task, task, nullptr, std::nullopt, std::nullopt);
  if (!rule) return {ProcKind::GPU, ProcKind::OMP, ProcKind::CPU};
  std::vector<ProcKind> kinds;
  for (const auto& k : rule->kinds)
    if (auto pk = parse_proc_kind(k.name)) kinds.push_back(*pk);
  return kinds;
}

Expected<ProcKind> Policy::choose_kind(std::string_view task, std::span<const ProcKind> variants) const {
  std::vector<ProcKind> priority = kind_priority(task);
  for (ProcKind k : priority) {
    bool has_variant = variants.empty() || std::find(variants.begin(), variants.end(), k) != variants.end();
    if (has_variant && machine_.has(k)) return k;
  }
  const Stmt* rule = winner(StmtKind::Task, task, nullptr, std::nullopt, std::nullopt);
  std::string source = rule ? fmt::format("the `Task` rule at line {}", rule->span.begin.line) : "the default";
  std::vector<ProcKind> usable;
  for (ProcKind k : kAllProcKinds) {
    bool has_variant = variants.empty() || std::find(variants.begin(), variants.end(), k) != variants.end();
    if (has_variant && machine_.has(k)) usable.push_back(k);
  }
  return mapping_error(
      "mapping.no-usable-variant", rule ? list_span(rule->kinds, rule->span) : lang::Span{},
      fmt::format("task `{}` cannot run on any kind that {} lists ({}): it has variants for {} and the machine has {}",
                  task, source, kinds_text(priority), variants.empty() ? "every kind" : kinds_text(variants),
                  machine_.summary()),
      usable.empty() ? fmt::format("task `{}` has no variant for any processor this machine has", task)
                     : fmt::format("add {} to the list, e.g. `Task {} {};`", kinds_text(usable), task,
                                   kinds_text(usable)));
}

Expected<MemKind> Policy::choose_memory(std::string_view task, const RegionRef& region, ProcKind proc) const {
  const Stmt* rule = winner(StmtKind::Region, task, &region, proc, std::nullopt);
  if (!rule) {
    if (auto m = machine_.default_memory(proc)) return *m;
    return mapping_error("mapping.no-memory", {}, fmt::format("a {} processor can address no memory of this machine",
                                                              to_string(proc)),
                         "describe the machine's memories");
  }
  for (const auto& k : rule->kinds) {
    auto m = parse_mem_kind(k.name);
    if (m && machine_.can_address(proc, *m)) return *m;
  }
  std::string region_name = !region.names.empty() ? fmt::format("`{}`", region.names.front())
                                                  : fmt::format("argument {}", region.arg_index);
  std::vector<std::string_view> listed;
  for (const auto& k : rule->kinds) listed.push_back(k.name);
  return mapping_error(
      "mapping.memory-not-addressable", list_span(rule->kinds, rule->span),
      fmt::format("the `Region` rule at line {} places region {} of task `{}` in {}, but a {} processor on this "
                  "machine can address none of them",
                  rule->span.begin.line, region_name, task, fmt::join(listed, ", "), to_string(proc)),
      fmt::format("list a memory a {} can address ({}), or run the task on another processor kind", to_string(proc),
                  mems_text(machine_.addressable(proc))));
}

LayoutSpec Policy::layout(std::string_view task, const RegionRef& region, ProcKind proc, MemKind mem) const {
  LayoutSpec spec;
  const Stmt* rule = winner(StmtKind::Layout, task, &region, proc, mem);
  if (!rule) return spec;
  spec.rule_line = rule->span.begin.line;
  for (const auto& c : rule->constraints) {
    switch (c.word) {
      case lang::LayoutWord::SOA: spec.soa = true; break;
      case lang::LayoutWord::AOS: spec.soa = false; break;
      case lang::LayoutWord::C_order: spec.c_order = true; break;
      case lang::LayoutWord::F_order: spec.c_order = false; break;
      case lang::LayoutWord::Align: spec.align.emplace_back(c.op, c.value); break;
      case lang::LayoutWord::Compact: spec.compact = true; break;
      case lang::LayoutWord::Exact: spec.exact = true; break;
    }
  }
  return spec;
}

std::optional<std::int64_t> Policy::instance_limit(std::string_view task, std::optional<ProcKind> kind) const {
  const Stmt* rule = winner(StmtKind::InstanceLimit, task, nullptr, kind, std::nullopt);
  if (!rule) return std::nullopt;
  return rule->number;
}

bool Policy::collect(std::string_view task, const RegionRef& region) const {
  for (const Stmt* r : rules_)
    if (r->kind == StmtKind::CollectMemory && task_matches(*r, task, std::nullopt) && region_matches(r->region, region))
      return true;
  return false;
}

bool Policy::control_replicated(std::string_view task) const {
  for (const Stmt* r : rules_)
    if (r->kind == StmtKind::ControlReplicate && task_matches(*r, task, std::nullopt)) return true;
  return false;
}

const Stmt* Policy::index_map_rule(std::string_view task, ProcKind kind) const {
  return winner(StmtKind::IndexTaskMap, task, nullptr, kind, std::nullopt);
}

const Stmt* Policy::single_map_rule(std::string_view task, ProcKind kind) const {
  return winner(StmtKind::SingleTaskMap, task, nullptr, kind, std::nullopt);
}

Expected<ProcessorSet> Policy::evaluate_mapping(const Stmt* rule, const TaskContext& task, ProcKind kind, bool index) {
  const Stmt* def = interpreter_->function(rule->func.name);
  if (!def)  // the checker rejects this; kept so a policy never dereferences a missing function
    return mapping_error("mapping.undefined-function", rule->func.span,
                         fmt::format("function `{}` is not defined", rule->func.name), "define it with `def`");
  auto where = [&] {
    if (!index) return fmt::format("while mapping single task `{}` on {}", task.name, to_string(kind));
    return fmt::format("while mapping point {} of index task `{}` over {} on {}", show_tuple(task.ipoint), task.name,
                       show_tuple(task.ispace), to_string(kind));
  };
  bool legacy = index && (lang::has_legacy_space(*rule) || !(def->params.size() == 1 &&
                                                               def->params.front().type.name == "Task"));
  std::variant<Value, Diagnostic> result;
  if (legacy) {
    auto r = evaluate_legacy_mapping(*rule, *def, task);
    if (r) result = *r;
    else result = r.error();
  } else {
    result = interpreter_->call(*def, {TaskRef{&task}});
  }
  if (auto* d = std::get_if<Diagnostic>(&result)) {
    Diagnostic err = *d;
    err.notes.push_back(where());
    err.notes.push_back(fmt::format("function `{}` is used by the `{}` rule at line {}", def->name.name,
                                    lang::statement_keyword(rule->kind), rule->span.begin.line));
    return err;
  }
  const Value& v = std::get<Value>(result);
  auto* point = std::get_if<ProcPoint>(&v);
  if (!point) {
    Diagnostic err = mapping_error(
        "mapping.not-a-processor", def->name.span,
        fmt::format("function `{}` returned {} {}, but a mapping function must return a processor", def->name.name,
                    type_name(v), show(v)),
        "return a point of a machine space, e.g. `return m[i, j];` with `m = Machine(GPU);`");
    err.notes.push_back(where());
    return err;
  }
  if (point->space.kind() != kind) {
    Diagnostic err = mapping_error(
        "mapping.wrong-kind", lang::has_legacy_space(*rule) ? rule->space.span : def->name.span,
        lang::has_legacy_space(*rule)
            ? fmt::format("task `{}` runs on {} but the `IndexTaskMap` rule at line {} places it in `{}`, a space of "
                          "{} processors",
                          task.name, to_string(kind), rule->span.begin.line, rule->space.name,
                          to_string(point->space.kind()))
            : fmt::format("task `{}` runs on {} but function `{}` returned a {} processor", task.name,
                          to_string(kind), def->name.name, to_string(point->space.kind())),
        fmt::format("index a space built from `Machine({})`, or change the task's processor kind with a `Task` rule",
                    to_string(kind)));
    err.notes.push_back(where());
    return err;
  }
  // Expand `*` components into every processor they stand for.
  ProcessorSet procs;
  Coords c = point->coords;
  std::vector<std::size_t> stars;
  for (std::size_t d = 0; d < c.size(); ++d)
    if (c[d] < 0) {
      stars.push_back(d);
      c[d] = 0;
    }
  while (true) {
    procs.push_back(point->space.processor_at(c));
    std::size_t i = 0;
    for (; i < stars.size(); ++i) {
      std::size_t d = stars[i];
      if (++c[d] < point->space.size()[d]) break;
      c[d] = 0;
    }
    if (i == stars.size()) break;
  }
  std::sort(procs.begin(), procs.end(), [](const ProcessorId& a, const ProcessorId& b) {
    return std::tie(a.node, a.proc) < std::tie(b.node, b.proc);
  });
  procs.erase(std::unique(procs.begin(), procs.end()), procs.end());
  return procs;
}

Expected<Value> Policy::evaluate_legacy_mapping(const Stmt& rule, const Stmt& def, const TaskContext& task) {
  // `def f(IPoint p, ISpace s)` used without a space returns a processor itself; with a space (the 2022 form
  // `IndexTaskMap TASKS SPACE FUNC;`), `f(p, s, SPACE)` or `f(p, s)` returns coordinates in SPACE.
  std::vector<Value> args{Tuple{task.ipoint}, Tuple{task.ispace}};
  const MachineSpace* space = nullptr;
  if (lang::has_legacy_space(rule)) {
    const Value* g = interpreter_->global(rule.space.name);
    space = g ? std::get_if<MachineSpace>(g) : nullptr;
    if (!space)
      return mapping_error("mapping.not-a-space", rule.space.span,
                           g ? fmt::format("`{}` is {} {}, but `IndexTaskMap TASKS SPACE FUNC;` needs a machine space "
                                           "there",
                                           rule.space.name, type_name(*g), show(*g))
                             : fmt::format("`{}` is not a global value", rule.space.name),
                           "name a global machine space, e.g. `m = Machine(GPU);`");
    if (def.params.size() == 3) args.emplace_back(*space);
  }
  auto result = interpreter_->call(def, std::move(args));
  if (auto* d = std::get_if<Diagnostic>(&result)) return *d;
  Value v = std::move(std::get<Value>(result));
  if (!space) return v;
  Coords coords;
  if (auto* i = std::get_if<std::int64_t>(&v)) coords = {*i};
  else if (auto* t = std::get_if<Tuple>(&v)) coords = t->items;
  else
    return mapping_error("mapping.not-coordinates", def.name.span,
                         fmt::format("function `{}` returned {} {}, but with `IndexTaskMap TASKS SPACE FUNC;` it must "
                                     "return coordinates in `{}`: a tuple, or an integer for a 1-D space",
                                     def.name.name, type_name(v), show(v), rule.space.name),
                         fmt::format("return one coordinate per dimension of `{}` (extents {})", rule.space.name,
                                     show_tuple(space->size())));
  bool inside = coords.size() == space->dims();
  for (std::size_t d = 0; inside && d < coords.size(); ++d) inside = coords[d] >= 0 && coords[d] < space->size()[d];
  if (!inside)
    return mapping_error("mapping.coordinates-outside-space", def.name.span,
                         fmt::format("function `{}` returned {}, which is not a point of `{}` (extents {})",
                                     def.name.name, show(v), rule.space.name, show_tuple(space->size())),
                         fmt::format("return {} coordinate{}, each from 0 to its extent minus one", space->dims(),
                                     space->dims() == 1 ? "" : "s"));
  return Value{ProcPoint{*space, std::move(coords)}};
}

ProcessorSet Policy::default_index_point(const TaskContext& task, ProcKind kind) const {
  // Contiguous blocks of the row-major linearised domain over the kind's processors, node-major.
  __int128 linear = 0;
  __int128 volume = 1;
  for (std::size_t d = 0; d < task.ispace.size(); ++d) {
    linear = linear * task.ispace[d] + task.ipoint[d];
    volume *= task.ispace[d];
  }
  std::int64_t per_node = machine_.per_node(kind);
  __int128 procs = static_cast<__int128>(per_node) * machine_.nodes;
  auto g = static_cast<std::int64_t>(linear * procs / std::max<__int128>(volume, 1));
  return {ProcessorId{kind, g / per_node, g % per_node}};
}

std::size_t Policy::LaunchKeyHash::operator()(const LaunchKeyView& k) const {
  std::size_t h = std::hash<std::string_view>{}(k.task);
  auto mix = [&h](std::uint64_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
  mix(static_cast<std::uint64_t>(k.kind));
  for (auto x : k.domain) mix(static_cast<std::uint64_t>(x));
  if (k.parent_proc) {
    mix(static_cast<std::uint64_t>(k.parent_proc->node));
    mix(static_cast<std::uint64_t>(k.parent_proc->proc));
  }
  for (auto x : k.parent_point) mix(static_cast<std::uint64_t>(x));
  return h;
}

bool Policy::LaunchKeyEqual::same(const LaunchKeyView& a, const LaunchKeyView& b) {
  return a.task == b.task && a.kind == b.kind && std::ranges::equal(a.domain, b.domain) &&
         a.parent_proc == b.parent_proc && std::ranges::equal(a.parent_point, b.parent_point);
}

const Expected<ProcessorSet>& Policy::map_index_point(const TaskContext& task, ProcKind kind) {
  // Validate the query itself: a bad point is the caller's error, reported as such.
  std::int64_t volume = 1;
  bool valid = task.ipoint.size() == task.ispace.size() && !task.ispace.empty();
  for (std::size_t d = 0; valid && d < task.ispace.size(); ++d) {
    valid = task.ispace[d] > 0 && task.ipoint[d] >= 0 && task.ipoint[d] < task.ispace[d] &&
            !__builtin_mul_overflow(volume, task.ispace[d], &volume);
  }
  if (!valid) {
    scratch_ = Diagnostic{lang::Severity::Error, lang::Category::Usage, "usage.bad-point", {},
                          fmt::format("point {} is not inside launch domain {}", show_tuple(task.ipoint),
                                      show_tuple(task.ispace)),
                          "give a point with one coordinate per domain dimension, each within its extent", {}, {}};
    return *scratch_;
  }
  if (!machine_.has(kind)) {
    scratch_ = mapping_error("mapping.no-such-processors", {},
                             fmt::format("the machine ({}) has no {} processors", machine_.summary(), to_string(kind)),
                             "map the task to a processor kind the machine has");
    return *scratch_;
  }
  auto compute = [&]() -> Expected<ProcessorSet> {
    const Stmt* rule = index_map_rule(task.name, kind);
    return rule ? evaluate_mapping(rule, task, kind, true) : Expected<ProcessorSet>(default_index_point(task, kind));
  };
  if (volume > kMaxCachedLaunchVolume) {
    scratch_ = compute();
    return *scratch_;
  }
  std::optional<ProcessorId> parent_proc = task.parent ? task.parent->processor : std::nullopt;
  std::span<const std::int64_t> parent_point;
  if (task.parent) parent_point = task.parent->ipoint;
  LaunchKeyView view{task.name, kind, task.ispace, parent_proc, parent_point};
  auto it = launches_.find(view);
  if (it == launches_.end()) {
    LaunchKey key{task.name, kind, task.ispace, parent_proc, Coords(parent_point.begin(), parent_point.end())};
    it = launches_.emplace(std::move(key), LaunchTable(static_cast<std::size_t>(volume))).first;
  }
  std::int64_t linear = 0;
  for (std::size_t d = 0; d < task.ispace.size(); ++d) linear = linear * task.ispace[d] + task.ipoint[d];
  auto& slot = it->second[static_cast<std::size_t>(linear)];
  if (!slot) slot = compute();
  return *slot;
}

Expected<ProcessorSet> Policy::map_single(const TaskContext& task, ProcKind kind) {
  if (!machine_.has(kind))
    return mapping_error("mapping.no-such-processors", {},
                         fmt::format("the machine ({}) has no {} processors", machine_.summary(), to_string(kind)),
                         "map the task to a processor kind the machine has");
  if (const Stmt* rule = single_map_rule(task.name, kind)) return evaluate_mapping(rule, task, kind, false);
  // Default: a processor of the parent's node — the parent's own one when it is of the same kind.
  ProcessorId p{kind, 0, 0};
  if (task.parent && task.parent->processor) {
    const ProcessorId& pp = *task.parent->processor;
    p.node = std::min(pp.node, machine_.nodes - 1);
    if (pp.kind == kind && pp.proc < machine_.per_node(kind)) p.proc = pp.proc;
  }
  return ProcessorSet{p};
}

}  // namespace mage::mapping
