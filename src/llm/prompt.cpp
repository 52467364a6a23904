// Prompt text. Sections are Markdown headed so a model can tell the application, the machine and the
// attempts apart; programs are shown in ```mpl fences, the form the answer must take.
#include "llm/prompt.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "apps/builtin.hpp"

namespace mage::llm {

namespace {

std::string fenced(const std::string& program) {
  std::string text = program;
  if (!text.empty() && text.back() != '\n') text.push_back('\n');
  return "```mpl\n" + text + "```\n";
}

std::string score_text(const Evaluation& e) {
  return e.ok ? fmt::format("score {:.6g}", e.score) : std::string("failed");
}

}  // namespace

const char* to_string(FeedbackLevel l) {
  switch (l) {
    case FeedbackLevel::System: return "system";
    case FeedbackLevel::Explain: return "explain";
    case FeedbackLevel::Suggest: return "suggest";
  }
  return "suggest";
}

const char* to_string(Mode m) {
  switch (m) {
    case Mode::Normal: return "normal";
    case Mode::ZeroShot: return "zero-shot";
    case Mode::FewShot: return "few-shot";
  }
  return "normal";
}

std::optional<FeedbackLevel> parse_feedback_level(std::string_view s) {
  if (s == "system") return FeedbackLevel::System;
  if (s == "explain") return FeedbackLevel::Explain;
  if (s == "suggest") return FeedbackLevel::Suggest;
  return std::nullopt;
}

std::optional<Mode> parse_mode(std::string_view s) {
  if (s == "normal") return Mode::Normal;
  if (s == "zero-shot") return Mode::ZeroShot;
  if (s == "few-shot") return Mode::FewShot;
  return std::nullopt;
}

std::string render_feedback(const Evaluation& e, FeedbackLevel level) {
  std::string out;
  auto add = [&](const char* label, const std::string& text) {
    if (text.empty()) return;
    out += fmt::format("{}: {}\n", label, text);
  };
  add("System", e.feedback_system);
  if (level != FeedbackLevel::System) add("Explain", e.feedback_explain);
  if (level == FeedbackLevel::Suggest) add("Suggest", e.feedback_suggest);
  return out;
}

std::string system_prompt(const PromptContext& context) {
  std::string out =
      "You are an expert in performance tuning of task-based parallel programs (Legion). You write mapper "
      "programs in the mapping language described below. A mapper decides which processor kind each task runs "
      "on, which processor each point of an index launch goes to, and in which memory and layout each region "
      "argument is placed. It never changes what the program computes, only how fast it runs. Your goal is "
      "the highest throughput of the given application on the given machine.\n\n"
      "Answer with a short rationale (a few sentences on what you change and why), then one complete mapper "
      "program in a single ```mpl code block. Write the whole program every time, not a diff. Use only the "
      "task and region names of the application.\n\n";
  out += "# Language reference\n\n";
  out += context.reference;
  if (!out.empty() && out.back() != '\n') out.push_back('\n');
  return out;
}

std::string user_prompt(const PromptContext& context, const PromptOptions& options, const Attempt* best,
                        const std::vector<Attempt>& history) {
  std::string out = fmt::format("# Application `{}`\n\n{}", context.app_name, context.app_description);
  if (!out.empty() && out.back() != '\n') out.push_back('\n');
  out += fmt::format("\n# Machine\n\n{}", context.machine_description);
  if (!out.empty() && out.back() != '\n') out.push_back('\n');

  if (options.mode == Mode::FewShot && !context.examples.empty()) {
    out +=
        "\n# Example mappers\n\nExpert mappers written for other applications; they show the language in use, "
        "not what suits this application.\n";
    for (const auto& e : context.examples) out += fmt::format("\n## {}\n\n{}", e.name, fenced(e.program));
  }

  if (options.mode == Mode::Normal) {
    if (best || !history.empty())
      out += "\nScores measure throughput: higher is better. A failed attempt has no score.\n";
    if (best) {
      out += fmt::format("\n# Best mapper so far (iteration {}, {})\n\n{}", best->iteration,
                         score_text(best->evaluation), fenced(best->program));
      std::string fb = render_feedback(best->evaluation, options.feedback);
      if (!fb.empty()) out += "\nFeedback:\n" + fb;
    }
    if (!history.empty()) {
      out += "\n# Recent attempts (oldest first)\n";
      for (const auto& a : history) {
        out += fmt::format("\n## Iteration {}: {}\n\n", a.iteration, score_text(a.evaluation));
        // The best one is shown above already; repeating it would only cost tokens.
        if (best && a.iteration == best->iteration && a.program == best->program) {
          out += "(the best mapper above)\n";
          continue;
        }
        out += a.program.empty() ? std::string("(no program)\n") : fenced(a.program);
        std::string fb = render_feedback(a.evaluation, options.feedback);
        if (!fb.empty()) out += "\nFeedback:\n" + fb;
      }
    }
  }

  out += "\n# Task\n\n";
  if (options.mode == Mode::Normal && (best || !history.empty()))
    out += "Write an improved mapper for this application on this machine, using the feedback above. ";
  else
    out += "Write a mapper that makes this application run as fast as possible on this machine. ";
  out += "Give a short rationale, then the complete program in one ```mpl code block.\n";
  return out;
}

std::vector<Example> expert_examples(std::string_view app_name, std::size_t max) {
  std::vector<Example> out;
  // Applications can share one expert mapper (the 2-D GEMMs): offer each text once, and never the
  // application's own.
  std::vector<std::string_view> seen;
  if (const auto* app = apps::find_builtin(app_name)) seen.push_back(apps::expert_mapper(*app));
  for (const auto& app : apps::builtin_apps()) {
    if (out.size() >= max) break;
    std::string_view program = apps::expert_mapper(app);
    if (app.name == app_name || program.empty()) continue;
    if (std::find(seen.begin(), seen.end(), program) != seen.end()) continue;
    seen.push_back(program);
    out.push_back({std::string(app.name), std::string(program)});
  }
  return out;
}

}  // namespace mage::llm
