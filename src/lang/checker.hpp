// The static checker (dsl.md §5 "Static"): everything that can be known without evaluating — unknown
// names and kinds, arities, contradictory layouts, mapping-function signatures, dead rules — and, when
// an application or a machine is given, names and kinds they lack.
#pragma once

#include "lang/app_signature.hpp"
#include "lang/ast.hpp"
#include "lang/diagnostic.hpp"

namespace mage::lang {

struct CheckOptions {
  const AppSignature* app = nullptr;       // optional
  const MachineFacts* machine = nullptr;   // optional
};

// Appends errors and warnings to `diags`. Run only on a program that parsed without errors.
void check_program(const Program& program, const CheckOptions& options, Diagnostics& diags);

// How specific a rule's selectors are (dsl.md §2): a named task beats `*`, then a named or indexed region
// beats `*`, then a named kind beats `*`. Compared lexicographically; the policy uses the same order.
struct Specificity {
  int task = 0;
  int region = 0;
  int kind = 0;
  friend auto operator<=>(const Specificity&, const Specificity&) = default;
};
Specificity specificity(const Stmt& rule);

// For IndexTaskMap / SingleTaskMap: a task selector that names exactly one processor kind means
// "every task that runs on that kind".
std::optional<ProcKind> kind_selector(const Selector& tasks);

}  // namespace mage::lang
