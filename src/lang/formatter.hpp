// The canonical formatter behind `mage fmt`: one layout for every program, comments kept.
#pragma once

#include <string>

#include "lang/ast.hpp"
#include "lang/source.hpp"

namespace mage::lang {

// Canonical text of a parsed program (no syntax errors). Comments are kept, in order: own-line comments
// stay on their own line before the statement that follows them; a comment at the end of a line, or one
// inside a multi-line statement, goes to the end of that statement's line. Formatting is idempotent and
// re-parsing the result gives the same syntax tree.
std::string format_program(const Program& program, const SourceFile& source);

}  // namespace mage::lang
