// The tools the MCP server offers, so that an agent can run the mapping search itself: learn the
// applications and the language, check and evaluate mapper programs with the same three-part feedback
// the built-in optimizers get, and read tuning runs.
//
// Each tool has a JSON Schema for its arguments; calls are checked against it before they run, and every
// problem (a bad argument, an unknown application, a run directory that is not there) comes back as a
// tool error with a sentence the caller can act on, never as an exception. A mapper program that does not
// compile or fails in the simulator is not a tool error: its diagnostics and feedback are the result.
//
// A Tools object is one session's state: the expert mapper's throughput per configuration (so comparing
// against it costs one simulation per configuration) and the best mapper evaluated per configuration.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mage::mcp {

// What tools/call answers: text for the model to read, the same facts as JSON, and whether it failed.
struct ToolResult {
  std::string text;
  nlohmann::json structured;  // null: none
  bool error = false;

  static ToolResult failure(std::string text) { return {std::move(text), nullptr, true}; }
  // {"content": [{"type": "text", "text": ...}], "structuredContent": ..., "isError": ...}
  nlohmann::json to_json() const;
};

struct ToolInfo {
  std::string name;
  std::string title;
  std::string description;
  nlohmann::json input_schema;
  // {"name", "title", "description", "inputSchema", "annotations"} as tools/list lists it.
  nlohmann::json to_json() const;
};

// Limits on what a call may ask for.
inline constexpr std::size_t kMaxProgramBytes = std::size_t{1} << 20;
// Simulation time and memory grow with the machine: 64 nodes of dgx-h100 take seconds per call.
inline constexpr std::int64_t kMaxNodes = 64;

class Tools {
 public:
  Tools();

  const std::vector<ToolInfo>& list() const { return tools_; }
  const ToolInfo* find(std::string_view name) const;
  // Runs tool `name` (which must exist) on `arguments` (an object, or null for none).
  ToolResult call(std::string_view name, const nlohmann::json& arguments);

 private:
  // A simulated result kept for the session.
  struct Scored {
    std::string program;  // empty for the expert cache
    bool ok = false;
    double throughput = 0;
    std::string unit;
    nlohmann::json config;  // {"app", "machine", "nodes", "params"}
  };

  ToolResult list_apps(const nlohmann::json& args);
  ToolResult describe_app(const nlohmann::json& args);
  ToolResult language_reference(const nlohmann::json& args);
  ToolResult check_mapper(const nlohmann::json& args);
  ToolResult evaluate_mapper(const nlohmann::json& args);
  ToolResult tuning_status(const nlohmann::json& args);
  ToolResult best_mapper(const nlohmann::json& args);

  std::vector<ToolInfo> tools_;
  std::map<std::string, Scored> expert_;       // by configuration key
  std::map<std::string, Scored> best_;         // by configuration key
  std::map<std::string, std::string> latest_;  // application -> key of its last evaluated configuration
};

// Why `arguments` do not satisfy `schema`, or empty when they do. Covers what the tools' schemas use:
// an object with typed properties (string, integer, boolean, object), `required`, `additionalProperties`
// (false, or a schema for the values), `minimum`, `maximum`, `maxLength` and `enum`.
std::string schema_problem(const nlohmann::json& schema, const nlohmann::json& arguments);

}  // namespace mage::mcp
