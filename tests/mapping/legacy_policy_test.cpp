// The historical (2022) forms map as the published interpreter maps them, and `mage fmt --upgrade` turns
// them into current-form programs that map every point the same. Each expectation below is computed here
// from the published meaning (coordinates in the named space; a space's point correspondence, dsl.md §4),
// independently of the interpreter.
#include <functional>

#include <gtest/gtest.h>

#include "lang/parser.hpp"
#include "lang/upgrade.hpp"
#include "mapping/interpreter.hpp"
#include "mapping/policy.hpp"

#include "mapping/machine_spec_util.hpp"

namespace mage::mapping {
namespace {

using test_util::spec;

constexpr const char* kMachine = "nodes=2,gpus=4,cpus=8,omps=2";

std::unique_ptr<Policy> compile(const std::string& text, lang::Diagnostics& d) {
  auto p = Policy::compile(lang::SourceFile("t.mpl", text), spec(kMachine), d);
  EXPECT_TRUE(p) << lang::render_text(d, nullptr);
  return p;
}

bool has_code(const lang::Diagnostics& d, const std::string& code) {
  for (const auto& x : d.all())
    if (x.code == code) return true;
  return false;
}

std::string upgraded(const std::string& text) {
  lang::SourceFile src("t.mpl", text);
  lang::Diagnostics d;
  lang::Program p = lang::parse(src, d);
  EXPECT_FALSE(d.has_errors()) << lang::render_text(d, &src);
  return lang::upgrade_program(p, src).text;
}

// Every point of `extents` for `task` on `kind`.
std::vector<Coords> points(const Extents& extents) {
  std::vector<Coords> out;
  Coords c(extents.size(), 0);
  while (true) {
    out.push_back(c);
    std::size_t d = extents.size();
    while (d-- > 0) {
      if (++c[d] < extents[d]) break;
      c[d] = 0;
    }
    if (d == static_cast<std::size_t>(-1)) return out;
  }
}

// The legacy program maps every point as `expected` says, with a `legacy_code` warning; its upgrade maps
// every point the same, with no warning at all.
void expect_maps(const std::string& legacy, const std::string& legacy_code, const std::string& task, ProcKind kind,
                 const Extents& extents, const std::function<ProcessorId(const Coords&)>& expected) {
  lang::Diagnostics d1;
  auto old_policy = compile(legacy, d1);
  ASSERT_TRUE(old_policy);
  EXPECT_TRUE(has_code(d1, legacy_code)) << lang::render_text(d1, nullptr);
  std::string text = upgraded(legacy);
  lang::Diagnostics d2;
  auto new_policy = compile(text, d2);
  ASSERT_TRUE(new_policy) << text;
  EXPECT_TRUE(d2.all().empty()) << lang::render_text(d2, nullptr) << "\nupgraded:\n" << text;
  for (const Coords& pt : points(extents)) {
    TaskContext t{task, pt, extents, nullptr, std::nullopt};
    const auto& a = old_policy->map_index_point(t, kind);
    ASSERT_TRUE(a) << show_tuple(pt) << ": " << a.error().message;
    ASSERT_EQ(a->size(), 1u);
    EXPECT_EQ(a->front(), expected(pt)) << "legacy, point " << show_tuple(pt);
    const auto& b = new_policy->map_index_point(t, kind);
    ASSERT_TRUE(b) << show_tuple(pt) << ": " << b.error().message << "\nupgraded:\n" << text;
    EXPECT_EQ(*b, *a) << "upgraded, point " << show_tuple(pt) << "\n" << text;
  }
}

TEST(LegacyMapping, SpaceFormReturningATuple) {
  // Rows in blocks over the nodes; columns cyclic over a node's GPUs seen as a 2 x 2 grid.
  const std::string program =
      "Task * GPU, CPU;\n"
      "g = Machine(GPU);\n"
      "g2 = g.split(1, 2);  # (nodes, 2, 2): [n, i, j] is GPU i + 2j of node n\n"
      "def tile(IPoint p, ISpace s, MSpace m) {\n"
      "    r = p[0] * m.size[0] / s.size[0];\n"
      "    return (r, p[1] % m.size[1], (p[1] / m.size[1]) % m.size[2]);\n"
      "}\n"
      "IndexTaskMap stencil g2 tile;\n";
  expect_maps(program, "legacy.index-task-map-space", "stencil", ProcKind::GPU, {4, 8}, [](const Coords& p) {
    std::int64_t node = p[0] * 2 / 4;
    std::int64_t i = p[1] % 2, j = (p[1] / 2) % 2;
    return ProcessorId{ProcKind::GPU, node, i + 2 * j};
  });
}

TEST(LegacyMapping, SpaceFormReturningAnIntegerForAOneDimensionalSpace) {
  const std::string program =
      "flat = Machine(CPU).merge(0, 1);  # 16 CPUs, node-major\n"
      "def block1d(IPoint p, ISpace s, MSpace m) {\n"
      "    return p[0] * m.size[0] / s.size[0];\n"
      "}\n"
      "IndexTaskMap init flat block1d;\n";
  expect_maps(program, "legacy.index-task-map-space", "init", ProcKind::CPU, {32}, [](const Coords& p) {
    std::int64_t k = p[0] * 16 / 32;
    return ProcessorId{ProcKind::CPU, k / 8, k % 8};
  });
}

TEST(LegacyMapping, SpaceFormWithAHelperAndAWildcardSelector) {
  // The published GEMM style: a primitive shared by several entry functions, `*` for every task.
  const std::string program =
      "g = Machine(GPU);\n"
      "def cyc(IPoint x, ISpace y, MSpace z, int d1, int d2) {\n"
      "    return x[d1] % z.size[d2];\n"
      "}\n"
      "def cyclic2d(IPoint x, ISpace y, MSpace z) {\n"
      "    return (cyc(x, y, z, 1, 0), cyc(x, y, z, 0, 1));\n"
      "}\n"
      "IndexTaskMap * g cyclic2d;\n";
  expect_maps(program, "legacy.index-task-map-space", "anything", ProcKind::GPU, {6, 3}, [](const Coords& p) {
    return ProcessorId{ProcKind::GPU, p[1] % 2, p[0] % 4};
  });
}

TEST(LegacyMapping, SpaceFormWithTwoParameters) {
  const std::string program =
      "o = Machine(OMP);\n"
      "def spread(IPoint p, ISpace s) {\n"
      "    return (p[0] % 2, p[0] / 2 % 2);\n"
      "}\n"
      "IndexTaskMap t o spread;\n";
  expect_maps(program, "legacy.index-task-map-space", "t", ProcKind::OMP, {8}, [](const Coords& p) {
    return ProcessorId{ProcKind::OMP, p[0] % 2, p[0] / 2 % 2};
  });
}

TEST(LegacyMapping, PointFunctionReturningAProcessor) {
  const std::string program =
      "def spread(IPoint p, ISpace s) {\n"
      "    m = Machine(GPU);\n"
      "    return m[p[0] % m.size[0], (p[0] / m.size[0]) % m.size[1]];\n"
      "}\n"
      "IndexTaskMap a, b spread;\n";
  expect_maps(program, "legacy.index-map-point-function", "b", ProcKind::GPU, {10}, [](const Coords& p) {
    return ProcessorId{ProcKind::GPU, p[0] % 2, (p[0] / 2) % 4};
  });
}

TEST(LegacyMapping, CallUnpackingFlattensTuplesIntoArguments) {
  lang::Diagnostics d;
  auto p = compile(
      "g = Machine(GPU).split(1, 2);\n"
      "def at(int n, int i, int j) {\n"
      "    return g[n, i, j];\n"
      "}\n"
      "def f(Task task) {\n"
      "    return at(*task.ipoint);\n"
      "}\n"
      "def h(Task task) {\n"
      "    return at(*task.ipoint[:1], *(1, 0));\n"
      "}\n"
      "IndexTaskMap f3 f;\n"
      "IndexTaskMap h1 h;\n",
      d);
  ASSERT_TRUE(p);
  for (const Coords& pt : points({2, 2, 2})) {
    TaskContext t{"f3", pt, {2, 2, 2}, nullptr, std::nullopt};
    EXPECT_EQ(p->map_index_point(t, ProcKind::GPU)->front(), (ProcessorId{ProcKind::GPU, pt[0], pt[1] + 2 * pt[2]}));
  }
  TaskContext t{"h1", {1}, {2}, nullptr, std::nullopt};
  EXPECT_EQ(p->map_index_point(t, ProcKind::GPU)->front(), (ProcessorId{ProcKind::GPU, 1, 1}));
  // Too many items for the parameters: the arity error of the call.
  t = TaskContext{"f3", {0, 0}, {2, 2}, nullptr, std::nullopt};
  const auto& bad = p->map_index_point(t, ProcKind::GPU);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "eval.arity") << bad.error().message;
}

TEST(LegacyMapping, InstanceLimitHoldsOnItsKind) {
  lang::Diagnostics d;
  auto p = compile("InstanceLimit leaf GPU 2;\nInstanceLimit leaf CPU 3;\nInstanceLimit * 8;\n", d);
  ASSERT_TRUE(p);
  EXPECT_TRUE(has_code(d, "legacy.instance-limit-kind"));
  EXPECT_EQ(p->instance_limit("leaf", ProcKind::GPU), 2);
  EXPECT_EQ(p->instance_limit("leaf", ProcKind::CPU), 3);
  EXPECT_EQ(p->instance_limit("leaf", ProcKind::OMP), 8);  // the kind rules do not hold: `*` does
  EXPECT_EQ(p->instance_limit("leaf"), 8);
  EXPECT_EQ(p->instance_limit("other", ProcKind::GPU), 8);
}

TEST(LegacyMapping, ErrorsOfTheSpaceForm) {
  lang::Diagnostics d;
  auto p = compile(
      "g = Machine(GPU);\n"
      "n = 3;\n"
      "def far(IPoint p, ISpace s, MSpace m) {\n    return (p[0], 7);\n}\n"
      "def flag(IPoint p, ISpace s, MSpace m) {\n    return True;\n}\n"
      "def first(IPoint p, ISpace s, MSpace m) {\n    return (0, 0);\n}\n"
      "IndexTaskMap far_task g far;\n"
      "IndexTaskMap first_task g first;\n"
      "IndexTaskMap flag_task g flag;\n"
      "IndexTaskMap num_task n far;\n",
      d);
  ASSERT_TRUE(p);
  TaskContext t{"far_task", {0}, {2}, nullptr, std::nullopt};
  EXPECT_EQ(p->map_index_point(t, ProcKind::GPU).error().code, "mapping.coordinates-outside-space");
  EXPECT_NE(p->map_index_point(t, ProcKind::GPU).error().message.find("(2, 4)"), std::string::npos);
  t.name = "flag_task";
  EXPECT_EQ(p->map_index_point(t, ProcKind::GPU).error().code, "mapping.not-coordinates");
  t.name = "num_task";
  EXPECT_EQ(p->map_index_point(t, ProcKind::GPU).error().code, "mapping.not-a-space");
  t.name = "first_task";  // a GPU space for a task that runs on CPUs
  const auto& wrong = p->map_index_point(t, ProcKind::CPU);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, "mapping.wrong-kind");
  EXPECT_NE(wrong.error().message.find("`g`"), std::string::npos) << wrong.error().message;
}

TEST(LegacyMapping, HasAnswersWhetherTheKindHasTheMemory) {
  lang::SourceFile src("t.mpl",
                       "g = Machine(GPU);\nc = Machine(CPU);\n"
                       "a = g[1].has(FBMEM);\nb = c[1].has(FBMEM);\nz = c[0].has(ZCMEM);\n"
                       "s = g.merge(0, 1)[3].has(SYSMEM);\np = g[1, 3].has(FBMEM);\n");
  lang::Diagnostics d;
  lang::Program program = lang::parse(src, d);
  ASSERT_FALSE(d.has_errors());
  MachineDesc machine = spec(kMachine);
  Interpreter in(program, machine);
  ASSERT_TRUE(in.evaluate_globals(d)) << lang::render_text(d, &src);
  auto flag = [&](const char* name) { return std::get<bool>(*in.global(name)); };
  EXPECT_EQ(flag("a"), machine.can_address(ProcKind::GPU, MemKind::FBMEM));
  EXPECT_TRUE(flag("a"));
  EXPECT_FALSE(flag("b"));
  EXPECT_EQ(flag("z"), machine.can_address(ProcKind::CPU, MemKind::ZCMEM));
  EXPECT_EQ(flag("s"), machine.can_address(ProcKind::GPU, MemKind::SYSMEM));
  EXPECT_TRUE(flag("p"));

  lang::SourceFile bad_src("t.mpl", "g = Machine(GPU);\nx = g[4].has(FBMEM);\ny = g.has(GPU);\n");
  lang::Diagnostics bd;
  lang::Program bad = lang::parse(bad_src, bd);
  Interpreter bi(bad, machine);
  EXPECT_FALSE(bi.evaluate_globals(bd));
  ASSERT_EQ(bd.all().size(), 2u) << lang::render_text(bd, &bad_src);
  EXPECT_EQ(bd.all()[0].code, "eval.index-out-of-range");  // a node has 4 GPUs
  EXPECT_EQ(bd.all()[1].code, "eval.type-mismatch");
}

}  // namespace
}  // namespace mage::mapping
