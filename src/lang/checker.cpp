#include "lang/checker.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lang/builtins.hpp"

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

namespace {

constexpr const char* kProcKindList = "CPU, GPU, OMP, IO, PY, PROC";
constexpr const char* kMemKindList = "SYSMEM, FBMEM, ZCMEM, RDMEM, SOCKMEM, VIRTUAL";

// ---- small helpers ------------------------------------------------------------------------------

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

// "; did you mean `x`?" when a candidate is close, else nothing: appended to messages.
std::string suggest(std::string_view name, const std::vector<std::string>& candidates) {
  auto close = did_you_mean(name, candidates);
  return close ? fmt::format("; did you mean `{}`?", *close) : "";
}

// "1 argument", "3 arguments".
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
// The statements ordered by precedence (dsl.md §2); the others simply accumulate.
bool takes_precedence(StmtKind k) {
  return is_rule_statement(k) && k != StmtKind::CollectMemory && k != StmtKind::ControlReplicate;
}
bool is_kind_name(const std::string& name) { return is_proc_kind_name(name) || is_mem_kind_name(name); }

bool selects_task(const Selector& sel, const std::string& task) {
  if (sel.wildcard) return true;
  return std::any_of(sel.names.begin(), sel.names.end(), [&](const Ident& n) { return n.name == task; });
}

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

// ---- pass 1: declarations -----------------------------------------------------------------------

// Functions and globals: duplicates, parameters, returns, and variables that clash with functions.
class DeclarationPass {
 public:
  explicit DeclarationPass(Context& cx) : cx_(cx) {}

  void run() {
    for (const Stmt& s : cx_.program.statements) {
      if (s.kind == StmtKind::Def) define_function(s);
      if (s.kind == StmtKind::Assign) define_global(s);
    }
    // Functions may be defined after the variable that clashes with them, so this is a second loop.
    for (const Stmt& s : cx_.program.statements) {
      if (s.kind == StmtKind::Assign) check_not_function(s.name, "global");
      if (s.kind != StmtKind::Def) continue;
      for (const Stmt& b : s.body)
        if (b.kind == StmtKind::Assign) check_not_function(b.name, "local");
    }
  }

 private:
  void define_function(const Stmt& def) {
    auto [first, fresh] = cx_.functions.emplace(def.name.name, &def);
    if (!fresh)
      cx_.error("static.duplicate-function", def.name.span,
                fmt::format("function `{}` is already defined at line {}", def.name.name,
                            first->second->name.span.begin.line),
                "rename one of the two functions, or remove the duplicate");
    check_params(def);
    check_returns(def);
  }

  void check_params(const Stmt& def) {
    static const std::vector<std::string> kTypes = {"int", "bool", "IPoint", "ISpace", "MSpace", "Task"};
    std::set<std::string> seen;
    for (const Param& p : def.params) {
      if (!is_type_name(p.type.name))
        cx_.error("static.unknown-type", p.type.span,
                  fmt::format("unknown parameter type `{}`{}", p.type.name, suggest(p.type.name, kTypes)),
                  "parameter types are int, bool, IPoint, ISpace, MSpace and Task");
      if (!seen.insert(p.name.name).second)
        cx_.error("static.duplicate-parameter", p.name.span,
                  fmt::format("function `{}` has two parameters named `{}`", def.name.name, p.name.name),
                  "give each parameter its own name");
    }
  }

  void check_returns(const Stmt& def) {
    auto ret = std::find_if(def.body.begin(), def.body.end(),
                            [](const Stmt& s) { return s.kind == StmtKind::Return; });
    if (ret == def.body.end()) {
      cx_.error("static.missing-return", def.name.span,
                fmt::format("function `{}` never returns a value", def.name.name),
                "end the body with `return EXPR;`");
    } else if (ret + 1 != def.body.end()) {
      cx_.warning("static.unreachable", statement_span(*(ret + 1)),
                  "unreachable: this statement comes after `return` and never runs",
                  "remove it, or move it before the `return`");
    }
  }

  void define_global(const Stmt& s) {
    auto [first, fresh] = cx_.globals.emplace(s.name.name, &s);
    if (!fresh)
      cx_.warning("static.global-reassigned", s.name.span,
                  fmt::format("global `{}` is assigned again: this value replaces the one from line {}",
                              s.name.name, first->second->name.span.begin.line),
                  "remove the earlier assignment, or give the two values different names");
  }

  void check_not_function(const Ident& name, const char* what) {
    auto f = cx_.functions.find(name.name);
    if (f == cx_.functions.end()) return;
    cx_.error("static.shadows-function", name.span,
              fmt::format("{} `{}` has the same name as the function defined at line {}", what, name.name,
                          f->second->name.span.begin.line),
              "rename the variable or the function");
  }

  Context& cx_;
};

// ---- pass 2: expressions ------------------------------------------------------------------------

// What a name in an expression refers to.
enum class Meaning { Variable, Function, Kind, Machine, Undefined };

// The names an expression can see. Functions run after every global is set, so their bodies see all
// globals; a top-level statement sees only the globals assigned above it.
struct Scope {
  std::vector<std::string> bound;                // comprehension variables, innermost last
  std::set<std::string> variables;               // parameters and locals so far, or globals so far
  const std::set<std::string>* later = nullptr;  // every local the body assigns
  const std::string* function = nullptr;         // the enclosing function, if any
};

// Names resolve; calls have a callable callee and the right arity; attributes exist; prints match.
class ExpressionPass {
 public:
  explicit ExpressionPass(Context& cx) : cx_(cx) {}

  void run() {
    Scope top;
    for (const Stmt& s : cx_.program.statements) {
      if (s.kind == StmtKind::Assign) {
        expr(*s.value, top);
        top.variables.insert(s.name.name);
      } else if (s.kind == StmtKind::Print) {
        print(s, top);
      } else if (s.kind == StmtKind::Def) {
        function(s);
      }
    }
  }

 private:
  void function(const Stmt& def) {
    std::set<std::string> assigned;
    for (const Stmt& b : def.body)
      if (b.kind == StmtKind::Assign) assigned.insert(b.name.name);
    Scope scope;
    scope.later = &assigned;
    scope.function = &def.name.name;
    for (const Param& p : def.params) scope.variables.insert(p.name.name);
    for (const Stmt& b : def.body) {
      if (b.kind == StmtKind::Print) {
        print(b, scope);
      } else {
        expr(*b.value, scope);
        if (b.kind == StmtKind::Assign) scope.variables.insert(b.name.name);
      }
    }
  }

  void print(const Stmt& p, Scope& scope) {
    for (const auto& a : p.args) expr(*a, scope);
    std::size_t holes = 0;
    for (std::size_t at = p.format.find("{}"); at != std::string::npos; at = p.format.find("{}", at + 2))
      ++holes;
    if (holes != p.args.size())
      cx_.error("static.print-arguments", p.format_span,
                fmt::format("the format has {} `{{}}`, but {} {} given", holes,
                            count_of(p.args.size(), "value"), was_were(p.args.size())),
                "give exactly one value per `{}` in the format");
  }

  void expr(const Expr& e, Scope& scope) {
    switch (e.kind) {
      case ExprKind::Name:
        if (resolve(e.text, scope) == Meaning::Undefined) undefined(e, scope);
        break;
      case ExprKind::Call: call(e, scope); break;
      case ExprKind::Attribute: attribute(e, scope); break;
      case ExprKind::String:
        cx_.error("static.misplaced-string", e.span, "a string can only be the format of `print`",
              "remove the string; values in the language are integers, booleans, tuples, kinds and spaces");
        break;
      case ExprKind::Comprehension:
        // The loop variable is visible in the element expression only, not in the iterated tuple.
        expr(*e.children[1], scope);
        scope.bound.push_back(e.text);
        expr(*e.children[0], scope);
        scope.bound.pop_back();
        break;
      default:
        for (const auto& c : e.children)
          if (c) expr(*c, scope);
    }
  }

  Meaning resolve(const std::string& name, const Scope& scope) {
    if (std::find(scope.bound.begin(), scope.bound.end(), name) != scope.bound.end())
      return Meaning::Variable;
    if (scope.variables.count(name)) return Meaning::Variable;
    if (cx_.functions.count(name)) {
      if (!scope.function || *scope.function != name) cx_.used_functions.insert(name);
      return Meaning::Function;
    }
    if (scope.function && cx_.globals.count(name)) return Meaning::Variable;
    if (is_kind_name(name)) return Meaning::Kind;
    if (name == kMachineBuiltin) return Meaning::Machine;
    return Meaning::Undefined;
  }

  void undefined(const Expr& e, const Scope& scope) {
    auto global = cx_.globals.find(e.text);
    if (scope.later && scope.later->count(e.text)) {
      cx_.error("static.used-before-assignment", e.span,
                fmt::format("`{}` is used before it is assigned", e.text),
                fmt::format("assign `{}` earlier in the function body", e.text));
    } else if (!scope.function && global != cx_.globals.end()) {
      cx_.error("static.used-before-assignment", e.span,
                fmt::format("`{}` is used before it is assigned: the global is assigned at line {}", e.text,
                            global->second->name.span.begin.line),
                "move the assignment above this statement; top-level statements run in order");
    } else {
      cx_.error("static.undefined-name", e.span,
                fmt::format("`{}` is not defined{}", e.text, suggest(e.text, visible_names(scope))),
                scope.function ? "assign it before this use, pass it as a parameter, or define it as a global"
                               : "define it above this statement with `NAME = EXPR;`");
    }
  }

  std::vector<std::string> visible_names(const Scope& scope) const {
    std::vector<std::string> names(scope.bound.rbegin(), scope.bound.rend());
    names.insert(names.end(), scope.variables.begin(), scope.variables.end());
    if (scope.function)
      for (const auto& g : cx_.globals) names.push_back(g.first);
    for (const auto& f : cx_.functions) names.push_back(f.first);
    for (auto k : {proc_kind_names(), mem_kind_names()}) names.insert(names.end(), k.begin(), k.end());
    names.emplace_back(kMachineBuiltin);
    return names;
  }

  void call(const Expr& e, Scope& scope) {
    const Expr& callee = *e.children[0];
    std::size_t argc = e.children.size() - 1;
    if (callee.kind == ExprKind::Attribute) {
      method_call(e, scope);
    } else if (Meaning m = resolve(callee.text, scope); m == Meaning::Machine) {
      return machine_call(e);
    } else if (m == Meaning::Function) {
      const Stmt& def = *cx_.functions.at(callee.text);
      if (argc != def.params.size())
        cx_.error("static.wrong-argument-count", e.span,
                  fmt::format("function `{}` takes {}, but {} {} given", callee.text,
                              count_of(def.params.size(), "argument"), argc, was_were(argc)),
                  fmt::format("the definition at line {} is `def {}({})`", def.name.span.begin.line,
                              callee.text, params_text(def)));
    } else if (m == Meaning::Undefined) {
      undefined(callee, scope);
    } else {
      not_a_function(callee, m);
    }
    for (std::size_t i = 1; i < e.children.size(); ++i) expr(*e.children[i], scope);
  }

  void not_a_function(const Expr& callee, Meaning m) {
    bool kind = m == Meaning::Kind;
    cx_.error("static.not-a-function", callee.span,
              fmt::format("`{}` is not a function: it is {}", callee.text, kind ? "a kind" : "a variable"),
              kind && is_proc_kind_name(callee.text)
                  ? fmt::format("for the machine space of a kind write `Machine({})`", callee.text)
                  : "call a function defined with `def`, or remove the `(...)`");
  }

  // `Machine(KIND)`: the argument is a processor kind written literally.
  void machine_call(const Expr& e) {
    std::size_t argc = e.children.size() - 1;
    if (argc != 1) {
      cx_.error(
          "static.wrong-argument-count", e.span,
          fmt::format("`Machine` takes 1 argument, a processor kind, but {} {} given", argc, was_were(argc)),
          "write e.g. `Machine(GPU)`");
      return;
    }
    const Expr& arg = *e.children[1];
    if (arg.kind == ExprKind::Name && is_proc_kind_name(arg.text)) return;
    std::string found = arg.kind != ExprKind::Name ? std::string("an expression")
                        : is_mem_kind_name(arg.text)
                            ? fmt::format("the memory kind `{}`", arg.text)
                            : fmt::format("`{}`{}", arg.text, suggest(arg.text, proc_kind_names()));
    cx_.error("static.bad-machine-argument", arg.span,
              fmt::format("`Machine` takes a processor kind, found {}", found),
              fmt::format("write one of {} inside `Machine(...)`", kProcKindList));
  }

  void method_call(const Expr& e, Scope& scope) {
    const Expr& callee = *e.children[0];
    expr(*callee.children[0], scope);
    const BuiltinInfo* b = known_attribute(callee);
    if (!b) return;
    std::size_t argc = e.children.size() - 1;
    if (!b->is_method) {
      const Expr& base = *callee.children[0];
      std::string written =
          base.kind == ExprKind::Name ? base.text + "." + callee.text : std::string(b->signature);
      cx_.error("static.not-a-method", callee.name_span,
                fmt::format("`{}` is a property, not a method: write `{}`", callee.text, written),
                "remove the `(...)` after the property");
    } else if (argc != static_cast<std::size_t>(b->arity)) {
      cx_.error("static.wrong-argument-count", e.span,
                fmt::format("`{}` takes {}, but {} {} given", callee.text,
                            count_of(static_cast<std::size_t>(b->arity), "argument"), argc, was_were(argc)),
                fmt::format("call it as `{}`", b->signature));
    }
  }

  void attribute(const Expr& e, Scope& scope) {
    expr(*e.children[0], scope);
    const BuiltinInfo* b = known_attribute(e);
    if (b && b->is_method)
      cx_.error("static.method-not-called", e.name_span,
                fmt::format("`{}` is a method, not a property: it must be called", e.text),
                fmt::format("call it as `{}`", b->signature));
  }

  const BuiltinInfo* known_attribute(const Expr& attr) {
    const BuiltinInfo* b = find_builtin(attr.text);
    if (!b)
      cx_.error(
          "static.unknown-attribute", attr.name_span,
          fmt::format("`{}` is not a property or method{}", attr.text, suggest(attr.text, builtin_names())),
          "properties are size, volume, len, ipoint, ispace and parent; methods are split, merge, swap, "
          "slice, reverse, balance_split, auto_split, greedy_split, decompose and processor");
    return b;
  }

  Context& cx_;
};

// ---- pass 3: rule statements --------------------------------------------------------------------

// Kinds, layout constraints, instance limits, task selectors and mapping functions.
class RulePass {
 public:
  explicit RulePass(Context& cx) : cx_(cx) {}

  void run() {
    for (const Stmt& s : cx_.program.statements) {
      if (!is_rule_statement(s.kind)) continue;
      task_selector(s);
      switch (s.kind) {
        case StmtKind::Task:
          for (const Ident& k : s.kinds) proc_kind(k, "`Task` lists processor kinds");
          break;
        case StmtKind::Region:
          if (!s.proc.wildcard)
            proc_kind(s.proc.names.front(), "the third selector of `Region` must be a processor kind or `*`");
          for (const Ident& k : s.kinds) mem_kind(k);
          break;
        case StmtKind::Layout:
          layout_kind(s.proc);
          constraints(s);
          break;
        case StmtKind::InstanceLimit:
          if (s.number < 1)
            cx_.error("static.bad-instance-limit", s.number_span,
                      fmt::format("`InstanceLimit` must be at least 1, found {}", s.number),
                      "write the number of instances allowed at once, e.g. `InstanceLimit TASK 1;`");
          break;
        case StmtKind::IndexTaskMap:
        case StmtKind::SingleTaskMap: mapping_function(s); break;
        default: break;
      }
    }
  }

 private:
  void task_selector(const Stmt& s) {
    const auto& names = s.tasks.names;
    auto kinds =
        std::count_if(names.begin(), names.end(), [](const Ident& n) { return is_proc_kind_name(n.name); });
    if (is_task_map(s.kind) && kinds > 0 && names.size() > 1) {
      bool only_kinds = static_cast<std::size_t>(kinds) == names.size();
      cx_.error(
          "static.mixed-task-selector", s.tasks.span,
          only_kinds ? "a processor-kind task selector names exactly one kind"
                     : "this task selector mixes processor kinds with task names",
          fmt::format("select either task names or one processor kind: write one `{}` statement for each",
                      statement_keyword(s.kind)));
      return;
    }
    for (const Ident& n : names) {
      bool mem = is_mem_kind_name(n.name);
      if (!mem && !(is_proc_kind_name(n.name) && !is_task_map(s.kind))) continue;
      cx_.error(
          "static.kind-in-task-selector", n.span,
          fmt::format("`{}` is a {} kind, not a task name", n.name, mem ? "memory" : "processor"),
          mem ? "write a task name or `*` here"
              : "only `IndexTaskMap` and `SingleTaskMap` select tasks by processor kind; write a task name "
                "or `*` here");
    }
  }

  void proc_kind(const Ident& k, const char* context) {
    if (is_proc_kind_name(k.name)) return;
    std::string found =
        is_mem_kind_name(k.name)
            ? fmt::format("`{}` is a memory kind, but {}", k.name, context)
            : fmt::format("`{}` is not a processor kind{}", k.name, suggest(k.name, proc_kind_names()));
    cx_.error("static.unknown-proc-kind", k.span, found,
              fmt::format("processor kinds are {}", kProcKindList));
  }

  void mem_kind(const Ident& k) {
    if (is_mem_kind_name(k.name)) return;
    std::string found =
        is_proc_kind_name(k.name)
            ? fmt::format("`{}` is a processor kind, but `Region` lists memory kinds here", k.name)
            : fmt::format("`{}` is not a memory kind{}", k.name, suggest(k.name, mem_kind_names()));
    cx_.error("static.unknown-mem-kind", k.span, found, fmt::format("memory kinds are {}", kMemKindList));
  }

  void layout_kind(const Selector& sel) {
    if (sel.wildcard || is_kind_name(sel.names.front().name)) return;
    const Ident& k = sel.names.front();
    std::vector<std::string> kinds = proc_kind_names();
    for (auto& m : mem_kind_names()) kinds.push_back(std::move(m));
    cx_.error(
        "static.unknown-kind", k.span,
        fmt::format("`{}` is neither a processor kind nor a memory kind{}", k.name, suggest(k.name, kinds)),
        fmt::format("the third selector of `Layout` is a processor kind ({}), a memory kind ({}) or `*`",
                    kProcKindList, kMemKindList));
  }

  static bool holds(Tok op, std::int64_t a, std::int64_t b) {
    switch (op) {
      case Tok::EqEq: return a == b;
      case Tok::NotEq: return a != b;
      case Tok::Less: return a < b;
      case Tok::Greater: return a > b;
      case Tok::LessEq: return a <= b;
      default: return a >= b;
    }
  }

  static std::string text(const LayoutConstraint& c) {
    if (c.word != LayoutWord::Align) return to_string(c.word);
    return fmt::format("Align {} {}", spelling(c.op), c.value);
  }

  static bool opposite(LayoutWord a, LayoutWord b) {
    auto pair = [&](LayoutWord x, LayoutWord y) { return (a == x && b == y) || (a == y && b == x); };
    return pair(LayoutWord::SOA, LayoutWord::AOS) || pair(LayoutWord::C_order, LayoutWord::F_order);
  }

  // Alignments are powers of two, so a set of `Align` constraints is a mask over 2^0 .. 2^62.
  static std::uint64_t alignments_allowed(const LayoutConstraint& c) {
    std::uint64_t mask = 0;
    for (int k = 0; k < 63; ++k) {
      if (holds(c.op, std::int64_t{1} << k, c.value)) mask |= std::uint64_t{1} << k;
    }
    return mask;
  }

  void constraints(const Stmt& s) {
    std::uint64_t feasible = ~std::uint64_t{0};
    std::vector<std::string> aligns;
    for (std::size_t i = 0; i < s.constraints.size(); ++i) {
      const LayoutConstraint& c = s.constraints[i];
      auto earlier = s.constraints.begin() + static_cast<std::ptrdiff_t>(i);
      if (std::any_of(s.constraints.begin(), earlier,
                      [&](const LayoutConstraint& e) { return text(e) == text(c); })) {
        cx_.warning("static.duplicate-constraint", c.span,
                    fmt::format("`{}` is repeated in this statement", text(c)),
                    "remove the repeated constraint");
        continue;
      }
      auto clash = std::find_if(s.constraints.begin(), earlier,
                                [&](const LayoutConstraint& e) { return opposite(e.word, c.word); });
      if (clash != earlier)
        cx_.error("static.layout-conflict", c.span,
                  fmt::format("`{}` contradicts `{}` earlier in this statement", text(c), text(*clash)),
                  fmt::format("keep only one of `{}` and `{}`", text(*clash), text(c)));
      if (c.word == LayoutWord::Align) align(c, feasible, aligns);
    }
  }

  void align(const LayoutConstraint& c, std::uint64_t& feasible, std::vector<std::string>& earlier) {
    if (c.value <= 0 || (c.value & (c.value - 1)) != 0) {
      cx_.error("static.bad-alignment", c.span,
                fmt::format("an alignment must be a positive power of two (bytes), found {}", c.value),
                "use a power of two such as 16, 64 or 128");
      return;
    }
    bool was_feasible = feasible != 0;
    feasible &= alignments_allowed(c);
    if (was_feasible && feasible == 0)
      cx_.error("static.layout-conflict", c.span,
                earlier.empty()
                    ? fmt::format("no power-of-two alignment satisfies `{}`", text(c))
                    : fmt::format("`{}` cannot hold together with `{}`: no alignment satisfies them all",
                                  text(c), fmt::join(earlier, "`, `")),
                "keep only alignment constraints that some power of two satisfies");
    earlier.push_back(text(c));
  }

  void mapping_function(const Stmt& s) {
    const char* kw = statement_keyword(s.kind);
    const std::string& name = s.func.name;
    auto f = cx_.functions.find(name);
    if (f == cx_.functions.end()) {
      if (cx_.globals.count(name))
        cx_.error("static.not-a-function", s.func.span,
                  fmt::format("`{}` is a global value, not a function; `{}` needs a function", name, kw),
                  "define a function with `def NAME(Task task) { ... }` and name it here");
      else
        cx_.error("static.undefined-function", s.func.span,
                  fmt::format("function `{}` is not defined{}", name, suggest(name, cx_.function_names())),
                  fmt::format("define it with `def {}(Task task) {{ ... }}`", name));
      return;
    }
    cx_.used_functions.insert(name);
    const Stmt& def = *f->second;
    if (def.params.size() == 1 && def.params.front().type.name == "Task") return;
    cx_.error(
        "static.mapping-function-signature", s.func.span,
        fmt::format("`{}` takes ({}), but a function used by {} must take one `Task`: def {}(Task task)",
                    name, params_text(def), kw, name),
        fmt::format("change the definition at line {} to take one `Task`, or map with another function",
                    def.name.span.begin.line));
  }

  Context& cx_;
};

// ---- pass 4: dead rules -------------------------------------------------------------------------

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
    if (s.kind == StmtKind::Region || s.kind == StmtKind::Layout) r.dims[2] = dim(s.proc);
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

// ---- pass 5: the application and the machine ----------------------------------------------------

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

void report_unused_functions(Context& cx) {
  for (const auto& [name, def] : cx.functions)
    if (!cx.used_functions.count(name))
      cx.warning("static.unused-function", def->name.span, fmt::format("function `{}` is never used", name),
                 fmt::format("map tasks with it (`IndexTaskMap TASK {};`), call it, or remove it", name));
}

}  // namespace

void check_program(const Program& program, const CheckOptions& options, Diagnostics& diags) {
  Context cx{program, options, {}, {}, {}, {}};
  DeclarationPass(cx).run();
  ExpressionPass(cx).run();
  RulePass(cx).run();
  report_unused_functions(cx);
  DeadRulePass(cx).run();
  if (options.app) AppPass(cx, *options.app).run();
  if (options.machine) MachinePass(cx, *options.machine).run();
  // Report in source order, as a compiler does.
  std::stable_sort(cx.found.begin(), cx.found.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.span.begin.offset < b.span.begin.offset;
  });
  for (auto& d : cx.found) diags.add(std::move(d));
}

}  // namespace mage::lang
