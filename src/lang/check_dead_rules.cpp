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
    for (const auto& group : groups) {
      Index index = build_index(group.second);
      for (const Rule& r : group.second) check(r, index);
    }
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
  // The rules by the cells they select, `*` standing for a dimension the rule does not restrict, each
  // key with its two rules of highest precedence: the cells a rule covers are looked up, never compared
  // with every other rule, so the pass is linear in the rules' cells.
  struct Top2 {
    const Rule* first = nullptr;
    const Rule* second = nullptr;
  };
  using Index = std::map<Cell, Top2>;
  static const std::string& any_key() {  // never a task, region or kind name
    static const std::string key = "*";
    return key;
  }

  static bool beats(const Rule& s, const Rule& r) {
    return s.spec > r.spec || (s.spec == r.spec && s.order > r.order);
  }

  static Index build_index(const std::vector<Rule>& rules) {
    Index index;
    for (const Rule& r : rules) {
      std::vector<Cell> keys{Cell{}};
      for (std::size_t d = 0; d < 3; ++d) {
        if (r.dims[d].any) {
          for (Cell& k : keys) k[d] = any_key();
          continue;
        }
        std::vector<Cell> next;
        for (const Cell& k : keys)
          for (const auto& v : r.dims[d].values) {
            Cell n = k;
            n[d] = v;
            next.push_back(std::move(n));
          }
        keys = std::move(next);
      }
      for (Cell& k : keys) {
        Top2& top = index[std::move(k)];
        if (top.first == &r || top.second == &r) continue;  // a name listed twice
        if (!top.first || beats(r, *top.first)) {
          top.second = top.first;
          top.first = &r;
        } else if (!top.second || beats(r, *top.second)) {
          top.second = &r;
        }
      }
    }
    return index;
  }

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

  // The rule of highest precedence that matches cell `c` and beats `r`, or null when `r` wins it.
  static const Rule* winner(const Rule& r, const Cell& c, const Index& index) {
    const Rule* best = nullptr;
    for (int mask = 0; mask < 8; ++mask) {
      Cell key;
      bool possible = true;
      for (std::size_t d = 0; d < 3; ++d) {
        bool any = (mask >> d) & 1;
        if (!any && c[d].empty()) possible = false;  // OTHER: only `*` matches it
        key[d] = any ? any_key() : c[d];
      }
      if (!possible) continue;
      auto it = index.find(key);
      if (it == index.end()) continue;
      const Rule* s = it->second.first == &r ? it->second.second : it->second.first;
      if (s && beats(*s, r) && (!best || beats(*s, *best))) best = s;
    }
    return best;
  }

  void check(const Rule& r, const Index& index) {
    std::vector<Cell> all = cells(r);
    std::vector<const Rule*> winners;
    for (const Cell& c : all) winners.push_back(winner(r, c, index));
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
    // Per task: whether another rule wins every one of its cells, and one such rule.
    std::map<std::string_view, std::pair<bool, const Rule*>> per_task;
    for (std::size_t i = 0; i < all.size(); ++i) {
      auto [it, fresh] = per_task.try_emplace(all[i][0], true, nullptr);
      if (!it->second.first) continue;
      it->second.first = winners[i] != nullptr;
      it->second.second = winners[i];
    }
    std::vector<std::string> overridden;
    const Rule* by = nullptr;
    const Ident* first = nullptr;
    for (const Ident& task : r.stmt->tasks.names) {
      auto it = per_task.find(task.name);
      if (it == per_task.end()) continue;
      auto [dead, task_winner] = it->second;
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
