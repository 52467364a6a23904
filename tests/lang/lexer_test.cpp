#include "lang/lexer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lang/diagnostic.hpp"

namespace mage::lang {
namespace {

struct Lexed {
  LexResult result;
  Diagnostics diags;
};

Lexed lex_text(const std::string& text) {
  SourceFile source("lex.mpl", text);
  Lexed out;
  out.result = lex(source, out.diags);
  return out;
}

std::vector<Tok> kinds_of(const LexResult& r) {
  std::vector<Tok> kinds;
  for (const Token& t : r.tokens) kinds.push_back(t.kind);
  return kinds;
}

std::vector<std::string> texts_of(const LexResult& r) {
  std::vector<std::string> texts;
  for (const Token& t : r.tokens)
    if (t.kind != Tok::End) texts.push_back(t.text);
  return texts;
}

TEST(Lexer, EmptyInputIsJustEnd) {
  Lexed l = lex_text("");
  ASSERT_EQ(l.result.tokens.size(), 1u);
  EXPECT_EQ(l.result.tokens[0].kind, Tok::End);
  EXPECT_TRUE(l.result.tokens[0].newline_before);
  EXPECT_FALSE(l.diags.has_errors());
}

TEST(Lexer, TaskStatementTokens) {
  Lexed l = lex_text("Task * GPU,CPU;");
  EXPECT_EQ(kinds_of(l.result), (std::vector<Tok>{Tok::Identifier, Tok::Star, Tok::Identifier, Tok::Comma,
                                                  Tok::Identifier, Tok::Semicolon, Tok::End}));
  EXPECT_EQ(texts_of(l.result), (std::vector<std::string>{"Task", "", "GPU", "", "CPU", ""}));
  EXPECT_FALSE(l.diags.has_errors());
}

TEST(Lexer, IdentifiersIntegersAndStrings) {
  Lexed l = lex_text("m_2d _x9 042 \"gx={}, gy={}\"");
  ASSERT_EQ(l.result.tokens.size(), 5u);
  EXPECT_EQ(l.result.tokens[0].kind, Tok::Identifier);
  EXPECT_EQ(l.result.tokens[0].text, "m_2d");
  EXPECT_EQ(l.result.tokens[1].kind, Tok::Identifier);
  EXPECT_EQ(l.result.tokens[1].text, "_x9");
  EXPECT_EQ(l.result.tokens[2].kind, Tok::Integer);
  EXPECT_EQ(l.result.tokens[2].text, "042");
  EXPECT_EQ(l.result.tokens[3].kind, Tok::String);
  EXPECT_EQ(l.result.tokens[3].text, "gx={}, gy={}");  // without the quotes
  EXPECT_EQ(l.result.tokens[3].span.length, 14u);       // with the quotes
  EXPECT_FALSE(l.diags.has_errors());
}

TEST(Lexer, StringEscapes) {
  Lexed l = lex_text(R"("a\"b\n\t\\")");
  ASSERT_EQ(l.result.tokens[0].kind, Tok::String);
  EXPECT_EQ(l.result.tokens[0].text, "a\"b\n\t\\");
  EXPECT_FALSE(l.diags.has_errors());
}

TEST(Lexer, EveryOperator) {
  Lexed l = lex_text("+ - * / % == != < > <= >= && || ! ? : = , ; . ( ) [ ] { }");
  EXPECT_EQ(kinds_of(l.result),
            (std::vector<Tok>{Tok::Plus,   Tok::Minus,    Tok::Star,     Tok::Slash,    Tok::Percent,
                              Tok::EqEq,   Tok::NotEq,    Tok::Less,     Tok::Greater,  Tok::LessEq,
                              Tok::GreaterEq, Tok::AndAnd, Tok::OrOr,    Tok::Bang,     Tok::Question,
                              Tok::Colon,  Tok::Assign,   Tok::Comma,    Tok::Semicolon, Tok::Dot,
                              Tok::LParen, Tok::RParen,   Tok::LBracket, Tok::RBracket, Tok::LBrace,
                              Tok::RBrace, Tok::End}));
  EXPECT_FALSE(l.diags.has_errors());
}

TEST(Lexer, TwoCharOperatorsNeedNoSpaces) {
  Lexed l = lex_text("a<=b>=c==d!=e&&f||!g");
  EXPECT_EQ(kinds_of(l.result),
            (std::vector<Tok>{Tok::Identifier, Tok::LessEq, Tok::Identifier, Tok::GreaterEq, Tok::Identifier,
                              Tok::EqEq, Tok::Identifier, Tok::NotEq, Tok::Identifier, Tok::AndAnd,
                              Tok::Identifier, Tok::OrOr, Tok::Bang, Tok::Identifier, Tok::End}));
  EXPECT_EQ(l.result.tokens[1].span.length, 2u);
  EXPECT_EQ(l.result.tokens[1].span.begin.column, 2u);
}

TEST(Lexer, AssignVersusEquality) {
  Lexed l = lex_text("x = = ==");
  EXPECT_EQ(kinds_of(l.result),
            (std::vector<Tok>{Tok::Identifier, Tok::Assign, Tok::Assign, Tok::EqEq, Tok::End}));
}

TEST(Lexer, AlignComparisonWithoutSpaces) {
  Lexed l = lex_text("Align==128");
  EXPECT_EQ(kinds_of(l.result), (std::vector<Tok>{Tok::Identifier, Tok::EqEq, Tok::Integer, Tok::End}));
  EXPECT_EQ(l.result.tokens[2].text, "128");
}

TEST(Lexer, SlashIsDivisionButDoubleSlashIsAComment) {
  Lexed l = lex_text("a / b // c / d\ne/f");
  EXPECT_EQ(kinds_of(l.result), (std::vector<Tok>{Tok::Identifier, Tok::Slash, Tok::Identifier,
                                                  Tok::Identifier, Tok::Slash, Tok::Identifier, Tok::End}));
  ASSERT_EQ(l.result.comments.size(), 1u);
  EXPECT_EQ(l.result.comments[0].text, "// c / d");
}

TEST(Lexer, CommentsAreCollectedWithOwnLineFlags) {
  Lexed l = lex_text("# header\nTask * GPU;  # trailing\n   // indented\nx = 1; // slashes  \n");
  ASSERT_EQ(l.result.comments.size(), 4u);
  const auto& c = l.result.comments;
  EXPECT_EQ(c[0].text, "# header");
  EXPECT_TRUE(c[0].own_line);
  EXPECT_EQ(c[0].span.begin.line, 1u);
  EXPECT_EQ(c[0].span.begin.column, 1u);
  EXPECT_EQ(c[1].text, "# trailing");
  EXPECT_FALSE(c[1].own_line);
  EXPECT_EQ(c[1].span.begin.line, 2u);
  EXPECT_EQ(c[1].span.begin.column, 14u);
  EXPECT_EQ(c[2].text, "// indented");
  EXPECT_TRUE(c[2].own_line);
  EXPECT_EQ(c[2].span.begin.column, 4u);
  EXPECT_EQ(c[3].text, "// slashes");  // trailing blanks trimmed
  EXPECT_FALSE(c[3].own_line);
  EXPECT_EQ(c[3].span.length, 10u);
  // Comments are not tokens.
  EXPECT_EQ(l.result.tokens.size(), 9u);
}

TEST(Lexer, CommentAtEndOfFileWithoutNewline) {
  Lexed l = lex_text("x = 1; # last");
  ASSERT_EQ(l.result.comments.size(), 1u);
  EXPECT_EQ(l.result.comments[0].text, "# last");
  EXPECT_EQ(l.result.tokens.back().kind, Tok::End);
}

TEST(Lexer, HashInsideAStringIsNotAComment) {
  Lexed l = lex_text("print(\"# {}\", x);");
  EXPECT_TRUE(l.result.comments.empty());
  EXPECT_EQ(l.result.tokens[2].kind, Tok::String);
  EXPECT_EQ(l.result.tokens[2].text, "# {}");
}

TEST(Lexer, NewlineBeforeFlags) {
  Lexed l = lex_text("a b\n  c # note\n\n d\n");
  ASSERT_EQ(l.result.tokens.size(), 5u);
  EXPECT_TRUE(l.result.tokens[0].newline_before);  // the first token starts a line
  EXPECT_FALSE(l.result.tokens[1].newline_before);
  EXPECT_TRUE(l.result.tokens[2].newline_before);
  EXPECT_TRUE(l.result.tokens[3].newline_before);  // a comment line in between
  EXPECT_TRUE(l.result.tokens[4].newline_before);  // End
}

TEST(Lexer, TokenLocations) {
  Lexed l = lex_text("Task * GPU;\n  m = Machine(GPU);");
  const auto& t = l.result.tokens;
  EXPECT_EQ(t[2].span.begin.line, 1u);
  EXPECT_EQ(t[2].span.begin.column, 8u);
  EXPECT_EQ(t[2].span.begin.offset, 7u);
  EXPECT_EQ(t[2].span.length, 3u);
  EXPECT_EQ(t[4].text, "m");
  EXPECT_EQ(t[4].span.begin.line, 2u);
  EXPECT_EQ(t[4].span.begin.column, 3u);
  EXPECT_EQ(t[4].span.begin.offset, 14u);
}

TEST(Lexer, CrlfLineEndings) {
  Lexed l = lex_text("a\r\nb # c\r\n  d\r\n");
  ASSERT_EQ(l.result.tokens.size(), 4u);
  EXPECT_EQ(l.result.tokens[1].span.begin.line, 2u);
  EXPECT_EQ(l.result.tokens[1].span.begin.column, 1u);
  EXPECT_EQ(l.result.tokens[2].span.begin.line, 3u);
  EXPECT_EQ(l.result.tokens[2].span.begin.column, 3u);
  EXPECT_TRUE(l.result.tokens[2].newline_before);
  ASSERT_EQ(l.result.comments.size(), 1u);
  EXPECT_EQ(l.result.comments[0].text, "# c");  // no `\r`
  EXPECT_FALSE(l.diags.has_errors());
}

TEST(Lexer, NumberGluedToANameIsOneError) {
  Lexed l = lex_text("x = 3x;");
  ASSERT_EQ(l.diags.all().size(), 1u);
  const Diagnostic& d = l.diags.all()[0];
  EXPECT_EQ(d.code, "syntax.bad-number");
  EXPECT_EQ(d.span.begin.column, 5u);
  EXPECT_EQ(d.span.length, 2u);
  EXPECT_NE(d.message.find("`3x`"), std::string::npos);
  EXPECT_FALSE(d.hint.empty());
  // The integer is kept and the name skipped, so the parser sees `x = 3;`.
  EXPECT_EQ(kinds_of(l.result),
            (std::vector<Tok>{Tok::Identifier, Tok::Assign, Tok::Integer, Tok::Semicolon, Tok::End}));
}

TEST(Lexer, UnterminatedStringStopsAtEndOfLine) {
  Lexed l = lex_text("print(\"abc);\nx = 1;");
  ASSERT_EQ(l.diags.all().size(), 1u);
  const Diagnostic& d = l.diags.all()[0];
  EXPECT_EQ(d.code, "syntax.unterminated-string");
  EXPECT_EQ(d.span.begin.line, 1u);
  EXPECT_EQ(d.span.begin.column, 7u);
  EXPECT_FALSE(d.hint.empty());
  EXPECT_EQ(l.result.tokens[2].kind, Tok::String);
  EXPECT_EQ(l.result.tokens[2].text, "abc);");
  EXPECT_EQ(l.result.tokens[3].text, "x");  // the next line lexes normally
  EXPECT_EQ(l.result.tokens[3].span.begin.line, 2u);
}

TEST(Lexer, StrayCharacterIsReportedAndSkipped) {
  Lexed l = lex_text("a @ b");
  ASSERT_EQ(l.diags.all().size(), 1u);
  EXPECT_EQ(l.diags.all()[0].code, "syntax.stray-character");
  EXPECT_EQ(l.diags.all()[0].span.begin.column, 3u);
  EXPECT_NE(l.diags.all()[0].message.find("`@`"), std::string::npos);
  EXPECT_EQ(kinds_of(l.result), (std::vector<Tok>{Tok::Identifier, Tok::Identifier, Tok::End}));
}

TEST(Lexer, SingleAmpersandAndBarSuggestTheDoubledOperator) {
  Lexed amp = lex_text("a & b");
  ASSERT_EQ(amp.diags.all().size(), 1u);
  EXPECT_NE(amp.diags.all()[0].hint.find("&&"), std::string::npos);
  Lexed bar = lex_text("a | b");
  ASSERT_EQ(bar.diags.all().size(), 1u);
  EXPECT_NE(bar.diags.all()[0].hint.find("||"), std::string::npos);
}

TEST(Lexer, RunOfNonAsciiBytesIsOneError) {
  Lexed l = lex_text("x = \xc3\xa9\xc3\xa9 + 1;");  // "éé"
  ASSERT_EQ(l.diags.all().size(), 1u);
  const Diagnostic& d = l.diags.all()[0];
  EXPECT_EQ(d.code, "syntax.stray-character");
  EXPECT_EQ(d.span.begin.column, 5u);
  EXPECT_EQ(d.span.length, 4u);
  EXPECT_NE(d.message.find("0xc3"), std::string::npos);
}

TEST(Lexer, NulBytesAreStrayCharacters) {
  Lexed l = lex_text(std::string("a\0\0b", 4));
  ASSERT_EQ(l.diags.all().size(), 1u);
  EXPECT_EQ(l.diags.all()[0].code, "syntax.stray-character");
  EXPECT_NE(l.diags.all()[0].message.find("0x00"), std::string::npos);
  EXPECT_EQ(texts_of(l.result), (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace mage::lang
