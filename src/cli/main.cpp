// The `mage` command line: option parsing only; every command's work lives in the core library.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/inputs.hpp"
#include "cli/mcp_command.hpp"

namespace {

int run_command_line(int argc, char** argv) {
  using namespace mage::cli;
  CLI::App app{"mage: find fast mappings for task-based parallel programs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "mage 0.1.0");

  CheckOptions check;
  auto* c = app.add_subcommand("check", "Check a mapper program: syntax, names, kinds, rules; with --machine also evaluate it");
  c->add_option("FILE", check.file, "mapper program")->required();
  c->add_option("--machine", check.machine, "preset (p100x4, dgx-h100, cpu), spec (nodes=2,gpus=4,cpus=8) or TOML file");
  c->add_option("--app", check.app, "application description (TOML) for task and region names");
  c->add_option("--format", check.format, "output format")->check(CLI::IsMember({"text", "json"}));

  FmtOptions fmt;
  auto* f = app.add_subcommand("fmt", "Print a mapper program in canonical form");
  f->add_option("FILE", fmt.file, "mapper program")->required();
  auto* fcheck = f->add_flag("--check", fmt.check, "exit 1 if the file is not canonically formatted");
  f->add_flag("--write,-w", fmt.write, "rewrite the file in place (atomically)")->excludes(fcheck);
  f->add_flag("--upgrade", fmt.upgrade,
              "also rewrite the historical (2022) forms into the current ones: the same placements, no "
              "legacy warnings");

  MapOptions map;
  auto* m = app.add_subcommand("map", "Show which processor each point of a launch is mapped to");
  m->add_option("FILE", map.file, "mapper program")->required();
  m->add_option("--machine", map.machine, "preset, spec (nodes=2,gpus=4,cpus=8,omps=2) or TOML file")->required();
  m->add_option("--task", map.task, "task name")->required();
  m->add_option("--domain", map.domain, "index launch domain, e.g. 8x4 (omit for a single launch)");
  m->add_option("--parent-proc", map.parent_proc, "the parent task's processor as NODE,PROC");
  m->add_option("--parent-kind", map.parent_kind, "the parent's processor kind (default: the task's kind)");
  m->add_option("--app", map.app, "application description (TOML) giving the task's variants");
  m->add_option("--format", map.format, "output format")->check(CLI::IsMember({"text", "json"}));

  SimOptions sim;
  auto* s = app.add_subcommand("sim", "Simulate an application under a mapper program on a modelled machine");
  auto* sim_file = s->add_option("FILE", sim.file, "mapper program");
  s->add_option("--mapper", sim.mapper, "expert or default (built-in applications), or a mapper program file")
      ->excludes(sim_file);
  s->add_option("--app", sim.app, "built-in application (see `mage apps`) or application model (TOML or JSON)")
      ->required();
  s->add_option("--param", sim.params, "NAME=VALUE: a built-in application's parameter (repeatable)");
  s->add_option("--machine", sim.machine, "preset (p100x4, dgx-h100, cpu) or machine model TOML file")
      ->capture_default_str();
  s->add_option("--nodes", sim.nodes, "number of nodes")->check(CLI::Range(1, 65536))->capture_default_str();
  s->add_option("--trace", sim.trace, "write a Chrome/Perfetto trace (JSON) to this file");
  s->add_option("--report", sim.report, "write an HTML report (timeline, per-task times, feedback) to this file");
  s->add_option("--format", sim.format, "output format")->check(CLI::IsMember({"text", "json"}));

  MachineShowOptions machine_show;
  auto* machine_cmd = app.add_subcommand("machine", "Describe machine models");
  machine_cmd->require_subcommand(1);
  auto* ms = machine_cmd->add_subcommand("show", "Print a machine model: processors, memories, links");
  ms->add_option("MACHINE", machine_show.machine, "preset or machine model TOML file")->required();
  ms->add_option("--nodes", machine_show.nodes, "number of nodes")->check(CLI::Range(1, 65536));
  ms->add_option("--format", machine_show.format, "output format")->check(CLI::IsMember({"text", "json"}));

  AppShowOptions app_show;
  auto* app_cmd = app.add_subcommand("app", "Describe application models");
  app_cmd->require_subcommand(1);
  auto* as = app_cmd->add_subcommand("show", "Print an application model: tasks, regions, launches");
  as->add_option("APP", app_show.file, "built-in application or application model (TOML or JSON)")->required();
  as->add_option("--machine", app_show.machine, "machine a built-in application is sized for")->capture_default_str();
  as->add_option("--nodes", app_show.nodes, "number of nodes")->check(CLI::Range(1, 65536))->capture_default_str();
  as->add_option("--param", app_show.params, "NAME=VALUE: a built-in application's parameter (repeatable)");
  as->add_flag("--expert", app_show.expert, "print the application's expert mapper program");
  as->add_option("--format", app_show.format, "output format")->check(CLI::IsMember({"text", "json"}));

  TuneOptions tune;
  auto* t = app.add_subcommand("tune", "Search for a fast mapper: classic optimizers over the mapping space");
  auto* tune_app = t->add_option("APP", tune.app, "built-in application (see `mage apps`) or application model file");
  t->add_option("--machine", tune.machine, "machine preset or model file")->capture_default_str();
  t->add_option("--nodes", tune.nodes, "number of nodes")->check(CLI::Range(1, 65536))->capture_default_str();
  t->add_option("--param", tune.params, "NAME=VALUE: a built-in application's parameter (repeatable)");
  t->add_option("--optimizer", tune.optimizer,
                 "random, ensemble, ccd, auto (the best classic one in the benchmark), llm, or hybrid (the LLM, "
                 "then the ensemble seeded with its programs and coordinate descent from its best)")
      ->check(CLI::IsMember({"random", "ensemble", "ccd", "auto", "llm", "hybrid"}))
      ->capture_default_str();
  t->add_option("--budget", tune.budget, "evaluations (default 100; with --resume, extends the run)");
  t->add_option("--seed", tune.seed, "random seed")->capture_default_str();
  t->add_option("--jobs,-j", tune.jobs, "evaluations at once")->check(CLI::Range(1, 256))->capture_default_str();
  t->add_option("--out", tune.out, "run directory (default runs/APP-OPTIMIZER-TIME)");
  auto* resume = t->add_option("--resume", tune.resume, "continue the run in this directory");
  resume->excludes(tune_app);
  t->add_option("--run", tune.run, "measure the real application: a command with {mapper} for the mapper file");
  t->add_option("--pattern", tune.pattern, "with --run: a regex whose first group is the measured number")
      ->capture_default_str();
  t->add_option("--metric", tune.metric, "with --run: what the number is")
      ->check(CLI::IsMember({"time", "throughput"}))
      ->capture_default_str();
  t->add_option("--repetitions", tune.repetitions, "with --run: runs per candidate (the median counts)")
      ->check(CLI::Range(1, 100));
  t->add_option("--timeout", tune.timeout, "with --run: seconds before a run is killed")->check(CLI::Range(1.0, 86400.0));
  t->add_flag("--quiet,-q", tune.quiet, "no progress line");
  t->add_option("--llm", tune.llm, "the LLM: openai:MODEL (any OpenAI-compatible server) or anthropic:MODEL");
  t->add_option("--llm-url", tune.llm_url, "the server's base URL (default: the provider's)");
  t->add_option("--llm-key-env", tune.llm_key_env, "environment variable holding the API key");
  t->add_option("--llm-timeout", tune.llm_timeout, "seconds one LLM request may take (default 300)")
      ->check(CLI::Range(1.0, 86400.0));
  t->add_option("--iterations", tune.iterations, "LLM iterations")->check(CLI::Range(1, 1000))->capture_default_str();
  t->add_option("--candidates", tune.candidates, "LLM candidates per iteration")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  t->add_option("--temperature", tune.temperature, "LLM sampling temperature")
      ->check(CLI::Range(0.0, 2.0))
      ->capture_default_str();
  t->add_option("--history", tune.history, "earlier attempts shown to the LLM")->capture_default_str();
  t->add_option("--feedback", tune.feedback, "feedback the LLM sees: system, explain (+ system) or suggest (all)")
      ->check(CLI::IsMember({"system", "explain", "suggest"}))
      ->capture_default_str();
  t->add_option("--baseline", tune.baseline, "no feedback: zero-shot, or few-shot (with example mappers)")
      ->check(CLI::IsMember({"zero-shot", "few-shot"}));
  t->add_option("--replay", tune.replay, "replay the LLM conversation recorded in this run directory (no network)");
  t->add_option("--report", tune.report, "at the end, write the run's HTML report to this file");

  ReportOptions report;
  auto* rp = app.add_subcommand("report", "Write one self-contained HTML page about tuning runs (open it in a browser)");
  rp->add_option("RUN_DIR", report.runs, "run directories of `mage tune` (several: compared on one page)")->required();
  rp->add_option("--out,-o", report.out, "the page to write (default RUN_DIR/report.html, or report.html for several)");

  auto* mcp = app.add_subcommand("mcp", "Serve the Model Context Protocol on stdin/stdout, for LLM agents and assistants");

  AppsOptions apps_list;
  auto* al = app.add_subcommand("apps", "List the built-in applications");
  al->add_option("--format", apps_list.format, "output format")->check(CLI::IsMember({"text", "json"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (*c) return run_check(check);
  if (*f) return run_fmt(fmt);
  if (*m) return run_map(map);
  if (*s) return run_sim(sim);
  if (*ms) return run_machine_show(machine_show);
  if (*as) return run_app_show(app_show);
  if (*al) return run_apps(apps_list);
  if (*mcp) return run_mcp();
  if (*rp) return run_report(report);
  if (*t) {
    if (tune.app.empty() && !tune.resume) {
      std::fputs("error: give an application (see `mage apps`) or --resume DIR\n", stderr);
      return kExitUsage;
    }
    return run_tune(tune);
  }
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mage::cli;
  const int code = run_command_line(argc, argv);
  // Output that could not be written (a full disk, `> /dev/full`, a closed pipe) is a failure, never a
  // silent success.
  std::cout.flush();
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  const int saved = errno;
  if (!flushed || std::ferror(stdout) || std::cout.bad()) {
    std::fprintf(stderr, "error: cannot write to standard output%s%s\n", saved ? ": " : "",
                 saved ? std::strerror(saved) : "");
    return code == kExitOk || code == kExitFindings ? kExitUsage : code;
  }
  return code;
}
