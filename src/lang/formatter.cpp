#include "lang/formatter.hpp"

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mage::lang {
namespace {

constexpr int kIndent = 4;

// Expression precedence, low to high; binary operators are left-associative.
enum Prec : int {
  kTernary = 0,
  kOr,
  kAnd,
  kEquality,
  kCompare,
  kAdditive,
  kMultiplicative,
  kUnary,
  kPostfix,
};

int binary_prec(Tok op) {
  switch (op) {
    case Tok::OrOr: return kOr;
    case Tok::AndAnd: return kAnd;
    case Tok::EqEq: case Tok::NotEq: return kEquality;
    case Tok::Less: case Tok::Greater: case Tok::LessEq: case Tok::GreaterEq: return kCompare;
    case Tok::Plus: case Tok::Minus: return kAdditive;
    default: return kMultiplicative;
  }
}

int prec(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Ternary: return kTernary;
    case ExprKind::Binary: return binary_prec(e.op);
    case ExprKind::Unary: return kUnary;
    case ExprKind::Int: return e.int_value < 0 ? kUnary : kPostfix;  // only a built tree has these
    default: return kPostfix;
  }
}

bool is_negative(const Expr& e) {
  return (e.kind == ExprKind::Unary && e.op == Tok::Minus) || (e.kind == ExprKind::Int && e.int_value < 0);
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

std::string expr_text(const Expr& e);

// `e`, parenthesised when it binds more loosely than its position requires.
std::string operand(const Expr& e, int min_prec) {
  std::string s = expr_text(e);
  return prec(e) < min_prec ? "(" + s + ")" : s;
}

std::string join_exprs(const std::vector<ExprPtr>& items, std::size_t first) {
  std::string out;
  for (std::size_t i = first; i < items.size(); ++i) {
    if (i > first) out += ", ";
    out += expr_text(*items[i]);
  }
  return out;
}

std::string expr_text(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Int: return std::to_string(e.int_value);
    case ExprKind::Bool: return e.bool_value ? "True" : "False";
    case ExprKind::String: return quote(e.text);
    case ExprKind::Name: return e.text;
    case ExprKind::Unary: {
      const Expr& x = *e.children[0];
      // `--1` reads like a decrement: write `-(-1)`.
      bool wrap = prec(x) < kUnary || (e.op == Tok::Minus && is_negative(x));
      std::string s = expr_text(x);
      return spelling(e.op) + (wrap ? "(" + s + ")" : s);
    }
    case ExprKind::Binary: {
      int p = binary_prec(e.op);
      return operand(*e.children[0], p) + " " + spelling(e.op) + " " + operand(*e.children[1], p + 1);
    }
    case ExprKind::Ternary:
      return operand(*e.children[0], kTernary + 1) + " ? " + expr_text(*e.children[1]) + " : " +
             expr_text(*e.children[2]);
    case ExprKind::Tuple:
      if (e.children.size() == 1) return "(" + expr_text(*e.children[0]) + ",)";
      return "(" + join_exprs(e.children, 0) + ")";
    case ExprKind::Index: return operand(*e.children[0], kPostfix) + "[" + join_exprs(e.children, 1) + "]";
    case ExprKind::Attribute: return operand(*e.children[0], kPostfix) + "." + e.text;
    case ExprKind::Call: return operand(*e.children[0], kPostfix) + "(" + join_exprs(e.children, 1) + ")";
    case ExprKind::Comprehension:
      return "tuple(" + expr_text(*e.children[0]) + " for " + e.text + " in " + expr_text(*e.children[1]) +
             ")";
    case ExprKind::Wildcard: return "*";
    case ExprKind::Unpack: return "*" + operand(*e.children[0], kUnary);
    case ExprKind::Slice: {
      // A conditional as a bound is legal bare, but `t[c ? a : b:]` reads badly.
      std::string lo = e.children[0] ? operand(*e.children[0], kTernary + 1) : "";
      std::string hi = e.children[1] ? operand(*e.children[1], kTernary + 1) : "";
      return lo + ":" + hi;
    }
  }
  return "";
}

std::string selector_text(const Selector& sel) {
  if (sel.wildcard) return "*";
  if (sel.index) return std::to_string(*sel.index);
  std::string out;
  for (const Ident& n : sel.names) out += (out.empty() ? "" : ", ") + n.name;
  return out;
}

std::string ident_list(const std::vector<Ident>& ids) {
  std::string out;
  for (const Ident& id : ids) out += (out.empty() ? "" : ", ") + id.name;
  return out;
}

// The text of a statement other than `def`, without indentation or comments.
std::string simple_stmt_text(const Stmt& s) {
  switch (s.kind) {
    case StmtKind::Task: return "Task " + selector_text(s.tasks) + " " + ident_list(s.kinds) + ";";
    case StmtKind::Region:
      return "Region " + selector_text(s.tasks) + " " + selector_text(s.region) + " " +
             selector_text(s.proc) + " " + ident_list(s.kinds) + ";";
    case StmtKind::Layout: {
      std::string out =
          "Layout " + selector_text(s.tasks) + " " + selector_text(s.region) + " " + selector_text(s.proc);
      for (const LayoutConstraint& c : s.constraints) {
        out += " ";
        out += to_string(c.word);
        if (c.word == LayoutWord::Align)
          out += std::string(" ") + spelling(c.op) + " " + std::to_string(c.value);
      }
      return out + ";";
    }
    case StmtKind::InstanceLimit:
      return "InstanceLimit " + selector_text(s.tasks) + " " + (s.proc.names.empty() ? "" : selector_text(s.proc) + " ") +
             std::to_string(s.number) + ";";
    case StmtKind::CollectMemory:
      return "CollectMemory " + selector_text(s.tasks) + " " + selector_text(s.region) + ";";
    case StmtKind::IndexTaskMap:
    case StmtKind::SingleTaskMap:
      return std::string(statement_keyword(s.kind)) + " " + selector_text(s.tasks) + " " +
             (s.space.name.empty() ? "" : s.space.name + " ") + s.func.name + ";";
    case StmtKind::ControlReplicate: return "ControlReplicate " + selector_text(s.tasks) + ";";
    case StmtKind::Assign: return s.name.name + " = " + expr_text(*s.value) + ";";
    case StmtKind::Return: return "return " + expr_text(*s.value) + ";";
    case StmtKind::Print: {
      std::string out = "print(" + quote(s.format);
      for (const ExprPtr& a : s.args) out += ", " + expr_text(*a);
      return out + ");";
    }
    case StmtKind::Def: break;
  }
  return "";
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\f' || s.back() == '\v'))
    s.remove_suffix(1);
  return s;
}

class Formatter {
 public:
  Formatter(const Program& program, const SourceFile& source,
            const std::unordered_map<const Stmt*, StmtRewrite>* rewrites)
      : program_(program), src_(source), rewrites_(rewrites) {}

  std::string run() {
    std::vector<Item> items = build(program_.statements, UINT32_MAX, nullptr);
    mark_def_headers(items);
    emit_block(items, 0, /*top_level=*/true);
    return std::move(out_);
  }

 private:
  // One output unit of a block: a statement or an own-line comment, with its source lines.
  struct Item {
    const Stmt* stmt = nullptr;
    const Comment* comment = nullptr;
    std::uint32_t first_line = 0;
    std::uint32_t last_line = 0;
    bool before_def = false;  // an own-line comment glued to the `def` below it
  };

  // Comments that ride on a statement's lines, and a def's body.
  struct Attached {
    std::vector<const Comment*> header;  // end of a def's `def ... {` line
    std::vector<const Comment*> line;    // end of the statement's (or a def's `}`) line
    std::vector<Item> body;
  };

  // Assigns the comments before `hi` (in source order, from next_comment_) to the statements of one block.
  // `header` takes end-of-line comments that come before the block's first statement (after a def's `{`).
  std::vector<Item> build(const std::vector<Stmt>& stmts, std::uint32_t hi,
                          std::vector<const Comment*>* header) {
    std::vector<Item> items;
    const Stmt* prev = nullptr;
    auto take_gap = [&](std::uint32_t limit) {
      for (const Comment* c; (c = next_comment_before(limit));) {
        if (!c->own_line && prev)
          attached_[prev].line.push_back(c);
        else if (!c->own_line && header)
          header->push_back(c);
        else
          items.push_back(Item{nullptr, c, c->span.begin.line, c->span.begin.line, false});
      }
    };
    for (const Stmt& s : stmts) {
      take_gap(s.span.begin.offset);
      Attached& a = attached_[&s];
      if (s.kind == StmtKind::Def) {
        std::uint32_t open = open_brace(s);
        while (const Comment* c = next_comment_before(open)) a.header.push_back(c);
        a.body = build(s.body, s.end_offset - 1, &a.header);
      } else {
        // Comments inside a multi-line statement move to the end of its line.
        while (const Comment* c = next_comment_before(s.end_offset)) a.line.push_back(c);
      }
      items.push_back(Item{&s, nullptr, s.span.begin.line, src_.location_at(s.end_offset - 1).line, false});
      prev = &s;
    }
    take_gap(hi);
    return items;
  }

  const Comment* next_comment_before(std::uint32_t limit) {
    if (next_comment_ >= program_.comments.size()) return nullptr;
    const Comment& c = program_.comments[next_comment_];
    if (c.span.begin.offset >= limit) return nullptr;
    ++next_comment_;
    return &c;
  }

  // The offset of a def's `{`: the first one outside a comment (a header holds no strings).
  std::uint32_t open_brace(const Stmt& def) const {
    const std::string& t = src_.text();
    for (std::size_t i = def.span.begin.offset; i < def.end_offset; ++i) {
      if (t[i] == '#' || (t[i] == '/' && i + 1 < t.size() && t[i + 1] == '/')) {
        while (i + 1 < t.size() && t[i + 1] != '\n') ++i;
      } else if (t[i] == '{') {
        return static_cast<std::uint32_t>(i);
      }
    }
    return def.end_offset - 1;
  }

  // A run of own-line comments directly above a def (no blank line between) belongs to it, so the blank
  // line a def always gets goes above them.
  static void mark_def_headers(std::vector<Item>& items) {
    for (std::size_t i = items.size(); i-- > 1;) {
      const Item& next = items[i];
      Item& c = items[i - 1];
      bool next_glued = next.before_def || (next.stmt && next.stmt->kind == StmtKind::Def);
      c.before_def = c.comment && next_glued && next.first_line == c.last_line + 1;
    }
  }

  static bool is_def(const Item& it) { return it.stmt && it.stmt->kind == StmtKind::Def; }

  const StmtRewrite* rewrite_of(const Item& it) const {
    if (!rewrites_ || !it.stmt) return nullptr;
    auto r = rewrites_->find(it.stmt);
    return r == rewrites_->end() ? nullptr : &r->second;
  }

  void emit_block(const std::vector<Item>& items, int indent, bool top_level) {
    // A definition added by a rewrite goes above the statement and the comments glued to it.
    std::vector<const std::string*> definition_at(items.size(), nullptr);
    for (std::size_t j = 0; top_level && j < items.size(); ++j) {
      const StmtRewrite* r = rewrite_of(items[j]);
      if (!r || r->definition.empty()) continue;
      std::size_t k = j;
      while (k > 0 && items[k - 1].comment && items[k].first_line == items[k - 1].last_line + 1) --k;
      definition_at[k] = &r->definition;
    }
    const Item* prev = nullptr;  // the last item written
    std::size_t prev_index = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const StmtRewrite* r = rewrite_of(items[i]);
      if (r && r->replacement.empty() && attached_[items[i].stmt].line.empty()) continue;  // a dropped statement
      bool blank = false;
      if (prev) {
        const Item& p = *prev;
        const Item& n = items[i];
        // A blank line anywhere between them in the source (a dropped statement may stand in between).
        for (std::size_t k = prev_index; k < i; ++k) blank = blank || items[k + 1].first_line > items[k].last_line + 1;
        if (top_level) blank = blank || is_def(p) || ((is_def(n) || n.before_def) && !p.before_def);
      }
      if (definition_at[i]) {
        if (prev) out_ += '\n';
        out_ += *definition_at[i];
        blank = true;
      }
      if (blank) out_ += '\n';
      emit_item(items[i], indent);
      prev = &items[i];
      prev_index = i;
    }
  }

  void emit_item(const Item& it, int indent) {
    std::string pad(static_cast<std::size_t>(indent), ' ');
    if (it.comment) {
      out_ += pad;
      out_ += trim_right(it.comment->text);
      out_ += '\n';
      return;
    }
    const Stmt& s = *it.stmt;
    const Attached& a = attached_[&s];
    if (s.kind != StmtKind::Def) {
      const StmtRewrite* r = rewrite_of(it);
      if (r && r->replacement.empty()) {  // a dropped statement: its comments stay, on their own line
        out_ += pad;
        for (std::size_t i = 0; i < a.line.size(); ++i) out_ += (i ? " " : "") + std::string(trim_right(a.line[i]->text));
        out_ += '\n';
        return;
      }
      out_ += pad + (r ? r->replacement : simple_stmt_text(s));
      emit_comments(a.line);
      return;
    }
    out_ += pad + "def " + s.name.name + "(";
    for (std::size_t i = 0; i < s.params.size(); ++i)
      out_ += (i ? ", " : "") + s.params[i].type.name + " " + s.params[i].name.name;
    out_ += ") {";
    emit_comments(a.header);
    emit_block(a.body, indent + kIndent, /*top_level=*/false);
    out_ += pad + "}";
    emit_comments(a.line);
  }

  // Ends the current line, with `comments` after two spaces, joined by one space.
  void emit_comments(const std::vector<const Comment*>& comments) {
    for (std::size_t i = 0; i < comments.size(); ++i) {
      out_ += i == 0 ? "  " : " ";
      out_ += trim_right(comments[i]->text);
    }
    out_ += '\n';
  }

  const Program& program_;
  const SourceFile& src_;
  const std::unordered_map<const Stmt*, StmtRewrite>* rewrites_;
  std::size_t next_comment_ = 0;
  std::unordered_map<const Stmt*, Attached> attached_;
  std::string out_;
};

}  // namespace

std::string format_program(const Program& program, const SourceFile& source) {
  return Formatter(program, source, nullptr).run();
}

std::string format_program(const Program& program, const SourceFile& source,
                           const std::unordered_map<const Stmt*, StmtRewrite>& rewrites) {
  return Formatter(program, source, &rewrites).run();
}

}  // namespace mage::lang
