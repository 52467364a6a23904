// The MCP server without a process: the JSON-RPC envelope (ids, errors, notifications, batches, hostile
// lines), the MCP lifecycle (initialize, ping, tools/list) and each tool through tools/call, as a client
// sees them.
#include "mcp/server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <set>
#include <sstream>
#include <string>

#include "apps/builtin.hpp"

namespace mage::mcp {
namespace {

using nlohmann::json;

constexpr const char* kValidProgram = "Task * GPU, CPU;\nRegion * * GPU FBMEM;\nRegion * * CPU SYSMEM;\n";
// The semicolon is missing at the end of line 2.
constexpr const char* kInvalidProgram = "Task * GPU;\nRegion * * GPU FBMEM\n";

json request(int id, const std::string& method, json params = nullptr) {
  json m = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) m["params"] = std::move(params);
  return m;
}

json call(Server& server, const std::string& tool, json arguments, int id = 7) {
  json reply = server.handle(request(id, "tools/call", {{"name", tool}, {"arguments", std::move(arguments)}}));
  EXPECT_EQ(reply["id"], id);
  EXPECT_TRUE(reply.contains("result")) << reply.dump();
  return reply.value("result", json::object());
}

std::string text_of(const json& result) {
  if (!result.contains("content") || result["content"].empty()) return {};
  EXPECT_EQ(result["content"][0]["type"], "text");
  return result["content"][0]["text"].get<std::string>();
}

int error_code(const json& reply) {
  EXPECT_TRUE(reply.contains("error")) << reply.dump();
  return reply.contains("error") ? reply["error"]["code"].get<int>() : 0;
}

// ---- lifecycle ------------------------------------------------------------------------------------------

TEST(McpServer, InitializeEchoesASupportedVersion) {
  Server server;
  json reply = server.handle(request(1, "initialize",
                                     {{"protocolVersion", "2025-06-18"},
                                      {"capabilities", json::object()},
                                      {"clientInfo", {{"name", "test"}, {"version", "1"}}}}));
  EXPECT_EQ(reply["jsonrpc"], "2.0");
  EXPECT_EQ(reply["id"], 1);
  const json& r = reply["result"];
  EXPECT_EQ(r["protocolVersion"], "2025-06-18");
  EXPECT_TRUE(r["capabilities"]["tools"].is_object());
  EXPECT_EQ(r["serverInfo"]["name"], "mage");
  EXPECT_TRUE(r["serverInfo"]["version"].is_string());
  EXPECT_TRUE(r["instructions"].is_string());
  EXPECT_EQ(server.protocol_version(), "2025-06-18");
}

TEST(McpServer, InitializeAnswersAnUnknownVersionWithItsLatest) {
  Server server;
  json reply = server.handle(request(1, "initialize", {{"protocolVersion", "1999-01-01"}}));
  EXPECT_EQ(reply["result"]["protocolVersion"], std::string(std::end(kProtocolVersions)[-1]));
  EXPECT_EQ(error_code(server.handle(request(2, "initialize", json::object()))), kInvalidParams);
}

TEST(McpServer, PingAnswersAnEmptyResult) {
  Server server;
  json reply = server.handle({{"jsonrpc", "2.0"}, {"id", "abc"}, {"method", "ping"}});
  EXPECT_EQ(reply["id"], "abc");
  EXPECT_EQ(reply["result"], json::object());
}

TEST(McpServer, NotificationsGetNoReply) {
  Server server;
  EXPECT_TRUE(server.handle({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}).is_null());
  EXPECT_TRUE(server.handle({{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", 3}}}})
                  .is_null());
  // Not even an unknown or malformed one is answered.
  EXPECT_TRUE(server.handle({{"jsonrpc", "2.0"}, {"method", "no/such"}}).is_null());
  EXPECT_TRUE(server.handle({{"jsonrpc", "1.0"}, {"method", "ping"}}).is_null());
  EXPECT_EQ(server.handle_line(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"), "");
  // A response from the client is not answered either.
  EXPECT_TRUE(server.handle({{"jsonrpc", "2.0"}, {"id", 5}, {"result", json::object()}}).is_null());
}

TEST(McpServer, ToolsListHasEveryToolWithASchema) {
  Server server;
  json reply = server.handle(request(2, "tools/list"));
  const json& tools = reply["result"]["tools"];
  ASSERT_TRUE(tools.is_array());
  std::set<std::string> names;
  for (const auto& t : tools) {
    names.insert(t["name"].get<std::string>());
    EXPECT_FALSE(t["description"].get<std::string>().empty()) << t["name"];
    EXPECT_EQ(t["inputSchema"]["type"], "object") << t["name"];
    EXPECT_TRUE(t["inputSchema"]["properties"].is_object()) << t["name"];
  }
  EXPECT_EQ(names, (std::set<std::string>{"list_apps", "describe_app", "language_reference", "check_mapper",
                                          "evaluate_mapper", "tuning_status", "best_mapper"}));
  EXPECT_EQ(tools.size(), 7u);
}

// ---- the JSON-RPC envelope ------------------------------------------------------------------------------

TEST(McpServer, MalformedRequestsGetJsonRpcErrors) {
  Server server;
  EXPECT_EQ(error_code(server.handle(json(42))), kInvalidRequest);
  EXPECT_EQ(error_code(server.handle({{"id", 1}, {"method", "ping"}})), kInvalidRequest);  // no jsonrpc
  EXPECT_EQ(error_code(server.handle({{"jsonrpc", "2.0"}, {"id", 1}, {"method", 5}})), kInvalidRequest);
  EXPECT_EQ(error_code(server.handle({{"jsonrpc", "2.0"}, {"id", {{"x", 1}}}, {"method", "ping"}})), kInvalidRequest);
  EXPECT_EQ(error_code(server.handle({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}, {"params", "x"}})),
            kInvalidRequest);
  EXPECT_EQ(error_code(server.handle(request(1, "tools/call", json::array({1, 2})))), kInvalidParams);
  EXPECT_EQ(error_code(server.handle(request(1, "resources/list"))), kMethodNotFound);
  EXPECT_EQ(error_code(server.handle(request(1, "tools/call", {{"arguments", json::object()}}))), kInvalidParams);
  EXPECT_EQ(error_code(server.handle(request(1, "tools/call", {{"name", "list_apps"}, {"arguments", "x"}}))),
            kInvalidParams);
  // The request's id comes back with its error when it could be read.
  json reply = server.handle(request(9, "no/such/method"));
  EXPECT_EQ(reply["id"], 9);
  EXPECT_TRUE(reply["error"]["message"].get<std::string>().find("no/such/method") != std::string::npos);
}

TEST(McpServer, UnknownToolIsAProtocolError) {
  // MCP reports a tool it does not have as a JSON-RPC error (-32602), not as a tool result.
  Server server;
  json reply = server.handle(request(3, "tools/call", {{"name", "no_such_tool"}, {"arguments", json::object()}}));
  EXPECT_EQ(error_code(reply), kInvalidParams);
  EXPECT_TRUE(reply["error"]["message"].get<std::string>().find("no_such_tool") != std::string::npos);
}

TEST(McpServer, BadLinesGetParseOrRequestErrors) {
  Server server;
  auto code_of = [&](const std::string& line) { return json::parse(server.handle_line(line))["error"]["code"]; };
  EXPECT_EQ(code_of("{not json"), kParseError);
  EXPECT_EQ(code_of("\x01\x02\xff"), kParseError);
  EXPECT_EQ(code_of(std::string(kMaxNesting + 1, '[') + std::string(kMaxNesting + 1, ']')), kInvalidRequest);
  EXPECT_EQ(code_of(std::string(kMaxMessageBytes + 1, ' ') + "{}"), kInvalidRequest);
  EXPECT_EQ(code_of("[]"), kInvalidRequest);
  EXPECT_EQ(server.handle_line("   \r"), "");
  // A string that looks nested is not.
  std::string deep_string =
      R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":")" + std::string(500, '[') + "\"}}";
  EXPECT_EQ(json::parse(server.handle_line(deep_string))["result"], json::object());
}

TEST(McpServer, BatchesAnswerTheirRequestsOnly) {
  Server server;
  json batch = json::array(
      {request(1, "ping"), {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, request(2, "no/such")});
  json replies = server.handle(batch);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0]["id"], 1);
  EXPECT_EQ(replies[1]["error"]["code"], kMethodNotFound);
  EXPECT_TRUE(server.handle(json::array({{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}})).is_null());
}

TEST(McpServer, ServeAnswersLineByLine) {
  std::istringstream in(
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-03-26\"}}\r\n"
      "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
      "\n"
      "garbage\n"
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");  // the last line has no newline
  std::ostringstream out;
  EXPECT_EQ(serve(in, out), 0);
  std::istringstream lines(out.str());
  std::vector<json> replies;
  for (std::string line; std::getline(lines, line);) replies.push_back(json::parse(line));
  ASSERT_EQ(replies.size(), 3u) << out.str();
  // `ping` is answered as soon as it is read, so its reply may come before the others; the rest keep
  // their order.
  std::vector<json> others;
  int pings = 0;
  for (const json& r : replies) {
    if (r["id"] == 2) {
      ++pings;
      EXPECT_EQ(r["result"], json::object());
    } else {
      others.push_back(r);
    }
  }
  EXPECT_EQ(pings, 1);
  ASSERT_EQ(others.size(), 2u);
  EXPECT_EQ(others[0]["result"]["protocolVersion"], "2025-03-26");
  EXPECT_EQ(others[1]["error"]["code"], kParseError);
}

// A request that takes long (here a large program to check) does not keep `ping` from being answered,
// and a 1 MiB program is checked within seconds.
TEST(McpServer, PingIsAnsweredWhileALargeRequestRuns) {
  std::string program;
  while (program.size() < (std::size_t{1} << 20) - 64) program += "Task t" + std::to_string(program.size()) + " GPU;\n";
  json big = request(1, "tools/call", {{"name", "check_mapper"}, {"arguments", {{"program", program}}}});
  std::string input = big.dump() + "\n";
  for (int i = 0; i < 5; ++i) input += request(100 + i, "ping").dump() + "\n";
  std::istringstream in(input);
  std::ostringstream out;
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(serve(in, out), 0);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10.0);
  std::istringstream lines(out.str());
  std::set<int> ids;
  for (std::string line; std::getline(lines, line);) ids.insert(json::parse(line)["id"].get<int>());
  EXPECT_EQ(ids, (std::set<int>{1, 100, 101, 102, 103, 104}));
}

TEST(McpServer, MangledLinesNeverBreakTheServer) {
  // Valid messages with bytes flipped, dropped and repeated: every line gets a JSON-RPC reply or none.
  auto tool = [](int id, const char* name, json arguments) {
    return request(id, "tools/call", {{"name", name}, {"arguments", std::move(arguments)}});
  };
  const std::vector<std::string> seeds = {
      request(1, "initialize", {{"protocolVersion", "2025-06-18"}}).dump(),
      json{{"jsonrpc", "2.0"}, {"id", "a"}, {"method", "tools/list"}}.dump(),
      json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}.dump(),
      tool(2, "check_mapper", {{"program", kValidProgram}, {"app", "stencil"}, {"machine", "p100x4"}}).dump(),
      tool(3, "tuning_status", {{"run_dir", "/no/such"}}).dump(),
      json::array({request(4, "ping"), tool(5, "list_apps", json::object())}).dump()};
  std::string alphabet = "{}[]\":,0123456789-.eE \\truefalsnl";
  alphabet += std::string{'\0', '\xff', '\n'};
  std::mt19937 rng(20261128);
  Server server;
  for (int i = 0; i < 3000; ++i) {
    std::string line = seeds[rng() % seeds.size()];
    for (int edits = 1 + static_cast<int>(rng() % 4); edits > 0 && !line.empty(); --edits) {
      std::size_t at = rng() % line.size();
      switch (rng() % 3) {
        case 0:
          line[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          line.erase(at, 1 + rng() % 8);
          break;
        default:
          line.insert(at, line.substr(at, 1 + rng() % 16));
          break;
      }
    }
    std::string reply;
    ASSERT_NO_THROW(reply = server.handle_line(line)) << line;
    if (reply.empty()) continue;
    ASSERT_EQ(reply.find('\n'), std::string::npos);
    json r = json::parse(reply, nullptr, false);
    ASSERT_FALSE(r.is_discarded()) << reply;
    for (const json& one : r.is_array() ? r : json::array({r})) {
      EXPECT_EQ(one["jsonrpc"], "2.0");
      EXPECT_TRUE(one.contains("result") != one.contains("error")) << reply;
    }
  }
}

// ---- tools ---------------------------------------------------------------------------------------------

TEST(McpTools, ListAppsNamesEveryBuiltinApplication) {
  Server server;
  json r = call(server, "list_apps", json::object());
  EXPECT_FALSE(r["isError"].get<bool>());
  for (const auto& a : apps::builtin_apps()) EXPECT_NE(text_of(r).find(a.name), std::string::npos) << a.name;
  EXPECT_EQ(r["structuredContent"]["apps"].size(), apps::builtin_apps().size());
}

TEST(McpTools, DescribeAppGivesTasksRegionsAndParameters) {
  Server server;
  json r = call(server, "describe_app", {{"app", "stencil"}, {"params", {{"steps", 3}}}});
  ASSERT_FALSE(r["isError"].get<bool>()) << text_of(r);
  std::string text = text_of(r);
  for (const char* name : {"stencil", "increment", "points", "private", "steps", "FBMEM"})
    EXPECT_NE(text.find(name), std::string::npos) << name;
  bool steps_set = false;
  for (const auto& p : r["structuredContent"]["parameters"]) steps_set |= p["name"] == "steps" && p["value"] == 3;
  EXPECT_TRUE(steps_set);

  json unknown = call(server, "describe_app", {{"app", "stencl"}});
  EXPECT_TRUE(unknown["isError"].get<bool>());
  EXPECT_NE(text_of(unknown).find("did you mean `stencil`"), std::string::npos) << text_of(unknown);
  EXPECT_TRUE(call(server, "describe_app", {{"app", "stencil"}, {"params", {{"nosuch", 1}}}})["isError"].get<bool>());
  EXPECT_TRUE(call(server, "describe_app", {{"app", "stencil"}, {"machine", "cray"}})["isError"].get<bool>());
}

TEST(McpTools, LanguageReferenceIsTheEmbeddedDocument) {
  Server server;
  json r = call(server, "language_reference", json::object());
  EXPECT_FALSE(r["isError"].get<bool>());
  EXPECT_NE(text_of(r).find("IndexTaskMap"), std::string::npos);
}

TEST(McpTools, CheckMapperAcceptsAValidProgram) {
  Server server;
  json r = call(server, "check_mapper", {{"program", kValidProgram}, {"app", "stencil"}, {"machine", "p100x4"}});
  ASSERT_FALSE(r["isError"].get<bool>()) << text_of(r);
  const json& s = r["structuredContent"];
  EXPECT_TRUE(s["ok"].get<bool>());
  EXPECT_EQ(s["errors"], 0);
  EXPECT_TRUE(s["diagnostics"].empty());
  EXPECT_TRUE(s["feedback"].contains("system"));
  EXPECT_NE(text_of(r).find("valid"), std::string::npos);
}

TEST(McpTools, CheckMapperLocatesAnError) {
  Server server;
  json r = call(server, "check_mapper", {{"program", kInvalidProgram}});
  ASSERT_FALSE(r["isError"].get<bool>()) << text_of(r);  // a wrong program is a result, not a failed call
  const json& s = r["structuredContent"];
  EXPECT_FALSE(s["ok"].get<bool>());
  ASSERT_EQ(s["diagnostics"].size(), 1u);
  const json& d = s["diagnostics"][0];
  EXPECT_EQ(d["line"], 2);
  EXPECT_EQ(d["column"], 21);
  EXPECT_EQ(d["code"], "syntax.missing-semicolon");
  EXPECT_FALSE(s["feedback"]["suggest"].get<std::string>().empty());
  std::string text = text_of(r);
  EXPECT_NE(text.find("mapper.mpl:2:21"), std::string::npos) << text;
  EXPECT_NE(text.find("Suggest:"), std::string::npos) << text;
}

TEST(McpTools, CheckMapperKnowsTheApplicationsNames) {
  Server server;
  // A rule for a region the application lacks never applies: a warning at the name.
  json r = call(server, "check_mapper", {{"program", "Region * no_such_region GPU FBMEM;\n"}, {"app", "stencil"}});
  const json& s = r["structuredContent"];
  EXPECT_EQ(s["warnings"], 1) << text_of(r);
  ASSERT_EQ(s["diagnostics"].size(), 1u);
  EXPECT_EQ(s["diagnostics"][0]["severity"], "warning");
  EXPECT_EQ(s["diagnostics"][0]["line"], 1);
  EXPECT_EQ(s["diagnostics"][0]["column"], 10);
  EXPECT_NE(s["feedback"]["explain"].get<std::string>().find("no_such_region"), std::string::npos);
  // Without the application the names are not known, so there is nothing to say.
  json plain = call(server, "check_mapper", {{"program", "Region * no_such_region GPU FBMEM;\n"}});
  EXPECT_EQ(plain["structuredContent"]["warnings"], 0);
}

TEST(McpTools, BadArgumentsAreToolErrors) {
  Server server;
  json missing = call(server, "check_mapper", json::object());
  EXPECT_TRUE(missing["isError"].get<bool>());
  EXPECT_NE(text_of(missing).find("`program` is required"), std::string::npos) << text_of(missing);
  json typed = call(server, "evaluate_mapper", {{"program", 5}, {"app", "stencil"}});
  EXPECT_TRUE(typed["isError"].get<bool>());
  EXPECT_NE(text_of(typed).find("`program` must be a string"), std::string::npos) << text_of(typed);
  json extra = call(server, "check_mapper", {{"program", ""}, {"mapper", ""}});
  EXPECT_TRUE(extra["isError"].get<bool>());
  EXPECT_NE(text_of(extra).find("unknown argument `mapper`"), std::string::npos) << text_of(extra);
  EXPECT_TRUE(
      call(server, "evaluate_mapper", {{"program", ""}, {"app", "stencil"}, {"nodes", 0}})["isError"].get<bool>());
  EXPECT_TRUE(
      call(server, "evaluate_mapper", {{"program", ""}, {"app", "stencil"}, {"params", {{"steps", "2"}}}})["isError"]
          .get<bool>());
  EXPECT_TRUE(
      call(server, "evaluate_mapper", {{"program", ""}, {"app", "stencil"}, {"params", {{"steps", 0}}}})["isError"]
          .get<bool>());
  EXPECT_TRUE(call(server, "best_mapper", json::object())["isError"].get<bool>());
  EXPECT_TRUE(call(server, "tuning_status", {{"run_dir", "/no/such/run"}})["isError"].get<bool>());
  // An integral float is an integer in JSON Schema.
  EXPECT_FALSE(call(server, "describe_app", {{"app", "stencil"}, {"nodes", 2.0}})["isError"].get<bool>());
}

TEST(McpTools, EvaluateMapperSimulatesAndExplains) {
  Server server;
  json args = {{"program", kValidProgram}, {"app", "stencil"}, {"params", {{"steps", 2}}}};
  json r = call(server, "evaluate_mapper", args);
  ASSERT_FALSE(r["isError"].get<bool>()) << text_of(r);
  const json& s = r["structuredContent"];
  EXPECT_TRUE(s["ok"].get<bool>()) << s.dump(2);
  EXPECT_TRUE(s["simulated"].get<bool>());
  EXPECT_GT(s["throughput"].get<double>(), 0);
  EXPECT_EQ(s["unit"], "Mpoints/s");
  EXPECT_GT(s["step_time_s"].get<double>(), 0);
  EXPECT_EQ(s["steps"], 2);
  EXPECT_EQ(s["machine"], "p100x4");
  for (const char* part : {"system", "explain", "suggest"})
    EXPECT_FALSE(s["feedback"][part].get<std::string>().empty()) << part;
  EXPECT_TRUE(s["expert"]["ok"].get<bool>());
  EXPECT_GT(s["expert"]["throughput"].get<double>(), 0);
  EXPECT_GT(s["expert"]["ratio"].get<double>(), 0);
  EXPECT_TRUE(s["session_best"].get<bool>());
  std::string text = text_of(r);
  for (const char* part : {"simulated", "System:", "Explain:", "Suggest:", "expert mapper"})
    EXPECT_NE(text.find(part), std::string::npos) << part << "\n" << text;

  // The expert mapper itself reaches exactly the expert's throughput.
  args["program"] = std::string(apps::expert_mapper(*apps::find_builtin("stencil")));
  json expert = call(server, "evaluate_mapper", args);
  EXPECT_DOUBLE_EQ(expert["structuredContent"]["expert"]["ratio"].get<double>(), 1.0);
}

TEST(McpTools, EvaluateMapperReportsAProgramThatDoesNotCompile) {
  Server server;
  json r =
      call(server, "evaluate_mapper", {{"program", kInvalidProgram}, {"app", "stencil"}, {"params", {{"steps", 2}}}});
  ASSERT_FALSE(r["isError"].get<bool>()) << text_of(r);
  const json& s = r["structuredContent"];
  EXPECT_FALSE(s["ok"].get<bool>());
  EXPECT_FALSE(s.contains("throughput"));
  EXPECT_EQ(s["diagnostics"][0]["line"], 2);
  EXPECT_FALSE(s["feedback"]["suggest"].get<std::string>().empty());
}

TEST(McpTools, BestMapperKeepsTheSessionBestElseTheExpert) {
  Server server;
  const std::string expert(apps::expert_mapper(*apps::find_builtin("stencil")));
  json before = call(server, "best_mapper", {{"app", "stencil"}});
  EXPECT_EQ(before["structuredContent"]["program"], expert);

  // Everything on the CPUs: far slower than the expert.
  json small = {{"steps", 2}};
  const std::string cpu_only = "Task * CPU;\n";
  json slow = call(server, "evaluate_mapper", {{"program", cpu_only}, {"app", "stencil"}, {"params", small}});
  ASSERT_TRUE(slow["structuredContent"]["ok"].get<bool>()) << text_of(slow);
  json fast = call(server, "evaluate_mapper", {{"program", expert}, {"app", "stencil"}, {"params", small}});
  ASSERT_TRUE(fast["structuredContent"]["ok"].get<bool>());
  ASSERT_GT(fast["structuredContent"]["throughput"].get<double>(),
            slow["structuredContent"]["throughput"].get<double>());
  EXPECT_TRUE(fast["structuredContent"]["session_best"].get<bool>());
  json again = call(server, "evaluate_mapper", {{"program", cpu_only}, {"app", "stencil"}, {"params", small}});
  EXPECT_FALSE(again["structuredContent"]["session_best"].get<bool>());

  json best = call(server, "best_mapper", {{"app", "stencil"}});
  EXPECT_EQ(best["structuredContent"]["program"], expert);
  EXPECT_EQ(best["structuredContent"]["origin"], "best evaluated in this session");
  EXPECT_DOUBLE_EQ(best["structuredContent"]["throughput"].get<double>(),
                   fast["structuredContent"]["throughput"].get<double>());
  // Another configuration has no session best yet.
  json other = call(server, "best_mapper", {{"app", "stencil"}, {"nodes", 2}});
  EXPECT_NE(other["structuredContent"]["origin"], "best evaluated in this session");
}

}  // namespace
}  // namespace mage::mcp
