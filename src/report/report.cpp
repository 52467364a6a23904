#include "report/report.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "model/machine_model.hpp"
#include "report/diff.hpp"
#include "report/html.hpp"

namespace mage::report {

namespace fs = std::filesystem;

namespace {

constexpr const char* kStyle = R"css(
:root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f7f8fa;--card:#fff;--accent:#4e79a7;--good:#2f855a;--bad:#c53030}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#1f2937;color:#f9fafb;padding:20px 32px 14px}
header h1{margin:0;font-size:22px;font-weight:600}
header p{margin:4px 0 0;color:#d1d5db}
nav{background:#111827;padding:0 32px;position:sticky;top:0;z-index:2}
nav a{color:#d1d5db;text-decoration:none;display:inline-block;padding:8px 12px 8px 0;margin-right:12px;font-size:13px}
nav a:hover{color:#fff}
main{max-width:1320px;margin:0 auto;padding:8px 32px 48px}
[id]{scroll-margin-top:48px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:18px 0}
h2{font-size:18px;margin:0 0 10px;font-weight:600}
h3{font-size:15px;margin:18px 0 8px;font-weight:600}
p.note{color:var(--muted);font-size:13px;margin:6px 0}
p.machine{color:var(--muted);margin:-4px 0 10px}
.failure{color:var(--bad)}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0 12px}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 14px;min-width:150px;background:#fbfcfd}
.card b{display:block;font-size:18px;font-weight:600}
.card span{color:var(--muted);font-size:12px}
svg.chart{width:100%;height:auto;display:block;margin:4px 0}
svg .grid{stroke:#eef0f3;stroke-width:1}
svg .axis{stroke:#9ca3af;stroke-width:1}
svg .tick{font-size:11px;fill:#4b5563}
svg .label{font-size:12px;fill:#374151}
svg .series{fill:none;stroke-width:2.2}
svg .lane{fill:#f6f7f9}
svg rect.task{stroke:none}
svg rect.bar:hover,svg rect.task:hover{opacity:.8}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;font-size:12px;color:#374151;margin:2px 0 8px}
.legend i,.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.legend i.dash{height:0;border-top:2px dashed;width:16px;vertical-align:3px;border-radius:0}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6;font-weight:600;white-space:nowrap}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th[data-dir=asc]::after{content:" ▲";font-size:10px}
table.sortable th[data-dir=desc]::after{content:" ▼";font-size:10px}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.best td{background:#f0fff4}
tr.failed td.outcome{color:var(--bad)}
td.fb{min-width:380px;color:#374151}
td.run{white-space:nowrap}
td.fb .sug{color:var(--muted)}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;background:#e5e7eb;white-space:nowrap}
.badge.ok{background:#c6f6d5;color:#22543d}.badge.bad{background:#fed7d7;color:#742a2a}.badge.best{background:#fefcbf;color:#744210}
pre{background:#f8fafc;border:1px solid var(--line);border-radius:6px;padding:10px 12px;overflow:auto;font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;margin:6px 0;max-height:520px}
pre.diff .add{background:#e6ffed;color:#14532d;display:block}
pre.diff .del{background:#ffeef0;color:#7f1d1d;display:block}
pre.diff .fold{color:var(--muted);font-style:italic;display:block}
.diffstat{font-size:12px}.diffstat .add{color:var(--good)}.diffstat .del{color:var(--bad)}
.columns{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.columns>div{min-width:0}
@media (max-width:900px){.columns{grid-template-columns:1fr}}
details summary{cursor:pointer;color:var(--accent);margin:4px 0}
dl.feedback{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0}
dl.feedback dt{font-weight:600;color:var(--muted)}dl.feedback dd{margin:0;white-space:pre-wrap}
dl.feedback dd.system{font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
blockquote{margin:6px 0;padding:6px 12px;border-left:3px solid var(--accent);background:#f8fafc;white-space:pre-wrap}
article.iteration{border-top:1px solid var(--line);padding:10px 0}
article.iteration h3{margin:4px 0}
ol.steps{font-size:13px;color:#374151;margin:4px 0}
footer{color:var(--muted);font-size:12px;text-align:center;margin:24px 0}
)css";

// Sorting: a click on a header sorts the rows by that column (numbers by their data-v value).
constexpr const char* kScript = R"js(
(function(){
  function key(row, col){
    var cell = row.cells[col]; if (!cell) return '';
    var v = cell.getAttribute('data-v');
    if (v !== null && v !== '' && !isNaN(Number(v))) return Number(v);
    var t = cell.textContent.trim();
    return t !== '' && !isNaN(Number(t)) ? Number(t) : t.toLowerCase();
  }
  document.querySelectorAll('table.sortable').forEach(function(table){
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function(th, col){
      th.title = 'sort by ' + th.textContent;
      th.addEventListener('click', function(){
        var asc = th.getAttribute('data-dir') !== 'asc';
        Array.prototype.forEach.call(heads, function(o){ o.removeAttribute('data-dir'); });
        th.setAttribute('data-dir', asc ? 'asc' : 'desc');
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        rows.sort(function(a, b){
          var x = key(a, col), y = key(b, col);
          if (typeof x !== typeof y) { x = String(x); y = String(y); }
          return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
        });
        rows.forEach(function(r){ body.appendChild(r); });
      });
    });
  });
  document.documentElement.setAttribute('data-ready', '1');
})();
)js";

std::string page(const std::string& title, const std::string& subtitle, const std::vector<std::pair<std::string, std::string>>& nav,
                 const std::string& body) {
  std::string s = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<meta name=\"generator\" content=\"mage report\">\n<title>" +
                  escape(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<header><h1>" + escape(title) +
                  "</h1><p>" + escape(subtitle) + "</p></header>\n<nav>";
  for (const auto& [id, name] : nav) s += fmt::format("<a href=\"#{}\">{}</a>", escape(id), escape(name));
  s += "</nav>\n<main>\n" + body +
       "</main>\n<footer>Written by mage report. Simulated figures come from mage's machine models, not from a real "
       "machine.</footer>\n<script>" +
       kScript + "</script>\n</body>\n</html>\n";
  return s;
}

std::string ratio(double a, double b) { return b > 0 && a > 0 ? fmt::format("{:.3f}×", a / b) : std::string("–"); }

// Scores are throughputs in the application's unit when every success's score is its value (simulated
// runs and throughput measurements); otherwise they are 1 / time.
std::string score_label(const std::vector<Run>& runs) {
  std::set<std::string> units;
  bool same = true;
  for (const auto& r : runs)
    for (const auto& e : r.evaluations)
      if (e.ok) {
        units.insert(e.unit);
        same &= std::abs(e.score - e.value) <= 1e-9 * std::max(std::abs(e.score), 1.0);
      }
  if (same && units.size() == 1 && !units.begin()->empty()) return fmt::format("throughput ({})", *units.begin());
  return "score (1 / time; higher is better)";
}

std::vector<Reference> references_of(const Run& r) {
  std::vector<Reference> refs;
  if (r.fallback.known && r.fallback.ok) refs.push_back({"default", r.fallback.score});
  if (r.expert.known && r.expert.ok) refs.push_back({"expert", r.expert.score});
  return refs;
}

std::string outcome_badge(const EvalRow& e, bool best) {
  if (best) return "<span class=\"badge best\">best</span>";
  if (e.ok) return "<span class=\"badge ok\">ok</span>";
  return fmt::format("<span class=\"badge bad\">{}</span>", to_string(*e.failure()));
}

std::string clip(const std::string& text, std::size_t n) {
  if (text.size() <= n) return text;
  std::size_t cut = n;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
  return text.substr(0, cut) + "…";
}

std::string overview(const std::vector<Run>& runs) {
  std::string s = "<section id=\"overview\">\n<h2>Runs</h2>\n<table id=\"runs\"><thead><tr><th>run</th><th>application</th>"
                  "<th>evaluated</th><th class=\"num\">evaluations</th><th class=\"num\">succeeded</th><th class=\"num\">"
                  "best</th><th class=\"num\">vs default</th><th class=\"num\">vs expert</th></tr></thead><tbody>\n";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Run& r = runs[i];
    std::size_t ok = 0;
    for (const auto& e : r.evaluations) ok += e.ok;
    const EvalRow* best = r.best ? &r.evaluations[*r.best] : nullptr;
    s += fmt::format(
        "<tr><td><i class=\"swatch\" style=\"background:{}\"></i>{}<br><span class=\"note\">{}</span></td><td>{}</td>"
        "<td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td></tr>\n",
        palette(i), escape(r.label), escape(r.path), escape(r.app), escape(r.evaluated_on), r.evaluations.size(), ok,
        best ? escape(num(best->value) + " " + best->unit) : "–",
        best && r.fallback.ok ? ratio(best->score, r.fallback.score) : "–",
        best && r.expert.ok ? ratio(best->score, r.expert.score) : "–");
  }
  s += "</tbody></table>\n";
  for (const auto& r : runs) {
    if (r.summary.is_null())
      s += fmt::format("<p class=\"note\">{}: no summary.json yet (the run is still going, or was stopped); the "
                       "default and expert mappers' scores are unknown.</p>\n",
                       escape(r.label));
    if (r.llm)
      s += fmt::format("<p class=\"note\">{}: {} prompt and {} completion tokens.</p>\n", escape(r.label),
                       r.prompt_tokens(), r.completion_tokens());
    for (const auto& w : r.warnings) s += "<p class=\"note\">" + escape(r.label + ": " + w) + "</p>\n";
  }
  return s + "</section>\n";
}

std::string convergence(const std::vector<Run>& runs, const std::string& y_label) {
  LineChart by_eval{"Best score so far against evaluations", "evaluations", y_label + ", best so far", {}, {}, {}};
  LineChart by_time{"Best score so far against wall-clock time", "wall-clock time (s)", y_label + ", best so far", {}, {}, {}};
  bool timed = false;
  for (const auto& r : runs) {
    Series s{r.label, {}, true}, t{r.label, {}, true};
    double best = -1;
    for (const auto& e : r.evaluations) {
      const double x = static_cast<double>(e.index + 1);
      if (e.ok && e.score > best) {
        best = e.score;
        s.points.push_back({x, best});
        if (e.elapsed) t.points.push_back({*e.elapsed, best});
      }
    }
    if (best >= 0 && !r.evaluations.empty()) {
      s.points.push_back({static_cast<double>(r.evaluations.size()), best});
      if (r.evaluations.back().elapsed) t.points.push_back({*r.evaluations.back().elapsed, best});
    }
    for (std::size_t k = 1; k < r.evaluations.size(); ++k)
      if (r.evaluations[k].phase != r.evaluations[k - 1].phase)
        by_eval.markers.push_back({r.evaluations[k].phase + " phase", static_cast<double>(k + 1)});
    timed |= !t.points.empty();
    by_eval.series.push_back(std::move(s));
    by_time.series.push_back(std::move(t));
  }
  if (!runs.empty()) by_eval.references = by_time.references = references_of(runs.front());
  std::vector<std::string> names, colors;
  for (std::size_t i = 0; i < runs.size(); ++i) names.push_back(runs[i].label), colors.push_back(palette(i));
  std::string s = "<section id=\"convergence\">\n<h2>Convergence</h2>\n" + legend(names, colors) +
                  svg_line_chart(by_eval);
  if (!by_eval.references.empty())
    s += "<p class=\"note\">Dashed: the default mapper (the runtime's choices) and the expert mapper" +
         std::string(runs.size() > 1 ? ", as recorded by the first run" : "") + ".</p>\n";
  if (timed)
    s += "<h3>Against wall-clock time</h3>\n" + svg_line_chart(by_time);
  else
    s += "<p class=\"note\">Wall-clock times were not recorded in these runs (runs made before `elapsed_s` was "
         "recorded per evaluation).</p>\n";
  return s + "</section>\n";
}

std::string distribution(const std::vector<Run>& runs, const std::string& y_label) {
  Histogram h{"Scores of the successful evaluations", y_label, "evaluations", {}, {}, {}, 14};
  for (const auto& r : runs) {
    h.series.push_back(r.label);
    std::vector<double> v;
    for (const auto& e : r.evaluations)
      if (e.ok) v.push_back(e.score);
    h.values.push_back(std::move(v));
  }
  if (!runs.empty()) h.references = references_of(runs.front());
  std::vector<std::string> colors;
  for (std::size_t i = 0; i < runs.size(); ++i) colors.push_back(palette(i));
  std::string s = "<section id=\"distribution\">\n<h2>Scores and failures</h2>\n" + svg_histogram(h) +
                  (runs.size() > 1 ? legend(h.series, colors) : std::string());

  StackedBars bars{"Outcomes per run", {}, {"succeeded"}, {"#59a14f"}, {}, {}};
  const std::vector<std::string> kind_colors = {"#e15759", "#f28e2b", "#b07aa1", "#3f4a5a", "#bab0ac"};
  for (std::size_t k = 0; k < std::size(kFailureKinds); ++k)
    bars.segments.push_back(to_string(kFailureKinds[k])), bars.colors.push_back(kind_colors[k]);
  std::string table = "<table id=\"failure-counts\"><thead><tr><th>run</th><th class=\"num\">succeeded</th>";
  for (FailureKind k : kFailureKinds) table += fmt::format("<th class=\"num\">{}</th>", to_string(k));
  table += "</tr></thead><tbody>\n";
  struct Code {
    int count = 0;
    FailureKind kind = FailureKind::Evaluation;
    std::string example;
  };
  std::map<std::string, Code> codes;
  for (const auto& r : runs) {
    std::vector<double> counts(1 + std::size(kFailureKinds), 0);
    for (const auto& e : r.evaluations) {
      if (e.ok) {
        ++counts[0];
        continue;
      }
      const FailureKind k = *e.failure();
      ++counts[1 + static_cast<std::size_t>(k)];
      auto& c = codes[e.error_code.empty() ? "(no code)" : e.error_code];
      if (c.count++ == 0) c.kind = k, c.example = e.error;
    }
    bars.rows.push_back(r.label);
    bars.row_notes.push_back(fmt::format("{} of {} ok", counts[0], r.evaluations.size()));
    table += fmt::format("<tr data-run=\"{}\"><td>{}</td>", escape(r.label), escape(r.label));
    for (std::size_t k = 0; k < counts.size(); ++k)
      table += fmt::format("<td class=\"num\" data-kind=\"{}\">{}</td>", k == 0 ? "ok" : to_string(kFailureKinds[k - 1]),
                           counts[k]);
    table += "</tr>\n";
    bars.values.push_back(std::move(counts));
  }
  s += "<h3>Outcomes</h3>\n" + svg_stacked_bars(bars) + legend(bars.segments, bars.colors) + table + "</tbody></table>\n";
  if (!codes.empty()) {
    std::vector<std::pair<std::string, Code>> sorted(codes.begin(), codes.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second.count > b.second.count; });
    s += "<h3>Error codes</h3>\n<table class=\"sortable\" id=\"error-codes\"><thead><tr><th>code</th><th>kind</th>"
         "<th class=\"num\">evaluations</th><th>for example</th></tr></thead><tbody>\n";
    for (const auto& [code, c] : sorted)
      s += fmt::format("<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n", escape(code),
                       to_string(c.kind), c.count, escape(clip(c.example, 300)));
    s += "</tbody></table>\n";
  }
  return s + "</section>\n";
}

// The best evaluation over all runs: the run and the row.
std::optional<std::pair<std::size_t, std::size_t>> best_of(const std::vector<Run>& runs) {
  std::optional<std::pair<std::size_t, std::size_t>> best;
  for (std::size_t i = 0; i < runs.size(); ++i)
    if (runs[i].best &&
        (!best || runs[i].evaluations[*runs[i].best].score > runs[best->first].evaluations[best->second].score))
      best = std::make_pair(i, *runs[i].best);
  return best;
}

std::string best_section(const std::vector<Run>& runs) {
  std::string s = "<section id=\"best\">\n<h2>Best mapper</h2>\n";
  auto best = best_of(runs);
  if (!best) return s + "<p class=\"failure\">No evaluation succeeded.</p>\n</section>\n";
  const Run& r = runs[best->first];
  const EvalRow& e = r.evaluations[best->second];
  s += "<div class=\"cards\">";
  s += fmt::format("<div class=\"card\"><b>{} {}</b><span>{}</span></div>", escape(num(e.value)), escape(e.unit),
                   escape(r.evaluated_on));
  if (r.fallback.ok)
    s += fmt::format("<div class=\"card\"><b>{}</b><span>the default mapper</span></div>", ratio(e.score, r.fallback.score));
  if (r.expert.ok)
    s += fmt::format("<div class=\"card\"><b>{}</b><span>the expert mapper</span></div>", ratio(e.score, r.expert.score));
  s += fmt::format("<div class=\"card\"><b>#{}</b><span>evaluation of {}{}</span></div>", e.index, escape(r.label),
                   e.phase.empty() ? std::string() : ", " + escape(e.phase) + " phase");
  s += "</div>\n";
  if (!e.explain.empty()) s += "<p>" + escape(e.explain) + "</p>\n";
  if (!e.suggest.empty()) s += "<p class=\"note\">" + escape(e.suggest) + "</p>\n";
  s += "<h3>Program</h3>\n<pre class=\"program\" id=\"best-program\">" + escape(r.best_program) + "</pre>\n";
  s += "<div class=\"columns\">";
  for (const auto* b : {&r.fallback, &r.expert}) {
    const bool fallback = b == &r.fallback;
    if (!fallback && b->program.empty()) continue;
    s += fmt::format("<div class=\"diffbox\" id=\"diff-{}\"><h3>Against the {} mapper</h3>\n", fallback ? "default" : "expert",
                     fallback ? "default" : "expert");
    s += render_diff(diff_lines(b->program, r.best_program)) + "</div>\n";
  }
  return s + "</div>\n</section>\n";
}

std::string href(const Run& r, const std::string& file, const std::string& page_dir) {
  std::error_code ec;
  fs::path target = fs::absolute(fs::path(r.path) / file, ec).lexically_normal();
  fs::path base = fs::absolute(page_dir.empty() ? fs::path(".") : fs::path(page_dir), ec).lexically_normal();
  fs::path rel = target.lexically_relative(base);
  return (rel.empty() ? target : rel).generic_string();
}

std::string evaluations_table(const std::vector<Run>& runs, const std::string& page_dir, bool score_is_value) {
  const bool several = runs.size() > 1;
  bool phases = false;
  for (const auto& r : runs)
    for (const auto& e : r.evaluations) phases |= e.iteration || !e.phase.empty() || e.injected;
  auto best = best_of(runs);
  std::string s = "<section id=\"evaluations\">\n<h2>Every evaluation</h2>\n<p class=\"note\">Click a column to sort; "
                  "hover the feedback for all of it. Gains are against the default and expert mappers of the "
                  "evaluation's run.</p>\n<table class=\"sortable\" id=\"evaluation-table\"><thead><tr>";
  if (several) s += "<th>run</th>";
  s += "<th class=\"num\">#</th>";
  if (phases) s += "<th>phase</th>";
  s += "<th>outcome</th>";
  if (!score_is_value) s += "<th class=\"num\">score</th>";
  s += "<th class=\"num\">value</th><th class=\"num\">vs default</th><th class=\"num\">vs expert</th>"
       "<th class=\"num\">took (s)</th><th>feedback</th></tr></thead><tbody>\n";
  for (std::size_t ri = 0; ri < runs.size(); ++ri) {
    const Run& r = runs[ri];
    for (const auto& e : r.evaluations) {
      const bool is_best = best && best->first == ri && best->second == e.index;
      s += fmt::format("<tr class=\"{}\">", is_best ? "best" : e.ok ? "ok" : "failed");
      if (several) s += "<td class=\"run\">" + escape(r.label) + "</td>";
      s += e.candidate.empty()
               ? fmt::format("<td class=\"num\">{}</td>", e.index)
               : fmt::format("<td class=\"num\" data-v=\"{}\"><a href=\"{}\">{}</a></td>", e.index,
                             escape(href(r, e.candidate, page_dir)), e.index);
      if (phases)
        s += "<td>" + escape(e.iteration ? fmt::format("iteration {}", *e.iteration) : e.phase) +
             (e.injected ? " (injected)" : "") + "</td>";
      s += fmt::format("<td class=\"outcome\">{}</td>", outcome_badge(e, is_best));
      if (!score_is_value)
        s += e.ok ? fmt::format("<td class=\"num\" data-v=\"{}\">{}</td>", e.score, escape(num(e.score)))
                  : "<td class=\"num\" data-v=\"-1\">–</td>";
      // Sorting by value sorts by score, so that a time sorts best first too.
      s += e.ok ? fmt::format("<td class=\"num\" data-v=\"{}\">{} {}</td>", e.score, escape(num(e.value)), escape(e.unit))
                : "<td class=\"num\" data-v=\"-1\">–</td>";
      auto gain = [&](const Baseline& b) {
        return e.ok && b.ok && b.score > 0
                   ? fmt::format("<td class=\"num\" data-v=\"{}\">{}</td>", e.score / b.score, ratio(e.score, b.score))
                   : std::string("<td class=\"num\" data-v=\"-1\">–</td>");
      };
      s += gain(r.fallback) + gain(r.expert);
      s += fmt::format("<td class=\"num\" data-v=\"{}\">{:.2f}</td>", e.seconds, e.seconds);
      const std::string main = e.ok ? e.explain : (e.error_code.empty() ? "" : "[" + e.error_code + "] ") + e.error;
      const std::string full = "System: " + e.system + "\nExplain: " + e.explain + "\nSuggest: " + e.suggest;
      s += fmt::format("<td class=\"fb\" title=\"{}\">{}", escape(full), escape(clip(main, 180)));
      if (!e.suggest.empty()) s += "<div class=\"sug\">" + escape(clip(e.suggest, 140)) + "</div>";
      s += "</td></tr>\n";
    }
  }
  return s + "</tbody></table>\n</section>\n";
}

std::string feedback_list(const std::string& system, const std::string& explain, const std::string& suggest) {
  std::string s = "<dl class=\"feedback\">";
  if (!system.empty()) s += "<dt>System</dt><dd class=\"system\">" + escape(system) + "</dd>";
  if (!explain.empty()) s += "<dt>Explain</dt><dd>" + escape(explain) + "</dd>";
  if (!suggest.empty()) s += "<dt>Suggest</dt><dd>" + escape(suggest) + "</dd>";
  return s + "</dl>\n";
}

std::string llm_section(const std::vector<Run>& runs) {
  std::string s;
  for (std::size_t ri = 0; ri < runs.size(); ++ri) {
    const Run& r = runs[ri];
    if (!r.llm) continue;
    if (s.empty()) s = "<section id=\"llm\">\n<h2>LLM iterations</h2>\n";
    s += fmt::format("<h3>{}</h3>\n<p class=\"note\">model {}, temperature {}, feedback {}; {} prompt and {} completion "
                     "tokens in all.</p>\n",
                     escape(r.label), escape(r.llm_model.empty() ? "(replayed)" : r.llm_model),
                     escape(r.llm_temperature.empty() ? "?" : r.llm_temperature),
                     escape(r.llm_feedback.empty() ? "suggest" : r.llm_feedback), r.prompt_tokens(), r.completion_tokens());
    // Tokens per iteration.
    std::map<std::size_t, std::pair<std::int64_t, std::int64_t>> tokens;
    for (const auto& e : r.evaluations)
      if (e.iteration) tokens[*e.iteration].first += e.prompt_tokens, tokens[*e.iteration].second += e.completion_tokens;
    StackedBars bars{"Tokens per iteration", {}, {"prompt", "completion"}, {palette(0), palette(1)}, {}, {}};
    for (const auto& [it, t] : tokens) {
      bars.rows.push_back(fmt::format("iteration {}", it));
      bars.values.push_back({static_cast<double>(t.first), static_cast<double>(t.second)});
      bars.row_notes.push_back(fmt::format("{} + {}", t.first, t.second));
    }
    if (!tokens.empty()) s += svg_stacked_bars(bars) + legend(bars.segments, bars.colors);
    std::optional<std::size_t> current;
    for (const auto& e : r.evaluations) {
      if (!e.iteration) continue;
      if (current != e.iteration) {
        if (current) s += "</article>\n";
        current = e.iteration;
        s += fmt::format("<article class=\"iteration\" id=\"llm-{}-{}\"><h3>Iteration {}</h3>\n", ri, *e.iteration,
                         *e.iteration);
      }
      const bool is_best = r.best && *r.best == e.index;
      s += fmt::format("<p>{} evaluation #{}: {} · {} prompt + {} completion tokens</p>\n", outcome_badge(e, is_best), e.index,
                       e.ok ? escape(num(e.value) + " " + e.unit) +
                                  (r.fallback.ok ? ", " + ratio(e.score, r.fallback.score) + " the default" : "")
                            : escape((e.error_code.empty() ? "" : "[" + e.error_code + "] ") + e.error),
                       e.prompt_tokens, e.completion_tokens);
      if (!e.rationale.empty()) s += "<blockquote class=\"rationale\">" + escape(e.rationale) + "</blockquote>\n";
      if (e.program) {
        const auto lines = std::count(e.program->begin(), e.program->end(), '\n');
        s += fmt::format("<details><summary>{} ({} lines)</summary><pre class=\"program\">{}</pre></details>\n",
                         e.extracted ? "program" : "the answer (no program in it)", lines, escape(*e.program));
      }
      s += feedback_list(e.system, e.explain, e.suggest);
    }
    if (current) s += "</article>\n";
  }
  return s.empty() ? s : s + "</section>\n";
}

}  // namespace

std::string render_runs_page(const std::vector<Run>& runs, const SimView& best, const std::string& page_dir) {
  std::set<std::string> apps, machines;
  bool llm = false;
  for (const auto& r : runs) apps.insert(r.app), machines.insert(r.evaluated_on), llm |= r.llm;
  auto join = [](const std::set<std::string>& s) {
    std::string out;
    for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
    return out;
  };
  const std::string title = fmt::format("mage report: {}", join(apps));
  const std::string subtitle =
      fmt::format("{} run{} · {}", runs.size(), runs.size() == 1 ? "" : "s", join(machines));
  const std::string y = score_label(runs);
  std::string body = overview(runs) + convergence(runs, y) + distribution(runs, y) + best_section(runs) +
                     render_simulation_section(best) + evaluations_table(runs, page_dir, y.rfind("throughput", 0) == 0) + llm_section(runs);
  std::vector<std::pair<std::string, std::string>> nav = {
      {"overview", "Runs"},    {"convergence", "Convergence"}, {"distribution", "Scores and failures"},
      {"best", "Best mapper"}, {"simulation", "Simulated run"}, {"evaluations", "Evaluations"}};
  if (llm) nav.emplace_back("llm", "LLM iterations");
  return page(title, subtitle, nav, body);
}

std::string render_simulation_page(const SimView& sim, const std::string& program, const std::string& app) {
  std::string body = "<section id=\"overview\">\n<h2>Simulation</h2>\n";
  body += "<p>" + escape(sim.mapper.empty() ? "a mapper" : sim.mapper) + " on application <code>" + escape(app) + "</code>";
  if (sim.result) body += ", simulated on " + escape(sim.result->machine);
  body += ".</p>\n";
  if (sim.result && !sim.result->ok)
    body += "<p class=\"failure\">" + escape(sim.result->error ? sim.result->error->message : "the simulation failed") +
            "</p>\n";
  body += "</section>\n";
  body += render_simulation_section(sim);
  body += "<section id=\"feedback\">\n<h2>Feedback</h2>\n" +
          feedback_list(sim.feedback.system, sim.feedback.explain, sim.feedback.suggest) + "</section>\n";
  body += "<section id=\"program\">\n<h2>Program</h2>\n<pre class=\"program\">" + escape(program) + "</pre>\n</section>\n";
  return page(fmt::format("mage simulation: {}", app),
              sim.result ? "simulated on " + sim.result->machine : std::string("not simulated"),
              {{"overview", "Overview"}, {"simulation", "Simulated run"}, {"feedback", "Feedback"}, {"program", "Program"}},
              body);
}

}  // namespace mage::report
