// The pieces every report page is made of: HTML escaping, number formatting, and small inline SVG charts
// (line charts, histograms, stacked bars). Pure functions from data to markup; no I/O, no scripts, and
// every string that came from a run (programs, feedback, names) goes through escape().
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mage::report {

// `text` safe inside an element or a quoted attribute: & < > " ' become entities; control characters other
// than tab and newline are dropped (they are not allowed in HTML or in XML, hence in inline SVG).
std::string escape(std::string_view text);

// "1.23e+04"-style numbers kept short: 4 significant digits.
std::string num(double v);

// Axis labels: plain digits where they stay short (15260, 0.25), else 3 significant digits (1.5e+09).
std::string tick_label(double v);
// Round tick values (1, 2 or 5 times a power of ten apart) covering [lo, hi], about `n` of them.
std::vector<double> nice_ticks(double lo, double hi, int n = 5);

// The categorical palette of the pages (colour-blind safe, in order).
const std::string& palette(std::size_t i);

struct Point {
  double x = 0, y = 0;
};
struct Series {
  std::string name;
  std::vector<Point> points;
  bool step = true;  // a best-so-far line: horizontal, then up
};
struct Reference {
  std::string name;
  double y = 0;
};
struct LineChart {
  std::string title;  // for the <title> of the SVG, read by screen readers
  std::string x_label, y_label;
  std::vector<Series> series;
  std::vector<Reference> references;  // dashed horizontal lines (the default and expert mappers)
  std::vector<Reference> markers;     // dotted vertical lines at x = `y`, e.g. where a hybrid's phase starts
};
std::string svg_line_chart(const LineChart& chart);

// One bar group per bin; one bar per series in each bin.
struct Histogram {
  std::string title, x_label, y_label;
  std::vector<std::string> series;  // names
  std::vector<std::vector<double>> values;  // per series, the values to count
  std::vector<Reference> references;
  std::size_t bins = 12;
};
std::string svg_histogram(const Histogram& h);

// Horizontal bars made of segments, one row per label (e.g. outcomes per run, busy and idle per processor).
struct StackedBars {
  std::string title;
  std::vector<std::string> rows;
  std::vector<std::string> segments;           // names, for the legend
  std::vector<std::string> colors;             // per segment
  std::vector<std::vector<double>> values;     // per row, per segment
  std::vector<std::string> row_notes;          // text after each bar ("83% busy"); may be empty
};
std::string svg_stacked_bars(const StackedBars& b);

// A legend: coloured squares and names, as HTML.
std::string legend(const std::vector<std::string>& names, const std::vector<std::string>& colors);

}  // namespace mage::report
