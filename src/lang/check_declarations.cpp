// Checker pass: function and global declarations.
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

}  // namespace

void check_declarations(Context& cx) { DeclarationPass(cx).run(); }

}  // namespace mage::lang::check
