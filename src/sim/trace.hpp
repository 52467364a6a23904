// A Chrome / Perfetto trace of a simulation: one track per processor and per channel, tasks and copies
// as complete events (microseconds). Opens in ui.perfetto.dev and chrome://tracing.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "sim/simulate.hpp"

namespace mage::sim {

nlohmann::json trace_json(const SimResult& result);

}  // namespace mage::sim
