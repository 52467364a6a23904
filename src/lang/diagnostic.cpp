#include "lang/diagnostic.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace mage::lang {

const char* to_string(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "error";
}

const char* to_string(Category c) {
  switch (c) {
    case Category::Syntax: return "syntax";
    case Category::Static: return "static";
    case Category::Evaluation: return "evaluation";
    case Category::Mapping: return "mapping";
    case Category::Usage: return "usage";
  }
  return "syntax";
}

Diagnostic make_error(Category c, std::string code, Span span, std::string message, std::string hint) {
  return Diagnostic{Severity::Error, c, std::move(code), span, std::move(message), std::move(hint), {}, {}};
}

void Diagnostics::add(Diagnostic d) {
  if (d.severity == Severity::Error) ++errors_;
  if (d.severity == Severity::Warning) ++warnings_;
  if (items_.size() >= kMaxKept) {
    ++dropped_;
    return;
  }
  items_.push_back(std::move(d));
}

void Diagnostics::error(Category c, std::string code, Span span, std::string message, std::string hint) {
  add(Diagnostic{Severity::Error, c, std::move(code), span, std::move(message), std::move(hint), {}, {}});
}

void Diagnostics::warning(Category c, std::string code, Span span, std::string message, std::string hint) {
  add(Diagnostic{Severity::Warning, c, std::move(code), span, std::move(message), std::move(hint), {}, {}});
}

void Diagnostics::append(const Diagnostics& other) {
  for (const auto& d : other.items_) add(d);
  dropped_ += other.dropped_;
}

namespace {

const char* severity_color(Severity s) {
  switch (s) {
    case Severity::Error: return "\x1b[1;31m";
    case Severity::Warning: return "\x1b[1;35m";
    case Severity::Note: return "\x1b[1;36m";
  }
  return "";
}

// Tabs in the quoted line are shown as single spaces and other control bytes (NUL, escape, carriage
// return) as `?`, one column each, so the caret lines up and the line cannot end the output early or
// drive the terminal.
std::string printable(std::string_view line) {
  std::string out(line);
  for (char& c : out) {
    if (c == '\t') c = ' ';
    else if (static_cast<unsigned char>(c) < 0x20 || c == '\x7f') c = '?';
  }
  return out;
}

}  // namespace

std::string render_text(const Diagnostic& d, const SourceFile* source, bool color) {
  const char* bold = color ? "\x1b[1m" : "";
  const char* reset = color ? "\x1b[0m" : "";
  const char* sev = color ? severity_color(d.severity) : "";
  std::string out;
  std::string where = !d.file.empty() ? d.file : source ? source->name() : std::string("mage");
  if (d.span.begin.valid()) where += fmt::format(":{}:{}", d.span.begin.line, d.span.begin.column);
  out += fmt::format("{}{}:{} {}{}:{} {}{}\n", bold, where, reset, sev, to_string(d.severity), reset, d.message,
                     color ? reset : "");
  if (source && d.file.empty() && d.span.begin.valid()) {
    std::string_view line = source->line(d.span.begin.line);
    std::string gutter = fmt::format("{:>5} | ", d.span.begin.line);
    out += gutter + printable(line) + "\n";
    std::size_t col = d.span.begin.column - 1;
    std::size_t len = std::max<std::size_t>(1, std::min<std::size_t>(d.span.length, line.size() > col ? line.size() - col : 1));
    out += std::string(gutter.size() - 2, ' ') + "| " + std::string(col, ' ') + sev + "^" +
           std::string(len - 1, '~') + reset + "\n";
  }
  for (const auto& n : d.notes) out += fmt::format("note: {}\n", n);
  if (!d.hint.empty()) out += fmt::format("hint: {}\n", d.hint);
  return out;
}

std::string render_text(const Diagnostics& ds, const SourceFile* source, bool color) {
  std::string out;
  for (const auto& d : ds.all()) out += render_text(d, source, color);
  if (ds.dropped() > 0) out += fmt::format("note: {} more diagnostics not shown\n", ds.dropped());
  return out;
}

nlohmann::json to_json(const Diagnostic& d, const SourceFile* source) {
  nlohmann::json j = {{"severity", to_string(d.severity)},
                      {"category", to_string(d.category)},
                      {"code", d.code},
                      {"message", d.message},
                      {"hint", d.hint}};
  j["file"] = !d.file.empty() ? d.file : source ? source->name() : std::string();
  if (d.span.begin.valid()) {
    j["line"] = d.span.begin.line;
    j["column"] = d.span.begin.column;
    j["length"] = d.span.length;
    if (source && d.file.empty()) j["source_line"] = std::string(source->line(d.span.begin.line));
  } else {
    j["line"] = nullptr;
    j["column"] = nullptr;
  }
  if (!d.notes.empty()) j["notes"] = d.notes;
  return j;
}

nlohmann::json to_json(const Diagnostics& ds, const SourceFile* source) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& d : ds.all()) list.push_back(to_json(d, source));
  return {{"errors", ds.error_count()},
          {"warnings", ds.warning_count()},
          {"dropped", ds.dropped()},
          {"diagnostics", std::move(list)}};
}

}  // namespace mage::lang
