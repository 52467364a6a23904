// Checker passes: what the application and the machine lack, and unused functions.
#include <algorithm>
#include <array>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lang/builtins.hpp"
#include "lang/check_context.hpp"

namespace mage::lang::check {

namespace {

// Task and region names the application lacks; tasks the machine cannot run under their Task rule.
class AppPass {
 public:
  AppPass(Context& cx, const AppSignature& app) : cx_(cx), app_(app) {}

  void run() {
    for (const Stmt& s : cx_.program.statements) {
      if (!is_rule_statement(s.kind)) continue;
      for (const Ident& t : s.tasks.names) task_name(t);
      if (has_region_selector(s.kind)) region(s);
    }
    if (cx_.options.machine)
      for (const TaskSignature& t : app_.tasks) variants(t, *cx_.options.machine);
  }

 private:
  std::string app_name() const {
    return app_.name.empty() ? std::string("the application") : fmt::format("application `{}`", app_.name);
  }

  void task_name(const Ident& t) {
    if (is_kind_name(t.name) || app_.find_task(t.name)) return;
    std::vector<std::string> names;
    for (const auto& task : app_.tasks) names.push_back(task.name);
    cx_.warning("static.unknown-task", t.span,
                fmt::format("{} has no task `{}`{}", app_name(), t.name, suggest(t.name, names)),
                "check the task's name: a rule for a task the application lacks never applies");
  }

  void region(const Stmt& s) {
    std::vector<std::string> known(app_.region_names.begin(), app_.region_names.end());
    for (const auto& task : app_.tasks)
      known.insert(known.end(), task.region_args.begin(), task.region_args.end());
    for (const Ident& r : s.region.names) {
      if (std::find(known.begin(), known.end(), r.name) != known.end()) continue;
      cx_.warning("static.unknown-region", r.span,
                  fmt::format("{} has no region `{}`{}", app_name(), r.name, suggest(r.name, known)),
                  "check the region's name: a rule for a region the application lacks never applies");
    }
    if (s.region.index) region_index(s);
  }

  // An argument index beyond the arguments of every task the rule selects (that lists its arguments).
  void region_index(const Stmt& s) {
    std::size_t most = 0;
    bool listed = false;
    for (const auto& task : app_.tasks) {
      if (!selects_task(s.tasks, task.name) || task.region_args.empty()) continue;
      listed = true;
      most = std::max(most, task.region_args.size());
    }
    if (!listed || static_cast<std::size_t>(*s.region.index) < most) return;
    cx_.warning("static.region-index-out-of-range", s.region.span,
                fmt::format("no task this rule selects has a region argument {}: the most any has is {}",
                            *s.region.index, count_of(most, "argument")),
                fmt::format("argument indices start at 0: use an index below {}", most));
  }

  // The winning Task rule for the task (dsl.md §2) must list a kind it can run on.
  void variants(const TaskSignature& t, const MachineFacts& machine) {
    const Stmt* rule = nullptr;
    for (const Stmt& s : cx_.program.statements)
      if (s.kind == StmtKind::Task && selects_task(s.tasks, t.name) &&
          (!rule || specificity(s) >= specificity(*rule)))
        rule = &s;
    if (!rule || t.variants.empty()) return;
    for (const Ident& k : rule->kinds) {
      auto kind = parse_proc_kind(k.name);
      if (kind && machine.procs.count(*kind) &&
          std::find(t.variants.begin(), t.variants.end(), *kind) != t.variants.end())
        return;
    }
    std::vector<ProcKind> usable;
    for (ProcKind v : t.variants)
      if (machine.procs.count(v)) usable.push_back(v);
    cx_.report(
        Severity::Error, Category::Mapping, "mapping.no-usable-variant", span_of(rule->kinds),
        fmt::format("task `{}` has variants for {} only, and none of the kinds this rule lists has both a "
                    "variant and processors on the machine",
                    t.name, kinds_text(t.variants)),
        usable.empty() ? fmt::format("the machine has no processors for any variant of `{}`: give the "
                                     "task a variant for a kind the machine has",
                                     t.name)
                       : fmt::format("list {} for `{}`", kinds_text(usable), t.name));
  }

  Context& cx_;
  const AppSignature& app_;
};

// Kinds the machine lacks, and Region rules whose processor can address none of the listed memories.
class MachinePass {
 public:
  MachinePass(Context& cx, const MachineFacts& machine) : cx_(cx), machine_(machine) {}

  void run() {
    for (const Stmt& s : cx_.program.statements) {
      if (s.kind == StmtKind::Task) {
        for (const Ident& k : s.kinds)
          if (auto p = parse_proc_kind(k.name); p && !machine_.procs.count(*p)) missing(k, "processors");
      } else if (s.kind == StmtKind::Region) {
        for (const Ident& k : s.kinds)
          if (auto m = parse_mem_kind(k.name); m && !machine_.mems.count(*m)) missing(k, "memory");
        addressable(s);
      }
    }
  }

 private:
  void missing(const Ident& k, const char* what) {
    cx_.warning("static.kind-not-on-machine", k.span, fmt::format("the machine has no {} {}", k.name, what),
                fmt::format("this entry is skipped on this machine; remove `{}` if the machine is the target",
                            k.name));
  }

  void addressable(const Stmt& s) {
    if (s.proc.wildcard) return;
    auto p = parse_proc_kind(s.proc.names.front().name);
    if (!p || !machine_.procs.count(*p)) return;
    for (const Ident& k : s.kinds)
      if (auto m = parse_mem_kind(k.name); m && machine_.mems.count(*m) && machine_.can_address(*p, *m))
        return;
    std::vector<std::string_view> reachable;
    for (MemKind m : kAllMemKinds)
      if (machine_.mems.count(m) && machine_.can_address(*p, m)) reachable.push_back(to_string(m));
    std::vector<std::string> listed;
    for (const Ident& k : s.kinds) listed.push_back(k.name);
    cx_.warning(
        "static.unaddressable-memory", span_of(s.kinds),
        fmt::format("a {} cannot address {} on this machine, so this rule always ends in a mapping error",
                    to_string(*p), fmt::join(listed, " or ")),
        reachable.empty()
            ? fmt::format("this machine has no memory a {} can address", to_string(*p))
            : fmt::format("list a memory a {} can address: {}", to_string(*p), fmt::join(reachable, ", ")));
  }

  Context& cx_;
  const MachineFacts& machine_;
};

}  // namespace

void check_against_app(Context& cx, const AppSignature& app) { AppPass(cx, app).run(); }

void check_against_machine(Context& cx, const MachineFacts& machine) { MachinePass(cx, machine).run(); }

void report_unused_functions(Context& cx) {
  for (const auto& [name, def] : cx.functions)
    if (!cx.used_functions.count(name))
      cx.warning("static.unused-function", def->name.span, fmt::format("function `{}` is never used", name),
                 fmt::format("map tasks with it (`IndexTaskMap TASK {};`), call it, or remove it", name));
}

}  // namespace mage::lang::check
