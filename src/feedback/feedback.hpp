// Feedback: every outcome of checking or simulating a mapper, in three parts — *system* (the raw result
// or error), *explain* (what it means) and *suggest* (what to change, naming the statement to edit).
//
// The explanations come from a table of rules (rules.cpp, listed in docs/feedback.md). Each rule has an
// id, a predicate over the facts extracted from one outcome, and two templates whose `{name}` fields are
// filled from those facts. Pure: no I/O, the same outcome always gives the same text.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lang/ast.hpp"
#include "lang/diagnostic.hpp"
#include "lang/kinds.hpp"
#include "sim/simulate.hpp"

namespace mage::feedback {

struct Feedback {
  std::string system;
  std::string explain;
  std::string suggest;
  std::vector<std::string> fired;  // ids of the rules that produced the text, in order
};

// From the diagnostics of checking or compiling a program (errors first, then warnings); `source`, if
// given, lets the feedback quote the line to edit. No diagnostics: the program is clean.
Feedback from_diagnostics(const lang::Diagnostics& diags, const lang::SourceFile* source);

// From a simulation: its error when it failed (out of memory included), otherwise where the time went.
// `program`, if given, lets suggestions name the rule that decided (the `Region` rule that placed a
// region, the `IndexTaskMap` rule of a launch).
Feedback from_simulation(const sim::SimResult& r, const lang::Program* program);

// "System: ...\nExplain: ...\nSuggest: ...".
std::string render(const Feedback& f);
nlohmann::json to_json(const Feedback& f);

// ---- the rule table ---------------------------------------------------------------------------------

enum class Outcome { Diagnostic, Performance };

// What the rules look at. Diagnostic facts describe one diagnostic (of checking, compiling or a failed
// simulation); performance facts describe one completed simulation. `vars` holds the text the templates
// insert, already formatted ("62%", "1.2 GiB", "the `Region` rule at line 6").
struct Facts {
  Outcome outcome = Outcome::Diagnostic;

  // Diagnostic: an empty code means there was none.
  std::string code;
  lang::Category category = lang::Category::Syntax;
  std::string message;
  bool has_candidate = false;     // the message offers a "did you mean"
  bool piece_too_large = false;   // out of memory: one instance needs more than the whole memory
  bool instance_limited = false;  // the program has an `InstanceLimit` rule (a stall's likely cause)

  // Performance: shares of the critical path (0..1).
  double compute_share = 0;
  double copies_share = 0;
  double runtime_share = 0;
  // The copy group that took longest.
  bool has_copy = false;
  MemKind copy_from = MemKind::SYSMEM;
  MemKind copy_to = MemKind::SYSMEM;
  // Load in the timed steps on the processor kind that did most work, in seconds of work: tasks without
  // work (placement, control) are left out.
  int kind_processors = 0;     // processors of that kind on the machine (or that ran tasks, if unknown)
  int kind_tasks = 0;          // tasks with work that ran on that kind
  int max_tasks = 0;           // on the processor of that kind with most of them
  double kind_work = 0;        // s of work on that kind
  double max_work = 0;         // s of work on the busiest processor of that kind
  double min_utilization = 0;  // work / timed window, of the least and the most busy processor of that kind
  double max_utilization = 0;
  int points_per_step = 0;  // of the kind's main task in one step (0: unknown)
  // Host processors working while GPUs stay idle, where a `Task` rule could move the work.
  int host_tasks = 0;          // on CPU or OMP processors, of tasks a `Task` rule keeps off the GPUs
  int gpus = 0;                // on the machine
  double gpu_utilization = 0;  // mean over the machine's GPUs
  double zero_copy_share = 0;  // of GPU busy time, spent by tasks with an argument in ZCMEM
  double memory_fill = 0;      // the highest peak / capacity
  int nodes = 1;
  bool replicated = false;         // the program has a `ControlReplicate` rule
  std::vector<std::string> fired;  // rules fired so far for this outcome

  std::map<std::string, std::string> vars;
};

// Thresholds of the performance rules.
inline constexpr double kCopiesShare = 0.3;   // of the critical path waiting for copies
inline constexpr double kRuntimeShare = 0.3;  // of the critical path waiting for the runtime
inline constexpr double kImbalance = 1.25;    // busiest processor's work over an even share
inline constexpr double kIdleShare = 0.5;     // least busy processor's utilization over the busiest's
inline constexpr double kIdleGpus = 0.25;     // mean GPU utilization below which GPUs count as idle
inline constexpr double kZeroCopyShare = 0.25;
inline constexpr double kMemoryFill = 0.9;

struct Rule {
  std::string_view id;
  Outcome outcome;
  bool (*when)(const Facts&);
  std::string_view explain;  // `{name}` is replaced by vars["name"]
  std::string_view suggest;
};

// In evaluation order. For a diagnostic the first rule that applies speaks; for a simulation every
// performance rule that applies does, in order.
std::span<const Rule> rules();

// A template with its `{name}` fields filled; an unknown name is left as written.
std::string fill(std::string_view text, const std::map<std::string, std::string>& vars);

}  // namespace mage::feedback
