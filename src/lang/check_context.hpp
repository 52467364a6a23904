// What the checker's passes share: the context they report into and small helpers. Internal to the
// checker (checker.cpp runs the passes; each check_*.cpp holds one).
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lang/checker.hpp"

namespace mage::lang::check {

inline constexpr const char* kProcKindList = "CPU, GPU, OMP, IO, PY, PROC";
inline constexpr const char* kMemKindList = "SYSMEM, FBMEM, ZCMEM, RDMEM, SOCKMEM, VIRTUAL";

Span through(Span first, Span last);
Span span_of(const std::vector<Ident>& ids);
Span statement_span(const Stmt& s);
std::vector<std::string> proc_kind_names();
std::vector<std::string> mem_kind_names();
std::vector<std::string> builtin_names();
// "; did you mean `x`?" when a candidate is close, else nothing: appended to messages.
std::string suggest(std::string_view name, const std::vector<std::string>& candidates);
// "1 argument", "3 arguments".
std::string count_of(std::size_t n, const char* noun);
const char* was_were(std::size_t n);
std::string kinds_text(const std::vector<ProcKind>& kinds);
std::string params_text(const Stmt& def);
bool is_task_map(StmtKind k);
bool has_region_selector(StmtKind k);
// The statements ordered by precedence (dsl.md §2); the others simply accumulate.
bool takes_precedence(StmtKind k);
bool is_kind_name(const std::string& name);
bool selects_task(const Selector& sel, const std::string& task);

// What the passes share: the program, the options, the declarations and the findings.
struct Context {
  const Program& program;
  const CheckOptions& options;
  std::vector<Diagnostic> found;
  std::map<std::string, const Stmt*> functions;  // the first definition of each name
  std::map<std::string, const Stmt*> globals;    // the first top-level assignment of each name
  std::set<std::string> used_functions;

  void report(Severity sev, Category cat, const char* code, Span span, std::string message,
              std::string hint) {
    found.push_back(Diagnostic{sev, cat, code, span, std::move(message), std::move(hint), {}, {}});
  }
  void error(const char* code, Span span, std::string message, std::string hint) {
    report(Severity::Error, Category::Static, code, span, std::move(message), std::move(hint));
  }
  void warning(const char* code, Span span, std::string message, std::string hint) {
    report(Severity::Warning, Category::Static, code, span, std::move(message), std::move(hint));
  }
  std::vector<std::string> function_names() const {
    std::vector<std::string> out;
    for (const auto& f : functions) out.push_back(f.first);
    return out;
  }
};

// The passes, in the order check_program runs them.
void check_declarations(Context& cx);  // functions and globals
void check_expressions(Context& cx);   // names, calls, attributes, prints
void check_rules(Context& cx);         // kinds, layouts, limits, selectors, mapping functions
void report_unused_functions(Context& cx);
void check_dead_rules(Context& cx);    // rules another rule always overrides
void check_against_app(Context& cx, const AppSignature& app);
void check_against_machine(Context& cx, const MachineFacts& machine);

}  // namespace mage::lang::check
