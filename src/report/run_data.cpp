#include "report/run_data.hpp"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "util/files.hpp"

namespace mage::report {

namespace fs = std::filesystem;

FailureKind classify_failure(const std::string& code) {
  auto starts = [&](const char* prefix) { return code.rfind(prefix, 0) == 0; };
  if (code == "mapping.out-of-memory") return FailureKind::OutOfMemory;
  if (code.find("crash") != std::string::npos || code.find("internal") != std::string::npos || code == "run.signal")
    return FailureKind::Crash;
  if (starts("syntax.") || starts("static.") || starts("usage.")) return FailureKind::Check;
  if (starts("llm.")) return FailureKind::NoProgram;
  return FailureKind::Evaluation;
}

const char* to_string(FailureKind k) {
  switch (k) {
    case FailureKind::Check: return "check error";
    case FailureKind::Evaluation: return "evaluation error";
    case FailureKind::OutOfMemory: return "out of memory";
    case FailureKind::Crash: return "crash or internal error";
    case FailureKind::NoProgram: return "no program";
  }
  return "failure";
}

namespace {

// Fields read defensively: a run directory may be damaged or hand-edited, and a wrong type is then a
// missing field, never an exception.
std::string str(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}
double number(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0.0;
}
std::int64_t integer(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number_integer() ? j[key].get<std::int64_t>() : 0;
}
bool boolean(const nlohmann::json& j, const char* key, bool otherwise = false) {
  return j.is_object() && j.contains(key) && j[key].is_boolean() ? j[key].get<bool>() : otherwise;
}
const nlohmann::json& object(const nlohmann::json& j, const char* key) {
  static const nlohmann::json empty = nlohmann::json::object();
  return j.is_object() && j.contains(key) && j[key].is_object() ? j[key] : empty;
}

std::int64_t tokens(const Run& run, const char* key, std::int64_t EvalRow::*field) {
  const auto& total = object(run.summary, "tokens");
  if (total.contains(key)) return integer(total, key);
  std::int64_t n = 0;
  for (const auto& e : run.evaluations) n += e.*field;
  return n;
}

}  // namespace

std::int64_t Run::prompt_tokens() const { return tokens(*this, "prompt", &EvalRow::prompt_tokens); }
std::int64_t Run::completion_tokens() const { return tokens(*this, "completion", &EvalRow::completion_tokens); }

namespace {

lang::Diagnostic report_error(std::string code, std::string message, std::string hint) {
  return lang::make_error(lang::Category::Usage, std::move(code), {}, std::move(message), std::move(hint));
}

std::optional<nlohmann::json> read_json(const fs::path& file, std::vector<std::string>& warnings, bool required,
                                        std::string& error) {
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    if (required) error = fmt::format("{} does not exist", file.string());
    return std::nullopt;
  }
  std::string why;
  auto text = util::read_file(file.string(), why);
  if (!text) {
    (required ? error : warnings.emplace_back()) = why;
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    (required ? error : warnings.emplace_back()) = fmt::format("{} is not a JSON object", file.string());
    return std::nullopt;
  }
  return j;
}

std::optional<std::string> read_text(const fs::path& file) {
  std::string why;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  return util::read_file(file.string(), why, std::size_t{4} << 20);
}

// One evaluations.jsonl: each complete line that parses, in order. The run is not repaired: a torn or
// corrupt line is skipped and named in `warnings`.
std::vector<nlohmann::json> read_records(const fs::path& file, std::vector<std::string>& warnings) {
  std::vector<nlohmann::json> out;
  std::string why;
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    warnings.push_back(fmt::format("{} does not exist yet: no evaluation has finished", file.string()));
    return out;
  }
  auto text = util::read_file(file.string(), why, std::size_t{1} << 30);
  if (!text) {
    warnings.push_back(why);
    return out;
  }
  std::size_t pos = 0, line = 0;
  while (pos < text->size()) {
    std::size_t end = text->find('\n', pos);
    const bool torn = end == std::string::npos;
    std::string_view l(text->data() + pos, (torn ? text->size() : end) - pos);
    pos = torn ? text->size() : end + 1;
    ++line;
    if (l.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto j = nlohmann::json::parse(l, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      warnings.push_back(torn ? fmt::format("{}:{}: the last line is incomplete (a run still writing, or a crash); "
                                            "it is left out",
                                            file.string(), line)
                              : fmt::format("{}:{}: not a JSON object; this evaluation is left out", file.string(), line));
      continue;
    }
    out.push_back(std::move(j));
  }
  return out;
}

EvalRow row_from(const nlohmann::json& j) {
  EvalRow e;
  e.ok = boolean(j, "ok");
  e.score = number(j, "score");
  e.value = number(j, "value");
  e.seconds = number(j, "seconds");
  e.unit = str(j, "unit");
  if (j.contains("elapsed_s") && j["elapsed_s"].is_number()) e.elapsed = j["elapsed_s"].get<double>();
  const auto& error = object(j, "error");
  e.error_code = str(error, "code");
  e.error = str(error, "message");
  const auto& fb = object(j, "feedback");
  e.system = str(fb, "system");
  e.explain = str(fb, "explain");
  e.suggest = str(fb, "suggest");
  // A program file inside the run directory only: a record naming any other file is not followed.
  e.candidate = str(j, "candidate");
  const fs::path candidate(e.candidate);
  if (candidate.is_absolute() || std::find(candidate.begin(), candidate.end(), "..") != candidate.end()) e.candidate.clear();
  e.injected = boolean(j, "injected");
  if (j.contains("index") && j["index"].is_number_unsigned()) e.phase_index = j["index"].get<std::size_t>();
  if (j.contains("iteration") && j["iteration"].is_number_unsigned()) e.iteration = j["iteration"].get<std::size_t>();
  e.extracted = boolean(j, "extracted", true);
  e.rationale = str(j, "rationale");
  const auto& tokens = object(j, "tokens");
  e.prompt_tokens = integer(tokens, "prompt");
  e.completion_tokens = integer(tokens, "completion");
  return e;
}

Baseline baseline(const nlohmann::json& summary, const char* key, const fs::path& program) {
  Baseline b;
  const auto& outcome = object(summary, key);
  b.known = !outcome.empty();
  b.ok = boolean(outcome, "ok");
  b.score = number(outcome, "score");
  b.value = number(outcome, "value");
  if (auto text = read_text(program)) b.program = *text;
  return b;
}

}  // namespace

lang::Expected<Run> load_run(const std::string& path) {
  Run run;
  run.path = path;
  const fs::path dir(path);
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return report_error("report.not-a-run", fmt::format("{} is not a directory", path),
                        "give a run directory that `mage tune` wrote (runs/APP-OPTIMIZER-TIME)");
  std::string error;
  auto settings = read_json(dir / "run.json", run.warnings, true, error);
  if (!settings)
    return report_error("report.not-a-run", error + "; this is not a run directory `mage tune` wrote",
                        "give a run directory that `mage tune` wrote (it holds run.json and evaluations.jsonl)");
  run.settings = *settings;
  if (auto summary = read_json(dir / "summary.json", run.warnings, false, error)) run.summary = *summary;
  run.app = str(run.settings, "app");
  run.machine = str(run.settings, "machine");
  run.optimizer = str(run.settings, "optimizer");
  if (run.settings.contains("nodes") && run.settings["nodes"].is_number_integer())
    run.nodes = run.settings["nodes"].get<std::int64_t>();
  run.llm = run.settings.contains("llm");
  const auto& llm = object(run.settings, "llm");
  run.llm_model = str(llm, "model");
  run.llm_feedback = str(llm, "feedback");
  if (llm.contains("temperature") && llm["temperature"].is_number()) run.llm_temperature = llm["temperature"].dump();
  run.measured = !str(run.settings, "run_command").empty();
  run.evaluated_on = str(run.summary, "machine");
  if (run.evaluated_on.empty())
    run.evaluated_on = run.measured ? "measured"
                                    : fmt::format("simulated on {} ({} node{})", run.machine, run.nodes,
                                                  run.nodes == 1 ? "" : "s");
  std::string base = fs::path(path).lexically_normal().filename().string();
  if (base.empty()) base = fs::path(path).lexically_normal().parent_path().filename().string();
  run.label = fmt::format("{} ({})", run.optimizer.empty() ? "run" : run.optimizer, base);
  run.fallback = baseline(run.summary, "default", dir / "default.mpl");
  run.expert = baseline(run.summary, "expert", dir / "expert.mpl");

  // The evaluations: the run's own, then a hybrid run's classic phases in the order they ran. A phase's
  // wall-clock times restart at zero, so they are shifted by where the previous phase ended.
  struct Phase {
    fs::path dir;
    std::string name;
  };
  std::vector<Phase> phases = {{dir, run.optimizer == "hybrid" ? "llm" : ""}};
  if (run.optimizer == "hybrid")
    for (const char* p : {"ensemble", "ccd"})
      if (fs::exists(dir / p / "evaluations.jsonl", ec)) phases.push_back({dir / p, p});
  double offset = 0;
  for (const auto& phase : phases) {
    double last = offset;
    for (const auto& j : read_records(phase.dir / "evaluations.jsonl", run.warnings)) {
      EvalRow e = row_from(j);
      e.index = run.evaluations.size();
      e.phase = phase.name;
      if (e.elapsed) last = std::max(last, *e.elapsed += offset);
      if (!e.candidate.empty()) e.candidate = (fs::path(phase.name) / e.candidate).lexically_normal().string();
      if (run.llm && e.iteration && (phase.name.empty() || phase.name == "llm"))
        e.program = read_text(dir / e.candidate);
      run.evaluations.push_back(std::move(e));
    }
    offset = last;
  }
  for (const auto& e : run.evaluations)
    if (e.ok && (!run.best || e.score > run.evaluations[*run.best].score)) run.best = e.index;
  if (run.best) {
    EvalRow& b = run.evaluations[*run.best];
    if (!b.program) b.program = read_text(dir / b.candidate);
    if (b.program) run.best_program = *b.program;
  }
  if (run.best_program.empty())
    if (auto text = read_text(dir / "best.mpl")) run.best_program = *text;
  return run;
}

}  // namespace mage::report
