// The subcommands. Each takes parsed options and returns the process exit code (see inputs.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mage::cli {

struct CheckOptions {
  std::string file;
  std::optional<std::string> machine;
  std::optional<std::string> app;
  std::string format = "text";
};
int run_check(const CheckOptions& o);

struct FmtOptions {
  std::string file;
  bool check = false;
  bool write = false;
  bool upgrade = false;  // rewrite the historical forms into the current ones (docs/language.md §9.1)
};
int run_fmt(const FmtOptions& o);

struct MapOptions {
  std::string file;
  std::string machine;
  std::string task;
  std::optional<std::string> domain;  // absent: a single launch
  std::optional<std::string> parent_proc;
  std::optional<std::string> parent_kind;
  std::optional<std::string> app;
  std::string format = "text";
};
int run_map(const MapOptions& o);

struct SimOptions {
  std::string file;    // the mapper program (or `mapper`)
  std::string mapper;  // `expert`, `default` or a file
  std::string app;     // a built-in application or an application model file (TOML or JSON)
  std::vector<std::string> params;  // NAME=VALUE for a built-in application
  std::string machine = "p100x4";
  std::int64_t nodes = 1;
  std::optional<std::string> trace;  // write a Chrome/Perfetto trace here
  std::optional<std::string> report;  // write an HTML report of the simulation here
  std::string format = "text";
};
int run_sim(const SimOptions& o);

struct MachineShowOptions {
  std::string machine;
  std::int64_t nodes = 1;
  std::string format = "text";
};
int run_machine_show(const MachineShowOptions& o);

struct AppShowOptions {
  std::string file;  // a built-in application or a model file
  std::string machine = "p100x4";
  std::int64_t nodes = 1;
  std::vector<std::string> params;
  bool expert = false;  // print the expert mapper instead
  std::string format = "text";
};
int run_app_show(const AppShowOptions& o);

struct TuneOptions {
  std::string app;
  std::string machine = "p100x4";
  std::int64_t nodes = 1;
  std::vector<std::string> params;
  std::string optimizer = "auto";
  std::optional<std::size_t> budget;
  std::uint64_t seed = 1;
  int jobs = 2;
  std::optional<std::string> out;
  std::optional<std::string> resume;
  std::optional<std::string> run;  // a command to measure the real application with
  std::string pattern = "([0-9.eE+-]+)";
  std::string metric = "time";
  int repetitions = 1;
  double timeout = 600;
  bool quiet = false;
  // The LLM optimizer (`--optimizer llm`, or `hybrid`: the LLM, then classic phases seeded with its programs).
  std::string llm;  // openai:MODEL or anthropic:MODEL
  std::optional<std::string> llm_url, llm_key_env, replay;
  std::optional<double> llm_timeout;  // s per request (default: the provider Config's)
  std::size_t iterations = 10, candidates = 1, history = 4;
  double temperature = 0.7;
  std::string feedback = "suggest";
  std::string baseline;  // zero-shot or few-shot
  std::optional<std::string> report;  // write the run's HTML report here at the end
};
int run_tune(const TuneOptions& o);

struct ReportOptions {
  std::vector<std::string> runs;   // run directories
  std::optional<std::string> out;  // default: RUN/report.html for one run, report.html for several
};
int run_report(const ReportOptions& o);
// Writes the HTML report of `runs` to `out` (the best mapper simulated again, its trace beside the page)
// and prints its path; kExitOk, or kExitUsage after printing why not.
int write_report(const std::vector<std::string>& runs, const std::string& out);
// What `mage tune` prints at its end about the report: the page written (with --report) or how to write one.
int report_after_tune(const TuneOptions& o, const std::string& run_dir, int exit_code);

struct AppsOptions {
  std::string format = "text";
};
int run_apps(const AppsOptions& o);

}  // namespace mage::cli
