#include "lang/checker.hpp"

#include <gtest/gtest.h>

#include "lang/parser.hpp"

namespace mage::lang {
namespace {

Diagnostics check(const std::string& text, const AppSignature* app = nullptr,
                  const MachineFacts* machine = nullptr) {
  SourceFile src("t.mpl", text);
  Diagnostics parse_diags;
  Program program = parse(src, parse_diags);
  EXPECT_EQ(parse_diags.all().size(), 0u) << render_text(parse_diags, &src);
  Diagnostics diags;
  check_program(program, CheckOptions{app, machine}, diags);
  return diags;
}

std::string dump(const Diagnostics& ds) {
  std::string out;
  for (const auto& d : ds.all())
    out += std::string(to_string(d.severity)) + " " + d.code + " " + std::to_string(d.span.begin.line) + ":" +
           std::to_string(d.span.begin.column) + " " + d.message + " | hint: " + d.hint + "\n";
  return out;
}

// A diagnostic with this code at line:column, of this severity, whose message contains `text`.
::testing::AssertionResult has(const Diagnostics& ds, const std::string& code, Severity severity,
                               std::uint32_t line, std::uint32_t column, const std::string& text,
                               Category category = Category::Static) {
  for (const auto& d : ds.all()) {
    if (d.code != code || d.span.begin.line != line || d.span.begin.column != column) continue;
    if (d.severity != severity) return ::testing::AssertionFailure() << "wrong severity:\n" << dump(ds);
    if (d.category != category) return ::testing::AssertionFailure() << "wrong category:\n" << dump(ds);
    if (d.message.find(text) == std::string::npos)
      return ::testing::AssertionFailure() << "message lacks \"" << text << "\":\n" << dump(ds);
    if (d.hint.empty()) return ::testing::AssertionFailure() << "no hint:\n" << dump(ds);
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no " << code << " at " << line << ":" << column << " in:\n"
                                       << dump(ds);
}

const Diagnostic* find(const Diagnostics& ds, const std::string& code) {
  for (const auto& d : ds.all())
    if (d.code == code) return &d;
  return nullptr;
}

constexpr Severity E = Severity::Error;
constexpr Severity W = Severity::Warning;

// A mapping function, so programs that need one stay short.
const std::string kF = "def f(Task task) { return Machine(GPU)[0, 0]; }\n";

TEST(Checker, CleanComplexProgramHasNoDiagnostics) {
  Diagnostics d = check(R"(Task * GPU,CPU;
Region * * GPU FBMEM;
Region * rp_shared GPU ZCMEM;
Region * * * SOCKMEM,SYSMEM;
Layout * * * SOA C_order;
Layout * * FBMEM SOA F_order Align==128;
InstanceLimit task_4 1;
CollectMemory task_4 *;
m_2d = Machine(GPU);
m_1d = m_2d.merge(0, 1);
def block_primitive(IPoint x, ISpace y, MSpace z, int dim1, int dim2) {
    return x[dim1] * z.size[dim2] / y.size[dim1];
}
def cyclic_primitive(IPoint x, ISpace y, MSpace z, int dim1, int dim2) {
    return x[dim1] % z.size[dim2];
}
def auto2d(Task task) {
    m_3d = m_2d.auto_split(0, task.ispace);
    m_4d = m_3d.auto_split(2, task.ispace / m_3d[:-1]);
    upper = tuple(block_primitive(task.ipoint, task.ispace, m_4d, i, i) for i in (0,1));
    lower = tuple(cyclic_primitive(task.ipoint, task.ispace, m_4d, i, i + 2) for i in (0,1));
    return m_4d[*upper, *lower];
}
def linear(Task task) { return m_1d[task.ipoint[0] % m_1d.size[0]]; }
def same_point(Task task) { return m_2d[*task.parent.processor(m_2d)]; }
IndexTaskMap task_1,task_2, task_3 auto2d;
IndexTaskMap init_cublas linear;
SingleTaskMap task_4 same_point;
IndexTaskMap CPU linear;
ControlReplicate task_7;
)");
  EXPECT_EQ(d.all().size(), 0u) << dump(d);
}

TEST(Checker, DiagnosticsComeInSourceOrder) {
  Diagnostics d = check("Task * TPU;\nx = y;\ndef g(Task t) { return 1; }\n");
  ASSERT_EQ(d.all().size(), 3u) << dump(d);
  EXPECT_EQ(d.all()[0].span.begin.line, 1u);
  EXPECT_EQ(d.all()[1].span.begin.line, 2u);
  EXPECT_EQ(d.all()[2].span.begin.line, 3u);
}

// ---- 1. kinds -----------------------------------------------------------------------------------

TEST(Checker, UnknownProcessorKindInTaskSuggestsClosest) {
  Diagnostics d = check("Task * GPU, TPU;");
  EXPECT_TRUE(
      has(d, "static.unknown-proc-kind", E, 1, 13, "`TPU` is not a processor kind; did you mean `CPU`?"));
  EXPECT_NE(find(d, "static.unknown-proc-kind")->hint.find("CPU, GPU, OMP, IO, PY, PROC"), std::string::npos);
  EXPECT_EQ(find(d, "static.unknown-proc-kind")->span.length, 3u);
}

TEST(Checker, MemoryKindWhereProcessorKindIsRequired) {
  EXPECT_TRUE(has(check("Task * FBMEM;"), "static.unknown-proc-kind", E, 1, 8, "`FBMEM` is a memory kind"));
  EXPECT_TRUE(has(check("Region * * SYSMEM SYSMEM;"), "static.unknown-proc-kind", E, 1, 12,
                  "third selector of `Region` must be a processor kind"));
}

TEST(Checker, UnknownProcessorKindInRegionSelector) {
  EXPECT_TRUE(
      has(check("Region * * TPU FBMEM;"), "static.unknown-proc-kind", E, 1, 12, "`TPU` is not a processor"));
}

TEST(Checker, UnknownMemoryKindInRegion) {
  Diagnostics d = check("Region * * GPU ZCMEM, FBMEN;");
  EXPECT_TRUE(
      has(d, "static.unknown-mem-kind", E, 1, 23, "`FBMEN` is not a memory kind; did you mean `FBMEM`?"));
  EXPECT_TRUE(
      has(check("Region * * GPU GPU;"), "static.unknown-mem-kind", E, 1, 16, "`GPU` is a processor kind"));
}

TEST(Checker, LayoutThirdSelectorIsAnyKind) {
  EXPECT_EQ(check("Layout * * FBMEM SOA;\nLayout * * GPU AOS;\n").all().size(), 0u);
  Diagnostics d = check("Layout * * FBMM SOA;");
  EXPECT_TRUE(has(d, "static.unknown-kind", E, 1, 12,
                  "`FBMM` is neither a processor kind nor a memory kind; did you mean `FBMEM`?"));
}

// ---- 2. layouts ---------------------------------------------------------------------------------

TEST(Checker, SoaWithAosIsAContradiction) {
  EXPECT_TRUE(
      has(check("Layout * * * SOA AOS;"), "static.layout-conflict", E, 1, 18, "`AOS` contradicts `SOA`"));
}

TEST(Checker, COrderWithFOrderIsAContradiction) {
  Diagnostics d = check("Layout * * * F_order SOA C_order;");
  EXPECT_TRUE(has(d, "static.layout-conflict", E, 1, 26, "`C_order` contradicts `F_order`"));
}

TEST(Checker, TwoDifferentExactAlignmentsContradict) {
  Diagnostics d = check("Layout * * * Align == 64 Align == 128;");
  EXPECT_TRUE(
      has(d, "static.layout-conflict", E, 1, 26, "`Align == 128` cannot hold together with `Align == 64`"));
  EXPECT_EQ(find(d, "static.layout-conflict")->span.length, 12u);
}

TEST(Checker, EmptyAlignmentRangeContradicts) {
  Diagnostics d = check("Layout * * * Align >= 256 Align <= 256 Align != 256;");
  EXPECT_TRUE(has(d, "static.layout-conflict", E, 1, 40, "no alignment satisfies them all"));
  EXPECT_EQ(check("Layout * * * Align >= 64 Align <= 128 Align != 64;").all().size(), 0u);
}

TEST(Checker, AlignmentMustBeAPositivePowerOfTwo) {
  EXPECT_TRUE(has(check("Layout * * * Align == 100;"), "static.bad-alignment", E, 1, 14, "found 100"));
  EXPECT_TRUE(has(check("Layout * * * SOA Align >= 0;"), "static.bad-alignment", E, 1, 18, "found 0"));
}

TEST(Checker, RepeatedConstraintIsAWarning) {
  Diagnostics d = check("Layout * * * SOA Align == 64 SOA Align == 64;");
  EXPECT_TRUE(has(d, "static.duplicate-constraint", W, 1, 30, "`SOA` is repeated"));
  EXPECT_TRUE(has(d, "static.duplicate-constraint", W, 1, 34, "`Align == 64` is repeated"));
  EXPECT_EQ(d.error_count(), 0u) << dump(d);
}

// ---- 3. instance limits -------------------------------------------------------------------------

TEST(Checker, InstanceLimitMustBePositive) {
  Diagnostics d = check("InstanceLimit task_4 0;");
  EXPECT_TRUE(has(d, "static.bad-instance-limit", E, 1, 22, "at least 1, found 0"));
  EXPECT_EQ(check("InstanceLimit task_4 1;").all().size(), 0u);
}

// ---- 4. mapping functions and task selectors ----------------------------------------------------

TEST(Checker, IndexTaskMapWithUndefinedFunctionSuggestsOne) {
  Diagnostics d =
      check("def linearblock(Task task) { return Machine(CPU)[0, 0]; }\nIndexTaskMap * linearblok;");
  EXPECT_TRUE(has(d, "static.undefined-function", E, 2, 16, "did you mean `linearblock`?"));
}

TEST(Checker, IndexTaskMapWithGlobalValueInsteadOfFunction) {
  Diagnostics d = check("m = Machine(GPU);\nIndexTaskMap * m;");
  EXPECT_TRUE(has(d, "static.not-a-function", E, 2, 16, "`m` is a global value, not a function"));
}

TEST(Checker, MappingFunctionMustTakeOneTask) {
  Diagnostics d = check("def f(IPoint p) { return p; }\nIndexTaskMap * f;");
  EXPECT_TRUE(has(d, "static.mapping-function-signature", E, 2, 16,
                  "a function used by IndexTaskMap must take one `Task`: def f(Task task)"));
  d = check("def g(Task t, int n) { return n; }\nSingleTaskMap t1 g;");
  EXPECT_TRUE(has(d, "static.mapping-function-signature", E, 2, 18, "`g` takes (Task t, int n)"));
}

TEST(Checker, TaskSelectorMixingKindsAndNames) {
  Diagnostics d = check(kF + "IndexTaskMap task_1, GPU f;");
  EXPECT_TRUE(has(d, "static.mixed-task-selector", E, 2, 14, "mixes processor kinds with task names"));
  d = check(kF + "SingleTaskMap GPU, CPU f;");
  EXPECT_TRUE(has(d, "static.mixed-task-selector", E, 2, 15, "names exactly one kind"));
}

TEST(Checker, KindSelectorOnlyInTaskMaps) {
  EXPECT_EQ(check(kF + "IndexTaskMap GPU f;").all().size(), 0u);
  EXPECT_TRUE(
      has(check("Task GPU CPU;"), "static.kind-in-task-selector", E, 1, 6, "`GPU` is a processor kind"));
  EXPECT_TRUE(has(check(kF + "IndexTaskMap FBMEM f;"), "static.kind-in-task-selector", E, 2, 14,
                  "`FBMEM` is a memory kind, not a task name"));
}

TEST(Checker, KindSelectorRecognisesOneProcessorKind) {
  Selector sel;
  sel.names.push_back(Ident{"GPU", {}});
  EXPECT_EQ(kind_selector(sel), ProcKind::GPU);
  sel.names.push_back(Ident{"CPU", {}});
  EXPECT_EQ(kind_selector(sel), std::nullopt);
  EXPECT_EQ(kind_selector(Selector{true, {}, std::nullopt, {}}), std::nullopt);
  EXPECT_EQ(kind_selector(Selector{false, {Ident{"stencil", {}}}, std::nullopt, {}}), std::nullopt);
}

TEST(Checker, SpecificityFollowsThePrecedenceRules) {
  SourceFile src("t.mpl", kF + "Region * * * SYSMEM;\nRegion t 0 GPU FBMEM;\nRegion t,u r * FBMEM;\n"
                               "IndexTaskMap GPU f;\nIndexTaskMap t f;\nIndexTaskMap * f;\n");
  Diagnostics diags;
  Program p = parse(src, diags);
  ASSERT_EQ(p.statements.size(), 7u);
  EXPECT_EQ(specificity(p.statements[1]), (Specificity{0, 0, 0}));
  EXPECT_EQ(specificity(p.statements[2]), (Specificity{2, 1, 1}));
  EXPECT_EQ(specificity(p.statements[3]), (Specificity{2, 1, 0}));
  EXPECT_EQ(specificity(p.statements[4]), (Specificity{1, 0, 0}));
  EXPECT_EQ(specificity(p.statements[5]), (Specificity{2, 0, 0}));
  EXPECT_EQ(specificity(p.statements[6]), (Specificity{0, 0, 0}));
  EXPECT_LT(specificity(p.statements[4]), specificity(p.statements[5]));
}

// ---- 5. functions -------------------------------------------------------------------------------

TEST(Checker, DuplicateFunctionNamesTheFirstDefinition) {
  Diagnostics d = check(kF + "def f(Task task) { return 1; }\n");
  EXPECT_TRUE(has(d, "static.duplicate-function", E, 2, 5, "function `f` is already defined at line 1"));
}

TEST(Checker, DuplicateParameter) {
  Diagnostics d = check("def g(int a, int a) { return a; }\nx = g(1, 2);");
  EXPECT_TRUE(has(d, "static.duplicate-parameter", E, 1, 18, "two parameters named `a`"));
}

TEST(Checker, UnknownParameterTypeSuggestsOne) {
  Diagnostics d = check("def g(Task t, Int n) { return n; }\nx = g(1, 2);");
  EXPECT_TRUE(has(d, "static.unknown-type", E, 1, 15, "unknown parameter type `Int`; did you mean `int`?"));
}

TEST(Checker, FunctionWithoutReturn) {
  Diagnostics d = check("def g(Task t) { x = 1; }\nIndexTaskMap * g;");
  EXPECT_TRUE(has(d, "static.missing-return", E, 1, 5, "function `g` never returns a value"));
}

TEST(Checker, StatementAfterReturnIsUnreachable) {
  Diagnostics d = check("def g(Task t) {\n  return 1;\n  x = 2;\n  print(\"{}\", x);\n}\nIndexTaskMap * g;");
  EXPECT_TRUE(has(d, "static.unreachable", W, 3, 3, "unreachable"));
  EXPECT_EQ(find(d, "static.unreachable")->span.length, 6u);
  EXPECT_EQ(d.warning_count(), 1u) << dump(d);
}

// ---- 6. names -----------------------------------------------------------------------------------

TEST(Checker, UndefinedNameSuggestsANameInScope) {
  Diagnostics d = check("m_gpu = Machine(GPU);\nm2 = m_gpo.merge(0, 1);");
  EXPECT_TRUE(has(d, "static.undefined-name", E, 2, 6, "`m_gpo` is not defined; did you mean `m_gpu`?"));
  EXPECT_EQ(find(d, "static.undefined-name")->span.length, 5u);
}

TEST(Checker, TopLevelSeesOnlyEarlierGlobals) {
  Diagnostics d = check("a = b + 1;\nb = 1;\nprint(\"{}\", c);\nc = 2;");
  EXPECT_TRUE(has(d, "static.used-before-assignment", E, 1, 5, "the global is assigned at line 2"));
  EXPECT_TRUE(has(d, "static.used-before-assignment", E, 3, 13, "`c` is used before it is assigned"));
}

TEST(Checker, FunctionsSeeEveryGlobalAndFunction) {
  Diagnostics d = check(
      "def g(Task t) { return h(t); }\ndef h(Task t) { return m[0, 0]; }\nm = Machine(GPU);\n"
      "IndexTaskMap * g;");
  EXPECT_EQ(d.all().size(), 0u) << dump(d);
}

TEST(Checker, LocalUsedBeforeItsAssignment) {
  Diagnostics d = check("def g(Task t) {\n  y = x + 1;\n  x = 2;\n  return y;\n}\nIndexTaskMap * g;");
  EXPECT_TRUE(has(d, "static.used-before-assignment", E, 2, 7, "`x` is used before it is assigned"));
}

TEST(Checker, UndefinedNameInsideFunction) {
  Diagnostics d = check("def g(Task task) { return tassk.ipoint; }\nIndexTaskMap * g;");
  EXPECT_TRUE(has(d, "static.undefined-name", E, 1, 27, "`tassk` is not defined; did you mean `task`?"));
}

TEST(Checker, ComprehensionVariableIsScopedToItsElement) {
  Diagnostics d =
      check("def g(Task t) {\n  a = tuple(i * 2 for i in (0, 1));\n  return i;\n}\nIndexTaskMap * g;");
  ASSERT_EQ(d.all().size(), 1u) << dump(d);
  EXPECT_TRUE(has(d, "static.undefined-name", E, 3, 10, "`i` is not defined"));
  d = check("def g(Task t) { return tuple(i for i in (i, 1)); }\nIndexTaskMap * g;");
  EXPECT_TRUE(has(d, "static.undefined-name", E, 1, 42, "`i` is not defined"));
}

TEST(Checker, KindsAndMachineAreBuiltinNames) {
  EXPECT_EQ(check("k = GPU;\nm = FBMEM;\nq = Machine;").all().size(), 0u);
}

// ---- 7. calls and attributes --------------------------------------------------------------------

TEST(Checker, UserFunctionArgumentCount) {
  Diagnostics d = check("def g(int a, int b) { return a + b; }\nx = g(1, 2, 3);");
  EXPECT_TRUE(
      has(d, "static.wrong-argument-count", E, 2, 5, "function `g` takes 2 arguments, but 3 were given"));
  EXPECT_NE(find(d, "static.wrong-argument-count")->hint.find("def g(int a, int b)"), std::string::npos);
}

TEST(Checker, MachineTakesOneProcessorKind) {
  EXPECT_TRUE(
      has(check("m = Machine(FBMEM);"), "static.bad-machine-argument", E, 1, 13, "the memory kind `FBMEM`"));
  EXPECT_TRUE(has(check("m = Machine(TPU);"), "static.bad-machine-argument", E, 1, 13,
                  "found `TPU`; did you mean `CPU`?"));
  EXPECT_TRUE(
      has(check("m = Machine(GPU, CPU);"), "static.wrong-argument-count", E, 1, 5, "but 2 were given"));
  EXPECT_TRUE(has(check("m = Machine();"), "static.wrong-argument-count", E, 1, 5, "but 0 were given"));
}

TEST(Checker, CallingAVariableOrAKind) {
  Diagnostics d = check("x = 1;\ny = x(2);\nz = GPU(1);");
  EXPECT_TRUE(has(d, "static.not-a-function", E, 2, 5, "`x` is not a function"));
  EXPECT_TRUE(has(d, "static.not-a-function", E, 3, 5, "`GPU` is not a function"));
  d = check("def g(Task task) { return task(1); }\nIndexTaskMap * g;");
  EXPECT_TRUE(has(d, "static.not-a-function", E, 1, 27, "`task` is not a function"));
}

TEST(Checker, CallingAnUndefinedFunction) {
  Diagnostics d = check("def block(int a) { return a; }\nx = blok(1);");
  EXPECT_TRUE(has(d, "static.undefined-name", E, 2, 5, "`blok` is not defined; did you mean `block`?"));
}

TEST(Checker, PropertyCalledLikeAMethod) {
  Diagnostics d = check("m = Machine(GPU);\nx = m.size();");
  EXPECT_TRUE(has(d, "static.not-a-method", E, 2, 7, "`size` is a property, not a method: write `m.size`"));
}

TEST(Checker, MethodUsedWithoutACall) {
  Diagnostics d = check("m = Machine(GPU);\nx = m.merge;");
  EXPECT_TRUE(has(d, "static.method-not-called", E, 2, 7, "`merge` is a method"));
  EXPECT_NE(find(d, "static.method-not-called")->hint.find("m.merge(dim1, dim2)"), std::string::npos);
}

TEST(Checker, MethodArgumentCount) {
  Diagnostics d = check("m = Machine(GPU);\nx = m.merge(0);");
  EXPECT_TRUE(has(d, "static.wrong-argument-count", E, 2, 5, "`merge` takes 2 arguments, but 1 was given"));
}

TEST(Checker, UnknownAttributeSuggestsABuiltin) {
  Diagnostics d = check("m = Machine(GPU);\nx = m.sise;\ny = m.auto_splt(0, (2, 2));");
  EXPECT_TRUE(has(d, "static.unknown-attribute", E, 2, 7,
                  "`sise` is not a property or method; did you mean `size`?"));
  EXPECT_TRUE(has(d, "static.unknown-attribute", E, 3, 7, "did you mean `auto_split`?"));
}

// ---- 8. print -----------------------------------------------------------------------------------

TEST(Checker, PrintPlaceholdersMustMatchArguments) {
  Diagnostics d = check("print(\"a {} b {}\", 1);");
  EXPECT_TRUE(has(d, "static.print-arguments", E, 1, 7, "the format has 2 `{}`, but 1 value was given"));
  EXPECT_EQ(check("print(\"a {} b {}\", 1, 2);\nprint(\"none\");").all().size(), 0u);
}

// ---- 9. globals ---------------------------------------------------------------------------------

TEST(Checker, GlobalAssignedTwiceIsAWarning) {
  Diagnostics d = check("m = Machine(GPU);\nm = Machine(CPU);");
  EXPECT_TRUE(has(d, "static.global-reassigned", W, 2, 1, "replaces the one from line 1"));
}

TEST(Checker, VariableNamedLikeAFunction) {
  Diagnostics d = check("f = 1;\n" + kF + "IndexTaskMap * f;");
  EXPECT_TRUE(has(d, "static.shadows-function", E, 1, 1, "global `f` has the same name as the function"));
  d = check("def g(Task t) {\n  f = 1;\n  return f;\n}\n" + kF + "IndexTaskMap * g;\nSingleTaskMap * f;");
  EXPECT_TRUE(has(d, "static.shadows-function", E, 2, 3,
                  "local `f` has the same name as the function defined at line 5"));
}

// ---- 11. dead rules -----------------------------------------------------------------------------

TEST(Checker, LaterEqualRuleMakesEarlierDead) {
  Diagnostics d = check("Task * GPU;\nTask * CPU;");
  EXPECT_TRUE(
      has(d, "static.dead-rule", W, 1, 1, "this `Task` rule never applies: the rule at line 2 overrides it"));
  EXPECT_EQ(find(d, "static.dead-rule")->hint, "remove it, or make it more specific");
  EXPECT_EQ(d.all().size(), 1u) << dump(d);
}

TEST(Checker, MoreSpecificEarlierRuleIsNotDead) {
  EXPECT_EQ(check("Task stencil GPU;\nTask * CPU;").all().size(), 0u);
  EXPECT_EQ(check("Region t * GPU FBMEM;\nRegion * * GPU ZCMEM;").all().size(), 0u);
  EXPECT_EQ(check("Region * * GPU FBMEM;\nRegion * * * SYSMEM;").all().size(), 0u);
}

TEST(Checker, MoreSpecificLaterRuleKillsTheWildcard) {
  Diagnostics d = check("Region t 0 GPU ZCMEM;\nRegion t 0 GPU FBMEM;\nLayout * * * AOS;\nLayout * * * SOA;");
  EXPECT_TRUE(has(d, "static.dead-rule", W, 1, 1, "this `Region` rule never applies: the rule at line 2"));
  EXPECT_TRUE(has(d, "static.dead-rule", W, 3, 1, "this `Layout` rule never applies: the rule at line 4"));
}

TEST(Checker, RuleOverriddenForEveryListedTaskIsDead) {
  Diagnostics d = check("Task a, b GPU;\nTask b CPU;\nTask a OMP;");
  EXPECT_TRUE(has(d, "static.dead-rule", W, 1, 1, "the rule at line"));
  d = check("InstanceLimit a 2;\nInstanceLimit a, b 1;");
  EXPECT_TRUE(
      has(d, "static.dead-rule", W, 1, 1, "this `InstanceLimit` rule never applies: the rule at line 2"));
}

TEST(Checker, RuleOverriddenForSomeTasksIsPartlyDead) {
  Diagnostics d = check("Task a, b, c GPU;\nTask b CPU;");
  EXPECT_TRUE(has(d, "static.partly-dead-rule", W, 1, 9,
                  "task `b` never uses this `Task` rule: the rule at line 2 overrides it"));
  d = check("Task a, b, c GPU;\nTask c, b CPU;");
  EXPECT_TRUE(has(d, "static.partly-dead-rule", W, 1, 9, "tasks `b`, `c` never use this `Task` rule"));
}

TEST(Checker, ProcessorKindSelectorsInTaskMaps) {
  Diagnostics d =
      check(kF + "IndexTaskMap GPU f;\nIndexTaskMap CPU f;\nIndexTaskMap * f;\nIndexTaskMap t f;");
  EXPECT_EQ(d.all().size(), 0u) << dump(d);
  d = check(kF + "IndexTaskMap GPU f;\nIndexTaskMap GPU f;");
  EXPECT_TRUE(
      has(d, "static.dead-rule", W, 2, 1, "this `IndexTaskMap` rule never applies: the rule at line 3"));
}

TEST(Checker, NamedRegionsAndIndicesAreNotComparable) {
  // `r` may or may not be argument 0, so neither rule provably hides the other.
  EXPECT_EQ(check("Region t r GPU FBMEM;\nRegion t 0 GPU ZCMEM;").all().size(), 0u);
}

// ---- 12. the application ------------------------------------------------------------------------

AppSignature stencil_app() {
  AppSignature app;
  app.name = "stencil";
  app.tasks = {{"stencil", {ProcKind::CPU, ProcKind::GPU}, {"private", "ghost"}},
               {"increment", {ProcKind::GPU}, {"points"}},
               {"init", {ProcKind::CPU}, {}}};
  app.region_names = {"points", "xm"};
  return app;
}

MachineFacts cpu_gpu_machine() {
  MachineFacts m;
  m.procs = {ProcKind::CPU, ProcKind::GPU};
  m.mems = {MemKind::SYSMEM, MemKind::FBMEM, MemKind::ZCMEM};
  m.addressable = {{ProcKind::CPU, MemKind::SYSMEM},
                   {ProcKind::CPU, MemKind::ZCMEM},
                   {ProcKind::GPU, MemKind::FBMEM},
                   {ProcKind::GPU, MemKind::ZCMEM}};
  return m;
}

TEST(Checker, TaskTheApplicationLacks) {
  AppSignature app = stencil_app();
  Diagnostics d =
      check(kF + "Task stencl GPU;\nControlReplicate init, incremnt;\nIndexTaskMap stencil, ini f;\n"
                 "IndexTaskMap GPU f;",
            &app);
  EXPECT_TRUE(has(d, "static.unknown-task", W, 2, 6,
                  "application `stencil` has no task `stencl`; did you mean `stencil`?"));
  EXPECT_TRUE(has(d, "static.unknown-task", W, 3, 24, "no task `incremnt`; did you mean `increment`?"));
  EXPECT_TRUE(has(d, "static.unknown-task", W, 4, 23, "no task `ini`; did you mean `init`?"));
  EXPECT_EQ(d.all().size(), 3u) << dump(d);
}

TEST(Checker, RegionTheApplicationLacks) {
  AppSignature app = stencil_app();
  Diagnostics d =
      check("Region * ghst GPU FBMEM;\nLayout * xm * SOA;\nCollectMemory stencil points, privat;", &app);
  EXPECT_TRUE(has(d, "static.unknown-region", W, 1, 10,
                  "application `stencil` has no region `ghst`; did you mean `ghost`?"));
  EXPECT_TRUE(has(d, "static.unknown-region", W, 3, 31, "no region `privat`; did you mean `private`?"));
  EXPECT_EQ(d.all().size(), 2u) << dump(d);
}

TEST(Checker, RegionIndexBeyondEveryTaskArgument) {
  AppSignature app = stencil_app();
  Diagnostics d = check("Region * 2 GPU FBMEM;\nRegion * 1 GPU FBMEM;\nRegion increment 1 CPU SYSMEM;", &app);
  EXPECT_TRUE(has(d, "static.region-index-out-of-range", W, 1, 10,
                  "has a region argument 2: the most any has is "
                  "2 arguments"));
  EXPECT_TRUE(has(d, "static.region-index-out-of-range", W, 3, 18, "region argument 1"));
  EXPECT_EQ(d.all().size(), 2u) << dump(d);
}

TEST(Checker, NoUsableVariantIsAMappingError) {
  AppSignature app = stencil_app();
  MachineFacts machine = cpu_gpu_machine();
  Diagnostics d = check("Task * GPU, CPU;\nTask increment OMP, CPU;\n", &app, &machine);
  EXPECT_TRUE(has(d, "mapping.no-usable-variant", E, 2, 16, "task `increment` has variants for GPU only",
                  Category::Mapping));
  EXPECT_EQ(find(d, "mapping.no-usable-variant")->span.length, 8u);
  EXPECT_NE(find(d, "mapping.no-usable-variant")->hint.find("list GPU"), std::string::npos);
  EXPECT_EQ(d.error_count(), 1u) << dump(d);
}

TEST(Checker, WildcardTaskRuleCoversEveryTask) {
  AppSignature app = stencil_app();
  MachineFacts machine = cpu_gpu_machine();
  Diagnostics d = check("Task * GPU;\nTask init CPU;", &app, &machine);
  EXPECT_EQ(d.all().size(), 0u) << dump(d);
  d = check("Task * GPU;", &app, &machine);
  EXPECT_TRUE(has(d, "mapping.no-usable-variant", E, 1, 8, "task `init` has variants for CPU only",
                  Category::Mapping));
}

// ---- 13. the machine ----------------------------------------------------------------------------

TEST(Checker, KindsTheMachineLacks) {
  MachineFacts machine = cpu_gpu_machine();
  Diagnostics d = check("Task * OMP, GPU;\nRegion * * GPU RDMEM, FBMEM;", nullptr, &machine);
  EXPECT_TRUE(has(d, "static.kind-not-on-machine", W, 1, 8, "the machine has no OMP processors"));
  EXPECT_TRUE(has(d, "static.kind-not-on-machine", W, 2, 16, "the machine has no RDMEM memory"));
  EXPECT_EQ(d.all().size(), 2u) << dump(d);
}

TEST(Checker, RegionMemoryTheProcessorCannotAddress) {
  MachineFacts machine = cpu_gpu_machine();
  Diagnostics d = check("Region * * CPU FBMEM;\nRegion * * GPU SYSMEM, ZCMEM;", nullptr, &machine);
  EXPECT_TRUE(has(d, "static.unaddressable-memory", W, 1, 16, "a CPU cannot address FBMEM"));
  EXPECT_NE(find(d, "static.unaddressable-memory")->hint.find("SYSMEM, ZCMEM"), std::string::npos);
  EXPECT_EQ(d.all().size(), 1u) << dump(d);
}

// ---- 14. unused functions -----------------------------------------------------------------------

TEST(Checker, FunctionNeverUsed) {
  Diagnostics d = check("def g(Task t) { return g(t); }\n");
  EXPECT_TRUE(has(d, "static.unused-function", W, 1, 5, "function `g` is never used"));
  EXPECT_EQ(check("def h(int a) { return a; }\nx = h(1);").all().size(), 0u);
}

TEST(Checker, StringOutsidePrintIsAnError) {
  Diagnostics d = check("def f(Task t) { x = \"a\"; return x; }\nIndexTaskMap t f;");
  EXPECT_TRUE(has(d, "static.misplaced-string", E, 1, 21, "a string can only be the format of `print`"));
}

}  // namespace
}  // namespace mage::lang
