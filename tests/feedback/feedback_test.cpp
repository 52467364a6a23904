// The feedback engine: every rule fires on its case and stays quiet on a contrasting one.
#include "feedback/feedback.hpp"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lang/checker.hpp"
#include "lang/parser.hpp"
#include "mapping/policy.hpp"
#include "model/app_io.hpp"
#include "sim/simulate.hpp"
#include "util/files.hpp"

namespace mage::feedback {
namespace {

using lang::Category;

bool fired(const Feedback& f, std::string_view id) {
  return std::find(f.fired.begin(), f.fired.end(), id) != f.fired.end();
}

// Every `{field}` of the templates that fired was filled.
void expect_filled(const Feedback& f) {
  static const std::regex field(R"(\{[a-z_0-9]+\})");
  EXPECT_FALSE(std::regex_search(f.explain, field)) << f.explain;
  EXPECT_FALSE(std::regex_search(f.suggest, field)) << f.suggest;
}

// ---- diagnostics ----------------------------------------------------------------------------------

Feedback checked(const std::string& text) {
  lang::SourceFile source("t.mpl", text);
  lang::Diagnostics d;
  lang::Program p = lang::parse(source, d);
  if (!d.has_errors()) lang::check_program(p, {}, d);
  Feedback f = from_diagnostics(d, &source);
  expect_filled(f);
  return f;
}

lang::Diagnostic diag(Category c, std::string code, std::string message, std::string hint = "do this",
                      std::vector<std::string> notes = {}) {
  lang::Diagnostic d;
  d.category = c;
  d.code = std::move(code);
  d.message = std::move(message);
  d.hint = std::move(hint);
  d.notes = std::move(notes);
  return d;
}

Feedback from_one(const lang::Diagnostic& d) {
  lang::Diagnostics ds;
  ds.add(d);
  Feedback f = from_diagnostics(ds, nullptr);
  expect_filled(f);
  return f;
}

lang::Program program(const std::string& text) {
  lang::Diagnostics d;
  lang::Program p = lang::parse(lang::SourceFile("t.mpl", text), d);
  EXPECT_FALSE(d.has_errors()) << lang::render_text(d, nullptr);
  return p;
}

TEST(FeedbackRules, IdsAreUniqueAndDocumented) {
  std::ifstream doc(std::string(MAGE_SOURCE_DIR) + "/docs/feedback.md");
  std::stringstream text;
  text << doc.rdbuf();
  std::set<std::string_view> ids;
  for (const Rule& r : rules()) {
    EXPECT_TRUE(ids.insert(r.id).second) << r.id;
    EXPECT_NE(text.str().find(fmt::format("`{}`", r.id)), std::string::npos)
        << r.id << " is not in docs/feedback.md";
  }
}

TEST(FeedbackRules, FillReplacesKnownFieldsOnly) {
  std::map<std::string, std::string> vars{{"task", "`t`"}};
  EXPECT_EQ(fill("run {task} with `{` ... `}` and {other}", vars), "run `t` with `{` ... `}` and {other}");
  EXPECT_EQ(fill("{task}{task}", vars), "`t``t`");
  EXPECT_EQ(fill("{", vars), "{");
}

TEST(FeedbackRender, ThreePartsAndJson) {
  Feedback f{"raw", "meaning", "change", {"r"}};
  EXPECT_EQ(render(f), "System: raw\nExplain: meaning\nSuggest: change");
  auto j = to_json(f);
  EXPECT_EQ(j["system"], "raw");
  EXPECT_EQ(j["explain"], "meaning");
  EXPECT_EQ(j["suggest"], "change");
  EXPECT_EQ(j["fired"], nlohmann::json::array({"r"}));
}

TEST(FeedbackDiagnostics, CleanProgram) {
  Feedback f = checked("Task * GPU, CPU;\n");
  EXPECT_EQ(f.fired, std::vector<std::string>{"check.clean"});
  EXPECT_EQ(f.system, "no errors or warnings");
  EXPECT_FALSE(fired(checked("Task * GPU, CPU\n"), "check.clean"));
}

TEST(FeedbackDiagnostics, ColonInFunctionDefinition) {
  Feedback f = checked("def f(Task task): {\n  return 0;\n}\n");
  ASSERT_TRUE(fired(f, "syntax.colon-in-def")) << render(f);
  EXPECT_NE(f.suggest.find("there is no colon in a function definition"), std::string::npos);
  EXPECT_NE(f.suggest.find("line 1: `def f(Task task): {`"), std::string::npos) << f.suggest;
  EXPECT_FALSE(fired(checked("def f(Task task) {\n  return 0 0;\n}\n"), "syntax.colon-in-def"));
}

TEST(FeedbackDiagnostics, MissingSemicolon) {
  Feedback f = checked("Task * GPU\nRegion * * GPU FBMEM;\n");
  ASSERT_EQ(f.fired.front(), "syntax.missing-semicolon") << render(f);
  EXPECT_NE(f.suggest.find("add `;`"), std::string::npos);
  EXPECT_NE(f.suggest.find("line 1"), std::string::npos) << f.suggest;
  EXPECT_FALSE(fired(checked("Task * GPU;\nRegion * * GPU FBMEM;\n"), "syntax.missing-semicolon"));
}

TEST(FeedbackDiagnostics, ControlFlow) {
  Feedback f = checked("def f(Task task) {\n  if (1) { return 0; }\n}\n");
  ASSERT_TRUE(fired(f, "syntax.control-flow")) << render(f);
  EXPECT_NE(f.suggest.find("?"), std::string::npos);
  EXPECT_FALSE(fired(checked("def f(Task task) {\n  return 1 ? 0 : 1;\n}\n"), "syntax.control-flow"));
}

TEST(FeedbackDiagnostics, StatementInFunction) {
  Feedback f = checked("def f(Task task) {\n  Task * GPU;\n}\n");
  ASSERT_TRUE(fired(f, "syntax.statement-in-function")) << render(f);
  EXPECT_FALSE(
      fired(checked("def f(Task task) {\n  return 0;\n}\nTask * GPU;\n"), "syntax.statement-in-function"));
}

TEST(FeedbackDiagnostics, MissingType) {
  Feedback f = checked("def f(task) {\n  return 0;\n}\n");
  ASSERT_TRUE(fired(f, "syntax.missing-type")) << render(f);
  EXPECT_NE(f.suggest.find("Task task"), std::string::npos) << f.suggest;
  EXPECT_FALSE(fired(checked("def f(Task task) {\n  return 0;\n}\n"), "syntax.missing-type"));
}

TEST(FeedbackDiagnostics, UnexpectedToken) {
  Feedback f = checked("Task * GPU,, CPU;\n");
  ASSERT_EQ(f.fired.front(), "syntax.unexpected-token") << render(f);
  EXPECT_NE(f.explain.find("cannot appear here"), std::string::npos);
  EXPECT_FALSE(fired(checked("Task * GPU, CPU;\n"), "syntax.unexpected-token"));
}

TEST(FeedbackDiagnostics, OtherSyntaxErrors) {
  Feedback f = checked("Task * GPU; @\n");
  ASSERT_EQ(f.fired.front(), "syntax.other") << render(f);
  EXPECT_NE(f.explain.find("does not parse"), std::string::npos);
  EXPECT_FALSE(fired(checked("Task * GPU;\n"), "syntax.other"));
}

TEST(FeedbackDiagnostics, UnknownKindWithDidYouMean) {
  Feedback f = checked("Task * GPX;\n");
  ASSERT_EQ(f.fired.front(), "static.unknown-kind") << render(f);
  EXPECT_NE(f.suggest.find("write `GPU` instead of `GPX`"), std::string::npos) << f.suggest;
  EXPECT_FALSE(fired(checked("Task * GPU;\n"), "static.unknown-kind"));
}

TEST(FeedbackDiagnostics, DidYouMean) {
  Feedback f =
      checked("mgpu = Machine(GPU);\ndef f(Task task) {\n  return mgp[0, 0];\n}\nIndexTaskMap t f;\n");
  ASSERT_EQ(f.fired.front(), "static.did-you-mean") << render(f);
  EXPECT_NE(f.explain.find("misspelling of `mgpu`"), std::string::npos) << f.explain;
  EXPECT_NE(f.suggest.find("write `mgpu` instead of `mgp`"), std::string::npos) << f.suggest;
  EXPECT_FALSE(fired(
      checked("mgpu = Machine(GPU);\ndef f(Task task) {\n  return zzzzzz[0, 0];\n}\nIndexTaskMap t f;\n"),
      "static.did-you-mean"));
}

TEST(FeedbackDiagnostics, UndefinedName) {
  Feedback f =
      checked("mgpu = Machine(GPU);\ndef f(Task task) {\n  return zzzzzz[0, 0];\n}\nIndexTaskMap t f;\n");
  ASSERT_EQ(f.fired.front(), "static.undefined-name") << render(f);
  EXPECT_NE(f.suggest.find("line 3"), std::string::npos) << f.suggest;
  EXPECT_FALSE(
      fired(checked("mgpu = Machine(GPU);\ndef f(Task task) {\n  return mgpu[0, 0];\n}\nIndexTaskMap t f;\n"),
            "static.undefined-name"));
}

TEST(FeedbackDiagnostics, LayoutConflict) {
  Feedback f = checked("Layout * * * SOA AOS;\n");
  ASSERT_EQ(f.fired.front(), "static.layout-conflict") << render(f);
  EXPECT_NE(f.suggest.find("keep only one"), std::string::npos) << f.suggest;
  EXPECT_FALSE(fired(checked("Layout * * * SOA F_order;\n"), "static.layout-conflict"));
}

TEST(FeedbackDiagnostics, DeadRuleWarning) {
  Feedback f = checked("Task * GPU;\nTask * CPU;\n");
  ASSERT_EQ(f.fired.front(), "static.dead-rule") << render(f);
  EXPECT_NE(f.suggest.find("edit the rule at line 2"), std::string::npos) << f.suggest;
  EXPECT_FALSE(fired(checked("Task * GPU;\nTask t CPU;\n"), "static.dead-rule"));
}

TEST(FeedbackDiagnostics, MappingFunctionSignature) {
  Feedback f = checked("def f(int x) {\n  return x;\n}\nIndexTaskMap t f;\n");
  ASSERT_TRUE(fired(f, "static.mapping-function-signature")) << render(f);
  EXPECT_NE(f.suggest.find("`def f(Task task)`"), std::string::npos) << f.suggest;
  EXPECT_FALSE(
      fired(checked("m = Machine(GPU);\ndef f(Task task) {\n  return m[0, 0];\n}\nIndexTaskMap t f;\n"),
            "static.mapping-function-signature"));
}

TEST(FeedbackDiagnostics, MachineLacks) {
  Feedback f =
      from_one(diag(Category::Static, "static.kind-not-on-machine", "the machine has no OMP processor kind",
                    "this entry is skipped on this machine; remove `OMP` if the machine is the target"));
  EXPECT_EQ(f.fired.front(), "static.machine-lacks");
  EXPECT_NE(f.explain.find("does not offer"), std::string::npos);
  EXPECT_FALSE(fired(from_one(diag(Category::Static, "static.unused-function", "function `g` is never used")),
                     "static.machine-lacks"));
}

TEST(FeedbackDiagnostics, ApplicationLacks) {
  Feedback f = from_one(diag(Category::Static, "static.unknown-task", "the application has no task `zzz`"));
  EXPECT_EQ(f.fired.front(), "static.app-lacks");
  // A close name makes it a misspelling instead.
  Feedback typo = from_one(diag(Category::Static, "static.unknown-task",
                                "the application has no task `stencl`; did you mean `stencil`?"));
  EXPECT_EQ(typo.fired.front(), "static.did-you-mean");
  EXPECT_FALSE(fired(typo, "static.app-lacks"));
  EXPECT_NE(typo.suggest.find("write `stencil` instead of `stencl`"), std::string::npos) << typo.suggest;
}

TEST(FeedbackDiagnostics, OtherStaticErrors) {
  Feedback f = from_one(diag(Category::Static, "static.duplicate-function", "function `f` is defined twice"));
  EXPECT_EQ(f.fired.front(), "static.other");
  EXPECT_EQ(f.explain, "the checker rejects the program: function `f` is defined twice");
  Feedback warned = checked("def f(Task task) {\n  return 0;\n}\n");
  EXPECT_EQ(warned.fired.front(), "static.other");
  EXPECT_EQ(warned.explain.rfind("the program runs, but the checker warns", 0), 0u) << warned.explain;
  EXPECT_FALSE(fired(from_one(diag(Category::Syntax, "syntax.too-deep", "too deep")), "static.other"));
}

// Evaluation errors come from the real interpreter through the policy, so the messages are the real ones.
Feedback mapped(const std::string& text, std::int64_t point, std::int64_t extent) {
  lang::Diagnostics d;
  auto machine = mapping::parse_machine_spec("nodes=1,gpus=4,cpus=4", d);
  auto policy = mapping::Policy::compile(lang::SourceFile("t.mpl", text), *machine, d);
  EXPECT_TRUE(policy) << lang::render_text(d, nullptr);
  if (!policy) return {};
  mapping::TaskContext t{"stencil", {point}, {extent}, nullptr, std::nullopt};
  const auto& got = policy->map_index_point(t, ProcKind::GPU);
  if (!got) d.add(got.error());
  Feedback f = from_diagnostics(d, &policy->source());
  expect_filled(f);
  return f;
}

constexpr const char* kMapHeader = "m = Machine(GPU);\n";

TEST(FeedbackDiagnostics, PointOutsideMachine) {
  std::string text = std::string(kMapHeader) +
                     "def f(Task task) {\n  return m[0, task.ipoint[0]];\n}\n"
                     "IndexTaskMap stencil f;\n";
  Feedback f = mapped(text, 5, 8);
  ASSERT_EQ(f.fired.front(), "eval.point-outside-machine") << render(f);
  EXPECT_NE(f.explain.find("the function maps a point outside the machine"), std::string::npos);
  EXPECT_NE(f.suggest.find("use `%` with the extent"), std::string::npos);
  EXPECT_NE(f.suggest.find("in `f` (the `IndexTaskMap` rule at line 5)"), std::string::npos) << f.suggest;
  EXPECT_EQ(mapped(text, 3, 8).fired.front(), "check.clean");
}

TEST(FeedbackDiagnostics, TupleIndexOutOfRange) {
  std::string text = std::string(kMapHeader) +
                     "def f(Task task) {\n  return m[0, task.ipoint[1]];\n}\n"
                     "IndexTaskMap stencil f;\n";
  Feedback f = mapped(text, 1, 8);
  ASSERT_EQ(f.fired.front(), "eval.index-out-of-range") << render(f);
  EXPECT_NE(f.suggest.find("in `f`"), std::string::npos) << f.suggest;
  EXPECT_FALSE(
      fired(mapped(text.replace(text.find("ipoint[1]"), 9, "ipoint[0]"), 1, 8), "eval.index-out-of-range"));
}

TEST(FeedbackDiagnostics, DivisionByZero) {
  std::string text = std::string(kMapHeader) +
                     "def f(Task task) {\n  return m[0, 4 / task.ipoint[0]];\n}\n"
                     "IndexTaskMap stencil f;\n";
  Feedback f = mapped(text, 0, 8);
  ASSERT_EQ(f.fired.front(), "eval.division-by-zero") << render(f);
  EXPECT_NE(f.suggest.find("`f`"), std::string::npos) << f.suggest;
  EXPECT_FALSE(fired(mapped(text, 2, 8), "eval.division-by-zero"));
}

TEST(FeedbackDiagnostics, TypeMismatch) {
  std::string text = std::string(kMapHeader) +
                     "def f(Task task) {\n  return m[0, task.ipoint[0] == 1];\n}\n"
                     "IndexTaskMap stencil f;\n";
  Feedback f = mapped(text, 1, 4);
  ASSERT_EQ(f.fired.front(), "eval.type-mismatch") << render(f);
  EXPECT_NE(f.explain.find("wrong type"), std::string::npos);
  EXPECT_FALSE(
      fired(from_one(diag(Category::Evaluation, "eval.overflow", "overflow")), "eval.type-mismatch"));
}

TEST(FeedbackDiagnostics, EvaluationBounds) {
  Feedback f =
      from_one(diag(Category::Evaluation, "eval.recursion-too-deep", "calls nested more than 64 deep"));
  EXPECT_EQ(f.fired.front(), "eval.bounds");
  EXPECT_NE(f.suggest.find("make the recursion stop"), std::string::npos);
  EXPECT_FALSE(fired(from_one(diag(Category::Evaluation, "eval.overflow", "overflow")), "eval.bounds"));
}

TEST(FeedbackDiagnostics, OtherEvaluationErrors) {
  Feedback f = from_one(diag(Category::Evaluation, "eval.overflow", "integer overflow in `a * b`"));
  EXPECT_EQ(f.fired.front(), "eval.other");
  EXPECT_FALSE(fired(from_one(diag(Category::Mapping, "mapping.no-memory", "no memory")), "eval.other"));
}

TEST(FeedbackDiagnostics, NoUsableVariant) {
  lang::Diagnostics d;
  auto machine = mapping::parse_machine_spec("nodes=1,gpus=4,cpus=4", d);
  auto policy = mapping::Policy::compile(lang::SourceFile("t.mpl", "Task * GPU;\n"), *machine, d);
  ASSERT_TRUE(policy);
  std::vector<ProcKind> cpu_only{ProcKind::CPU};
  auto kind = policy->choose_kind("check", cpu_only);
  ASSERT_FALSE(kind);
  Feedback f = from_one(kind.error());
  ASSERT_EQ(f.fired.front(), "mapping.no-usable-variant") << render(f);
  EXPECT_NE(f.explain.find("`check`"), std::string::npos) << f.explain;
  EXPECT_NE(f.suggest.find(
                "move the task to a processor kind it has a variant for: edit the `Task` rule at line 1"),
            std::string::npos)
      << f.suggest;
  EXPECT_NE(f.suggest.find("`Task check CPU;`"), std::string::npos) << f.suggest;
  EXPECT_FALSE(fired(from_one(diag(Category::Mapping, "mapping.no-memory", "no memory")),
                     "mapping.no-usable-variant"));
}

TEST(FeedbackDiagnostics, MemoryNotAddressable) {
  lang::Diagnostics d;
  auto machine = mapping::parse_machine_spec("nodes=1,gpus=4,cpus=4", d);
  auto policy = mapping::Policy::compile(
      lang::SourceFile("t.mpl", "Task * GPU;\nRegion * ghost CPU FBMEM;\n"), *machine, d);
  ASSERT_TRUE(policy);
  auto mem = policy->choose_memory("stencil", mapping::RegionRef{0, {"ghost"}}, ProcKind::CPU);
  ASSERT_FALSE(mem);
  Feedback f = from_one(mem.error());
  ASSERT_EQ(f.fired.front(), "mapping.memory-not-addressable") << render(f);
  EXPECT_NE(f.explain.find("`FBMEM` is a GPU memory"), std::string::npos) << f.explain;
  EXPECT_NE(f.suggest.find("a CPU task needs SYSMEM, SOCKMEM or ZCMEM: edit the `Region` rule at line 2"),
            std::string::npos)
      << f.suggest;
  EXPECT_FALSE(fired(from_one(diag(Category::Mapping, "mapping.no-memory", "no memory")),
                     "mapping.memory-not-addressable"));
}

TEST(FeedbackDiagnostics, LayoutRejected) {
  Feedback f =
      from_one(diag(Category::Mapping, "mapping.layout-rejected",
                    "the GPU variant of task `stencil` cannot run with argument 1 (`ghost`) laid out as "
                    "AOS F_order",
                    "change the `Layout` rule at line 4"));
  ASSERT_EQ(f.fired.front(), "mapping.layout-rejected");
  EXPECT_NE(f.explain.find("the GPU variant of `stencil` expects another layout for `ghost`"),
            std::string::npos)
      << f.explain;
  EXPECT_NE(f.suggest.find("change the `Layout` rule at line 4 or run `stencil` on another processor kind"),
            std::string::npos)
      << f.suggest;
  EXPECT_FALSE(
      fired(from_one(diag(Category::Mapping, "mapping.no-memory", "no memory")), "mapping.layout-rejected"));
}

constexpr const char* kOomMessage =
    "out of memory: the instance of `ghost` (17179869184 B) for stencil (3) needs 16.0 GiB in n0.fbmem3, "
    "which "
    "has 2.0 GiB of 16.0 GiB in use";

TEST(FeedbackDiagnostics, OutOfMemoryFromTheMessage) {
  Feedback f = from_one(diag(Category::Mapping, "mapping.out-of-memory", kOomMessage));
  ASSERT_EQ(f.fired.front(), "mapping.out-of-memory") << render(f);
  EXPECT_NE(
      f.explain.find("region `ghost` does not fit in FBMEM of n0.gpu3: stencil (3) needs 16.0 GiB there, and "
                     "2.0 GiB of 16.0 GiB are in use"),
      std::string::npos)
      << f.explain;
  EXPECT_NE(f.suggest.find("put `ghost` in ZCMEM or SYSMEM"), std::string::npos) << f.suggest;
  EXPECT_NE(f.suggest.find("`CollectMemory stencil ghost;`"), std::string::npos) << f.suggest;
  EXPECT_FALSE(
      fired(from_one(diag(Category::Mapping, "mapping.no-memory", "no memory")), "mapping.out-of-memory"));
}

TEST(FeedbackDiagnostics, MappingFunctionResult) {
  Feedback f =
      from_one(diag(Category::Mapping, "mapping.wrong-kind",
                    "task `t` runs on GPU but function `f` returned a CPU processor", "index a GPU space",
                    {"function `f` is used by the `IndexTaskMap` rule at line 9"}));
  EXPECT_EQ(f.fired.front(), "mapping.function-result");
  EXPECT_NE(f.suggest.find("edit `f` (the `IndexTaskMap` rule at line 9)"), std::string::npos) << f.suggest;
  EXPECT_FALSE(
      fired(from_one(diag(Category::Mapping, "mapping.no-memory", "no memory")), "mapping.function-result"));
}

TEST(FeedbackDiagnostics, OtherMappingErrors) {
  Feedback f = from_one(diag(Category::Mapping, "mapping.no-such-processor",
                             "the policy mapped t (3) to a GPU "
                             "processor the machine does not have"));
  EXPECT_EQ(f.fired.front(), "mapping.other");
  EXPECT_FALSE(fired(from_one(diag(Category::Usage, "usage.machine", "bad machine")), "mapping.other"));
}

TEST(FeedbackDiagnostics, RealRunFailures) {
  auto first = [](const lang::Diagnostic& d) { return from_one(d).fired.front(); };
  EXPECT_EQ(first(diag(Category::Mapping, "run.timeout", "the command ran past 60 s and was stopped")),
            "run.timeout");
  Feedback crash = from_one(diag(Category::Mapping, "run.exit-status",
                                 "the command exited with status 139 (as shells report a process killed by "
                                 "signal 11 (SIGSEGV))"));
  EXPECT_EQ(crash.fired.front(), "run.crash");
  EXPECT_NE(crash.suggest.find("such as AOS"), std::string::npos) << crash.suggest;
  EXPECT_EQ(first(diag(Category::Mapping, "run.signal", "killed by signal 6 (SIGABRT)")), "run.crash");
  EXPECT_EQ(first(diag(Category::Mapping, "run.exit-status", "the command exited with status 2")), "run.failed");
  EXPECT_EQ(first(diag(Category::Usage, "run.no-match", "no line matched `ELAPSED (.*)`")), "run.no-measurement");
  // Quiet for the simulator's own errors.
  for (const char* id : {"run.timeout", "run.crash", "run.failed", "run.no-measurement"})
    EXPECT_FALSE(fired(from_one(diag(Category::Mapping, "mapping.no-such-processor", "no processor")), id)) << id;
}

TEST(FeedbackDiagnostics, UsageErrors) {
  lang::Diagnostic d = diag(Category::Usage, "usage.app-field", "unknown field `flop`", "fields are ...");
  d.file = "app.toml";
  d.span.begin = {3, 1, 20};
  Feedback f = from_one(d);
  EXPECT_EQ(f.fired.front(), "usage.input");
  EXPECT_NE(f.suggest.find("app.toml line 3"), std::string::npos) << f.suggest;
  EXPECT_FALSE(fired(from_one(diag(Category::Static, "static.unused-function", "unused")), "usage.input"));
}

TEST(FeedbackDiagnostics, ErrorsComeFirstAndRepeatsAreExplainedOnce) {
  Feedback f = checked("Task * GPU;\nTask * CPU;\nLayout * * * SOA AOS;\nLayout * * * C_order F_order;\n");
  ASSERT_EQ(f.fired, (std::vector<std::string>{"static.layout-conflict", "static.dead-rule"})) << render(f);
  EXPECT_EQ(f.explain.rfind("- ", 0), 0u) << f.explain;
  EXPECT_NE(f.system.find("2 errors, 2 warnings"), std::string::npos) << f.system;
  // The system part is the raw diagnostic: position, quoted line and caret, no hint.
  EXPECT_NE(f.system.find("t.mpl:3:"), std::string::npos) << f.system;
  EXPECT_EQ(f.system.find("hint:"), std::string::npos) << f.system;
}

// ---- simulations ----------------------------------------------------------------------------------

// A completed simulation built by hand: a node with GPUs and CPUs, tasks placed on them.
struct SimRun {
  sim::SimResult r;
  int gpus, cpus;

  SimRun(int gpus_, int cpus_, int nodes = 1) : gpus(gpus_), cpus(cpus_) {
    r.ok = true;
    r.app = "stencil";
    r.machine = "test, 1 node (simulated model)";
    r.steps = 1;
    r.step_time = r.total_time = 1;
    r.unit = "steps/s";
    auto& p = r.plan.platform;
    p.nodes = nodes;
    for (int g = 0; g < gpus; ++g) p.processors.push_back({fmt::format("n0.gpu{}", g), 0});
    for (int c = 0; c < cpus; ++c) p.processors.push_back({fmt::format("n0.cpu{}", c), 0});
    p.processors.push_back({"n0.util0", 0});
    p.memories.push_back({"n0.sysmem", 0, 256ull << 30});
    p.memories.push_back({"n0.zcmem", 0, 32ull << 30});
    for (int g = 0; g < gpus; ++g) p.memories.push_back({fmt::format("n0.fbmem{}", g), 0, 16ull << 30});
    p.runtime_overhead = 50e-6;
  }

  int gpu(int g) const { return g; }
  int cpu(int c) const { return gpus + c; }
  model::MemId fbmem(int g) const { return static_cast<model::MemId>(2 + g); }

  // A point task of `name` on engine processor `proc`; one without work (`work` false) only costs its
  // launch, as a placement or control task does.
  void task(const std::string& name, int proc, double seconds, int step = 0,
            std::vector<sim::ArgPlan> args = {}, bool work = true) {
    sim::SimTask t;
    t.name = name;
    t.label = fmt::format("{} ({})", name, r.plan.graph.tasks.size());
    t.processor = proc;
    t.compute_seconds = seconds;
    t.step = step;
    r.plan.graph.tasks.push_back(t);
    sim::TaskPlan tp;
    tp.kind = proc < gpus ? ProcKind::GPU : ProcKind::CPU;
    tp.processor = static_cast<model::ProcId>(proc);
    tp.step = step;
    tp.args = std::move(args);
    tp.flops = work ? 1e9 * seconds : 0;
    r.plan.tasks.push_back(tp);
  }

  // The summary the simulator would give: load per processor, a compute-bound critical path.
  const sim::SimResult& done(sim::CriticalPath critical = {1, 0, 0, {}}) {
    std::map<int, sim::ProcessorUse> used;
    for (std::size_t i = 0; i < r.plan.graph.tasks.size(); ++i) {
      const auto& t = r.plan.graph.tasks[i];
      auto& u = used[t.processor];
      u.name = r.plan.platform.processors[static_cast<std::size_t>(t.processor)].name;
      u.kind = t.processor < gpus ? ProcKind::GPU : ProcKind::CPU;
      ++u.tasks;
      u.busy += t.compute_seconds;
      u.utilization = u.busy / r.total_time;
      if (sim::has_work(r.plan.tasks[i])) ++u.work_tasks, u.work += t.compute_seconds;
    }
    r.processors.clear();
    for (auto& [p, u] : used) r.processors.push_back(u);
    r.critical = std::move(critical);
    return r;
  }
};

Feedback simulated(const sim::SimResult& r, const lang::Program* p = nullptr) {
  Feedback f = from_simulation(r, p);
  expect_filled(f);
  return f;
}

// Four GPUs with four tasks each, busy all the time.
SimRun balanced() {
  SimRun run(4, 2);
  for (int g = 0; g < 4; ++g)
    for (int i = 0; i < 4; ++i) run.task("stencil", run.gpu(g), 0.25);
  return run;
}

sim::SimResult with_copy(sim::SimResult r, MemKind from, MemKind to, double copies_share) {
  r.copies = {sim::CopyGroup{"ghost", "stencil", from, to, 40, 1ull << 30, 0.5}};
  r.copy_bytes = 1ull << 30;
  r.critical = {1 - copies_share, copies_share, 0, {}};
  return r;
}

TEST(FeedbackSimulation, BalancedComputeBound) {
  SimRun run = balanced();
  Feedback f = simulated(run.done());
  ASSERT_EQ(f.fired, std::vector<std::string>{"perf.balanced"}) << render(f);
  EXPECT_NE(
      f.explain.find("balanced, compute-bound: 100% of the critical path is computation, and the 4 GPUs are "
                     "evenly loaded (busy 100%)"),
      std::string::npos)
      << f.explain;
  EXPECT_NE(f.system.find("critical path 1.0 s computing"), std::string::npos) << f.system;
  EXPECT_FALSE(fired(simulated(with_copy(run.done(), MemKind::FBMEM, MemKind::FBMEM, 0.6)), "perf.balanced"));
}

TEST(FeedbackSimulation, CopiesBetweenGpus) {
  SimRun run = balanced();
  lang::Program p =
      program("m = Machine(GPU);\ndef f(Task task) {\n  return m[0, 0];\n}\nIndexTaskMap stencil f;\n");
  Feedback f = simulated(with_copy(run.done(), MemKind::FBMEM, MemKind::FBMEM, 0.62), &p);
  ASSERT_TRUE(fired(f, "perf.copies-between-gpus")) << render(f);
  EXPECT_NE(f.explain.find("62% of the critical path is copies FBMEM→FBMEM of `ghost` for `stencil`"),
            std::string::npos)
      << f.explain;
  EXPECT_NE(
      f.suggest.find("map neighbouring points to one GPU (edit function `f` of the `IndexTaskMap` rule at "
                     "line 5)"),
      std::string::npos)
      << f.suggest;
  EXPECT_FALSE(fired(simulated(with_copy(run.done(), MemKind::FBMEM, MemKind::FBMEM, 0.1)),
                     "perf.copies-between-gpus"));
  EXPECT_FALSE(fired(simulated(with_copy(run.done(), MemKind::SYSMEM, MemKind::FBMEM, 0.62)),
                     "perf.copies-between-gpus"));
}

TEST(FeedbackSimulation, CopiesToGpu) {
  SimRun run = balanced();
  lang::Program p = program("Region * ghost GPU FBMEM;\n");
  Feedback f = simulated(with_copy(run.done(), MemKind::SYSMEM, MemKind::FBMEM, 0.5), &p);
  ASSERT_TRUE(fired(f, "perf.copies-to-gpu")) << render(f);
  EXPECT_NE(
      f.suggest.find("consider ZCMEM placement of `ghost` for `stencil`, read in place over PCIe (edit the "
                     "`Region` rule at line 1)"),
      std::string::npos)
      << f.suggest;
  EXPECT_FALSE(
      fired(simulated(with_copy(run.done(), MemKind::FBMEM, MemKind::SYSMEM, 0.5)), "perf.copies-to-gpu"));
}

TEST(FeedbackSimulation, CopiesFromGpu) {
  SimRun run = balanced();
  Feedback f = simulated(with_copy(run.done(), MemKind::FBMEM, MemKind::ZCMEM, 0.62));
  ASSERT_TRUE(fired(f, "perf.copies-from-gpu")) << render(f);
  EXPECT_NE(f.explain.find("62% of the critical path is copies FBMEM→ZCMEM of `ghost` for `stencil`"),
            std::string::npos)
      << f.explain;
  EXPECT_NE(f.suggest.find("consider ZCMEM placement"), std::string::npos) << f.suggest;
  EXPECT_NE(f.suggest.find("mapping neighbouring points to one GPU"), std::string::npos) << f.suggest;
  EXPECT_FALSE(
      fired(simulated(with_copy(run.done(), MemKind::ZCMEM, MemKind::FBMEM, 0.62)), "perf.copies-from-gpu"));
}

TEST(FeedbackSimulation, CopiesBetweenHostMemories) {
  SimRun run = balanced();
  Feedback f = simulated(with_copy(run.done(), MemKind::SYSMEM, MemKind::SOCKMEM, 0.4));
  ASSERT_TRUE(fired(f, "perf.copies")) << render(f);
  EXPECT_NE(f.explain.find("40% of the critical path is copies SYSMEM→SOCKMEM"), std::string::npos)
      << f.explain;
  EXPECT_FALSE(fired(simulated(with_copy(run.done(), MemKind::SYSMEM, MemKind::FBMEM, 0.4)), "perf.copies"));
}

TEST(FeedbackSimulation, Imbalance) {
  SimRun run(4, 2);
  for (int g = 0; g < 3; ++g)
    for (int i = 0; i < 5; ++i) run.task("stencil", run.gpu(g), 0.2);
  run.task("stencil", run.gpu(3), 0.2);
  lang::Program p = program("IndexTaskMap GPU f;\n");
  Feedback f = simulated(run.done(), &p);
  ASSERT_EQ(f.fired, std::vector<std::string>{"perf.imbalance"}) << render(f);
  EXPECT_NE(f.explain.find("n0.gpu3 is idle 80% of the timed steps: the mapping puts 3.0 s of the 3.2 s of GPU "
                           "work (94%) on n0.gpu0, n0.gpu1, n0.gpu2 (3 of 4 GPUs)"),
            std::string::npos)
      << f.explain;
  EXPECT_NE(f.suggest.find("edit function `f` of the `IndexTaskMap` rule at line 1"), std::string::npos)
      << f.suggest;
  EXPECT_FALSE(fired(simulated(balanced().done()), "perf.imbalance"));
}

TEST(FeedbackSimulation, ImbalanceCountsProcessorsThatRanNothing) {
  SimRun run(4, 2);
  for (int g = 0; g < 3; ++g)
    for (int i = 0; i < 4; ++i) run.task("stencil", run.gpu(g), 0.25);
  Feedback f = simulated(run.done());
  ASSERT_TRUE(fired(f, "perf.imbalance")) << render(f);
  EXPECT_NE(f.explain.find("n0.gpu3 is idle 100% of the timed steps"), std::string::npos) << f.explain;
  EXPECT_NE(f.suggest.find("edit the `IndexTaskMap` function of `stencil`"), std::string::npos) << f.suggest;
}

TEST(FeedbackSimulation, ImbalanceInWorkWithEvenTaskCounts) {
  SimRun run(4, 2);
  for (int g = 0; g < 4; ++g)
    for (int i = 0; i < 4; ++i) run.task("stencil", run.gpu(g), g == 0 ? 0.25 : 0.05);
  Feedback f = simulated(run.done());
  ASSERT_TRUE(fired(f, "perf.imbalance")) << render(f);
  EXPECT_NE(f.explain.find(
                "n0.gpu1 is idle 80% of the timed steps: the mapping puts 1.0 s of the 1.6 s of GPU work (62%) "
                "on n0.gpu0 (1 of 4 GPUs)"),
            std::string::npos)
      << f.explain;
}

// Each GPU has one point of the leaf; placement tasks without work crowd two of them. Task counts are
// uneven, work is not: no imbalance.
TEST(FeedbackSimulation, TasksWithoutWorkAreNotLoad) {
  SimRun run(4, 2);
  for (int g = 0; g < 4; ++g) run.task("task_4", run.gpu(g), 0.25);
  for (int i = 0; i < 34; ++i) run.task("task_5", run.gpu(i % 2 == 0 ? 0 : 2), 5e-6, 0, {}, false);
  Feedback f = simulated(run.done());
  EXPECT_FALSE(fired(f, "perf.imbalance")) << render(f);
  EXPECT_FALSE(fired(f, "perf.few-points")) << render(f);
  EXPECT_TRUE(fired(f, "perf.balanced")) << render(f);
  EXPECT_NE(f.explain.find("the 4 GPUs are evenly loaded"), std::string::npos) << f.explain;
}

// Even task counts, uneven work: two GPUs run the leaves, two only tasks without work.
TEST(FeedbackSimulation, ImbalanceCountsSecondsOfWork) {
  SimRun run(4, 2);
  for (int g = 0; g < 4; ++g)
    for (int i = 0; i < 2; ++i)
      if (g < 2) run.task("task_4", run.gpu(g), 0.25);
      else run.task("task_5", run.gpu(g), 5e-6, 0, {}, false);
  Feedback f = simulated(run.done());
  ASSERT_TRUE(fired(f, "perf.imbalance")) << render(f);
  EXPECT_NE(f.explain.find("n0.gpu2 is idle 100% of the timed steps: the mapping puts 1.0 s of the 1.0 s of GPU "
                           "work (100%) on n0.gpu0, n0.gpu1 (2 of 4 GPUs)"),
            std::string::npos)
      << f.explain;
  EXPECT_NE(f.suggest.find("spread the points of `task_4`"), std::string::npos) << f.suggest;
}

TEST(FeedbackSimulation, FewPointsPerStep) {
  SimRun run(4, 2);
  for (int step = 0; step < 8; ++step)
    for (int g = 0; g < 2; ++g) run.task("stencil", run.gpu(g), 0.1, step);
  Feedback f = simulated(run.done());
  ASSERT_EQ(f.fired, std::vector<std::string>{"perf.few-points"}) << render(f);
  EXPECT_NE(f.explain.find("`stencil` has 2 points per step for 4 GPUs, so 2 of them have none of its work"),
            std::string::npos)
      << f.explain;
  EXPECT_FALSE(fired(simulated(balanced().done()), "perf.few-points"));
}

TEST(FeedbackSimulation, HostTasksWhileGpusIdle) {
  SimRun run(4, 2);
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < 4; ++i) run.task("stencil", run.cpu(c), 0.25);
  lang::Program cpu_first = program("Task * CPU, GPU;\n");
  Feedback f = simulated(run.done(), &cpu_first);
  ASSERT_TRUE(fired(f, "perf.host-while-gpus-idle")) << render(f);
  EXPECT_NE(f.explain.find(
                "tasks run on CPU while the machine has idle GPUs: `stencil` ran 8 tasks on CPU, and the 4 "
                "GPUs are busy 0% of the time"),
            std::string::npos)
      << f.explain;
  EXPECT_NE(
      f.suggest.find("put GPU first in the `Task` rule: `Task stencil GPU, CPU;` (edit the `Task` rule at "
                     "line 1)"),
      std::string::npos)
      << f.suggest;
  // GPU already first: the task has no GPU variant, and no mapping can change that.
  lang::Program gpu_first = program("Task * GPU, CPU;\n");
  EXPECT_FALSE(fired(simulated(run.done(), &gpu_first), "perf.host-while-gpus-idle"));
  lang::Program none = program("");
  EXPECT_FALSE(fired(simulated(run.done(), &none), "perf.host-while-gpus-idle"));
}

TEST(FeedbackSimulation, ZeroCopy) {
  SimRun run(4, 2);
  for (int g = 0; g < 4; ++g)
    run.task("stencil", run.gpu(g), 1.0, 0,
             {sim::ArgPlan{"ghost", MemKind::ZCMEM, 1, "SOA F_order", 1 << 20}});
  lang::Program p = program("Region * ghost GPU ZCMEM;\n");
  Feedback f = simulated(run.done(), &p);
  ASSERT_TRUE(fired(f, "perf.zero-copy")) << render(f);
  EXPECT_NE(
      f.explain.find("zero-copy access slows `stencil`: its argument `ghost` lives in ZCMEM, read over PCIe"),
      std::string::npos)
      << f.explain;
  EXPECT_NE(f.suggest.find("`Region stencil ghost GPU FBMEM;` (edit the `Region` rule at line 1)"),
            std::string::npos)
      << f.suggest;
  SimRun in_fb(4, 2);
  for (int g = 0; g < 4; ++g)
    in_fb.task("stencil", in_fb.gpu(g), 1.0, 0,
               {sim::ArgPlan{"ghost", MemKind::FBMEM, in_fb.fbmem(g), "SOA F_order", 1 << 20}});
  EXPECT_FALSE(fired(simulated(in_fb.done()), "perf.zero-copy"));
}

TEST(FeedbackSimulation, MemoryNearCapacity) {
  SimRun run = balanced();
  run.task("stencil", run.gpu(0), 0.0, 0,
           {sim::ArgPlan{"ghost", MemKind::FBMEM, run.fbmem(0), "SOA F_order", 15ll << 30}});
  sim::SimResult r = run.done();
  r.memories = {sim::MemoryUse{"n0.fbmem0", MemKind::FBMEM, 15ull << 30, 16ull << 30}};
  Feedback f = simulated(r);
  ASSERT_TRUE(fired(f, "perf.memory-near-capacity")) << render(f);
  EXPECT_NE(
      f.explain.find("FBMEM of n0.gpu0 is 94% full at its peak (15.0 GiB of 16.0 GiB); its largest instances "
                     "are of `ghost`"),
      std::string::npos)
      << f.explain;
  EXPECT_NE(f.suggest.find("`CollectMemory stencil ghost;`"), std::string::npos) << f.suggest;
  EXPECT_NE(f.suggest.find("move `ghost` to ZCMEM"), std::string::npos) << f.suggest;
  r.memories = {sim::MemoryUse{"n0.fbmem0", MemKind::FBMEM, 8ull << 30, 16ull << 30}};
  EXPECT_FALSE(fired(simulated(r), "perf.memory-near-capacity"));
}

// Many tiny tasks: the runtime's mapping work is most of the critical path.
sim::SimResult runtime_bound(int nodes) {
  SimRun run(4, 2, nodes);
  for (int g = 0; g < 4; ++g)
    for (int i = 0; i < 100; ++i) run.task("stencil", run.gpu(g), 1e-6);
  return run.done({0.0004, 0, 0.005, {}});
}

TEST(FeedbackSimulation, RuntimeOverheadAcrossNodes) {
  lang::Program none = program("");
  Feedback f = simulated(runtime_bound(2), &none);
  ASSERT_TRUE(fired(f, "perf.runtime-overhead-nodes")) << render(f);
  EXPECT_NE(f.suggest.find("`ControlReplicate stencil;`"), std::string::npos) << f.suggest;
  lang::Program replicated = program("ControlReplicate stencil;\n");
  Feedback r = simulated(runtime_bound(2), &replicated);
  EXPECT_FALSE(fired(r, "perf.runtime-overhead-nodes"));
  EXPECT_TRUE(fired(r, "perf.runtime-overhead"));
}

TEST(FeedbackSimulation, RuntimeOverhead) {
  Feedback f = simulated(runtime_bound(1));
  ASSERT_TRUE(fired(f, "perf.runtime-overhead")) << render(f);
  EXPECT_NE(f.explain.find("runtime overhead dominates (many tiny tasks): 93% of the critical path"),
            std::string::npos)
      << f.explain;
  EXPECT_NE(f.explain.find("400 tasks average 1.0 us of computation against 50.0 us"), std::string::npos)
      << f.explain;
  EXPECT_FALSE(fired(simulated(balanced().done()), "perf.runtime-overhead"));
}

TEST(FeedbackSimulation, SeveralFindingsAreListed) {
  SimRun run(4, 2);
  for (int g = 0; g < 3; ++g)
    for (int i = 0; i < 5; ++i) run.task("stencil", run.gpu(g), 0.2);
  run.task("stencil", run.gpu(3), 0.2);
  Feedback f = simulated(with_copy(run.done(), MemKind::FBMEM, MemKind::FBMEM, 0.5));
  EXPECT_EQ(f.fired, (std::vector<std::string>{"perf.copies-between-gpus", "perf.imbalance"}));
  EXPECT_EQ(f.explain.rfind("- ", 0), 0u);
  EXPECT_NE(f.suggest.find("\n- "), std::string::npos);
}

// ---- failed simulations ---------------------------------------------------------------------------

TEST(FeedbackSimulation, OutOfMemoryNamesTheRegionAndTheRules) {
  SimRun run(4, 2);
  run.task("stencil", run.gpu(3), 0.0, 0,
           {sim::ArgPlan{"ghost", MemKind::FBMEM, run.fbmem(3), "SOA F_order", 16ll << 30}});
  sim::SimResult r = run.r;
  r.ok = false;
  r.error = diag(Category::Mapping, "mapping.out-of-memory", kOomMessage);
  r.timings.oom =
      sim::OutOfMemory{0, static_cast<int>(run.fbmem(3)), 16ull << 30, 2ull << 30, 16ull << 30, "`ghost`"};
  lang::Program p = program("Region * * GPU FBMEM;\nIndexTaskMap stencil f;\n");
  Feedback f = simulated(r, &p);
  ASSERT_EQ(f.fired, std::vector<std::string>{"mapping.out-of-memory"}) << render(f);
  EXPECT_FALSE(fired(f, "mapping.piece-too-large"));
  EXPECT_NE(
      f.explain.find("region `ghost` does not fit in FBMEM of n0.gpu3: stencil (0) needs 16.0 GiB there"),
      std::string::npos)
      << f.explain;
  EXPECT_NE(
      f.suggest.find("put `ghost` in ZCMEM or SYSMEM (edit the `Region` rule at line 1), spread the launch "
                     "over more processors (edit function `f` of the `IndexTaskMap` rule at line 2)"),
      std::string::npos)
      << f.suggest;
  EXPECT_NE(f.system.find("the simulation failed"), std::string::npos);
}

TEST(FeedbackSimulation, StallWithInstanceLimit) {
  sim::SimResult r;
  r.error = diag(Category::Mapping, "sim.failed", "the simulation did not complete: deadlock");
  lang::Program limited = program("InstanceLimit * 4;\nInstanceLimit stencil 1;\n");
  Feedback f = simulated(r, &limited);
  ASSERT_EQ(f.fired.front(), "sim.stall-instance-limit");
  EXPECT_NE(f.suggest.find("raise or remove the `InstanceLimit` rule at line 2"), std::string::npos)
      << f.suggest;
  lang::Program free = program("Task * GPU;\n");
  EXPECT_FALSE(fired(simulated(r, &free), "sim.stall-instance-limit"));
}

TEST(FeedbackSimulation, Stall) {
  sim::SimResult r;
  Feedback f = simulated(r);  // failed, with no error recorded
  ASSERT_EQ(f.fired.front(), "sim.stall");
  EXPECT_NE(f.suggest.find("dependence cycle"), std::string::npos);
  r.error = diag(Category::Mapping, "mapping.no-memory", "no memory");
  EXPECT_FALSE(fired(simulated(r), "sim.stall"));
}

TEST(FeedbackSimulation, PlanningErrorsNameTheDecidingRule) {
  sim::SimResult r;
  r.error = diag(Category::Mapping, "mapping.memory-not-addressable",
                 "stencil (3) on n0.cpu0 cannot address any FBMEM of this machine for argument 0 (`ghost`)",
                 "choose a memory kind this processor kind can address in the `Region` rule",
                 {"while mapping stencil (3) (step 0)"});
  lang::Program p = program("Task * CPU;\nRegion * * * SYSMEM;\nRegion stencil ghost CPU FBMEM;\n");
  Feedback f = simulated(r, &p);
  ASSERT_EQ(f.fired.front(), "mapping.memory-not-addressable");
  EXPECT_NE(f.explain.find("`FBMEM` is a GPU memory (one GPU's framebuffer); a CPU task cannot address it"),
            std::string::npos)
      << f.explain;
  EXPECT_NE(f.suggest.find("edit the `Region` rule at line 3, or run `stencil` on another processor kind"),
            std::string::npos)
      << f.suggest;
}

TEST(FeedbackSimulation, Deterministic) {
  SimRun run = balanced();
  sim::SimResult r = with_copy(run.done(), MemKind::FBMEM, MemKind::ZCMEM, 0.62);
  EXPECT_EQ(render(from_simulation(r, nullptr)), render(from_simulation(r, nullptr)));
}

// ---- whole simulations: the facts as the simulator reports them ---------------------------------

struct Simulated {
  sim::SimResult result;
  std::unique_ptr<mapping::Policy> policy;  // holds the program
};

Simulated simulate_halo(const std::string& mapper, std::int64_t element_bytes = 0) {
  std::string error;
  auto text = util::read_file(std::string(MAGE_SOURCE_DIR) + "/examples/apps/halo2d.toml", error);
  EXPECT_TRUE(text) << error;
  lang::Diagnostics d;
  auto app = model::load_app_toml(text.value_or(""), "halo2d.toml", d);
  EXPECT_TRUE(app) << lang::render_text(d, nullptr);
  if (!app) return {};
  if (element_bytes > 0)
    for (auto& f : app->regions.front().fields) f.bytes = element_bytes;
  auto machine = *model::model_preset("p100x4", 1);
  auto policy =
      mapping::Policy::compile(lang::SourceFile("t.mpl", mapper), model::to_machine_desc(machine), d);
  EXPECT_TRUE(policy) << lang::render_text(d, nullptr);
  if (!policy) return {};
  sim::SimResult r = sim::simulate(*app, machine, *policy);
  return {std::move(r), std::move(policy)};
}

TEST(FeedbackEndToEnd, EveryTileOnOneGpuIsImbalanced) {
  auto s = simulate_halo(
      "Task * GPU;\nm = Machine(GPU);\ndef first(Task task) {\n  return m[0, 0];\n}\n"
      "IndexTaskMap * first;\n");
  ASSERT_TRUE(s.result.ok) << (s.result.error ? s.result.error->message : "");
  Feedback f = simulated(s.result, &s.policy->program());
  ASSERT_TRUE(fired(f, "perf.imbalance")) << render(f);
  EXPECT_NE(f.explain.find("is idle 100% of the time"), std::string::npos) << f.explain;
  EXPECT_NE(f.suggest.find("edit function `first` of the `IndexTaskMap` rule at line 6"), std::string::npos)
      << f.suggest;
  auto spread = simulate_halo("Task * GPU;\n");
  ASSERT_TRUE(spread.result.ok);
  EXPECT_FALSE(fired(simulated(spread.result, &spread.policy->program()), "perf.imbalance"));
}

TEST(FeedbackEndToEnd, PieceLargerThanTheMemory) {
  auto s = simulate_halo("Task * GPU;\nRegion * * GPU FBMEM;\n", std::int64_t{1} << 20);
  ASSERT_FALSE(s.result.ok);
  Feedback f = simulated(s.result, &s.policy->program());
  ASSERT_EQ(f.fired, std::vector<std::string>{"mapping.piece-too-large"}) << render(f);
  EXPECT_NE(
      f.explain.find("one instance of `private` for stencil (0, 0) needs 32.0 GiB, more than all of FBMEM "
                     "of n0.gpu0 (16.0 GiB)"),
      std::string::npos)
      << f.explain;
  EXPECT_NE(
      f.suggest.find("put `private` in ZCMEM or SYSMEM for `stencil` (edit the `Region` rule at line 2)"),
      std::string::npos)
      << f.suggest;
}

}  // namespace
}  // namespace mage::feedback
