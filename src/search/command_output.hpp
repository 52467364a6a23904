// The text side of running an application as a command: building the shell command line from a template,
// reading the measured number back out of its output, and finding the line of the output that best says
// why a run failed. Pure, so each piece is tested without starting a process.
#pragma once

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace mage::search {

// `text` as one word of a POSIX shell: in single quotes, each `'` written as `'\''`.
std::string shell_quote(std::string_view text);

// The template with every `{mapper}` replaced by the shell-quoted mapper path and every `{seed}` by the
// seed in decimal. Other braces are left alone, so `${HOME}` or `awk '{print $2}'` pass through.
std::string substitute(const std::string& command_template, const std::string& mapper_path,
                       std::uint64_t seed = 0);

// The number in the first capture group of the LAST match of `pattern` in `output` whose group holds a
// finite number (`1.5`, `2e-3`, `+4.0E+01`). The output is matched line by line (lines end at `\n` or
// `\r`, so progress bars count as lines), each line cut to its last kMaxMatchedLine bytes, which keeps the
// regex engine's recursion bounded whatever the application prints.
inline constexpr std::size_t kMaxMatchedLine = 1024;
std::optional<double> extract_value(std::string_view output, const std::regex& pattern);

// Parses a whole string as a finite number; leading/trailing blanks and one leading `+` are allowed.
std::optional<double> parse_number(std::string_view text);

// The median: the middle value, or the mean of the two middle ones for an even count; 0 when empty.
double median(std::vector<double> values);

// A line of output that explains a failure, and how sure we are that it does.
struct ErrorLine {
  enum class Kind {
    MapperDiagnostic,  // "FILE:LINE:COL: error: ..." about the mapper file
    Diagnostic,        // the same form about another file
    RuntimeError,      // "LEGION ERROR", "[error 576]", "out of memory", an assertion
    Crash,             // "Segmentation fault", "terminate called", "Aborted", "core dumped"
    Error,             // any other line with the word "error"
    LastLine,          // nothing better: the last non-blank line
  };
  Kind kind = Kind::LastLine;
  std::string text;  // the line, blanks trimmed, at most kMaxQuotedLine bytes
  std::uint32_t line = 0;    // for a diagnostic: its position in the file it names
  std::uint32_t column = 0;
};
inline constexpr std::size_t kMaxQuotedLine = 300;

// The most relevant line of `output`: the first of the best kind above (the first error is usually the
// cause, later ones its consequences); a mapper diagnostic is one naming a file whose last path component
// equals that of `mapper_path`. Nothing when the output has no non-blank line.
std::optional<ErrorLine> find_error_line(std::string_view output, const std::string& mapper_path);

// `text` safe to show and to store as JSON: ANSI colour codes removed, invalid UTF-8 bytes shown as `?`,
// control characters other than newline and tab as spaces, `\r\n` as a newline.
std::string printable(std::string_view text);

// The last `max_lines` non-blank lines of `output`, at most `max_bytes` in all (cut at the front).
std::string last_lines(std::string_view output, std::size_t max_lines, std::size_t max_bytes);

}  // namespace mage::search
