// HTTP with libcurl (one easy handle per request: a tuning run makes a few dozen calls, so reuse would buy
// nothing), the retry policy, and the JSONL recorder and replayer. Nothing here writes the key anywhere:
// headers that carry it and any occurrence of it in a body are redacted before they leave HttpClient.
#include "llm/client.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "util/files.hpp"
#include "util/redact.hpp"

namespace mage::llm {

namespace {

constexpr std::size_t kMaxResponseBytes = std::size_t{64} << 20;
using util::kRedacted;

// A key with a control character would end the HTTP header it is sent in and start another.
std::optional<lang::Diagnostic> check_key(const std::string& key, const std::string& env) {
  auto at = util::find_control_character(key);
  if (at == std::string::npos) return std::nullopt;
  return llm_error("llm.bad-key",
                   fmt::format("the API key{} holds a control character (byte 0x{:02X} at position {}), which would "
                               "break the HTTP header it is sent in",
                               env.empty() ? "" : " in $" + env, static_cast<unsigned char>(key[at]), at),
                   fmt::format("set {} to the key alone, on one line, with no line break or tab inside",
                               env.empty() ? "the key" : "$" + env));
}

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// ---- HTTP -------------------------------------------------------------------------------------------------

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  CURLcode code = CURLE_OK;
  std::string error;  // curl's words when code != CURLE_OK
  bool too_large = false;
};

void curl_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* r = static_cast<HttpResult*>(user);
  std::size_t bytes = size * n;
  if (r->body.size() + bytes > kMaxResponseBytes) {
    r->too_large = true;
    return 0;  // aborts the transfer
  }
  r->body.append(data, bytes);
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* r = static_cast<HttpResult*>(user);
  std::string_view line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string_view::npos) r->headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  return size * n;
}

HttpResult post(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                const std::string& body, double timeout_s) {
  curl_init_once();
  HttpResult r;
  CURL* curl = curl_easy_init();
  if (!curl) {
    r.code = CURLE_FAILED_INIT;
    r.error = "libcurl could not start";
    return r;
  }
  curl_slist* list = nullptr;
  for (const auto& [name, value] : headers) list = curl_slist_append(list, (name + ": " + value).c_str());
  // No "Expect: 100-continue" round trip for large prompts.
  list = curl_slist_append(list, "Expect:");
  char error[CURL_ERROR_SIZE] = {0};
  long timeout_ms = std::max(1L, static_cast<long>(std::lround(std::clamp(timeout_s, 0.001, 86400.0) * 1000)));
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 30000L));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // whatever libcurl can decode
  r.code = curl_easy_perform(curl);
  if (r.code != CURLE_OK) {
    r.error = error[0] ? error : curl_easy_strerror(r.code);
  } else {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    r.status = static_cast<int>(status);
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return r;
}

lang::Diagnostic transport_error(const HttpResult& r, const std::string& url, double timeout_s) {
  if (r.too_large)
    return llm_error("llm.bad-reply", fmt::format("{} answered more than {} MiB", url, kMaxResponseBytes >> 20),
                     "check that --llm-url is the API's base URL");
  if (r.code == CURLE_OPERATION_TIMEDOUT)
    return llm_error("llm.timeout", fmt::format("{} did not answer within {:g} s", url, timeout_s),
                     fmt::format("raise --llm-timeout (now {:g} s), or use a faster model or server", timeout_s));
  return llm_error("llm.unreachable", fmt::format("cannot reach {}: {}", url, r.error),
                   "check --llm-url, the network, and that the server is running");
}

}  // namespace

nlohmann::json to_json(const Exchange& e) {
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [name, value] : e.request_headers) headers[name] = value;
  nlohmann::json j = {{"url", e.url},
                      {"attempt", e.attempt},
                      {"request_headers", headers},
                      {"status", e.status},
                      {"seconds", e.seconds}};
  // Bodies are JSON: keep them as objects when they parse, so recordings stay readable.
  auto embed = [](const std::string& body) {
    auto parsed = nlohmann::json::parse(body, nullptr, false);
    return parsed.is_discarded() ? nlohmann::json(body) : parsed;
  };
  j["request_body"] = embed(e.request_body);
  j["response_body"] = embed(e.response_body);
  if (!e.error.empty()) j["error"] = e.error;
  return j;
}

std::optional<double> retry_after_seconds(const std::map<std::string, std::string>& headers) {
  auto number = [](const std::string& text) -> std::optional<double> {
    if (text.empty()) return std::nullopt;
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0' || !std::isfinite(v) || v < 0) return std::nullopt;
    return v;
  };
  if (auto it = headers.find("retry-after-ms"); it != headers.end())
    if (auto ms = number(it->second)) return *ms / 1000;
  if (auto it = headers.find("retry-after"); it != headers.end()) return number(it->second);
  return std::nullopt;
}

// ---- HttpClient ------------------------------------------------------------------------------------------

HttpClient::HttpClient(Config config, std::string key, SleepFn sleep)
    : config_(std::move(config)), key_(std::move(key)), sleep_(std::move(sleep)) {
  util::register_secret(key_);
  if (!sleep_) sleep_ = [](double s) { std::this_thread::sleep_for(std::chrono::duration<double>(std::max(0.0, s))); };
}

lang::Expected<std::unique_ptr<HttpClient>> HttpClient::from_env(Config config, SleepFn sleep) {
  std::string name = key_env(config);
  const char* value = std::getenv(name.c_str());
  std::string key = value ? trim(value) : std::string();
  bool local = base_url(config) != default_base_url(config.provider);
  if (key.empty() && !local)
    return llm_error("llm.no-key",
                     fmt::format("no API key: the environment variable {} is {}", name, value ? "empty" : "not set"),
                     fmt::format("export {}=... (or name another variable with --llm-key-env)", name));
  if (auto bad = check_key(key, name)) return *bad;
  return std::make_unique<HttpClient>(std::move(config), std::move(key), std::move(sleep));
}

std::string HttpClient::redact(std::string text) const {
  // The one redaction function: the constructor registered the key (unless it is a short placeholder).
  return util::redact(std::move(text));
}

lang::Expected<Reply> HttpClient::complete(const Request& request) {
  if (auto bad = check_key(key_, "")) return *bad;
  const std::string url = endpoint_url(config_);
  const std::string body = dump(request_body(config_, request));
  const auto headers = request_headers(config_, key_);
  double backoff = std::max(0.0, config_.initial_backoff_s);
  for (int attempt = 0;; ++attempt) {
    auto start = std::chrono::steady_clock::now();
    HttpResult r = post(url, headers, body, config_.timeout_s);
    if (observer_) {
      Exchange e;
      e.url = url;
      e.attempt = attempt;
      for (const auto& [name, value] : headers)
        e.request_headers.emplace_back(name, is_secret_header(name) ? kRedacted : redact(value));
      e.request_body = redact(body);
      e.status = r.status;
      e.error = redact(r.error);
      e.response_body = redact(r.body);
      e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      observer_(e);
    }
    if (r.code != CURLE_OK) {
      auto d = transport_error(r, url, config_.timeout_s);
      d.message = redact(d.message);
      return d;
    }
    if (is_retryable_status(r.status) && attempt < config_.max_retries) {
      double wait = retry_after_seconds(r.headers).value_or(backoff);
      sleep_(std::min(wait, std::max(0.0, config_.max_backoff_s)));
      backoff *= 2;
      continue;
    }
    auto reply = parse_reply(config_, r.status, r.body);
    if (!reply) {
      auto d = reply.error();
      d.message = redact(d.message);
      if (is_retryable_status(r.status)) d.notes.push_back(fmt::format("after {} retries", attempt));
      return d;
    }
    // A reply that echoes the key (a proxy quoting the request, a model repeating its headers) must not
    // carry it into the agent, the prompts or the run directory.
    Reply clean = *reply;
    clean.text = redact(std::move(clean.text));
    clean.model = redact(std::move(clean.model));
    clean.finish_reason = redact(std::move(clean.finish_reason));
    return clean;
  }
}

// ---- recording -------------------------------------------------------------------------------------------

std::string recording_path(const std::string& run_dir) { return run_dir + "/llm.jsonl"; }

lang::Expected<std::unique_ptr<RecordingClient>> RecordingClient::open(Client& inner, const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0)
    return llm_error("llm.record-failed",
                     fmt::format("cannot open `{}` for the LLM recording: {}", path, std::strerror(errno)),
                     "choose a writable run directory");
  return std::unique_ptr<RecordingClient>(new RecordingClient(inner, path, fd));
}

RecordingClient::RecordingClient(Client& inner, std::string path, int fd)
    : inner_(inner), path_(std::move(path)), fd_(fd) {
  inner_.observe([this](const Exchange& e) { exchanges_.push_back(e); });
}

RecordingClient::~RecordingClient() {
  inner_.observe({});
  if (fd_ >= 0) ::close(fd_);
}

lang::Expected<Reply> RecordingClient::complete(const Request& request) {
  exchanges_.clear();
  auto reply = inner_.complete(request);
  nlohmann::json line = {{"index", index_}, {"request", to_json(request)}};
  if (reply) {
    line["reply"] = to_json(*reply);
  } else {
    const auto& d = reply.error();
    line["error"] = {{"code", d.code}, {"message", d.message}, {"hint", d.hint}, {"notes", d.notes}};
  }
  nlohmann::json exchanges = nlohmann::json::array();
  for (const auto& e : exchanges_) exchanges.push_back(to_json(e));
  line["exchanges"] = exchanges;
  ++index_;
  // One write() of a whole line on an O_APPEND descriptor, then fsync: a crash can only tear the last line.
  std::string text = redact(dump(line)) + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (write_error_.empty()) write_error_ = fmt::format("cannot write `{}`: {}", path_, std::strerror(errno));
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  ::fsync(fd_);
  return reply;
}

// ---- replay ----------------------------------------------------------------------------------------------

namespace {

// Where two recorded requests first differ, in words: "messages[1].content differs at character 312".
std::string first_difference(const nlohmann::json& want, const nlohmann::json& got, const std::string& path) {
  if (want.type() != got.type()) return fmt::format("{} differs", path.empty() ? "the request" : path);
  if (want.is_object()) {
    for (const auto& [k, v] : want.items()) {
      if (!got.contains(k)) return fmt::format("{}{} is missing", path.empty() ? "" : path + ".", k);
      if (v != got[k]) return first_difference(v, got[k], path.empty() ? k : path + "." + k);
    }
    return fmt::format("{} has extra fields", path.empty() ? "the request" : path);
  }
  if (want.is_array()) {
    if (want.size() != got.size())
      return fmt::format("{} has {} entries, the recording {}", path, got.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i)
      if (want[i] != got[i]) return first_difference(want[i], got[i], fmt::format("{}[{}]", path, i));
  }
  if (want.is_string()) {
    const auto& a = want.get_ref<const std::string&>();
    const auto& b = got.get_ref<const std::string&>();
    std::size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
    return fmt::format("{} differs at character {}", path, i);
  }
  return fmt::format("{} differs ({} recorded, {} now)", path, dump(want), dump(got));
}

}  // namespace

lang::Expected<std::unique_ptr<ReplayClient>> ReplayClient::open(const std::string& path) {
  std::string error;
  auto text = util::read_file(path, error, std::size_t{1} << 30);
  if (!text) return llm_error("llm.bad-recording", error, "pass the run directory of a run made with --optimizer llm");
  std::unique_ptr<ReplayClient> client(new ReplayClient(path));
  std::size_t line_no = 0, pos = 0;
  while (pos < text->size()) {
    auto end = text->find('\n', pos);
    bool last = end == std::string::npos;
    std::string line = text->substr(pos, last ? std::string::npos : end - pos);
    pos = last ? text->size() : end + 1;
    ++line_no;
    if (trim(line).empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    bool valid =
        j.is_object() && j.contains("request") && request_from_json(j["request"]) &&
        ((j.contains("reply") && reply_from_json(j["reply"])) || (j.contains("error") && j["error"].is_object()));
    if (!valid) {
      if (last) break;  // torn by a crash mid-write
      return llm_error("llm.bad-recording", fmt::format("{}:{}: not a recorded LLM exchange", path, line_no),
                       "the recording is damaged; re-run without --replay");
    }
    client->entries_.push_back(std::move(j));
  }
  return client;
}

lang::Expected<Reply> ReplayClient::complete(const Request& request) {
  if (next_ >= entries_.size())
    return llm_error("llm.replay-exhausted",
                     fmt::format("`{}` holds {} replies and all have been used", path_, entries_.size()),
                     "replay with the options of the recorded run (--iterations, --candidates)");
  const auto& entry = entries_[next_];
  nlohmann::json want = entry["request"];
  nlohmann::json got = to_json(request);
  if (want != got)
    return llm_error(
        "llm.replay-diverged",
        fmt::format("request {} differs from the recording `{}`: {}", next_, path_, first_difference(want, got, "")),
        "replay with the same application, machine and options as the recorded run");
  ++next_;
  if (entry.contains("reply")) return *reply_from_json(entry["reply"]);
  const auto& e = entry["error"];
  auto field = [&](const char* k) {
    return e.contains(k) && e[k].is_string() ? e[k].get<std::string>() : std::string();
  };
  auto d = llm_error(field("code").empty() ? "llm.bad-reply" : field("code"), field("message"), field("hint"));
  if (e.contains("notes") && e["notes"].is_array())
    for (const auto& n : e["notes"])
      if (n.is_string()) d.notes.push_back(n.get<std::string>());
  return d;
}

}  // namespace mage::llm
