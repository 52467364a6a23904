#include "lang/lexer.hpp"

#include <cctype>

#include <fmt/format.h>

namespace mage::lang {

const char* spelling(Tok kind) {
  switch (kind) {
    case Tok::Plus: return "+";
    case Tok::Minus: return "-";
    case Tok::Star: return "*";
    case Tok::Slash: return "/";
    case Tok::Percent: return "%";
    case Tok::EqEq: return "==";
    case Tok::NotEq: return "!=";
    case Tok::Less: return "<";
    case Tok::Greater: return ">";
    case Tok::LessEq: return "<=";
    case Tok::GreaterEq: return ">=";
    case Tok::AndAnd: return "&&";
    case Tok::OrOr: return "||";
    case Tok::Bang: return "!";
    default: return "?";
  }
}

std::string describe(Tok kind) {
  switch (kind) {
    case Tok::End: return "end of file";
    case Tok::Identifier: return "a name";
    case Tok::Integer: return "an integer";
    case Tok::String: return "a string";
    case Tok::Plus: return "`+`";
    case Tok::Minus: return "`-`";
    case Tok::Star: return "`*`";
    case Tok::Slash: return "`/`";
    case Tok::Percent: return "`%`";
    case Tok::EqEq: return "`==`";
    case Tok::NotEq: return "`!=`";
    case Tok::Less: return "`<`";
    case Tok::Greater: return "`>`";
    case Tok::LessEq: return "`<=`";
    case Tok::GreaterEq: return "`>=`";
    case Tok::AndAnd: return "`&&`";
    case Tok::OrOr: return "`||`";
    case Tok::Bang: return "`!`";
    case Tok::Question: return "`?`";
    case Tok::Colon: return "`:`";
    case Tok::Assign: return "`=`";
    case Tok::Comma: return "`,`";
    case Tok::Semicolon: return "`;`";
    case Tok::Dot: return "`.`";
    case Tok::LParen: return "`(`";
    case Tok::RParen: return "`)`";
    case Tok::LBracket: return "`[`";
    case Tok::RBracket: return "`]`";
    case Tok::LBrace: return "`{`";
    case Tok::RBrace: return "`}`";
  }
  return "a token";
}

std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::Identifier: return fmt::format("`{}`", t.text);
    case Tok::Integer: return fmt::format("integer `{}`", t.text);
    case Tok::String: return "a string";
    default: return describe(t.kind);
  }
}

namespace {

class Lexer {
 public:
  Lexer(const SourceFile& source, Diagnostics& diags) : src_(source), text_(source.text()), diags_(diags) {}

  LexResult run() {
    LexResult out;
    bool newline = true;
    bool line_has_token = false;
    while (true) {
      // Skip whitespace and comments, remembering whether a line break passed.
      while (pos_ < text_.size()) {
        char c = text_[pos_];
        if (c == '\n') {
          newline = true;
          line_has_token = false;
          ++pos_;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
          ++pos_;
        } else if (c == '#' || (c == '/' && peek(1) == '/')) {
          std::size_t start = pos_;
          while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
          std::size_t end = pos_;
          while (end > start && (text_[end - 1] == '\r' || text_[end - 1] == ' ' || text_[end - 1] == '\t')) --end;
          out.comments.push_back(Comment{span(start, end), std::string(text_.substr(start, end - start)),
                                         !line_has_token});
        } else {
          break;
        }
      }
      if (pos_ >= text_.size()) break;
      Token t = next();
      if (t.kind == Tok::End) continue;  // a skipped stray character
      t.newline_before = newline;
      newline = false;
      line_has_token = true;
      out.tokens.push_back(std::move(t));
    }
    Token end;
    end.kind = Tok::End;
    end.span = span(text_.size(), text_.size());
    end.newline_before = true;
    out.tokens.push_back(end);
    return out;
  }

 private:
  char peek(std::size_t ahead) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }

  Span span(std::size_t begin, std::size_t end) const {
    return Span{src_.location_at(static_cast<std::uint32_t>(begin)), static_cast<std::uint32_t>(end - begin)};
  }

  Token make(Tok kind, std::size_t begin, std::size_t len) {
    pos_ = begin + len;
    Token t;
    t.kind = kind;
    t.span = span(begin, begin + len);
    return t;
  }

  Token next() {
    std::size_t begin = pos_;
    auto c = static_cast<unsigned char>(text_[pos_]);
    if (std::isalpha(c) || c == '_') {
      while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) ++pos_;
      Token t = make(Tok::Identifier, begin, pos_ - begin);
      t.text = std::string(text_.substr(begin, pos_ - begin));
      return t;
    }
    if (std::isdigit(c)) {
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      Token t = make(Tok::Integer, begin, pos_ - begin);
      t.text = std::string(text_.substr(begin, pos_ - begin));
      // A name glued to a number (`3x`) is a typo, not two tokens.
      if (pos_ < text_.size() && (std::isalpha(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
        std::size_t end = pos_;
        while (end < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_')) ++end;
        diags_.error(Category::Syntax, "syntax.bad-number", span(begin, end),
                     fmt::format("`{}` is neither a number nor a name", text_.substr(begin, end - begin)),
                     "names start with a letter or `_`; put an operator or a space between a number and a name");
        pos_ = end;
      }
      return t;
    }
    if (c == '"') {
      ++pos_;
      while (pos_ < text_.size() && text_[pos_] != '"' && text_[pos_] != '\n') {
        if (text_[pos_] == '\\' && pos_ + 1 < text_.size() && text_[pos_ + 1] != '\n') ++pos_;
        ++pos_;
      }
      if (pos_ >= text_.size() || text_[pos_] != '"') {
        diags_.error(Category::Syntax, "syntax.unterminated-string", span(begin, pos_),
                     "unterminated string: a string must end with `\"` on the same line",
                     "add the closing `\"` before the end of the line");
        Token t = make(Tok::String, begin, pos_ - begin);
        t.text = unescape(text_.substr(begin + 1, pos_ - begin - 1));
        return t;
      }
      std::size_t closing = pos_;
      Token t = make(Tok::String, begin, closing - begin + 1);
      t.text = unescape(text_.substr(begin + 1, closing - begin - 1));
      return t;
    }
    char n = peek(1);
    switch (c) {
      case '+': return make(Tok::Plus, begin, 1);
      case '-': return make(Tok::Minus, begin, 1);
      case '*': return make(Tok::Star, begin, 1);
      case '/': return make(Tok::Slash, begin, 1);
      case '%': return make(Tok::Percent, begin, 1);
      case '=': return n == '=' ? make(Tok::EqEq, begin, 2) : make(Tok::Assign, begin, 1);
      case '!': return n == '=' ? make(Tok::NotEq, begin, 2) : make(Tok::Bang, begin, 1);
      case '<': return n == '=' ? make(Tok::LessEq, begin, 2) : make(Tok::Less, begin, 1);
      case '>': return n == '=' ? make(Tok::GreaterEq, begin, 2) : make(Tok::Greater, begin, 1);
      case '&':
        if (n == '&') return make(Tok::AndAnd, begin, 2);
        break;
      case '|':
        if (n == '|') return make(Tok::OrOr, begin, 2);
        break;
      case '?': return make(Tok::Question, begin, 1);
      case ':': return make(Tok::Colon, begin, 1);
      case ',': return make(Tok::Comma, begin, 1);
      case ';': return make(Tok::Semicolon, begin, 1);
      case '.': return make(Tok::Dot, begin, 1);
      case '(': return make(Tok::LParen, begin, 1);
      case ')': return make(Tok::RParen, begin, 1);
      case '[': return make(Tok::LBracket, begin, 1);
      case ']': return make(Tok::RBracket, begin, 1);
      case '{': return make(Tok::LBrace, begin, 1);
      case '}': return make(Tok::RBrace, begin, 1);
      default: break;
    }
    stray(begin);
    return Token{};  // Tok::End: skipped
  }

  void stray(std::size_t begin) {
    // Report a run of bytes that cannot start a token once, not byte by byte (UTF-8, binary data).
    std::size_t end = begin + 1;
    auto starts_token = [&](char ch) {
      auto u = static_cast<unsigned char>(ch);
      return std::isalnum(u) || std::isspace(u) || std::string_view("_\"+-*/%=!<>&|?:,;.()[]{}#").find(ch) != std::string_view::npos;
    };
    while (end < text_.size() && !starts_token(text_[end])) ++end;
    char c = text_[begin];
    std::string shown = std::isprint(static_cast<unsigned char>(c)) ? fmt::format("`{}`", c)
                                                                   : fmt::format("byte 0x{:02x}", static_cast<unsigned char>(c));
    std::string hint = c == '&' ? "use `&&` for logical and"
                       : c == '|' ? "use `||` for logical or"
                                  : "remove it; the language uses only ASCII operators and names";
    diags_.error(Category::Syntax, "syntax.stray-character", span(begin, end),
                 fmt::format("stray character {} in the program", shown), hint);
    pos_ = end;
  }

  static std::string unescape(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) {
        char e = s[++i];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      } else {
        out += s[i];
      }
    }
    return out;
  }

  const SourceFile& src_;
  std::string_view text_;
  Diagnostics& diags_;
  std::size_t pos_ = 0;
};

}  // namespace

LexResult lex(const SourceFile& source, Diagnostics& diags) { return Lexer(source, diags).run(); }

}  // namespace mage::lang
