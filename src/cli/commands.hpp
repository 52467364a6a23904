// The subcommands. Each takes parsed options and returns the process exit code (see inputs.hpp).
#pragma once

#include <cstdint>
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

struct SimOptions {
  std::string file;  // the mapper program
  std::string app;   // application model file (TOML or JSON)
  std::string machine = "p100x4";
  std::int64_t nodes = 1;
  std::optional<std::string> trace;  // write a Chrome/Perfetto trace here
  std::string format = "text";
};
int run_sim(const SimOptions& o);

struct MachineShowOptions {
  std::string machine;
  std::int64_t nodes = 1;
  std::string format = "text";
};
int run_machine_show(const MachineShowOptions& o);

struct AppShowOptions {
  std::string file;
  std::string format = "text";
};
int run_app_show(const AppShowOptions& o);

}  // namespace mage::cli
