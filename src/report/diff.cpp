#include "report/diff.hpp"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "report/html.hpp"

namespace mage::report {

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

}  // namespace

std::vector<DiffLine> diff_lines(const std::string& before, const std::string& after, std::size_t max_lines) {
  const auto a = split_lines(before), b = split_lines(after);
  std::size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  std::size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head && a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) ++tail;
  std::vector<DiffLine> out;
  for (std::size_t i = 0; i < head; ++i) out.push_back({DiffLine::Kind::Same, a[i]});
  const std::size_t n = a.size() - head - tail, m = b.size() - head - tail;
  if (n <= max_lines && m <= max_lines) {
    // lcs[i][j]: the longest common subsequence of a[head+i..] and b[head+j..].
    std::vector<std::vector<std::uint32_t>> lcs(n + 1, std::vector<std::uint32_t>(m + 1, 0));
    for (std::size_t i = n; i-- > 0;)
      for (std::size_t j = m; j-- > 0;)
        lcs[i][j] = a[head + i] == b[head + j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    std::size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[head + i] == b[head + j]) {
        out.push_back({DiffLine::Kind::Same, a[head + i]});
        ++i, ++j;
      } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
        out.push_back({DiffLine::Kind::Added, b[head + j++]});
      } else {
        out.push_back({DiffLine::Kind::Removed, a[head + i++]});
      }
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) out.push_back({DiffLine::Kind::Removed, a[head + i]});
    for (std::size_t j = 0; j < m; ++j) out.push_back({DiffLine::Kind::Added, b[head + j]});
  }
  for (std::size_t i = a.size() - tail; i < a.size(); ++i) out.push_back({DiffLine::Kind::Same, a[i]});
  return out;
}

std::string render_diff(const std::vector<DiffLine>& lines, std::size_t context) {
  std::size_t added = 0, removed = 0;
  for (const auto& l : lines) added += l.kind == DiffLine::Kind::Added, removed += l.kind == DiffLine::Kind::Removed;
  std::string s = fmt::format("<div class=\"diffstat\"><span class=\"add\">+{}</span> <span class=\"del\">−{}</span></div>",
                              added, removed);
  s += "<pre class=\"diff\">";
  std::size_t k = 0;
  while (k < lines.size()) {
    if (lines[k].kind != DiffLine::Kind::Same) {
      const bool add = lines[k].kind == DiffLine::Kind::Added;
      s += fmt::format("<span class=\"{}\">{} {}</span>\n", add ? "add" : "del", add ? '+' : '-', escape(lines[k].text));
      ++k;
      continue;
    }
    std::size_t end = k;
    while (end < lines.size() && lines[end].kind == DiffLine::Kind::Same) ++end;
    const std::size_t keep_before = k == 0 ? 0 : context, keep_after = end == lines.size() ? 0 : context;
    if (end - k > keep_before + keep_after + 1) {
      for (std::size_t i = k; i < k + keep_before; ++i) s += "  " + escape(lines[i].text) + "\n";
      s += fmt::format("<span class=\"fold\">⋯ {} unchanged line{}</span>\n", end - k - keep_before - keep_after,
                       end - k - keep_before - keep_after == 1 ? "" : "s");
      for (std::size_t i = end - keep_after; i < end; ++i) s += "  " + escape(lines[i].text) + "\n";
    } else {
      for (std::size_t i = k; i < end; ++i) s += "  " + escape(lines[i].text) + "\n";
    }
    k = end;
  }
  return s + "</pre>\n";
}

}  // namespace mage::report
