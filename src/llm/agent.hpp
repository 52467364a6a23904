// The LLM optimizer: generative optimization with explained feedback. Each iteration builds a prompt from
// the best mapper so far and the last K (mapper, feedback) pairs, asks the model for candidates, extracts
// each program, has it evaluated, and keeps the best. A reply without a usable program still counts: its
// diagnostic becomes that attempt's feedback, so the model learns from the mistake.
//
// The class knows nothing about simulators or files: the evaluator is injected (the CLI plugs in the
// simulator and the feedback engine), and a callback per iteration lets the caller write the run directory
// and print progress.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lang/diagnostic.hpp"
#include "llm/client.hpp"
#include "llm/extract.hpp"
#include "llm/prompt.hpp"

namespace mage::llm {

// Judges one program. It must not throw (an exception is caught and counts as a failed evaluation); an
// invalid program gives ok = false with its diagnostics as the feedback.
using Evaluator = std::function<Evaluation(const std::string& program)>;

struct AgentOptions {
  std::size_t iterations = 10;
  std::size_t candidates = 1;  // per iteration, all from the same prompt
  double temperature = 0.7;
  std::optional<int> max_tokens;  // none: the client's configuration
  std::size_t history = 4;        // K: attempts shown besides the best (oldest dropped first)
  FeedbackLevel feedback = FeedbackLevel::Suggest;
  Mode mode = Mode::Normal;
  // Evaluated before the first iteration as the starting best (e.g. the default mapper ""); none: the model
  // starts from nothing.
  std::optional<std::string> initial_program;
};

struct Candidate {
  std::size_t iteration = 0;  // 1-based; 0 for the initial program
  std::size_t index = 0;      // within the iteration
  std::string reply;          // the model's whole answer (empty on an LLM error)
  bool extracted = false;     // a program was found in the answer
  std::string program;
  std::string rationale;
  std::optional<lang::Diagnostic> llm_error;  // the call failed in a way that still counts (refused, truncated ...)
  Evaluation evaluation;
  Usage usage;
  bool improved = false;  // became the best when it was evaluated
};

struct IterationRecord {
  std::size_t iteration = 0;
  std::size_t prompt_chars = 0;  // system + user prompt, one candidate's worth
  Usage usage;                   // all candidates of the iteration
  std::vector<Candidate> candidates;
  bool improved = false;
  std::optional<double> best_score;  // after this iteration
};

struct AgentResult {
  std::optional<Candidate> best;  // the best ok candidate; none when no program evaluated ok
  Candidate initial;              // the initial program's evaluation, when one was given
  std::vector<IterationRecord> iterations;
  Usage usage;
  // Set when the run stopped early because the LLM cannot be used (bad key, unknown model, unreachable,
  // timeout, rate limit, replay divergence ...); the iterations before are kept.
  std::optional<lang::Diagnostic> stopped;
};

// Whether an LLM error still counts as an iteration (the model answered, badly) rather than ending the run.
bool counts_as_iteration(const lang::Diagnostic& d);

class LlmOptimizer {
 public:
  LlmOptimizer(Client& client, PromptContext context, AgentOptions options, Evaluator evaluate);

  // Called after each iteration (not for the initial program) with its record and the result so far.
  void on_iteration(std::function<void(const IterationRecord&, const AgentResult&)> callback) {
    on_iteration_ = std::move(callback);
  }

  AgentResult run();

  // The request iteration `iteration` would send, for the given state (exposed for tests and tooling).
  Request request(const Attempt* best, const std::vector<Attempt>& history) const;

 private:
  Evaluation evaluate(const std::string& program);

  Client& client_;
  PromptContext context_;
  AgentOptions options_;
  Evaluator evaluate_;
  std::function<void(const IterationRecord&, const AgentResult&)> on_iteration_;
  std::map<std::string, Evaluation> cache_;  // programs are evaluated once: evaluation is deterministic
};

// The feedback an LLM error or a missing program becomes.
Evaluation evaluation_of(const lang::Diagnostic& d);

}  // namespace mage::llm
