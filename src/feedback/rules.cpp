// The rule table: what each outcome means and what to change. docs/feedback.md lists every rule.
//
// Conventions for template fields: `{task}`, `{region}`, `{function}` are quoted names or a description
// when the name is unknown ("the task"); `{task_id}`, `{region_id}` are bare names for statements the
// suggestion spells out; `{where}` is the line to edit, `{at}` " at line N" or nothing; `*_edit` fields
// say which statement to edit or add.
#include <array>
#include <cctype>
#include <cmath>

#include "feedback/feedback.hpp"

namespace mage::feedback {

namespace {

bool is(const Facts& f, std::string_view code) { return f.code == code; }
bool has(const Facts& f, std::string_view text) { return f.message.find(text) != std::string::npos; }
bool category(const Facts& f, lang::Category c) { return f.category == c; }

bool copies_dominate(const Facts& f) { return f.has_copy && f.copies_share >= kCopiesShare; }
bool on_gpu(MemKind m) { return m == MemKind::FBMEM; }

// The main task has fewer points in a step than its kind has processors: nothing a mapping can spread.
bool few_points(const Facts& f) {
  return f.kind_processors >= 2 && f.points_per_step > 0 && f.points_per_step < f.kind_processors;
}

// More work on some processors of a kind than an even spread would give, in seconds of work.
bool imbalanced(const Facts& f) {
  if (f.kind_processors < 2 || f.kind_work <= 0 || f.kind_tasks < f.kind_processors || few_points(f)) return false;
  double even = f.kind_work / f.kind_processors;
  return f.max_work >= kImbalance * even || f.min_utilization < kIdleShare * f.max_utilization;
}

bool runtime_dominates(const Facts& f) { return f.runtime_share >= kRuntimeShare; }

using When = bool (*)(const Facts&);
constexpr Rule D(std::string_view id, When when, std::string_view explain, std::string_view suggest) {
  return Rule{id, Outcome::Diagnostic, when, explain, suggest};
}
constexpr Rule P(std::string_view id, When when, std::string_view explain, std::string_view suggest) {
  return Rule{id, Outcome::Performance, when, explain, suggest};
}

using lang::Category;

const std::array kRules = {
    // ---- no diagnostics ----
    D("check.clean", [](const Facts& f) { return f.code.empty() && f.message.empty(); },
      "the program parses and passes every static check; it has not been run yet",
      "simulate it on the target machine and application to measure it"),

    // ---- mage's own failures: never the program's ----
    D("internal.crash", [](const Facts& f) { return is(f, "sim.crash"); },
      "{message}: this says nothing about the mapper, which is kept unchanged",
      "change nothing because of this outcome: evaluate the program again, and report the crash with the "
      "program and the command line"),

    // ---- syntax ----
    D("syntax.colon-in-def",
      [](const Facts& f) { return is(f, "syntax.unexpected-token") && has(f, "function body, found `:`"); },
      "the function body opens with `:`, as in Python; in this language a body is a block in braces",
      "there is no colon in a function definition: replace the `:` with `{` and close the body with `}`"
      "{where}"),
    D("syntax.missing-semicolon", [](const Facts& f) { return is(f, "syntax.missing-semicolon"); },
      "a statement ends without `;`, so the next line would be read as its continuation: {message}",
      "add `;` at the end of the statement{where}"),
    D("syntax.control-flow", [](const Facts& f) { return is(f, "syntax.unsupported"); },
      "the mapping language has no `if`, `for` or `while` statements: {message}", "{hint}{where}"),
    D("syntax.statement-in-function", [](const Facts& f) { return is(f, "syntax.statement-in-function"); },
      "rules such as `Task` or `Region` are top-level statements, but this one is inside a function body "
      "(perhaps a `}` is missing above it)",
      "{hint}{where}"),
    D("syntax.missing-type", [](const Facts& f) { return is(f, "syntax.missing-type"); },
      "every parameter of a function declares its type: {message}", "{hint}{where}"),
    D("syntax.unexpected-token", [](const Facts& f) { return is(f, "syntax.unexpected-token"); },
      "the parser met a token that cannot appear here: {message}", "{hint}{where}"),
    D("syntax.other", [](const Facts& f) { return category(f, Category::Syntax); },
      "the program does not parse: {message}", "{hint}{where}"),

    // ---- static ----
    D("static.unknown-kind",
      [](const Facts& f) {
        return is(f, "static.unknown-kind") || is(f, "static.unknown-proc-kind") ||
               is(f, "static.unknown-mem-kind");
      },
      "{finding}; rules name processor kinds (CPU, GPU, OMP, ...) and memory kinds (SYSMEM, FBMEM, ZCMEM, "
      "...) exactly as written here",
      "{fix}{where}"),
    D("static.did-you-mean", [](const Facts& f) { return category(f, Category::Static) && f.has_candidate; },
      "{name} is not known here; it is probably a misspelling of `{candidate}`",
      "write `{candidate}` instead of {name}{where}"),
    D("static.undefined-name",
      [](const Facts& f) {
        return is(f, "static.undefined-name") || is(f, "static.undefined-function") ||
               is(f, "static.used-before-assignment");
      },
      "{message}: a name must be assigned, or a function defined, before it is used", "{hint}{where}"),
    D("static.layout-conflict", [](const Facts& f) { return is(f, "static.layout-conflict"); },
      "one `Layout` statement asks for layouts no instance can have at once: {message}", "{hint}{where}"),
    D("static.dead-rule",
      [](const Facts& f) { return is(f, "static.dead-rule") || is(f, "static.partly-dead-rule"); },
      "{message}: a more specific rule, or a later one as specific, decides for the same tasks, so editing "
      "this one changes nothing",
      "remove it or make it more specific; to change the decision, edit {overrider}{where}"),
    D("static.mapping-function-signature",
      [](const Facts& f) { return is(f, "static.mapping-function-signature"); },
      "a mapping function receives the task being mapped as its only argument: {message}",
      "{hint}: the definition must read `def {name_id}(Task task)`"),
    D("static.machine-lacks",
      [](const Facts& f) {
        return is(f, "static.kind-not-on-machine") || is(f, "static.unaddressable-memory");
      },
      "{message}: the rule names hardware this machine does not offer", "{hint}{where}"),
    D("static.app-lacks",
      [](const Facts& f) { return is(f, "static.unknown-task") || is(f, "static.unknown-region"); },
      "{message}, so the rule never applies to it", "{hint}{where}"),
    D("static.other", [](const Facts& f) { return category(f, Category::Static); },
      "{consequence}: {message}", "{hint}{where}"),

    // ---- evaluation ----
    D("eval.point-outside-machine",
      [](const Facts& f) { return is(f, "eval.index-out-of-range") && has(f, "dimension"); },
      "the function maps a point outside the machine: {message}",
      "use `%` with the extent, e.g. `m[i % m.size[0], j % m.size[1]]`, in {function} ({map_rule}); {hint}"),
    D("eval.index-out-of-range", [](const Facts& f) { return is(f, "eval.index-out-of-range"); },
      "a tuple is indexed past its end: {message}", "{hint}, in {function}{where}"),
    D("eval.division-by-zero", [](const Facts& f) { return is(f, "eval.division-by-zero"); },
      "a divisor is 0 for some point: usually a machine extent, a launch size, or a block size computed as a "
      "quotient that rounds down to 0",
      "{hint}; the division is in {function}{where}"),
    D("eval.type-mismatch", [](const Facts& f) { return is(f, "eval.type-mismatch"); },
      "an expression gives a value of the wrong type: {message}", "{hint}{where}"),
    D("eval.bounds",
      [](const Facts& f) {
        return is(f, "eval.too-many-steps") || is(f, "eval.recursion-too-deep") || is(f, "eval.too-much-memory") ||
               is(f, "eval.step-budget");
      },
      "the evaluation did not finish within its bounds: {message}",
      "make the recursion stop, or compute the result directly: {hint}{where}"),
    D("eval.other", [](const Facts& f) { return category(f, Category::Evaluation); },
      "evaluating the program failed: {message}", "{hint}{where}"),

    // ---- mapping ----
    D("mapping.no-usable-variant", [](const Facts& f) { return is(f, "mapping.no-usable-variant"); },
      "{task} has no variant for any processor kind that its `Task` rule lists and the machine has, so it "
      "cannot run",
      "move the task to a processor kind it has a variant for: edit the `Task` rule{at}; {hint}"),
    D("mapping.memory-not-addressable",
      [](const Facts& f) { return is(f, "mapping.memory-not-addressable"); },
      "`{mem}` is {mem_desc}; a {proc} task cannot address it",
      "a {proc} task needs {addressable}: edit the `Region` rule{at}, or run {task} on another processor "
      "kind"),
    D("mapping.layout-rejected", [](const Facts& f) { return is(f, "mapping.layout-rejected"); },
      "the {proc} variant of {task} expects another layout for {region} than the `Layout` rules give it",
      "the variant expects another layout: change the `Layout` rule{at} or run {task} on another processor "
      "kind with its `Task` rule"),
    D("mapping.piece-too-large",
      [](const Facts& f) { return is(f, "mapping.out-of-memory") && f.piece_too_large; },
      "one instance of {region} for {point} needs {need}, more than all of {memory_desc} ({capacity}): no "
      "memory of that kind can hold it, whatever else is collected",
      "put {region} in ZCMEM or SYSMEM for {task} ({region_edit}), or split it into more pieces in the "
      "application"),
    D("mapping.out-of-memory", [](const Facts& f) { return is(f, "mapping.out-of-memory"); },
      "region {region} does not fit in {memory_desc}: {point} needs {need} there, and {in_use} of {capacity} "
      "are in use",
      "put {region} in ZCMEM or SYSMEM ({region_edit}), spread the launch over more processors "
      "({index_edit}), or bound live instances with `InstanceLimit {task_id} N;` or "
      "`CollectMemory {task_id} {region_id};`"),
    D("mapping.function-result",
      [](const Facts& f) { return is(f, "mapping.wrong-kind") || is(f, "mapping.not-a-processor"); },
      "the mapping function's answer is not a processor the task can run on: {message}",
      "{hint}; edit {function} ({map_rule})"),
    D("sim.process-failed", [](const Facts& f) { return is(f, "sim.process-failed"); },
      "the simulator could not finish this run: {message}",
      "this says nothing about the mapper: the simulator ran out of memory or hit a resource limit; "
      "simulate fewer nodes or a smaller problem, or raise the limit"),
    D("sim.stall-instance-limit", [](const Facts& f) { return is(f, "sim.failed") && f.instance_limited; },
      "the simulated program stopped before finishing: {message}",
      "an `InstanceLimit` below what one task needs keeps it from ever mapping: raise or remove "
      "{limit_rule}"),
    D("sim.stall", [](const Facts& f) { return is(f, "sim.failed"); },
      "the simulated program stopped before finishing: {message}",
      "no `InstanceLimit` rule holds tasks back, so look for a dependence cycle in the application"),
    // ---- real runs (the command evaluator) ----
    D("run.timeout", [](const Facts& f) { return is(f, "run.timeout"); },
      "the application did not finish within the time limit under this mapper: {message}",
      "a mapping that serialises the work or keeps memory full can stall a run: undo the last change{where}, "
      "or raise `--timeout` if runs are simply this long"),
    D("run.crash",
      [](const Facts& f) {
        return is(f, "run.signal") ||
               (is(f, "run.exit-status") && f.message.find("killed by signal") != std::string::npos);
      },
      "the application crashed under this mapper: {message}",
      "the mapper asked for something the application's kernels cannot run with (a layout they do not "
      "support, such as AOS, or a memory they cannot use){where}: go back to the last mapper that ran and "
      "change one statement at a time"),
    D("run.failed", [](const Facts& f) { return is(f, "run.exit-status") || is(f, "run.start-failed"); },
      "the application failed under this mapper: {message}", "{hint}{where}"),
    D("run.no-measurement",
      [](const Facts& f) { return is(f, "run.no-match") || is(f, "run.bad-value"); },
      "the run ended but printed no measurement the pattern recognises: {message}",
      "check `--pattern` against the application's output: {hint}"),
    D("mapping.other", [](const Facts& f) { return category(f, Category::Mapping); },
      "the policy could not map a task: {message}", "{hint}{where}"),

    // ---- inputs ----
    D("usage.input", [](const Facts& f) { return category(f, Category::Usage); },
      "an input other than the mapper is invalid (a machine or application description, or an option): "
      "{message}",
      "{hint}{where}"),

    // ---- performance, every rule that applies ----
    P("perf.copies-between-gpus",
      [](const Facts& f) { return copies_dominate(f) && on_gpu(f.copy_from) && on_gpu(f.copy_to); },
      "{copies_pct} of the critical path is copies FBMEM→FBMEM of {region} for {task} "
      "({copy_count} copies, {copy_bytes}, {copy_time}): points that share data run on different GPUs",
      "map neighbouring points to one GPU ({copy_index_edit}), or consider ZCMEM placement of {region} "
      "for {task} so that every GPU reads one copy ({copy_region_edit})"),
    P("perf.copies-to-gpu",
      [](const Facts& f) { return copies_dominate(f) && !on_gpu(f.copy_from) && on_gpu(f.copy_to); },
      "{copies_pct} of the critical path is copies {from}→FBMEM of {region} for {task} "
      "({copy_count} copies, {copy_bytes}, {copy_time}): data kept in host memory moves to the GPU before "
      "each use",
      "consider ZCMEM placement of {region} for {task}, read in place over PCIe ({copy_region_edit}), or "
      "keep it in FBMEM for the tasks that write it too"),
    P("perf.copies-from-gpu",
      [](const Facts& f) { return copies_dominate(f) && on_gpu(f.copy_from) && !on_gpu(f.copy_to); },
      "{copies_pct} of the critical path is copies FBMEM→{to} of {region} for {task} "
      "({copy_count} copies, {copy_bytes}, {copy_time}): {task} reads in {to} what a GPU task wrote in its "
      "framebuffer",
      "consider ZCMEM placement of {region} for the writer and {task} alike, FBMEM for both if they run "
      "on one GPU ({copy_region_edit}), or mapping neighbouring points to one GPU ({copy_index_edit})"),
    P("perf.copies",
      [](const Facts& f) { return copies_dominate(f) && !on_gpu(f.copy_from) && !on_gpu(f.copy_to); },
      "{copies_pct} of the critical path is copies {from}→{to} of {region} for {task} "
      "({copy_count} copies, {copy_bytes}, {copy_time})",
      "place {region} where {task} and the tasks that write it can share it ({copy_region_edit}), or map "
      "points that share data to one node ({copy_index_edit})"),
    P("perf.imbalance", imbalanced,
      "{idle_proc} is idle {idle_pct} of the timed steps: the mapping puts {heavy_work_s} of the {kind_work_s} "
      "of {kind} work ({heavy_work}) on {heavy_procs} ({heavy_count} of {kind_processors} {kind}s)",
      "spread the points of {main_task} evenly over all {kind_processors} {kind}s, e.g. with a block or "
      "cyclic map over the whole machine space: {index_edit}"),
    P("perf.few-points", few_points,
      "{main_task} has {points_per_step} points per step for {kind_processors} {kind}s, so {idle_count} of "
      "them have none of its work",
      "a mapping cannot split a point: use more pieces in the application, or give the idle {kind}s other "
      "tasks ({index_edit})"),
    P("perf.host-while-gpus-idle",
      [](const Facts& f) { return f.host_tasks > 0 && f.gpus > 0 && f.gpu_utilization < kIdleGpus; },
      "tasks run on {host_kind} while the machine has idle GPUs: {host_task_list} ran {host_tasks} tasks on "
      "{host_kind}, and the {gpus} GPUs are busy {gpu_pct} of the time",
      "put GPU first in the `Task` rule: `Task {host_task_id} GPU, {host_kind};` ({host_task_edit}); a task "
      "without a GPU variant stays on {host_kind}"),
    P("perf.zero-copy", [](const Facts& f) { return f.zero_copy_share >= kZeroCopyShare; },
      "zero-copy access slows {zc_task}: its argument {zc_region} lives in ZCMEM, read over PCIe; tasks with "
      "ZCMEM arguments take {zc_pct} of the GPUs' busy time",
      "put {zc_region} in FBMEM for {zc_task}: `Region {zc_task_id} {zc_region_id} GPU FBMEM;` "
      "({zc_region_edit}); keep ZCMEM for data read once or shared with CPU tasks"),
    P("perf.memory-near-capacity", [](const Facts& f) { return f.memory_fill >= kMemoryFill; },
      "{full_memory} is {fill_pct} full at its peak ({peak} of {capacity}); its largest instances are of "
      "{full_region}",
      "one more instance may not fit: bound live instances with `InstanceLimit {full_task_id} N;` or "
      "`CollectMemory {full_task_id} {full_region_id};`, or move {full_region} to {roomier} "
      "({full_region_edit})"),
    P("perf.runtime-overhead-nodes",
      [](const Facts& f) { return runtime_dominates(f) && f.nodes > 1 && !f.replicated; },
      "runtime overhead dominates: {runtime_pct} of the critical path waits for the runtime, and node 0 "
      "launches every task of all {nodes} nodes; {task_count} tasks average {mean_task} of computation "
      "against {overhead} of runtime work each",
      "let each node launch its own tasks: add `ControlReplicate {main_task_id};`"),
    P("perf.runtime-overhead",
      [](const Facts& f) { return runtime_dominates(f) && (f.nodes <= 1 || f.replicated); },
      "runtime overhead dominates (many tiny tasks): {runtime_pct} of the critical path waits for the "
      "runtime; {task_count} tasks average {mean_task} of computation against {overhead} of runtime work "
      "each",
      "the tasks are too small for their mapping cost: use fewer, larger pieces in the application; a "
      "mapping can only avoid adding work per task, such as copies"),
    P("perf.balanced", [](const Facts& f) { return f.fired.empty(); },
      "balanced, compute-bound: {compute_pct} of the critical path is computation, and the {kind_processors} "
      "{kind}s are evenly loaded (busy {util_range})",
      "the mapping is not what limits this run; only a faster processor kind for {main_task} could shorten "
      "it, if it has a variant for one ({task_edit})"),
};

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

std::span<const Rule> rules() { return kRules; }

std::string fill(std::string_view text, const std::map<std::string, std::string>& vars) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '{') {
      std::size_t j = i + 1;
      while (j < text.size() && name_char(text[j])) ++j;
      if (j > i + 1 && j < text.size() && text[j] == '}') {
        if (auto it = vars.find(std::string(text.substr(i + 1, j - i - 1))); it != vars.end()) {
          out += it->second;
          i = j + 1;
          continue;
        }
      }
    }
    out += text[i++];
  }
  return out;
}

}  // namespace mage::feedback
