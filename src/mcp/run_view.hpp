// A read-only view of a tuning run's directory (src/search/run_dir.hpp describes the layout), for the MCP
// tools that report on a run while `mage tune` may still be writing it. RunDir::open is not used here: it
// repairs the files it opens (cutting a torn last line, creating a missing log), and a line being appended
// at that moment by the tuner is exactly such a "torn" line. This view never writes, and skips what it
// cannot read.
//
// What is read: run.json (any JSON, shown as the settings), evaluations.jsonl (one JSON object per line;
// other lines are counted as unreadable), best.mpl and summary.json. The fields read from an evaluation
// record, all optional: "index" (integer), "ok" (boolean), "score" or else "throughput" (number, higher
// is better), "unit" (string), "error"."message" (why it failed), and for the program "program" (text),
// "candidate" (a file name relative to the run directory) or else candidates/NNNNN.mpl by index.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace mage::mcp {

struct RunView {
  std::string path;
  nlohmann::json settings;                  // run.json; null when absent or not JSON
  std::vector<nlohmann::json> evaluations;  // the complete records, in file order
  std::size_t unreadable_lines = 0;         // lines that are no JSON object (a line being written included)
  std::optional<nlohmann::json> summary;    // summary.json, when present and JSON
  std::optional<std::string> best_program;  // best.mpl, when present
};

// The run at `path`; nullopt with `error` (a sentence naming the path) when it is no run directory: not
// a directory, or holding neither run.json nor evaluations.jsonl.
std::optional<RunView> read_run(const std::string& path, std::string& error);

// A record's score: "score", else "throughput", when a finite number.
std::optional<double> record_score(const nlohmann::json& record);
// Whether a record is a success: "ok" when a boolean, else whether it has a score.
bool record_ok(const nlohmann::json& record);
// The position in `evaluations` of the best success (the first of equal scores), if any.
std::optional<std::size_t> best_record(const std::vector<nlohmann::json>& evaluations);
// The program of a record: its "program" text, its "candidate" file, or candidates/NNNNN.mpl by "index".
std::optional<std::string> record_program(const RunView& run, const nlohmann::json& record);

}  // namespace mage::mcp
