// Diagnostics: what every layer reports to people and programs.
//
// A diagnostic carries a stable code, a severity, a source span, a message saying what was found and
// what was expected, and a one-sentence hint on what to do. One renderer shows it like a compiler
// does (file:line:col, the line, a caret); the JSON form is the same data.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lang/source.hpp"

namespace mage::lang {

enum class Severity { Error, Warning, Note };

// The error classes of dsl.md §5; `Usage` covers bad command-line or description input.
enum class Category { Syntax, Static, Evaluation, Mapping, Usage };

const char* to_string(Severity s);
const char* to_string(Category c);

struct Diagnostic {
  Severity severity = Severity::Error;
  Category category = Category::Syntax;
  std::string code;  // stable identifier, e.g. "syntax.unexpected-token"
  Span span;         // begin.line == 0 when the diagnostic has no position
  std::string message;
  std::string hint;
  std::vector<std::string> notes;  // context, e.g. "while mapping point (3, 1) of task `stencil`"
  std::string file;  // set when the diagnostic is about another file than the program (a TOML input)
};

// An error diagnostic, for layers that return or throw one instead of collecting.
Diagnostic make_error(Category c, std::string code, Span span, std::string message, std::string hint);

class Diagnostics {
 public:
  // Beyond this many errors the rest are counted but not kept: one run reports plenty to act on.
  static constexpr std::size_t kMaxKept = 200;

  void add(Diagnostic d);
  void error(Category c, std::string code, Span span, std::string message, std::string hint);
  void warning(Category c, std::string code, Span span, std::string message, std::string hint);

  const std::vector<Diagnostic>& all() const { return items_; }
  std::size_t error_count() const { return errors_; }
  std::size_t warning_count() const { return warnings_; }
  bool has_errors() const { return errors_ > 0; }
  std::size_t dropped() const { return dropped_; }
  void append(const Diagnostics& other);

 private:
  std::vector<Diagnostic> items_;
  std::size_t errors_ = 0;
  std::size_t warnings_ = 0;
  std::size_t dropped_ = 0;
};

// "file:line:col: error: message", the source line with a caret under the span, then the hint.
std::string render_text(const Diagnostic& d, const SourceFile* source, bool color = false);
std::string render_text(const Diagnostics& ds, const SourceFile* source, bool color = false);
nlohmann::json to_json(const Diagnostic& d, const SourceFile* source);
nlohmann::json to_json(const Diagnostics& ds, const SourceFile* source);

}  // namespace mage::lang
