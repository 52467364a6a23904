// The syntax tree of a mapper program (dsl.md §2, §3).
//
// Deliberately plain: one node type for expressions and one for statements, each with a kind, so
// the checker, formatter and interpreter are simple switches over data.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lang/source.hpp"
#include "lang/token.hpp"

namespace mage::lang {

struct Ident {
  std::string name;
  Span span;
  std::int32_t symbol = -1;  // index into Program::symbols (names of values only)
};

enum class ExprKind {
  Int,            // int_value
  Bool,           // bool_value
  String,         // text (only inside print)
  Name,           // text
  Unary,          // op, children[0]
  Binary,         // op, children[0], children[1]
  Ternary,        // children: condition, then, else
  Tuple,          // children (elements; Unpack allowed)
  Index,          // children[0] = base, children[1..] = items (expr, Wildcard, Unpack or Slice)
  Attribute,      // children[0] = base, text = property name
  Call,           // children[0] = callee (Name or Attribute), children[1..] = arguments
  Comprehension,  // tuple(children[0] for text in children[1])
  Wildcard,       // `*` as a machine index component
  Unpack,         // `*expr` inside a tuple literal or an index
  Slice,          // children[0] = low or null, children[1] = high or null
};

struct Expr {
  ExprKind kind = ExprKind::Int;
  Span span;
  std::int64_t int_value = 0;
  bool bool_value = false;
  Tok op = Tok::End;
  std::string text;
  Span name_span;  // the property name of an Attribute, the variable of a Comprehension
  // Name and Comprehension: index of `text` in Program::symbols; Attribute: index of the property or
  // method in lang::builtins(), -1 if `text` names none.
  std::int32_t symbol = -1;
  std::vector<std::unique_ptr<Expr>> children;
};
using ExprPtr = std::unique_ptr<Expr>;

// A task or region selector: `*`, one or more names, or (regions only) an argument index.
struct Selector {
  bool wildcard = false;
  std::vector<Ident> names;
  std::optional<std::int64_t> index;
  Span span;
  bool is_named() const { return !wildcard; }
};

enum class LayoutWord { SOA, AOS, C_order, F_order, Align, Compact, Exact };

struct LayoutConstraint {
  LayoutWord word = LayoutWord::SOA;
  Tok op = Tok::EqEq;       // Align only
  std::int64_t value = 0;   // Align only: bytes
  Span span;
};

struct Param {
  Ident type;
  Ident name;
};

enum class StmtKind {
  Task,              // tasks, kinds (processor kinds)
  Region,            // tasks, region, proc, kinds (memory kinds)
  Layout,            // tasks, region, proc (processor kind, memory kind or `*`), constraints
  InstanceLimit,     // tasks, number; proc: the processor kind of the 2022 form `InstanceLimit TASK KIND N;`
  CollectMemory,     // tasks, region
  IndexTaskMap,      // tasks (task names, `*`, or a processor kind), func; space: the 2022 form's machine space
  SingleTaskMap,     // tasks, func
  ControlReplicate,  // tasks
  Assign,            // name, value
  Def,               // name, params, body
  Return,            // value
  Print,             // format, args
};

struct Stmt {
  StmtKind kind = StmtKind::Assign;
  Span span;       // the first token
  Span keyword;    // the leading keyword (or the name of an assignment)
  Selector tasks;
  Selector region;
  Selector proc;   // `*` or one kind name
  std::vector<Ident> kinds;
  std::vector<LayoutConstraint> constraints;
  std::int64_t number = 0;
  Span number_span;
  Ident func;
  Ident space;     // `IndexTaskMap TASKS SPACE FUNC;` (the 2022 form): the global machine space; empty otherwise
  Ident name;
  ExprPtr value;
  std::vector<Param> params;
  std::vector<Stmt> body;
  std::string format;
  Span format_span;
  std::vector<ExprPtr> args;
  std::uint32_t end_offset = 0;  // byte just past the statement (its `;` or closing `}`)
};

struct Program {
  std::vector<Stmt> statements;
  std::vector<Comment> comments;
  // Every name a value can be bound to or read by, interned so that evaluation compares integers.
  std::vector<std::string> symbols;
};

// Fills Program::symbols and the `symbol` fields of names, variables, parameters, assignments and
// functions. The parser calls it; a program built by hand calls it before evaluation.
void intern_symbols(Program& program);

const char* statement_keyword(StmtKind k);
// The 2022 forms (docs/language.md §9.1): `IndexTaskMap TASKS SPACE FUNC;`, `InstanceLimit TASK KIND N;`.
inline bool has_legacy_space(const Stmt& s) { return s.kind == StmtKind::IndexTaskMap && !s.space.name.empty(); }
inline bool has_limit_kind(const Stmt& s) { return s.kind == StmtKind::InstanceLimit && !s.proc.names.empty(); }
// Statements that select tasks and decide something for them (everything but definitions and print).
bool is_rule_statement(StmtKind k);
const char* to_string(LayoutWord w);

// Language vocabulary (dsl.md §1).
bool is_reserved_word(const std::string& name);
bool is_type_name(const std::string& name);
bool is_proc_kind_name(const std::string& name);
bool is_mem_kind_name(const std::string& name);

}  // namespace mage::lang
