#include "lang/parser.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "lang/lexer.hpp"

namespace mage::lang {
namespace {

// Thrown inside a statement to unwind to the recovery point; the diagnostic is already recorded.
struct SyntaxAbort {};

bool starts_statement(const Token& t) {
  if (t.kind != Tok::Identifier) return false;
  static const char* const kKeywords[] = {"Task",          "Region",        "Layout", "InstanceLimit",
                                          "CollectMemory", "IndexTaskMap",  "SingleTaskMap",
                                          "ControlReplicate", "TaskSteal", "def", "print", "return"};
  for (const char* k : kKeywords)
    if (t.text == k) return true;
  return false;
}

class Parser {
 public:
  Parser(const SourceFile& source, Diagnostics& diags) : src_(source), diags_(diags) {}

  Program run() {
    Program program;
    if (src_.text().size() > kMaxSourceBytes) {
      diags_.error(Category::Syntax, "syntax.file-too-large", Span{},
                   fmt::format("the file is {} bytes; mapper programs are limited to {} bytes", src_.text().size(),
                               kMaxSourceBytes),
                   "a mapper program is a few hundred lines: check that this is the right file");
      return program;
    }
    std::size_t kept = diags_.all().size();
    LexResult lexed = lex(src_, diags_);
    for (std::size_t i = kept; i < diags_.all().size(); ++i)
      lexical_error_lines_.push_back(diags_.all()[i].span.begin.line);
    toks_ = std::move(lexed.tokens);
    program.comments = std::move(lexed.comments);
    while (!at(Tok::End)) {
      std::size_t start = pos_;
      try {
        program.statements.push_back(top_statement());
      } catch (const SyntaxAbort&) {
        recover(/*in_body=*/false, start);
      }
      if (pos_ == start) ++pos_;  // always make progress
    }
    intern_symbols(program);
    return program;
  }

 private:
  // ---- token access ------------------------------------------------------------------------------
  const Token& cur() const { return toks_[pos_]; }
  const Token& peek(std::size_t ahead = 1) const {
    return toks_[std::min(pos_ + ahead, toks_.size() - 1)];
  }
  const Token& prev() const { return toks_[pos_ == 0 ? 0 : pos_ - 1]; }
  bool at(Tok k) const { return cur().kind == k; }
  bool at_word(const char* w) const { return cur().kind == Tok::Identifier && cur().text == w; }
  const Token& advance() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  bool accept(Tok k) {
    if (!at(k)) return false;
    advance();
    return true;
  }
  std::uint32_t end_of(const Token& t) const { return t.span.begin.offset + t.span.length; }

  Span span_from(const Token& first) const {
    std::uint32_t end = end_of(prev());
    Span s = first.span;
    s.length = end > s.begin.offset ? end - s.begin.offset : first.span.length;
    return s;
  }

  // The point just after the previous token: where a missing `;` or `)` belongs.
  Span after_previous() const {
    std::uint32_t off = end_of(prev());
    return Span{src_.location_at(off), 1};
  }

  // A syntax error on a line where the lexer already reported one is most likely its consequence (the rest
  // of an unterminated string, an operator lost to a stray character): the lexer's report is enough.
  void report(Span where, std::string code, std::string message, std::string hint) {
    if (std::binary_search(lexical_error_lines_.begin(), lexical_error_lines_.end(), where.begin.line)) return;
    diags_.error(Category::Syntax, std::move(code), where, std::move(message), std::move(hint));
  }

  [[noreturn]] void fail(Span where, std::string code, std::string message, std::string hint) {
    report(where, std::move(code), std::move(message), std::move(hint));
    throw SyntaxAbort{};
  }

  [[noreturn]] void unexpected(const std::string& expected, const std::string& hint) {
    fail(cur().span, "syntax.unexpected-token", fmt::format("expected {}, found {}", expected, describe(cur())), hint);
  }

  const Token& expect(Tok k, const std::string& context, const std::string& hint) {
    if (at(k)) return advance();
    // A missing `;` or closer is best shown right after what came before it.
    bool missing_closer = k == Tok::Semicolon || k == Tok::RParen || k == Tok::RBracket;
    Span where = missing_closer && cur().newline_before ? after_previous() : cur().span;
    fail(where, "syntax.unexpected-token", fmt::format("expected {} {}, found {}", describe(k), context, describe(cur())),
         hint);
  }

  void expect_semicolon(const char* what) {
    if (accept(Tok::Semicolon)) return;
    std::string msg = fmt::format("expected `;` after the {} statement, found {}", what, describe(cur()));
    const char* hint = "end every statement with `;`";
    // Missing `;` before a new statement on the next line: report it and keep the statement.
    if (cur().newline_before && (starts_new_statement() || at(Tok::End) || at(Tok::RBrace))) {
      report(after_previous(), "syntax.missing-semicolon", msg, hint);
      return;
    }
    fail(cur().span, "syntax.unexpected-token", msg, hint);
  }

  // A statement keyword or `NAME =`: what begins a statement when it opens a line.
  bool starts_new_statement() const {
    return starts_statement(cur()) || (at(Tok::Identifier) && peek().kind == Tok::Assign);
  }

  Ident expect_ident(const std::string& what, const std::string& hint) {
    if (!at(Tok::Identifier)) unexpected(what, hint);
    const Token& t = advance();
    return Ident{t.text, t.span};
  }

  // Skip to a point where parsing can resume: past a `;`, past (top level) or before (body) a `}`,
  // past a `{ ... }` block, or before a statement keyword that begins a line (not the one that began the
  // statement being abandoned).
  void recover(bool in_body, std::size_t stmt_start) {
    int parens = 0;
    while (!at(Tok::End)) {
      if (at(Tok::LParen) || at(Tok::LBracket)) ++parens;
      if ((at(Tok::RParen) || at(Tok::RBracket)) && parens > 0) --parens;
      if (at(Tok::Semicolon)) {
        advance();
        return;
      }
      if (at(Tok::RBrace)) {
        if (!in_body) advance();
        return;
      }
      if (at(Tok::LBrace)) {
        skip_block();
        return;
      }
      // In a body only `return` and `print` may resume: a top-level keyword there is itself the error.
      if (parens == 0 && cur().newline_before && pos_ != stmt_start &&
          (in_body ? at_word("return") || at_word("print") : starts_statement(cur())))
        return;
      advance();
    }
  }

  void skip_block() {
    int depth = 0;
    while (!at(Tok::End)) {
      if (at(Tok::LBrace)) ++depth;
      if (at(Tok::RBrace) && --depth == 0) {
        advance();
        return;
      }
      advance();
    }
  }

  // Bounds the depth of the tree: nesting, and the chains of operators or accesses that each add a level.
  struct DepthGuard {
    Parser& p;
    int levels = 0;
    explicit DepthGuard(Parser& parser, bool enter = true) : p(parser) {
      if (enter) deeper();
    }
    void deeper() {
      if (p.depth_ >= kMaxNesting)
        p.fail(p.cur().span, "syntax.too-deep",
               fmt::format("expression nested or chained more than {} levels deep", kMaxNesting),
               "split the expression into several assignments");
      ++p.depth_;
      ++levels;
    }
    ~DepthGuard() { p.depth_ -= levels; }
  };

  // ---- statements --------------------------------------------------------------------------------
  Stmt top_statement() {
    const Token& first = cur();
    Stmt s;
    s.span = first.span;
    s.keyword = first.span;
    if (first.kind != Tok::Identifier) {
      if (at(Tok::RBrace))
        fail(first.span, "syntax.unexpected-token", "unmatched `}`: no function body is open here",
             "remove the `}` or add the `def` it belongs to");
      unexpected("a statement (`Task`, `Region`, `Layout`, `IndexTaskMap`, `def`, an assignment, ...)",
                 "each top-level statement starts with a keyword or a name followed by `=`");
    }
    const std::string& w = first.text;
    if (peek().kind == Tok::Assign) return assign_stmt(s);  // also `Task = 3;`: a reserved word assigned
    if (w == "Task") return task_stmt(s);
    if (w == "Region") return region_stmt(s);
    if (w == "Layout") return layout_stmt(s);
    if (w == "InstanceLimit") return instance_limit_stmt(s);
    if (w == "CollectMemory") return collect_stmt(s);
    if (w == "IndexTaskMap" || w == "SingleTaskMap") return task_map_stmt(s, w == "IndexTaskMap");
    if (w == "ControlReplicate") return control_replicate_stmt(s);
    if (w == "TaskSteal")
      fail(first.span, "syntax.unsupported",
           "`TaskSteal` (work stealing between processors) is not supported: mage places every task on the "
           "processor its mapping decides, and neither the simulator nor the Legion adapter moves it afterwards",
           "remove the statement; to spread a launch's points over processors, map them with `IndexTaskMap`");
    if (w == "def") return def_stmt(s);
    if (w == "print") return print_stmt(s);
    if (w == "return")
      fail(first.span, "syntax.return-outside-function", "`return` outside a function",
           "put the `return` inside a `def NAME(...) { ... }` body");
    if (w == "if" || w == "else" || w == "while")
      fail(first.span, "syntax.unsupported", fmt::format("the language has no `{}` statement", w),
           "choose between values with the conditional expression `c ? a : b`");
    fail(first.span, "syntax.unexpected-token",
         fmt::format("expected a statement, found {}", describe(first)),
         peek().kind == Tok::Identifier || peek().kind == Tok::Star
             ? "statements start with a keyword such as `Task`, `Region`, `Layout` or `IndexTaskMap` (spelled with "
               "that capitalisation)"
             : "to define a global value write `NAME = EXPR;`");
  }

  // `*` or a comma list of names.
  Selector task_selector(const char* stmt) {
    Selector sel;
    const Token& first = cur();
    if (accept(Tok::Star)) {
      sel.wildcard = true;
    } else {
      do {
        sel.names.push_back(expect_ident(
            "a task name or `*`", fmt::format("write `{} * ...` to match every task, or list task names", stmt)));
      } while (accept(Tok::Comma));
    }
    sel.span = span_from(first);
    return sel;
  }

  // `*`, a region name (or a comma list of names), or a 0-based argument index.
  Selector region_selector(const char* stmt) {
    Selector sel;
    const Token& first = cur();
    if (accept(Tok::Star)) {
      sel.wildcard = true;
    } else if (at(Tok::Integer)) {
      sel.index = integer(advance());
    } else {
      do {
        sel.names.push_back(expect_ident("a region name, an argument index or `*`",
                                         fmt::format("write `{} TASK REGION ...` where REGION is a region's name, "
                                                     "its 0-based argument index, or `*`",
                                                     stmt)));
      } while (accept(Tok::Comma));
    }
    sel.span = span_from(first);
    return sel;
  }

  // `*` or one kind name.
  Selector kind_selector(const char* what, const char* stmt) {
    Selector sel;
    const Token& first = cur();
    if (accept(Tok::Star))
      sel.wildcard = true;
    else
      sel.names.push_back(expect_ident(what, fmt::format("the third selector of `{}` is a kind or `*`", stmt)));
    sel.span = span_from(first);
    return sel;
  }

  std::vector<Ident> kind_list(const char* what, const char* hint) {
    std::vector<Ident> kinds;
    do {
      kinds.push_back(expect_ident(what, hint));
    } while (accept(Tok::Comma));
    return kinds;
  }

  Stmt task_stmt(Stmt& s) {
    s.kind = StmtKind::Task;
    advance();
    s.tasks = task_selector("Task");
    s.kinds = kind_list("a processor kind (CPU, GPU, OMP, IO, PY, PROC)",
                        "list processor kinds in priority order, e.g. `Task * GPU, CPU;`");
    finish(s, "Task");
    return std::move(s);
  }

  Stmt region_stmt(Stmt& s) {
    s.kind = StmtKind::Region;
    advance();
    s.tasks = task_selector("Region");
    s.region = region_selector("Region");
    s.proc = kind_selector("a processor kind or `*`", "Region");
    s.kinds = kind_list("a memory kind (SYSMEM, FBMEM, ZCMEM, RDMEM, SOCKMEM, VIRTUAL)",
                        "list memory kinds in priority order, e.g. `Region * * GPU FBMEM, ZCMEM;`");
    finish(s, "Region");
    return std::move(s);
  }

  Stmt layout_stmt(Stmt& s) {
    s.kind = StmtKind::Layout;
    advance();
    s.tasks = task_selector("Layout");
    s.region = region_selector("Layout");
    s.proc = kind_selector("a processor kind, a memory kind or `*`", "Layout");
    const char* hint = "layout constraints are SOA, AOS, C_order, F_order, Compact, Exact and `Align == N`";
    while (!at(Tok::Semicolon) && !at(Tok::End)) {
      if (cur().newline_before && starts_new_statement()) break;
      LayoutConstraint c;
      const Token& t = cur();
      c.span = t.span;
      if (!at(Tok::Identifier)) unexpected("a layout constraint", hint);
      const std::string& w = t.text;
      if (w == "SOA") c.word = LayoutWord::SOA;
      else if (w == "AOS") c.word = LayoutWord::AOS;
      else if (w == "C_order") c.word = LayoutWord::C_order;
      else if (w == "F_order") c.word = LayoutWord::F_order;
      else if (w == "Compact") c.word = LayoutWord::Compact;
      else if (w == "Exact") c.word = LayoutWord::Exact;
      else if (w == "Align") c.word = LayoutWord::Align;
      else fail(t.span, "syntax.unknown-constraint", fmt::format("unknown layout constraint `{}`", w), hint);
      advance();
      if (c.word == LayoutWord::Align) {
        switch (cur().kind) {
          case Tok::EqEq: case Tok::NotEq: case Tok::Less: case Tok::Greater: case Tok::LessEq: case Tok::GreaterEq:
            c.op = advance().kind;
            break;
          default:
            unexpected("a comparison after `Align`", "write the alignment as `Align == 128` (bytes)");
        }
        if (!at(Tok::Integer)) unexpected("the alignment in bytes", "write the alignment as `Align == 128` (bytes)");
        c.value = integer(advance());
        c.span = span_from(t);
      }
      s.constraints.push_back(c);
    }
    if (s.constraints.empty())
      fail(cur().span, "syntax.unexpected-token",
           fmt::format("expected a layout constraint, found {}", describe(cur())), hint);
    finish(s, "Layout");
    return std::move(s);
  }

  Stmt instance_limit_stmt(Stmt& s) {
    s.kind = StmtKind::InstanceLimit;
    advance();
    s.tasks = task_selector("InstanceLimit");
    // The 2022 form `InstanceLimit TASK KIND N;`: the limit holds when the task runs on KIND.
    if (at(Tok::Identifier) && peek().kind == Tok::Integer) s.proc = kind_selector("a processor kind", "InstanceLimit");
    if (!at(Tok::Integer))
      unexpected("the number of instances", "write `InstanceLimit TASK N;` with N a positive integer");
    s.number_span = cur().span;
    s.number = integer(advance());
    finish(s, "InstanceLimit");
    return std::move(s);
  }

  Stmt collect_stmt(Stmt& s) {
    s.kind = StmtKind::CollectMemory;
    advance();
    s.tasks = task_selector("CollectMemory");
    s.region = region_selector("CollectMemory");
    finish(s, "CollectMemory");
    return std::move(s);
  }

  Stmt task_map_stmt(Stmt& s, bool index) {
    s.kind = index ? StmtKind::IndexTaskMap : StmtKind::SingleTaskMap;
    const char* kw = index ? "IndexTaskMap" : "SingleTaskMap";
    advance();
    s.tasks = task_selector(kw);
    // `IndexTaskMap a, b, f;` — a comma before the function: the last name of the list is the function.
    if (at(Tok::Semicolon) && s.tasks.names.size() >= 2) {
      s.func = s.tasks.names.back();
      s.tasks.names.pop_back();
    } else {
      s.func = expect_ident("the name of a mapping function",
                            fmt::format("write `{} TASK FUNCTION;` where FUNCTION is defined with `def`", kw));
      // The 2022 form `IndexTaskMap TASKS SPACE FUNC;`: a machine space, then the function.
      if (index && at(Tok::Identifier) && !(cur().newline_before && starts_new_statement())) {
        s.space = s.func;
        s.func = Ident{cur().text, cur().span};
        advance();
        if (at(Tok::Identifier))
          fail(cur().span, "syntax.unexpected-token",
               fmt::format("expected `;` after the IndexTaskMap statement, found {}", describe(cur())),
               "write `IndexTaskMap TASKS FUNC;`, or the 2022 form `IndexTaskMap TASKS SPACE FUNC;` (one machine "
               "space, then one function)");
      }
    }
    finish(s, kw);
    return std::move(s);
  }

  Stmt control_replicate_stmt(Stmt& s) {
    s.kind = StmtKind::ControlReplicate;
    advance();
    s.tasks = task_selector("ControlReplicate");
    finish(s, "ControlReplicate");
    return std::move(s);
  }

  Stmt assign_stmt(Stmt& s) {
    s.kind = StmtKind::Assign;
    const Token& name = advance();
    s.name = Ident{name.text, name.span};
    if (is_reserved_word(name.text))
      diags_.error(Category::Syntax, "syntax.reserved-word", name.span,
                   fmt::format("`{}` is a reserved word and cannot be assigned", name.text),
                   "choose another name for the variable");
    advance();  // `=`
    s.value = expr();
    finish(s, "assignment");
    return std::move(s);
  }

  Stmt def_stmt(Stmt& s) {
    s.kind = StmtKind::Def;
    advance();
    s.name = expect_ident("the function's name", "write `def NAME(Task task) { ... }`");
    if (is_reserved_word(s.name.name))
      diags_.error(Category::Syntax, "syntax.reserved-word", s.name.span,
                   fmt::format("`{}` is a reserved word and cannot name a function", s.name.name),
                   "choose another name for the function");
    expect(Tok::LParen, "after the function's name", "write `def NAME(TYPE arg, ...) { ... }`");
    if (!at(Tok::RParen)) {
      do {
        Param p;
        if (at(Tok::Identifier) && (peek().kind == Tok::Comma || peek().kind == Tok::RParen))
          fail(cur().span, "syntax.missing-type", fmt::format("parameter `{}` has no type", cur().text),
               fmt::format("write the type before the name, e.g. `Task {}`; types are int, bool, IPoint, ISpace, "
                           "MSpace and Task",
                           cur().text));
        p.type = expect_ident("a parameter type (int, bool, IPoint, ISpace, MSpace, Task)",
                              "write each parameter as `TYPE name`");
        p.name = expect_ident("a parameter name", "write each parameter as `TYPE name`");
        s.params.push_back(std::move(p));
      } while (accept(Tok::Comma));
    }
    expect(Tok::RParen, "to close the parameter list", "separate parameters with `,` and close the list with `)`");
    if (at(Tok::Colon))
      fail(cur().span, "syntax.unexpected-token", "expected `{` to begin the function body, found `:`",
           "there is no colon in a function definition: write `def f(Task task) { ... }`");
    expect(Tok::LBrace, "to begin the function body", "write the body between `{` and `}`");
    while (!at(Tok::RBrace) && !at(Tok::End)) {
      std::size_t start = pos_;
      try {
        s.body.push_back(body_statement());
      } catch (const SyntaxAbort&) {
        recover(/*in_body=*/true, start);
      }
      if (pos_ == start) advance();
    }
    if (!at(Tok::RBrace))
      fail(cur().span, "syntax.unclosed-body",
           fmt::format("the body of function `{}` is not closed before the end of the file", s.name.name),
           "add `}` after the function's last statement");
    s.end_offset = end_of(advance());
    return std::move(s);
  }

  Stmt body_statement() {
    const Token& first = cur();
    Stmt s;
    s.span = first.span;
    s.keyword = first.span;
    if (at_word("return")) {
      s.kind = StmtKind::Return;
      advance();
      s.value = expr();
      finish(s, "return");
      return s;
    }
    if (at_word("print")) return print_stmt(s);
    if (at(Tok::Identifier) && peek().kind == Tok::Assign) return assign_stmt(s);
    if (at_word("def"))
      fail(first.span, "syntax.nested-def", "functions cannot be defined inside a function",
           "move this `def` to the top level");
    if (at_word("if") || at_word("for") || at_word("while"))
      fail(first.span, "syntax.unsupported", fmt::format("the language has no `{}` statement", first.text),
           "choose between values with `c ? a : b`, and build tuples with `tuple(EXPR for x in TUPLE)`");
    if (starts_statement(first))
      fail(first.span, "syntax.statement-in-function",
           fmt::format("`{}` statements belong at the top level, not inside a function", first.text),
           "move the statement out of the function body, or close the body with `}` before it");
    unexpected("`return`, `print` or an assignment inside the function body",
               "a function body holds assignments `x = EXPR;`, `print(...);` and `return EXPR;`");
  }

  Stmt print_stmt(Stmt& s) {
    s.kind = StmtKind::Print;
    advance();
    expect(Tok::LParen, "after `print`", "write `print(\"text {}\", value);`");
    if (!at(Tok::String))
      unexpected("a format string", "write `print(\"text {}\", value);` with one `{}` per value");
    s.format_span = cur().span;
    s.format = advance().text;
    while (accept(Tok::Comma)) s.args.push_back(expr());
    expect(Tok::RParen, "to close `print(`", "separate the values with `,` and close with `)`");
    finish(s, "print");
    return std::move(s);
  }

  void finish(Stmt& s, const char* what) {
    expect_semicolon(what);
    s.end_offset = end_of(prev());
  }

  std::int64_t integer(const Token& t) {
    std::int64_t v = 0;
    auto [ptr, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
    if (ec != std::errc() || ptr != t.text.data() + t.text.size())
      diags_.error(Category::Syntax, "syntax.integer-too-large", t.span,
                   fmt::format("integer `{}` does not fit in 64 bits", t.text),
                   "use a value between -9223372036854775808 and 9223372036854775807");
    return v;
  }

  // ---- expressions -------------------------------------------------------------------------------
  ExprPtr node(ExprKind kind, const Token& first) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->span = first.span;
    return e;
  }
  void close(Expr& e, const Token& first) { e.span = span_from(first); }

  ExprPtr expr() {
    DepthGuard guard(*this);
    const Token& first = cur();
    ExprPtr cond = binary(0);
    if (!at(Tok::Question)) return cond;
    advance();
    auto e = node(ExprKind::Ternary, first);
    e->children.push_back(std::move(cond));
    e->children.push_back(expr());
    expect(Tok::Colon, "in the conditional expression", "write the conditional as `c ? a : b`");
    e->children.push_back(expr());
    close(*e, first);
    return e;
  }

  // Binary operators by precedence level, lowest first.
  static int level(Tok k) {
    switch (k) {
      case Tok::OrOr: return 0;
      case Tok::AndAnd: return 1;
      case Tok::EqEq: case Tok::NotEq: return 2;
      case Tok::Less: case Tok::Greater: case Tok::LessEq: case Tok::GreaterEq: return 3;
      case Tok::Plus: case Tok::Minus: return 4;
      case Tok::Star: case Tok::Slash: case Tok::Percent: return 5;
      default: return -1;
    }
  }

  ExprPtr binary(int min_level) {
    const Token& first = cur();
    ExprPtr lhs = min_level > 5 ? unary() : binary(min_level + 1);
    if (min_level > 5) return lhs;
    DepthGuard chain(*this, /*enter=*/false);  // `a + b + c` nests to the left
    while (level(cur().kind) == min_level) {
      chain.deeper();
      Tok op = advance().kind;
      auto e = node(ExprKind::Binary, first);
      e->op = op;
      e->children.push_back(std::move(lhs));
      e->children.push_back(binary(min_level + 1));
      close(*e, first);
      lhs = std::move(e);
    }
    return lhs;
  }

  ExprPtr unary() {
    DepthGuard guard(*this);
    const Token& first = cur();
    if (at(Tok::Minus) || at(Tok::Bang)) {
      Tok op = advance().kind;
      auto e = node(ExprKind::Unary, first);
      e->op = op;
      e->children.push_back(unary());
      close(*e, first);
      return e;
    }
    return postfix();
  }

  ExprPtr postfix() {
    const Token& first = cur();
    ExprPtr e = primary();
    DepthGuard chain(*this, /*enter=*/false);  // `a.b[0].c` nests to the left
    while (true) {
      if (at(Tok::Dot) || at(Tok::LParen) || at(Tok::LBracket)) chain.deeper();
      if (accept(Tok::Dot)) {
        Ident name = expect_ident("a property or method name after `.`",
                                  "write e.g. `m.size`, `m.split(0, 2)` or `task.ipoint`");
        auto a = node(ExprKind::Attribute, first);
        a->text = name.name;
        a->name_span = name.span;
        a->children.push_back(std::move(e));
        close(*a, first);
        e = std::move(a);
      } else if (at(Tok::LParen)) {
        if (e->kind != ExprKind::Name && e->kind != ExprKind::Attribute)
          fail(cur().span, "syntax.not-callable", "only functions and methods can be called",
               "call a function by name, e.g. `f(task)`, or a method, e.g. `m.merge(0, 1)`");
        advance();
        auto c = node(ExprKind::Call, first);
        c->children.push_back(std::move(e));
        if (!at(Tok::RParen)) {
          do {
            c->children.push_back(at(Tok::Star) ? unpack() : expr());  // `f(*t)`: the tuple's items
          } while (accept(Tok::Comma));
        }
        expect(Tok::RParen, "to close the argument list", "separate arguments with `,` and close with `)`");
        close(*c, first);
        e = std::move(c);
      } else if (at(Tok::LBracket)) {
        advance();
        auto ix = node(ExprKind::Index, first);
        ix->children.push_back(std::move(e));
        do {
          ix->children.push_back(index_item());
        } while (accept(Tok::Comma));
        expect(Tok::RBracket, "to close the index", "write indices as `m[i, j]`, slices as `t[1:]`");
        close(*ix, first);
        e = std::move(ix);
      } else {
        return e;
      }
    }
  }

  ExprPtr index_item() {
    const Token& first = cur();
    if (at(Tok::Star)) {
      if (peek().kind == Tok::Comma || peek().kind == Tok::RBracket) {
        advance();
        return node(ExprKind::Wildcard, first);
      }
      return unpack();
    }
    ExprPtr lo;
    if (!at(Tok::Colon)) lo = expr();
    if (!accept(Tok::Colon)) return lo;
    auto s = node(ExprKind::Slice, first);
    s->children.push_back(std::move(lo));
    s->children.push_back(at(Tok::RBracket) || at(Tok::Comma) ? nullptr : expr());
    close(*s, first);
    return s;
  }

  ExprPtr unpack() {
    const Token& first = advance();  // `*`
    auto u = node(ExprKind::Unpack, first);
    u->children.push_back(unary());
    close(*u, first);
    return u;
  }

  ExprPtr primary() {
    const Token& first = cur();
    switch (first.kind) {
      case Tok::Integer: {
        auto e = node(ExprKind::Int, first);
        e->int_value = integer(advance());
        return e;
      }
      case Tok::String: {
        auto e = node(ExprKind::String, first);
        e->text = advance().text;
        return e;
      }
      case Tok::LParen: return paren();
      case Tok::Identifier: {
        if (first.text == "True" || first.text == "False") {
          auto e = node(ExprKind::Bool, first);
          e->bool_value = first.text == "True";
          advance();
          return e;
        }
        if (first.text == "tuple" && peek().kind == Tok::LParen) return comprehension();
        auto e = node(ExprKind::Name, first);
        e->text = advance().text;
        return e;
      }
      default:
        unexpected("an expression", first.kind == Tok::Semicolon ? "a value is missing before `;`"
                                                                  : "expressions are numbers, names, tuples `(a, b)`, "
                                                                    "calls `f(x)` and operators");
    }
  }

  ExprPtr paren() {
    const Token& first = advance();  // `(`
    if (accept(Tok::RParen)) {
      auto t = node(ExprKind::Tuple, first);
      close(*t, first);
      return t;
    }
    ExprPtr head = at(Tok::Star) ? unpack() : expr();
    bool closed = accept(Tok::RParen);
    if (closed && head->kind != ExprKind::Unpack) return head;  // parenthesised expression
    auto t = node(ExprKind::Tuple, first);
    t->children.push_back(std::move(head));
    if (!closed) {
      while (accept(Tok::Comma)) {
        if (at(Tok::RParen)) break;  // `(a,)` and trailing commas
        t->children.push_back(at(Tok::Star) ? unpack() : expr());
      }
      expect(Tok::RParen, "to close the tuple", "separate tuple elements with `,` and close with `)`");
    }
    close(*t, first);
    return t;
  }

  ExprPtr comprehension() {
    const Token& first = advance();  // `tuple`
    advance();                       // `(`
    auto c = node(ExprKind::Comprehension, first);
    c->children.push_back(expr());
    if (!at_word("for")) unexpected("`for`", "write the comprehension as `tuple(EXPR for x in TUPLE)`");
    advance();
    Ident var = expect_ident("the loop variable", "write the comprehension as `tuple(EXPR for x in TUPLE)`");
    c->text = var.name;
    c->name_span = var.span;
    if (!at_word("in")) unexpected("`in`", "write the comprehension as `tuple(EXPR for x in TUPLE)`");
    advance();
    c->children.push_back(expr());
    expect(Tok::RParen, "to close the comprehension", "write the comprehension as `tuple(EXPR for x in TUPLE)`");
    close(*c, first);
    return c;
  }

  const SourceFile& src_;
  Diagnostics& diags_;
  std::vector<Token> toks_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  std::vector<std::uint32_t> lexical_error_lines_;  // ascending
};

}  // namespace

Program parse(const SourceFile& source, Diagnostics& diags) { return Parser(source, diags).run(); }

}  // namespace mage::lang
