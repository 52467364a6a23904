// Command templates and command output: quoting, value extraction, and picking the line that explains a
// failure. Applications print anything (colour codes, progress bars, binary junk), so nothing here assumes
// well-formed text and every regex runs on a bounded line.
#include "search/command_output.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace mage::search {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// Splits at `\n` and `\r`, dropping the separators.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || text[i] == '\r') {
      lines.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Case-insensitive search; with `word`, the match must not touch letters, digits or `_` on either side.
bool contains(std::string_view line, std::string_view needle, bool ignore_case = false, bool word = false) {
  if (needle.empty() || needle.size() > line.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= line.size(); ++i) {
    bool same = true;
    for (std::size_t k = 0; k < needle.size() && same; ++k)
      same = ignore_case ? lower(line[i + k]) == lower(needle[k]) : line[i + k] == needle[k];
    if (!same) continue;
    if (word && ((i > 0 && is_word_char(line[i - 1])) ||
                 (i + needle.size() < line.size() && is_word_char(line[i + needle.size()]))))
      continue;
    return true;
  }
  return false;
}

std::string_view basename(std::string_view path) {
  auto slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 9 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "FILE:LINE:COL: error: ..." (or "fatal error"), as compilers and `mage check` print it.
struct ParsedDiagnostic {
  std::string_view file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};
std::optional<ParsedDiagnostic> parse_diagnostic(std::string_view line) {
  std::size_t at = line.find(": error: ");
  if (at == std::string_view::npos) at = line.find(": fatal error: ");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view head = line.substr(0, at);
  auto c2 = head.rfind(':');
  if (c2 == std::string_view::npos) return std::nullopt;
  auto c1 = head.rfind(':', c2 == 0 ? 0 : c2 - 1);
  if (c1 == std::string_view::npos || c1 == 0) return std::nullopt;
  std::string_view line_no = head.substr(c1 + 1, c2 - c1 - 1), col_no = head.substr(c2 + 1);
  if (!all_digits(line_no) || !all_digits(col_no)) return std::nullopt;
  ParsedDiagnostic d;
  d.file = trim(head.substr(0, c1));
  // A log prefix such as "[0 - 7f00] " may precede the file name: keep the last word.
  if (auto space = d.file.find_last_of(" \t"); space != std::string_view::npos) d.file = d.file.substr(space + 1);
  if (d.file.empty()) return std::nullopt;
  d.line = static_cast<std::uint32_t>(std::stoul(std::string(line_no)));
  d.column = static_cast<std::uint32_t>(std::stoul(std::string(col_no)));
  return d;
}

bool runtime_error(std::string_view line) {
  struct Marker {
    const char* text;
    bool word;
  };
  static constexpr std::array kMarkers = {
      Marker{"LEGION ERROR", false}, Marker{"REALM ERROR", false}, Marker{"[error ", false},
      Marker{"Assertion", true},     Marker{"assertion failed", false}, Marker{"CUDA error", false},
      Marker{"cudaError", false},    Marker{"MPI_ABORT", false},        Marker{"std::bad_alloc", false},
      Marker{"OOM", true}};
  for (const auto& m : kMarkers)
    if (contains(line, m.text, false, m.word)) return true;
  return contains(line, "out of memory", true) || contains(line, "failed to allocate", true);
}

bool crash(std::string_view line) {
  static constexpr std::array kCrash = {"Segmentation fault", "terminate called", "Aborted", "core dumped",
                                        "Bus error", "Illegal instruction", "Floating point exception",
                                        "SIGSEGV", "SIGABRT", "SIGBUS", "Killed"};
  for (const char* k : kCrash)
    if (contains(line, k, false, true)) return true;
  return false;
}

// Bytes of the valid UTF-8 sequence at `s[i]`, or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
  if (n == 2 && b < 0xC2) return 0;  // overlong
  if (n == 3) {
    auto b1 = static_cast<unsigned char>(s[i + 1]);
    if ((b == 0xE0 && b1 < 0xA0) || (b == 0xED && b1 >= 0xA0)) return 0;  // overlong, surrogate
  }
  if (n == 4) {
    auto b1 = static_cast<unsigned char>(s[i + 1]);
    if ((b == 0xF0 && b1 < 0x90) || b > 0xF4 || (b == 0xF4 && b1 >= 0x90)) return 0;
  }
  return n;
}

// At most `max` bytes of printable text, cut on a character boundary, with "..." when cut.
std::string shorten(std::string_view line, std::size_t max) {
  std::string text = printable(trim(line));
  if (text.size() <= max) return text;
  std::size_t cut = max - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) >> 6) == 0x2) --cut;
  return text.substr(0, cut) + "...";
}

}  // namespace

std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  out += '\'';
  return out;
}

std::string substitute(const std::string& command_template, const std::string& mapper_path, std::uint64_t seed) {
  static constexpr std::string_view kMapper = "{mapper}", kSeed = "{seed}";
  const std::string quoted = shell_quote(mapper_path), seed_text = std::to_string(seed);
  std::string out;
  std::string_view rest = command_template;
  while (!rest.empty()) {
    if (rest.starts_with(kMapper)) {
      out += quoted;
      rest.remove_prefix(kMapper.size());
    } else if (rest.starts_with(kSeed)) {
      out += seed_text;
      rest.remove_prefix(kSeed.size());
    } else {
      out += rest.front();
      rest.remove_prefix(1);
    }
  }
  return out;
}

std::optional<double> parse_number(std::string_view text) {
  text = trim(text);
  if (text.starts_with('+')) text.remove_prefix(1);
  if (text.empty() || text.front() == '+' || text.front() == ' ') return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, std::chars_format::general);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<double> extract_value(std::string_view output, const std::regex& pattern) {
  auto lines = split_lines(output);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    std::string line(it->size() > kMaxMatchedLine ? it->substr(it->size() - kMaxMatchedLine) : *it);
    std::optional<double> last;
    try {
      for (std::sregex_iterator m(line.begin(), line.end(), pattern), end; m != end; ++m) {
        std::string text = (*m).size() > 1 ? (*m)[1].str() : (*m)[0].str();
        if (auto v = parse_number(text)) last = v;
      }
    } catch (const std::regex_error&) {
      // The engine gave up on this line (too complex): it holds no value we can trust.
      continue;
    }
    if (last) return last;
  }
  return std::nullopt;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == '\x1b') {  // ANSI escape: ESC [ params letter, or ESC and one character
      std::size_t j = i + 1;
      if (j < text.size() && text[j] == '[') {
        ++j;
        while (j < text.size() && !std::isalpha(static_cast<unsigned char>(text[j]))) ++j;
      }
      i = std::min(text.size(), j + 1);
      continue;
    }
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      ++i;
      continue;
    }
    auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      out += (c == '\n' || c == '\t' || (b >= 0x20 && b != 0x7F)) ? c : ' ';
      ++i;
      continue;
    }
    if (std::size_t n = utf8_length(text, i)) {
      out.append(text.substr(i, n));
      i += n;
    } else {
      out += '?';
      ++i;
    }
  }
  return out;
}

std::optional<ErrorLine> find_error_line(std::string_view output, const std::string& mapper_path) {
  std::string_view mapper_name = basename(mapper_path);
  std::optional<ErrorLine> best;
  std::string_view last_nonblank;
  for (std::string_view raw : split_lines(output)) {
    std::string_view line = trim(raw);
    if (line.empty()) continue;
    last_nonblank = line;
    if (line.size() > 4 * kMaxMatchedLine) continue;  // a dump, not a message
    ErrorLine found;
    if (auto d = parse_diagnostic(line)) {
      bool ours = !mapper_name.empty() && basename(d->file) == mapper_name;
      found.kind = ours ? ErrorLine::Kind::MapperDiagnostic : ErrorLine::Kind::Diagnostic;
      found.line = d->line;
      found.column = d->column;
    } else if (runtime_error(line)) {
      found.kind = ErrorLine::Kind::RuntimeError;
    } else if (crash(line)) {
      found.kind = ErrorLine::Kind::Crash;
    } else if (contains(line, "error", true, true) || contains(line, "fatal", true, true)) {
      found.kind = ErrorLine::Kind::Error;
    } else {
      continue;
    }
    // Kinds are declared best first; the first line of the best kind wins.
    if (!best || found.kind < best->kind) {
      found.text = shorten(line, kMaxQuotedLine);
      best = std::move(found);
    }
  }
  if (!best && !last_nonblank.empty()) {
    best = ErrorLine{};
    best->text = shorten(last_nonblank, kMaxQuotedLine);
  }
  return best;
}

std::string last_lines(std::string_view output, std::size_t max_lines, std::size_t max_bytes) {
  std::vector<std::string_view> kept;
  auto lines = split_lines(output);
  for (auto it = lines.rbegin(); it != lines.rend() && kept.size() < max_lines; ++it)
    if (!trim(*it).empty()) kept.push_back(*it);
  std::string out;
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
    if (!out.empty()) out += '\n';
    out += *it;
  }
  out = printable(out);
  if (out.size() > max_bytes) {
    std::size_t cut = out.size() - max_bytes + 3;
    while (cut < out.size() && (static_cast<unsigned char>(out[cut]) >> 6) == 0x2) ++cut;
    out = "..." + out.substr(cut);
  }
  return out;
}

}  // namespace mage::search
