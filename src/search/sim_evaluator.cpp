// Simulated evaluations, in parallel child processes that report back as JSON over a pipe.
#include "search/sim_evaluator.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "mapping/policy.hpp"
#include "sim/simulate.hpp"
#include "util/json_text.hpp"
#include "util/test_hooks.hpp"

namespace mage::search {

Evaluation evaluate_by_simulation(const model::AppModel& app, const model::MachineModel& machine,
                                  const std::string& program, const std::string& name) {
  const auto start = std::chrono::steady_clock::now();
  Evaluation e;
  lang::SourceFile source(name, program);
  lang::Diagnostics diags;
  lang::AppSignature signature = app.signature();
  auto policy = mapping::Policy::compile(source, model::to_machine_desc(machine), diags, &signature);
  if (!policy) {
    e.feedback = feedback::from_diagnostics(diags, &source);
    for (const auto& d : diags.all())
      if (d.severity == lang::Severity::Error) {
        e.error_code = d.code;
        e.error = d.message;
        break;
      }
  } else {
    sim::SimResult r = sim::simulate(app, machine, *policy);
    e.ok = r.ok;
    e.unit = r.unit;
    if (r.ok) {
      e.score = e.value = r.throughput;
      e.step_time = r.step_time;
    } else if (r.error) {
      e.error_code = r.error->code;
      e.error = r.error->message;
      e.internal = r.internal_error();
    }
    e.feedback = feedback::from_simulation(r, &policy->program());
  }
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return e;
}

namespace {

struct Child {
  pid_t pid = -1;
  int fd = -1;
};

// The evaluation process failed: mage's fault, never the program's. The candidate file stays where it was
// written, and the feedback says the outcome tells nothing about the mapper.
Evaluation crashed(const std::string& path, const std::string& why) {
  Evaluation e;
  e.internal = true;
  e.error_code = "sim.crash";
  e.error = fmt::format("mage failed, not the program: {}", why);
  sim::SimResult r;
  r.timings.crashed = true;
  r.error = lang::make_error(lang::Category::Mapping, e.error_code, {}, e.error,
                             fmt::format("the program is kept in {}; report the crash with it", path));
  e.feedback = feedback::from_simulation(r, nullptr);
  return e;
}

Child start(const model::AppModel& app, const model::MachineModel& machine, const Candidate& c) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  // Buffered output would otherwise be written twice: the child's SimGrid flushes stdio.
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return {};
  }
  if (pid == 0) {
    ::close(fds[0]);
    if (util::test_crash_requested("evaluation-process")) std::abort();
    const std::string out = util::json_text(to_json(evaluate_by_simulation(app, machine, c.program, c.path)));
    std::size_t written = 0;
    while (written < out.size()) {
      ssize_t n = ::write(fds[1], out.data() + written, out.size() - written);
      if (n <= 0) ::_exit(1);
      written += static_cast<std::size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

Evaluation finish(const Candidate& c, const Child& child) {
  if (child.pid < 0) return crashed(c.path, fmt::format("could not start an evaluation: {}", std::strerror(errno)));
  std::string text;
  char buffer[65536];
  for (ssize_t n; (n = ::read(child.fd, buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(child.fd);
  int status = 0;
  while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return crashed(c.path,
                   WIFSIGNALED(status) ? fmt::format("the evaluation process died from signal {} ({})",
                                                     WTERMSIG(status), strsignal(WTERMSIG(status)))
                                       : "the evaluation process exited with an error");
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return crashed(c.path, "the evaluation process's report was unreadable");
  return evaluation_from_json(j);
}

}  // namespace

BatchEvaluator make_sim_evaluator(const model::AppModel& app, const model::MachineModel& machine, int jobs) {
  const std::size_t width = static_cast<std::size_t>(std::max(jobs, 1));
  return [&app, &machine, width](const std::vector<Candidate>& batch) {
    std::vector<Evaluation> out;
    for (std::size_t first = 0; first < batch.size(); first += width) {
      std::vector<Child> running;
      for (std::size_t i = first; i < std::min(batch.size(), first + width); ++i)
        running.push_back(start(app, machine, batch[i]));
      for (std::size_t i = 0; i < running.size(); ++i) out.push_back(finish(batch[first + i], running[i]));
    }
    return out;
  };
}

}  // namespace mage::search
