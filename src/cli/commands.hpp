// The subcommands. Each takes parsed options and returns the process exit code (see inputs.hpp).
#pragma once

#include <optional>
#include <string>

namespace mage::cli {

struct CheckOptions {
  std::string file;
  std::optional<std::string> machine;
  std::optional<std::string> app;
  std::string format = "text";
};
int run_check(const CheckOptions& o);

struct FmtOptions {
  std::string file;
  bool check = false;
  bool write = false;
};
int run_fmt(const FmtOptions& o);

struct MapOptions {
  std::string file;
  std::string machine;
  std::string task;
  std::optional<std::string> domain;  // absent: a single launch
  std::optional<std::string> parent_proc;
  std::optional<std::string> parent_kind;
  std::optional<std::string> app;
  std::string format = "text";
};
int run_map(const MapOptions& o);

}  // namespace mage::cli
