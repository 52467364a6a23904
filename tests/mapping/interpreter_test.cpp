// The interpreter: every expression form's value, and every evaluation error with its position and values.
#include "mapping/interpreter.hpp"

#include <gtest/gtest.h>

#include "lang/parser.hpp"

namespace mage::mapping {
namespace {

MachineDesc machine(std::int64_t nodes, std::int64_t gpus, std::int64_t cpus) {
  lang::Diagnostics d;
  auto m = parse_machine_spec("nodes=" + std::to_string(nodes) + ",gpus=" + std::to_string(gpus) +
                                  ",cpus=" + std::to_string(cpus),
                              d);
  return *m;
}

// Parses `text` and evaluates its globals; the fixture keeps everything alive for inspection.
class Eval : public ::testing::Test {
 protected:
  bool run(const std::string& text, MachineDesc m = machine(2, 4, 8)) {
    machine_ = std::move(m);
    source_ = std::make_unique<lang::SourceFile>("t.mpl", text);
    lang::Diagnostics parse_diags;
    program_ = lang::parse(*source_, parse_diags);
    EXPECT_FALSE(parse_diags.has_errors()) << lang::render_text(parse_diags, source_.get());
    interp_ = std::make_unique<Interpreter>(program_, machine_);
    interp_->set_print_sink([this](const std::string& s) { printed_.push_back(s); });
    return interp_->evaluate_globals(diags_);
  }
  Value global(const std::string& name) {
    const Value* v = interp_->global(name);
    EXPECT_NE(v, nullptr) << name;
    return v ? *v : Value{std::int64_t{-999}};
  }
  std::int64_t integer(const std::string& name) { return std::get<std::int64_t>(global(name)); }
  std::vector<std::int64_t> tuple(const std::string& name) { return std::get<Tuple>(global(name)).items; }
  const lang::Diagnostic& only_error() {
    EXPECT_EQ(diags_.error_count(), 1u) << lang::render_text(diags_, source_.get());
    return diags_.all().front();
  }

  MachineDesc machine_;
  std::unique_ptr<lang::SourceFile> source_;
  lang::Program program_;
  std::unique_ptr<Interpreter> interp_;
  lang::Diagnostics diags_;
  std::vector<std::string> printed_;
};

TEST_F(Eval, IntegerArithmeticFollowsCpp) {
  ASSERT_TRUE(run("a = 7 / 2; b = -7 / 2; c = -7 % 3; d = 2 + 3 * 4; e = (2 + 3) * 4; f = 10 - 3 - 2;"));
  EXPECT_EQ(integer("a"), 3);
  EXPECT_EQ(integer("b"), -3);  // truncates toward zero
  EXPECT_EQ(integer("c"), -1);
  EXPECT_EQ(integer("d"), 14);
  EXPECT_EQ(integer("e"), 20);
  EXPECT_EQ(integer("f"), 5);
}

TEST_F(Eval, BooleansComparisonsAndTernary) {
  ASSERT_TRUE(run("a = 3 < 4 && !(2 >= 5); b = 1 == 2 || 2 != 2; c = a ? 10 : 20; d = (1, 2) == (1, 2);"
                  "e = 3 <= 3 ? (4 > 5 ? 1 : 2) : 3;"));
  EXPECT_EQ(std::get<bool>(global("a")), true);
  EXPECT_EQ(std::get<bool>(global("b")), false);
  EXPECT_EQ(integer("c"), 10);
  EXPECT_EQ(std::get<bool>(global("d")), true);
  EXPECT_EQ(integer("e"), 2);
}

TEST_F(Eval, ShortCircuitSkipsTheRightOperand) {
  ASSERT_TRUE(run("a = False && 1 / 0 == 0; b = True || 1 / 0 == 0;"));
  EXPECT_EQ(std::get<bool>(global("a")), false);
  EXPECT_EQ(std::get<bool>(global("b")), true);
}

TEST_F(Eval, TuplesIndexSliceUnpackAndBroadcast) {
  ASSERT_TRUE(run("t = (5, 6, 7); a = t[-1]; b = t[:-1]; c = t[1:]; d = t[0:2]; e = (*t, 8); f = (9,);"
                  "g = t * 2; h = (8, 6) / (2, 3); i = 10 - t; j = -t; k = t.len; l = t.volume; m = t.size;"
                  "n = (); o = t[5:]; p = t[-10:1];"));
  EXPECT_EQ(integer("a"), 7);
  EXPECT_EQ(tuple("b"), (std::vector<std::int64_t>{5, 6}));
  EXPECT_EQ(tuple("c"), (std::vector<std::int64_t>{6, 7}));
  EXPECT_EQ(tuple("d"), (std::vector<std::int64_t>{5, 6}));
  EXPECT_EQ(tuple("e"), (std::vector<std::int64_t>{5, 6, 7, 8}));
  EXPECT_EQ(tuple("f"), (std::vector<std::int64_t>{9}));
  EXPECT_EQ(tuple("g"), (std::vector<std::int64_t>{10, 12, 14}));
  EXPECT_EQ(tuple("h"), (std::vector<std::int64_t>{4, 2}));
  EXPECT_EQ(tuple("i"), (std::vector<std::int64_t>{5, 4, 3}));
  EXPECT_EQ(tuple("j"), (std::vector<std::int64_t>{-5, -6, -7}));
  EXPECT_EQ(integer("k"), 3);
  EXPECT_EQ(integer("l"), 210);
  EXPECT_EQ(tuple("m"), (std::vector<std::int64_t>{5, 6, 7}));
  EXPECT_TRUE(tuple("n").empty());
  EXPECT_TRUE(tuple("o").empty());
  EXPECT_EQ(tuple("p"), (std::vector<std::int64_t>{5}));
}

TEST_F(Eval, ComprehensionBindsItsVariable) {
  ASSERT_TRUE(run("t = tuple(i * i for i in (1, 2, 3)); i = 100; u = tuple(i + x for x in (1, 2));"));
  EXPECT_EQ(tuple("t"), (std::vector<std::int64_t>{1, 4, 9}));
  EXPECT_EQ(tuple("u"), (std::vector<std::int64_t>{101, 102}));
}

TEST_F(Eval, MachineSpacesAndTheirProperties) {
  ASSERT_TRUE(run("m = Machine(GPU); s = m.size; v = m.volume; n = m.len; m1 = m.merge(0, 1); s1 = m1.size;"
                  "m3 = m.auto_split(0, (4, 4)); s3 = m3[:-1]; d = m.decompose(1, (1, 1)).size;"));
  EXPECT_EQ(tuple("s"), (std::vector<std::int64_t>{2, 4}));
  EXPECT_EQ(integer("v"), 8);
  EXPECT_EQ(integer("n"), 2);
  EXPECT_EQ(tuple("s1"), (std::vector<std::int64_t>{8}));
  EXPECT_EQ(tuple("s3"), (std::vector<std::int64_t>{2, 1}));
  EXPECT_EQ(tuple("d"), (std::vector<std::int64_t>{2, 2, 2}));
}

TEST_F(Eval, MachineIndexGivesProcessorsAndSets) {
  ASSERT_TRUE(run("m = Machine(GPU); p = m[1, 2]; q = m[1, *]; r = m.merge(0, 1)[5];"));
  auto p = std::get<ProcPoint>(global("p"));
  EXPECT_FALSE(p.is_set());
  EXPECT_EQ(p.space.processor_at(p.coords), (ProcessorId{ProcKind::GPU, 1, 2}));
  EXPECT_TRUE(std::get<ProcPoint>(global("q")).is_set());
  auto r = std::get<ProcPoint>(global("r"));
  EXPECT_EQ(r.space.processor_at(r.coords), (ProcessorId{ProcKind::GPU, 1, 1}));  // 5 = node 1, GPU 1
}

TEST_F(Eval, FunctionsCheckArgumentTypesAndReturn) {
  ASSERT_TRUE(run("def add(int a, int b) { c = a + b; c = c * 10; return c; }\n"
                  "def first(IPoint p) { return p[0]; }\n"
                  "def fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }\n"
                  "x = add(1, 2); y = first((4, 5)); z = fact(10);"));
  EXPECT_EQ(integer("x"), 30);  // a later assignment to a local replaces it
  EXPECT_EQ(integer("y"), 4);
  EXPECT_EQ(integer("z"), 3628800);
}

TEST_F(Eval, PrintFormatsValues) {
  ASSERT_TRUE(run("m = Machine(GPU); print(\"size={} vol={} ok={}\", m.size, m.volume, True);"));
  ASSERT_EQ(printed_.size(), 1u);
  EXPECT_EQ(printed_[0], "size=(2, 4) vol=8 ok=True");
}

// ---- errors: each names the position of the failing expression and shows the values ----------------

TEST_F(Eval, IndexOutsideTheSpaceShowsIndexAndExtents) {
  EXPECT_FALSE(run("m_2d = Machine(GPU).slice(0, 0, 0);\np = m_2d[0, 4];", machine(2, 4, 8)));
  const auto& d = only_error();
  EXPECT_EQ(d.code, "eval.index-out-of-range");
  EXPECT_EQ(d.category, lang::Category::Evaluation);
  EXPECT_EQ(d.span.begin.line, 2u);
  EXPECT_EQ(d.span.begin.column, 13u);  // the `4`
  EXPECT_NE(d.message.find("index 4 is outside dimension 1 of `m_2d`, whose extents are (1, 4)"), std::string::npos)
      << d.message;
  EXPECT_FALSE(d.hint.empty());
}

TEST_F(Eval, DivisionByZero) {
  EXPECT_FALSE(run("z = 0;\nx = 5 / z;"));
  const auto& d = only_error();
  EXPECT_EQ(d.code, "eval.division-by-zero");
  EXPECT_EQ(d.span.begin.line, 2u);
  EXPECT_EQ(d.span.begin.column, 5u);
}

TEST_F(Eval, ModuloByZeroAndOverflow) {
  EXPECT_FALSE(run("x = 5 % 0;"));
  EXPECT_EQ(only_error().code, "eval.division-by-zero");
  diags_ = {};
  EXPECT_FALSE(run("x = 9223372036854775807 + 1;"));
  EXPECT_EQ(only_error().code, "eval.overflow");
}

TEST_F(Eval, TypeMismatchNamesBothSides) {
  EXPECT_FALSE(run("m = Machine(GPU);\nx = m + 1;"));
  const auto& d = only_error();
  EXPECT_EQ(d.code, "eval.type-mismatch");
  EXPECT_EQ(d.span.begin.column, 5u);
  EXPECT_NE(d.message.find("machine space"), std::string::npos) << d.message;
}

TEST_F(Eval, TupleLengthMismatch) {
  EXPECT_FALSE(run("x = (1, 2) + (1, 2, 3);"));
  const auto& d = only_error();
  EXPECT_EQ(d.code, "eval.tuple-length");
  EXPECT_NE(d.message.find("(1, 2) has 2 elements and (1, 2, 3) has 3"), std::string::npos) << d.message;
}

TEST_F(Eval, SplitFactorThatDoesNotDividePointsAtTheArgument) {
  EXPECT_FALSE(run("m = Machine(GPU);\ns = m.split(1, 3);"));
  const auto& d = only_error();
  EXPECT_EQ(d.code, "eval.bad-transformation");
  EXPECT_EQ(d.span.begin.line, 2u);
  EXPECT_EQ(d.span.begin.column, 16u);  // the `3`
}

TEST_F(Eval, RecursionTooDeep) {
  EXPECT_FALSE(run("def f(int n) { return f(n + 1); }\nx = f(0);"));
  const auto& d = only_error();
  EXPECT_EQ(d.code, "eval.recursion-too-deep");
  EXPECT_FALSE(d.notes.empty());  // the call chain
}

TEST_F(Eval, ExponentialRecursionHitsTheStepBudget) {
  EXPECT_FALSE(run("def f(int n) { return n == 0 ? 1 : f(n - 1) + f(n - 1); }\nx = f(60);"));
  EXPECT_EQ(only_error().code, "eval.too-many-steps");
}

TEST_F(Eval, WrongArgumentTypeForAParameter) {
  EXPECT_FALSE(run("def f(IPoint p) { return p[0]; }\nx = f(3);"));
  const auto& d = only_error();
  EXPECT_EQ(d.code, "eval.type-mismatch");
  EXPECT_EQ(d.span.begin.line, 2u);
  EXPECT_EQ(d.span.begin.column, 7u);
  EXPECT_NE(d.message.find("IPoint p"), std::string::npos) << d.message;
}

TEST_F(Eval, MachineIndexWithWrongNumberOfComponents) {
  EXPECT_FALSE(run("m = Machine(GPU);\np = m[1];"));
  EXPECT_EQ(only_error().code, "eval.index-arity");
}

TEST_F(Eval, MachineOfAKindTheMachineLacks) {
  EXPECT_FALSE(run("m = Machine(OMP);"));
  const auto& d = only_error();
  EXPECT_EQ(d.code, "eval.no-such-processors");
  EXPECT_NE(d.message.find("no OMP processors"), std::string::npos);
}

TEST_F(Eval, TupleIndexOutOfRange) {
  EXPECT_FALSE(run("t = (1, 2);\nx = t[2];"));
  const auto& d = only_error();
  EXPECT_EQ(d.code, "eval.index-out-of-range");
  EXPECT_NE(d.message.find("index 2 is outside `t`"), std::string::npos) << d.message;
}

TEST_F(Eval, TernaryConditionMustBeBoolean) {
  EXPECT_FALSE(run("x = 1 ? 2 : 3;"));
  EXPECT_EQ(only_error().code, "eval.type-mismatch");
}

TEST_F(Eval, ErrorsInOneGlobalDoNotHideOthers) {
  EXPECT_FALSE(run("a = 1 / 0;\nb = (1, 2)[7];\nc = 3;"));
  EXPECT_EQ(diags_.error_count(), 2u);
  EXPECT_EQ(integer("c"), 3);
}

TEST_F(Eval, CallReturnsTheProcessorForATask) {
  ASSERT_TRUE(run("m = Machine(GPU);\ndef f(Task task) { return m[task.ipoint[0] / 4, task.ipoint[0] % 4]; }"));
  TaskContext t{"t", {6}, {8}, nullptr, std::nullopt};
  auto r = interp_->call(*interp_->function("f"), {TaskRef{&t}});
  ASSERT_TRUE(std::holds_alternative<Value>(r));
  auto p = std::get<ProcPoint>(std::get<Value>(r));
  EXPECT_EQ(p.space.processor_at(p.coords), (ProcessorId{ProcKind::GPU, 1, 2}));
}

TEST_F(Eval, ParentProcessorInASpace) {
  ASSERT_TRUE(run("m = Machine(GPU);\ndef f(Task task) { return m[*task.parent.processor(m)]; }\n"
                  "def g(Task task) { return m[*task.processor(m)]; }"));
  TaskContext parent{"p", {}, {}, nullptr, ProcessorId{ProcKind::GPU, 1, 3}};
  TaskContext t{"t", {}, {}, &parent, std::nullopt};
  auto r = interp_->call(*interp_->function("f"), {TaskRef{&t}});
  auto p = std::get<ProcPoint>(std::get<Value>(r));
  EXPECT_EQ(p.space.processor_at(p.coords), (ProcessorId{ProcKind::GPU, 1, 3}));
  // The task's own processor is what is being decided, so asking for it is an error.
  auto e = interp_->call(*interp_->function("g"), {TaskRef{&t}});
  ASSERT_TRUE(std::holds_alternative<lang::Diagnostic>(e));
  EXPECT_EQ(std::get<lang::Diagnostic>(e).code, "eval.unknown-processor");
}

TEST_F(Eval, ParentOnAnotherKindIsNotInTheSpace) {
  ASSERT_TRUE(run("m = Machine(GPU);\ndef f(Task task) { return m[*task.parent.processor(m)]; }"));
  TaskContext parent{"p", {}, {}, nullptr, ProcessorId{ProcKind::CPU, 0, 3}};
  TaskContext t{"t", {}, {}, &parent, std::nullopt};
  auto e = interp_->call(*interp_->function("f"), {TaskRef{&t}});
  ASSERT_TRUE(std::holds_alternative<lang::Diagnostic>(e));
  EXPECT_EQ(std::get<lang::Diagnostic>(e).code, "eval.processor-not-in-space");
}

// A value borrowed from a local variable stays valid while nested evaluations (a comprehension's
// binding, a call) add and remove bindings in the same frame.
TEST_F(Eval, LocalSpaceIndexedByAComprehensionStaysValid) {
  ASSERT_TRUE(run("m_gpu = Machine(GPU);\n"
                  "def c3(Task task) { grid = m_gpu; return grid[*tuple(0 for k in (0, 1))]; }\n"
                  "def f(Task task) { s = m_gpu.split(1, 2); "
                  "return s[*tuple(task.ipoint[0] % s.size[i] for i in (0, 1, 2))]; }"));
  TaskContext t{"t", {3, 1}, {4, 2}, nullptr, std::nullopt};
  auto r = interp_->call(*interp_->function("c3"), {TaskRef{&t}});
  ASSERT_TRUE(std::holds_alternative<Value>(r));
  auto p = std::get<ProcPoint>(std::get<Value>(r));
  EXPECT_EQ(p.space.processor_at(p.coords), (ProcessorId{ProcKind::GPU, 0, 0}));
  // m_gpu is 2 x 4; split(1, 2) makes it 2 x 2 x 2, and point 3 maps to (1, 1, 1): node 1, GPU 3.
  auto r2 = interp_->call(*interp_->function("f"), {TaskRef{&t}});
  ASSERT_TRUE(std::holds_alternative<Value>(r2)) << std::get<lang::Diagnostic>(r2).message;
  auto p2 = std::get<ProcPoint>(std::get<Value>(r2));
  EXPECT_EQ(p2.space.processor_at(p2.coords), (ProcessorId{ProcKind::GPU, 1, 3}));
}

// Every form that reads a stored value in place (an indexed tuple, `.size`, a method's receiver, a
// slice's base) while a nested comprehension or call adds bindings to the same frame. The locals before
// it vary, so that some frame is full when the comprehension binds its variable (a binding store that
// moved its values would leave the borrowed one dangling; the sanitized test run reports that).
TEST_F(Eval, BorrowedValuesSurviveNestedBindings) {
  for (int pad = 0; pad < 10; ++pad) {
    SCOPED_TRACE(pad);
    std::string locals;
    for (int i = 0; i < pad; ++i) locals += "p" + std::to_string(i) + " = " + std::to_string(i) + "; ";
    ASSERT_TRUE(run("m = Machine(CPU);\n"  // 2 x 8
                    "def g(int x) { y = x; return y; }\n"
                    "def f(Task task) { " + locals +
                    "t = (5, 6, 7, 8); s = m.split(1, 2); "
                    "a = t[tuple(g(k) for k in (1, 2))[1]]; "
                    "b = s.size[tuple(k for k in (0, 1, 2))[2]]; "
                    "c = s.merge(tuple(k for k in (0, 1))[0], tuple(g(k) for k in (1, 2))[0]); "
                    "d = t[tuple(k for k in (0, 1))[1]:tuple(k for k in (2, 3))[1]]; "
                    "return (a, b, c.len, c.volume, d[0], d.len); }"));
    TaskContext t{"t", {0}, {1}, nullptr, std::nullopt};
    auto r = interp_->call(*interp_->function("f"), {TaskRef{&t}});
    ASSERT_TRUE(std::holds_alternative<Value>(r)) << std::get<lang::Diagnostic>(r).message;
    // s = (2, 2, 4); s.merge(0, 1) = (4, 4); t[1:3] = (6, 7).
    EXPECT_EQ(std::get<Tuple>(std::get<Value>(r)).items, (std::vector<std::int64_t>{7, 4, 2, 16, 6, 2}));
  }
}

}  // namespace
}  // namespace mage::mapping
