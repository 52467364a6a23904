// The built-in properties and methods of the language (dsl.md §3, §4), shared by the checker (names and
// arities) and the interpreter (dispatch), so the two cannot drift apart.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace mage::lang {

enum class Builtin {
  // properties
  Size, Volume, Len, IPoint, ISpace, Parent,
  // methods
  Split, Merge, Swap, Slice, Reverse, BalanceSplit, AutoSplit, GreedySplit, Decompose, Processor, Has,
};

struct BuiltinInfo {
  Builtin id;
  std::string_view name;
  bool is_method;   // called with `(...)`
  int arity;        // methods only
  std::string_view receiver;  // what it applies to, for messages
  std::string_view signature; // how to call it, for hints
};

std::span<const BuiltinInfo> builtins();
const BuiltinInfo* find_builtin(std::string_view name);

// Built-in value names usable in expressions besides variables: kinds and `Machine`.
inline constexpr std::string_view kMachineBuiltin = "Machine";

}  // namespace mage::lang
