// Program extraction from noisy answers, and the prompts: what each mode and feedback level shows, and that
// an application's every task and region name reaches the model.
#include "llm/extract.hpp"
#include "llm/prompt.hpp"
#include "llm/reference.hpp"

#include <gtest/gtest.h>

#include "apps/builtin.hpp"
#include "model/app_model.hpp"
#include "model/machine_model.hpp"

namespace mage::llm {
namespace {

TEST(LlmExtract, TakesTheLastMplBlockAndKeepsTheRationale) {
  auto x = extract_program(
      "I will put everything on GPUs.\n\n```mpl\nTask * CPU;\n```\n\nBetter:\n```mpl\nTask * GPU;\nRegion * * GPU "
      "FBMEM;\n```\nThat should be faster.");
  ASSERT_TRUE(x.found);
  EXPECT_EQ(x.language, "mpl");
  EXPECT_EQ(x.program, "Task * GPU;\nRegion * * GPU FBMEM;\n");
  EXPECT_NE(x.rationale.find("I will put everything on GPUs."), std::string::npos);
  EXPECT_NE(x.rationale.find("That should be faster."), std::string::npos);
  EXPECT_EQ(x.rationale.find("Region * * GPU FBMEM"), std::string::npos);
}

TEST(LlmExtract, ToleratesCrlfMissingFenceAndNoise) {
  auto crlf = extract_program("Sure!\r\n```\r\nTask * GPU;\r\n```\r\n");
  ASSERT_TRUE(crlf.found);
  EXPECT_EQ(crlf.program, "Task * GPU;\n");
  EXPECT_EQ(crlf.rationale, "Sure!");

  // Cut off before the closing fence: the block runs to the end.
  auto open = extract_program("Plan:\n```mpl\nTask * GPU;\nRegion * * GPU FBMEM;\n");
  ASSERT_TRUE(open.found);
  EXPECT_EQ(open.program, "Task * GPU;\nRegion * * GPU FBMEM;\n");

  // An indented block inside a list item, with an info string in braces.
  auto indented = extract_program("1. Use this:\n   ``` {.mpl}\n   Task * GPU;\n   ```\n");
  ASSERT_TRUE(indented.found);
  EXPECT_EQ(indented.program, "Task * GPU;\n");

  // Reasoning sections are not part of the rationale, and their blocks are not candidates.
  auto think = extract_program("<think>maybe ```mpl\nTask * CPU;\n``` no</think>Final:\n```mpl\nTask * OMP;\n```");
  ASSERT_TRUE(think.found);
  EXPECT_EQ(think.program, "Task * OMP;\n");
  EXPECT_EQ(think.rationale, "Final:");
}

TEST(LlmExtract, PrefersBlocksThatLookLikeMappers) {
  // A python-labelled mapper beats a later shell block.
  auto x = extract_program(
      "```python\nm = Machine(GPU);\ndef f(Task task) {\n    return m[0, 0];\n}\nIndexTaskMap * f;\n```\n"
      "Run it with:\n```bash\nmage sim mapper.mpl\n```\n");
  ASSERT_TRUE(x.found);
  EXPECT_EQ(x.language, "python");
  EXPECT_NE(x.program.find("IndexTaskMap * f;"), std::string::npos);
  // A ```mpl block wins over anything else, even an earlier one.
  auto y = extract_program("```mpl\nTask * GPU;\n```\n```\nTask * CPU;\n```\n");
  EXPECT_EQ(y.program, "Task * GPU;\n");
}

TEST(LlmExtract, NoBlockIsNotFound) {
  for (const char* answer : {"", "Put every task on a GPU.", "Use `Task * GPU;` inline.", "```bash\nls\n```"}) {
    auto x = extract_program(answer);
    EXPECT_FALSE(x.found) << answer;
    EXPECT_TRUE(x.program.empty());
  }
  EXPECT_EQ(extract_program("Just prose.").rationale, "Just prose.");
  EXPECT_EQ(no_program_diagnostic().code, "llm.no-program");
}

TEST(LlmReference, IsTheEmbeddedDocument) {
  auto ref = language_reference();
  EXPECT_NE(ref.find("# Mapping language: concise reference"), std::string::npos);
  EXPECT_NE(ref.find("auto_split"), std::string::npos);
  EXPECT_NE(ref.find("IndexTaskMap"), std::string::npos);
  EXPECT_GT(ref.size(), 4000u);
}

// The pennant model on one p100x4 node, described as the prompt shows it.
struct Pennant {
  model::AppModel app;
  PromptContext context;
};

Pennant pennant() {
  lang::Diagnostics diags;
  const auto* builtin = apps::find_builtin("pennant");
  EXPECT_NE(builtin, nullptr);
  auto app = apps::make_app(*builtin, apps::Scale{}, {}, diags);
  EXPECT_TRUE(app) << lang::render_text(diags, nullptr);
  auto machine = model::model_preset("p100x4");
  EXPECT_TRUE(machine);
  Pennant p{*app, {}};
  p.context.app_name = "pennant";
  p.context.app_description = model::describe(*app);
  p.context.machine_description = model::describe(*machine);
  p.context.reference = std::string(language_reference());
  return p;
}

TEST(LlmPrompt, HoldsEveryTaskAndRegionName) {
  auto p = pennant();
  ASSERT_FALSE(p.app.tasks.empty());
  ASSERT_FALSE(p.app.regions.empty());
  std::string user = user_prompt(p.context, {}, nullptr, {});
  for (const auto& t : p.app.tasks) EXPECT_NE(user.find(t.name), std::string::npos) << t.name;
  for (const auto& r : p.app.regions) EXPECT_NE(user.find(r.name), std::string::npos) << r.name;
  for (const auto& part : p.app.partitions) EXPECT_NE(user.find(part.name), std::string::npos) << part.name;
  EXPECT_NE(user.find("GPU"), std::string::npos);  // the machine
  std::string system = system_prompt(p.context);
  EXPECT_NE(system.find(std::string(language_reference())), std::string::npos);
}

TEST(LlmPrompt, FeedbackLevelsAreCumulative) {
  Evaluation e{true, 3.5, "throughput 3.5 steps/s", "copies dominate", "move rp_ghost to ZCMEM"};
  EXPECT_EQ(render_feedback(e, FeedbackLevel::System), "System: throughput 3.5 steps/s\n");
  EXPECT_EQ(render_feedback(e, FeedbackLevel::Explain), "System: throughput 3.5 steps/s\nExplain: copies dominate\n");
  EXPECT_EQ(render_feedback(e, FeedbackLevel::Suggest),
            "System: throughput 3.5 steps/s\nExplain: copies dominate\nSuggest: move rp_ghost to ZCMEM\n");

  auto p = pennant();
  Attempt best{2, "Task * GPU;\n", e};
  std::vector<Attempt> history = {{1, "", {false, 0, "llm.no-program: none", "nothing ran", "use a block"}}, best};
  PromptOptions system_only{FeedbackLevel::System, Mode::Normal};
  std::string u = user_prompt(p.context, system_only, &best, history);
  EXPECT_NE(u.find("Best mapper so far (iteration 2, score 3.5"), std::string::npos) << u;
  EXPECT_NE(u.find("```mpl\nTask * GPU;\n```"), std::string::npos);
  EXPECT_NE(u.find("llm.no-program"), std::string::npos);
  EXPECT_NE(u.find("(no program)"), std::string::npos);
  EXPECT_EQ(u.find("copies dominate"), std::string::npos);
  EXPECT_EQ(u.find("move rp_ghost"), std::string::npos);
  std::string full = user_prompt(p.context, {FeedbackLevel::Suggest, Mode::Normal}, &best, history);
  EXPECT_NE(full.find("Explain: copies dominate"), std::string::npos);
  EXPECT_NE(full.find("Suggest: move rp_ghost to ZCMEM"), std::string::npos);
}

TEST(LlmPrompt, BaselinesShowNoFeedback) {
  auto p = pennant();
  Evaluation e{true, 3.5, "throughput 3.5", "copies dominate", "move it"};
  Attempt best{1, "Task * GPU;\n", e};
  std::string zero = user_prompt(p.context, {FeedbackLevel::Suggest, Mode::ZeroShot}, &best, {best});
  EXPECT_EQ(zero.find("throughput 3.5"), std::string::npos);
  EXPECT_EQ(zero.find("Best mapper"), std::string::npos);
  EXPECT_EQ(zero.find("Example mappers"), std::string::npos);

  p.context.examples = expert_examples("pennant");
  ASSERT_FALSE(p.context.examples.empty());
  for (const auto& ex : p.context.examples) {
    EXPECT_NE(ex.name, "pennant");
    EXPECT_FALSE(ex.program.empty());
  }
  std::string few = user_prompt(p.context, {FeedbackLevel::Suggest, Mode::FewShot}, &best, {best});
  EXPECT_NE(few.find("Example mappers"), std::string::npos);
  EXPECT_NE(few.find(p.context.examples[0].program), std::string::npos);
  EXPECT_EQ(few.find("throughput 3.5"), std::string::npos);
  // The 2-D GEMMs share one expert mapper: it is offered once, and never to one of them.
  for (const auto& ex : expert_examples("cannon", 9)) {
    EXPECT_NE(ex.name, "summa");
    EXPECT_NE(ex.name, "pumma");
  }
}

TEST(LlmPrompt, ParsesOptionNames) {
  EXPECT_EQ(parse_feedback_level("explain"), FeedbackLevel::Explain);
  EXPECT_FALSE(parse_feedback_level("all"));
  EXPECT_EQ(parse_mode("few-shot"), Mode::FewShot);
  EXPECT_FALSE(parse_mode("one-shot"));
}

}  // namespace
}  // namespace mage::llm
