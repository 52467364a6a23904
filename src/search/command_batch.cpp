// Real runs as tuning evaluations: each candidate's command on its own thread (the command evaluator is
// thread-safe and every run has its own process group).
#include "search/command_batch.hpp"

#include <chrono>
#include <thread>

#include <fmt/format.h>

namespace mage::search {

Evaluation evaluate_by_command(const CommandEvaluator& command, const Candidate& candidate) {
  const auto start = std::chrono::steady_clock::now();
  CommandResult r = command.run(candidate.path);
  Evaluation e;
  const bool time = command.spec().metric == CommandSpec::Metric::Time;
  e.ok = r.ok;
  e.unit = time ? "s" : "per s";
  if (r.ok) {
    e.score = r.score;
    e.value = r.value;
    if (time) e.step_time = r.value;
    e.feedback.system = fmt::format("measured {:.6g} {} (median of {} run{})", r.value, e.unit, r.runs.size(),
                                    r.runs.size() == 1 ? "" : "s");
  } else {
    e.error_code = r.error.code;
    e.error = r.error.message;
    lang::Diagnostics diags;
    diags.add(r.error);
    lang::SourceFile source(candidate.path, candidate.program);
    e.feedback = feedback::from_diagnostics(diags, &source);
  }
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return e;
}

BatchEvaluator make_command_batch_evaluator(const CommandEvaluator& command, int jobs) {
  const std::size_t width = static_cast<std::size_t>(std::max(jobs, 1));
  return [&command, width](const std::vector<Candidate>& batch) {
    std::vector<Evaluation> out(batch.size());
    for (std::size_t first = 0; first < batch.size(); first += width) {
      std::vector<std::thread> threads;
      for (std::size_t i = first; i < std::min(batch.size(), first + width); ++i)
        threads.emplace_back([&, i] { out[i] = evaluate_by_command(command, batch[i]); });
      for (auto& t : threads) t.join();
    }
    return out;
  };
}

}  // namespace mage::search
