// The historical (2022) forms through the MCP tools: `check_mapper` warns with the `legacy.*` code, and
// `evaluate_mapper` simulates such a program exactly as its `mage fmt --upgrade` rewrite.
#include <gtest/gtest.h>

#include "lang/parser.hpp"
#include "lang/upgrade.hpp"
#include "mcp/server.hpp"

namespace mage::mcp {
namespace {

using nlohmann::json;

constexpr const char* kLegacy =
    "Task * GPU, CPU;\n"
    "flat = Machine(GPU).merge(0, 1);\n"
    "def lin(IPoint p, ISpace s, MSpace m) {\n"
    "    return s.len == 1 ? p[0] * m.size[0] / s[0] : (p[0] * s[1] + p[1]) * m.size[0] / s.volume;\n"
    "}\n"
    "IndexTaskMap GPU flat lin;\n";

json call(Server& server, const std::string& tool, json arguments) {
  json m = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/call"},
            {"params", {{"name", tool}, {"arguments", std::move(arguments)}}}};
  json reply = server.handle(m);
  EXPECT_TRUE(reply.contains("result")) << reply.dump();
  return reply.value("result", json::object());
}

TEST(McpLegacy, CheckWarnsAndEvaluateMatchesTheUpgrade) {
  Server server;
  json c = call(server, "check_mapper", {{"program", kLegacy}, {"app", "stencil"}, {"machine", "p100x4"}});
  const json& s = c["structuredContent"];
  EXPECT_TRUE(s["ok"].get<bool>()) << s.dump(2);
  bool warned = false;
  for (const auto& d : s["diagnostics"]) warned = warned || d["code"] == "legacy.index-task-map-space";
  EXPECT_TRUE(warned) << s.dump(2);

  lang::SourceFile src("mapper.mpl", kLegacy);
  lang::Diagnostics d;
  lang::Program program = lang::parse(src, d);
  std::string upgraded = lang::upgrade_program(program, src).text;
  json args = {{"program", kLegacy}, {"app", "stencil"}, {"params", {{"steps", 2}}}};
  json old_result = call(server, "evaluate_mapper", args);
  args["program"] = upgraded;
  json new_result = call(server, "evaluate_mapper", args);
  ASSERT_TRUE(old_result["structuredContent"]["ok"].get<bool>()) << old_result.dump(2);
  ASSERT_TRUE(new_result["structuredContent"]["ok"].get<bool>()) << new_result.dump(2);
  EXPECT_EQ(old_result["structuredContent"]["throughput"], new_result["structuredContent"]["throughput"]);
}

}  // namespace
}  // namespace mage::mcp
