// The report pages in a real browser: headless Chromium loads each page from disk, runs its script and
// renders it. No console message may appear (the pages log nothing, so any is an error), the dumped DOM
// holds the sections and SVG elements, and a PNG screenshot is written (to $MAGE_REPORT_SCREENSHOTS when
// set, for the docs). Skipped where Chromium is not installed (scripts/setup.sh installs it).
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "report/report_fixture.hpp"
#include "report/run_data.hpp"
#include "temp_dir.hpp"

namespace mage::report {
namespace {

namespace fs = std::filesystem;
using test::count;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string chromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    const std::string probe = std::string("command -v ") + name + " >/dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) return name;
  }
  return "";
}

struct Browser {
  int code = -1;
  std::string out, err;
};

// Chromium headless on `page` with `args`, its own profile in `scratch`, stdout and stderr captured.
Browser run_browser(const std::string& exe, const fs::path& scratch, const fs::path& page, const std::string& args) {
  const fs::path out = scratch / "browser.out", err = scratch / "browser.err";
  const std::string cmd = "timeout 180 " + exe + " --headless --disable-gpu --no-sandbox --hide-scrollbars " +
                          "--no-first-run --user-data-dir='" + (scratch / "profile").string() +
                          "' --enable-logging=stderr --v=0 " + args + " 'file://" + fs::absolute(page).string() + "' >'" +
                          out.string() + "' 2>'" + err.string() + "'";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

// The console messages Chromium logged ("...:INFO:CONSOLE:12] "Uncaught ...", source: ...").
std::string console_lines(const std::string& err) {
  std::string out;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);)
    if (line.find(":CONSOLE") != std::string::npos) out += line + "\n";
  return out;
}

class ReportBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    exe_ = chromium();
    if (exe_.empty())
      GTEST_SKIP() << "Chromium is not installed (Debian: apt-get install chromium, or scripts/setup.sh); the report "
                      "pages are not checked in a browser";
  }

  // The page's DOM after its script ran, checked for console messages; and its screenshot.
  std::string load(const fs::path& page, const std::string& screenshot_name) {
    Browser dom = run_browser(exe_, tmp_.path(), page, "--dump-dom");
    EXPECT_EQ(dom.code, 0) << dom.err;
    EXPECT_EQ(console_lines(dom.err), "") << "the page logged to the console";
    const char* keep = std::getenv("MAGE_REPORT_SCREENSHOTS");
    const fs::path png = keep && *keep ? fs::path(keep) / screenshot_name : fs::path(tmp_.file(screenshot_name));
    fs::create_directories(png.parent_path());
    Browser shot = run_browser(exe_, tmp_.path(), page, "--window-size=1280,2600 --screenshot='" + png.string() + "'");
    EXPECT_EQ(shot.code, 0) << shot.err;
    EXPECT_EQ(console_lines(shot.err), "");
    const std::string bytes = slurp(png);
    EXPECT_GT(bytes.size(), 10000u) << png;
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << png;
    return dom.out;
  }

  std::string exe_;
  mage::testing::TempDir tmp_{"mage-report-browser"};
};

TEST_F(ReportBrowser, NoticesAConsoleError) {
  // The check below is worth something only if a broken script shows up.
  const fs::path bad = tmp_.file("bad.html");
  std::ofstream(bad) << "<!DOCTYPE html><html><body><p>x</p><script>no_such_function();</script></body></html>";
  Browser b = run_browser(exe_, tmp_.path(), bad, "--dump-dom");
  EXPECT_EQ(b.code, 0) << b.err;
  EXPECT_NE(console_lines(b.err).find("Uncaught ReferenceError"), std::string::npos) << b.err;
}

TEST_F(ReportBrowser, RunsPageOfSeveralRunsRendersWithoutErrors) {
  test::write_run(tmp_.file("ensemble"), "ensemble", test::mixed_evals());
  auto llm_evals = test::mixed_evals();
  llm_evals.resize(5);
  test::write_run(tmp_.file("llm"), "llm", llm_evals, true);
  std::vector<mage::report::Run> runs = {*load_run(tmp_.file("ensemble")), *load_run(tmp_.file("llm"))};
  test::Simulated sim;
  ASSERT_TRUE(sim.result.ok);
  const fs::path page = tmp_.file("report.html");
  // After the page's own script: sort the evaluations by value, twice (descending), as a click does, and
  // note which row comes first.
  std::ofstream(page) << render_runs_page(runs, sim.view(), tmp_.path())
                      << "<script>var t = document.getElementById('evaluation-table');"
                         "var th = Array.prototype.filter.call(t.tHead.rows[0].cells, function(c){ return c.textContent == "
                         "'value'; })[0]; th.click(); th.click();"
                         "document.documentElement.setAttribute('data-first', t.tBodies[0].rows[0].className + ' ' + "
                         "t.tBodies[0].rows[t.tBodies[0].rows.length - 1].className);</script>";

  const std::string dom = load(page, "report-runs.png");
  EXPECT_NE(dom.find("data-ready=\"1\""), std::string::npos) << "the page's script did not finish";
  for (const char* id : {"overview", "convergence", "distribution", "best", "simulation", "timeline", "evaluations", "llm"})
    EXPECT_NE(dom.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  EXPECT_GE(count(dom, "<svg"), 8u);
  EXPECT_EQ(count(dom, "class=\"series\""), 4u);
  EXPECT_GT(count(dom, "class=\"task\""), 0u);
  EXPECT_GT(count(dom, "<rect"), 20u);
  EXPECT_EQ(dom.find("<script>alert"), std::string::npos);  // the hostile text stayed text
  EXPECT_NE(dom.find("title=\"sort by"), std::string::npos);  // the script set up the sortable tables
  // Sorted by value, highest first: the best evaluation leads and a failed one (no score) comes last.
  EXPECT_NE(dom.find("data-first=\"best failed\""), std::string::npos);
  EXPECT_NE(dom.find("data-dir=\"desc\""), std::string::npos);
}

TEST_F(ReportBrowser, SimulationPageRendersWithoutErrors) {
  test::Simulated sim;
  ASSERT_TRUE(sim.result.ok);
  const fs::path page = tmp_.file("sim.html");
  std::ofstream(page) << render_simulation_page(sim.view(), "Task * GPU;\n", "halo");
  const std::string dom = load(page, "report-sim.png");
  EXPECT_NE(dom.find("data-ready=\"1\""), std::string::npos);
  for (const char* id : {"simulation", "timeline", "busy", "tasks", "copies", "feedback", "program"})
    EXPECT_NE(dom.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  EXPECT_GE(count(dom, "<svg"), 3u);
}

}  // namespace
}  // namespace mage::report
