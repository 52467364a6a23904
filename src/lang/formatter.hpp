// The canonical formatter behind `mage fmt`: one layout for every program, comments kept.
#pragma once

#include <string>
#include <unordered_map>

#include "lang/ast.hpp"
#include "lang/source.hpp"

namespace mage::lang {

// Canonical text of a parsed program (no syntax errors). Comments are kept, in order: own-line comments
// stay on their own line before the statement that follows them; a comment at the end of a line, or one
// inside a multi-line statement, goes to the end of that statement's line. Formatting is idempotent and
// re-parsing the result gives the same syntax tree.
std::string format_program(const Program& program, const SourceFile& source);

// A rewrite of one top-level statement (`mage fmt --upgrade`): `replacement` is its new text (one line;
// empty: the statement is dropped, its trailing comments kept on their own line);
// `definition`, if not empty, is a whole `def` (ending in a newline) placed before the statement and the
// own-line comments directly above it, with a blank line around it.
struct StmtRewrite {
  std::string replacement;
  std::string definition;
};
std::string format_program(const Program& program, const SourceFile& source,
                           const std::unordered_map<const Stmt*, StmtRewrite>& rewrites);

}  // namespace mage::lang
