// A comma-separated command-line list (`--apps a,b`), for the benchmark programs; empty items dropped.
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace mage::bench {

inline std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace mage::bench
