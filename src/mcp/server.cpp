// JSON-RPC 2.0 and the MCP lifecycle around the tools: request validation with the standard error codes,
// version negotiation, tools/list and tools/call, and the newline-delimited stdio transport.
#include "mcp/server.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <istream>
#include <mutex>
#include <ostream>
#include <thread>

namespace mage::mcp {

using nlohmann::json;

namespace {

constexpr std::string_view kInstructions =
    "mage finds fast mappings (which processor runs each task, which memory holds each region) for task-based "
    "parallel applications. Workflow: list_apps, describe_app and language_reference; write a complete mapper "
    "program; check_mapper until it is valid; evaluate_mapper to get its simulated throughput and the System / "
    "Explain / Suggest feedback; revise the program following the feedback and evaluate again, aiming to beat the "
    "expert mapper's throughput; best_mapper returns the best program so far.";

bool is_notification(const json& m) { return m.is_object() && !m.contains("id"); }

// Deeper than kMaxNesting brackets (outside strings) is refused before parsing.
bool too_deep(std::string_view text) {
  std::size_t depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxNesting) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

json success(const json& id, json result) { return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}}; }

// Thrown by a method for a JSON-RPC error reply.
struct RpcError {
  int code;
  std::string message;
};

}  // namespace

json error_response(const json& id, int code, std::string message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", std::move(message)}}}};
}

std::string serialize(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json Server::handle(const json& message) {
  if (!message.is_array()) return handle_one(message);
  // A JSON-RPC batch (MCP 2025-03-26 allows them): the replies of its requests, none for notifications.
  if (message.empty()) return error_response(nullptr, kInvalidRequest, "Invalid Request: empty batch");
  json replies = json::array();
  for (const auto& m : message)
    if (json r = handle_one(m); !r.is_null()) replies.push_back(std::move(r));
  return replies.empty() ? json() : replies;
}

json Server::handle_one(const json& m) {
  if (!m.is_object()) return error_response(nullptr, kInvalidRequest, "Invalid Request: a message is a JSON object");
  // A reply from the client to a request of ours: this server sends none, so there is nothing to do.
  if (!m.contains("method") && (m.contains("result") || m.contains("error"))) return nullptr;

  json id = nullptr;
  bool notification = is_notification(m);
  if (!notification) {
    const json& raw = m["id"];
    if (!raw.is_string() && !raw.is_number_integer())
      return error_response(nullptr, kInvalidRequest, "Invalid Request: `id` must be a string or an integer");
    id = raw;
  }
  auto fail = [&](int code, std::string message) {
    return notification ? json() : error_response(id, code, std::move(message));
  };
  if (m.value("jsonrpc", json()) != "2.0") return fail(kInvalidRequest, "Invalid Request: `jsonrpc` must be \"2.0\"");
  auto method = m.find("method");
  if (method == m.end() || !method->is_string())
    return fail(kInvalidRequest, "Invalid Request: `method` must be a string");
  json params = m.value("params", json());
  if (!params.is_null() && !params.is_object() && !params.is_array())
    return fail(kInvalidRequest, "Invalid Request: `params` must be an object or an array");

  const std::string& name = method->get_ref<const std::string&>();
  if (notification) {
    // notifications/initialized, notifications/cancelled, ...: nothing to answer, nothing to undo (every
    // request is answered before the next is read).
    return nullptr;
  }
  try {
    return success(id, dispatch(name, params));
  } catch (const RpcError& e) {
    return error_response(id, e.code, e.message);
  } catch (const std::exception& e) {
    return error_response(id, kInternalError, fmt::format("Internal error: {}", e.what()));
  }
}

json Server::dispatch(const std::string& method, const json& params) {
  if (!params.is_null() && !params.is_object())
    throw RpcError{kInvalidParams, fmt::format("Invalid params: `{}` takes an object", method)};
  const json p = params.is_null() ? json::object() : params;

  if (method == "initialize") {
    auto requested = p.find("protocolVersion");
    if (requested == p.end() || !requested->is_string())
      throw RpcError{kInvalidParams, "Invalid params: `initialize` needs `protocolVersion` (a string)"};
    protocol_version_ = std::string(kProtocolVersions[std::size(kProtocolVersions) - 1]);
    for (std::string_view v : kProtocolVersions)
      if (v == requested->get_ref<const std::string&>()) protocol_version_ = std::string(v);
    return {{"protocolVersion", protocol_version_},
            {"capabilities", {{"tools", {{"listChanged", false}}}}},
            {"serverInfo", {{"name", kServerName}, {"title", "mage mapping optimizer"}, {"version", kServerVersion}}},
            {"instructions", kInstructions}};
  }
  if (method == "ping") return json::object();
  if (method == "tools/list") {
    json list = json::array();
    for (const auto& t : tools_.list()) list.push_back(t.to_json());
    return {{"tools", std::move(list)}};
  }
  if (method == "tools/call") {
    auto name = p.find("name");
    if (name == p.end() || !name->is_string())
      throw RpcError{kInvalidParams, "Invalid params: `tools/call` needs `name` (a string)"};
    // Unknown tools are protocol errors in MCP; bad arguments are tool errors the model can correct.
    if (!tools_.find(name->get_ref<const std::string&>()))
      throw RpcError{kInvalidParams, fmt::format("Unknown tool: {}", name->get_ref<const std::string&>())};
    json arguments = p.value("arguments", json());
    if (!arguments.is_null() && !arguments.is_object())
      throw RpcError{kInvalidParams, "Invalid params: `arguments` must be an object"};
    return tools_.call(name->get_ref<const std::string&>(), arguments).to_json();
  }
  throw RpcError{kMethodNotFound, fmt::format("Method not found: {}", method)};
}

std::string Server::handle_line(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return {};
  if (line.size() > kMaxMessageBytes)
    return serialize(error_response(nullptr, kInvalidRequest,
                                    fmt::format("Invalid Request: message longer than {} bytes", kMaxMessageBytes)));
  if (too_deep(line))
    return serialize(error_response(nullptr, kInvalidRequest,
                                    fmt::format("Invalid Request: nested deeper than {} levels", kMaxNesting)));
  json message = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) return serialize(error_response(nullptr, kParseError, "Parse error: invalid JSON"));
  json reply = handle(message);
  return reply.is_null() ? std::string() : serialize(reply);
}

namespace {

// A ping, recognised without touching the server's state: `{"jsonrpc":"2.0","id":..,"method":"ping"}`.
bool is_ping(std::string_view line) {
  if (line.size() > kMaxPingBytes || line.find("\"ping\"") == std::string_view::npos) return false;
  json m = json::parse(line, nullptr, /*allow_exceptions=*/false);
  return m.is_object() && m.value("method", json()) == "ping" && m.contains("id");
}

}  // namespace

int serve(std::istream& in, std::ostream& out, Server& server) {
  // The reader answers pings at once; a worker handles every other message in order. A long request
  // (a large program to check, a simulation) thus never stops the server from answering `ping`.
  std::mutex out_mutex;
  bool out_failed = false;
  auto send = [&](const std::string& reply) {
    if (reply.empty()) return;
    std::lock_guard lock(out_mutex);
    out << reply << '\n';
    out.flush();
    if (!out) out_failed = true;
  };
  std::mutex queue_mutex;
  std::condition_variable queue_changed;
  std::deque<std::string> queue;
  bool ended = false;
  std::thread worker([&] {
    for (;;) {
      std::string line;
      {
        std::unique_lock lock(queue_mutex);
        queue_changed.wait(lock, [&] { return ended || !queue.empty(); });
        if (queue.empty()) return;
        line = std::move(queue.front());
        queue.pop_front();
      }
      send(server.handle_line(line));
      queue_changed.notify_all();
    }
  });

  std::streambuf* buf = in.rdbuf();
  std::string line;
  bool more = buf != nullptr;
  while (more) {
    {
      std::lock_guard lock(out_mutex);
      if (out_failed) break;
    }
    // One line, keeping at most kMaxMessageBytes + 1 bytes of it: a longer one is refused whole.
    line.clear();
    bool any = false;
    for (;;) {
      int c = buf->sbumpc();
      if (c == std::char_traits<char>::eof()) {
        more = false;
        break;
      }
      any = true;
      if (c == '\n') break;
      if (line.size() <= kMaxMessageBytes) line.push_back(static_cast<char>(c));
    }
    if (!any) break;
    if (is_ping(line)) {
      send(server.handle_line(line));  // ping reads no state the worker changes
      continue;
    }
    std::unique_lock lock(queue_mutex);
    // A client that sends faster than the worker answers waits here rather than filling memory.
    queue_changed.wait(lock, [&] { return queue.size() < kMaxQueuedMessages; });
    queue.push_back(std::move(line));
    lock.unlock();
    queue_changed.notify_all();
  }
  {
    std::lock_guard lock(queue_mutex);
    ended = true;
  }
  queue_changed.notify_all();
  worker.join();
  std::lock_guard lock(out_mutex);
  return out_failed ? 1 : 0;
}

int serve(std::istream& in, std::ostream& out) {
  Server server;
  return serve(in, out, server);
}

}  // namespace mage::mcp
