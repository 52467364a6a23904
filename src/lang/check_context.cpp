// Helpers shared by the checker's passes.
#include <algorithm>
#include <array>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lang/builtins.hpp"
#include "lang/check_context.hpp"

namespace mage::lang::check {

Span through(Span first, Span last) {
  return Span{first.begin, last.begin.offset + last.length - first.begin.offset};
}
Span span_of(const std::vector<Ident>& ids) { return through(ids.front().span, ids.back().span); }
Span statement_span(const Stmt& s) { return Span{s.span.begin, s.end_offset - s.span.begin.offset}; }

std::vector<std::string> proc_kind_names() {
  std::vector<std::string> out;
  for (ProcKind k : kAllProcKinds) out.emplace_back(to_string(k));
  return out;
}
std::vector<std::string> mem_kind_names() {
  std::vector<std::string> out;
  for (MemKind k : kAllMemKinds) out.emplace_back(to_string(k));
  return out;
}
std::vector<std::string> builtin_names() {
  std::vector<std::string> out;
  for (const auto& b : builtins()) out.emplace_back(b.name);
  return out;
}

std::string suggest(std::string_view name, const std::vector<std::string>& candidates) {
  auto close = did_you_mean(name, candidates);
  return close ? fmt::format("; did you mean `{}`?", *close) : "";
}

std::string count_of(std::size_t n, const char* noun) {
  return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
}
const char* was_were(std::size_t n) { return n == 1 ? "was" : "were"; }

std::string kinds_text(const std::vector<ProcKind>& kinds) {
  std::vector<std::string_view> names;
  for (ProcKind k : kinds) names.push_back(to_string(k));
  return fmt::format("{}", fmt::join(names, ", "));
}

std::string params_text(const Stmt& def) {
  std::vector<std::string> params;
  for (const Param& p : def.params) params.push_back(p.type.name + " " + p.name.name);
  return fmt::format("{}", fmt::join(params, ", "));
}

bool is_task_map(StmtKind k) { return k == StmtKind::IndexTaskMap || k == StmtKind::SingleTaskMap; }
bool has_region_selector(StmtKind k) {
  return k == StmtKind::Region || k == StmtKind::Layout || k == StmtKind::CollectMemory;
}
bool takes_precedence(StmtKind k) {
  return is_rule_statement(k) && k != StmtKind::CollectMemory && k != StmtKind::ControlReplicate;
}
bool is_kind_name(const std::string& name) { return is_proc_kind_name(name) || is_mem_kind_name(name); }

bool selects_task(const Selector& sel, const std::string& task) {
  if (sel.wildcard) return true;
  return std::any_of(sel.names.begin(), sel.names.end(), [&](const Ident& n) { return n.name == task; });
}

}  // namespace mage::lang::check
