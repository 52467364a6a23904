// The agent loop end to end over HTTP with a fake evaluator: the best improves, answers without a program
// count as iterations and their diagnostic reaches the next prompt, errors that make the LLM unusable stop
// the run, and a recorded session replays to the same result with no server.
#include "llm/agent.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "fake_llm_server.hpp"

namespace mage::llm {
namespace {

using test::anthropic_reply;
using test::FakeLlmServer;
using test::openai_reply;
using test::TempDir;

const std::string kKey = "sk-agent-test-KEY-9876543210";

// Scores a program by its `# score N` comment; a program with `# invalid` fails like a checker error.
struct FakeEvaluator {
  std::vector<std::string> seen;
  Evaluation operator()(const std::string& program) {
    seen.push_back(program);
    Evaluation e;
    if (program.find("# invalid") != std::string::npos) {
      e.feedback_system = "syntax.unexpected-token: expected `;`";
      e.feedback_explain = "a statement is not finished";
      e.feedback_suggest = "end the statement with `;`";
      return e;
    }
    std::smatch m;
    static const std::regex score("# score ([0-9]+)");
    e.ok = true;
    e.score = std::regex_search(program, m, score) ? std::stod(m[1]) : 0;
    e.feedback_system = "throughput " + std::to_string(static_cast<int>(e.score)) + " steps/s";
    e.feedback_explain = "copies take 40% of the critical path";
    e.feedback_suggest = "place rp_ghost in ZCMEM";
    return e;
  }
};

std::string answer(int score) {
  return "Rationale: try something.\n```mpl\n# score " + std::to_string(score) + "\nTask * GPU;\n```\n";
}

PromptContext context() {
  PromptContext c;
  c.app_name = "toy";
  c.app_description = "application `toy`: task `work`, region `cells`";
  c.machine_description = "1 node, 4 GPUs";
  c.reference = "REFERENCE";
  return c;
}

Config config(const FakeLlmServer& server) {
  Config c;
  c.model = "test-model";
  c.base_url = server.openai_base();
  c.timeout_s = 5;
  return c;
}

TEST(LlmAgent, FullLoopKeepsTheBest) {
  FakeLlmServer server;
  ASSERT_GT(server.port(), 0);
  server.push(200, openai_reply(answer(1), 1000, 50));
  server.push(200, openai_reply(answer(5), 1100, 60));
  server.push(200, openai_reply(answer(3), 1200, 70));
  HttpClient client(config(server), kKey);
  FakeEvaluator eval;
  AgentOptions options;
  options.iterations = 3;
  options.history = 2;
  LlmOptimizer agent(client, context(), options, std::ref(eval));
  std::vector<std::size_t> progress;
  agent.on_iteration([&](const IterationRecord& r, const AgentResult& so_far) {
    progress.push_back(r.iteration);
    EXPECT_EQ(so_far.iterations.size(), r.iteration);
  });
  AgentResult result = agent.run();
  EXPECT_FALSE(result.stopped);
  ASSERT_EQ(result.iterations.size(), 3u);
  EXPECT_EQ(progress, (std::vector<std::size_t>{1, 2, 3}));
  ASSERT_TRUE(result.best);
  EXPECT_DOUBLE_EQ(result.best->evaluation.score, 5);
  EXPECT_EQ(result.best->iteration, 2u);
  EXPECT_EQ(result.best->rationale, "Rationale: try something.");
  EXPECT_TRUE(result.iterations[0].improved);
  EXPECT_TRUE(result.iterations[1].improved);
  EXPECT_FALSE(result.iterations[2].improved);
  EXPECT_EQ(result.iterations[2].best_score, 5);
  EXPECT_EQ(result.iterations[1].usage, (Usage{1100, 60}));
  EXPECT_EQ(result.usage, (Usage{3300, 180}));
  EXPECT_GT(result.iterations[0].prompt_chars, 0u);
  EXPECT_EQ(eval.seen.size(), 3u);

  // The third prompt shows the best (score 5) with its feedback, and the last two attempts.
  auto got = server.received();
  ASSERT_EQ(got.size(), 3u);
  auto first = nlohmann::json::parse(got[0].body)["messages"][1]["content"].get<std::string>();
  EXPECT_EQ(first.find("Best mapper so far"), std::string::npos);
  auto third = nlohmann::json::parse(got[2].body)["messages"][1]["content"].get<std::string>();
  EXPECT_NE(third.find("Best mapper so far (iteration 2, score 5"), std::string::npos) << third;
  EXPECT_NE(third.find("Suggest: place rp_ghost in ZCMEM"), std::string::npos);
  EXPECT_NE(third.find("## Iteration 1"), std::string::npos);
  EXPECT_NE(third.find("## Iteration 2"), std::string::npos);
  EXPECT_NE(nlohmann::json::parse(got[2].body)["messages"][0]["content"].get<std::string>().find("REFERENCE"),
            std::string::npos);
}

TEST(LlmAgent, AnswerWithoutProgramCountsAndIsFedBack) {
  FakeLlmServer server;
  ASSERT_GT(server.port(), 0);
  server.push(200, openai_reply("I would put every task on a GPU and the ghosts in zero-copy memory."));
  server.push(200, openai_reply(answer(2)));
  HttpClient client(config(server), kKey);
  FakeEvaluator eval;
  AgentOptions options;
  options.iterations = 2;
  LlmOptimizer agent(client, context(), options, std::ref(eval));
  AgentResult result = agent.run();
  ASSERT_EQ(result.iterations.size(), 2u);
  const auto& none = result.iterations[0].candidates.at(0);
  EXPECT_FALSE(none.extracted);
  ASSERT_TRUE(none.llm_error);
  EXPECT_EQ(none.llm_error->code, "llm.no-program");
  EXPECT_FALSE(none.evaluation.ok);
  EXPECT_NE(none.evaluation.feedback_system.find("llm.no-program"), std::string::npos);
  EXPECT_EQ(eval.seen.size(), 1u);  // nothing to evaluate in the first answer
  auto second = nlohmann::json::parse(server.received()[1].body)["messages"][1]["content"].get<std::string>();
  EXPECT_NE(second.find("llm.no-program"), std::string::npos) << second;
  EXPECT_NE(second.find("(no program)"), std::string::npos);
  ASSERT_TRUE(result.best);
  EXPECT_DOUBLE_EQ(result.best->evaluation.score, 2);
}

TEST(LlmAgent, InvalidProgramsAndTruncationCountToo) {
  FakeLlmServer server;
  ASSERT_GT(server.port(), 0);
  server.push(200, anthropic_reply("```mpl\n# invalid\nTask * GPU\n```"));
  server.push(200, anthropic_reply("```mpl\n# score 1\nTask * GPU;\nRegion", 10, 4096, "max_tokens"));
  Config c = config(server);
  c.provider = Provider::Anthropic;
  c.base_url = server.anthropic_base();
  HttpClient client(c, kKey);
  FakeEvaluator eval;
  AgentOptions options;
  options.iterations = 2;
  options.feedback = FeedbackLevel::System;
  LlmOptimizer agent(client, context(), options, std::ref(eval));
  AgentResult result = agent.run();
  ASSERT_EQ(result.iterations.size(), 2u);
  EXPECT_FALSE(result.best);
  EXPECT_NE(result.iterations[0].candidates[0].evaluation.feedback_system.find("syntax.unexpected-token"),
            std::string::npos);
  ASSERT_TRUE(result.iterations[1].candidates[0].llm_error);
  EXPECT_EQ(result.iterations[1].candidates[0].llm_error->code, "llm.truncated");
  // System-level feedback only: the invalid program's explanation is not in the second prompt.
  auto second = nlohmann::json::parse(server.received()[1].body)["messages"][0]["content"].get<std::string>();
  EXPECT_NE(second.find("syntax.unexpected-token"), std::string::npos);
  EXPECT_EQ(second.find("a statement is not finished"), std::string::npos);
}

TEST(LlmAgent, UnusableLlmStopsTheRun) {
  FakeLlmServer server;
  ASSERT_GT(server.port(), 0);
  server.push(200, openai_reply(answer(4)));
  server.push(401, R"({"error": {"message": "key revoked"}})");
  HttpClient client(config(server), kKey);
  FakeEvaluator eval;
  AgentOptions options;
  options.iterations = 5;
  LlmOptimizer agent(client, context(), options, std::ref(eval));
  AgentResult result = agent.run();
  ASSERT_TRUE(result.stopped);
  EXPECT_EQ(result.stopped->code, "llm.bad-key");
  EXPECT_EQ(result.iterations.size(), 1u);
  ASSERT_TRUE(result.best);
  EXPECT_DOUBLE_EQ(result.best->evaluation.score, 4);
}

TEST(LlmAgent, CandidatesInitialProgramAndThrowingEvaluator) {
  FakeLlmServer server;
  ASSERT_GT(server.port(), 0);
  server.push(200, openai_reply(answer(2)));
  server.push(200, openai_reply("```mpl\n# throw\n```"));
  HttpClient client(config(server), kKey);
  FakeEvaluator fake;
  auto eval = [&](const std::string& program) -> Evaluation {
    if (program.find("# throw") != std::string::npos) throw std::runtime_error("simulator crashed");
    return fake(program);
  };
  AgentOptions options;
  options.iterations = 1;
  options.candidates = 2;
  options.initial_program = "# score 3\n";
  LlmOptimizer agent(client, context(), options, eval);
  AgentResult result = agent.run();
  ASSERT_EQ(result.iterations.size(), 1u);
  ASSERT_EQ(result.iterations[0].candidates.size(), 2u);
  EXPECT_NE(result.iterations[0].candidates[1].evaluation.feedback_system.find("simulator crashed"), std::string::npos);
  ASSERT_TRUE(result.best);
  EXPECT_EQ(result.best->iteration, 0u);  // the initial program stays best
  EXPECT_FALSE(result.iterations[0].improved);
  // The first prompt already shows the initial program as the best.
  auto first = nlohmann::json::parse(server.received()[0].body)["messages"][1]["content"].get<std::string>();
  EXPECT_NE(first.find("Best mapper so far (iteration 0, score 3"), std::string::npos);
}

TEST(LlmAgent, ZeroShotSendsTheSamePromptEveryIteration) {
  FakeLlmServer server;
  ASSERT_GT(server.port(), 0);
  server.push(200, openai_reply(answer(1)));
  server.push(200, openai_reply(answer(2)));
  HttpClient client(config(server), kKey);
  FakeEvaluator eval;
  AgentOptions options;
  options.iterations = 2;
  options.mode = Mode::ZeroShot;
  LlmOptimizer agent(client, context(), options, std::ref(eval));
  AgentResult result = agent.run();
  ASSERT_EQ(result.iterations.size(), 2u);
  auto got = server.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].body, got[1].body);
  EXPECT_DOUBLE_EQ(result.best->evaluation.score, 2);
}

TEST(LlmAgent, ReplayReproducesARecordedSession) {
  TempDir dir;
  std::string path = dir.file("llm.jsonl");
  AgentOptions options;
  options.iterations = 3;
  AgentResult recorded;
  {
    FakeLlmServer server;
    ASSERT_GT(server.port(), 0);
    server.push(200, openai_reply(answer(1), 500, 10));
    server.push(200, openai_reply("no code, sorry", 600, 5));
    server.push(200, openai_reply(answer(7), 700, 20));
    HttpClient http(config(server), kKey);
    auto rec = RecordingClient::open(http, path);
    ASSERT_TRUE(rec);
    FakeEvaluator eval;
    LlmOptimizer agent(**rec, context(), options, std::ref(eval));
    recorded = agent.run();
  }
  ASSERT_EQ(recorded.iterations.size(), 3u);

  auto replay = ReplayClient::open(path);
  ASSERT_TRUE(replay) << replay.error().message;
  FakeEvaluator eval;
  LlmOptimizer again(**replay, context(), options, std::ref(eval));
  AgentResult replayed = again.run();
  EXPECT_FALSE(replayed.stopped) << replayed.stopped->message;
  ASSERT_EQ(replayed.iterations.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& a = recorded.iterations[i].candidates[0];
    const auto& b = replayed.iterations[i].candidates[0];
    EXPECT_EQ(a.reply, b.reply);
    EXPECT_EQ(a.program, b.program);
    EXPECT_EQ(a.usage, b.usage);
    EXPECT_EQ(a.evaluation.score, b.evaluation.score);
  }
  EXPECT_EQ(recorded.usage, replayed.usage);
  ASSERT_TRUE(replayed.best);
  EXPECT_DOUBLE_EQ(replayed.best->evaluation.score, 7);

  // Other options send other prompts: the replay says so instead of answering.
  auto replay2 = ReplayClient::open(path);
  ASSERT_TRUE(replay2);
  AgentOptions other = options;
  other.feedback = FeedbackLevel::System;
  other.temperature = 0.1;
  LlmOptimizer diverged(**replay2, context(), other, std::ref(eval));
  AgentResult d = diverged.run();
  ASSERT_TRUE(d.stopped);
  EXPECT_EQ(d.stopped->code, "llm.replay-diverged");
}

}  // namespace
}  // namespace mage::llm
