// Measurements read from a real command's output: progress lines that end in `\r`, a measurement at the
// end of a line far longer than the kept output, and numbers that are not a usable measurement (a
// subnormal time, whose reciprocal overflows).
#include "search/command_evaluator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace mage::search {
namespace {

CommandSpec spec(std::string command, std::string pattern = "T=([0-9.eE+-]+)") {
  CommandSpec s;
  s.command = std::move(command);
  s.pattern = std::move(pattern);
  s.timeout_s = 30;
  return s;
}

TEST(CommandMeasurement, ProgressLinesEndingInCarriageReturnsKeepTheMeasurement) {
  // 300 KB of `\r` progress with no newline, then the result line: more than the kept tail.
  auto r = run_command(spec("yes 'progress 50%' | head -c 300000 | tr '\\n' '\\r'; echo 'T=1.25' # {mapper}"),
                       "/tmp/m.mpl");
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_DOUBLE_EQ(r.value, 1.25);
  // The result as one more progress step, with no newline at all.
  r = run_command(spec("yes 'step' | head -c 300000 | tr '\\n' '\\r'; printf '\\rT=2.5' # {mapper}"), "/tmp/m.mpl");
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_DOUBLE_EQ(r.value, 2.5);
}

TEST(CommandMeasurement, AVeryLongLineEndingInTheMeasurementIsMatched) {
  auto r = run_command(spec("head -c 200000 /dev/zero | tr '\\0' x; echo ' T=1.25' # {mapper}"), "/tmp/m.mpl");
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_DOUBLE_EQ(r.value, 1.25);
  // Short enough to be kept whole, too.
  r = run_command(spec("head -c 5000 /dev/zero | tr '\\0' x; echo ' T=3' # {mapper}"), "/tmp/m.mpl");
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_DOUBLE_EQ(r.value, 3);
}

TEST(CommandMeasurement, ASubnormalOrInfiniteTimeIsABadValue) {
  for (const char* printed : {"1e-320", "0", "-1", "4.9e-324"}) {
    auto r = run_command(spec(std::string("echo T=") + printed + " # {mapper}"), "/tmp/m.mpl");
    EXPECT_FALSE(r.ok) << printed;
    EXPECT_EQ(r.error.code, "run.bad-value") << printed;
  }
  // 1e999 does not parse as a finite number: no match at all.
  auto r = run_command(spec("echo T=1e999 # {mapper}"), "/tmp/m.mpl");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.code, "run.no-match");
  // The smallest normal time is fine, and its score finite.
  r = run_command(spec("echo T=2.3e-308 # {mapper}"), "/tmp/m.mpl");
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_TRUE(std::isfinite(r.score));
}

TEST(CommandMeasurement, ThroughputMayBeZeroButNotSubnormal) {
  CommandSpec s = spec("echo T=0 # {mapper}");
  s.metric = CommandSpec::Metric::Throughput;
  auto r = run_command(s, "/tmp/m.mpl");
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.score, 0);
  s.command = "echo T=1e-320 # {mapper}";
  r = run_command(s, "/tmp/m.mpl");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.code, "run.bad-value");
  EXPECT_NE(r.error.message.find("not a normal number"), std::string::npos) << r.error.message;
}

}  // namespace
}  // namespace mage::search
