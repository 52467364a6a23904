// Run-time values of the mapping language (dsl.md §3).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "lang/ast.hpp"
#include "mapping/machine_space.hpp"

namespace mage::mapping {

// The task a mapping function is asked about. A parent is known when the launch has one; its
// processor is known (the runtime already placed it), so `task.parent.processor(m)` works.
struct TaskContext {
  std::string name;
  Coords ipoint;   // empty for a single launch
  Extents ispace;  // empty for a single launch
  const TaskContext* parent = nullptr;
  std::optional<ProcessorId> processor;
};

struct Tuple {
  std::vector<std::int64_t> items;
  friend bool operator==(const Tuple&, const Tuple&) = default;
};

// A point of a machine space; a component of -1 is a `*` (every processor along that dimension).
struct ProcPoint {
  MachineSpace space;
  Coords coords;
  bool is_set() const;
  friend bool operator==(const ProcPoint&, const ProcPoint&) = default;
};

struct TaskRef {
  const TaskContext* task;
  friend bool operator==(const TaskRef&, const TaskRef&) = default;
};

struct FunctionRef {
  const lang::Stmt* def;
  friend bool operator==(const FunctionRef&, const FunctionRef&) = default;
};

using Value = std::variant<std::int64_t, bool, Tuple, ProcKind, MemKind, MachineSpace, ProcPoint, TaskRef,
                           FunctionRef>;

// "int", "tuple", "machine space", ... for messages.
const char* type_name(const Value& v);
// A short rendering of a value for messages: `(1, 4)`, `GPU`, `machine space (2, 4) of GPU`.
std::string show(const Value& v);
std::string show_tuple(const std::vector<std::int64_t>& t);

}  // namespace mage::mapping
