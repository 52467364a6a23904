// The parser: tokens -> Program. Reports every syntax error, recovering at `;` and `}`.
#pragma once

#include "lang/ast.hpp"
#include "lang/diagnostic.hpp"

namespace mage::lang {

// Bounds that turn hostile input into an error instead of a crash.
inline constexpr std::size_t kMaxSourceBytes = 8u << 20;  // 8 MiB
inline constexpr int kMaxNesting = 200;                 // expression and block nesting

Program parse(const SourceFile& source, Diagnostics& diags);

}  // namespace mage::lang
