// The agent loop. State between iterations is the best attempt and a window of the last K attempts; the
// prompt is a pure function of that state, so a replayed session sends byte-identical requests.
#include "llm/agent.hpp"

#include <algorithm>
#include <deque>
#include <exception>

#include <fmt/format.h>

namespace mage::llm {

bool counts_as_iteration(const lang::Diagnostic& d) {
  return d.code == "llm.refused" || d.code == "llm.truncated" || d.code == "llm.bad-reply" ||
         d.code == "llm.no-program";
}

Evaluation evaluation_of(const lang::Diagnostic& d) {
  Evaluation e;
  e.ok = false;
  e.feedback_system = fmt::format("{}: {}", d.code, d.message);
  if (d.code == "llm.no-program") {
    e.feedback_explain = "No program was evaluated: the answer had no code block to take it from.";
    e.feedback_suggest = "Answer with the complete mapper inside one ```mpl code block.";
  } else if (d.code == "llm.truncated") {
    e.feedback_explain = "The answer was cut off before it ended, so its program was not evaluated.";
    e.feedback_suggest =
        "Keep the rationale to a few sentences and the program short: rules the defaults "
        "already cover can be left out.";
  } else if (d.code == "llm.refused") {
    e.feedback_explain = "The answer was a refusal; mapper programs only place tasks and data.";
    e.feedback_suggest = "Write a mapper program for the application.";
  } else {
    e.feedback_explain = "The answer could not be read.";
    e.feedback_suggest = "Answer with a short rationale and one ```mpl code block.";
  }
  return e;
}

LlmOptimizer::LlmOptimizer(Client& client, PromptContext context, AgentOptions options, Evaluator evaluate)
    : client_(client), context_(std::move(context)), options_(std::move(options)), evaluate_(std::move(evaluate)) {}

Request LlmOptimizer::request(const Attempt* best, const std::vector<Attempt>& history) const {
  PromptOptions p{options_.feedback, options_.mode};
  Request r;
  r.system = system_prompt(context_);
  r.messages.push_back({"user", user_prompt(context_, p, best, history)});
  r.temperature = options_.temperature;
  r.max_tokens = options_.max_tokens;
  return r;
}

Evaluation LlmOptimizer::evaluate(const std::string& program) {
  if (auto it = cache_.find(program); it != cache_.end()) return it->second;
  Evaluation e;
  try {
    e = evaluate_ ? evaluate_(program) : Evaluation{};
  } catch (const std::exception& ex) {
    e = Evaluation{};
    e.feedback_system = fmt::format("the evaluation failed: {}", ex.what());
  } catch (...) {
    e = Evaluation{};
    e.feedback_system = "the evaluation failed";
  }
  cache_.emplace(program, e);
  return e;
}

AgentResult LlmOptimizer::run() {
  AgentResult result;
  std::optional<Attempt> best;
  std::deque<Attempt> window;

  auto consider = [&](Candidate& c) {
    Attempt a{c.iteration, c.extracted ? c.program : std::string(), c.evaluation};
    if (c.evaluation.ok && (!result.best || c.evaluation.score > result.best->evaluation.score)) {
      c.improved = true;
      result.best = c;
      best = a;
    }
    return a;
  };

  if (options_.initial_program) {
    Candidate c;
    c.extracted = true;
    c.program = *options_.initial_program;
    c.evaluation = evaluate(c.program);
    consider(c);
    result.initial = c;
  }

  std::size_t candidates = std::max<std::size_t>(1, options_.candidates);
  for (std::size_t it = 1; it <= options_.iterations; ++it) {
    std::vector<Attempt> history(window.begin(), window.end());
    const bool normal = options_.mode == Mode::Normal;
    Request req = request(normal && best ? &*best : nullptr, normal ? history : std::vector<Attempt>{});

    IterationRecord rec;
    rec.iteration = it;
    rec.prompt_chars = req.system.size();
    for (const auto& m : req.messages) rec.prompt_chars += m.content.size();

    std::vector<Attempt> attempts;
    for (std::size_t k = 0; k < candidates; ++k) {
      Candidate c;
      c.iteration = it;
      c.index = k;
      auto reply = client_.complete(req);
      if (!reply) {
        if (!counts_as_iteration(reply.error())) {
          result.stopped = reply.error();
          break;
        }
        c.llm_error = reply.error();
        c.evaluation = evaluation_of(reply.error());
      } else {
        c.reply = reply->text;
        c.usage = reply->usage;
        Extracted x = extract_program(reply->text);
        c.rationale = x.rationale;
        if (x.found) {
          c.extracted = true;
          c.program = x.program;
          c.evaluation = evaluate(c.program);
        } else {
          c.llm_error = no_program_diagnostic();
          c.evaluation = evaluation_of(*c.llm_error);
        }
      }
      rec.usage += c.usage;
      attempts.push_back(consider(c));
      rec.improved = rec.improved || c.improved;
      rec.candidates.push_back(std::move(c));
    }
    // An iteration that got no answer at all (the run stops at its first call) is not recorded.
    if (rec.candidates.empty()) break;
    for (auto& a : attempts) {
      window.push_back(std::move(a));
      while (window.size() > options_.history) window.pop_front();
    }
    result.usage += rec.usage;
    if (result.best) rec.best_score = result.best->evaluation.score;
    result.iterations.push_back(rec);
    if (on_iteration_) on_iteration_(result.iterations.back(), result);
    if (result.stopped) break;
  }
  return result;
}

}  // namespace mage::llm
