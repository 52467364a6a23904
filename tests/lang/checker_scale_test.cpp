// The checker and its suggestions on hostile sizes: time linear in the program, whatever its shape.
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "lang/app_signature.hpp"
#include "lang/checker.hpp"
#include "lang/parser.hpp"

namespace mage::lang {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Parses and checks `text`; returns the diagnostics and how long the check took.
std::pair<Diagnostics, double> timed_check(const std::string& text) {
  SourceFile src("big.mpl", text);
  Diagnostics diags;
  Program program = parse(src, diags);
  EXPECT_FALSE(diags.has_errors()) << render_text(diags, &src);
  auto start = std::chrono::steady_clock::now();
  check_program(program, CheckOptions{}, diags);
  return {std::move(diags), seconds_since(start)};
}

std::size_t count(const Diagnostics& ds, const std::string& code) {
  std::size_t n = 0;
  for (const auto& d : ds.all()) n += d.code == code;
  return n;
}

// 100,000 rules used to take minutes: every rule was compared with every other one.
TEST(CheckerScale, ManyTaskRulesCheckInLinearTime) {
  std::string text;
  for (int i = 0; i < 100'000; ++i) text += "Task t" + std::to_string(i) + " GPU,CPU;\n";
  auto [diags, seconds] = timed_check(text);
  EXPECT_LT(seconds, 10.0);
  EXPECT_EQ(diags.error_count(), 0u);
  EXPECT_EQ(count(diags, "static.dead-rule"), 0u);
}

TEST(CheckerScale, ManyRegionAndIndexTaskMapRulesCheckInLinearTime) {
  std::string text = "def f(Task t) { m = Machine(GPU); return m[0, 0]; }\n";
  for (int i = 0; i < 30'000; ++i) {
    text += "Region t" + std::to_string(i) + " r" + std::to_string(i) + " GPU FBMEM;\n";
    text += "IndexTaskMap t" + std::to_string(i) + " f;\n";
  }
  // Every one of these is overridden by the rule after it: each is reported, still in linear time.
  for (int i = 0; i < 30'000; ++i) text += "Layout * * GPU SOA;\n";
  auto [diags, seconds] = timed_check(text);
  EXPECT_LT(seconds, 10.0);
  EXPECT_EQ(diags.error_count(), 0u);
  EXPECT_GE(diags.warning_count(), 29'999u);
  EXPECT_GT(count(diags, "static.dead-rule"), 0u);
}

TEST(CheckerScale, DeadRuleVerdictsAreUnchangedByTheIndex) {
  // The later rule wins each cell; the earlier one is dead whole or for some of its tasks.
  auto [diags, seconds] = timed_check(
      "Task a GPU;\nTask a CPU;\n"
      "Region * r GPU FBMEM;\nRegion x,y r GPU ZCMEM;\nRegion * r GPU SYSMEM;\n"
      "Task b,c,d CPU;\nTask c,d GPU;\n");
  (void)seconds;
  std::vector<std::string> found;
  for (const auto& d : diags.all())
    found.push_back(d.code + "@" + std::to_string(d.span.begin.line) + " " + d.message);
  ASSERT_EQ(found.size(), 3u) << ::testing::PrintToString(found);
  EXPECT_EQ(found[0], "static.dead-rule@1 this `Task` rule never applies: the rule at line 2 overrides it");
  // `Region * r GPU FBMEM` loses to the later `*` rule for every task.
  EXPECT_EQ(found[1], "static.dead-rule@3 this `Region` rule never applies: the rule at line 5 overrides it");
  EXPECT_EQ(found[2],
            "static.partly-dead-rule@6 tasks `c`, `d` never use this `Task` rule: the rule at line 7 overrides it");
}

TEST(CheckerScale, SuggestionsForHugeNamesAreImmediate) {
  // An 80,000-character name next to another one: comparing them letter by letter took half a minute.
  std::string long_name(80'000, 'a');
  std::string text = long_name + "b = 1;\nx = " + long_name + "c;\n";
  auto [diags, seconds] = timed_check(text);
  EXPECT_LT(seconds, 2.0);
  ASSERT_EQ(count(diags, "static.undefined-name"), 1u);
}

TEST(CheckerScale, DidYouMeanStaysUsefulAndLinear) {
  EXPECT_EQ(did_you_mean("FBMEMM", {"SYSMEM", "FBMEM", "ZCMEM"}), std::optional<std::string>("FBMEM"));
  EXPECT_EQ(did_you_mean("stencl", {"stencil", "circuit"}), std::optional<std::string>("stencil"));
  EXPECT_EQ(did_you_mean("xyz", {"stencil", "circuit"}), std::nullopt);
  std::vector<std::string> many;
  for (int i = 0; i < 200'000; ++i) many.push_back("candidate_" + std::to_string(i));
  many.push_back(std::string(100'000, 'q'));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(did_you_mean("candidate_1234x", many), std::optional<std::string>("candidate_1234"));
  EXPECT_EQ(did_you_mean(std::string(100'000, 'q') + "r", many), std::nullopt);  // too long to be a typo
  EXPECT_LT(seconds_since(start), 2.0);
}

}  // namespace
}  // namespace mage::lang
