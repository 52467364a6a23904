// The prompts of the LLM optimizer. The system prompt holds the role and the language reference; the user
// prompt holds the application, the machine, the best mapper so far with its feedback, and the last K
// attempts with theirs. How much feedback a prompt shows (system / + explain / + suggest) and whether it
// shows any (zero-shot, few-shot) are the ablation's knobs. Pure: the same inputs give the same text, which
// is what makes a recorded session replay.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llm/provider.hpp"

namespace mage::llm {

// What the evaluator made of one program. `score`: higher is better (e.g. throughput); meaningful only
// when `ok`. The three feedback parts are those of feedback::Feedback.
struct Evaluation {
  bool ok = false;
  double score = 0;
  std::string feedback_system;
  std::string feedback_explain;
  std::string feedback_suggest;
};

// Levels are cumulative: System shows the raw outcome only, Explain adds what it means, Suggest adds what
// to change.
enum class FeedbackLevel { System, Explain, Suggest };
// Normal: feedback and history. ZeroShot: the task alone, every iteration an independent sample. FewShot:
// zero-shot plus example mappers of other applications.
enum class Mode { Normal, ZeroShot, FewShot };

const char* to_string(FeedbackLevel l);
const char* to_string(Mode m);
std::optional<FeedbackLevel> parse_feedback_level(std::string_view s);  // "system", "explain", "suggest"
std::optional<Mode> parse_mode(std::string_view s);                     // "normal", "zero-shot", "few-shot"

struct Example {
  std::string name;  // e.g. the application it was written for
  std::string program;
};

// What stays the same through a run.
struct PromptContext {
  std::string app_name;
  std::string app_description;      // model::describe(app)
  std::string machine_description;  // model::describe(machine)
  std::string reference;            // language_reference()
  std::vector<Example> examples;    // few-shot only
};

// One evaluated program, as the prompt shows it.
struct Attempt {
  std::size_t iteration = 0;  // 1-based
  std::string program;        // empty when the answer held none
  Evaluation evaluation;
};

struct PromptOptions {
  FeedbackLevel feedback = FeedbackLevel::Suggest;
  Mode mode = Mode::Normal;
};

std::string system_prompt(const PromptContext& context);
// `best` and `history` (oldest first) are ignored outside Mode::Normal.
std::string user_prompt(const PromptContext& context, const PromptOptions& options, const Attempt* best,
                        const std::vector<Attempt>& history);

// "System: ...", then "Explain: ..." and "Suggest: ..." as the level allows; empty parts are left out.
std::string render_feedback(const Evaluation& e, FeedbackLevel level);

// The expert mappers of the built-in applications other than `app_name` (at most `max`, in the built-in
// order), for the few-shot baseline.
std::vector<Example> expert_examples(std::string_view app_name, std::size_t max = 3);

}  // namespace mage::llm
