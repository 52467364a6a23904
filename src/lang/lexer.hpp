// The lexer: text -> tokens and comments. Lexical errors are reported and skipped, so the parser
// still sees the rest of the file.
#pragma once

#include <vector>

#include "lang/diagnostic.hpp"
#include "lang/token.hpp"

namespace mage::lang {

struct LexResult {
  std::vector<Token> tokens;  // always ends with Tok::End
  std::vector<Comment> comments;
};

LexResult lex(const SourceFile& source, Diagnostics& diags);

}  // namespace mage::lang
