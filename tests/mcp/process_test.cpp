// `mage mcp` as an MCP client runs it: a child process on two pipes, one request written at a time and its
// reply read before the next, so a server that held replies back until the end of input would fail here.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace mage::mcp {
namespace {

using nlohmann::json;

class Child {
 public:
  // Starts `MAGE_BINARY mcp` with stdin and stdout on pipes; stderr is left to the test's.
  bool start() {
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) return false;
    pid_ = ::fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      ::dup2(in[0], STDIN_FILENO);
      ::dup2(out[1], STDOUT_FILENO);
      ::close(in[0]);
      ::close(in[1]);
      ::close(out[0]);
      ::close(out[1]);
      ::execl(MAGE_BINARY, MAGE_BINARY, "mcp", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    to_ = in[1];
    from_ = out[0];
    return true;
  }

  ~Child() {
    close_input();
    if (from_ >= 0) ::close(from_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  bool send(const json& message) {
    std::string line = message.dump() + "\n";
    return ::write(to_, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  }

  // The next line the server writes, or nullopt at end of output or after `timeout`.
  std::optional<std::string> read_line(std::chrono::seconds timeout = std::chrono::seconds(60)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{from_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char chunk[4096];
      ssize_t n = ::read(from_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  json request(const json& message) {
    if (!send(message)) return json();
    auto line = read_line();
    if (!line) return json();
    return json::parse(*line, nullptr, false);
  }

  void close_input() {
    if (to_ >= 0) ::close(to_);
    to_ = -1;
  }

  // The exit status after the input is closed and the output drained.
  int wait() {
    close_input();
    while (read_line(std::chrono::seconds(30))) {
    }
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  std::string buffer_;
};

TEST(McpProcess, RoundTrip) {
  ::signal(SIGPIPE, SIG_IGN);  // a child that exits early must fail the test, not kill it
  Child child;
  ASSERT_TRUE(child.start());

  json init = child.request({{"jsonrpc", "2.0"},
                             {"id", 1},
                             {"method", "initialize"},
                             {"params",
                              {{"protocolVersion", "2025-06-18"},
                               {"capabilities", json::object()},
                               {"clientInfo", {{"name", "mage-test"}, {"version", "1"}}}}}});
  ASSERT_TRUE(init.is_object()) << "no reply to initialize: is `mage mcp` a command of " << MAGE_BINARY << "?";
  EXPECT_EQ(init["id"], 1);
  EXPECT_EQ(init["result"]["protocolVersion"], "2025-06-18");
  EXPECT_EQ(init["result"]["serverInfo"]["name"], "mage");

  ASSERT_TRUE(child.send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}));

  // The notification has no reply: the next line answers tools/list.
  json list = child.request({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/list"}});
  EXPECT_EQ(list["id"], 2);
  ASSERT_TRUE(list["result"]["tools"].is_array()) << list.dump();
  EXPECT_EQ(list["result"]["tools"].size(), 7u);

  json valid =
      child.request({{"jsonrpc", "2.0"},
                     {"id", 3},
                     {"method", "tools/call"},
                     {"params",
                      {{"name", "check_mapper"},
                       {"arguments", {{"program", "Task * GPU;\nRegion * * GPU FBMEM;\n"}, {"app", "stencil"}}}}}});
  EXPECT_EQ(valid["id"], 3);
  EXPECT_FALSE(valid["result"]["isError"].get<bool>()) << valid.dump();
  EXPECT_TRUE(valid["result"]["structuredContent"]["ok"].get<bool>()) << valid.dump();

  json invalid = child.request(
      {{"jsonrpc", "2.0"},
       {"id", 4},
       {"method", "tools/call"},
       {"params", {{"name", "check_mapper"}, {"arguments", {{"program", "Task * GPU;\nRegion * * GPU FBMEM\n"}}}}}});
  EXPECT_EQ(invalid["id"], 4);
  const json& s = invalid["result"]["structuredContent"];
  EXPECT_FALSE(s["ok"].get<bool>()) << invalid.dump();
  EXPECT_EQ(s["diagnostics"][0]["line"], 2);
  EXPECT_EQ(s["diagnostics"][0]["column"], 21);
  EXPECT_NE(invalid["result"]["content"][0]["text"].get<std::string>().find("Suggest:"), std::string::npos);

  // A broken line is answered and the session goes on.
  ASSERT_TRUE(child.send(json("x")));  // a JSON string, not a request object
  auto bad = child.read_line();
  ASSERT_TRUE(bad);
  EXPECT_EQ(json::parse(*bad)["error"]["code"], -32600);
  EXPECT_EQ(child.request({{"jsonrpc", "2.0"}, {"id", 5}, {"method", "ping"}})["id"], 5);

  EXPECT_EQ(child.wait(), 0);  // end of input ends the server cleanly
}

}  // namespace
}  // namespace mage::mcp
