// Reading a run directory without touching it: every file is optional, and a bad line is skipped rather
// than repaired, since the tuner may be appending it right now.
#include "mcp/run_view.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "util/files.hpp"

namespace mage::mcp {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxLogBytes = std::size_t{256} << 20;
constexpr std::size_t kMaxFileBytes = std::size_t{16} << 20;

std::optional<std::string> read_optional(const fs::path& p, std::size_t max_bytes = kMaxFileBytes) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return std::nullopt;
  std::string error;
  return util::read_file(p.string(), error, max_bytes);
}

std::optional<nlohmann::json> parse_optional(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  auto j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

}  // namespace

std::optional<RunView> read_run(const std::string& path, std::string& error) {
  std::error_code ec;
  if (path.empty()) {
    error = "no run directory given";
    return std::nullopt;
  }
  if (!fs::is_directory(path, ec)) {
    error = fmt::format("`{}` is not a directory", path);
    return std::nullopt;
  }
  const fs::path dir(path);
  if (!fs::exists(dir / "run.json", ec) && !fs::exists(dir / "evaluations.jsonl", ec)) {
    error = fmt::format("`{}` is no tuning run directory: it has neither run.json nor evaluations.jsonl", path);
    return std::nullopt;
  }

  RunView run;
  run.path = path;
  if (auto settings = parse_optional(read_optional(dir / "run.json"))) run.settings = std::move(*settings);
  run.summary = parse_optional(read_optional(dir / "summary.json"));
  run.best_program = read_optional(dir / "best.mpl");

  if (auto log = read_optional(dir / "evaluations.jsonl", kMaxLogBytes)) {
    std::string_view text = *log;
    while (!text.empty()) {
      std::size_t nl = text.find('\n');
      std::string_view line = text.substr(0, nl);
      text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      auto record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (record.is_object())
        run.evaluations.push_back(std::move(record));
      else
        ++run.unreadable_lines;
    }
  }
  return run;
}

std::optional<double> record_score(const nlohmann::json& record) {
  for (const char* key : {"score", "throughput"}) {
    auto it = record.find(key);
    if (it != record.end() && it->is_number()) {
      double v = it->get<double>();
      if (std::isfinite(v)) return v;
    }
  }
  return std::nullopt;
}

bool record_ok(const nlohmann::json& record) {
  auto it = record.find("ok");
  if (it != record.end() && it->is_boolean()) return it->get<bool>();
  return record_score(record).has_value();
}

std::optional<std::size_t> best_record(const std::vector<nlohmann::json>& evaluations) {
  std::optional<std::size_t> best;
  double best_score = 0;
  for (std::size_t i = 0; i < evaluations.size(); ++i) {
    if (!record_ok(evaluations[i])) continue;
    auto score = record_score(evaluations[i]);
    if (!score) continue;
    if (!best || *score > best_score) {
      best = i;
      best_score = *score;
    }
  }
  return best;
}

std::optional<std::string> record_program(const RunView& run, const nlohmann::json& record) {
  if (auto it = record.find("program"); it != record.end() && it->is_string()) return it->get<std::string>();
  const fs::path dir(run.path);
  if (auto it = record.find("candidate"); it != record.end() && it->is_string()) {
    fs::path p(it->get<std::string>());
    // Relative to the run directory; only names inside it are followed.
    if (p.is_relative() && p.lexically_normal().string().rfind("..", 0) != 0)
      if (auto text = read_optional(dir / p)) return text;
  }
  if (auto it = record.find("index"); it != record.end() && it->is_number_unsigned())
    return read_optional(dir / "candidates" / fmt::format("{:05}.mpl", it->get<std::uint64_t>()));
  return std::nullopt;
}

}  // namespace mage::mcp
