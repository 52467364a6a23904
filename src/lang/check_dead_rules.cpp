// Checker pass: rules that never apply (dsl.md §2 precedence).
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

// Rules that never apply because a rule of the same statement kind always wins (dsl.md §2). A rule
// covers "cells": its task names (or OTHER for `*`) x its regions x its kind. OTHER stands for every
// name no rule lists, so only `*` matches it.
class DeadRulePass {
 public:
  explicit DeadRulePass(Context& cx) : cx_(cx) {}

  void run() {
    std::map<StmtKind, std::vector<Rule>> groups;
    std::size_t order = 0;
    for (const Stmt& s : cx_.program.statements)
      if (takes_precedence(s.kind)) groups[s.kind].push_back(view(s, order++));
    for (const auto& group : groups)
      for (const Rule& r : group.second) check(r, group.second);
  }

 private:
  struct Dim {
    bool any = true;  // `*`, or a selector the statement does not have
    std::vector<std::string> values;
  };
  struct Rule {
    const Stmt* stmt;
    std::size_t order;
    Specificity spec;
    std::array<Dim, 3> dims;  // task, region, kind
  };
  using Cell = std::array<std::string, 3>;  // "" is OTHER

  static Dim dim(const Selector& sel) {
    Dim d;
    if (sel.wildcard) return d;
    for (const Ident& n : sel.names) d.values.push_back(n.name);
    if (sel.index) d.values.push_back(fmt::format("#{}", *sel.index));  // never equal to a name
    d.any = d.values.empty();
    return d;
  }

  static Rule view(const Stmt& s, std::size_t order) {
    Rule r{&s, order, specificity(s), {}};
    // A processor-kind selector of IndexTaskMap matches every task on that kind.
    if (is_task_map(s.kind) && kind_selector(s.tasks))
      r.dims[2] = dim(s.tasks);
    else
      r.dims[0] = dim(s.tasks);
    if (has_region_selector(s.kind)) r.dims[1] = dim(s.region);
    if (s.kind == StmtKind::Region || s.kind == StmtKind::Layout || has_limit_kind(s)) r.dims[2] = dim(s.proc);
    return r;
  }

  static std::vector<Cell> cells(const Rule& r) {
    std::vector<Cell> out{Cell{}};
    for (std::size_t d = 0; d < 3; ++d) {
      if (r.dims[d].any) continue;
      std::vector<Cell> next;
      for (const Cell& c : out)
        for (const auto& v : r.dims[d].values) {
          Cell n = c;
          n[d] = v;
          next.push_back(n);
        }
      out = std::move(next);
    }
    return out;
  }

  static bool matches(const Rule& s, const Cell& c) {
    for (std::size_t d = 0; d < 3; ++d) {
      const Dim& dim = s.dims[d];
      if (!dim.any && std::find(dim.values.begin(), dim.values.end(), c[d]) == dim.values.end()) return false;
    }
    return true;
  }

  static const Rule* winner(const Rule& r, const Cell& c, const std::vector<Rule>& rules) {
    for (const Rule& s : rules) {
      bool beats = s.spec > r.spec || (s.spec == r.spec && s.order > r.order);
      if (&s != &r && beats && matches(s, c)) return &s;
    }
    return nullptr;
  }

  void check(const Rule& r, const std::vector<Rule>& rules) {
    std::vector<Cell> all = cells(r);
    std::vector<const Rule*> winners;
    for (const Cell& c : all) winners.push_back(winner(r, c, rules));
    const char* kw = statement_keyword(r.stmt->kind);
    if (std::all_of(winners.begin(), winners.end(), [](const Rule* w) { return w != nullptr; })) {
      cx_.warning("static.dead-rule", r.stmt->keyword,
                  fmt::format("this `{}` rule never applies: the rule at line {} overrides it", kw,
                              winners.front()->stmt->keyword.begin.line),
                  "remove it, or make it more specific");
      return;
    }
    partly_dead(r, all, winners);
  }

  // A task listed in a rule whose every cell another rule wins.
  void partly_dead(const Rule& r, const std::vector<Cell>& all, const std::vector<const Rule*>& winners) {
    if (r.dims[0].any || r.dims[0].values.size() < 2) return;
    std::vector<std::string> overridden;
    const Rule* by = nullptr;
    const Ident* first = nullptr;
    for (const Ident& task : r.stmt->tasks.names) {
      const Rule* task_winner = nullptr;
      bool dead = true;
      for (std::size_t i = 0; i < all.size() && dead; ++i) {
        if (all[i][0] != task.name) continue;
        dead = winners[i] != nullptr;
        task_winner = winners[i];
      }
      if (!dead || !task_winner) continue;
      overridden.push_back(fmt::format("`{}`", task.name));
      by = by ? by : task_winner;
      first = first ? first : &task;
    }
    if (overridden.empty()) return;
    cx_.warning("static.partly-dead-rule", first->span,
                fmt::format("{} {} never use{} this `{}` rule: the rule at line {} overrides it",
                            overridden.size() == 1 ? "task" : "tasks", fmt::join(overridden, ", "),
                            overridden.size() == 1 ? "s" : "", statement_keyword(r.stmt->kind),
                            by->stmt->keyword.begin.line),
                "remove those tasks from this rule's list, or make the rule more specific");
  }

  Context& cx_;
};

}  // namespace

void check_dead_rules(Context& cx) { DeadRulePass(cx).run(); }

}  // namespace mage::lang::check
