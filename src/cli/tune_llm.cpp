// `mage tune APP --optimizer llm`: the LLM proposes whole mapper programs, each is evaluated and explained,
// and the model sees the best so far and its latest attempts with their feedback. `hybrid` then projects
// the LLM's programs onto the mapping space, injects them into the ensemble's population, and refines the
// LLM's best with coordinate descent (--budget evaluations each). Every request and
// reply is recorded (keys redacted) in the run directory's llm.jsonl; `--replay DIR` re-runs a recorded
// session without a network.
#include <chrono>
#include <cstdio>
#include <map>

#include <fmt/format.h>

#include "cli/inputs.hpp"
#include "cli/tune_session.hpp"
#include "llm/agent.hpp"
#include "llm/client.hpp"
#include "llm/reference.hpp"
#include "mapping/policy.hpp"
#include "search/mapping_space.hpp"
#include "model/machine_model.hpp"
#include "util/files.hpp"
#include "util/redact.hpp"

namespace mage::cli {

namespace {

lang::Diagnostic usage_error(std::string code, std::string message, std::string hint) {
  return lang::make_error(lang::Category::Usage, std::move(code), {}, std::move(message), std::move(hint));
}

struct HybridResult {
  std::optional<search::Evaluation> best;
  std::optional<std::size_t> index;
  std::string program, phase;
  nlohmann::json summary = nlohmann::json::object();
};

// The classic phases of the hybrid: the LLM's programs projected onto the mapping space, injected into the
// ensemble's population, and its best refined by coordinate descent; each phase in a run directory of its
// own inside the run's.
lang::Expected<HybridResult> run_hybrid_phases(TuneSession& s, const std::vector<std::string>& programs,
                                               const std::string& llm_best, bool quiet) {
  const auto machine = model::to_machine_desc(s.machine);
  const search::MappingSpace space(s.app, s.machine);
  const lang::AppSignature signature = s.app.signature();
  auto project = [&](const std::string& program) -> std::optional<search::Point> {
    lang::Diagnostics d;
    auto policy = mapping::Policy::compile(lang::SourceFile("llm.mpl", program), machine, d, &signature);
    if (!policy) return std::nullopt;
    return space.project(*policy);
  };
  search::TuneStart ensemble_start, ccd_start;
  for (const auto& program : programs)
    if (auto p = project(program)) ensemble_start.inject.push_back(*p);
  if (auto p = project(llm_best)) ensemble_start.start = ccd_start.start = *p;

  HybridResult out;
  for (const char* phase : {"ensemble", "ccd"}) {
    search::TuneSettings settings = s.settings;
    settings.optimizer = phase;
    auto dir = search::RunDir::create(s.dir->path() + "/" + phase, search::to_json(settings));
    if (!dir) return dir.error();
    search::RunDir run = std::move(dir).take();
    std::atomic<bool> stop{false};
    auto r = search::tune(settings, space, s.evaluate, run, s.expert, s.fallback, {}, stop,
                          std::string(phase) == "ensemble" ? ensemble_start : ccd_start);
    if (!r) return r.error();
    if (!quiet)
      std::fprintf(stderr, "%s phase: %zu evaluations, best %s\n", phase, r->evaluations,
                   r->best_index ? describe(r->best).c_str() : "none");
    out.summary[phase] = {{"evaluations", r->evaluations}, {"injected", std::string(phase) == "ensemble"
                                                                          ? ensemble_start.inject.size()
                                                                          : 0}};
    out.summary[phase]["outcomes"] = search::to_json(search::count_outcomes(run.evaluations()));
    if (r->best_index) out.summary[phase]["best"] = search::to_json(r->best);
    if (r->best_index && (!out.best || r->best.score > out.best->score))
      out.best = r->best, out.index = r->best_index, out.program = r->best_program, out.phase = phase;
  }
  return out;
}

}  // namespace

int run_tune_llm(const TuneOptions& o) {
  if (o.resume)
    return usage_failure(usage_error("usage.resume-llm", "an LLM optimizer run is not resumed",
                                     "re-run it deterministically with --replay DIR, or start a new run"));
  auto config = llm::parse_provider(o.llm.empty() && o.replay ? "openai:replay" : o.llm);
  if (!config) return usage_failure(config.error());
  llm::Config cfg = *config;
  if (o.llm_url) cfg.base_url = *o.llm_url;
  if (o.llm_key_env) cfg.key_env = *o.llm_key_env;
  if (o.llm_timeout) cfg.timeout_s = *o.llm_timeout;

  std::unique_ptr<llm::Client> base;
  if (o.replay) {
    auto replay = llm::ReplayClient::open(llm::recording_path(*o.replay));
    if (!replay) return usage_failure(replay.error());
    base = std::move(replay).take();
  } else {
    auto http = llm::HttpClient::from_env(cfg);
    if (!http) return usage_failure(http.error());
    base = std::move(http).take();
  }
  auto mode = llm::parse_mode(o.baseline.empty() ? "normal" : o.baseline);
  auto level = llm::parse_feedback_level(o.feedback);
  if (!mode || !level) return usage_failure(usage_error("usage.option", "unknown --baseline or --feedback", ""));

  const nlohmann::json extra = {{"llm",
                                 {{"model", o.llm},
                                  {"url", cfg.base_url},
                                  {"iterations", o.iterations},
                                  {"candidates", o.candidates},
                                  {"temperature", o.temperature},
                                  {"history", o.history},
                                  {"feedback", o.feedback},
                                  {"baseline", o.baseline},
                                  {"replay", o.replay.value_or("")}}}};
  auto s = open_session(o, o.optimizer, extra);
  if (!s) return kExitUsage;
  auto opened = llm::RecordingClient::open(*base, llm::recording_path(s->dir->path()));
  if (!opened) return usage_failure(opened.error());
  std::unique_ptr<llm::RecordingClient> recording = std::move(opened).take();
  llm::Client& client = *recording;

  std::size_t index = 0;
  std::optional<search::Evaluation> best;
  std::optional<std::size_t> best_index;
  std::string best_program, error;
  print_session(*s, o.optimizer == "hybrid"
                        ? fmt::format("the LLM optimizer ({}, {} iterations), then the ensemble and coordinate "
                                      "descent from its proposals ({} evaluations each)",
                                      o.llm.empty() ? "replay" : o.llm, o.iterations, s->settings.budget)
                        : fmt::format("the LLM optimizer ({}, {} iterations)", o.llm.empty() ? "replay" : o.llm,
                                      o.iterations));

  // Evaluations by program text: the agent sees scores and feedback, the records need the rest.
  std::map<std::string, search::Evaluation> outcomes;
  const std::string evaluating = s->dir->path() + "/candidates/evaluating.mpl";
  auto evaluate = [&](const std::string& program) {
    auto it = outcomes.find(program);
    if (it == outcomes.end()) {
      std::string write_error;
      util::write_file_atomic(evaluating, program, write_error);
      it = outcomes.emplace(program, search::checked(s->evaluate({search::Candidate{program, evaluating}}).front()))
               .first;
    }
    const search::Evaluation& e = it->second;
    return llm::Evaluation{e.ok, e.score, e.feedback.system, e.feedback.explain, e.feedback.suggest};
  };

  llm::PromptContext context{s->app.name, model::describe(s->app), model::describe(s->machine),
                             std::string(llm::language_reference()),
                             *mode == llm::Mode::FewShot ? llm::expert_examples(s->app.name) : std::vector<llm::Example>{}};
  llm::AgentOptions options;
  options.iterations = o.iterations;
  options.candidates = o.candidates;
  options.temperature = o.temperature;
  options.history = o.history;
  options.feedback = *level;
  options.mode = *mode;
  options.initial_program = std::string(apps::kDefaultMapper);
  llm::LlmOptimizer agent(client, context, options, evaluate);
  const auto started = std::chrono::steady_clock::now();

  nlohmann::json tokens = nlohmann::json::array();
  bool write_failed = false;
  agent.on_iteration([&](const llm::IterationRecord& it, const llm::AgentResult&) {
    tokens.push_back({{"iteration", it.iteration},
                      {"prompt_tokens", it.usage.prompt_tokens},
                      {"completion_tokens", it.usage.completion_tokens},
                      {"prompt_chars", it.prompt_chars}});
    for (const llm::Candidate& c : it.candidates) {
      search::Evaluation e;
      if (auto found = outcomes.find(c.program); c.extracted && found != outcomes.end()) {
        e = found->second;
      } else {  // no program, or the model's answer was unusable: its feedback is what the agent made
        e.error_code = c.llm_error ? c.llm_error->code : "llm.no-program";
        e.error = c.llm_error ? c.llm_error->message : "the answer held no mapper program";
        e.feedback = {c.evaluation.feedback_system, c.evaluation.feedback_explain, c.evaluation.feedback_suggest, {}};
      }
      nlohmann::json record = search::to_json(e);
      record["index"] = index;
      record["iteration"] = it.iteration;
      record["candidate"] = fmt::format("candidates/{:05}.mpl", index);
      record["extracted"] = c.extracted;
      record["rationale"] = c.rationale;
      record["tokens"] = {{"prompt", c.usage.prompt_tokens}, {"completion", c.usage.completion_tokens}};
      record["elapsed_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      write_failed |= !s->dir->write_candidate(index, c.extracted ? c.program : c.reply, error);
      // best.mpl before the record, so a kill between the two never leaves it older than the recorded best.
      if (e.ok && (!best || e.score > best->score)) {
        best = e, best_index = index, best_program = c.program;
        write_failed |= !s->dir->write_best(c.program, error);
      }
      write_failed |= !s->dir->append_evaluation(record, error);
      ++index;
    }
    if (!o.quiet) {
      std::fprintf(stderr, "iteration %zu/%zu: %s; best %s; %lld prompt + %lld completion tokens\n", it.iteration,
                   o.iterations, it.improved ? "improved" : "no improvement",
                   best ? describe(*best).c_str() : "none", static_cast<long long>(it.usage.prompt_tokens),
                   static_cast<long long>(it.usage.completion_tokens));
    }
  });
  llm::AgentResult result = agent.run();
  if (write_failed) return usage_failure(usage_error("rundir.io", error, ""));
  if (result.stopped) {
    std::fputs(util::redact(lang::render_text(*result.stopped, nullptr, use_color())).c_str(), stderr);
    std::fprintf(stderr, "the LLM optimizer stopped after %zu iterations; what it found is kept\n",
                 result.iterations.size());
  }
  nlohmann::json phases = nlohmann::json::object();
  if (o.optimizer == "hybrid") {
    std::vector<std::string> programs;
    for (const auto& it : result.iterations)
      for (const auto& c : it.candidates)
        if (c.extracted) programs.push_back(c.program);
    auto r = run_hybrid_phases(*s, programs, best_program, o.quiet);
    if (!r) return usage_failure(r.error());
    phases = r->summary;
    if (r->best && (!best || r->best->score > best->score)) {
      best = r->best, best_index = std::nullopt, best_program = r->program;
      if (!s->dir->write_best(best_program, error)) return usage_failure(usage_error("rundir.io", error, ""));
      std::printf("best found by the %s phase (see %s/%s)\n", r->phase.c_str(), s->dir->path().c_str(),
                  r->phase.c_str());
      best_index = r->index;
    }
  }
  nlohmann::json summary = {{"settings", search::to_json(s->settings)},
                            {"phases", phases},
                            {"llm", extra["llm"]},
                            {"iterations", result.iterations.size()},
                            {"tokens_per_iteration", tokens},
                            {"tokens", {{"prompt", result.usage.prompt_tokens},
                                        {"completion", result.usage.completion_tokens}}}};
  if (result.stopped) summary["stopped"] = {{"code", result.stopped->code}, {"message", result.stopped->message}};
  return report_after_tune(o, s->dir->path(), finish_session(*s, best, best_index, index, summary));
}

}  // namespace mage::cli
