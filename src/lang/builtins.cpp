#include "lang/builtins.hpp"

#include <array>

namespace mage::lang {

namespace {
constexpr std::array<BuiltinInfo, 17> kBuiltins = {{
    {Builtin::Size, "size", false, 0, "a machine space or tuple", "m.size"},
    {Builtin::Volume, "volume", false, 0, "a machine space or tuple", "m.volume"},
    {Builtin::Len, "len", false, 0, "a machine space or tuple", "t.len"},
    {Builtin::IPoint, "ipoint", false, 0, "a task", "task.ipoint"},
    {Builtin::ISpace, "ispace", false, 0, "a task", "task.ispace"},
    {Builtin::Parent, "parent", false, 0, "a task", "task.parent"},
    {Builtin::Split, "split", true, 2, "a machine space", "m.split(dim, factor)"},
    {Builtin::Merge, "merge", true, 2, "a machine space", "m.merge(dim1, dim2)"},
    {Builtin::Swap, "swap", true, 2, "a machine space", "m.swap(dim1, dim2)"},
    {Builtin::Slice, "slice", true, 3, "a machine space", "m.slice(dim, low, high)"},
    {Builtin::Reverse, "reverse", true, 1, "a machine space", "m.reverse(dim)"},
    {Builtin::BalanceSplit, "balance_split", true, 2, "a machine space", "m.balance_split(dim, parts)"},
    {Builtin::AutoSplit, "auto_split", true, 2, "a machine space", "m.auto_split(dim, iteration_extents)"},
    {Builtin::GreedySplit, "greedy_split", true, 2, "a machine space", "m.greedy_split(dim, iteration_extents)"},
    {Builtin::Decompose, "decompose", true, 2, "a machine space", "m.decompose(dim, iteration_extents)"},
    {Builtin::Processor, "processor", true, 1, "a task", "task.processor(m)"},
    {Builtin::Has, "has", true, 1, "a machine space or a processor", "m[i].has(MEM)"},
}};
}  // namespace

std::span<const BuiltinInfo> builtins() { return kBuiltins; }

const BuiltinInfo* find_builtin(std::string_view name) {
  for (const auto& b : kBuiltins)
    if (b.name == name) return &b;
  return nullptr;
}

}  // namespace mage::lang
