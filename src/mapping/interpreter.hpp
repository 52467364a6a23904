// The interpreter: evaluates globals and mapping functions over machine spaces (dsl.md §3, §4).
//
// Errors are user errors (dsl.md §5 "Evaluation"): each points at the expression inside the function
// that failed, shows the values involved, and carries the call chain as notes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "lang/ast.hpp"
#include "lang/diagnostic.hpp"
#include "mapping/machine_desc.hpp"
#include "mapping/value.hpp"

namespace mage::mapping {

// Bounds that turn runaway programs into errors instead of hangs or stack overflows.
inline constexpr int kMaxCallDepth = 64;
inline constexpr std::int64_t kMaxEvalSteps = 1'000'000;
inline constexpr std::size_t kMaxTupleLength = 1 << 16;

class Interpreter {
 public:
  // `program` and `machine` must outlive the interpreter.
  Interpreter(const lang::Program& program, const MachineDesc& machine);

  // Evaluates the top-level assignments and prints in order; false (with diagnostics) on error.
  bool evaluate_globals(lang::Diagnostics& diags);

  const lang::Stmt* function(std::string_view name) const;
  const Value* global(std::string_view name) const;

  // Calls `def` with `args`. On error returns the diagnostic instead.
  std::variant<Value, lang::Diagnostic> call(const lang::Stmt& def, std::vector<Value> args);

  // Output of `print` statements; by default discarded.
  void set_print_sink(std::function<void(const std::string&)> sink) { print_ = std::move(sink); }

  const MachineDesc& machine() const { return machine_; }

 private:
  struct Frame;
  Value eval(const lang::Expr& e, Frame& f);
  Value eval_name(const lang::Expr& e, Frame& f);
  Value eval_unary(const lang::Expr& e, Frame& f);
  Value eval_binary(const lang::Expr& e, Frame& f);
  Value eval_tuple(const lang::Expr& e, Frame& f);
  Value eval_index(const lang::Expr& e, Frame& f);
  Value eval_attribute(const lang::Expr& e, Frame& f);
  Value eval_call(const lang::Expr& e, Frame& f);
  Value eval_method(const lang::Expr& e, Frame& f);
  Value eval_comprehension(const lang::Expr& e, Frame& f);
  Value call_function(const lang::Stmt& def, std::vector<Value> args, const lang::Expr* site,
                      const std::vector<const lang::Expr*>& arg_exprs);
  void run_print(const lang::Stmt& s, Frame& f);
  std::int64_t as_int(const Value& v, const lang::Expr& where, std::string_view what);
  void step(const lang::Expr& where);

  const lang::Program& program_;
  const MachineDesc& machine_;
  std::unordered_map<std::string, Value> globals_;
  std::unordered_map<std::string, const lang::Stmt*> functions_;
  std::function<void(const std::string&)> print_;
  std::int64_t steps_ = 0;
  int depth_ = 0;
};

}  // namespace mage::mapping
