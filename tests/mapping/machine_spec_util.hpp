// A machine description from a `nodes=…,gpus=…` spec, for the mapping tests; a bad spec fails the test.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "lang/diagnostic.hpp"
#include "mapping/machine_desc.hpp"

namespace mage::mapping::test_util {

inline MachineDesc spec(const std::string& s) {
  lang::Diagnostics d;
  auto m = parse_machine_spec(s, d);
  EXPECT_TRUE(m) << lang::render_text(d, nullptr);
  return *m;
}

}  // namespace mage::mapping::test_util
