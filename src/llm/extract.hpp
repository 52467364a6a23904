// Finding the mapper program in a model's answer. Models wrap code in Markdown fences with or without a
// language, add prose before and after, forget the closing fence when cut off, use CRLF line ends, or
// label the block `python`; extraction tolerates all of that and never fails: no program is an outcome.
#pragma once

#include <string>
#include <string_view>

#include "lang/diagnostic.hpp"

namespace mage::llm {

struct Extracted {
  bool found = false;
  std::string program;    // the code block's text, LF line ends, ending in one newline
  std::string rationale;  // the answer's text outside that block (and outside <think> sections), trimmed
  std::string language;   // the fence's info word ("mpl", "python", "" for none)
};

// The last ```mpl block; else the last fenced block whose text looks like a mapper (any or no language);
// else the last block with no language; else nothing found, and the rationale is the whole answer.
Extracted extract_program(std::string_view answer);

// Whether text looks like a mapper program: a rule statement at a line start, `Machine(`, or a function
// taking a `Task`.
bool looks_like_mapper(std::string_view text);

// The diagnostic for an answer without a program (`llm.no-program`), which becomes the iteration's feedback.
lang::Diagnostic no_program_diagnostic();

}  // namespace mage::llm
