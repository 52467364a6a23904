#include "report/html.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace mage::report {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') break;
        if (c == '\x7f') break;
        out += c;
    }
  }
  return out;
}

std::string num(double v) {
  if (!std::isfinite(v)) return "n/a";
  return fmt::format("{:.4g}", v);
}

std::string tick_label(double v) {
  if (!std::isfinite(v)) return "n/a";
  const double a = std::abs(v);
  if (a == 0 || (a >= 1e-3 && a < 1e7)) return fmt::format("{:.7g}", v);
  return fmt::format("{:.3g}", v);
}

const std::string& palette(std::size_t i) {
  static const std::vector<std::string> colors = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1",
                                                  "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac"};
  return colors[i % colors.size()];
}

std::vector<double> nice_ticks(double lo, double hi, int n) {
  std::vector<double> out;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  const double raw = (hi - lo) / n;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9 && out.size() < 50; t += step)
    out.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return out;
}

namespace {

constexpr double kWidth = 1100, kHeight = 340;
constexpr double kLeft = 96, kRight = 150, kTop = 16, kBottom = 48;

std::vector<double> ticks(double lo, double hi, int n = 5) { return nice_ticks(lo, hi, n); }

struct Scale {
  double d0 = 0, d1 = 1, r0 = 0, r1 = 1;
  double operator()(double v) const { return d1 == d0 ? (r0 + r1) / 2 : r0 + (v - d0) / (d1 - d0) * (r1 - r0); }
};

// Widens a degenerate or empty range so that lines and bars stay visible.
void pad(double& lo, double& hi, bool from_zero) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (from_zero && lo > 0) lo = 0;
  if (hi <= lo) {
    const double d = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= d, hi += d;
  } else {
    const double d = (hi - lo) * 0.06;
    hi += d;
    if (!from_zero || lo < 0) lo -= d;
  }
}

std::string open_svg(const std::string& title, double height = kHeight) {
  return fmt::format(
      "<svg class=\"chart\" viewBox=\"0 0 {} {}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
      "aria-label=\"{}\"><title>{}</title>\n",
      kWidth, height, escape(title), escape(title));
}

std::string axes(const Scale& x, const Scale& y, const std::vector<double>& xt, const std::vector<double>& yt,
                 const std::string& x_label, const std::string& y_label) {
  std::string s;
  for (double t : yt) {
    s += fmt::format("<line class=\"grid\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>", x.r0, x.r1, y(t), y(t));
    s += fmt::format("<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", x.r0 - 6,
                     y(t) + 4, escape(tick_label(t)));
  }
  for (double t : xt)
    s += fmt::format("<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", x(t),
                     y.r0 + 16, escape(tick_label(t)));
  s += fmt::format("<line class=\"axis\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>", x.r0, x.r1, y.r0, y.r0);
  s += fmt::format("<line class=\"axis\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>\n", x.r0, x.r0, y.r0, y.r1);
  s += fmt::format("<text class=\"label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
                   (x.r0 + x.r1) / 2, y.r0 + 36, escape(x_label));
  s += fmt::format(
      "<text class=\"label\" transform=\"translate(16 {:.1f}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
      (y.r0 + y.r1) / 2, escape(y_label));
  return s;
}

const char* kReferenceColors[] = {"#6b7280", "#b45309", "#7c3aed"};

std::string references(const Scale& x, const Scale& y, const std::vector<Reference>& refs) {
  std::string s;
  std::vector<double> placed;  // label baselines, kept 13 units apart so that equal references stay legible
  for (std::size_t i = 0; i < refs.size(); ++i) {
    const auto& r = refs[i];
    double at = y(r.y) + 4;
    for (bool moved = true; moved;) {
      moved = false;
      for (double p : placed)
        if (std::abs(p - at) < 13) at = p + 13, moved = true;
    }
    placed.push_back(at);
    s += fmt::format(
        "<g class=\"reference\"><line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
        "stroke-dasharray=\"6 4\" stroke-width=\"1.5\"/><text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" fill=\"{}\">{} "
        "{}</text></g>\n",
        x.r0, x.r1, y(r.y), y(r.y), kReferenceColors[i % 3], x.r1 + 4, at, kReferenceColors[i % 3],
        escape(r.name), escape(num(r.y)));
  }
  return s;
}

}  // namespace

std::string svg_line_chart(const LineChart& c) {
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const auto& s : c.series)
    for (const auto& p : s.points) x0 = std::min(x0, p.x), x1 = std::max(x1, p.x), y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
  for (const auto& r : c.references) y0 = std::min(y0, r.y), y1 = std::max(y1, r.y);
  if (!std::isfinite(x0)) x0 = 0, x1 = 1;
  if (x1 <= x0) x1 = x0 + 1;
  pad(y0, y1, false);
  const Scale x{x0, x1, kLeft, kWidth - kRight}, y{y0, y1, kHeight - kBottom, kTop};
  std::string s = open_svg(c.title);
  s += axes(x, y, ticks(x0, x1), ticks(y0, y1), c.x_label, c.y_label);
  s += references(x, y, c.references);
  for (const auto& m : c.markers)
    s += fmt::format(
        "<g class=\"marker\"><line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\" stroke=\"#9ca3af\" "
        "stroke-dasharray=\"2 3\"/><text class=\"tick\" x=\"{3:.1f}\" y=\"{4:.1f}\">{5}</text></g>\n",
        x(m.y), y.r0, y.r1, x(m.y) + 4, y.r1 + 10, escape(m.name));
  for (std::size_t i = 0; i < c.series.size(); ++i) {
    const auto& series = c.series[i];
    if (series.points.empty()) continue;
    std::string d = fmt::format("M{:.1f} {:.1f}", x(series.points[0].x), y(series.points[0].y));
    for (std::size_t k = 1; k < series.points.size(); ++k) {
      if (series.step) d += fmt::format(" H{:.1f}", x(series.points[k].x));
      d += fmt::format(" L{:.1f} {:.1f}", x(series.points[k].x), y(series.points[k].y));
    }
    s += fmt::format("<path class=\"series\" d=\"{}\" stroke=\"{}\"><title>{}</title></path>\n", d, palette(i),
                     escape(series.name));
    const Point& last = series.points.back();
    s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"><title>{}: {}</title></circle>\n",
                     x(last.x), y(last.y), palette(i), escape(series.name), escape(num(last.y)));
  }
  return s + "</svg>\n";
}

std::string svg_histogram(const Histogram& h) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& v : h.values)
    for (double x : v)
      if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
  for (const auto& r : h.references) lo = std::min(lo, r.y), hi = std::max(hi, r.y);
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (hi <= lo) hi = lo + (lo == 0 ? 1 : std::abs(lo) * 0.1), lo -= (hi - lo);
  const std::size_t bins = std::max<std::size_t>(h.bins, 1);
  const double width = (hi - lo) / static_cast<double>(bins);
  std::vector<std::vector<int>> counts(h.values.size(), std::vector<int>(bins, 0));
  int most = 1;
  for (std::size_t s = 0; s < h.values.size(); ++s)
    for (double v : h.values[s]) {
      if (!std::isfinite(v)) continue;
      auto b = static_cast<std::size_t>(std::clamp((v - lo) / width, 0.0, static_cast<double>(bins) - 1));
      most = std::max(most, ++counts[s][b]);
    }
  const Scale x{lo, hi, kLeft, kWidth - kRight}, y{0, most * 1.08, kHeight - kBottom, kTop};
  std::vector<double> yt;
  for (double t : ticks(0, most * 1.08))
    if (t == std::floor(t)) yt.push_back(t);
  std::string s = open_svg(h.title);
  s += axes(x, y, ticks(lo, hi), yt, h.x_label, h.y_label);
  const double group = (x.r1 - x.r0) / static_cast<double>(bins);
  const double bar = (group - 2) / static_cast<double>(std::max<std::size_t>(h.values.size(), 1));
  for (std::size_t b = 0; b < bins; ++b)
    for (std::size_t sr = 0; sr < h.values.size(); ++sr) {
      if (counts[sr][b] == 0) continue;
      const double left = x.r0 + group * static_cast<double>(b) + 1 + bar * static_cast<double>(sr);
      s += fmt::format(
          "<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>{}: {} "
          "in [{}, {})</title></rect>\n",
          left, y(counts[sr][b]), std::max(bar, 1.0), y(0) - y(counts[sr][b]), palette(sr),
          escape(sr < h.series.size() ? h.series[sr] : ""), counts[sr][b], escape(num(lo + width * b)),
          escape(num(lo + width * (b + 1))));
    }
  for (std::size_t i = 0; i < h.references.size(); ++i) {
    const double px = x(h.references[i].y);
    s += fmt::format(
        "<g class=\"reference\"><line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
        "stroke-dasharray=\"6 4\" stroke-width=\"1.5\"/><text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" fill=\"{}\" "
        "text-anchor=\"middle\">{}</text></g>\n",
        px, px, y.r0, y.r1, kReferenceColors[i % 3], px, y.r1 - 4 + 12.0 * static_cast<double>(i), kReferenceColors[i % 3],
        escape(h.references[i].name));
  }
  return s + "</svg>\n";
}

std::string svg_stacked_bars(const StackedBars& b) {
  constexpr double row = 24, label = 190, note = 150;
  const double height = kTop + row * static_cast<double>(b.rows.size()) + 8;
  double most = 0;
  for (const auto& r : b.values) {
    double sum = 0;
    for (double v : r) sum += std::max(v, 0.0);
    most = std::max(most, sum);
  }
  if (most <= 0) most = 1;
  const Scale x{0, most, label, kWidth - note};
  std::string s = open_svg(b.title, height);
  for (std::size_t r = 0; r < b.rows.size(); ++r) {
    const double top = kTop + row * static_cast<double>(r);
    s += fmt::format("<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", label - 8,
                     top + row / 2 + 2, escape(b.rows[r]));
    double at = 0;
    for (std::size_t g = 0; r < b.values.size() && g < b.values[r].size(); ++g) {
      const double v = std::max(b.values[r][g], 0.0);
      if (v <= 0) continue;
      s += fmt::format(
          "<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>{}: "
          "{}</title></rect>",
          x(at), top + 3, std::max(x(at + v) - x(at), 0.5), row - 8, g < b.colors.size() ? b.colors[g] : palette(g),
          escape(b.rows[r] + " — " + (g < b.segments.size() ? b.segments[g] : "")), escape(num(v)));
      at += v;
    }
    if (r < b.row_notes.size())
      s += fmt::format("<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>", x(at) + 6, top + row / 2 + 2,
                       escape(b.row_notes[r]));
    s += "\n";
  }
  return s + "</svg>\n";
}

std::string legend(const std::vector<std::string>& names, const std::vector<std::string>& colors) {
  std::string s = "<div class=\"legend\">";
  for (std::size_t i = 0; i < names.size(); ++i)
    s += fmt::format("<span><i style=\"background:{}\"></i>{}</span>", escape(i < colors.size() ? colors[i] : palette(i)),
                     escape(names[i]));
  return s + "</div>\n";
}

}  // namespace mage::report
