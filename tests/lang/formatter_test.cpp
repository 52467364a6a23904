#include "lang/formatter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lang/diagnostic.hpp"
#include "lang/parser.hpp"

namespace mage::lang {
namespace {

// ---- structural comparison of syntax trees, ignoring spans -------------------------------------------

std::string diff_expr(const Expr* a, const Expr* b, const std::string& where);

std::string diff_exprs(const std::vector<ExprPtr>& a, const std::vector<ExprPtr>& b,
                       const std::string& where) {
  if (a.size() != b.size())
    return where + ": " + std::to_string(a.size()) + " vs " + std::to_string(b.size()) + " items";
  for (std::size_t i = 0; i < a.size(); ++i)
    if (auto d = diff_expr(a[i].get(), b[i].get(), where + "[" + std::to_string(i) + "]"); !d.empty())
      return d;
  return "";
}

std::string diff_expr(const Expr* a, const Expr* b, const std::string& where) {
  if (!a || !b) return (a || b) ? where + ": one side is null" : "";
  if (a->kind != b->kind) return where + ": expression kinds differ";
  if (a->int_value != b->int_value || a->bool_value != b->bool_value || a->op != b->op || a->text != b->text)
    return where + ": values differ";
  return diff_exprs(a->children, b->children, where);
}

std::string names_of(const std::vector<Ident>& ids) {
  std::string out;
  for (const Ident& i : ids) out += i.name + ",";
  return out;
}

std::string selector_key(const Selector& s) {
  return std::to_string(s.wildcard) + "|" + names_of(s.names) + "|" +
         (s.index ? std::to_string(*s.index) : "-");
}

std::string diff_stmts(const std::vector<Stmt>& a, const std::vector<Stmt>& b, const std::string& where) {
  if (a.size() != b.size()) return where + ": statement counts differ";
  for (std::size_t i = 0; i < a.size(); ++i) {
    const Stmt& x = a[i];
    const Stmt& y = b[i];
    std::string at = where + "/" + std::to_string(i);
    if (x.kind != y.kind) return at + ": statement kinds differ";
    if (selector_key(x.tasks) != selector_key(y.tasks) || selector_key(x.region) != selector_key(y.region) ||
        selector_key(x.proc) != selector_key(y.proc))
      return at + ": selectors differ";
    if (names_of(x.kinds) != names_of(y.kinds)) return at + ": kinds differ";
    if (x.constraints.size() != y.constraints.size()) return at + ": constraint counts differ";
    for (std::size_t k = 0; k < x.constraints.size(); ++k) {
      const LayoutConstraint& c = x.constraints[k];
      const LayoutConstraint& d = y.constraints[k];
      if (c.word != d.word || c.op != d.op || c.value != d.value) return at + ": constraints differ";
    }
    if (x.number != y.number || x.func.name != y.func.name || x.space.name != y.space.name || x.name.name != y.name.name ||
        x.format != y.format)
      return at + ": fields differ";
    if (x.params.size() != y.params.size()) return at + ": parameter counts differ";
    for (std::size_t k = 0; k < x.params.size(); ++k)
      if (x.params[k].type.name != y.params[k].type.name || x.params[k].name.name != y.params[k].name.name)
        return at + ": parameters differ";
    if (auto d = diff_expr(x.value.get(), y.value.get(), at + " value"); !d.empty()) return d;
    if (auto d = diff_exprs(x.args, y.args, at + " args"); !d.empty()) return d;
    if (auto d = diff_stmts(x.body, y.body, at); !d.empty()) return d;
  }
  return "";
}

// ---- helpers ---------------------------------------------------------------------------------------

Program parse_text(const std::string& text, Diagnostics& diags) {
  SourceFile src("test.mpl", text);
  return parse(src, diags);
}

std::string format_text(const std::string& text) {
  SourceFile src("test.mpl", text);
  Diagnostics diags;
  Program p = parse(src, diags);
  EXPECT_FALSE(diags.has_errors()) << render_text(diags, &src) << "\nin:\n" << text;
  return format_program(p, src);
}

// Every comment of `in` appears in `out`, in order, with its text (less trailing blanks) unchanged.
void expect_comments_kept(const std::string& in, const std::string& out) {
  Diagnostics diags;
  Program p = parse_text(in, diags);
  std::size_t pos = 0;
  for (const Comment& c : p.comments) {
    std::string text = c.text.substr(0, c.text.find_last_not_of(" \t\r") + 1);
    std::size_t found = out.find(text, pos);
    ASSERT_NE(found, std::string::npos) << "comment `" << text << "` lost or out of order in:\n" << out;
    pos = found + text.size();
  }
}

// Formats `in`, checks the result re-parses to the same tree, is a fixed point and keeps every comment.
std::string check_round_trip(const std::string& in) {
  Diagnostics d1;
  Program original = parse_text(in, d1);
  EXPECT_FALSE(d1.has_errors()) << "test program does not parse:\n" << in;
  std::string once = format_text(in);
  Diagnostics d2;
  Program again = parse_text(once, d2);
  EXPECT_FALSE(d2.has_errors()) << "formatted output does not parse:\n" << once;
  EXPECT_EQ(diff_stmts(original.statements, again.statements, "stmt"), "")
      << "in:\n" << in << "\nout:\n" << once;
  EXPECT_EQ(format_text(once), once) << "not idempotent; first output:\n" << once;
  expect_comments_kept(in, once);
  return once;
}

struct Case {
  const char* in;
  const char* out;
};

void check_cases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(check_round_trip(c.in), c.out);
  }
}

// Expression cases: `x = IN;` formats to `x = OUT;`.
void check_exprs(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(check_round_trip(std::string("x = ") + c.in + ";"), std::string("x = ") + c.out + ";\n");
  }
}

// ---- statements ------------------------------------------------------------------------------------

TEST(Formatter, TopLevelStatements) {
  check_cases({
      {"Task   *  GPU,CPU ;", "Task * GPU, CPU;\n"},
      {"Task t1,t2 OMP;", "Task t1, t2 OMP;\n"},
      {"Region * * GPU FBMEM;", "Region * * GPU FBMEM;\n"},
      {"Region * rp_shared GPU ZCMEM;", "Region * rp_shared GPU ZCMEM;\n"},
      {"Region t 0 * SYSMEM,ZCMEM;", "Region t 0 * SYSMEM, ZCMEM;\n"},
      {"Region a,b r1,r2 CPU SOCKMEM;", "Region a, b r1, r2 CPU SOCKMEM;\n"},
      {"Layout * * * SOA C_order Align==128;", "Layout * * * SOA C_order Align == 128;\n"},
      {"Layout t 1 FBMEM AOS F_order Exact Compact Align<=64 Align!=8;",
       "Layout t 1 FBMEM AOS F_order Exact Compact Align <= 64 Align != 8;\n"},
      {"InstanceLimit task_4   1;", "InstanceLimit task_4 1;\n"},
      {"CollectMemory task_4 *;", "CollectMemory task_4 *;\n"},
      {"CollectMemory * 2;", "CollectMemory * 2;\n"},
      {"IndexTaskMap task_1,task_2, task_3 auto2d;", "IndexTaskMap task_1, task_2, task_3 auto2d;\n"},
      {"IndexTaskMap a,b f;", "IndexTaskMap a, b f;\n"},
      {"IndexTaskMap * f;", "IndexTaskMap * f;\n"},
      {"IndexTaskMap GPU auto2d;", "IndexTaskMap GPU auto2d;\n"},
      {"SingleTaskMap task_4 same_point;", "SingleTaskMap task_4 same_point;\n"},
      {"ControlReplicate main,  top;", "ControlReplicate main, top;\n"},
      {"m=Machine(GPU);", "m = Machine(GPU);\n"},
      {"print(\"n={} m={}\",n,m);", "print(\"n={} m={}\", n, m);\n"},
      {"print(\"plain\");", "print(\"plain\");\n"},
  });
}

TEST(Formatter, HistoricalFormsAreKeptAsWritten) {
  // Plain `mage fmt` respaces the 2022 forms; only `--upgrade` rewrites them.
  check_cases({
      {"InstanceLimit  t GPU   2;", "InstanceLimit t GPU 2;\n"},
      {"m = Machine(GPU);\ndef f(IPoint p, ISpace s, MSpace x) { return (0, 0); }\nIndexTaskMap a,b  m f;",
       "m = Machine(GPU);\n\ndef f(IPoint p, ISpace s, MSpace x) {\n    return (0, 0);\n}\n\nIndexTaskMap a, b m f;\n"},
      {"x = f(*t,1, *u);", "x = f(*t, 1, *u);\n"},
  });
}

TEST(Formatter, FunctionDefinitions) {
  check_cases({
      {"def f(Task task,int d){x=d+1;return m[x,0];}",
       "def f(Task task, int d) {\n    x = d + 1;\n    return m[x, 0];\n}\n"},
      {"def g(){return 0;}", "def g() {\n    return 0;\n}\n"},
      {"def g() {}", "def g() {\n}\n"},
      {"def p(IPoint x, ISpace y, MSpace z, bool b) {\n  print(\"{}\", x);\n  return z[*x];\n}",
       "def p(IPoint x, ISpace y, MSpace z, bool b) {\n    print(\"{}\", x);\n    return z[*x];\n}\n"},
  });
}

TEST(Formatter, StatementsAcrossLinesBecomeOneLine) {
  check_cases({
      {"Task *\n  GPU,\n  CPU;", "Task * GPU, CPU;\n"},
      {"x = f(a,\n      b);\ny = 1;", "x = f(a, b);\ny = 1;\n"},
      {"a = 1; b = 2;", "a = 1;\nb = 2;\n"},
  });
}

// ---- expressions -----------------------------------------------------------------------------------

TEST(Formatter, ExpressionForms) {
  check_exprs({
      {"007", "7"},
      {"True", "True"},
      {"False", "False"},
      {"f( a ,b )", "f(a, b)"},
      {"f()", "f()"},
      {"Machine(CPU)", "Machine(CPU)"},
      {"m.merge(0,1)", "m.merge(0, 1)"},
      {"m.split(0,2).swap(0,1)", "m.split(0, 2).swap(0, 1)"},
      {"task.parent.processor(m)", "task.parent.processor(m)"},
      {"m[ i , * ]", "m[i, *]"},
      {"m[*]", "m[*]"},
      {"m[ *t , 0 ]", "m[*t, 0]"},
      {"m[*task.ipoint]", "m[*task.ipoint]"},
      {"t[1:]", "t[1:]"},
      {"t[ : -1 ]", "t[:-1]"},
      {"t[a:b]", "t[a:b]"},
      {"t[:]", "t[:]"},
      {"t[0][1]", "t[0][1]"},
      {"t [ 0 ]", "t[0]"},
      {"c?a:b", "c ? a : b"},
      {"c ? a : d ? e : f", "c ? a : d ? e : f"},
      {"c ? (d ? e : f) : g", "c ? d ? e : f : g"},
      {"(a,b)", "(a, b)"},
      {"(a,)", "(a,)"},
      {"( a , )", "(a,)"},
      {"(a, b,)", "(a, b)"},
      {"()", "()"},
      {"((a))", "a"},
      {"(*t, 1)", "(*t, 1)"},
      {"(*t)", "(*t,)"},
      {"(0, *t[1:])", "(0, *t[1:])"},
      {"tuple( x*2 for x in t )", "tuple(x * 2 for x in t)"},
      {"tuple(f(i, i) for i in (0,1))", "tuple(f(i, i) for i in (0, 1))"},
      {"- x", "-x"},
      {"! b", "!b"},
      {"!!b", "!!b"},
      {"-!b", "-!b"},
      {"t.len", "t.len"},
      {"size + volume", "size + volume"},
      {"f(c ? a : b, (1, 2))", "f(c ? a : b, (1, 2))"},
      {"m[c ? 0 : 1]", "m[c ? 0 : 1]"},
      {"t[(c ? 1 : 2):]", "t[(c ? 1 : 2):]"},
      {"a<b", "a < b"},
      {"a>=b&&c!=d||e", "a >= b && c != d || e"},
  });
}

TEST(Formatter, Precedence) {
  check_exprs({
      {"(a + b) * c", "(a + b) * c"},
      {"a + (b * c)", "a + b * c"},
      {"a - (b - c)", "a - (b - c)"},
      {"(a - b) - c", "a - b - c"},
      {"a - b - c", "a - b - c"},
      {"a / (b * c)", "a / (b * c)"},
      {"a % (b % c)", "a % (b % c)"},
      {"(c ? a : b) + 1", "(c ? a : b) + 1"},
      {"1 + (c ? a : b)", "1 + (c ? a : b)"},
      {"(c ? a : b) ? x : y", "(c ? a : b) ? x : y"},
      {"-(-1)", "-(-1)"},
      {"- -1", "-(-1)"},
      {"-(-(-x))", "-(-(-x))"},
      {"-(a + b)", "-(a + b)"},
      {"(-a) + b", "-a + b"},
      {"!(a && b)", "!(a && b)"},
      {"!a && b", "!a && b"},
      {"(a || b) && c", "(a || b) && c"},
      {"a || (b && c)", "a || b && c"},
      {"(a == b) == c", "a == b == c"},
      {"a == (b == c)", "a == (b == c)"},
      {"(a < b) == (c < d)", "a < b == c < d"},
      {"(a + b).len", "(a + b).len"},
      {"(-x)[0]", "(-x)[0]"},
      {"-x[0]", "-x[0]"},
      {"(a, b)[0]", "(a, b)[0]"},
      {"(m.size / 2)[:-1]", "(m.size / 2)[:-1]"},
      {"x[0] * z.size[1] / y.size[0]", "x[0] * z.size[1] / y.size[0]"},
      {"task.ispace / m[:-1]", "task.ispace / m[:-1]"},
      {"(1, *(a + b))", "(1, *(a + b))"},
      {"m[*-t]", "m[*-t]"},
      {"-1 * 2", "-1 * 2"},
      {"-(1 * 2)", "-(1 * 2)"},
      {"c ? a + 1 : b * 2", "c ? a + 1 : b * 2"},
      {"(a && b) ? 1 : 0", "a && b ? 1 : 0"},
  });
}

TEST(Formatter, StringsAreReEscaped) {
  check_cases({
      {R"(print("say \"hi\" \\ {}\n\tend", x);)", "print(\"say \\\"hi\\\" \\\\ {}\\n\\tend\", x);\n"},
      {R"(print("\q");)", "print(\"q\");\n"},
      {R"(x = "a\"b";)", "x = \"a\\\"b\";\n"},
  });
}

// A tree built by hand may hold negative literals; they must not turn into `--`.
TEST(Formatter, NegativeLiteralInBuiltTree) {
  SourceFile src("t.mpl", "x = -1;");
  Diagnostics diags;
  Program p = parse(src, diags);
  ASSERT_FALSE(diags.has_errors());
  Expr& neg = *p.statements[0].value;
  ASSERT_EQ(neg.kind, ExprKind::Unary);
  neg.children[0]->int_value = -5;
  EXPECT_EQ(format_program(p, src), "x = -(-5);\n");
}

// ---- comments --------------------------------------------------------------------------------------

TEST(Formatter, OwnLineAndEndOfLineComments) {
  check_cases({
      {"# header\nTask * GPU;", "# header\nTask * GPU;\n"},
      {"Task * GPU,CPU; # comment", "Task * GPU, CPU;  # comment\n"},
      {"Task * GPU;// slashes   ", "Task * GPU;  // slashes\n"},
      {"   # indented\nx = 1;", "# indented\nx = 1;\n"},
      {"x = 1;\n# one\n# two\ny = 2;", "x = 1;\n# one\n# two\ny = 2;\n"},
      {"x = 1; # a\ny = 2; # b", "x = 1;  # a\ny = 2;  # b\n"},
      {"a = 1; b = 2; # on b", "a = 1;\nb = 2;  # on b\n"},
      {"x = 1;\n# at end", "x = 1;\n# at end\n"},
      {"x = 1;\n\n# at end\n\n", "x = 1;\n\n# at end\n"},
      {"# only a comment", "# only a comment\n"},
      {"", ""},
      {"\n\n  \n", ""},
  });
}

TEST(Formatter, CommentsInFunctionBodies) {
  check_cases({
      // Own-line comment in a body takes the body's indentation.
      {"def f(Task t) {\n# why\nreturn 0;\n}", "def f(Task t) {\n    # why\n    return 0;\n}\n"},
      // End-of-line comments on body statements.
      {"def f(Task t) {\n  x = 1;   # one\n  return x; # two\n}",
       "def f(Task t) {\n    x = 1;  # one\n    return x;  # two\n}\n"},
      // A comment after the last statement but before `}` stays in the body.
      {"def f(Task t) {\n  return 0;\n  # trailing note\n}",
       "def f(Task t) {\n    return 0;\n    # trailing note\n}\n"},
      {"def f(Task t) {\n  # nothing yet\n}", "def f(Task t) {\n    # nothing yet\n}\n"},
      // After `{` and after `}`.
      {"def f(Task t) { # opens\n  return 0;\n} # closes",
       "def f(Task t) {  # opens\n    return 0;\n}  # closes\n"},
      {"def f() { # empty\n}", "def f() {  # empty\n}\n"},
      // Inside the header: moved to the end of the `def` line, before a comment after `{`.
      {"def f(Task t, # the task\n      int d) { # opens\n  return d;\n}",
       "def f(Task t, int d) {  # the task # opens\n    return d;\n}\n"},
      {"def f(Task t,\n  # own line in header\n  int d)\n{\n  return d;\n}",
       "def f(Task t, int d) {  # own line in header\n    return d;\n}\n"},
      // A `{` inside a header comment is not the body's brace.
      {"def f(Task t # {\n) {\n  return 0;\n}", "def f(Task t) {  # {\n    return 0;\n}\n"},
  });
}

TEST(Formatter, CommentsInsideMultiLineStatements) {
  check_cases({
      {"x = f(a, # first arg\n      b);", "x = f(a, b);  # first arg\n"},
      {"x = f(a, # one\n      b, # two\n      c); # end", "x = f(a, b, c);  # one # two # end\n"},
      {"x = (1,\n  # own line inside\n  2);\ny = 3;", "x = (1, 2);  # own line inside\ny = 3;\n"},
      {"Task * # kinds follow\n  GPU, CPU;", "Task * GPU, CPU;  # kinds follow\n"},
      {"def f(Task t) {\n  return m[0, # node\n           1];\n}",
       "def f(Task t) {\n    return m[0, 1];  # node\n}\n"},
      {"Layout * * * SOA // fields apart\n  C_order;", "Layout * * * SOA C_order;  // fields apart\n"},
  });
}

// ---- blank lines -----------------------------------------------------------------------------------

TEST(Formatter, BlankLines) {
  check_cases({
      {"\n\n\nx = 1;\n\n\n\ny = 2;\n\n\n", "x = 1;\n\ny = 2;\n"},
      {"x = 1;\ny = 2;", "x = 1;\ny = 2;\n"},
      // A def always gets a blank line before and after, but not at the file's start or end.
      {"x = 1;\ndef f() {\nreturn 0;\n}\ny = 2;", "x = 1;\n\ndef f() {\n    return 0;\n}\n\ny = 2;\n"},
      {"def f() {\nreturn 0;\n}\ndef g() {\nreturn 1;\n}",
       "def f() {\n    return 0;\n}\n\ndef g() {\n    return 1;\n}\n"},
      // Blank lines inside a body: single ones kept, leading and trailing ones dropped.
      {"def f() {\n\n  x = 1;\n\n\n  y = 2;\n  return y;\n\n}",
       "def f() {\n    x = 1;\n\n    y = 2;\n    return y;\n}\n"},
      // Comments keep the blank lines around them.
      {"x = 1;\n\n# about y\ny = 2;", "x = 1;\n\n# about y\ny = 2;\n"},
      {"x = 1;\n# section\n\ny = 2;", "x = 1;\n# section\n\ny = 2;\n"},
      // Comments directly above a def stay glued to it; the def's blank line goes above them.
      {"x = 1;\n# maps\n# blocks\ndef f() {\nreturn 0;\n}",
       "x = 1;\n\n# maps\n# blocks\ndef f() {\n    return 0;\n}\n"},
      {"x = 1;\n# section\n\ndef f() {\nreturn 0;\n}", "x = 1;\n# section\n\ndef f() {\n    return 0;\n}\n"},
      {"def f() {\nreturn 0;\n}\n# after", "def f() {\n    return 0;\n}\n\n# after\n"},
  });
}

// ---- published-style mappers (written for these tests) -------------------------------------------------

constexpr const char* kMapper = R"(Task * GPU,CPU; # comment
Region * * GPU FBMEM;
Region * rp_shared GPU ZCMEM;
Layout * * * SOA C_order; # other choices: AOS F_order Exact Align==128 Compact
m_2d = Machine(GPU);
m_1d = m_2d.merge(0, 1);
def block_primitive(IPoint x, ISpace y, MSpace z, int dim1, int dim2) {
    return x[dim1] * z.size[dim2] / y.size[dim1];
}
def auto2d(Task task) {
    m_3d = m_2d.auto_split(0, task.ispace);
    m_4d = m_3d.auto_split(2, task.ispace / m_3d[:-1]);
    upper = tuple(block_primitive(task.ipoint, task.ispace, m_4d, i, i) for i in (0,1));
    return m_4d[*upper, 0];
}
def same_point(Task task) {
    return m_2d[*task.parent.processor(m_2d)];
}
IndexTaskMap task_1,task_2, task_3 auto2d;
SingleTaskMap task_4 same_point;
InstanceLimit task_4 1;
CollectMemory task_4 *;
IndexTaskMap GPU auto2d;
)";

constexpr const char* kMapperFormatted = R"(Task * GPU, CPU;  # comment
Region * * GPU FBMEM;
Region * rp_shared GPU ZCMEM;
Layout * * * SOA C_order;  # other choices: AOS F_order Exact Align==128 Compact
m_2d = Machine(GPU);
m_1d = m_2d.merge(0, 1);

def block_primitive(IPoint x, ISpace y, MSpace z, int dim1, int dim2) {
    return x[dim1] * z.size[dim2] / y.size[dim1];
}

def auto2d(Task task) {
    m_3d = m_2d.auto_split(0, task.ispace);
    m_4d = m_3d.auto_split(2, task.ispace / m_3d[:-1]);
    upper = tuple(block_primitive(task.ipoint, task.ispace, m_4d, i, i) for i in (0, 1));
    return m_4d[*upper, 0];
}

def same_point(Task task) {
    return m_2d[*task.parent.processor(m_2d)];
}

IndexTaskMap task_1, task_2, task_3 auto2d;
SingleTaskMap task_4 same_point;
InstanceLimit task_4 1;
CollectMemory task_4 *;
IndexTaskMap GPU auto2d;
)";

TEST(Formatter, PublishedStyleMapper) { EXPECT_EQ(check_round_trip(kMapper), kMapperFormatted); }

TEST(Formatter, MoreMapperPrograms) {
  const std::vector<std::string> programs = {
      // Stencil-style mapper with a linearised block map and explicit kinds.
      R"(# stencil mapper
Task * GPU,OMP,CPU;
Region * * GPU FBMEM,ZCMEM;
Region * ghost GPU ZCMEM;
Region * * CPU SYSMEM;
Layout * * GPU SOA F_order Align == 64;
Layout * * CPU AOS C_order Exact;

mgpu = Machine(GPU);
mcpu = Machine(CPU);

def linear(Task task) {
  ip = task.ipoint;   // point
  is = task.ispace;
  lin = ip[0] + ip[1] * is[0];
  n = lin % mgpu.volume;
  return mgpu[n / mgpu.size[1], n % mgpu.size[1]];
}

def cyclic(Task task) {
  # round robin over nodes, any processor within
  return mgpu[task.ipoint[0] % mgpu.size[0], *];
}

IndexTaskMap stencil, increment linear;
IndexTaskMap init cyclic;
SingleTaskMap * cyclic;
ControlReplicate main;
InstanceLimit stencil 4;
CollectMemory stencil ghost;
)",
      // Hierarchical split with conditionals, tuples and prints.
      R"(m = Machine(GPU);
m2 = m.split(1, 2).swap(0, 1).slice(0, 0, 1).reverse(1);
m3 = m.balance_split(1, 2);
m4 = m.greedy_split(0, (4, 4));
m5 = m.decompose(0, (8, 8, 2));
def pick(Task task, int flip) {
    big = task.ispace[0] > 8 && !(flip == 0) || task.ispace.len >= 3;
    i = big ? task.ipoint[0] % m2.size[0] : (flip != 0 ? 1 : 0);
    j = -(-task.ipoint[1]) % m2.size[1];
    t = (i, j,);
    u = (*t[:1], *t[1:],);
    print("pick {} {} -> {}", i, j, u);
    return m2[*u];
}
def wrap(Task task) { return pick(task, 0); }
IndexTaskMap * wrap;
)",
      // Comments in every position at once.
      R"(
// leading
Task * GPU; // eol


# between, after two blank lines
def f(Task t, // header
      int d) { // brace
  // first
  x = (1, // inside
       2);

  return m[x[0],
    // own inside
    0]; # after
  // last
} // closing
# tail 1

# tail 2


)",
  };
  for (const std::string& p : programs) {
    SCOPED_TRACE(p);
    check_round_trip(p);
  }
}

// A tuple whose first element itself ends in `)` (a regression: the parser once stopped there).
TEST(Formatter, TupleWhoseFirstElementEndsInParen) {
  Diagnostics diags;
  parse_text("x = (f(a), 1);", diags);
  ASSERT_FALSE(diags.has_errors());
  check_cases({{"x = (f(a), 1);", "x = (f(a), 1);\n"},
               {"x = (*(a + b), 1);", "x = (*(a + b), 1);\n"},
               // The formatter itself writes such a head here, from source the parser accepts.
               {"x = (- -1, 2);", "x = (-(-1), 2);\n"}});
}

}  // namespace
}  // namespace mage::lang
