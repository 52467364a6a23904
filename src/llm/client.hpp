// Clients that turn a Request into a Reply: over HTTP (libcurl) with retries and clear errors, a recorder
// that writes every exchange to a JSONL file with the key redacted, and a replayer that answers from such
// a file in order, so a recorded session re-runs deterministically with no network.
//
// The API key lives only in HttpClient's memory (and the redaction list): it is read from the environment,
// sent in a header, and replaced by "[redacted]" in everything the client hands out (replies, exchanges,
// error messages).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lang/expected.hpp"
#include "llm/provider.hpp"
#include "util/redact.hpp"

namespace mage::llm {

// One HTTP round trip as a recording shows it, already redacted.
struct Exchange {
  std::string url;
  int attempt = 0;  // 0 for the first try, then one per retry
  std::vector<std::pair<std::string, std::string>> request_headers;
  std::string request_body;
  int status = 0;     // 0 when no answer came (timeout, unreachable)
  std::string error;  // the transport error, if any
  std::string response_body;
  double seconds = 0;
};
nlohmann::json to_json(const Exchange& e);

class Client {
 public:
  virtual ~Client() = default;
  virtual lang::Expected<Reply> complete(const Request& request) = 0;
  // Called with every HTTP round trip the client makes from now on (clients without HTTP make none).
  virtual void observe(std::function<void(const Exchange&)> observer) { (void)observer; }
  // `text` with every secret replaced by "[redacted]": util::redact, the one redaction function (an
  // HttpClient registers its key there when it is made).
  virtual std::string redact(std::string text) const { return util::redact(std::move(text)); }
};

// Waits between retries; injectable so tests need not sleep.
using SleepFn = std::function<void(double seconds)>;

class HttpClient : public Client {
 public:
  // The key from the environment variable key_env(config). A missing or empty variable is an error
  // (`llm.no-key`) unless the base URL is not the provider's default: local servers need no key.
  static lang::Expected<std::unique_ptr<HttpClient>> from_env(Config config, SleepFn sleep = {});
  HttpClient(Config config, std::string key, SleepFn sleep = {});

  // Retries 429 and 5xx answers up to max_retries times, waiting Retry-After (seconds) when the server
  // sends it, else initial_backoff_s doubled per retry, never more than max_backoff_s. Errors:
  // llm.timeout, llm.unreachable and those of parse_reply.
  lang::Expected<Reply> complete(const Request& request) override;
  void observe(std::function<void(const Exchange&)> observer) override { observer_ = std::move(observer); }
  std::string redact(std::string text) const override;
  const Config& config() const { return config_; }

 private:
  Config config_;
  std::string key_;
  SleepFn sleep_;
  std::function<void(const Exchange&)> observer_;
};

// The seconds a Retry-After (or retry-after-ms) header asks for; none when absent or not a number of seconds
// (an HTTP date falls back to the backoff).
std::optional<double> retry_after_seconds(const std::map<std::string, std::string>& lowercase_headers);

// Wraps a client and appends one JSON line per complete() to `path`:
//   {"index": N, "request": {...}, "reply": {...}}  or  {"index": N, "request": {...}, "error": {...}}
// plus "exchanges": [...] (the HTTP round trips behind it, if any). Every line passes through the inner
// client's redact() before it is written, and is flushed at once.
class RecordingClient : public Client {
 public:
  // Opens `path` for appending (created if missing); `llm.record-failed` when it cannot be.
  static lang::Expected<std::unique_ptr<RecordingClient>> open(Client& inner, const std::string& path);
  ~RecordingClient() override;

  lang::Expected<Reply> complete(const Request& request) override;
  std::string redact(std::string text) const override { return inner_.redact(std::move(text)); }
  // The first write error, if one happened (the reply is still returned: the run goes on).
  const std::string& write_error() const { return write_error_; }
  std::size_t recorded() const { return index_; }

 private:
  RecordingClient(Client& inner, std::string path, int fd);
  Client& inner_;
  std::string path_;
  int fd_ = -1;
  std::size_t index_ = 0;
  std::vector<Exchange> exchanges_;
  std::string write_error_;
};

// Answers from a recording, in order. A request that differs from the recorded one (the same JSON as
// to_json(Request)) is `llm.replay-diverged` naming the first difference; asking past the end is
// `llm.replay-exhausted`. Recorded errors come back as the same diagnostics.
class ReplayClient : public Client {
 public:
  // A torn last line (a crash mid-write) is ignored; a malformed earlier line is `llm.bad-recording`.
  static lang::Expected<std::unique_ptr<ReplayClient>> open(const std::string& path);
  lang::Expected<Reply> complete(const Request& request) override;
  std::size_t size() const { return entries_.size(); }
  std::size_t position() const { return next_; }

 private:
  explicit ReplayClient(std::string path) : path_(std::move(path)) {}
  std::string path_;
  std::vector<nlohmann::json> entries_;
  std::size_t next_ = 0;
};

// The recording's file name inside a run directory: DIR/llm.jsonl.
std::string recording_path(const std::string& run_dir);

}  // namespace mage::llm
