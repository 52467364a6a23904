// What the runtime knows about one field of one region while the program is replayed: for each stretch
// of elements, the last writer, the readers since, the memories that hold the current data and the
// reductions not yet applied. Stretches split where pieces begin and end.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "model/interval_set.hpp"
#include "model/machine_model.hpp"

namespace mage::sim {

struct DataState {
  int last_writer = -1;               // task index, -1 before any write
  std::vector<int> readers;           // since the last write
  std::vector<model::MemId> valid;    // memories with the current data; empty: not written yet, so
                                      // every instance starts with its initial values and nothing moves
  std::vector<std::pair<model::MemId, int>> reductions;  // pending: (buffer memory, reducing task)
};

class FieldState {
 public:
  explicit FieldState(std::int64_t elements);
  // Calls f(lo, hi, state) for every stretch inside `set`, in element order, splitting stretches at the
  // set's boundaries first.
  void for_each(const model::IntervalSet& set, const std::function<void(std::int64_t, std::int64_t, DataState&)>& f);
  std::size_t stretches() const { return stretches_.size(); }

 private:
  struct Stretch {
    std::int64_t hi;
    DataState state;
  };
  void split_at(std::int64_t x);
  std::map<std::int64_t, Stretch> stretches_;  // keyed by lo
};

}  // namespace mage::sim
