// Checker pass: expressions (names, calls, attributes, prints).
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
      // `f(*t)` gives as many arguments as `t` has items: only a count beyond the parameters is known wrong.
      std::size_t unpacked = static_cast<std::size_t>(std::count_if(
          e.children.begin() + 1, e.children.end(), [](const ExprPtr& a) { return a->kind == ExprKind::Unpack; }));
      argc -= unpacked;
      if (unpacked > 0 ? argc > def.params.size() : argc != def.params.size())
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

  // `*t` among the arguments of a method or `Machine`, which take their arguments one by one.
  void no_unpack(const Expr& e, const std::string& what) {
    for (std::size_t i = 1; i < e.children.size(); ++i)
      if (e.children[i]->kind == ExprKind::Unpack)
        cx_.error("static.misplaced-unpack", e.children[i]->span,
                  fmt::format("`*` unpacking is allowed in the arguments of a function defined with `def`, not of {}",
                              what),
                  "write the arguments one by one, e.g. `m.split(t[0], t[1])`");
  }

  // `Machine(KIND)`: the argument is a processor kind written literally.
  void machine_call(const Expr& e) {
    no_unpack(e, "`Machine`");
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
    no_unpack(e, fmt::format("`.{}`", callee.text));
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
          "slice, reverse, balance_split, auto_split, greedy_split, decompose, processor and has");
    return b;
  }

  Context& cx_;
};

}  // namespace

void check_expressions(Context& cx) { ExpressionPass(cx).run(); }

}  // namespace mage::lang::check
