#include "mapping/interpreter.hpp"

#include <deque>

#include <fmt/format.h>

#include "lang/builtins.hpp"

namespace mage::mapping {

using lang::Expr;
using lang::ExprKind;
using lang::Stmt;
using lang::StmtKind;
using lang::Tok;

namespace {

// Unwinds an evaluation; the diagnostic is complete except for call-chain notes added on the way out.
struct EvalError {
  lang::Diagnostic diag;
};

[[noreturn]] void fail(const lang::Span& span, std::string code, std::string message, std::string hint) {
  throw EvalError{lang::make_error(lang::Category::Evaluation, std::move(code), span, std::move(message),
                                   std::move(hint))};
}

[[noreturn]] void type_error(const Expr& where, std::string_view what, std::string_view expected, const Value& got) {
  fail(where.span, "eval.type-mismatch",
       fmt::format("{} must be {}, but it is {} {}", what, expected, type_name(got), show(got)),
       fmt::format("change the expression so that it gives {}", expected));
}

// How an expression is named in messages: a variable by its name, anything else generically.
std::string describe_expr(const Expr& e, std::string_view generic) {
  if (e.kind == ExprKind::Name) return fmt::format("`{}`", e.text);
  return std::string(generic);
}

std::int64_t checked(bool overflow, std::int64_t value, const Expr& where) {
  if (overflow)
    fail(where.span, "eval.overflow", "integer overflow: the result does not fit in 64 bits",
         "check the arithmetic; values this large cannot index a machine");
  return value;
}

std::int64_t arith(Tok op, std::int64_t a, std::int64_t b, const Expr& where) {
  std::int64_t r = 0;
  bool overflow = false;
  switch (op) {
    case Tok::Plus: overflow = __builtin_add_overflow(a, b, &r); return checked(overflow, r, where);
    case Tok::Minus: overflow = __builtin_sub_overflow(a, b, &r); return checked(overflow, r, where);
    case Tok::Star: overflow = __builtin_mul_overflow(a, b, &r); return checked(overflow, r, where);
    case Tok::Slash:
    case Tok::Percent:
      if (b == 0)
        fail(where.span, "eval.division-by-zero",
             fmt::format("{} by zero: the right operand of `{}` is 0", op == Tok::Slash ? "division" : "modulo",
                         op == Tok::Slash ? "/" : "%"),
             "guard the divisor, e.g. `d == 0 ? 0 : n / d`, or divide by a machine extent");
      if (a == INT64_MIN && b == -1) checked(true, 0, where);
      return op == Tok::Slash ? a / b : a % b;
    default: break;
  }
  fail(where.span, "eval.internal", "unsupported operator", "");
}

bool is_arith(Tok op) {
  return op == Tok::Plus || op == Tok::Minus || op == Tok::Star || op == Tok::Slash || op == Tok::Percent;
}

}  // namespace

// ---- values ----------------------------------------------------------------------------------------

bool ProcPoint::is_set() const {
  for (auto c : coords)
    if (c < 0) return true;
  return false;
}

std::string show_tuple(const std::vector<std::int64_t>& t) {
  if (t.size() == 1) return fmt::format("({},)", t[0]);
  return fmt::format("({})", fmt::join(t, ", "));
}

const char* type_name(const Value& v) {
  struct {
    const char* operator()(std::int64_t) const { return "the integer"; }
    const char* operator()(bool) const { return "the boolean"; }
    const char* operator()(const Tuple&) const { return "the tuple"; }
    const char* operator()(ProcKind) const { return "the processor kind"; }
    const char* operator()(MemKind) const { return "the memory kind"; }
    const char* operator()(const MachineSpace&) const { return "a machine space"; }
    const char* operator()(const ProcPoint& p) const { return p.is_set() ? "the processor set" : "the processor"; }
    const char* operator()(const TaskRef&) const { return "the task"; }
    const char* operator()(const FunctionRef&) const { return "the function"; }
  } visitor;
  return std::visit(visitor, v);
}

std::string show(const Value& v) {
  struct {
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(bool b) const { return b ? "True" : "False"; }
    std::string operator()(const Tuple& t) const { return show_tuple(t.items); }
    std::string operator()(ProcKind k) const { return std::string(to_string(k)); }
    std::string operator()(MemKind k) const { return std::string(to_string(k)); }
    std::string operator()(const MachineSpace& m) const {
      return fmt::format("of extents {} over {} processors", show_tuple(m.size()), to_string(m.kind()));
    }
    std::string operator()(const ProcPoint& p) const {
      std::vector<std::string> parts;
      for (auto c : p.coords) parts.push_back(c < 0 ? "*" : std::to_string(c));
      return fmt::format("[{}] of a {} space", fmt::join(parts, ", "), to_string(p.space.kind()));
    }
    std::string operator()(const TaskRef& t) const { return fmt::format("`{}`", t.task->name); }
    std::string operator()(const FunctionRef& f) const { return fmt::format("`{}`", f.def->name.name); }
  } visitor;
  return std::visit(visitor, v);
}

// ---- interpreter -----------------------------------------------------------------------------------

struct Interpreter::Frame {
  // Searched from the back: inner bindings first. A deque, because `eval_ref` hands out references to
  // stored values while nested evaluations (comprehensions, calls) push and pop bindings: a deque's
  // push_back and pop_back never move the other elements, so a borrowed value stays where it is.
  std::deque<std::pair<std::int32_t, Value>> vars;
  const Value* find(std::int32_t symbol) const {
    for (auto it = vars.rbegin(); it != vars.rend(); ++it)
      if (it->first == symbol) return &it->second;
    return nullptr;
  }
  void assign(std::int32_t symbol, Value v) {
    for (auto it = vars.rbegin(); it != vars.rend(); ++it)
      if (it->first == symbol) {
        it->second = std::move(v);
        return;
      }
    vars.emplace_back(symbol, std::move(v));
  }
};

Interpreter::Interpreter(const lang::Program& program, const MachineDesc& machine)
    : program_(program), machine_(machine) {
  const auto& symbols = program_.symbols;
  globals_.resize(symbols.size());
  functions_.assign(symbols.size(), nullptr);
  builtin_values_.resize(symbols.size());
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (auto k = parse_proc_kind(symbols[i])) builtin_values_[i] = *k;
    if (auto k = parse_mem_kind(symbols[i])) builtin_values_[i] = *k;
    if (symbols[i] == lang::kMachineBuiltin) machine_symbol_ = static_cast<std::int32_t>(i);
  }
  for (const Stmt& s : program_.statements)
    if (s.kind == StmtKind::Def && s.name.symbol >= 0) functions_[static_cast<std::size_t>(s.name.symbol)] = &s;
}

Interpreter::~Interpreter() = default;

namespace {
std::int32_t find_symbol(const lang::Program& p, std::string_view name) {
  for (std::size_t i = 0; i < p.symbols.size(); ++i)
    if (p.symbols[i] == name) return static_cast<std::int32_t>(i);
  return -1;
}
}  // namespace

const Stmt* Interpreter::function(std::string_view name) const {
  std::int32_t s = find_symbol(program_, name);
  return s < 0 ? nullptr : functions_[static_cast<std::size_t>(s)];
}

const Value* Interpreter::global(std::string_view name) const {
  std::int32_t s = find_symbol(program_, name);
  if (s < 0 || !globals_[static_cast<std::size_t>(s)]) return nullptr;
  return &*globals_[static_cast<std::size_t>(s)];
}

bool Interpreter::evaluate_globals(lang::Diagnostics& diags) {
  bool ok = true;
  for (const Stmt& s : program_.statements) {
    if (s.kind != StmtKind::Assign && s.kind != StmtKind::Print) continue;
    steps_ = 0;
    elements_ = 0;
    depth_ = 0;
    Frame frame;
    try {
      if (s.kind == StmtKind::Assign)
        globals_[static_cast<std::size_t>(s.name.symbol)] = eval(*s.value, frame);
      else
        run_print(s, frame);
    } catch (const EvalError& e) {
      diags.add(e.diag);
      ok = false;
    }
  }
  return ok;
}

std::variant<Value, lang::Diagnostic> Interpreter::call(const Stmt& def, std::vector<Value> args) {
  steps_ = 0;
  elements_ = 0;
  depth_ = 0;
  try {
    return call_function(def, std::move(args), nullptr, {});
  } catch (const EvalError& e) {
    return e.diag;
  }
}

void Interpreter::step(const Expr& where) {
  if (++steps_ > kMaxEvalSteps)
    fail(where.span, "eval.too-many-steps",
         fmt::format("evaluation did not finish within {} steps", kMaxEvalSteps),
         "a mapping function should be a few arithmetic steps: look for runaway recursion");
  if (total_step_budget_ > 0 && ++total_steps_ > total_step_budget_)
    fail(where.span, "eval.step-budget",
         fmt::format("evaluation stopped: the calls so far took more than {} steps in all", total_step_budget_),
         "a mapping function should be a few arithmetic steps per point: look for runaway recursion or "
         "loops, or map a smaller domain");
}

void Interpreter::charge_elements(std::size_t n, const Expr& where) {
  elements_ += static_cast<std::int64_t>(n);
  if (elements_ > kMaxEvalElements)
    fail(where.span, "eval.too-much-memory",
         fmt::format("evaluation built more than {} tuple elements ({} MiB)", kMaxEvalElements,
                     kMaxEvalElements * 8 >> 20),
         "a mapping function needs a few small tuples: look for large tuples copied into many variables or "
         "through deep recursion");
}

std::int64_t Interpreter::as_int(const Value& v, const Expr& where, std::string_view what) {
  if (auto* i = std::get_if<std::int64_t>(&v)) return *i;
  type_error(where, what, "an integer", v);
}

Value Interpreter::call_function(const Stmt& def, std::vector<Value> args, const Expr* site,
                                 const std::vector<const Expr*>& arg_exprs) {
  const lang::Span& where = site ? site->span : def.name.span;
  if (args.size() != def.params.size())
    fail(where, "eval.arity",
         fmt::format("function `{}` takes {} argument{}, but {} {} given", def.name.name, def.params.size(),
                     def.params.size() == 1 ? "" : "s", args.size(), args.size() == 1 ? "was" : "were"),
         fmt::format("call it as `{}({})`", def.name.name, [&] {
           std::vector<std::string> ps;
           for (const auto& p : def.params) ps.push_back(p.name.name);
           return fmt::format("{}", fmt::join(ps, ", "));
         }()));
  if (++depth_ > kMaxCallDepth)
    fail(where, "eval.recursion-too-deep", fmt::format("recursion deeper than {} calls", kMaxCallDepth),
         "make sure every recursive call moves toward a case that returns without recursing");
  while (frame_pool_.size() <= static_cast<std::size_t>(depth_)) frame_pool_.push_back(std::make_unique<Frame>());
  Frame& frame = *frame_pool_[static_cast<std::size_t>(depth_)];
  frame.vars.clear();
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& p = def.params[i];
    const std::string& t = p.type.name;
    const Value& a = args[i];
    bool ok = (t == "int" && std::holds_alternative<std::int64_t>(a)) || (t == "bool" && std::holds_alternative<bool>(a)) ||
              ((t == "IPoint" || t == "ISpace") && std::holds_alternative<Tuple>(a)) ||
              (t == "MSpace" && std::holds_alternative<MachineSpace>(a)) ||
              (t == "Task" && std::holds_alternative<TaskRef>(a));
    if (!ok) {
      lang::Span span = i < arg_exprs.size() ? arg_exprs[i]->span : where;
      const char* expected = t == "int" ? "an integer" : t == "bool" ? "a boolean" : t == "MSpace" ? "a machine space"
                             : t == "Task" ? "a task" : "a tuple";
      fail(span, "eval.type-mismatch",
           fmt::format("argument {} of `{}` ({} {}) must be {}, but it is {} {}", i + 1, def.name.name, t, p.name.name,
                       expected, type_name(a), show(a)),
           fmt::format("pass {} as argument {}, or change the parameter's type", expected, i + 1));
    }
    frame.vars.emplace_back(p.name.symbol, std::move(args[i]));
  }
  try {
    for (const Stmt& s : def.body) {
      switch (s.kind) {
        case StmtKind::Assign: frame.assign(s.name.symbol, eval(*s.value, frame)); break;
        case StmtKind::Print: run_print(s, frame); break;
        case StmtKind::Return: {
          Value v = eval(*s.value, frame);
          --depth_;
          return v;
        }
        default: break;
      }
    }
  } catch (EvalError& e) {
    if (site && e.diag.notes.size() < 8)
      e.diag.notes.push_back(fmt::format("in function `{}`, called at line {}", def.name.name, site->span.begin.line));
    throw;
  }
  fail(def.name.span, "eval.no-return", fmt::format("function `{}` ended without returning a value", def.name.name),
       "end the function body with `return EXPR;`");
}

void Interpreter::run_print(const Stmt& s, Frame& f) {
  std::string out;
  std::size_t arg = 0;
  const std::string& fmt_text = s.format;
  for (std::size_t i = 0; i < fmt_text.size(); ++i) {
    if (fmt_text[i] == '{' && i + 1 < fmt_text.size() && fmt_text[i + 1] == '}') {
      out += arg < s.args.size() ? show(eval(*s.args[arg], f)) : "{}";
      ++arg;
      ++i;
    } else {
      out += fmt_text[i];
    }
  }
  if (print_) print_(out);
}

Value Interpreter::eval(const Expr& e, Frame& f) {
  Value v = eval_node(e, f);
  if (const auto* t = std::get_if<Tuple>(&v)) charge_elements(t->items.size(), e);
  return v;
}

Value Interpreter::eval_node(const Expr& e, Frame& f) {
  step(e);
  switch (e.kind) {
    case ExprKind::Int: return e.int_value;
    case ExprKind::Bool: return e.bool_value;
    case ExprKind::String:
      fail(e.span, "eval.string", "strings can only appear as the format of `print`",
           "remove the string, or use it in `print(\"...\", value);`");
    case ExprKind::Name: return eval_name(e, f);
    case ExprKind::Unary: return eval_unary(e, f);
    case ExprKind::Binary: return eval_binary(e, f);
    case ExprKind::Ternary: {
      Value c = eval(*e.children[0], f);
      auto* b = std::get_if<bool>(&c);
      if (!b) type_error(*e.children[0], "the condition of `?:`", "a boolean", c);
      return eval(*e.children[*b ? 1 : 2], f);
    }
    case ExprKind::Tuple: return eval_tuple(e, f);
    case ExprKind::Index: return eval_index(e, f);
    case ExprKind::Attribute: return eval_attribute(e, f);
    case ExprKind::Call: return eval_call(e, f);
    case ExprKind::Comprehension: return eval_comprehension(e, f);
    case ExprKind::Wildcard:
      fail(e.span, "eval.misplaced-wildcard", "`*` alone is only meaningful inside a machine index, e.g. `m[i, *]`",
           "use `*` as a component of a machine index");
    case ExprKind::Unpack:
      fail(e.span, "eval.misplaced-unpack",
           "`*expr` unpacking is only allowed inside a tuple, a machine index or the arguments of a call",
           "write `(*t, 1)`, `m[*t]` or `f(*t)`");
    case ExprKind::Slice:
      fail(e.span, "eval.misplaced-slice", "a slice `a:b` is only allowed inside `[ ]`", "write `t[a:b]`");
  }
  fail(e.span, "eval.internal", "unknown expression", "");
}

Value Interpreter::eval_name(const Expr& e, Frame& f) {
  if (const Value* v = f.find(e.symbol)) return *v;
  if (e.symbol >= 0) {
    auto i = static_cast<std::size_t>(e.symbol);
    if (globals_[i]) return *globals_[i];
    if (functions_[i]) return FunctionRef{functions_[i]};
    if (builtin_values_[i]) return *builtin_values_[i];
  }
  fail(e.span, "eval.undefined-name", fmt::format("`{}` is not defined", e.text),
       "assign it before use, or check the spelling");
}

const Value& Interpreter::eval_ref(const Expr& e, Frame& f, Value& storage) {
  // Reading a variable needs no copy: `x[0]` and `m.size` on a name borrow the stored value.
  if (e.kind == ExprKind::Name && e.symbol >= 0) {
    step(e);
    if (const Value* v = f.find(e.symbol)) return *v;
    if (const auto& g = globals_[static_cast<std::size_t>(e.symbol)]) return *g;
  }
  storage = eval(e, f);
  return storage;
}

Value Interpreter::eval_unary(const Expr& e, Frame& f) {
  Value v = eval(*e.children[0], f);
  if (e.op == Tok::Bang) {
    auto* b = std::get_if<bool>(&v);
    if (!b) type_error(*e.children[0], "the operand of `!`", "a boolean", v);
    return !*b;
  }
  if (auto* i = std::get_if<std::int64_t>(&v)) return arith(Tok::Minus, 0, *i, e);
  if (auto* t = std::get_if<Tuple>(&v)) {
    Tuple out;
    for (auto x : t->items) out.items.push_back(arith(Tok::Minus, 0, x, e));
    return out;
  }
  type_error(*e.children[0], "the operand of unary `-`", "an integer or a tuple", v);
}

Value Interpreter::eval_binary(const Expr& e, Frame& f) {
  const Expr& l = *e.children[0];
  const Expr& r = *e.children[1];
  if (e.op == Tok::AndAnd || e.op == Tok::OrOr) {
    Value a = eval(l, f);
    auto* ab = std::get_if<bool>(&a);
    if (!ab) type_error(l, fmt::format("the left operand of `{}`", lang::spelling(e.op)), "a boolean", a);
    if (e.op == Tok::AndAnd ? !*ab : *ab) return *ab;
    Value b = eval(r, f);
    auto* bb = std::get_if<bool>(&b);
    if (!bb) type_error(r, fmt::format("the right operand of `{}`", lang::spelling(e.op)), "a boolean", b);
    return *bb;
  }
  Value a = eval(l, f);
  Value b = eval(r, f);
  if (e.op == Tok::EqEq || e.op == Tok::NotEq) {
    if (a.index() != b.index())
      fail(e.span, "eval.type-mismatch",
           fmt::format("cannot compare {} {} with {} {}", type_name(a), show(a), type_name(b), show(b)),
           "compare values of the same type");
    return (a == b) == (e.op == Tok::EqEq);
  }
  auto* ai = std::get_if<std::int64_t>(&a);
  auto* bi = std::get_if<std::int64_t>(&b);
  if (!is_arith(e.op)) {  // ordering comparisons
    if (!ai) type_error(l, fmt::format("the left operand of `{}`", lang::spelling(e.op)), "an integer", a);
    if (!bi) type_error(r, fmt::format("the right operand of `{}`", lang::spelling(e.op)), "an integer", b);
    switch (e.op) {
      case Tok::Less: return *ai < *bi;
      case Tok::Greater: return *ai > *bi;
      case Tok::LessEq: return *ai <= *bi;
      default: return *ai >= *bi;
    }
  }
  if (ai && bi) return arith(e.op, *ai, *bi, e);
  auto* at = std::get_if<Tuple>(&a);
  auto* bt = std::get_if<Tuple>(&b);
  if ((!ai && !at) || (!bi && !bt)) {
    const Expr& bad = (!ai && !at) ? l : r;
    type_error(bad, fmt::format("an operand of `{}`", lang::spelling(e.op)), "an integer or a tuple", (!ai && !at) ? a : b);
  }
  // Element-wise on tuples of equal length; an integer broadcasts over a tuple.
  if (at && bt && at->items.size() != bt->items.size())
    fail(e.span, "eval.tuple-length",
         fmt::format("`{}` needs tuples of equal length, but {} has {} elements and {} has {}", lang::spelling(e.op),
                     show(a), at->items.size(), show(b), bt->items.size()),
         "make both tuples the same length, e.g. with a slice `t[:n]`");
  std::size_t n = at ? at->items.size() : bt->items.size();
  Tuple out;
  out.items.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    out.items.push_back(arith(e.op, at ? at->items[i] : *ai, bt ? bt->items[i] : *bi, e));
  return out;
}

Value Interpreter::eval_tuple(const Expr& e, Frame& f) {
  Tuple out;
  for (const auto& c : e.children) {
    if (c->kind == ExprKind::Unpack) {
      Value v = eval(*c->children[0], f);
      auto* t = std::get_if<Tuple>(&v);
      if (!t) type_error(*c->children[0], "the operand of `*` unpacking", "a tuple", v);
      out.items.insert(out.items.end(), t->items.begin(), t->items.end());
    } else {
      Value v = eval(*c, f);
      out.items.push_back(as_int(v, *c, "a tuple element"));
    }
    if (out.items.size() > kMaxTupleLength)
      fail(e.span, "eval.tuple-too-long", fmt::format("tuple longer than {} elements", kMaxTupleLength),
           "tuples describe points and extents; keep them short");
  }
  return out;
}

namespace {

// Python-style slice bounds, clamped to [0, n].
std::pair<std::int64_t, std::int64_t> slice_bounds(std::optional<std::int64_t> lo, std::optional<std::int64_t> hi,
                                                   std::int64_t n) {
  auto norm = [n](std::int64_t i) { return i < 0 ? std::max<std::int64_t>(0, n + i) : std::min(i, n); };
  std::int64_t a = lo ? norm(*lo) : 0;
  std::int64_t b = hi ? norm(*hi) : n;
  return {a, std::max(a, b)};
}

}  // namespace

const std::vector<std::int64_t>* Interpreter::borrow_extents(const Expr& e, Frame& f, Value& storage) {
  // `m.size`, `task.ipoint` and `task.ispace` read in place, without building a tuple to index once.
  if (e.kind != ExprKind::Attribute || e.symbol < 0) return nullptr;
  lang::Builtin id = lang::builtins()[static_cast<std::size_t>(e.symbol)].id;
  if (id != lang::Builtin::Size && id != lang::Builtin::IPoint && id != lang::Builtin::ISpace) return nullptr;
  const Value& recv = eval_ref(*e.children[0], f, storage);
  if (auto* m = std::get_if<MachineSpace>(&recv); m && id == lang::Builtin::Size) return &m->size();
  if (auto* t = std::get_if<Tuple>(&recv); t && id == lang::Builtin::Size) return &t->items;
  if (auto* t = std::get_if<TaskRef>(&recv); t && id != lang::Builtin::Size)
    return id == lang::Builtin::IPoint ? &t->task->ipoint : &t->task->ispace;
  return nullptr;
}

Value Interpreter::eval_index(const Expr& e, Frame& f) {
  const Expr& base_expr = *e.children[0];
  std::size_t nitems = e.children.size() - 1;
  const Expr& first = *e.children[1];
  Value storage;
  const std::vector<std::int64_t>* borrowed = borrow_extents(base_expr, f, storage);
  Value base_storage;
  const Value& base = borrowed ? storage : eval_ref(base_expr, f, base_storage);

  auto slice_of = [&](const std::vector<std::int64_t>& items) -> Value {
    std::optional<std::int64_t> lo, hi;
    if (first.children[0]) lo = as_int(eval(*first.children[0], f), *first.children[0], "a slice bound");
    if (first.children[1]) hi = as_int(eval(*first.children[1], f), *first.children[1], "a slice bound");
    auto [a, b] = slice_bounds(lo, hi, static_cast<std::int64_t>(items.size()));
    return Tuple{std::vector<std::int64_t>(items.begin() + a, items.begin() + b)};
  };

  const Tuple* tuple = borrowed ? nullptr : std::get_if<Tuple>(&base);
  if (borrowed || tuple) {
    const std::vector<std::int64_t>& items = borrowed ? *borrowed : tuple->items;
    if (nitems != 1)
      fail(e.span, "eval.bad-index", fmt::format("a tuple takes one index, but {} were given", nitems),
           "index a tuple as `t[i]` or slice it as `t[a:b]`");
    if (first.kind == ExprKind::Slice) return slice_of(items);
    std::int64_t i = as_int(eval(first, f), first, "a tuple index");
    auto n = static_cast<std::int64_t>(items.size());
    std::int64_t k = i < 0 ? i + n : i;
    if (k < 0 || k >= n)
      fail(first.span, "eval.index-out-of-range",
           fmt::format("index {} is outside {} {}, which has {} element{}", i, describe_expr(base_expr, "the tuple"),
                       show_tuple(items), n, n == 1 ? "" : "s"),
           n == 0 ? "the tuple is empty" : fmt::format("use an index from 0 to {} (or -{} to -1)", n - 1, n));
    return items[static_cast<std::size_t>(k)];
  }
  auto* space = std::get_if<MachineSpace>(&base);
  if (!space) type_error(base_expr, "the indexed value", "a machine space or a tuple", base);
  // `m[:-1]`: a slice of a machine space is the slice of its extents.
  if (nitems == 1 && first.kind == ExprKind::Slice) return slice_of(space->size());

  ProcPoint p{*space, {}};
  p.coords.reserve(space->dims());
  std::vector<const Expr*> owner;  // the expression that produced each component, for messages
  for (std::size_t i = 1; i < e.children.size(); ++i) {
    const Expr& item = *e.children[i];
    switch (item.kind) {
      case ExprKind::Wildcard:
        p.coords.push_back(-1);
        owner.push_back(&item);
        break;
      case ExprKind::Unpack: {
        Value v = eval(*item.children[0], f);
        auto* t = std::get_if<Tuple>(&v);
        if (!t) type_error(*item.children[0], "the operand of `*` unpacking", "a tuple", v);
        for (auto c : t->items) {
          p.coords.push_back(c);
          owner.push_back(&item);
        }
        break;
      }
      case ExprKind::Slice:
        fail(item.span, "eval.bad-index", "a machine index cannot mix slices with coordinates",
             "write `m[:-1]` alone for the extents, or `m[i, j]` for a processor");
      default:
        p.coords.push_back(as_int(eval(item, f), item, "a machine index component"));
        owner.push_back(&item);
    }
  }
  std::string name = describe_expr(base_expr, "the machine space");
  if (p.coords.size() != space->dims())
    fail(e.span, "eval.index-arity",
         fmt::format("{} has {} dimension{} (extents {}), but the index has {} component{}", name, space->dims(),
                     space->dims() == 1 ? "" : "s", show_tuple(space->size()), p.coords.size(),
                     p.coords.size() == 1 ? "" : "s"),
         fmt::format("give exactly {} coordinates, using `*` for \"any processor along this dimension\"",
                     space->dims()));
  for (std::size_t d = 0; d < p.coords.size(); ++d) {
    if (owner[d]->kind == ExprKind::Wildcard) continue;
    std::int64_t c = p.coords[d];
    if (c < 0 || c >= space->size()[d])
      fail(owner[d]->span, "eval.index-out-of-range",
           fmt::format("index {} is outside dimension {} of {}, whose extents are {}", c, d, name,
                       show_tuple(space->size())),
           fmt::format("keep coordinate {} between 0 and {}, e.g. with `% {}.size[{}]`", d, space->size()[d] - 1,
                       base_expr.kind == ExprKind::Name ? base_expr.text : "m", d));
  }
  return p;
}

Value Interpreter::eval_attribute(const Expr& e, Frame& f) {
  Value storage;
  const Value& base = eval_ref(*e.children[0], f, storage);
  const lang::BuiltinInfo* b = e.symbol >= 0 ? &lang::builtins()[static_cast<std::size_t>(e.symbol)] : nullptr;
  if (!b || b->is_method)
    fail(e.name_span, "eval.unknown-property",
         b ? fmt::format("`{}` is a method: call it as `{}`", e.text, b->signature)
           : fmt::format("`{}` is not a property", e.text),
         "properties are size, volume, len, ipoint, ispace and parent");
  auto bad_receiver = [&]() -> Value { type_error(*e.children[0], fmt::format("the receiver of `.{}`", e.text),
                                                  std::string(b->receiver), base); };
  if (auto* m = std::get_if<MachineSpace>(&base)) {
    switch (b->id) {
      case lang::Builtin::Size: return Tuple{m->size()};
      case lang::Builtin::Volume: return m->volume();
      case lang::Builtin::Len: return static_cast<std::int64_t>(m->dims());
      default: return bad_receiver();
    }
  }
  if (auto* t = std::get_if<Tuple>(&base)) {
    switch (b->id) {
      case lang::Builtin::Size: return *t;  // an ISpace's extents: `y.size[d]`
      case lang::Builtin::Len: return static_cast<std::int64_t>(t->items.size());
      case lang::Builtin::Volume: {
        std::int64_t v = 1;
        for (auto x : t->items) v = arith(Tok::Star, v, x, e);
        return v;
      }
      default: return bad_receiver();
    }
  }
  if (auto* task = std::get_if<TaskRef>(&base)) {
    switch (b->id) {
      case lang::Builtin::IPoint: return Tuple{task->task->ipoint};
      case lang::Builtin::ISpace: return Tuple{task->task->ispace};
      case lang::Builtin::Parent:
        if (!task->task->parent)
          fail(e.span, "eval.no-parent", fmt::format("task `{}` has no parent in this query", task->task->name),
               "give the parent's processor (e.g. `mage map --parent-proc 0,1`) or do not use `task.parent`");
        return TaskRef{task->task->parent};
      default: return bad_receiver();
    }
  }
  return bad_receiver();
}

Value Interpreter::eval_call(const Expr& e, Frame& f) {
  const Expr& callee = *e.children[0];
  if (callee.kind == ExprKind::Attribute) return eval_method(e, f);
  if (callee.symbol >= 0 && callee.symbol == machine_symbol_) {  // `Machine` is reserved: never rebound
    if (e.children.size() != 2)
      fail(e.span, "eval.arity", "`Machine` takes one processor kind", "write e.g. `Machine(GPU)`");
    Value k = eval(*e.children[1], f);
    auto* kind = std::get_if<ProcKind>(&k);
    if (!kind) type_error(*e.children[1], "the argument of `Machine`", "a processor kind", k);
    std::int64_t n = machine_.per_node(*kind);
    if (n <= 0)
      fail(e.children[1]->span, "eval.no-such-processors",
           fmt::format("the machine ({}) has no {} processors", machine_.summary(), to_string(*kind)),
           "use a processor kind the machine has, or run on a machine with this kind");
    return MachineSpace::base(*kind, machine_.nodes, n);
  }
  Value fn = eval(callee, f);
  auto* ref = std::get_if<FunctionRef>(&fn);
  if (!ref) type_error(callee, "the called value", "a function", fn);
  std::vector<Value> args;
  std::vector<const Expr*> arg_exprs;
  args.reserve(e.children.size() - 1);
  arg_exprs.reserve(e.children.size() - 1);
  for (std::size_t i = 1; i < e.children.size(); ++i) {
    const Expr& a = *e.children[i];
    if (a.kind != ExprKind::Unpack) {
      args.push_back(eval(a, f));
      arg_exprs.push_back(&a);
      continue;
    }
    // `f(*t)`: each item of the tuple is one argument.
    Value v = eval(*a.children[0], f);
    auto* t = std::get_if<Tuple>(&v);
    if (!t) type_error(*a.children[0], "the operand of `*` unpacking", "a tuple", v);
    for (auto x : t->items) {
      args.emplace_back(x);
      arg_exprs.push_back(&a);
    }
  }
  return call_function(*ref->def, std::move(args), &e, arg_exprs);
}

Value Interpreter::eval_method(const Expr& e, Frame& f) {
  const Expr& attr = *e.children[0];
  const lang::BuiltinInfo* b = attr.symbol >= 0 ? &lang::builtins()[static_cast<std::size_t>(attr.symbol)] : nullptr;
  if (!b || !b->is_method)
    fail(attr.name_span, "eval.unknown-method",
         b ? fmt::format("`{}` is a property, not a method: write it without `( )`", attr.text)
           : fmt::format("`{}` is not a method", attr.text),
         "methods are split, merge, swap, slice, reverse, balance_split, auto_split, greedy_split, decompose, "
         "processor and has");
  std::size_t nargs = e.children.size() - 1;
  if (static_cast<int>(nargs) != b->arity)
    fail(e.span, "eval.arity",
         fmt::format("`{}` takes {} argument{}, but {} {} given", attr.text, b->arity, b->arity == 1 ? "" : "s", nargs,
                     nargs == 1 ? "was" : "were"),
         fmt::format("call it as `{}`", b->signature));
  if (b->id == lang::Builtin::Has) return eval_has(e, f);
  Value storage;
  const Value& recv = eval_ref(*attr.children[0], f, storage);
  std::vector<Value> args;
  args.reserve(nargs);
  for (std::size_t i = 1; i < e.children.size(); ++i) args.push_back(eval(*e.children[i], f));
  auto int_arg = [&](std::size_t i) {
    if (auto* v = std::get_if<std::int64_t>(&args[i])) return *v;
    return as_int(args[i], *e.children[i + 1], fmt::format("argument {} of `{}`", i + 1, attr.text));
  };
  auto tuple_arg = [&](std::size_t i) -> const Tuple& {
    auto* t = std::get_if<Tuple>(&args[i]);
    if (!t) type_error(*e.children[i + 1], fmt::format("argument {} of `{}`", i + 1, attr.text), "a tuple", args[i]);
    return *t;
  };

  if (b->id == lang::Builtin::Processor) {
    auto* task = std::get_if<TaskRef>(&recv);
    if (!task) type_error(*attr.children[0], "the receiver of `.processor`", "a task", recv);
    auto* space = std::get_if<MachineSpace>(&args[0]);
    if (!space) type_error(*e.children[1], "the argument of `.processor`", "a machine space", args[0]);
    const TaskContext& t = *task->task;
    if (!t.processor)
      fail(e.span, "eval.unknown-processor",
           fmt::format("the processor of task `{}` is not known while it is being mapped", t.name),
           "ask for the parent's processor instead: `task.parent.processor(m)`");
    auto coords = space->coords_of(*t.processor);
    if (!coords)
      fail(e.children[1]->span, "eval.processor-not-in-space",
           fmt::format("task `{}` runs on {} {} of node {}, which is not a point of {} ({})", t.name,
                       to_string(t.processor->kind), t.processor->proc, t.processor->node,
                       describe_expr(*e.children[1], "the machine space"), show(args[0])),
           fmt::format("use a space built from `Machine({})`", to_string(t.processor->kind)));
    return Tuple{std::move(*coords)};
  }

  auto* space = std::get_if<MachineSpace>(&recv);
  if (!space) type_error(*attr.children[0], fmt::format("the receiver of `.{}`", attr.text), "a machine space", recv);
  try {
    switch (b->id) {
      case lang::Builtin::Split: return space->split(int_arg(0), int_arg(1));
      case lang::Builtin::Merge: return space->merge(int_arg(0), int_arg(1));
      case lang::Builtin::Swap: return space->swap(int_arg(0), int_arg(1));
      case lang::Builtin::Slice: return space->slice(int_arg(0), int_arg(1), int_arg(2));
      case lang::Builtin::Reverse: return space->reverse(int_arg(0));
      case lang::Builtin::BalanceSplit:
      case lang::Builtin::AutoSplit:
      case lang::Builtin::Decompose:
      case lang::Builtin::GreedySplit: {
        bool balance = b->id == lang::Builtin::BalanceSplit;
        SplitKey key{*space, static_cast<int>(b->id), int_arg(0),
                     balance ? std::vector<std::int64_t>{int_arg(1)} : tuple_arg(1).items};
        if (auto it = split_cache_.find(key); it != split_cache_.end()) return it->second;
        MachineSpace result = balance ? space->balance_split(key.dim, key.args[0])
                              : b->id == lang::Builtin::GreedySplit ? space->greedy_split(key.dim, key.args)
                                                                      : space->auto_split(key.dim, key.args);
        if (split_cache_.size() < 4096) split_cache_.emplace(std::move(key), result);
        return result;
      }
      default: break;
    }
  } catch (const SpaceError& err) {
    const lang::Span& span = err.arg() >= 0 && static_cast<std::size_t>(err.arg()) < nargs
                                 ? e.children[static_cast<std::size_t>(err.arg()) + 1]->span
                                 : e.span;
    std::string name = describe_expr(*attr.children[0], "the machine space");
    fail(span, "eval.bad-transformation",
         fmt::format("`{}.{}`: {}", attr.children[0]->kind == ExprKind::Name ? attr.children[0]->text : "m", attr.text,
                     err.what()),
         err.hint());
  }
  fail(e.span, "eval.internal", "unsupported method", "");
}

Value Interpreter::eval_has(const Expr& e, Frame& f) {
  // `m[i].has(MEM)`, `m.has(MEM)`: whether the processors of the space's kind have a memory of kind MEM.
  const Expr& recv_expr = *e.children[0]->children[0];
  Value mem_value = eval(*e.children[1], f);
  auto* mem = std::get_if<MemKind>(&mem_value);
  if (!mem) type_error(*e.children[1], "the argument of `.has`", "a memory kind", mem_value);
  // The published form indexes a space of several dimensions with one integer: the i-th processor of the
  // space's kind on a node.
  if (recv_expr.kind == ExprKind::Index && recv_expr.children.size() == 2) {
    const Expr& item = *recv_expr.children[1];
    bool plain = item.kind != ExprKind::Wildcard && item.kind != ExprKind::Unpack && item.kind != ExprKind::Slice;
    Value storage;
    const Value& base = eval_ref(*recv_expr.children[0], f, storage);
    if (auto* space = std::get_if<MachineSpace>(&base); space && plain && space->dims() != 1) {
      std::int64_t i = as_int(eval(item, f), item, "the processor number before `.has`");
      std::int64_t n = machine_.per_node(space->kind());
      if (i < 0 || i >= n)
        fail(item.span, "eval.index-out-of-range",
             fmt::format("processor {} of a node: a node of this machine has {} {} processor{}", i, n,
                         to_string(space->kind()), n == 1 ? "" : "s"),
             fmt::format("use a processor number from 0 to {}", n - 1));
      return machine_.can_address(space->kind(), *mem);
    }
  }
  Value storage;
  const Value& recv = eval_ref(recv_expr, f, storage);
  if (auto* space = std::get_if<MachineSpace>(&recv)) return machine_.can_address(space->kind(), *mem);
  if (auto* p = std::get_if<ProcPoint>(&recv)) return machine_.can_address(p->space.kind(), *mem);
  type_error(recv_expr, "the receiver of `.has`", "a machine space or a processor", recv);
}

Value Interpreter::eval_comprehension(const Expr& e, Frame& f) {
  Value it = eval(*e.children[1], f);
  auto* t = std::get_if<Tuple>(&it);
  if (!t) type_error(*e.children[1], "the sequence of a comprehension", "a tuple", it);
  Tuple out;
  out.items.reserve(t->items.size());
  for (auto x : t->items) {
    f.vars.emplace_back(e.symbol, x);
    Value v;
    try {
      v = eval(*e.children[0], f);
    } catch (...) {
      f.vars.pop_back();
      throw;
    }
    f.vars.pop_back();
    out.items.push_back(as_int(v, *e.children[0], "an element of a comprehension"));
  }
  return out;
}

}  // namespace mage::mapping
