// The Model Context Protocol server behind `mage mcp`: JSON-RPC 2.0 messages in, replies out, so that
// coding agents and desktop assistants can drive the mapping search through the tools of tools.hpp.
//
// The protocol core (Server) is pure: one message in, its reply (or none) out, so tests need no process.
// The transport (serve) is MCP's stdio transport: one JSON message per line on stdin, one per line on
// stdout, nothing else on stdout. Hostile input — a line that is not JSON, too long or too deeply nested,
// a request of the wrong shape — is answered with a JSON-RPC error and never stops the server.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "mcp/tools.hpp"

namespace mage::mcp {

inline constexpr std::string_view kServerName = "mage";
inline constexpr std::string_view kServerVersion = "0.1.0";
// The protocol revisions this server speaks, oldest first; a client asking for another gets the last.
inline constexpr std::string_view kProtocolVersions[] = {"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"};

// JSON-RPC 2.0 error codes.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;

inline constexpr std::size_t kMaxMessageBytes = std::size_t{16} << 20;
inline constexpr std::size_t kMaxNesting = 128;
// Messages read but not yet handled; the reader waits beyond this.
inline constexpr std::size_t kMaxQueuedMessages = 64;
// A line longer than this is never taken for a ping.
inline constexpr std::size_t kMaxPingBytes = 4096;

class Server {
 public:
  // The reply to one parsed message: a response object, an array for a batch, or null when nothing is to
  // be sent (a notification, or a response from the client).
  nlohmann::json handle(const nlohmann::json& message);
  // The reply to one line of the stdio transport, serialized; empty when nothing is to be sent.
  std::string handle_line(std::string_view line);

  // The revision agreed in `initialize`, empty before it.
  const std::string& protocol_version() const { return protocol_version_; }

 private:
  nlohmann::json handle_one(const nlohmann::json& message);
  nlohmann::json dispatch(const std::string& method, const nlohmann::json& params);

  Tools tools_;
  std::string protocol_version_;
};

// An error response; `id` null when the request's id could not be read.
nlohmann::json error_response(const nlohmann::json& id, int code, std::string message);
// JSON text that never throws: invalid UTF-8 in strings becomes U+FFFD. One line (no indentation).
std::string serialize(const nlohmann::json& j);

// Runs the stdio transport until `in` ends: reads a message per line, writes each reply as one line and
// flushes it. `ping` is answered as soon as it is read, even while another request is being handled (so
// its reply may come first); other messages are handled one at a time, in order. Returns 0 at the end of
// input (after every reply is written), 1 when `out` fails (the client went away).
int serve(std::istream& in, std::ostream& out, Server& server);
int serve(std::istream& in, std::ostream& out);

}  // namespace mage::mcp
