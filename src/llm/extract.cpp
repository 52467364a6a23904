// Fence scanning by lines: an opening fence is a line that starts (after indentation) with three or more
// backticks or tildes; it closes at a line of the same character, at least as long, and nothing else. An
// unclosed block runs to the end of the answer (a reply cut off mid-program still yields its prefix).
#include "llm/extract.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <regex>
#include <vector>

#include "llm/provider.hpp"

namespace mage::llm {

namespace {

struct Line {
  std::size_t begin = 0, end = 0;  // in the normalized text, end excludes the '\n'
};

struct Block {
  std::string language;
  std::size_t first_line = 0;  // of the opening fence
  std::size_t last_line = 0;   // of the closing fence, or the last line when unclosed
  std::string text;
};

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// CRLF and lone CR to LF; <think>...</think> sections (reasoning models) removed.
std::string normalize(std::string_view answer) {
  std::string s;
  s.reserve(answer.size());
  for (std::size_t i = 0; i < answer.size(); ++i) {
    if (answer[i] == '\r') {
      s.push_back('\n');
      if (i + 1 < answer.size() && answer[i + 1] == '\n') ++i;
    } else {
      s.push_back(answer[i]);
    }
  }
  for (auto open = s.find("<think>"); open != std::string::npos; open = s.find("<think>", open)) {
    auto close = s.find("</think>", open);
    if (close == std::string::npos) break;  // an unclosed section may hold the answer: keep it
    s.erase(open, close + 8 - open);
  }
  return s;
}

// The fence a line is: its character, length and indentation; none for other lines.
struct Fence {
  char ch = '`';
  std::size_t length = 0;
  std::size_t indent = 0;
  std::string info;
};

std::optional<Fence> fence_of(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && i < 8 && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (i >= line.size() || (line[i] != '`' && line[i] != '~')) return std::nullopt;
  Fence f;
  f.ch = line[i];
  f.indent = i;
  while (i < line.size() && line[i] == f.ch) ++i, ++f.length;
  if (f.length < 3) return std::nullopt;
  f.info = trim(line.substr(i));
  return f;
}

// The first word of an info string, lower case, without braces or dots ("{.mpl}" -> "mpl").
std::string info_language(std::string_view info) {
  std::string word;
  for (char c : info) {
    if (c == ' ' || c == '\t') {
      if (!word.empty()) break;
      continue;
    }
    if (c == '{' || c == '}' || c == '.') continue;
    word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return word;
}

}  // namespace

bool looks_like_mapper(std::string_view text) {
  static const std::regex rule(
      R"((^|\n)[ \t]*(Task|Region|Layout|InstanceLimit|CollectMemory|IndexTaskMap|SingleTaskMap|)"
      R"(ControlReplicate)[ \t]+\S)");
  static const std::regex function(R"(def[ \t]+\w+[ \t]*\([ \t]*Task[ \t]+\w+)");
  std::string s(text);
  return std::regex_search(s, rule) || s.find("Machine(") != std::string::npos || std::regex_search(s, function);
}

Extracted extract_program(std::string_view answer) {
  std::string text = normalize(answer);
  std::vector<Line> lines;
  for (std::size_t pos = 0; pos <= text.size();) {
    auto nl = text.find('\n', pos);
    std::size_t end = nl == std::string::npos ? text.size() : nl;
    lines.push_back({pos, end});
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  auto line_text = [&](std::size_t i) {
    return std::string_view(text).substr(lines[i].begin, lines[i].end - lines[i].begin);
  };

  std::vector<Block> blocks;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto open = fence_of(line_text(i));
    if (!open) continue;
    Block b;
    b.language = info_language(open->info);
    b.first_line = i;
    b.last_line = lines.size() - 1;
    std::size_t j = i + 1;
    for (; j < lines.size(); ++j) {
      auto close = fence_of(line_text(j));
      if (close && close->ch == open->ch && close->length >= open->length && close->info.empty()) {
        b.last_line = j;
        break;
      }
      // Drop the fence's own indentation (a block inside a list item).
      std::string_view l = line_text(j);
      std::size_t strip = 0;
      while (strip < open->indent && strip < l.size() && (l[strip] == ' ' || l[strip] == '\t')) ++strip;
      b.text.append(l.substr(strip));
      b.text.push_back('\n');
    }
    blocks.push_back(std::move(b));
    i = j;  // continue after the closing fence (or the end)
  }

  const Block* chosen = nullptr;
  for (const auto& b : blocks)
    if (b.language == "mpl") chosen = &b;
  if (!chosen)
    for (const auto& b : blocks)
      if (looks_like_mapper(b.text)) chosen = &b;
  if (!chosen)
    for (const auto& b : blocks)
      if (b.language.empty()) chosen = &b;

  Extracted out;
  if (!chosen) {
    out.rationale = trim(text);
    return out;
  }
  out.found = true;
  out.language = chosen->language;
  // Trailing blank lines collapse to one final newline; leading blank lines go.
  std::string program = chosen->text;
  while (!program.empty() && (program.back() == '\n' || program.back() == ' ' || program.back() == '\t'))
    program.pop_back();
  auto first = program.find_first_not_of('\n');
  program = first == std::string::npos ? std::string() : program.substr(first);
  out.program = program.empty() ? program : program + "\n";
  std::string before = text.substr(0, lines[chosen->first_line].begin);
  std::string after = chosen->last_line + 1 < lines.size() ? text.substr(lines[chosen->last_line + 1].begin) : "";
  before = trim(before);
  after = trim(after);
  out.rationale = before.empty() ? after : after.empty() ? before : before + "\n\n" + after;
  return out;
}

lang::Diagnostic no_program_diagnostic() {
  return llm_error("llm.no-program", "the answer holds no mapper program in a code block",
                   "answer with one complete program in a ```mpl code block, after a short rationale");
}

}  // namespace mage::llm
