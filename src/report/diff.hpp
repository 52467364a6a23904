// A line diff of two programs (the longest common subsequence of their lines), for showing what the best
// mapper changed against the default and the expert programs.
#pragma once

#include <string>
#include <vector>

namespace mage::report {

struct DiffLine {
  enum class Kind { Same, Added, Removed } kind = Kind::Same;
  std::string text;
};

// The lines of `before` and `after` in order, each kept, added or removed. Programs past `max_lines` lines
// each are compared by their common prefix and suffix only (the middle shows as removed then added).
std::vector<DiffLine> diff_lines(const std::string& before, const std::string& after, std::size_t max_lines = 2000);

// The diff as HTML: a <pre> with one line per row, + and - marked, the unchanged runs longer than
// 2 * context + 1 lines folded.
std::string render_diff(const std::vector<DiffLine>& lines, std::size_t context = 3);

}  // namespace mage::report
