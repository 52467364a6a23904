// The interpreter: evaluates globals and mapping functions over machine spaces (dsl.md §3, §4).
//
// Errors are user errors (dsl.md §5 "Evaluation"): each points at the expression inside the function
// that failed, shows the values involved, and carries the call chain as notes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <map>
#include <memory>
#include <optional>
#include <tuple>
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
// Tuple elements one evaluation may produce in all (8 bytes each: 128 MiB). Every tuple a step creates
// or copies counts, so the memory an evaluation holds at once is bounded too, however deep it recurses.
inline constexpr std::int64_t kMaxEvalElements = std::int64_t{1} << 24;

class Interpreter {
 public:
  // `program` and `machine` must outlive the interpreter.
  Interpreter(const lang::Program& program, const MachineDesc& machine);
  ~Interpreter();

  // Evaluates the top-level assignments and prints in order; false (with diagnostics) on error.
  bool evaluate_globals(lang::Diagnostics& diags);

  const lang::Stmt* function(std::string_view name) const;
  const Value* global(std::string_view name) const;

  // Calls `def` with `args`. On error returns the diagnostic instead.
  std::variant<Value, lang::Diagnostic> call(const lang::Stmt& def, std::vector<Value> args);

  // A budget of evaluation steps over every call from now on (0: none), for callers that evaluate a
  // function many times, such as every point of a launch: once spent, each call fails at its first step
  // with `eval.step-budget`. Each call keeps its own limit of kMaxEvalSteps as well.
  void set_total_step_budget(std::int64_t steps) {
    total_step_budget_ = steps;
    total_steps_ = 0;
  }

  // Output of `print` statements; by default discarded.
  void set_print_sink(std::function<void(const std::string&)> sink) { print_ = std::move(sink); }

  const MachineDesc& machine() const { return machine_; }

 private:
  struct Frame;
  Value eval(const lang::Expr& e, Frame& f);
  Value eval_node(const lang::Expr& e, Frame& f);
  Value eval_name(const lang::Expr& e, Frame& f);
  const Value& eval_ref(const lang::Expr& e, Frame& f, Value& storage);
  const std::vector<std::int64_t>* borrow_extents(const lang::Expr& e, Frame& f, Value& storage);
  Value eval_unary(const lang::Expr& e, Frame& f);
  Value eval_binary(const lang::Expr& e, Frame& f);
  Value eval_tuple(const lang::Expr& e, Frame& f);
  Value eval_index(const lang::Expr& e, Frame& f);
  Value eval_attribute(const lang::Expr& e, Frame& f);
  Value eval_call(const lang::Expr& e, Frame& f);
  Value eval_method(const lang::Expr& e, Frame& f);
  Value eval_has(const lang::Expr& e, Frame& f);
  Value eval_comprehension(const lang::Expr& e, Frame& f);
  Value call_function(const lang::Stmt& def, std::vector<Value> args, const lang::Expr* site,
                      const std::vector<const lang::Expr*>& arg_exprs);
  void run_print(const lang::Stmt& s, Frame& f);
  std::int64_t as_int(const Value& v, const lang::Expr& where, std::string_view what);
  void step(const lang::Expr& where);
  void charge_elements(std::size_t n, const lang::Expr& where);

  // Splits of a space by an iteration space (auto_split and friends) are pure and costly to search, and
  // mapping functions repeat them for every point: remember them per receiver object and arguments.
  struct SplitKey {
    MachineSpace receiver;  // held so that its identity cannot be reused by another space
    int method;
    std::int64_t dim;
    std::vector<std::int64_t> args;
    bool operator<(const SplitKey& o) const {
      return std::tie(method, dim, args) < std::tie(o.method, o.dim, o.args) ||
             (std::tie(method, dim, args) == std::tie(o.method, o.dim, o.args) &&
              std::less<const void*>()(receiver.identity(), o.receiver.identity()));
    }
  };
  std::map<SplitKey, MachineSpace> split_cache_;

  const lang::Program& program_;
  const MachineDesc& machine_;
  // Indexed by symbol (lang::Program::symbols): evaluation never compares strings.
  std::vector<std::optional<Value>> globals_;
  std::vector<const lang::Stmt*> functions_;
  std::vector<std::optional<Value>> builtin_values_;  // processor and memory kind names
  std::int32_t machine_symbol_ = -1;
  std::function<void(const std::string&)> print_;
  std::int64_t steps_ = 0;
  std::int64_t elements_ = 0;
  std::int64_t total_steps_ = 0;
  std::int64_t total_step_budget_ = 0;
  int depth_ = 0;
  // One frame per call depth, reused across calls so that a call allocates nothing once warm.
  std::vector<std::unique_ptr<Frame>> frame_pool_;
};

}  // namespace mage::mapping
