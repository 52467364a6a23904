// The two wire protocols an LLM is reached by — OpenAI-compatible Chat Completions (OpenAI, vLLM, llama.cpp
// server, Ollama, LM Studio, OpenRouter ...) and Anthropic Messages — as pure functions from a request to
// the HTTP body and headers, and from a status and body back to a reply or a diagnostic. No I/O here, so
// every protocol detail (error classification included) is testable without a server.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "lang/expected.hpp"

namespace mage::llm {

enum class Provider { OpenAI, Anthropic };
const char* to_string(Provider p);

// How to reach a model. Every field but `model` has a usable default.
struct Config {
  Provider provider = Provider::OpenAI;
  std::string model;
  std::string base_url;  // empty: https://api.openai.com/v1 or https://api.anthropic.com
  std::string key_env;   // empty: OPENAI_API_KEY or ANTHROPIC_API_KEY
  double temperature = 0.7;
  int max_tokens = 4096;
  double timeout_s = 300;        // one HTTP request, connection included
  int max_retries = 4;           // after the first try, on 429 and 5xx
  double initial_backoff_s = 2;  // doubled after each retry, unless the server says Retry-After
  double max_backoff_s = 60;     // cap on any single wait, Retry-After included
};

// "openai:MODEL" or "anthropic:MODEL" (the model name may itself hold colons, e.g. "openai:qwen2.5:7b").
// A Usage error `llm.bad-provider` otherwise.
lang::Expected<Config> parse_provider(std::string_view spec);

std::string default_base_url(Provider p);
std::string default_key_env(Provider p);
std::string base_url(const Config& c);  // the configured one without a trailing '/', or the default
std::string key_env(const Config& c);
// POST target: {base}/chat/completions or {base}/v1/messages.
std::string endpoint_url(const Config& c);

// One conversation turn. `role` is "user" or "assistant"; the system prompt is separate (Anthropic keeps
// it apart; the OpenAI form sends it as the first message).
struct Message {
  std::string role;
  std::string content;
  friend bool operator==(const Message&, const Message&) = default;
};

struct Request {
  std::string system;
  std::vector<Message> messages;
  std::optional<double> temperature;  // none: the Config's
  std::optional<int> max_tokens;      // none: the Config's
  friend bool operator==(const Request&, const Request&) = default;
};
// The provider-independent form, as recorded; from_json gives nullopt for a malformed object.
nlohmann::json to_json(const Request& r);
std::optional<Request> request_from_json(const nlohmann::json& j);

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  Usage& operator+=(const Usage& o) {
    prompt_tokens += o.prompt_tokens;
    completion_tokens += o.completion_tokens;
    return *this;
  }
  friend bool operator==(const Usage&, const Usage&) = default;
};

struct Reply {
  std::string text;           // the answer's text (text blocks joined)
  std::string finish_reason;  // "stop", "end_turn", ... as the server said it
  std::string model;          // the model that answered, if the server said
  Usage usage;
  friend bool operator==(const Reply&, const Reply&) = default;
};
nlohmann::json to_json(const Reply& r);
std::optional<Reply> reply_from_json(const nlohmann::json& j);

// The JSON body of the HTTP request.
nlohmann::json request_body(const Config& c, const Request& r);
// The HTTP headers; the key header is left out when `key` is empty (local servers need none).
std::vector<std::pair<std::string, std::string>> request_headers(const Config& c, const std::string& key);
// Whether a header carries the key, so recordings replace its value.
bool is_secret_header(std::string_view name);

// The outcome of one HTTP answer. Errors (category Usage): llm.bad-key (401, 403), llm.unknown-model (404,
// or an error body about the model), llm.rate-limited (429), llm.server-error (5xx), llm.bad-request (other
// 4xx), llm.refused (a refusal or content filter), llm.truncated (the token limit cut the answer),
// llm.bad-reply (a body that is not the protocol's JSON).
lang::Expected<Reply> parse_reply(const Config& c, int status, std::string_view body);

// Whether a status is worth retrying after a wait.
inline bool is_retryable_status(int status) { return status == 429 || (status >= 500 && status <= 599); }

// An `llm.*` error diagnostic (category Usage, no position).
lang::Diagnostic llm_error(std::string code, std::string message, std::string hint);

}  // namespace mage::llm
