// Deliberate failures, for the tests of how mage reports its own crashes. A hook fires only when the
// environment variable MAGE_TEST_CRASH names it exactly, so no program, input or ordinary setting can
// trip one; docs/simulator.md lists them.
#pragma once

#include <cstdlib>
#include <string_view>

namespace mage::util {

// "simulation-process": the SimGrid child of a simulation aborts before it runs.
// "evaluation-process": a search's evaluation child aborts before it compiles the candidate.
inline bool test_crash_requested(std::string_view hook) {
  const char* wanted = std::getenv("MAGE_TEST_CRASH");
  return wanted != nullptr && hook == wanted;
}

}  // namespace mage::util
