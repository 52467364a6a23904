// The historical (2022) forms: parsing, the `legacy.*` warnings, messages that recognise an old form, and
// the text `mage fmt --upgrade` produces. Placements and the upgrade round trip are in
// tests/mapping/legacy_policy_test.cpp.
#include "lang/upgrade.hpp"

#include <gtest/gtest.h>

#include "lang/checker.hpp"
#include "lang/parser.hpp"

namespace mage::lang {
namespace {

struct Checked {
  Program program;
  Diagnostics parse;
  Diagnostics check;
};

Checked check(const std::string& text) {
  SourceFile src("t.mpl", text);
  Checked c;
  c.program = parse(src, c.parse);
  if (!c.parse.has_errors()) check_program(c.program, CheckOptions{}, c.check);
  return c;
}

const Diagnostic* find(const Diagnostics& ds, const std::string& code) {
  for (const auto& d : ds.all())
    if (d.code == code) return &d;
  return nullptr;
}

std::string dump(const Diagnostics& ds) {
  std::string out;
  for (const auto& d : ds.all())
    out += d.code + " " + std::to_string(d.span.begin.line) + ":" + std::to_string(d.span.begin.column) + " " +
           d.message + " | " + d.hint + "\n";
  return out;
}

UpgradeResult upgrade(const std::string& text) {
  SourceFile src("t.mpl", text);
  Diagnostics d;
  Program p = parse(src, d);
  EXPECT_FALSE(d.has_errors()) << dump(d);
  return upgrade_program(p, src);
}

TEST(Legacy, IndexTaskMapWithSpaceParsesAndWarnsWithTheUpgrade) {
  auto c = check(
      "g = Machine(GPU);\n"
      "def tile(IPoint p, ISpace s, MSpace m) {\n"
      "    return (p[0] % m.size[0], p[1] % m.size[1]);\n"
      "}\n"
      "IndexTaskMap a, b g tile;\n");
  ASSERT_FALSE(c.parse.has_errors()) << dump(c.parse);
  const Stmt& rule = c.program.statements.back();
  EXPECT_EQ(rule.space.name, "g");
  EXPECT_EQ(rule.func.name, "tile");
  ASSERT_EQ(rule.tasks.names.size(), 2u);
  EXPECT_FALSE(c.check.has_errors()) << dump(c.check);
  const Diagnostic* w = find(c.check, "legacy.index-task-map-space");
  ASSERT_TRUE(w) << dump(c.check);
  EXPECT_EQ(w->severity, Severity::Warning);
  EXPECT_EQ(w->span.begin.line, 5u);
  EXPECT_EQ(w->span.begin.column, 19u);  // the space
  EXPECT_NE(w->message.find("IndexTaskMap TASKS FUNC;"), std::string::npos) << w->message;
  EXPECT_NE(w->hint.find("return g[*tile(task.ipoint, task.ispace, g)];"), std::string::npos) << w->hint;
  EXPECT_NE(w->hint.find("IndexTaskMap a, b tile_g;"), std::string::npos) << w->hint;
  EXPECT_FALSE(find(c.check, "static.unused-function")) << dump(c.check);
}

TEST(Legacy, PointFunctionWarnsAndSpaceFunctionWithoutSpaceIsExplained) {
  auto point = check(
      "def spread(IPoint p, ISpace s) {\n"
      "    return Machine(GPU)[p[0] % 2, 0];\n"
      "}\n"
      "IndexTaskMap t spread;\n");
  EXPECT_FALSE(point.check.has_errors()) << dump(point.check);
  const Diagnostic* w = find(point.check, "legacy.index-map-point-function");
  ASSERT_TRUE(w) << dump(point.check);
  EXPECT_NE(w->hint.find("return spread(task.ipoint, task.ispace);"), std::string::npos) << w->hint;

  // The 2022 signature without the space the coordinates refer to.
  auto missing = check(
      "def tile(IPoint p, ISpace s, MSpace m) {\n"
      "    return (0, 0);\n"
      "}\n"
      "IndexTaskMap t tile;\n");
  const Diagnostic* e = find(missing.check, "static.mapping-function-signature");
  ASSERT_TRUE(e) << dump(missing.check);
  EXPECT_NE(e->message.find("2022 signature"), std::string::npos) << e->message;
  EXPECT_NE(e->message.find("IndexTaskMap t SPACE tile;"), std::string::npos) << e->message;
  EXPECT_NE(e->hint.find("mage fmt --upgrade"), std::string::npos) << e->hint;

  // A current-form function with a space: drop the space.
  auto extra = check(
      "g = Machine(GPU);\n"
      "def f(Task task) {\n"
      "    return g[0, 0];\n"
      "}\n"
      "IndexTaskMap t g f;\n");
  e = find(extra.check, "static.mapping-function-signature");
  ASSERT_TRUE(e) << dump(extra.check);
  EXPECT_NE(e->hint.find("IndexTaskMap t f;"), std::string::npos) << e->hint;

  // The space must be a global.
  auto undefined = check(
      "def tile(IPoint p, ISpace s, MSpace m) {\n"
      "    return (0, 0);\n"
      "}\n"
      "IndexTaskMap t gpus tile;\n");
  e = find(undefined.check, "static.undefined-name");
  ASSERT_TRUE(e) << dump(undefined.check);
  EXPECT_EQ(e->span.begin.line, 4u);
  EXPECT_EQ(e->span.begin.column, 16u);
}

TEST(Legacy, InstanceLimitWithKind) {
  auto c = check("InstanceLimit leaf GPU 2;\nInstanceLimit leaf CPU 3;\nInstanceLimit * 8;\n");
  ASSERT_FALSE(c.parse.has_errors()) << dump(c.parse);
  EXPECT_EQ(c.program.statements[0].proc.names.front().name, "GPU");
  EXPECT_EQ(c.program.statements[0].number, 2);
  EXPECT_FALSE(c.check.has_errors()) << dump(c.check);
  EXPECT_FALSE(find(c.check, "static.dead-rule")) << dump(c.check);  // different kinds are different rules
  const Diagnostic* w = find(c.check, "legacy.instance-limit-kind");
  ASSERT_TRUE(w) << dump(c.check);
  EXPECT_NE(w->hint.find("InstanceLimit leaf 2;"), std::string::npos) << w->hint;

  auto bad = check("InstanceLimit leaf FBMEM 2;\n");
  EXPECT_TRUE(find(bad.check, "static.unknown-proc-kind")) << dump(bad.check);
}

TEST(Legacy, CallUnpackingIsCheckedAgainstTheParameters) {
  auto ok = check(
      "def at(int n, int p) {\n    return Machine(GPU)[n, p];\n}\n"
      "def f(Task task) {\n    c = (0, 1);\n    return at(*c);\n}\n"
      "def g(Task task) {\n    return at(*task.ipoint[:1], *(1,));\n}\n"
      "IndexTaskMap a f;\nIndexTaskMap b g;\n");
  EXPECT_FALSE(ok.parse.has_errors()) << dump(ok.parse);
  EXPECT_FALSE(ok.check.has_errors()) << dump(ok.check);

  auto too_many = check(
      "def at(int n, int p) {\n    return Machine(GPU)[n, p];\n}\n"
      "def f(Task task) {\n    return at(1, 2, 3, *task.ipoint);\n}\nIndexTaskMap a f;\n");
  EXPECT_TRUE(find(too_many.check, "static.wrong-argument-count")) << dump(too_many.check);

  auto method = check("m = Machine(GPU).split(*(0, 2));\n");
  const Diagnostic* e = find(method.check, "static.misplaced-unpack");
  ASSERT_TRUE(e) << dump(method.check);
  EXPECT_EQ(e->span.begin.column, 24u);
}

TEST(Legacy, HasIsAMethodOfOneMemoryKind) {
  auto c = check("g = Machine(GPU);\nb = g[0].has(FBMEM);\n");
  EXPECT_FALSE(c.parse.has_errors()) << dump(c.parse);
  EXPECT_FALSE(c.check.has_errors()) << dump(c.check);
  auto wrong = check("g = Machine(GPU);\nb = g.has(FBMEM, SYSMEM);\n");
  EXPECT_TRUE(find(wrong.check, "static.wrong-argument-count")) << dump(wrong.check);
}

TEST(Legacy, TaskStealIsAClearNotSupportedError) {
  auto c = check("TaskSteal * GPU SAME_NODE;\nTask * GPU;\n");
  const Diagnostic* e = find(c.parse, "syntax.unsupported");
  ASSERT_TRUE(e) << dump(c.parse);
  EXPECT_EQ(e->span.begin.line, 1u);
  EXPECT_NE(e->message.find("`TaskSteal`"), std::string::npos) << e->message;
  EXPECT_NE(e->message.find("not supported"), std::string::npos) << e->message;
  EXPECT_EQ(c.parse.all().size(), 1u) << dump(c.parse);  // recovery: the next statement parses
}

TEST(Legacy, TooManyNamesAfterIndexTaskMapNameBothForms) {
  auto c = check("IndexTaskMap t m f g;\n");
  const Diagnostic* e = find(c.parse, "syntax.unexpected-token");
  ASSERT_TRUE(e) << dump(c.parse);
  EXPECT_NE(e->hint.find("IndexTaskMap TASKS SPACE FUNC;"), std::string::npos) << e->hint;
}

TEST(Legacy, ReturnShapeInference) {
  auto c = check(
      "def prim(IPoint x, ISpace y, MSpace z, int d) {\n    return x[d] * z.size[d] / y.size[d];\n}\n"
      "def one(IPoint x, ISpace y, MSpace z) {\n    return prim(x, y, z, 0);\n}\n"
      "def two(IPoint x, ISpace y, MSpace z) {\n    a = prim(x, y, z, 0);\n    return (a, prim(x, y, z, 1));\n}\n"
      "def sum(IPoint x, ISpace y, MSpace z) {\n    return x + y;\n}\n"
      "def cond(IPoint x, ISpace y, MSpace z) {\n    return x[0] > 1 ? (1, 2) : 3;\n}\n");
  auto def = [&](std::size_t i) -> const Stmt& { return c.program.statements[i]; };
  EXPECT_EQ(return_shape(c.program, def(0)), ReturnShape::Integer);
  EXPECT_EQ(return_shape(c.program, def(1)), ReturnShape::Integer);
  EXPECT_EQ(return_shape(c.program, def(2)), ReturnShape::Tuple);
  EXPECT_EQ(return_shape(c.program, def(3)), ReturnShape::Tuple);
  EXPECT_EQ(return_shape(c.program, def(4)), ReturnShape::Unknown);
}

TEST(Legacy, UpgradeWritesWrappersOnceAndKeepsComments) {
  const char* in =
      "Task * GPU, CPU;  # every task on a GPU\n"
      "\n"
      "g = Machine(GPU);\n"
      "flat = g.merge(0, 1);\n"
      "\n"
      "def block(IPoint p, ISpace s, MSpace m) {\n"
      "    return p[0] * m.size[0] / s.size[0];  # one block per GPU\n"
      "}\n"
      "\n"
      "def tile(IPoint p, ISpace s, MSpace m) {\n"
      "    return (p[0] % m.size[0], p[1] % m.size[1]);\n"
      "}\n"
      "\n"
      "# rows in blocks\n"
      "IndexTaskMap init flat block;  // the first launch\n"
      "IndexTaskMap stencil, halo g tile;\n"
      "IndexTaskMap * flat block;\n"
      "InstanceLimit stencil GPU 2;\n";
  UpgradeResult up = upgrade(in);
  EXPECT_EQ(up.rewritten, 4);
  EXPECT_EQ(up.text,
            "Task * GPU, CPU;  # every task on a GPU\n"
            "\n"
            "g = Machine(GPU);\n"
            "flat = g.merge(0, 1);\n"
            "\n"
            "def block(IPoint p, ISpace s, MSpace m) {\n"
            "    return p[0] * m.size[0] / s.size[0];  # one block per GPU\n"
            "}\n"
            "\n"
            "def tile(IPoint p, ISpace s, MSpace m) {\n"
            "    return (p[0] % m.size[0], p[1] % m.size[1]);\n"
            "}\n"
            "\n"
            "def block_flat(Task task) {\n"
            "    return flat[block(task.ipoint, task.ispace, flat)];\n"
            "}\n"
            "\n"
            "# rows in blocks\n"
            "IndexTaskMap init block_flat;  // the first launch\n"
            "\n"
            "def tile_g(Task task) {\n"
            "    return g[*tile(task.ipoint, task.ispace, g)];\n"
            "}\n"
            "\n"
            "IndexTaskMap stencil, halo tile_g;\n"
            "IndexTaskMap * block_flat;\n"
            "InstanceLimit stencil 2;\n");
  ASSERT_EQ(up.notes.size(), 1u);
  EXPECT_EQ(up.notes[0].line, 18u);
  EXPECT_NE(up.notes[0].message.find("only on GPU"), std::string::npos) << up.notes[0].message;

  // The result is in the current form: it checks without a warning, and is canonical.
  auto c = check(up.text);
  EXPECT_TRUE(c.parse.all().empty()) << dump(c.parse);
  EXPECT_TRUE(c.check.all().empty()) << dump(c.check);
  EXPECT_EQ(upgrade(up.text).text, up.text);
  EXPECT_EQ(upgrade(up.text).rewritten, 0);
}

TEST(Legacy, UpgradeMergesLimitsOfSeveralKinds) {
  UpgradeResult up = upgrade(
      "Task * GPU;\n\nInstanceLimit leaf GPU 4;  # per GPU\nInstanceLimit leaf CPU 2;\n\nInstanceLimit other OMP 3;\n"
      "\nTask leaf CPU;\n");
  EXPECT_EQ(up.text,
            "Task * GPU;\n\nInstanceLimit leaf 2;  # per GPU\n\nInstanceLimit other 3;\n\nTask leaf CPU;\n");
  ASSERT_EQ(up.notes.size(), 3u);
  EXPECT_NE(up.notes[1].message.find("merged into `InstanceLimit leaf 2;` at line 3"), std::string::npos)
      << up.notes[1].message;
  auto c = check(up.text);
  EXPECT_TRUE(c.check.all().empty()) << dump(c.check);

  // Beside a limit without a kind: one limit, the smallest, where the first was.
  UpgradeResult mixed = upgrade("InstanceLimit t 3;\nInstanceLimit t GPU 5;\nInstanceLimit u 7;\n");
  EXPECT_EQ(mixed.text, "InstanceLimit t 3;\nInstanceLimit u 7;\n");
  EXPECT_EQ(mixed.notes.size(), 2u);
  EXPECT_TRUE(check(mixed.text).check.all().empty());
}

TEST(Legacy, UpgradePicksFreshNamesAndReportsGuesses) {
  UpgradeResult up = upgrade(
      "g = Machine(GPU);\n"
      "def tile_g(Task task) {\n    return g[0, 0];\n}\n"
      "def tile(IPoint p, ISpace s, MSpace m) {\n    return q;\n}\n"
      "IndexTaskMap a g tile;\n"
      "IndexTaskMap b tile_g;\n");
  EXPECT_NE(up.text.find("def tile_g_2(Task task) {\n    return g[*tile(task.ipoint, task.ispace, g)];\n}\n"),
            std::string::npos)
      << up.text;
  EXPECT_NE(up.text.find("IndexTaskMap a tile_g_2;"), std::string::npos) << up.text;
  ASSERT_EQ(up.notes.size(), 1u);
  EXPECT_NE(up.notes[0].message.find("could not tell"), std::string::npos) << up.notes[0].message;
}

}  // namespace
}  // namespace mage::lang
