// The simulation section of a report: the timeline of the timed steps, busy and idle time per processor,
// per-task times, the largest copies and the critical path, from a SimResult's plan and timings.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "model/machine_model.hpp"
#include "report/html.hpp"
#include "report/report.hpp"

namespace mage::report {

namespace {

constexpr double kGanttWidth = 1100, kLabel = 128, kRight = 16, kRow = 18, kTop = 8, kAxis = 34;
constexpr const char* kCopyColor = "#3f4a5a";

struct Item {
  double start = 0, end = 0;
  std::size_t color = 0;  // task name index; SIZE_MAX for copies
  std::string label;
};

struct Bar {
  double start = 0, end = 0;
  std::size_t color = 0;
  int count = 0;
  std::string label;
};

// Neighbouring items of one colour closer than `join` seconds become one bar, so a timeline of thousands
// of tasks stays a few bars per pixel column.
std::vector<Bar> coalesce(std::vector<Item> items, double join) {
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.start < b.start; });
  std::vector<Bar> bars;
  std::map<std::size_t, std::size_t> open;  // colour -> its last bar
  for (auto& it : items) {
    auto found = open.find(it.color);
    if (found != open.end() && it.start - bars[found->second].end <= join) {
      Bar& b = bars[found->second];
      b.end = std::max(b.end, it.end);
      ++b.count;
      continue;
    }
    open[it.color] = bars.size();
    bars.push_back({it.start, it.end, it.color, 1, std::move(it.label)});
  }
  return bars;
}

std::string seconds(double s) { return model::format_seconds(s); }

std::string color_of(std::size_t c) { return c == SIZE_MAX ? kCopyColor : palette(c); }

}  // namespace

std::string render_simulation_section(const SimView& view) {
  std::string s = "<section id=\"simulation\">\n<h2>Simulated run" +
                  (view.mapper.empty() ? std::string() : " of " + escape(view.mapper)) + "</h2>\n";
  if (!view.result) {
    s += "<p class=\"note\">" + escape(view.note.empty() ? "not simulated" : view.note) + "</p>\n</section>\n";
    return s;
  }
  const sim::SimResult& r = *view.result;
  s += fmt::format("<p class=\"machine\">simulated on {}</p>\n", escape(r.machine));
  if (!view.note.empty()) s += "<p class=\"note\">" + escape(view.note) + "</p>\n";
  if (!r.ok) {
    s += fmt::format("<p class=\"failure\">The simulation failed: {}</p>\n</section>\n",
                     escape(r.error ? r.error->message : "unknown error"));
    return s;
  }
  const sim::Plan& plan = r.plan;
  const sim::EngineResult& t = r.timings;
  const std::size_t n = std::min(plan.graph.tasks.size(), t.tasks.size());
  double w0 = t.timed_start, w1 = t.makespan;
  if (!(w1 > w0)) w0 = 0;
  const double window = std::max(w1 - w0, 1e-12);

  s += "<div class=\"cards\">";
  s += fmt::format("<div class=\"card\"><b>{}</b><span>per timed step ({} step{})</span></div>", escape(seconds(r.step_time)),
                   r.steps, r.steps == 1 ? "" : "s");
  s += fmt::format("<div class=\"card\"><b>{} {}</b><span>throughput (simulated)</span></div>", escape(num(r.throughput)),
                   escape(r.unit));
  s += fmt::format("<div class=\"card\"><b>{}</b><span>in all, warm-up included</span></div>", escape(seconds(r.total_time)));
  s += fmt::format("<div class=\"card\"><b>{}</b><span>copied</span></div>",
                   escape(model::format_bytes(static_cast<std::int64_t>(r.copy_bytes))));
  s += "</div>\n";
  if (!view.trace_href.empty())
    s += fmt::format("<p>Perfetto trace: <a href=\"{}\">{}</a> (open it in ui.perfetto.dev or chrome://tracing)</p>\n",
                     escape(view.trace_href), escape(view.trace_href));

  // The timeline: processors that ran tasks in the window, then the links that carried copies in it.
  std::map<std::string, std::size_t> task_colors;
  std::map<int, std::vector<Item>> proc_items, link_items;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& tt = t.tasks[i];
    if (tt.end <= w0) continue;
    const auto& task = plan.graph.tasks[i];
    auto [it, fresh] = task_colors.emplace(task.name, task_colors.size());
    proc_items[task.processor].push_back({std::max(tt.start, w0), tt.end, it->second,
                                          fmt::format("{}: {}", task.label, seconds(tt.end - tt.start))});
  }
  for (const auto& c : t.copies) {
    if (c.end <= w0 || c.task < 0 || static_cast<std::size_t>(c.task) >= n) continue;
    const auto& op = plan.graph.tasks[static_cast<std::size_t>(c.task)].copies[static_cast<std::size_t>(c.index)];
    const auto& route = plan.platform.route(op.src_memory, op.dst_memory);
    for (int l : route)
      link_items[l].push_back({std::max(c.start, w0), c.end, SIZE_MAX,
                               fmt::format("copy {}: {}, {}", op.what,
                                           model::format_bytes(static_cast<std::int64_t>(op.bytes)), seconds(c.end - c.start))});
  }
  constexpr std::size_t kMaxRows = 96;
  std::vector<std::pair<std::string, std::vector<Item>*>> rows;
  for (auto& [p, items] : proc_items) rows.emplace_back(plan.platform.processors[static_cast<std::size_t>(p)].name, &items);
  const std::size_t proc_rows = rows.size();
  for (auto& [l, items] : link_items) rows.emplace_back(plan.platform.links[static_cast<std::size_t>(l)].name, &items);
  const std::size_t omitted = rows.size() > kMaxRows ? rows.size() - kMaxRows : 0;
  rows.resize(std::min(rows.size(), kMaxRows));

  const double x0 = kLabel, x1 = kGanttWidth - kRight;
  auto x = [&](double v) { return x0 + (v - w0) / window * (x1 - x0); };
  const double height = kTop + kRow * static_cast<double>(rows.size()) + kAxis;
  s += "<h3 id=\"timeline\">Timeline of the timed steps</h3>\n";
  s += fmt::format("<svg class=\"chart gantt\" viewBox=\"0 0 {} {:.0f}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
                   "aria-label=\"timeline\"><title>Tasks per processor and copies per channel, {} to {}</title>\n",
                   kGanttWidth, height, escape(seconds(w0)), escape(seconds(w1)));
  const double join = window / (x1 - x0) * 0.75;
  for (std::size_t row = 0; row < rows.size(); ++row) {
    const double top = kTop + kRow * static_cast<double>(row);
    if (row % 2 == 0)
      s += fmt::format("<rect class=\"lane\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"/>", x0, top,
                       x1 - x0, kRow);
    if (row == proc_rows && row > 0)
      s += fmt::format("<line class=\"axis\" x1=\"0\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>", x1, top, top);
    s += fmt::format("<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", x0 - 6,
                     top + kRow / 2 + 4, escape(rows[row].first));
    for (const Bar& b : coalesce(*rows[row].second, join)) {
      const std::string tip = b.count == 1 ? b.label : fmt::format("{} and {} more, {} to {}", b.label, b.count - 1,
                                                                    seconds(b.start - w0), seconds(b.end - w0));
      s += fmt::format(
          "<rect class=\"{}\" x=\"{:.2f}\" y=\"{:.1f}\" width=\"{:.2f}\" height=\"{:.1f}\" fill=\"{}\"><title>{}</title></rect>",
          b.color == SIZE_MAX ? "copy" : "task", x(b.start), top + (b.color == SIZE_MAX ? 5 : 2),
          std::max(x(b.end) - x(b.start), 0.6), b.color == SIZE_MAX ? kRow - 10 : kRow - 4, color_of(b.color), escape(tip));
    }
    s += "\n";
  }
  const double axis_y = kTop + kRow * static_cast<double>(rows.size());
  s += fmt::format("<line class=\"axis\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>", x0, x1, axis_y, axis_y);
  for (double v : nice_ticks(0, window, 6)) {
    s += fmt::format("<line class=\"grid\" x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\"/>", x(w0 + v),
                     axis_y, axis_y + 4);
    s += fmt::format("<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\">{}</text>", x(w0 + v),
                     axis_y + 15, v == 0 ? "start" : "middle", escape(seconds(v)));
  }
  s += fmt::format("<text class=\"label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">time since the first timed "
                   "task (simulated)</text>\n</svg>\n",
                   (x0 + x1) / 2, axis_y + 30);
  std::vector<std::string> names(task_colors.size()), colors(task_colors.size());
  for (const auto& [name, c] : task_colors) names[c] = name, colors[c] = palette(c);
  if (!link_items.empty()) names.push_back("copy"), colors.push_back(kCopyColor);
  s += legend(names, colors);
  if (omitted) s += fmt::format("<p class=\"note\">{} more rows are not shown; the trace has them all.</p>\n", omitted);

  // Busy and idle per processor over the timed window.
  StackedBars busy{"Busy and idle time per processor over the timed steps", {}, {"busy", "idle"}, {palette(0), "#e5e7eb"},
                   {}, {}};
  for (const auto& [p, items] : proc_items) {
    double b = 0;
    for (const auto& it : items) b += std::max(0.0, std::min(it.end, w1) - it.start);
    b = std::min(b, window);
    busy.rows.push_back(plan.platform.processors[static_cast<std::size_t>(p)].name);
    busy.values.push_back({b, window - b});
    busy.row_notes.push_back(fmt::format("{:.0f}% busy", 100 * b / window));
  }
  s += "<h3 id=\"busy\">Busy and idle time per processor</h3>\n" + svg_stacked_bars(busy);

  // Per-task times in the window.
  struct TaskStats {
    int count = 0;
    double total = 0, min = 1e300, max = 0;
    std::string kinds;
  };
  std::map<std::string, TaskStats> stats;
  for (std::size_t i = 0; i < n; ++i) {
    if (t.tasks[i].start < w0) continue;
    auto& st = stats[plan.graph.tasks[i].name];
    const double d = t.tasks[i].end - t.tasks[i].start;
    ++st.count, st.total += d, st.min = std::min(st.min, d), st.max = std::max(st.max, d);
    if (i < plan.tasks.size()) {
      const std::string kind(to_string(plan.tasks[i].kind));
      if (st.kinds.find(kind) == std::string::npos) st.kinds += (st.kinds.empty() ? "" : " ") + kind;
    }
  }
  std::vector<std::pair<std::string, TaskStats>> sorted(stats.begin(), stats.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second.total > b.second.total; });
  s += "<h3 id=\"tasks\">Per-task times (timed steps)</h3>\n<table class=\"sortable\" id=\"task-times\"><thead><tr>"
       "<th>task</th><th>processors</th><th class=\"num\">point tasks</th><th class=\"num\">total</th>"
       "<th class=\"num\">mean</th><th class=\"num\">min</th><th class=\"num\">max</th></tr></thead><tbody>\n";
  for (const auto& [name, st] : sorted)
    s += fmt::format(
        "<tr><td><i class=\"swatch\" style=\"background:{}\"></i>{}</td><td>{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\" data-v=\"{}\">{}</td><td class=\"num\" data-v=\"{}\">{}</td><td class=\"num\" data-v=\"{}\">{}</td>"
        "<td class=\"num\" data-v=\"{}\">{}</td></tr>\n",
        palette(task_colors.count(name) ? task_colors[name] : 0), escape(name), escape(st.kinds), st.count, st.total,
        escape(seconds(st.total)), st.total / st.count, escape(seconds(st.total / st.count)), st.min, escape(seconds(st.min)),
        st.max, escape(seconds(st.max)));
  s += "</tbody></table>\n";

  // The largest copies, grouped by what moved where.
  s += "<h3 id=\"copies\">Largest copies (all steps)</h3>\n";
  if (r.copies.empty()) {
    s += "<p>No copies: every task found its data where it ran.</p>\n";
  } else {
    s += "<table class=\"sortable\" id=\"copy-table\"><thead><tr><th>region</th><th>for task</th><th>from → to</th>"
         "<th class=\"num\">copies</th><th class=\"num\">bytes</th><th class=\"num\">time (summed)</th></tr></thead><tbody>\n";
    for (std::size_t i = 0; i < std::min<std::size_t>(r.copies.size(), 12); ++i) {
      const auto& c = r.copies[i];
      s += fmt::format(
          "<tr><td>{}</td><td>{}</td><td>{} → {}</td><td class=\"num\">{}</td><td class=\"num\" data-v=\"{}\">{}</td>"
          "<td class=\"num\" data-v=\"{}\">{}</td></tr>\n",
          escape(c.region), escape(c.task), to_string(c.from), to_string(c.to), c.count, c.bytes,
          escape(model::format_bytes(static_cast<std::int64_t>(c.bytes))), c.seconds, escape(seconds(c.seconds)));
    }
    s += "</tbody></table>\n";
    if (r.copies.size() > 12) s += fmt::format("<p class=\"note\">{} smaller groups not shown.</p>\n", r.copies.size() - 12);
  }

  // The critical path.
  const auto& cp = r.critical;
  StackedBars path{"The critical path by kind", {"critical path"}, {"computing", "waiting for copies", "waiting for the runtime"},
                   {palette(2), palette(1), palette(4)}, {{cp.compute, cp.copies, cp.runtime}},
                   {seconds(cp.compute + cp.copies + cp.runtime)}};
  s += "<h3 id=\"critical\">Critical path</h3>\n" + svg_stacked_bars(path) +
       legend(path.segments, path.colors);
  if (!cp.steps.empty()) {
    s += "<ol class=\"steps\">";
    for (const auto& step : cp.steps) s += "<li>" + escape(step) + "</li>";
    s += "</ol><p class=\"note\">The last links of the chain, latest first.</p>\n";
  }
  return s + "</section>\n";
}

}  // namespace mage::report
