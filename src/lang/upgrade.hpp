// The historical forms of the language and their rewrite into the current ones (docs/language.md §9.1),
// behind `mage fmt --upgrade` and the hints of the `legacy.*` warnings.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "lang/ast.hpp"
#include "lang/source.hpp"

namespace mage::lang {

// How an IndexTaskMap rule maps a point.
enum class MapForm {
  Current,        // `IndexTaskMap TASKS FUNC;`, `def FUNC(Task task)` returns a processor
  SpaceFunction,  // `IndexTaskMap TASKS SPACE FUNC;`, `def FUNC(IPoint p, ISpace s, MSpace m)` or `(IPoint, ISpace)`
                  // returns coordinates in SPACE
  PointFunction,  // `IndexTaskMap TASKS FUNC;`, `def FUNC(IPoint p, ISpace s)` returns a processor
  Invalid,        // none of these (the checker says why)
};
MapForm map_form(const Stmt& rule, const Stmt& def);

// Whether a function's parameters are exactly these types.
bool has_params(const Stmt& def, std::initializer_list<const char*> types);

// What a function returns, as far as can be told without running it.
enum class ReturnShape { Tuple, Integer, Other, Unknown };
ReturnShape return_shape(const Program& program, const Stmt& def);

// The expression a current-form wrapper returns for a historical rule, e.g.
// `m[*f(task.ipoint, task.ispace, m)]` (`m[f(...)]` when `f` returns an integer).
std::string upgraded_map_call(const Program& program, const Stmt& rule, const Stmt& def);

// Something the upgrade changed that a reader should know.
struct UpgradeNote {
  std::uint32_t line = 0;
  std::string message;
};

struct UpgradeResult {
  std::string text;  // the program in current form, canonically formatted, comments kept
  std::vector<UpgradeNote> notes;
  int rewritten = 0;  // statements in a historical form that were rewritten
};

// Rewrites every historical form of a parsed program (no syntax errors) into the current one:
// `IndexTaskMap TASKS SPACE FUNC;` and point functions get a `def NAME(Task task)` wrapper that calls
// the old function, placed before the rule's first use; `InstanceLimit TASK KIND N;` loses its kind.
UpgradeResult upgrade_program(const Program& program, const SourceFile& source);

}  // namespace mage::lang
