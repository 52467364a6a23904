// The report pages: reading run directories (read-only, torn lines skipped), failure kinds from error codes,
// the line diff, escaping of everything a run wrote, and the sections and SVG elements of the pages.
#include <gtest/gtest.h>

#include "report/diff.hpp"
#include "report/html.hpp"
#include "report/report.hpp"
#include "report/run_data.hpp"
#include "report/report_fixture.hpp"
#include "temp_dir.hpp"

namespace mage::report {
namespace {

using test::count;
using test::FakeEval;
using test::kHostile;
using test::mixed_evals;
using test::write_run;
namespace fs = std::filesystem;

TEST(ReportHtml, EscapesEveryMarkupCharacterAndDropsControlCharacters) {
  EXPECT_EQ(escape("<a href=\"x\">Tom & 'Jerry'</a>"), "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  EXPECT_EQ(escape(std::string("a\x01" "b\x1b[0m\tc\nd", 11)), "ab[0m\tc\nd");
  EXPECT_EQ(escape("→ ünïcode"), "→ ünïcode");
}

TEST(ReportDiff, KeepsCommonLinesAndMarksTheChanges) {
  auto d = diff_lines("a\nb\nc\nd\n", "a\nc\nx\nd\n");
  std::string got;
  for (const auto& l : d)
    got += (l.kind == DiffLine::Kind::Same ? " " : l.kind == DiffLine::Kind::Added ? "+" : "-") + l.text + "|";
  EXPECT_EQ(got, " a|-b| c|+x| d|");
  EXPECT_TRUE(diff_lines("", "").empty());
  auto all_new = diff_lines("", "Task * GPU;\n");
  ASSERT_EQ(all_new.size(), 1u);
  EXPECT_EQ(all_new[0].kind, DiffLine::Kind::Added);
  // Long unchanged stretches are folded; changed text is escaped.
  std::string before, after;
  for (int i = 0; i < 30; ++i) before += "line " + std::to_string(i) + "\n";
  after = before + "<b>new</b>\n";
  const std::string html = render_diff(diff_lines(before, after));
  EXPECT_NE(html.find("unchanged lines"), std::string::npos);
  EXPECT_NE(html.find("+ &lt;b&gt;new&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<b>new"), std::string::npos);
}

TEST(ReportRunData, ClassifiesTheRecordedErrorCodes) {
  EXPECT_EQ(classify_failure("syntax.unexpected-token"), FailureKind::Check);
  EXPECT_EQ(classify_failure("static.unknown-name"), FailureKind::Check);
  EXPECT_EQ(classify_failure("mapping.out-of-memory"), FailureKind::OutOfMemory);
  EXPECT_EQ(classify_failure("mapping.memory-not-addressable"), FailureKind::Evaluation);
  EXPECT_EQ(classify_failure("eval.index-out-of-range"), FailureKind::Evaluation);
  EXPECT_EQ(classify_failure("sim.failed"), FailureKind::Evaluation);
  EXPECT_EQ(classify_failure("run.timeout"), FailureKind::Evaluation);
  EXPECT_EQ(classify_failure("sim.crash"), FailureKind::Crash);
  EXPECT_EQ(classify_failure("eval.internal"), FailureKind::Crash);
  EXPECT_EQ(classify_failure("run.signal"), FailureKind::Crash);
  EXPECT_EQ(classify_failure("llm.no-program"), FailureKind::NoProgram);
}

TEST(ReportRunData, ReadsARunWithoutChangingIt) {
  mage::testing::TempDir tmp;
  const fs::path dir = tmp.file("run");
  write_run(dir, "ensemble", mixed_evals());
  // A run still writing: its last line is incomplete.
  { std::ofstream(dir / "evaluations.jsonl", std::ios::app) << "{\"ok\": true, \"sco"; }
  const auto size = fs::file_size(dir / "evaluations.jsonl");
  auto run = load_run(dir.string());
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(fs::file_size(dir / "evaluations.jsonl"), size);  // not repaired
  ASSERT_EQ(run->evaluations.size(), 9u);
  ASSERT_EQ(run->warnings.size(), 1u);
  EXPECT_NE(run->warnings[0].find(":10:"), std::string::npos) << run->warnings[0];
  ASSERT_TRUE(run->best);
  EXPECT_EQ(*run->best, 5u);
  EXPECT_NE(run->best_program.find("Region * * GPU FBMEM;"), std::string::npos);
  EXPECT_TRUE(run->fallback.ok);
  EXPECT_DOUBLE_EQ(run->expert.score, 20);
  EXPECT_EQ(run->expert.program, "Task * GPU;\nRegion * * GPU FBMEM;\n");
  EXPECT_EQ(run->evaluations[1].failure(), FailureKind::Check);
  ASSERT_TRUE(run->evaluations[3].elapsed);
  EXPECT_DOUBLE_EQ(*run->evaluations[3].elapsed, 2.0);
  EXPECT_EQ(run->label, "ensemble (run)");
}

TEST(ReportRunData, FieldsOfTheWrongTypeAreMissingNotFatal) {
  mage::testing::TempDir tmp;
  const fs::path dir = tmp.file("odd");
  write_run(dir, "llm", {test::success(3)}, true);
  {
    std::ofstream(dir / "evaluations.jsonl", std::ios::app)
        << R"({"ok": "yes", "score": "high", "error": 5, "feedback": [1], "tokens": {"prompt": "x"}, "index": -1,)"
           R"( "candidate": "../../../etc/passwd", "iteration": 2})" "\n"
        << "[1, 2]\n";
  }
  test::write_text(dir / "summary.json", R"({"default": 3, "expert": {"ok": 1, "score": "x"}, "tokens": []})");
  test::write_text(dir / "run.json", R"({"optimizer": 7, "llm": "yes", "nodes": "two"})");
  auto run = load_run(dir.string());
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(run->evaluations.size(), 2u);
  EXPECT_FALSE(run->evaluations[1].ok);
  EXPECT_EQ(run->evaluations[1].failure(), FailureKind::Evaluation);
  EXPECT_EQ(run->warnings.size(), 1u);  // the array line
  EXPECT_FALSE(run->expert.ok);
  EXPECT_FALSE(run->fallback.known);
  EXPECT_EQ(run->prompt_tokens(), 100);
  EXPECT_EQ(run->evaluations[1].candidate, "");  // outside the run directory: not followed
  EXPECT_FALSE(run->evaluations[1].program);
  // And the page is still written.
  const std::string html = render_runs_page({*run}, SimView{}, tmp.path());
  EXPECT_NE(html.find("id=\"evaluation-table\""), std::string::npos);
}

TEST(ReportRunData, AHybridRunsPhasesFollowOneAnother) {
  mage::testing::TempDir tmp;
  const fs::path dir = tmp.file("hybrid");
  write_run(dir, "hybrid", {test::success(3), test::success(4), test::success(5)}, true);
  write_run(dir / "ensemble", "ensemble", {test::success(6), test::success(2)});
  auto run = load_run(dir.string());
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(run->evaluations.size(), 5u);
  EXPECT_EQ(run->evaluations[2].phase, "llm");
  EXPECT_EQ(run->evaluations[3].phase, "ensemble");
  EXPECT_EQ(run->evaluations[3].index, 3u);
  EXPECT_EQ(run->evaluations[3].phase_index, 0u);
  EXPECT_EQ(run->evaluations[3].candidate, "ensemble/candidates/00000.mpl");
  ASSERT_TRUE(run->evaluations[3].elapsed);
  EXPECT_DOUBLE_EQ(*run->evaluations[3].elapsed, 1.5 + 0.5);  // after the LLM phase's last record
  ASSERT_TRUE(run->best);
  EXPECT_EQ(*run->best, 3u);
  const std::string html = render_runs_page({*run}, SimView{}, tmp.path());
  EXPECT_EQ(count(html, "class=\"marker\""), 1u);
  EXPECT_NE(html.find("ensemble phase"), std::string::npos);
  EXPECT_EQ(count(html, "<article class=\"iteration\""), 3u);  // the LLM phase's iterations only
}

TEST(ReportRunData, NamesWhatIsMissing) {
  mage::testing::TempDir tmp;
  auto none = load_run(tmp.file("absent"));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, "report.not-a-run");
  EXPECT_NE(none.error().message.find("absent"), std::string::npos);
  fs::create_directories(tmp.file("empty"));
  auto empty = load_run(tmp.file("empty"));
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("run.json"), std::string::npos);
  EXPECT_FALSE(empty.error().hint.empty());
}

TEST(ReportPage, HasEverySectionAndChart) {
  mage::testing::TempDir tmp;
  write_run(tmp.file("a"), "ensemble", mixed_evals());
  auto run = load_run(tmp.file("a"));
  ASSERT_TRUE(run);
  test::Simulated sim;
  ASSERT_TRUE(sim.result.ok);
  const std::string html = render_runs_page({*run}, sim.view(), tmp.path());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* id : {"overview", "convergence", "distribution", "best", "simulation", "timeline", "busy", "tasks",
                         "copies", "critical", "evaluations", "evaluation-table", "failure-counts", "diff-default",
                         "diff-expert", "best-program"})
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  EXPECT_EQ(html.find("id=\"llm\""), std::string::npos);  // not an LLM run
  EXPECT_GE(count(html, "<svg"), 6u);  // two convergence charts, histogram, outcomes, timeline, busy, critical path
  EXPECT_EQ(count(html, "class=\"series\""), 2u);  // one line per run, by evaluations and by wall time
  EXPECT_EQ(count(html, "class=\"reference\""), 2u * 2u + 2u);  // default and expert on three charts
  EXPECT_GT(count(html, "class=\"task\""), 0u);
  EXPECT_GT(count(html, "class=\"copy\""), 0u);  // the halo's edges move between GPUs
  EXPECT_NE(html.find("simulated on p100x4"), std::string::npos);
  EXPECT_NE(html.find("href=\"report.trace.json\""), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"best\">"), std::string::npos);
  EXPECT_EQ(count(html, "<tr class=\"failed\">"), 5u);
  EXPECT_NE(html.find("2.500×"), std::string::npos);  // best 25 against the default's 10
  // Self-contained: nothing is fetched.
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
}

TEST(ReportPage, CountsEachFailureKindPerRun) {
  mage::testing::TempDir tmp;
  write_run(tmp.file("a"), "ensemble", mixed_evals());
  std::vector<FakeEval> other(4, test::success(5));
  other[2] = test::failure("mapping.out-of-memory", "too big");
  write_run(tmp.file("b"), "random", other);
  std::vector<mage::report::Run> runs = {*load_run(tmp.file("a")), *load_run(tmp.file("b"))};
  const std::string html = render_runs_page(runs, SimView{}, tmp.path());
  const auto row = [&](const std::string& label) {
    const auto at = html.find("<tr data-run=\"" + label + "\">");
    EXPECT_NE(at, std::string::npos) << label;
    return html.substr(at, html.find("</tr>", at) - at);
  };
  const std::string a = row("ensemble (a)"), b = row("random (b)");
  EXPECT_NE(a.find("data-kind=\"ok\">4<"), std::string::npos) << a;
  EXPECT_NE(a.find("data-kind=\"check error\">2<"), std::string::npos) << a;
  EXPECT_NE(a.find("data-kind=\"evaluation error\">1<"), std::string::npos) << a;
  EXPECT_NE(a.find("data-kind=\"out of memory\">1<"), std::string::npos) << a;
  EXPECT_NE(a.find("data-kind=\"crash or internal error\">1<"), std::string::npos) << a;
  EXPECT_NE(b.find("data-kind=\"ok\">3<"), std::string::npos) << b;
  EXPECT_NE(b.find("data-kind=\"out of memory\">1<"), std::string::npos) << b;
  EXPECT_NE(b.find("data-kind=\"check error\">0<"), std::string::npos) << b;
  // Several runs: one convergence line each, a run column in the table, the best over both runs.
  EXPECT_EQ(count(html, "class=\"series\""), 4u);
  EXPECT_EQ(count(html, "<tr class=\"best\">"), 1u);
  EXPECT_NE(html.find("<th>run</th>"), std::string::npos);
  EXPECT_NE(html.find("not simulated"), std::string::npos);
}

TEST(ReportPage, EscapesEverythingARunWrote) {
  mage::testing::TempDir tmp;
  auto evals = mixed_evals();
  evals.push_back(test::failure("llm.no-program", std::string("no program in ") + kHostile));
  write_run(tmp.file("llm"), "llm", evals, true);
  auto run = load_run(tmp.file("llm"));
  ASSERT_TRUE(run);
  test::Simulated sim;
  const std::string html = render_runs_page({*run}, sim.view(), tmp.path());
  EXPECT_EQ(html.find(kHostile), std::string::npos);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"), std::string::npos);
  EXPECT_EQ(count(html, "<script>"), 1u);  // the page's own table sorting
  // The LLM section: every iteration with its rationale, program, feedback and tokens.
  EXPECT_NE(html.find("id=\"llm\""), std::string::npos);
  EXPECT_EQ(count(html, "<article class=\"iteration\""), 10u);
  EXPECT_EQ(count(html, "<blockquote class=\"rationale\">"), 10u);
  EXPECT_NE(html.find("1000 prompt and 200 completion tokens"), std::string::npos);
  EXPECT_NE(html.find("the answer (no program in it)"), std::string::npos);
  EXPECT_NE(html.find("data-kind=\"no program\">1<"), std::string::npos);
}

TEST(ReportPage, SimulationPageShowsTheTimelineAndFeedback) {
  test::Simulated sim;
  ASSERT_TRUE(sim.result.ok);
  const std::string html = render_simulation_page(sim.view(), std::string("Task * GPU; # ") + kHostile, "halo");
  for (const char* id : {"overview", "simulation", "timeline", "tasks", "copies", "feedback", "program"})
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  EXPECT_EQ(html.find(kHostile), std::string::npos);
  // Both task names in the per-task table.
  EXPECT_NE(html.find(">update</td>"), std::string::npos);
  EXPECT_NE(html.find(">stencil</td>"), std::string::npos);
  EXPECT_NE(html.find("<dt>Explain</dt>"), std::string::npos);

  // A failed simulation still makes a page, saying why.
  SimView none;
  none.note = std::string("not simulated: ") + kHostile;
  const std::string failed = render_simulation_page(none, "", "halo");
  EXPECT_NE(failed.find("not simulated: &lt;script&gt;"), std::string::npos);
}

TEST(ReportPage, ManyTasksStayAFewBarsPerLane) {
  test::Simulated sim;
  ASSERT_TRUE(sim.result.ok);
  const std::string html = render_simulation_section(sim.view());
  // 3 steps x 8 point tasks: at most one bar per task, and the timed window leaves out the warm-up.
  EXPECT_LE(count(html, "class=\"task\""), sim.result.plan.graph.tasks.size());
  EXPECT_GT(count(html, "class=\"task\""), 0u);
}

}  // namespace
}  // namespace mage::report
