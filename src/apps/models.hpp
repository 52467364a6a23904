// The models' entry points, one pair per application (or family); builtin.cpp lists them.
#pragma once

#include "apps/builtin.hpp"

namespace mage::apps {

#define MAGE_DECLARE_APP(name)                     \
  Parameters name##_defaults(const Scale& scale); \
  std::optional<model::AppModel> build_##name(const Parameters& p, lang::Diagnostics& diags);

MAGE_DECLARE_APP(circuit)
MAGE_DECLARE_APP(stencil)
MAGE_DECLARE_APP(pennant)
MAGE_DECLARE_APP(cannon)
MAGE_DECLARE_APP(summa)
MAGE_DECLARE_APP(pumma)
MAGE_DECLARE_APP(johnson)
MAGE_DECLARE_APP(solomonik)
MAGE_DECLARE_APP(cosma)

#undef MAGE_DECLARE_APP

// The expert mappers, embedded from src/apps/expert/*.mpl at build time (generated source).
std::string_view embedded_expert(std::string_view file);

}  // namespace mage::apps
