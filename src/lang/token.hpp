// Tokens of the mapping language (dsl.md §1).
#pragma once

#include <string>
#include <string_view>

#include "lang/source.hpp"

namespace mage::lang {

enum class Tok {
  End,
  Identifier,  // also reserved words and kinds: the parser decides by context
  Integer,
  String,
  Plus, Minus, Star, Slash, Percent,
  EqEq, NotEq, Less, Greater, LessEq, GreaterEq,
  AndAnd, OrOr, Bang, Question, Colon,
  Assign, Comma, Semicolon, Dot,
  LParen, RParen, LBracket, RBracket, LBrace, RBrace,
};

struct Token {
  Tok kind = Tok::End;
  Span span;
  std::string text;  // identifier name, integer digits, or string contents (without quotes)
  bool newline_before = false;  // true if a line break separates it from the previous token
};

// How an operator is written: "+", "==", "&&"; "?" for tokens that are not operators.
const char* spelling(Tok kind);
// How a token kind is named in messages: "`;`", "an identifier", "end of file".
std::string describe(Tok kind);
// How a concrete token is named in messages: "`Region`", "`;`", "integer `12`", "end of file".
std::string describe(const Token& t);

// A comment as it appeared in the source; the formatter keeps them.
struct Comment {
  Span span;
  std::string text;     // including the leading `#` or `//`
  bool own_line = false;  // nothing but whitespace before it on its line
};

}  // namespace mage::lang
