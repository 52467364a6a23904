#include "mapping/launch_map.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace mage::mapping {

namespace {

// Launch domains `mage map` will enumerate; larger ones are refused rather than printed.
constexpr std::int64_t kMaxShownVolume = 1 << 20;
// Processors listed per node in the load summary; the rest are summed up in one cell.
constexpr std::int64_t kMaxShownProcessors = 64;

std::string proc_label(const ProcessorId& p) { return fmt::format("{}.{}", p.node, p.proc); }

// "0.1" for one processor; "0.{0-3}" / "{0-1}.2" / a list for a set.
std::string set_label(const ProcessorSet& s) {
  if (s.size() == 1) return proc_label(s.front());
  bool same_node = std::all_of(s.begin(), s.end(), [&](const ProcessorId& p) { return p.node == s.front().node; });
  if (same_node) {
    bool contiguous = true;
    for (std::size_t i = 1; i < s.size(); ++i) contiguous &= s[i].proc == s[i - 1].proc + 1;
    if (contiguous) return fmt::format("{}.{{{}-{}}}", s.front().node, s.front().proc, s.back().proc);
  }
  std::vector<std::string> parts;
  for (const auto& p : s) parts.push_back(proc_label(p));
  return fmt::format("{{{}}}", fmt::join(parts, ","));
}

}  // namespace

std::size_t LaunchMap::error_count() const {
  return static_cast<std::size_t>(std::count_if(points.begin(), points.end(), [](const auto& p) { return !p.procs.ok(); }));
}

std::optional<Extents> parse_domain(std::string_view text) {
  Extents out;
  std::int64_t volume = 1;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t x = text.find_first_of("xX,", start);
    std::string_view part = text.substr(start, x == std::string_view::npos ? text.npos : x - start);
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || ec != std::errc() || p != part.data() + part.size() || v < 1) return std::nullopt;
    if (__builtin_mul_overflow(volume, v, &volume) || volume > kMaxShownVolume) return std::nullopt;
    out.push_back(v);
    if (x == std::string_view::npos) break;
    start = x + 1;
  }
  if (out.empty() || out.size() > kMaxSpaceDims) return std::nullopt;
  return out;
}

lang::Expected<LaunchMap> map_launch(Policy& policy, const LaunchQuery& query) {
  auto kind = policy.choose_kind(query.task, query.variants);
  if (!kind) return kind.error();
  LaunchMap map;
  map.task = query.task;
  map.kind = *kind;
  map.domain = query.domain;

  TaskContext parent;
  parent.name = "(parent)";
  parent.processor = query.parent_processor;
  TaskContext task;
  task.name = query.task;
  task.ispace = query.domain;
  if (query.parent_processor) task.parent = &parent;

  if (query.domain.empty()) {
    map.rule = policy.single_map_rule(query.task, *kind);
    map.points.push_back(PointAssignment{{}, policy.map_single(task, *kind)});
    return map;
  }
  map.rule = policy.index_map_rule(query.task, *kind);
  std::int64_t volume = 1;
  for (auto e : query.domain) volume *= e;
  task.ipoint.assign(query.domain.size(), 0);
  // The budget holds for this launch only: the policy serves other callers afterwards.
  struct BudgetScope {
    Policy& policy;
    ~BudgetScope() { policy.set_total_step_budget(0); }
  } scope{policy};
  policy.set_total_step_budget(query.step_budget);
  for (std::int64_t i = 0; i < volume; ++i) {
    const auto& procs = policy.map_index_point(task, *kind);
    if (!procs && procs.error().code == "eval.step-budget") {
      lang::Diagnostic err = procs.error();
      err.notes.push_back(fmt::format("{} of {} points were mapped before the budget ran out", i, volume));
      return err;
    }
    map.points.push_back(PointAssignment{task.ipoint, procs});
    for (std::size_t d = query.domain.size(); d-- > 0;) {  // row-major: last dimension fastest
      if (++task.ipoint[d] < query.domain[d]) break;
      task.ipoint[d] = 0;
    }
  }
  return map;
}

std::string render_launch_text(const LaunchMap& map, const Policy& policy) {
  const MachineDesc& m = policy.machine();
  std::string kind(to_string(map.kind));
  std::string out;
  std::string how = map.rule ? fmt::format("`{}` ({} rule at line {})", map.rule->func.name,
                                           lang::statement_keyword(map.rule->kind), map.rule->span.begin.line)
                             : std::string("the default mapping");
  if (map.domain.empty())
    out += fmt::format("task `{}`: single launch on {}, mapped by {}\n", map.task, kind, how);
  else
    out += fmt::format("task `{}`: index launch over {} ({} points) on {}, mapped by {}\n", map.task,
                       fmt::join(map.domain, "x"), map.points.size(), kind, how);
  out += fmt::format("machine: {}\n\n", m.summary());

  // The table, one line per point, as the runtime's mapping log would list it.
  out += fmt::format("  {:<16} {:>5}  {:>5}\n", "point", "node", kind);
  std::map<std::pair<std::int64_t, std::int64_t>, int> load;
  for (const auto& p : map.points) {
    std::string point = p.point.empty() ? "(single)" : show_tuple(p.point);
    if (!p.procs) {
      out += fmt::format("  {:<16} error: {}\n", point, p.procs.error().message);
      continue;
    }
    const ProcessorSet& s = *p.procs;
    if (s.size() == 1)
      out += fmt::format("  {:<16} {:>5}  {:>5}\n", point, s.front().node, s.front().proc);
    else
      out += fmt::format("  {:<16} any of {}\n", point, set_label(s));
    ++load[{s.front().node, s.front().proc}];
  }

  // Points per processor: the balance a reader checks first.
  if (!map.domain.empty()) {
    out += fmt::format("\npoints per processor ({} of {} {}s used):\n", load.size(),
                       m.nodes * m.per_node(map.kind), kind);
    for (std::int64_t n = 0; n < m.nodes; ++n) {
      std::vector<std::string> cells;
      const std::int64_t per_node = m.per_node(map.kind);
      for (std::int64_t p = 0; p < std::min(per_node, kMaxShownProcessors); ++p) {
        auto it = load.find({n, p});
        cells.push_back(fmt::format("{}{}={}", kind, p, it == load.end() ? 0 : it->second));
      }
      if (per_node > kMaxShownProcessors) {
        // The rest only where they hold points: the summary stays a few lines whatever the machine.
        std::int64_t busy = 0, points = 0;
        for (auto it = load.lower_bound({n, kMaxShownProcessors}); it != load.end() && it->first.first == n; ++it) {
          ++busy;
          points += it->second;
        }
        cells.push_back(fmt::format("... ({} more, {} with {} points)", per_node - kMaxShownProcessors, busy, points));
      }
      out += fmt::format("  node {}: {}\n", n, fmt::join(cells, " "));
      if (n >= 63 && m.nodes > 64) {
        out += fmt::format("  ... ({} more nodes)\n", m.nodes - n - 1);
        break;
      }
    }
  }

  // A picture for 2-D domains: rows are dimension 0, columns dimension 1, cells `node.processor`.
  if (map.domain.size() == 2 && map.domain[1] <= 64) {
    out += "\ngrid (rows: dimension 0, columns: dimension 1, cell: node.processor):\n";
    std::size_t width = 3;
    for (const auto& p : map.points)
      width = std::max(width, p.procs ? set_label(*p.procs).size() : std::size_t{3});
    out += "      ";
    for (std::int64_t j = 0; j < map.domain[1]; ++j) out += fmt::format(" {:>{}}", j, width);
    out += "\n";
    for (std::int64_t i = 0; i < map.domain[0]; ++i) {
      out += fmt::format("  {:>3} ", i);
      for (std::int64_t j = 0; j < map.domain[1]; ++j) {
        const auto& p = map.points[static_cast<std::size_t>(i * map.domain[1] + j)];
        out += fmt::format(" {:>{}}", p.procs ? set_label(*p.procs) : "ERR", width);
      }
      out += "\n";
    }
  }
  return out;
}

nlohmann::json launch_to_json(const LaunchMap& map, const Policy& policy) {
  nlohmann::json j;
  j["task"] = map.task;
  j["kind"] = std::string(to_string(map.kind));
  j["launch"] = map.domain.empty() ? "single" : "index";
  j["domain"] = map.domain;
  j["machine"] = {{"name", policy.machine().name},
                  {"nodes", policy.machine().nodes},
                  {"per_node", policy.machine().per_node(map.kind)}};
  if (map.rule)
    j["rule"] = {{"statement", lang::statement_keyword(map.rule->kind)},
                 {"line", map.rule->span.begin.line},
                 {"function", map.rule->func.name}};
  else
    j["rule"] = nullptr;
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : map.points) {
    nlohmann::json e;
    e["point"] = p.point;
    if (!p.procs) {
      e["error"] = lang::to_json(p.procs.error(), &policy.source());
    } else {
      e["node"] = p.procs->front().node;
      e["proc"] = p.procs->front().proc;
      if (p.procs->size() > 1) {
        nlohmann::json set = nlohmann::json::array();
        for (const auto& q : *p.procs) set.push_back({{"node", q.node}, {"proc", q.proc}});
        e["processors"] = std::move(set);
      }
    }
    points.push_back(std::move(e));
  }
  j["points"] = std::move(points);
  j["errors"] = map.error_count();
  return j;
}

}  // namespace mage::mapping
