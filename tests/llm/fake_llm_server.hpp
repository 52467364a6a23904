// An in-process HTTP server that speaks the OpenAI Chat Completions and Anthropic Messages protocols with
// scripted answers, so the LLM client is tested over real HTTP on 127.0.0.1 without any outside endpoint.
// Each POST takes the next scripted answer (status, body, headers, an optional delay); the requests it got
// are kept for inspection.
#pragma once

#include <httplib.h>

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>
#include <nlohmann/json.hpp>

namespace mage::llm::test {

using mage::testing::TempDir;

struct Scripted {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int delay_ms = 0;
};

struct Received {
  std::string path;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

// A successful OpenAI answer with `text` as the message content.
inline std::string openai_reply(const std::string& text, int prompt_tokens = 100, int completion_tokens = 20,
                                const std::string& finish = "stop") {
  return nlohmann::json{
      {"id", "chatcmpl-1"},
      {"object", "chat.completion"},
      {"model", "test-model"},
      {"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", text}}}, {"finish_reason", finish}}}},
      {"usage",
       {{"prompt_tokens", prompt_tokens},
        {"completion_tokens", completion_tokens},
        {"total_tokens", prompt_tokens + completion_tokens}}}}
      .dump();
}

// A successful Anthropic answer with `text` in one text block.
inline std::string anthropic_reply(const std::string& text, int input_tokens = 100, int output_tokens = 20,
                                   const std::string& stop = "end_turn") {
  return nlohmann::json{{"id", "msg_1"},
                        {"type", "message"},
                        {"role", "assistant"},
                        {"model", "claude-test"},
                        {"content", {{{"type", "text"}, {"text", text}}}},
                        {"stop_reason", stop},
                        {"usage", {{"input_tokens", input_tokens}, {"output_tokens", output_tokens}}}}
      .dump();
}

class FakeLlmServer {
 public:
  FakeLlmServer() {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      Scripted s;
      {
        std::lock_guard lock(mutex_);
        Received r{req.path, {}, req.body};
        for (const auto& [name, value] : req.headers) {
          std::string n = name;
          for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          r.headers[n] = value;
        }
        received_.push_back(std::move(r));
        if (script_.empty()) {
          s.status = 500;
          s.body = R"({"error": {"message": "the test script ran out of answers"}})";
        } else {
          s = script_.front();
          script_.pop_front();
        }
      }
      if (s.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(s.delay_ms));
      res.status = s.status;
      for (const auto& [name, value] : s.headers) res.set_header(name, value);
      res.set_content(s.body, "application/json");
    };
    server_.Post("/v1/chat/completions", handler);
    server_.Post("/v1/messages", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // The socket listens from bind on (connections queue), so this wait is only for tidiness.
    for (int i = 0; port_ > 0 && i < 2000 && !server_.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeLlmServer() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  void push(Scripted s) {
    std::lock_guard lock(mutex_);
    script_.push_back(std::move(s));
  }
  void push(int status, std::string body) { push(Scripted{status, std::move(body), {}, 0}); }

  std::vector<Received> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  int port() const { return port_; }
  std::string openai_base() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::string anthropic_base() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::deque<Scripted> script_;
  std::vector<Received> received_;
};


}  // namespace mage::llm::test
