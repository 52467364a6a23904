#include "lang/parser.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "lang/diagnostic.hpp"

namespace mage::lang {
namespace {

// ---- helpers -----------------------------------------------------------------------------------------

struct Parsed {
  std::unique_ptr<SourceFile> source;
  Program program;
  Diagnostics diags;
  const std::vector<Stmt>& stmts() const { return program.statements; }
};

Parsed parse_text(std::string text, std::string name = "test.mpl") {
  Parsed p;
  p.source = std::make_unique<SourceFile>(std::move(name), std::move(text));
  p.program = parse(*p.source, p.diags);
  return p;
}

std::string dump(const Parsed& p) { return render_text(p.diags, p.source.get()); }

std::string op_text(Tok op) {
  std::string s = describe(op);  // "`+`"
  return s.size() > 2 ? s.substr(1, s.size() - 2) : s;
}

// An expression as a compact S-expression: `(+ a (* b c))`, `(index m * (unpack t))`, `(slice _ 1)`.
std::string sexpr(const Expr* e) {
  if (!e) return "_";
  auto children = [&](std::size_t from) {
    std::string out;
    for (std::size_t i = from; i < e->children.size(); ++i) out += " " + sexpr(e->children[i].get());
    return out;
  };
  switch (e->kind) {
    case ExprKind::Int: return std::to_string(e->int_value);
    case ExprKind::Bool: return e->bool_value ? "True" : "False";
    case ExprKind::String: return "\"" + e->text + "\"";
    case ExprKind::Name: return e->text;
    case ExprKind::Unary:
    case ExprKind::Binary: return "(" + op_text(e->op) + children(0) + ")";
    case ExprKind::Ternary: return "(?" + children(0) + ")";
    case ExprKind::Tuple: return "(tuple" + children(0) + ")";
    case ExprKind::Index: return "(index" + children(0) + ")";
    case ExprKind::Attribute: return "(. " + sexpr(e->children[0].get()) + " " + e->text + ")";
    case ExprKind::Call: return "(call" + children(0) + ")";
    case ExprKind::Comprehension:
      return "(for " + e->text + " " + sexpr(e->children[0].get()) + " " + sexpr(e->children[1].get()) + ")";
    case ExprKind::Wildcard: return "*";
    case ExprKind::Unpack: return "(unpack" + children(0) + ")";
    case ExprKind::Slice: return "(slice" + children(0) + ")";
  }
  return "?";
}

// Parses `x = TEXT;` and returns the value's S-expression, or the diagnostics if there are any.
std::string expr_of(const std::string& text) {
  Parsed p = parse_text("x = " + text + ";");
  if (p.diags.has_errors() || p.stmts().size() != 1 || !p.stmts()[0].value) return "ERROR: " + dump(p);
  return sexpr(p.stmts()[0].value.get());
}

std::vector<std::string> names(const std::vector<Ident>& ids) {
  std::vector<std::string> out;
  for (const Ident& i : ids) out.push_back(i.name);
  return out;
}

using Strings = std::vector<std::string>;

std::vector<StmtKind> kinds_of(const std::vector<Stmt>& stmts) {
  std::vector<StmtKind> out;
  for (const Stmt& s : stmts) out.push_back(s.kind);
  return out;
}

void expect_at(const Span& s, std::uint32_t line, std::uint32_t column, std::uint32_t length = 0) {
  EXPECT_EQ(s.begin.line, line);
  EXPECT_EQ(s.begin.column, column);
  if (length != 0) {
    EXPECT_EQ(s.length, length);
  }
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The first error of `text`, checked against the code, position and a piece of the message; every
// syntax error must also say what to do.
Diagnostic expect_error(const std::string& text, const std::string& code, std::uint32_t line,
                        std::uint32_t column, const std::string& message_part) {
  Parsed p = parse_text(text);
  SCOPED_TRACE("source:\n" + text + "\ndiagnostics:\n" + dump(p));
  EXPECT_TRUE(p.diags.has_errors());
  if (p.diags.all().empty()) return {};
  const Diagnostic& d = p.diags.all()[0];
  EXPECT_EQ(d.severity, Severity::Error);
  EXPECT_EQ(d.category, Category::Syntax);
  EXPECT_EQ(d.code, code);
  EXPECT_EQ(d.span.begin.line, line);
  EXPECT_EQ(d.span.begin.column, column);
  EXPECT_TRUE(contains(d.message, message_part)) << d.message;
  EXPECT_FALSE(d.hint.empty());
  return d;
}

// Like expect_error, and the file has no other error.
Diagnostic expect_only_error(const std::string& text, const std::string& code, std::uint32_t line,
                             std::uint32_t column, const std::string& message_part) {
  Diagnostic d = expect_error(text, code, line, column, message_part);
  Parsed p = parse_text(text);
  EXPECT_EQ(p.diags.error_count(), 1u) << dump(p);
  return d;
}

bool has_code(const Diagnostics& ds, const std::string& code) {
  for (const Diagnostic& d : ds.all())
    if (d.code == code) return true;
  return false;
}

// ---- statements --------------------------------------------------------------------------------------

TEST(ParserStatements, TaskWithWildcardAndKindList) {
  Parsed p = parse_text("Task * GPU,CPU;");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  ASSERT_EQ(p.stmts().size(), 1u);
  const Stmt& s = p.stmts()[0];
  EXPECT_EQ(s.kind, StmtKind::Task);
  EXPECT_TRUE(s.tasks.wildcard);
  EXPECT_TRUE(s.tasks.names.empty());
  EXPECT_EQ(names(s.kinds), (Strings{"GPU", "CPU"}));
  expect_at(s.span, 1, 1, 4);
  expect_at(s.keyword, 1, 1, 4);
  expect_at(s.tasks.span, 1, 6, 1);
  expect_at(s.kinds[1].span, 1, 12, 3);
  EXPECT_EQ(s.end_offset, 15u);
}

TEST(ParserStatements, TaskWithNamedTasks) {
  Parsed p = parse_text("Task init_piece, print_summary CPU;");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  const Stmt& s = p.stmts()[0];
  EXPECT_FALSE(s.tasks.wildcard);
  EXPECT_EQ(names(s.tasks.names), (Strings{"init_piece", "print_summary"}));
  expect_at(s.tasks.span, 1, 6, 25);  // `init_piece, print_summary`
  EXPECT_EQ(names(s.kinds), (Strings{"CPU"}));
}

TEST(ParserStatements, RegionWithNamedRegion) {
  Parsed p = parse_text("Region * rp_shared GPU ZCMEM;");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  const Stmt& s = p.stmts()[0];
  EXPECT_EQ(s.kind, StmtKind::Region);
  EXPECT_TRUE(s.tasks.wildcard);
  EXPECT_EQ(names(s.region.names), (Strings{"rp_shared"}));
  EXPECT_FALSE(s.region.index.has_value());
  expect_at(s.region.span, 1, 10, 9);
  EXPECT_FALSE(s.proc.wildcard);
  EXPECT_EQ(names(s.proc.names), (Strings{"GPU"}));
  expect_at(s.proc.span, 1, 20, 3);
  EXPECT_EQ(names(s.kinds), (Strings{"ZCMEM"}));
}

TEST(ParserStatements, RegionAllWildcards) {
  Parsed p = parse_text("Region * * * SOCKMEM,SYSMEM;");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  const Stmt& s = p.stmts()[0];
  EXPECT_TRUE(s.tasks.wildcard);
  EXPECT_TRUE(s.region.wildcard);
  EXPECT_TRUE(s.proc.wildcard);
  EXPECT_EQ(names(s.kinds), (Strings{"SOCKMEM", "SYSMEM"}));
}

TEST(ParserStatements, RegionByArgumentIndex) {
  Parsed p = parse_text("Region stencil 1 CPU SYSMEM;");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  const Stmt& s = p.stmts()[0];
  EXPECT_EQ(names(s.tasks.names), (Strings{"stencil"}));
  ASSERT_TRUE(s.region.index.has_value());
  EXPECT_EQ(*s.region.index, 1);
  EXPECT_TRUE(s.region.names.empty());
  EXPECT_FALSE(s.region.wildcard);
  expect_at(s.region.span, 1, 16, 1);
}

TEST(ParserStatements, LayoutWithTrailingCommentListingChoices) {
  Parsed p = parse_text("Layout * * * SOA C_order; # Other choices: AOS F_order Exact Align==128 Compact\n");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  ASSERT_EQ(p.stmts().size(), 1u);
  const Stmt& s = p.stmts()[0];
  EXPECT_EQ(s.kind, StmtKind::Layout);
  EXPECT_TRUE(s.proc.wildcard);
  ASSERT_EQ(s.constraints.size(), 2u);
  EXPECT_EQ(s.constraints[0].word, LayoutWord::SOA);
  EXPECT_EQ(s.constraints[1].word, LayoutWord::C_order);
  expect_at(s.constraints[1].span, 1, 18, 7);
  ASSERT_EQ(p.program.comments.size(), 1u);
  EXPECT_EQ(p.program.comments[0].text, "# Other choices: AOS F_order Exact Align==128 Compact");
  EXPECT_FALSE(p.program.comments[0].own_line);
}

TEST(ParserStatements, LayoutEveryConstraintWithMemoryKindSelector) {
  Parsed p = parse_text("Layout * * FBMEM AOS F_order Exact Align==128 Compact;");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  const Stmt& s = p.stmts()[0];
  EXPECT_EQ(names(s.proc.names), (Strings{"FBMEM"}));
  ASSERT_EQ(s.constraints.size(), 5u);
  EXPECT_EQ(s.constraints[0].word, LayoutWord::AOS);
  EXPECT_EQ(s.constraints[1].word, LayoutWord::F_order);
  EXPECT_EQ(s.constraints[2].word, LayoutWord::Exact);
  EXPECT_EQ(s.constraints[3].word, LayoutWord::Align);
  EXPECT_EQ(s.constraints[3].op, Tok::EqEq);
  EXPECT_EQ(s.constraints[3].value, 128);
  expect_at(s.constraints[3].span, 1, 36, 10);  // `Align==128`
  EXPECT_EQ(s.constraints[4].word, LayoutWord::Compact);
}

TEST(ParserStatements, LayoutAlignTakesEveryComparison) {
  const std::vector<std::pair<std::string, Tok>> cases = {{"==", Tok::EqEq},   {"!=", Tok::NotEq},
                                                          {"<", Tok::Less},    {">", Tok::Greater},
                                                          {"<=", Tok::LessEq}, {">=", Tok::GreaterEq}};
  for (const auto& [op, tok] : cases) {
    Parsed p = parse_text("Layout t r GPU Align " + op + " 64 SOA;");
    ASSERT_FALSE(p.diags.has_errors()) << op << "\n" << dump(p);
    const Stmt& s = p.stmts()[0];
    ASSERT_EQ(s.constraints.size(), 2u);
    EXPECT_EQ(s.constraints[0].word, LayoutWord::Align);
    EXPECT_EQ(s.constraints[0].op, tok) << op;
    EXPECT_EQ(s.constraints[0].value, 64);
    EXPECT_EQ(s.constraints[1].word, LayoutWord::SOA);
  }
}

TEST(ParserStatements, InstanceLimit) {
  Parsed p = parse_text("InstanceLimit task_4 1;");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  const Stmt& s = p.stmts()[0];
  EXPECT_EQ(s.kind, StmtKind::InstanceLimit);
  EXPECT_EQ(names(s.tasks.names), (Strings{"task_4"}));
  EXPECT_EQ(s.number, 1);
  expect_at(s.number_span, 1, 22, 1);
}

TEST(ParserStatements, CollectMemory) {
  Parsed p = parse_text("CollectMemory task_4 *;");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  const Stmt& s = p.stmts()[0];
  EXPECT_EQ(s.kind, StmtKind::CollectMemory);
  EXPECT_EQ(names(s.tasks.names), (Strings{"task_4"}));
  EXPECT_TRUE(s.region.wildcard);
}

TEST(ParserStatements, IndexTaskMapWithTaskListWithoutSpaces) {
  Parsed p = parse_text("IndexTaskMap calculate_new_currents,distribute_charge,update_voltages linearblock;");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  const Stmt& s = p.stmts()[0];
  EXPECT_EQ(s.kind, StmtKind::IndexTaskMap);
  EXPECT_EQ(names(s.tasks.names),
            (Strings{"calculate_new_currents", "distribute_charge", "update_voltages"}));
  EXPECT_EQ(s.func.name, "linearblock");
  expect_at(s.func.span, 1, 71, 11);
}

TEST(ParserStatements, IndexTaskMapWithMixedSpacing) {
  Parsed p = parse_text("IndexTaskMap task_1,task_2, task_3 auto_cyclic_3d;");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  const Stmt& s = p.stmts()[0];
  EXPECT_EQ(names(s.tasks.names), (Strings{"task_1", "task_2", "task_3"}));
  expect_at(s.tasks.span, 1, 14, 21);
  EXPECT_EQ(s.func.name, "auto_cyclic_3d");
}

TEST(ParserStatements, IndexTaskMapByProcessorKind) {
  Parsed p = parse_text("IndexTaskMap GPU linearcyclic;");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  const Stmt& s = p.stmts()[0];
  EXPECT_EQ(names(s.tasks.names), (Strings{"GPU"}));
  EXPECT_EQ(s.func.name, "linearcyclic");
}

TEST(ParserStatements, IndexTaskMapWildcard) {
  Parsed p = parse_text("IndexTaskMap * blocked;");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  EXPECT_TRUE(p.stmts()[0].tasks.wildcard);
  EXPECT_EQ(p.stmts()[0].func.name, "blocked");
}

TEST(ParserStatements, SingleTaskMap) {
  Parsed p = parse_text("SingleTaskMap task_4 same_point;");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  const Stmt& s = p.stmts()[0];
  EXPECT_EQ(s.kind, StmtKind::SingleTaskMap);
  EXPECT_EQ(names(s.tasks.names), (Strings{"task_4"}));
  EXPECT_EQ(s.func.name, "same_point");
}

TEST(ParserStatements, ControlReplicate) {
  Parsed p = parse_text("ControlReplicate main_loop, solve;");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  const Stmt& s = p.stmts()[0];
  EXPECT_EQ(s.kind, StmtKind::ControlReplicate);
  EXPECT_EQ(names(s.tasks.names), (Strings{"main_loop", "solve"}));
}

TEST(ParserStatements, Assignment) {
  Parsed p = parse_text("m_1d = m_2d.merge(0, 1);");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  const Stmt& s = p.stmts()[0];
  EXPECT_EQ(s.kind, StmtKind::Assign);
  EXPECT_EQ(s.name.name, "m_1d");
  expect_at(s.name.span, 1, 1, 4);
  expect_at(s.keyword, 1, 1, 4);
  EXPECT_EQ(sexpr(s.value.get()), "(call (. m_2d merge) 0 1)");
  expect_at(s.value->span, 1, 8, 16);
  EXPECT_EQ(s.end_offset, 24u);
}

TEST(ParserStatements, ContextualPropertyNamesAreOrdinaryVariables) {
  Parsed p = parse_text("size = m.size; volume = 2; split = size; processor = parent;");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  ASSERT_EQ(p.stmts().size(), 4u);
  EXPECT_EQ(p.stmts()[0].name.name, "size");
  EXPECT_EQ(sexpr(p.stmts()[0].value.get()), "(. m size)");
  EXPECT_EQ(p.stmts()[3].name.name, "processor");
}

TEST(ParserStatements, DefOnOneLine) {
  Parsed p = parse_text(
      "def block_primitive(IPoint x, ISpace y, MSpace z, int dim1, int dim2) { "
      "return x[dim1] * z.size[dim2] / y.size[dim1]; }");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  ASSERT_EQ(p.stmts().size(), 1u);
  const Stmt& s = p.stmts()[0];
  EXPECT_EQ(s.kind, StmtKind::Def);
  EXPECT_EQ(s.name.name, "block_primitive");
  expect_at(s.name.span, 1, 5, 15);
  ASSERT_EQ(s.params.size(), 5u);
  const Strings types = {"IPoint", "ISpace", "MSpace", "int", "int"};
  const Strings params = {"x", "y", "z", "dim1", "dim2"};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(s.params[i].type.name, types[i]);
    EXPECT_EQ(s.params[i].name.name, params[i]);
  }
  expect_at(s.params[1].type.span, 1, 31, 6);
  expect_at(s.params[1].name.span, 1, 38, 1);
  ASSERT_EQ(s.body.size(), 1u);
  const Stmt& r = s.body[0];
  EXPECT_EQ(r.kind, StmtKind::Return);
  expect_at(r.keyword, 1, 73, 6);
  // `*` and `/` associate to the left.
  EXPECT_EQ(sexpr(r.value.get()), "(/ (* (index x dim1) (index (. z size) dim2)) (index (. y size) dim1))");
  EXPECT_EQ(s.end_offset, static_cast<std::uint32_t>(p.source->text().size()));
}

TEST(ParserStatements, DefWithoutParametersAndWithSeveralBodyStatements) {
  Parsed p = parse_text("def f() {\n  a = 1;\n  print(\"a={}\", a);\n  return a;\n}\n");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  const Stmt& s = p.stmts()[0];
  EXPECT_TRUE(s.params.empty());
  EXPECT_EQ(kinds_of(s.body), (std::vector<StmtKind>{StmtKind::Assign, StmtKind::Print, StmtKind::Return}));
  expect_at(s.body[1].span, 3, 3, 5);
  expect_at(s.body[2].span, 4, 3, 6);
  EXPECT_EQ(s.end_offset, p.source->text().rfind('}') + 1);  // just past the `}`
}

TEST(ParserStatements, EmptyFunctionBody) {
  Parsed p = parse_text("def f(Task t) {}");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  EXPECT_TRUE(p.stmts()[0].body.empty());
}

TEST(ParserStatements, PrintWithFormatAndArguments) {
  Parsed p = parse_text("print(\"gx={}, gy={}\", gx, gy + 1);");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  const Stmt& s = p.stmts()[0];
  EXPECT_EQ(s.kind, StmtKind::Print);
  EXPECT_EQ(s.format, "gx={}, gy={}");
  expect_at(s.format_span, 1, 7, 14);
  ASSERT_EQ(s.args.size(), 2u);
  EXPECT_EQ(sexpr(s.args[0].get()), "gx");
  EXPECT_EQ(sexpr(s.args[1].get()), "(+ gy 1)");
}

TEST(ParserStatements, PrintWithoutArguments) {
  Parsed p = parse_text("print(\"hello\");");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  EXPECT_EQ(p.stmts()[0].format, "hello");
  EXPECT_TRUE(p.stmts()[0].args.empty());
}

TEST(ParserStatements, StatementSpanningSeveralLines) {
  Parsed p = parse_text("linearized = a + b\n             + c;\nTask\n  *\n  GPU\n;");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  ASSERT_EQ(p.stmts().size(), 2u);
  EXPECT_EQ(sexpr(p.stmts()[0].value.get()), "(+ (+ a b) c)");
  expect_at(p.stmts()[0].value->span, 1, 14);
  EXPECT_EQ(p.stmts()[0].value->span.length, 22u);  // up to and including `c` on line 2
  EXPECT_EQ(p.stmts()[1].kind, StmtKind::Task);
  expect_at(p.stmts()[1].kinds[0].span, 5, 3, 3);
}

TEST(ParserStatements, SeveralStatementsOnOneLine) {
  Parsed p = parse_text("Task * GPU; a = 1; b = a;   Region * * * SYSMEM;");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  EXPECT_EQ(kinds_of(p.stmts()), (std::vector<StmtKind>{StmtKind::Task, StmtKind::Assign, StmtKind::Assign,
                                                         StmtKind::Region}));
  expect_at(p.stmts()[2].span, 1, 20, 1);
  expect_at(p.stmts()[3].span, 1, 29, 6);
}

TEST(ParserStatements, CommentsOfBothStylesAreKept) {
  Parsed p = parse_text("# top\nTask * GPU; // why\n// own line\nm = Machine(GPU); # size\n");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  EXPECT_EQ(p.stmts().size(), 2u);
  ASSERT_EQ(p.program.comments.size(), 4u);
  EXPECT_TRUE(p.program.comments[0].own_line);
  EXPECT_FALSE(p.program.comments[1].own_line);
  EXPECT_TRUE(p.program.comments[2].own_line);
  EXPECT_EQ(p.program.comments[3].text, "# size");
  expect_at(p.program.comments[3].span, 4, 19, 6);
}

TEST(ParserStatements, EmptyAndCommentOnlyFilesHaveNoStatements) {
  for (const char* text : {"", "\n\n", "# nothing here\n// nor here"}) {
    Parsed p = parse_text(text);
    EXPECT_FALSE(p.diags.has_errors()) << dump(p);
    EXPECT_TRUE(p.stmts().empty());
  }
}

// ---- expressions -------------------------------------------------------------------------------------

TEST(ParserExpressions, Literals) {
  EXPECT_EQ(expr_of("0"), "0");
  EXPECT_EQ(expr_of("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(expr_of("True"), "True");
  EXPECT_EQ(expr_of("False"), "False");
  EXPECT_EQ(expr_of("name_1"), "name_1");
}

TEST(ParserExpressions, UnaryOperators) {
  EXPECT_EQ(expr_of("-x"), "(- x)");
  EXPECT_EQ(expr_of("!b"), "(! b)");
  EXPECT_EQ(expr_of("- -x"), "(- (- x))");
  EXPECT_EQ(expr_of("!!b"), "(! (! b))");
  EXPECT_EQ(expr_of("-a * b"), "(* (- a) b)");
  EXPECT_EQ(expr_of("a * -b"), "(* a (- b))");
  EXPECT_EQ(expr_of("!a && b"), "(&& (! a) b)");
  EXPECT_EQ(expr_of("-m.size[0]"), "(- (index (. m size) 0))");  // postfix binds tighter
}

TEST(ParserExpressions, BinaryPrecedence) {
  EXPECT_EQ(expr_of("a || b && c"), "(|| a (&& b c))");
  EXPECT_EQ(expr_of("a && b || c"), "(|| (&& a b) c)");
  EXPECT_EQ(expr_of("a == b < c"), "(== a (< b c))");
  EXPECT_EQ(expr_of("a < b == c >= d"), "(== (< a b) (>= c d))");
  EXPECT_EQ(expr_of("a != b && c <= d"), "(&& (!= a b) (<= c d))");
  EXPECT_EQ(expr_of("a + b * c"), "(+ a (* b c))");
  EXPECT_EQ(expr_of("a * b + c"), "(+ (* a b) c)");
  EXPECT_EQ(expr_of("a + b > c - d"), "(> (+ a b) (- c d))");
  EXPECT_EQ(expr_of("a % b * c / d"), "(/ (* (% a b) c) d)");
  EXPECT_EQ(expr_of("(a + b) * c"), "(* (+ a b) c)");
}

TEST(ParserExpressions, BinaryOperatorsAssociateToTheLeft) {
  EXPECT_EQ(expr_of("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(expr_of("a / b / c"), "(/ (/ a b) c)");
  EXPECT_EQ(expr_of("a || b || c"), "(|| (|| a b) c)");
  EXPECT_EQ(expr_of("a == b == c"), "(== (== a b) c)");
  EXPECT_EQ(expr_of("a - (b - c)"), "(- a (- b c))");
}

TEST(ParserExpressions, TernaryIsRightAssociativeAndLowest) {
  EXPECT_EQ(expr_of("c ? x : y"), "(? c x y)");
  EXPECT_EQ(expr_of("c ? x : y ? p : q"), "(? c x (? y p q))");
  EXPECT_EQ(expr_of("a ? b ? c : d : e"), "(? a (? b c d) e)");
  EXPECT_EQ(expr_of("a || b ? c + 1 : d * 2"), "(? (|| a b) (+ c 1) (* d 2))");
  EXPECT_EQ(expr_of("task.ispace[0] > task.ispace[2] ? task.ispace[0] : task.ispace[2]"),
            "(? (> (index (. task ispace) 0) (index (. task ispace) 2)) (index (. task ispace) 0) "
            "(index (. task ispace) 2))");
}

TEST(ParserExpressions, PostfixChains) {
  EXPECT_EQ(expr_of("Machine(GPU)"), "(call Machine GPU)");
  EXPECT_EQ(expr_of("Machine(GPU).merge(0, 1)"), "(call (. (call Machine GPU) merge) 0 1)");
  EXPECT_EQ(expr_of("Machine(GPU).merge(0, 1).size[0]"),
            "(index (. (call (. (call Machine GPU) merge) 0 1) size) 0)");
  EXPECT_EQ(expr_of("t.len"), "(. t len)");
  EXPECT_EQ(expr_of("f()"), "(call f)");
  EXPECT_EQ(expr_of("m[0][1]"), "(index (index m 0) 1)");
  EXPECT_EQ(expr_of("(m).size"), "(. m size)");
  EXPECT_EQ(expr_of("m_2d.auto_split(0, task.ispace)"), "(call (. m_2d auto_split) 0 (. task ispace))");
  EXPECT_EQ(expr_of("m_3d.auto_split(2, task.ispace / m_3d[:-1])"),
            "(call (. m_3d auto_split) 2 (/ (. task ispace) (index m_3d (slice _ (- 1)))))");
}

TEST(ParserExpressions, CallOfACallIsRejected) {
  expect_only_error("x = f(1)(2);", "syntax.not-callable", 1, 9, "only functions and methods");
  expect_only_error("x = 3(2);", "syntax.not-callable", 1, 6, "only functions and methods");
}

TEST(ParserExpressions, IndexItemsWildcardVersusUnpack) {
  EXPECT_EQ(expr_of("m[*, 0]"), "(index m * 0)");
  EXPECT_EQ(expr_of("m[i, *]"), "(index m i *)");
  EXPECT_EQ(expr_of("m[*]"), "(index m *)");
  EXPECT_EQ(expr_of("m[*, *]"), "(index m * *)");
  EXPECT_EQ(expr_of("m[*t]"), "(index m (unpack t))");
  EXPECT_EQ(expr_of("m_4d[*upper, *lower]"), "(index m_4d (unpack upper) (unpack lower))");
  EXPECT_EQ(expr_of("m_2d[*task.parent.processor(m_2d)]"),
            "(index m_2d (unpack (call (. (. task parent) processor) m_2d)))");
  EXPECT_EQ(expr_of("m[*t, *]"), "(index m (unpack t) *)");
}

TEST(ParserExpressions, SlicesWithMissingBounds) {
  EXPECT_EQ(expr_of("t[1:]"), "(index t (slice 1 _))");
  EXPECT_EQ(expr_of("t[:-1]"), "(index t (slice _ (- 1)))");
  EXPECT_EQ(expr_of("t[a:b]"), "(index t (slice a b))");
  EXPECT_EQ(expr_of("t[:]"), "(index t (slice _ _))");
  EXPECT_EQ(expr_of("t[a + 1:b * 2]"), "(index t (slice (+ a 1) (* b 2)))");
  EXPECT_EQ(expr_of("m[0:2, *]"), "(index m (slice 0 2) *)");
  EXPECT_EQ(expr_of("m[:1, 0]"), "(index m (slice _ 1) 0)");
}

TEST(ParserExpressions, SliceSpans) {
  Parsed p = parse_text("x = t[:-1];");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  const Expr& index = *p.stmts()[0].value;
  expect_at(index.span, 1, 5, 6);
  const Expr& slice = *index.children[1];
  EXPECT_EQ(slice.kind, ExprKind::Slice);
  expect_at(slice.span, 1, 7, 3);
  EXPECT_EQ(slice.children[0], nullptr);
  expect_at(slice.children[1]->span, 1, 8, 2);
}

TEST(ParserExpressions, Tuples) {
  EXPECT_EQ(expr_of("(a, b)"), "(tuple a b)");
  EXPECT_EQ(expr_of("(a,)"), "(tuple a)");
  EXPECT_EQ(expr_of("()"), "(tuple)");
  EXPECT_EQ(expr_of("(a)"), "a");
  EXPECT_EQ(expr_of("((a))"), "a");
  EXPECT_EQ(expr_of("(a, b, )"), "(tuple a b)");
  EXPECT_EQ(expr_of("(f(a), 1)"), "(tuple (call f a) 1)");
  EXPECT_EQ(expr_of("(f(a))"), "(call f a)");
  EXPECT_EQ(expr_of("((a, b), (c,))"), "(tuple (tuple a b) (tuple c))");
  EXPECT_EQ(expr_of("(*t)"), "(tuple (unpack t))");
  EXPECT_EQ(expr_of("(*t, 1)"), "(tuple (unpack t) 1)");
  EXPECT_EQ(expr_of("(0, *t[1:])"), "(tuple 0 (unpack (index t (slice 1 _))))");
  EXPECT_EQ(expr_of("(a, b) + 1"), "(+ (tuple a b) 1)");
}

TEST(ParserExpressions, TupleSpans) {
  Parsed p = parse_text("x = (f(a), 1);");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  const Expr& t = *p.stmts()[0].value;
  expect_at(t.span, 1, 5, 9);
  expect_at(t.children[0]->span, 1, 6, 4);
  expect_at(t.children[1]->span, 1, 12, 1);
}

TEST(ParserExpressions, Comprehension) {
  EXPECT_EQ(expr_of("tuple(block_primitive(task.ipoint, task.ispace, m_4d, i, i) for i in (0,1))"),
            "(for i (call block_primitive (. task ipoint) (. task ispace) m_4d i i) (tuple 0 1))");
  EXPECT_EQ(expr_of("tuple(x * 2 for x in t[1:])"), "(for x (* x 2) (index t (slice 1 _)))");
  Parsed p = parse_text("up = tuple(i + 1 for i in (0, 1));");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  const Expr& c = *p.stmts()[0].value;
  EXPECT_EQ(c.kind, ExprKind::Comprehension);
  EXPECT_EQ(c.text, "i");
  expect_at(c.name_span, 1, 22, 1);
  expect_at(c.span, 1, 6, 28);
}

TEST(ParserExpressions, TupleIsAnOrdinaryNameWithoutParentheses) {
  EXPECT_EQ(expr_of("tuple"), "tuple");
}

TEST(ParserExpressions, AttributeNameSpan) {
  Parsed p = parse_text("x = task.parent.processor(m);");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  const Expr& call = *p.stmts()[0].value;
  ASSERT_EQ(call.kind, ExprKind::Call);
  expect_at(call.span, 1, 5, 24);
  const Expr& attr = *call.children[0];
  ASSERT_EQ(attr.kind, ExprKind::Attribute);
  EXPECT_EQ(attr.text, "processor");
  expect_at(attr.name_span, 1, 17, 9);
  expect_at(attr.span, 1, 5, 21);
  EXPECT_EQ(attr.children[0]->text, "parent");
  expect_at(attr.children[0]->name_span, 1, 10, 6);
}

TEST(ParserExpressions, BinarySpansCoverBothOperands) {
  Parsed p = parse_text("x = a + b * c;");
  ASSERT_FALSE(p.diags.has_errors()) << dump(p);
  const Expr& plus = *p.stmts()[0].value;
  EXPECT_EQ(plus.op, Tok::Plus);
  expect_at(plus.span, 1, 5, 9);
  expect_at(plus.children[1]->span, 1, 9, 5);
}

TEST(ParserExpressions, DeepButReasonableNestingIsFine) {
  std::string text = "x = " + std::string(40, '(') + "1" + std::string(40, ')') + ";";
  Parsed p = parse_text(text);
  EXPECT_FALSE(p.diags.has_errors()) << dump(p);
  std::string chain = "x = a";
  for (int i = 0; i < 100; ++i) chain += ".b";
  Parsed q = parse_text(chain + ";");
  EXPECT_FALSE(q.diags.has_errors()) << dump(q);
}

// ---- a whole program ---------------------------------------------------------------------------------

constexpr const char* kCircuitMapper = R"(# Circuit simulation: pieces blocked over nodes, then over GPUs.
Task * GPU,CPU;                        # prefer GPUs, fall back to CPUs
Task init_piece, print_summary CPU;

Region * * * SOCKMEM,SYSMEM;
Region * rp_shared GPU ZCMEM;
Region * rp_ghost GPU ZCMEM;
Region * * GPU FBMEM;

Layout * * * SOA C_order; # Other choices: AOS F_order Exact Align==128 Compact
Layout * * FBMEM SOA F_order Align==128;

InstanceLimit task_4 1;
CollectMemory task_4 *;
ControlReplicate main_loop;

m_2d = Machine(GPU);  // (nodes, GPUs per node)
m_1d = m_2d.merge(0, 1);
mcpu = Machine(CPU);

def block_primitive(IPoint x, ISpace y, MSpace z, int a, int b) { return x[a] * z.size[b] / y.size[a]; }

def linearblock(Task task) {
  linearized = task.ipoint[0] * task.ispace[1]
             + task.ipoint[1];
  return m_1d[linearized * m_1d.size[0] / (task.ispace[0] * task.ispace[1])];
}

def auto_cyclic_3d(Task task) {
  grid_size = task.ispace[0] > task.ispace[2] ? task.ispace[0] : task.ispace[2];
  m_3d = m_2d.auto_split(0, task.ispace);
  m_4d = m_3d.auto_split(2, task.ispace / m_3d[:-1]);
  upper = tuple(block_primitive(task.ipoint, task.ispace, m_4d, i, i) for i in (0,1));
  lower = tuple(task.ipoint[i] % m_4d.size[i + 2] for i in (0,1));
  print("grid={}, upper={}", grid_size, upper);
  return m_4d[*upper, *lower];
}

def linearcyclic(Task task) { return m_1d[task.ipoint[0] % m_1d.size[0]]; }
def same_point(Task task) { return m_2d[*task.parent.processor(m_2d)]; }
def any_cpu(Task task) { n = task.ipoint[0] % mcpu.size[0]; return mcpu[n, *]; }

IndexTaskMap calculate_new_currents,distribute_charge,update_voltages linearblock;
IndexTaskMap task_1,task_2, task_3 auto_cyclic_3d;
IndexTaskMap GPU linearcyclic;
IndexTaskMap init_piece any_cpu;
SingleTaskMap task_4 same_point;
)";

TEST(ParserProgram, PublishedStyleMapperParsesCleanly) {
  Parsed p = parse_text(kCircuitMapper, "circuit.mpl");
  ASSERT_EQ(p.diags.all().size(), 0u) << dump(p);
  using K = StmtKind;
  EXPECT_EQ(kinds_of(p.stmts()),
            (std::vector<StmtKind>{K::Task, K::Task, K::Region, K::Region, K::Region, K::Region, K::Layout,
                                   K::Layout, K::InstanceLimit, K::CollectMemory, K::ControlReplicate,
                                   K::Assign, K::Assign, K::Assign, K::Def, K::Def, K::Def, K::Def, K::Def,
                                   K::Def, K::IndexTaskMap, K::IndexTaskMap, K::IndexTaskMap,
                                   K::IndexTaskMap, K::SingleTaskMap}));
  const Stmt& auto3d = p.stmts()[16];
  EXPECT_EQ(auto3d.name.name, "auto_cyclic_3d");
  expect_at(auto3d.span, 29, 1, 3);
  const std::vector<StmtKind> body = {K::Assign, K::Assign, K::Assign, K::Assign,
                                      K::Assign, K::Print,  K::Return};
  EXPECT_EQ(kinds_of(auto3d.body), body);
  EXPECT_EQ(sexpr(auto3d.body.back().value.get()), "(index m_4d (unpack upper) (unpack lower))");
  expect_at(auto3d.body.back().span, 36, 3, 6);
  const Stmt& linearblock = p.stmts()[15];
  EXPECT_EQ(sexpr(linearblock.body[0].value.get()),
            "(+ (* (index (. task ipoint) 0) (index (. task ispace) 1)) (index (. task ipoint) 1))");
  EXPECT_EQ(p.stmts()[19].body.size(), 2u);
  EXPECT_EQ(p.program.comments.size(), 4u);
}

#ifdef MAGE_SOURCE_DIR
TEST(ParserProgram, ShippedExamplesParseCleanly) {
  for (const char* name : {"stencil.mpl", "block2d.mpl", "distal_gemm.mpl"}) {
    std::string path = std::string(MAGE_SOURCE_DIR) + "/examples/" + name;
    std::FILE* f = std::fopen(path.c_str(), "rb");
    ASSERT_NE(f, nullptr) << path;
    std::string text;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
    std::fclose(f);
    Parsed p = parse_text(text, name);
    EXPECT_EQ(p.diags.all().size(), 0u) << dump(p);
    EXPECT_FALSE(p.stmts().empty()) << name;
  }
}
#endif

// ---- syntax errors -----------------------------------------------------------------------------------

TEST(ParserErrors, UnexpectedTokenSaysWhatWasExpectedAndFound) {
  Diagnostic d = expect_only_error("Task * GPU;\nRegion * * GPU 5;", "syntax.unexpected-token", 2, 16,
                                   "expected a memory kind");
  EXPECT_TRUE(contains(d.message, "found integer `5`")) << d.message;
  d = expect_only_error("x = (1 + 2;", "syntax.unexpected-token", 1, 11, "expected `)`");
  EXPECT_TRUE(contains(d.message, "found `;`")) << d.message;
  d = expect_only_error("x = 1 +;", "syntax.unexpected-token", 1, 8, "expected an expression, found `;`");
  d = expect_only_error("IndexTaskMap t;", "syntax.unexpected-token", 1, 15, "name of a mapping function");
  d = expect_only_error("Task * ;", "syntax.unexpected-token", 1, 8, "a processor kind");
  d = expect_only_error("Region * * GPU FBMEM ZCMEM;", "syntax.unexpected-token", 1, 22, "found `ZCMEM`");
  d = expect_only_error("InstanceLimit t many;", "syntax.unexpected-token", 1, 17, "the number of instances");
  d = expect_only_error("Layout * * *;", "syntax.unexpected-token", 1, 13, "expected a layout constraint");
  d = expect_only_error("x = m[0;", "syntax.unexpected-token", 1, 8, "expected `]`");
  d = expect_only_error("x = tuple(i i in t);", "syntax.unexpected-token", 1, 13, "expected `for`");
  d = expect_only_error("print(x);", "syntax.unexpected-token", 1, 7, "a format string");
  d = expect_only_error("Taks * GPU;", "syntax.unexpected-token", 1, 1, "expected a statement, found `Taks`");
  EXPECT_TRUE(contains(d.hint, "capitalisation")) << d.hint;
  d = expect_only_error("42;", "syntax.unexpected-token", 1, 1, "expected a statement");
}

TEST(ParserErrors, MissingSemicolonBeforeANewLineStatement) {
  const std::string text = "Task * GPU,CPU\nRegion * * * SYSMEM;\n";
  Diagnostic d = expect_only_error(text, "syntax.missing-semicolon", 1, 15, "expected `;` after the Task");
  EXPECT_TRUE(contains(d.message, "found `Region`")) << d.message;
  Parsed p = parse_text(text);
  EXPECT_EQ(kinds_of(p.stmts()), (std::vector<StmtKind>{StmtKind::Task, StmtKind::Region}));
  EXPECT_EQ(names(p.stmts()[0].kinds), (Strings{"GPU", "CPU"}));
}

TEST(ParserErrors, MissingSemicolonBeforeAnAssignmentOnTheNextLine) {
  const std::string text = "m = Machine(GPU)\nn = m.merge(0, 1);\n";
  expect_only_error(text, "syntax.missing-semicolon", 1, 17, "after the assignment statement");
  Parsed p = parse_text(text);
  ASSERT_EQ(p.stmts().size(), 2u);
  EXPECT_EQ(p.stmts()[1].name.name, "n");
  EXPECT_EQ(sexpr(p.stmts()[1].value.get()), "(call (. m merge) 0 1)");
}

TEST(ParserErrors, MissingSemicolonAfterALayoutAndInsideABody) {
  Parsed layout = parse_text("Layout * * * SOA C_order\nm = Machine(GPU);\n");
  ASSERT_EQ(layout.diags.error_count(), 1u) << dump(layout);
  EXPECT_EQ(layout.diags.all()[0].code, "syntax.missing-semicolon");
  expect_at(layout.diags.all()[0].span, 1, 25);
  ASSERT_EQ(layout.stmts().size(), 2u);
  EXPECT_EQ(layout.stmts()[0].constraints.size(), 2u);

  Parsed body = parse_text("def f(Task t) {\n  a = 1\n  return a\n}\nTask * GPU;\n");
  ASSERT_EQ(body.diags.error_count(), 2u) << dump(body);
  expect_at(body.diags.all()[0].span, 2, 8);
  expect_at(body.diags.all()[1].span, 3, 11);
  ASSERT_EQ(body.stmts().size(), 2u);
  EXPECT_EQ(kinds_of(body.stmts()[0].body), (std::vector<StmtKind>{StmtKind::Assign, StmtKind::Return}));
}

TEST(ParserErrors, MissingClosingParenthesisIsReportedAfterThePreviousToken) {
  const std::string text = "x = f(1, 2\nTask * GPU;\n";
  expect_only_error(text, "syntax.unexpected-token", 1, 11, "expected `)` to close the argument list");
  Parsed p = parse_text(text);
  ASSERT_EQ(p.stmts().size(), 1u);
  EXPECT_EQ(p.stmts()[0].kind, StmtKind::Task);
}

TEST(ParserErrors, MissingSemicolonBeforeAStatementOnTheSameLine) {
  expect_only_error("Task * GPU Region * * * SYSMEM;", "syntax.unexpected-token", 1, 12,
                    "expected `;` after the Task statement, found `Region`");
}

TEST(ParserErrors, UnterminatedString) {
  const std::string text = "print(\"abc);\nTask * GPU;\n";
  expect_only_error(text, "syntax.unterminated-string", 1, 7, "unterminated string");
  Parsed p = parse_text(text);
  ASSERT_FALSE(p.stmts().empty());
  EXPECT_EQ(p.stmts().back().kind, StmtKind::Task);
}

TEST(ParserErrors, StrayCharacters) {
  Diagnostic d = expect_only_error("x = 1 @ 2;", "syntax.stray-character", 1, 7, "stray character `@`");
  d = expect_only_error("ok = a & b;", "syntax.stray-character", 1, 8, "`&`");
  EXPECT_TRUE(contains(d.hint, "&&")) << d.hint;
  d = expect_only_error("ok = a | b;", "syntax.stray-character", 1, 8, "`|`");
  EXPECT_TRUE(contains(d.hint, "||")) << d.hint;
  d = expect_only_error("Task * GPU;\n$ = 1;", "syntax.stray-character", 2, 1, "`$`");
}

TEST(ParserErrors, BadNumber) {
  expect_only_error("x = 3x;", "syntax.bad-number", 1, 5, "`3x`");
  expect_only_error("InstanceLimit t 2k;", "syntax.bad-number", 1, 17, "`2k`");
}

TEST(ParserErrors, IntegerTooLarge) {
  expect_only_error("x = 99999999999999999999;", "syntax.integer-too-large", 1, 5, "does not fit in 64 bits");
  expect_only_error("x = 9223372036854775808;", "syntax.integer-too-large", 1, 5, "9223372036854775808");
  expect_only_error("InstanceLimit t 99999999999999999999;", "syntax.integer-too-large", 1, 17, "64 bits");
  expect_only_error("Layout * * * Align == 99999999999999999999;", "syntax.integer-too-large", 1, 23, "64");
}

TEST(ParserErrors, ReservedWordAssigned) {
  expect_only_error("Task = 3;", "syntax.reserved-word", 1, 1, "`Task` is a reserved word");
  expect_only_error("GPU = 1;", "syntax.reserved-word", 1, 1, "`GPU` is a reserved word");
  expect_only_error("x = 1;\n  FBMEM = 2;", "syntax.reserved-word", 2, 3, "`FBMEM`");
  expect_only_error("def f(Task t) { SOA = 1; return SOA; }", "syntax.reserved-word", 1, 17, "`SOA`");
  expect_only_error("def Machine(Task t) { return 1; }", "syntax.reserved-word", 1, 5, "cannot name a func");
  // The assignment is still kept, so later layers see the name.
  Parsed p = parse_text("Task = 3;");
  ASSERT_EQ(p.stmts().size(), 1u);
  EXPECT_EQ(p.stmts()[0].kind, StmtKind::Assign);
}

TEST(ParserErrors, MissingParameterType) {
  Diagnostic d = expect_only_error("def f(task) { return 1; }", "syntax.missing-type", 1, 7,
                                   "parameter `task` has no type");
  EXPECT_TRUE(contains(d.hint, "Task task")) << d.hint;
  expect_only_error("def f(Task t, n) { return 1; }", "syntax.missing-type", 1, 15, "`n`");
}

TEST(ParserErrors, ColonAfterDefHeader) {
  Diagnostic d = expect_only_error("def f(Task t): return 1;", "syntax.unexpected-token", 1, 14,
                                   "expected `{` to begin the function body, found `:`");
  EXPECT_TRUE(contains(d.hint, "no colon")) << d.hint;
}

TEST(ParserErrors, IfStatementSuggestsTheConditionalExpression) {
  Diagnostic top = expect_only_error("if x > 1 { y = 2; }\nTask * GPU;", "syntax.unsupported", 1, 1,
                                     "no `if` statement");
  EXPECT_TRUE(contains(top.hint, "?") && contains(top.hint, ":")) << top.hint;
  Diagnostic body = expect_only_error("def f(Task t) {\n  if (t.ipoint[0] > 1) { return 1; }\n  return 0;\n}",
                                      "syntax.unsupported", 2, 3, "no `if` statement");
  EXPECT_TRUE(contains(body.hint, "c ? a : b")) << body.hint;
  Parsed p = parse_text("def f(Task t) {\n  if (t.ipoint[0] > 1) { return 1; }\n  return 0;\n}");
  ASSERT_EQ(p.stmts().size(), 1u);
  ASSERT_EQ(p.stmts()[0].body.size(), 1u);
  EXPECT_EQ(sexpr(p.stmts()[0].body[0].value.get()), "0");
}

TEST(ParserErrors, NestedDef) {
  const std::string text = "def f(Task t) {\n  def g(Task u) { return 1; }\n  return 0;\n}\nTask * GPU;\n";
  expect_only_error(text, "syntax.nested-def", 2, 3, "cannot be defined inside a function");
  Parsed p = parse_text(text);
  EXPECT_EQ(kinds_of(p.stmts()), (std::vector<StmtKind>{StmtKind::Def, StmtKind::Task}));
  EXPECT_EQ(kinds_of(p.stmts()[0].body), (std::vector<StmtKind>{StmtKind::Return}));
}

TEST(ParserErrors, TopLevelReturn) {
  expect_only_error("Task * GPU;\nreturn 1;\nRegion * * * SYSMEM;", "syntax.return-outside-function", 2, 1,
                    "`return` outside a function");
}

TEST(ParserErrors, TopLevelStatementInsideAFunctionBody) {
  const std::string text = "def f(Task t) {\n  Task * GPU;\n  return 0;\n}\n";
  Diagnostic d = expect_only_error(text, "syntax.statement-in-function", 2, 3, "`Task` statements belong");
  Parsed p = parse_text(text);
  ASSERT_EQ(p.stmts().size(), 1u);
  EXPECT_EQ(kinds_of(p.stmts()[0].body), (std::vector<StmtKind>{StmtKind::Return}));
}

TEST(ParserErrors, UnclosedFunctionBodyAtEndOfFile) {
  Diagnostic d = expect_only_error("def f(Task t) {\n  return 1;\n", "syntax.unclosed-body", 3, 1,
                                   "body of function `f` is not closed");
  EXPECT_TRUE(contains(d.hint, "}")) << d.hint;
}

TEST(ParserErrors, UnmatchedClosingBrace) {
  const std::string text = "Task * GPU;\n}\nRegion * * * SYSMEM;\n";
  expect_only_error(text, "syntax.unexpected-token", 2, 1, "unmatched `}`");
  Parsed p = parse_text(text);
  EXPECT_EQ(kinds_of(p.stmts()), (std::vector<StmtKind>{StmtKind::Task, StmtKind::Region}));
}

TEST(ParserErrors, UnknownLayoutConstraint) {
  Diagnostic d = expect_only_error("Layout * * * SOA Fortran;", "syntax.unknown-constraint", 1, 18,
                                   "unknown layout constraint `Fortran`");
  EXPECT_TRUE(contains(d.hint, "C_order")) << d.hint;
}

TEST(ParserErrors, AlignWithoutComparison) {
  Diagnostic d = expect_only_error("Layout * * * Align 128;", "syntax.unexpected-token", 1, 20,
                                   "expected a comparison after `Align`, found integer `128`");
  EXPECT_TRUE(contains(d.hint, "Align == 128")) << d.hint;
  expect_only_error("Layout * * * Align == SOA;", "syntax.unexpected-token", 1, 23, "the alignment in bytes");
}

TEST(ParserErrors, RecoveryReportsEveryIndependentError) {
  const std::string text =
      "Task * GPU CPU;\n"              // 1: missing `,`
      "Region * * * SYSMEM;\n"         // 2
      "x = (1 + ;\n"                   // 3: missing operand
      "m = Machine(GPU);\n"            // 4
      "Layout * * * SOA Fortran;\n"    // 5: unknown constraint
      "def f(Task t) {\n"              // 6
      "  y = t.ipoint[0] +* 2;\n"      // 7: missing operand
      "  return m[t.ipoint[0], 0];\n"  // 8
      "}\n"                            // 9
      "IndexTaskMap work f;\n";        // 10
  Parsed p = parse_text(text);
  ASSERT_EQ(p.diags.all().size(), 4u) << dump(p);
  const std::vector<std::uint32_t> lines = {1, 3, 5, 7};
  const Strings codes = {"syntax.unexpected-token", "syntax.unexpected-token", "syntax.unknown-constraint",
                         "syntax.unexpected-token"};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(p.diags.all()[i].span.begin.line, lines[i]);
    EXPECT_EQ(p.diags.all()[i].code, codes[i]);
  }
  EXPECT_EQ(kinds_of(p.stmts()), (std::vector<StmtKind>{StmtKind::Region, StmtKind::Assign, StmtKind::Def,
                                                         StmtKind::IndexTaskMap}));
  EXPECT_EQ(p.stmts()[1].name.name, "m");
  EXPECT_EQ(kinds_of(p.stmts()[2].body), (std::vector<StmtKind>{StmtKind::Return}));
  EXPECT_EQ(p.stmts()[3].func.name, "f");
}

TEST(ParserErrors, RecoveryMixesLexicalAndSyntaxErrors) {
  const std::string text =
      "a = 1 @ 2;\n"           // 1: stray character (and nothing else on the line)
      "b = \"open;\n"          // 2: unterminated string
      "c = 3x;\n"              // 3: bad number
      "Task * GPU\n"           // 4: missing `;`
      "d = (1, 2);\n";         // 5
  Parsed p = parse_text(text);
  ASSERT_EQ(p.diags.all().size(), 4u) << dump(p);
  EXPECT_EQ(p.diags.all()[0].code, "syntax.stray-character");
  EXPECT_EQ(p.diags.all()[1].code, "syntax.unterminated-string");
  EXPECT_EQ(p.diags.all()[2].code, "syntax.bad-number");
  EXPECT_EQ(p.diags.all()[3].code, "syntax.missing-semicolon");
  expect_at(p.diags.all()[3].span, 4, 11);
  ASSERT_FALSE(p.stmts().empty());
  EXPECT_EQ(p.stmts().back().name.name, "d");
}

TEST(ParserErrors, ErrorsInsideSeveralFunctionsAreAllReported) {
  const std::string text =
      "def f(Task t) {\n  return ;\n}\n"
      "def g(Task t) {\n  x = (1 2);\n  return x;\n}\n"
      "def h(Task t) {\n  return t.ipoint[0;\n}\n";
  Parsed p = parse_text(text);
  ASSERT_EQ(p.diags.all().size(), 3u) << dump(p);
  EXPECT_EQ(p.diags.all()[0].span.begin.line, 2u);
  EXPECT_EQ(p.diags.all()[1].span.begin.line, 5u);
  EXPECT_EQ(p.diags.all()[2].span.begin.line, 9u);
  EXPECT_EQ(kinds_of(p.stmts()), (std::vector<StmtKind>{StmtKind::Def, StmtKind::Def, StmtKind::Def}));
  EXPECT_EQ(p.stmts()[1].body.size(), 1u);
}

// ---- robustness --------------------------------------------------------------------------------------

TEST(ParserRobustness, TenThousandNestedParenthesesAreTooDeep) {
  std::string text = "x = " + std::string(10000, '(') + "1" + std::string(10000, ')') + ";\nTask * GPU;\n";
  Parsed p = parse_text(text);
  ASSERT_EQ(p.diags.error_count(), 1u) << p.diags.all().size();
  EXPECT_EQ(p.diags.all()[0].code, "syntax.too-deep");
  EXPECT_EQ(p.diags.all()[0].span.begin.line, 1u);
  EXPECT_FALSE(p.diags.all()[0].hint.empty());
  ASSERT_FALSE(p.stmts().empty());
  EXPECT_EQ(p.stmts().back().kind, StmtKind::Task);  // parsing resumed after the `;`
}

TEST(ParserRobustness, TenThousandUnaryMinusesAreTooDeep) {
  Parsed p = parse_text("x = " + std::string(10000, '-') + "1;");
  ASSERT_EQ(p.diags.error_count(), 1u);
  EXPECT_EQ(p.diags.all()[0].code, "syntax.too-deep");
}

TEST(ParserRobustness, OtherDeepNestingsAreTooDeep) {
  auto repeat = [](const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  const Strings texts = {
      "x = " + repeat("f(", 10000) + "1" + repeat(")", 10000) + ";",
      "x = " + repeat("m[", 10000) + "1" + repeat("]", 10000) + ";",
      "x = " + repeat("a ? b : ", 10000) + "c;",
      "x = " + repeat("(*", 10000) + "t" + repeat(")", 10000) + ";",
      "x = " + repeat("tuple(", 10000) + "1" + repeat(" for i in t)", 10000) + ";",
      "x = " + repeat("!", 10000) + "b;",
  };
  for (const std::string& text : texts) {
    Parsed p = parse_text(text);
    EXPECT_TRUE(has_code(p.diags, "syntax.too-deep")) << text.substr(0, 20);
    EXPECT_EQ(p.diags.error_count(), 1u) << text.substr(0, 20) << "\n" << dump(p).substr(0, 2000);
  }
}

TEST(ParserRobustness, LongAttributeChainEndsInAnError) {
  std::string text = "x = a";
  for (int i = 0; i < 5000; ++i) text += ".b";
  Parsed p = parse_text(text + ";\ny = 1;");
  ASSERT_EQ(p.diags.error_count(), 1u);
  EXPECT_EQ(p.diags.all()[0].code, "syntax.too-deep");
  ASSERT_FALSE(p.stmts().empty());
  EXPECT_EQ(p.stmts().back().name.name, "y");
}

TEST(ParserRobustness, LongFlatOperatorChainIsTooDeep) {
  // `1+1+...` nests to the left: a million terms would overflow the stack of every later tree walk.
  std::string text = "x = 1";
  for (int i = 0; i < 1000000; ++i) text += "+1";
  Parsed p = parse_text(text + ";\ny = 2;");
  ASSERT_EQ(p.diags.error_count(), 1u);
  EXPECT_EQ(p.diags.all()[0].code, "syntax.too-deep");
  ASSERT_FALSE(p.stmts().empty());
  EXPECT_EQ(p.stmts().back().name.name, "y");
  // A long but sensible sum is fine.
  std::string sum = "x = 1";
  for (int i = 0; i < 150; ++i) sum += " + 1";
  Parsed q = parse_text(sum + ";");
  EXPECT_FALSE(q.diags.has_errors()) << dump(q);
}

TEST(ParserRobustness, RandomBytes) {
  std::mt19937 rng(20240611);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string text(200000, '\0');
  for (char& c : text) c = static_cast<char>(byte(rng));
  Parsed p = parse_text(text);
  EXPECT_TRUE(p.diags.has_errors());
  EXPECT_LE(p.diags.all().size(), Diagnostics::kMaxKept);
  for (const Diagnostic& d : p.diags.all()) {
    EXPECT_EQ(d.category, Category::Syntax);
    EXPECT_TRUE(d.span.begin.valid());
    EXPECT_FALSE(d.hint.empty()) << d.code;
  }
  render_text(p.diags, p.source.get());  // must not crash either
}

TEST(ParserRobustness, RandomTokenSoup) {
  const Strings vocabulary = {"Task", "Region", "Layout", "IndexTaskMap", "def", "return", "print", "tuple",
                              "for",  "in",     "x",      "GPU",          "*",   "(",      ")",     "[",
                              "]",    "{",      "}",      ",",            ";",   ":",      "?",     "=",
                              "==",   "+",      "-",      "!",            ".",   "1",      "\"s{}\"", "\n",
                              "SOA",  "Align",  "&&",     "Task * GPU;\n", "def f(Task t) {"};
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> pick(0, vocabulary.size() - 1);
  for (int round = 0; round < 20; ++round) {
    std::string text;
    for (int i = 0; i < 5000; ++i) text += vocabulary[pick(rng)] + " ";
    Parsed p = parse_text(text);
    for (const Diagnostic& d : p.diags.all()) {
      EXPECT_TRUE(d.span.begin.valid()) << d.code;
      EXPECT_FALSE(d.hint.empty()) << d.code;
    }
  }
}

TEST(ParserRobustness, FileTooLarge) {
  std::string text(kMaxSourceBytes + 1, ' ');
  Parsed p = parse_text(text);
  ASSERT_EQ(p.diags.all().size(), 1u);
  const Diagnostic& d = p.diags.all()[0];
  EXPECT_EQ(d.code, "syntax.file-too-large");
  EXPECT_FALSE(d.span.begin.valid());
  EXPECT_TRUE(contains(d.message, std::to_string(kMaxSourceBytes))) << d.message;
  EXPECT_FALSE(d.hint.empty());
  EXPECT_TRUE(p.stmts().empty());
  Parsed at_limit = parse_text(std::string(kMaxSourceBytes, ' '));
  EXPECT_FALSE(at_limit.diags.has_errors());
}

TEST(ParserRobustness, NulBytesAndUtf8AreStrayCharacters) {
  Parsed nul = parse_text(std::string("Task * GPU;\nx = 1\0;\n", 20));
  ASSERT_EQ(nul.diags.error_count(), 1u) << dump(nul);
  EXPECT_EQ(nul.diags.all()[0].code, "syntax.stray-character");
  expect_at(nul.diags.all()[0].span, 2, 6, 1);
  EXPECT_TRUE(contains(nul.diags.all()[0].message, "0x00"));

  Parsed utf8 = parse_text("Task * GPU;\nm\xc3\xa9moire = 1;\n");  // "mémoire"
  ASSERT_GE(utf8.diags.error_count(), 1u);
  EXPECT_EQ(utf8.diags.all()[0].code, "syntax.stray-character");
  expect_at(utf8.diags.all()[0].span, 2, 2, 2);
  EXPECT_TRUE(contains(utf8.diags.all()[0].message, "0xc3"));
  EXPECT_EQ(utf8.diags.error_count(), 1u) << dump(utf8);
}

TEST(ParserRobustness, CrlfLineEndings) {
  const std::string text =
      "Task * GPU;\r\n# note\r\nm = Machine(GPU);\r\nx = (1 + ;\r\nRegion * * * SYSMEM;\r\n";
  Parsed p = parse_text(text);
  ASSERT_EQ(p.diags.all().size(), 1u) << dump(p);
  expect_at(p.diags.all()[0].span, 4, 10);
  EXPECT_EQ(kinds_of(p.stmts()), (std::vector<StmtKind>{StmtKind::Task, StmtKind::Assign, StmtKind::Region}));
  expect_at(p.stmts()[1].span, 3, 1);
  expect_at(p.stmts()[2].span, 5, 1);
  EXPECT_EQ(p.program.comments[0].text, "# note");
  std::string shown = render_text(p.diags, p.source.get());
  EXPECT_FALSE(contains(shown, "\r")) << shown;
}

TEST(ParserRobustness, FiveThousandStatements) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "v" + std::to_string(i) + " = " + std::to_string(i) + " * 2;\n";
  Parsed p = parse_text(text);
  ASSERT_FALSE(p.diags.has_errors());
  ASSERT_EQ(p.stmts().size(), 5000u);
  EXPECT_EQ(p.stmts().back().name.name, "v4999");
  expect_at(p.stmts().back().span, 5000, 1);
  EXPECT_EQ(sexpr(p.stmts().back().value.get()), "(* 4999 2)");
}

TEST(ParserRobustness, ManyErrorsAreCappedAndCounted) {
  std::string text;
  for (int i = 0; i < 250; ++i) text += "x = 1 +;\n";
  Parsed p = parse_text(text);
  EXPECT_EQ(p.diags.error_count(), 250u);
  EXPECT_EQ(p.diags.all().size(), Diagnostics::kMaxKept);
  EXPECT_EQ(p.diags.dropped(), 50u);
  EXPECT_TRUE(contains(render_text(p.diags, p.source.get()), "note: 50 more diagnostics not shown"));
}

// ---- rendering diagnostics ---------------------------------------------------------------------------

TEST(ParserDiagnostics, RenderTextShowsLocationLineAndCaret) {
  Parsed p = parse_text("Task * GPU;\nx = 1 +;\n", "prog.mpl");
  ASSERT_EQ(p.diags.all().size(), 1u);
  std::string shown = render_text(p.diags.all()[0], p.source.get());
  EXPECT_EQ(shown.substr(0, shown.find("hint: ")),
            "prog.mpl:2:8: error: expected an expression, found `;`\n"
            "    2 | x = 1 +;\n"
            "      |        ^\n");
  EXPECT_TRUE(contains(shown, "\nhint: ")) << shown;
  EXPECT_EQ(shown.back(), '\n');
}

TEST(ParserDiagnostics, CaretUnderlinesTheWholeSpan) {
  Parsed p = parse_text("Layout * * * SOA Fortran;", "prog.mpl");
  ASSERT_EQ(p.diags.all().size(), 1u);
  std::string shown = render_text(p.diags, p.source.get());
  EXPECT_TRUE(contains(shown, "prog.mpl:1:18: error: unknown layout constraint `Fortran`\n")) << shown;
  EXPECT_TRUE(contains(shown, "    1 | Layout * * * SOA Fortran;\n"
                              "      |                  ^~~~~~~\n"))
      << shown;
  EXPECT_FALSE(contains(shown, "\x1b[")) << "no colour unless asked";
  EXPECT_TRUE(contains(render_text(p.diags, p.source.get(), /*color=*/true), "\x1b[")) << "colour when asked";
}

TEST(ParserDiagnostics, RenderTextWithoutPosition) {
  Parsed p = parse_text(std::string(kMaxSourceBytes + 1, ' '), "big.mpl");
  std::string shown = render_text(p.diags, p.source.get());
  EXPECT_EQ(shown.rfind("big.mpl: error: the file is ", 0), 0u) << shown.substr(0, 200);
  EXPECT_FALSE(contains(shown, " | "));
}

TEST(ParserDiagnostics, ToJsonCarriesEveryField) {
  Parsed p = parse_text("Task * GPU;\nx = 3x;\n", "prog.mpl");
  ASSERT_EQ(p.diags.all().size(), 1u);
  nlohmann::json j = to_json(p.diags.all()[0], p.source.get());
  EXPECT_EQ(j["severity"], "error");
  EXPECT_EQ(j["category"], "syntax");
  EXPECT_EQ(j["code"], "syntax.bad-number");
  EXPECT_EQ(j["file"], "prog.mpl");
  EXPECT_EQ(j["line"], 2);
  EXPECT_EQ(j["column"], 5);
  EXPECT_EQ(j["length"], 2);
  EXPECT_EQ(j["source_line"], "x = 3x;");
  EXPECT_TRUE(contains(j["message"].get<std::string>(), "`3x`"));
  EXPECT_FALSE(j["hint"].get<std::string>().empty());

  nlohmann::json all = to_json(p.diags, p.source.get());
  EXPECT_EQ(all["errors"], 1);
  EXPECT_EQ(all["warnings"], 0);
  EXPECT_EQ(all["dropped"], 0);
  ASSERT_EQ(all["diagnostics"].size(), 1u);
  EXPECT_EQ(all["diagnostics"][0], j);
}

TEST(ParserDiagnostics, ToJsonWithoutPositionHasNullLineAndColumn) {
  Parsed p = parse_text(std::string(kMaxSourceBytes + 1, ' '));
  nlohmann::json j = to_json(p.diags.all()[0], p.source.get());
  EXPECT_TRUE(j["line"].is_null());
  EXPECT_TRUE(j["column"].is_null());
  EXPECT_EQ(j["code"], "syntax.file-too-large");
}

}  // namespace
}  // namespace mage::lang
