// Request and reply JSON of the two LLM protocols, and the classification of their errors into diagnostics
// that say what to do. Bodies from servers are untrusted: every field is type-checked before use.
#include "llm/provider.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace mage::llm {

namespace {

constexpr std::size_t kMaxQuoted = 300;  // characters of a server's error message quoted in a diagnostic

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string shorten(std::string s) {
  if (s.size() > kMaxQuoted) s = s.substr(0, kMaxQuoted) + "...";
  return s;
}

// The server's own words about an error: OpenAI `{"error": {"message"}}` (or `{"error": "text"}` as some
// compatible servers send), Anthropic `{"type": "error", "error": {"message"}}`; else the raw body.
std::string error_message(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object()) {
    auto e = j.find("error");
    if (e != j.end()) {
      if (e->is_string()) return shorten(e->get<std::string>());
      if (e->is_object()) {
        auto m = e->find("message");
        if (m != e->end() && m->is_string()) return shorten(m->get<std::string>());
      }
    }
    auto m = j.find("message");
    if (m != j.end() && m->is_string()) return shorten(m->get<std::string>());
  }
  std::string text(body.substr(0, kMaxQuoted));
  std::replace(text.begin(), text.end(), '\n', ' ');
  return body.size() > kMaxQuoted ? text + "..." : text;
}

// An error body about the model itself: "The model `x` does not exist", "model_not_found", "model: x".
bool mentions_unknown_model(std::string_view body) {
  std::string b = lower(body);
  if (b.find("model") == std::string::npos) return false;
  for (const char* w : {"not found", "not_found", "does not exist", "unknown model", "no such model", "invalid model",
                        "model_not_found", "is not supported", "not available"})
    if (b.find(w) != std::string::npos) return true;
  return false;
}

const std::string* str(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

std::int64_t count(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? std::max<std::int64_t>(0, it->get<std::int64_t>()) : 0;
}

// Reasoning models on OpenAI's own API take no temperature.
bool is_openai_reasoning_model(const Config& c) {
  if (base_url(c) != default_base_url(Provider::OpenAI)) return false;
  for (const char* p : {"o1", "o3", "o4", "gpt-5"})
    if (c.model.rfind(p, 0) == 0) return true;
  return false;
}

lang::Expected<Reply> parse_openai(const nlohmann::json& j) {
  const auto* choices = j.is_object() && j.contains("choices") ? &j["choices"] : nullptr;
  if (!choices || !choices->is_array() || choices->empty() || !(*choices)[0].is_object())
    return llm_error("llm.bad-reply", "the reply has no `choices`", "check that --llm-url is an OpenAI-compatible API");
  const auto& choice = (*choices)[0];
  Reply r;
  if (const auto* f = str(choice, "finish_reason")) r.finish_reason = *f;
  if (const auto* m = str(j, "model")) r.model = *m;
  if (j.contains("usage")) {
    r.usage.prompt_tokens = count(j["usage"], "prompt_tokens");
    r.usage.completion_tokens = count(j["usage"], "completion_tokens");
  }
  const auto* message = choice.contains("message") ? &choice["message"] : nullptr;
  if (!message || !message->is_object())
    return llm_error("llm.bad-reply", "the reply's first choice has no `message`",
                     "check that --llm-url is an OpenAI-compatible API");
  if (const auto* refusal = str(*message, "refusal"); refusal && !refusal->empty())
    return llm_error("llm.refused", fmt::format("the model refused: {}", shorten(*refusal)),
                     "try another model if it persists");
  if (r.finish_reason == "content_filter")
    return llm_error("llm.refused", "the reply was withheld by the provider's content filter",
                     "try another model or provider");
  auto content = message->find("content");
  if (content != message->end() && content->is_string()) {
    r.text = content->get<std::string>();
  } else if (content != message->end() && content->is_array()) {
    for (const auto& part : *content)
      if (const auto* t = str(part, "text")) r.text += *t;
  } else if (content != message->end() && !content->is_null()) {
    return llm_error("llm.bad-reply", "the reply's `content` is neither text nor a list of parts",
                     "check that --llm-url is an OpenAI-compatible API");
  }
  if (r.finish_reason == "length")
    return llm_error(
        "llm.truncated",
        fmt::format("the reply was cut off at the token limit ({} completion tokens)", r.usage.completion_tokens),
        "raise the maximum reply tokens, or ask for a shorter answer");
  return r;
}

lang::Expected<Reply> parse_anthropic(const nlohmann::json& j) {
  if (const auto* type = str(j, "type"); type && *type == "error")
    return llm_error("llm.bad-reply", fmt::format("the server answered an error: {}", error_message(j.dump())),
                     "retry later");
  const auto* content = j.is_object() && j.contains("content") ? &j["content"] : nullptr;
  if (!content || !content->is_array())
    return llm_error("llm.bad-reply", "the reply has no `content` list", "check that --llm-url is the Anthropic API");
  Reply r;
  if (const auto* s = str(j, "stop_reason")) r.finish_reason = *s;
  if (const auto* m = str(j, "model")) r.model = *m;
  if (j.contains("usage")) {
    const auto& u = j["usage"];
    // Cached prompt tokens are billed too, so they count as prompt tokens.
    r.usage.prompt_tokens =
        count(u, "input_tokens") + count(u, "cache_creation_input_tokens") + count(u, "cache_read_input_tokens");
    r.usage.completion_tokens = count(u, "output_tokens");
  }
  for (const auto& block : *content) {
    const auto* type = str(block, "type");
    if (type && *type == "text")
      if (const auto* t = str(block, "text")) r.text += *t;
  }
  if (r.finish_reason == "refusal")
    return llm_error("llm.refused", "the model refused to answer", "try another model if it persists");
  if (r.finish_reason == "max_tokens")
    return llm_error(
        "llm.truncated",
        fmt::format("the reply was cut off at the token limit ({} completion tokens)", r.usage.completion_tokens),
        "raise the maximum reply tokens, or ask for a shorter answer");
  return r;
}

}  // namespace

const char* to_string(Provider p) { return p == Provider::Anthropic ? "anthropic" : "openai"; }

lang::Diagnostic llm_error(std::string code, std::string message, std::string hint) {
  return lang::make_error(lang::Category::Usage, std::move(code), {}, std::move(message), std::move(hint));
}

lang::Expected<Config> parse_provider(std::string_view spec) {
  auto colon = spec.find(':');
  auto bad = [&](std::string why) {
    return llm_error("llm.bad-provider", fmt::format("`{}` {}", spec, why),
                     "write openai:MODEL or anthropic:MODEL, e.g. openai:gpt-4o or anthropic:claude-sonnet-4-5");
  };
  if (colon == std::string_view::npos) return bad("names no provider");
  Config c;
  std::string name = lower(spec.substr(0, colon));
  if (name == "openai")
    c.provider = Provider::OpenAI;
  else if (name == "anthropic")
    c.provider = Provider::Anthropic;
  else
    return bad(fmt::format("names an unknown provider `{}`", name));
  c.model = std::string(spec.substr(colon + 1));
  if (c.model.empty()) return bad("names no model");
  return c;
}

std::string default_base_url(Provider p) {
  return p == Provider::Anthropic ? "https://api.anthropic.com" : "https://api.openai.com/v1";
}

std::string default_key_env(Provider p) { return p == Provider::Anthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY"; }

std::string base_url(const Config& c) {
  std::string url = c.base_url.empty() ? default_base_url(c.provider) : c.base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string key_env(const Config& c) { return c.key_env.empty() ? default_key_env(c.provider) : c.key_env; }

std::string endpoint_url(const Config& c) {
  std::string base = base_url(c);
  if (c.provider == Provider::OpenAI) return base + "/chat/completions";
  // Accept a base that already ends in /v1.
  if (base.size() >= 3 && base.compare(base.size() - 3, 3, "/v1") == 0) return base + "/messages";
  return base + "/v1/messages";
}

nlohmann::json to_json(const Request& r) {
  nlohmann::json messages = nlohmann::json::array();
  for (const auto& m : r.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
  nlohmann::json j = {{"system", r.system}, {"messages", messages}};
  j["temperature"] = r.temperature ? nlohmann::json(*r.temperature) : nlohmann::json(nullptr);
  j["max_tokens"] = r.max_tokens ? nlohmann::json(*r.max_tokens) : nlohmann::json(nullptr);
  return j;
}

std::optional<Request> request_from_json(const nlohmann::json& j) {
  const auto* system = str(j, "system");
  if (!system || !j.contains("messages") || !j["messages"].is_array()) return std::nullopt;
  Request r;
  r.system = *system;
  for (const auto& m : j["messages"]) {
    const auto* role = str(m, "role");
    const auto* content = str(m, "content");
    if (!role || !content) return std::nullopt;
    r.messages.push_back({*role, *content});
  }
  if (j.contains("temperature") && j["temperature"].is_number()) r.temperature = j["temperature"].get<double>();
  if (j.contains("max_tokens") && j["max_tokens"].is_number_integer()) r.max_tokens = j["max_tokens"].get<int>();
  return r;
}

nlohmann::json to_json(const Reply& r) {
  return {{"text", r.text},
          {"finish_reason", r.finish_reason},
          {"model", r.model},
          {"usage", {{"prompt_tokens", r.usage.prompt_tokens}, {"completion_tokens", r.usage.completion_tokens}}}};
}

std::optional<Reply> reply_from_json(const nlohmann::json& j) {
  const auto* text = str(j, "text");
  if (!text) return std::nullopt;
  Reply r;
  r.text = *text;
  if (const auto* f = str(j, "finish_reason")) r.finish_reason = *f;
  if (const auto* m = str(j, "model")) r.model = *m;
  if (j.contains("usage")) {
    r.usage.prompt_tokens = count(j["usage"], "prompt_tokens");
    r.usage.completion_tokens = count(j["usage"], "completion_tokens");
  }
  return r;
}

nlohmann::json request_body(const Config& c, const Request& r) {
  double temperature = r.temperature.value_or(c.temperature);
  int max_tokens = std::max(1, r.max_tokens.value_or(c.max_tokens));
  nlohmann::json messages = nlohmann::json::array();
  if (c.provider == Provider::Anthropic) {
    for (const auto& m : r.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
    nlohmann::json body = {
        {"model", c.model}, {"max_tokens", max_tokens}, {"messages", messages}, {"temperature", temperature}};
    if (!r.system.empty()) body["system"] = r.system;
    return body;
  }
  if (!r.system.empty()) messages.push_back({{"role", "system"}, {"content", r.system}});
  for (const auto& m : r.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
  nlohmann::json body = {{"model", c.model}, {"messages", messages}};
  if (is_openai_reasoning_model(c)) {
    body["max_completion_tokens"] = max_tokens;
  } else {
    // OpenAI's own API prefers max_completion_tokens; compatible servers know max_tokens.
    body[base_url(c) == default_base_url(Provider::OpenAI) ? "max_completion_tokens" : "max_tokens"] = max_tokens;
    body["temperature"] = temperature;
  }
  return body;
}

std::vector<std::pair<std::string, std::string>> request_headers(const Config& c, const std::string& key) {
  std::vector<std::pair<std::string, std::string>> h = {{"Content-Type", "application/json"}};
  if (c.provider == Provider::Anthropic) {
    h.emplace_back("anthropic-version", "2023-06-01");
    if (!key.empty()) h.emplace_back("x-api-key", key);
  } else if (!key.empty()) {
    h.emplace_back("Authorization", "Bearer " + key);
  }
  return h;
}

bool is_secret_header(std::string_view name) {
  std::string n = lower(name);
  return n == "authorization" || n == "x-api-key" || n == "api-key" || n == "proxy-authorization";
}

lang::Expected<Reply> parse_reply(const Config& c, int status, std::string_view body) {
  std::string url = endpoint_url(c);
  if (status == 401 || status == 403)
    return llm_error("llm.bad-key",
                     fmt::format("{} rejected the API key (HTTP {}): {}", url, status, error_message(body)),
                     fmt::format("set a valid key in ${} (or name another variable with --llm-key-env)", key_env(c)));
  if (status == 404 || (status >= 400 && status < 500 && status != 429 && mentions_unknown_model(body)))
    return llm_error(
        "llm.unknown-model",
        fmt::format("{} does not know the model `{}` (HTTP {}): {}", url, c.model, status, error_message(body)),
        "check the model name after `openai:` or `anthropic:`, and that --llm-url points at the API's base");
  if (status == 429)
    return llm_error("llm.rate-limited",
                     fmt::format("{} kept refusing for rate or quota limits (HTTP 429): {}", url, error_message(body)),
                     "wait, then start the run again (an LLM run is not resumed; what it found before the limit is kept in "
                     "its run directory), or check the account's quota and rate limits");
  if (status >= 500)
    return llm_error("llm.server-error", fmt::format("{} failed (HTTP {}): {}", url, status, error_message(body)),
                     "the provider has a problem; retry later");
  if (status < 200 || status >= 300)
    return llm_error("llm.bad-request",
                     fmt::format("{} refused the request (HTTP {}): {}", url, status, error_message(body)),
                     "check the options (--temperature, the model's limits) against the provider's documentation");
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return llm_error("llm.bad-reply",
                     fmt::format("{} answered something that is not JSON: {}", url, error_message(body)),
                     "check that --llm-url is the API's base URL, not a web page");
  return c.provider == Provider::Anthropic ? parse_anthropic(j) : parse_openai(j);
}

}  // namespace mage::llm
