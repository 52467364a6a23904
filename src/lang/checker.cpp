#include "lang/checker.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lang/check_context.hpp"

namespace mage::lang {

Specificity specificity(const Stmt& rule) {
  Specificity s;
  bool by_kind = (rule.kind == StmtKind::IndexTaskMap || rule.kind == StmtKind::SingleTaskMap) &&
                 kind_selector(rule.tasks).has_value();
  if (!rule.tasks.names.empty()) s.task = by_kind ? 1 : 2;
  if (!rule.region.wildcard && (!rule.region.names.empty() || rule.region.index)) s.region = 1;
  if (!rule.proc.wildcard && !rule.proc.names.empty()) s.kind = 1;
  return s;
}

std::optional<ProcKind> kind_selector(const Selector& tasks) {
  if (tasks.wildcard || tasks.names.size() != 1) return std::nullopt;
  return parse_proc_kind(tasks.names.front().name);
}

void check_program(const Program& program, const CheckOptions& options, Diagnostics& diags) {
  check::Context cx{program, options, {}, {}, {}, {}};
  check::check_declarations(cx);
  check::check_expressions(cx);
  check::check_rules(cx);
  check::report_unused_functions(cx);
  check::check_dead_rules(cx);
  if (options.app) check::check_against_app(cx, *options.app);
  if (options.machine) check::check_against_machine(cx, *options.machine);
  // Report in source order, as a compiler does.
  std::stable_sort(cx.found.begin(), cx.found.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.span.begin.offset < b.span.begin.offset;
  });
  for (auto& d : cx.found) diags.add(std::move(d));
}

}  // namespace mage::lang
