// The LLM client over real HTTP against a local scripted server: both protocols' requests and replies,
// token usage, retries with Retry-After (with an injected sleep, so nothing waits), the timeout, the
// error classification, and recording with the key redacted and replay without a server.
#include "llm/client.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "fake_llm_server.hpp"

namespace mage::llm {
namespace {

using test::anthropic_reply;
using test::FakeLlmServer;
using test::openai_reply;
using test::Scripted;
using test::TempDir;

const std::string kKey = "sk-test-SECRET-0123456789abcdef";

Config openai_config(const FakeLlmServer& server) {
  Config c;
  c.provider = Provider::OpenAI;
  c.model = "test-model";
  c.base_url = server.openai_base();
  c.timeout_s = 5;
  return c;
}

Config anthropic_config(const FakeLlmServer& server) {
  Config c;
  c.provider = Provider::Anthropic;
  c.model = "claude-test";
  c.base_url = server.anthropic_base();
  c.timeout_s = 5;
  return c;
}

Request hello() {
  Request r;
  r.system = "You write mappers.";
  r.messages.push_back({"user", "Map stencil."});
  r.temperature = 0.2;
  r.max_tokens = 500;
  return r;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(LlmProvider, ParsesProviderSpecs) {
  auto a = parse_provider("openai:gpt-4o");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->provider, Provider::OpenAI);
  EXPECT_EQ(a->model, "gpt-4o");
  EXPECT_EQ(endpoint_url(*a), "https://api.openai.com/v1/chat/completions");
  auto b = parse_provider("anthropic:claude-sonnet-4-5");
  ASSERT_TRUE(b);
  EXPECT_EQ(endpoint_url(*b), "https://api.anthropic.com/v1/messages");
  EXPECT_EQ(key_env(*b), "ANTHROPIC_API_KEY");
  auto c = parse_provider("openai:qwen2.5:7b");  // Ollama names hold colons
  ASSERT_TRUE(c);
  EXPECT_EQ(c->model, "qwen2.5:7b");
  for (const char* bad : {"gpt-4o", "openai:", "gemini:pro", ""}) {
    auto r = parse_provider(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "llm.bad-provider");
  }
}

TEST(LlmProvider, ClassifiesErrorBodies) {
  Config c;
  c.model = "m";
  EXPECT_EQ(parse_reply(c, 200, "not json").error().code, "llm.bad-reply");
  EXPECT_EQ(parse_reply(c, 200, R"({"choices": []})").error().code, "llm.bad-reply");
  EXPECT_EQ(parse_reply(c, 403, "{}").error().code, "llm.bad-key");
  EXPECT_EQ(parse_reply(c, 404, "{}").error().code, "llm.unknown-model");
  EXPECT_EQ(parse_reply(c, 400, R"({"error": {"message": "The model `m` does not exist", "code": "model_not_found"}})")
                .error()
                .code,
            "llm.unknown-model");
  EXPECT_EQ(parse_reply(c, 400, R"({"error": {"message": "temperature out of range"}})").error().code,
            "llm.bad-request");
  EXPECT_EQ(parse_reply(c, 200, openai_reply("x", 1, 1, "length")).error().code, "llm.truncated");
  EXPECT_EQ(parse_reply(c, 200, openai_reply("x", 1, 1, "content_filter")).error().code, "llm.refused");
  c.provider = Provider::Anthropic;
  EXPECT_EQ(parse_reply(c, 200, anthropic_reply("x", 1, 1, "max_tokens")).error().code, "llm.truncated");
  EXPECT_EQ(parse_reply(c, 200, anthropic_reply("", 1, 0, "refusal")).error().code, "llm.refused");
  auto ok = parse_reply(c, 200, anthropic_reply("hi", 7, 3));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->usage, (Usage{7, 3}));
}

TEST(LlmClient, OpenAiRoundTrip) {
  FakeLlmServer server;
  ASSERT_GT(server.port(), 0);
  server.push(200, openai_reply("Here it is.\n```mpl\nTask * GPU;\n```\n", 1234, 56));
  HttpClient client(openai_config(server), kKey);
  auto reply = client.complete(hello());
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->text, "Here it is.\n```mpl\nTask * GPU;\n```\n");
  EXPECT_EQ(reply->usage, (Usage{1234, 56}));
  EXPECT_EQ(reply->finish_reason, "stop");
  auto got = server.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].path, "/v1/chat/completions");
  EXPECT_EQ(got[0].headers["authorization"], "Bearer " + kKey);
  auto body = nlohmann::json::parse(got[0].body);
  EXPECT_EQ(body["model"], "test-model");
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][1]["content"], "Map stencil.");
  EXPECT_EQ(body["max_tokens"], 500);
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.2);
}

TEST(LlmClient, AnthropicRoundTrip) {
  FakeLlmServer server;
  ASSERT_GT(server.port(), 0);
  server.push(200, anthropic_reply("answer", 900, 40));
  HttpClient client(anthropic_config(server), kKey);
  auto reply = client.complete(hello());
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->text, "answer");
  EXPECT_EQ(reply->usage, (Usage{900, 40}));
  auto got = server.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].path, "/v1/messages");
  EXPECT_EQ(got[0].headers["x-api-key"], kKey);
  EXPECT_EQ(got[0].headers["anthropic-version"], "2023-06-01");
  EXPECT_EQ(got[0].headers.count("authorization"), 0u);
  auto body = nlohmann::json::parse(got[0].body);
  EXPECT_EQ(body["system"], "You write mappers.");
  EXPECT_EQ(body["messages"].size(), 1u);
  EXPECT_EQ(body["max_tokens"], 500);
}

TEST(LlmClient, MalformedReplyIsBadReply) {
  FakeLlmServer server;
  ASSERT_GT(server.port(), 0);
  server.push(200, "{\"choices\": [ {\"message\": ");  // cut off mid-object
  HttpClient client(openai_config(server), kKey);
  auto reply = client.complete(hello());
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, "llm.bad-reply");
}

TEST(LlmClient, RetriesAfter429HonouringRetryAfter) {
  FakeLlmServer server;
  ASSERT_GT(server.port(), 0);
  server.push(Scripted{429, R"({"error": {"message": "slow down"}})", {{"Retry-After", "7"}}, 0});
  server.push(Scripted{503, R"({"error": {"message": "overloaded"}})", {}, 0});
  server.push(200, openai_reply("fine"));
  std::vector<double> sleeps;
  Config c = openai_config(server);
  c.initial_backoff_s = 0.5;
  HttpClient client(c, kKey, [&](double s) { sleeps.push_back(s); });
  auto reply = client.complete(hello());
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->text, "fine");
  // Retry-After first; then the backoff, doubled once.
  EXPECT_EQ(sleeps, (std::vector<double>{7, 1}));
  EXPECT_EQ(server.received().size(), 3u);
}

TEST(LlmClient, RetryWaitIsCappedAndRetriesEnd) {
  FakeLlmServer server;
  ASSERT_GT(server.port(), 0);
  for (int i = 0; i < 3; ++i) server.push(Scripted{429, "{}", {{"Retry-After", "3600"}}, 0});
  std::vector<double> sleeps;
  Config c = openai_config(server);
  c.max_retries = 2;
  c.max_backoff_s = 30;
  HttpClient client(c, kKey, [&](double s) { sleeps.push_back(s); });
  auto reply = client.complete(hello());
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, "llm.rate-limited");
  EXPECT_EQ(sleeps, (std::vector<double>{30, 30}));
  EXPECT_EQ(server.received().size(), 3u);
}

TEST(LlmClient, TimeoutIsReported) {
  FakeLlmServer server;
  ASSERT_GT(server.port(), 0);
  server.push(Scripted{200, openai_reply("late"), {}, 300});
  Config c = openai_config(server);
  c.timeout_s = 0.1;
  HttpClient client(c, kKey, [](double) {});
  auto reply = client.complete(hello());
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, "llm.timeout");
}

TEST(LlmClient, UnauthorizedIsBadKey) {
  FakeLlmServer server;
  ASSERT_GT(server.port(), 0);
  server.push(401, R"({"error": {"message": "Incorrect API key provided"}})");
  HttpClient client(openai_config(server), kKey);
  auto reply = client.complete(hello());
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, "llm.bad-key");
  EXPECT_NE(reply.error().message.find("Incorrect API key"), std::string::npos);
  EXPECT_EQ(reply.error().message.find(kKey), std::string::npos);
  EXPECT_NE(reply.error().hint.find("OPENAI_API_KEY"), std::string::npos);
}

TEST(LlmClient, UnknownModel) {
  FakeLlmServer server;
  ASSERT_GT(server.port(), 0);
  server.push(404, R"({"type": "error", "error": {"type": "not_found_error", "message": "model: claude-nope"}})");
  HttpClient client(anthropic_config(server), kKey);
  auto reply = client.complete(hello());
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, "llm.unknown-model");
  EXPECT_NE(reply.error().message.find("claude-test"), std::string::npos);
}

TEST(LlmClient, UnreachableServer) {
  int port;
  {
    FakeLlmServer server;  // a port that was just free, now closed
    port = server.port();
  }
  Config c;
  c.model = "m";
  c.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  c.timeout_s = 2;
  HttpClient client(c, kKey, [](double) {});
  auto reply = client.complete(hello());
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, "llm.unreachable");
}

TEST(LlmClient, MissingKeyOnlyMattersForTheProvidersOwnUrl) {
  Config c = *parse_provider("openai:gpt-4o");
  c.key_env = "MAGE_TEST_SURELY_UNSET_KEY";
  ::unsetenv("MAGE_TEST_SURELY_UNSET_KEY");
  auto r = HttpClient::from_env(c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "llm.no-key");
  EXPECT_NE(r.error().message.find("MAGE_TEST_SURELY_UNSET_KEY"), std::string::npos);
  c.base_url = "http://localhost:11434/v1";  // a local server needs none
  EXPECT_TRUE(HttpClient::from_env(c));
}

TEST(LlmRecording, KeyNeverReachesTheRecording) {
  FakeLlmServer server;
  ASSERT_GT(server.port(), 0);
  // The server even echoes the key back in its body and an error.
  server.push(200, openai_reply("your key was " + kKey));
  server.push(401, R"({"error": {"message": "bad key )" + kKey + R"("}})");
  TempDir dir;
  std::string path = recording_path(dir.file(""));
  HttpClient http(openai_config(server), kKey);
  {
    auto rec = RecordingClient::open(http, path);
    ASSERT_TRUE(rec) << rec.error().message;
    Request r = hello();
    r.messages[0].content = "the key is " + kKey;
    EXPECT_TRUE((*rec)->complete(r));
    EXPECT_FALSE((*rec)->complete(hello()));
    EXPECT_EQ((*rec)->recorded(), 2u);
    EXPECT_TRUE((*rec)->write_error().empty());
  }
  std::string text = slurp(path);
  EXPECT_EQ(text.find(kKey), std::string::npos) << text;
  EXPECT_NE(text.find("[redacted]"), std::string::npos);
  // Both lines are whole JSON objects with the HTTP exchanges behind them.
  std::istringstream lines(text);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["index"], n);
    ASSERT_EQ(j["exchanges"].size(), 1u);
    EXPECT_EQ(j["exchanges"][0]["request_headers"]["Authorization"], "[redacted]");
    ++n;
  }
  EXPECT_EQ(n, 2);
}

TEST(LlmReplay, ReproducesTheRecordedSequenceWithoutAServer) {
  TempDir dir;
  std::string path = dir.file("llm.jsonl");
  Request a = hello(), b = hello();
  b.messages[0].content = "Map pennant.";
  {
    FakeLlmServer server;
    ASSERT_GT(server.port(), 0);
    server.push(200, openai_reply("first", 10, 1));
    server.push(200, openai_reply("second", 20, 2, "length"));
    HttpClient http(openai_config(server), kKey);
    auto rec = RecordingClient::open(http, path);
    ASSERT_TRUE(rec);
    EXPECT_TRUE((*rec)->complete(a));
    EXPECT_EQ((*rec)->complete(b).error().code, "llm.truncated");
  }  // the server is gone
  auto replay = ReplayClient::open(path);
  ASSERT_TRUE(replay) << replay.error().message;
  EXPECT_EQ((*replay)->size(), 2u);
  auto r1 = (*replay)->complete(a);
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->text, "first");
  EXPECT_EQ(r1->usage, (Usage{10, 1}));
  auto r2 = (*replay)->complete(b);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, "llm.truncated");
  EXPECT_EQ((*replay)->complete(a).error().code, "llm.replay-exhausted");
}

TEST(LlmReplay, DivergingRequestIsAnError) {
  TempDir dir;
  std::string path = dir.file("llm.jsonl");
  {
    std::ofstream out(path);
    out << nlohmann::json{{"index", 0}, {"request", to_json(hello())}, {"reply", to_json(Reply{"x", "stop", "", {}})}}
               .dump()
        << "\n{\"index\": 1, \"requ";  // a torn last line is ignored
  }
  auto replay = ReplayClient::open(path);
  ASSERT_TRUE(replay) << replay.error().message;
  EXPECT_EQ((*replay)->size(), 1u);
  Request other = hello();
  other.messages[0].content = "Map circuit.";
  auto r = (*replay)->complete(other);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "llm.replay-diverged");
  EXPECT_NE(r.error().message.find("messages[0].content differs at character 4"), std::string::npos)
      << r.error().message;
  // The recorded request still matches afterwards: divergence does not advance the replay.
  EXPECT_TRUE((*replay)->complete(hello()));
}

TEST(LlmReplay, CorruptRecordingIsReported) {
  TempDir dir;
  std::string path = dir.file("llm.jsonl");
  {
    std::ofstream out(path);
    out << "not json\n{}\n";
  }
  auto r = ReplayClient::open(path);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "llm.bad-recording");
  EXPECT_FALSE(ReplayClient::open(dir.file("missing.jsonl")));
}

}  // namespace
}  // namespace mage::llm
