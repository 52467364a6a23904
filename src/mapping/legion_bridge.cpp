#include "mapping/legion_bridge.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>

#include <fmt/format.h>

namespace mage::mapping {

MachineDesc machine_from_inventory(std::span<const NodeInventory> nodes, std::string* note) {
  MachineDesc m;
  m.name = "legion";
  m.nodes = std::max<std::int64_t>(1, static_cast<std::int64_t>(nodes.size()));
  if (nodes.empty()) return m;
  std::vector<std::string> notes;
  std::set<ProcKind> kinds;
  for (const auto& n : nodes)
    for (auto [k, c] : n.procs) kinds.insert(k);
  for (ProcKind k : kinds) {
    std::int64_t lo = INT64_MAX, hi = 0;
    for (const auto& n : nodes) {
      auto it = n.procs.find(k);
      std::int64_t c = it == n.procs.end() ? 0 : it->second;
      lo = std::min(lo, c);
      hi = std::max(hi, c);
    }
    if (lo > 0) m.procs_per_node[k] = lo;
    if (lo != hi)
      notes.push_back(fmt::format("nodes have {} to {} {} processors; the policy uses {} per node", lo, hi,
                                  to_string(k), lo));
  }
  m.memories = nodes.front().memories;
  for (const auto& n : nodes) {
    for (MemKind k : m.memories)
      if (!n.memories.count(k)) notes.push_back(fmt::format("not every node has {}; the policy omits it", to_string(k)));
    std::set<MemKind> common;
    std::ranges::set_intersection(m.memories, n.memories, std::inserter(common, common.begin()));
    m.memories = std::move(common);
  }
  if (note) {
    std::sort(notes.begin(), notes.end());
    notes.erase(std::unique(notes.begin(), notes.end()), notes.end());
    *note = fmt::format("{}", fmt::join(notes, "; "));
  }
  return m;
}

std::optional<LaunchPoint> launch_point(std::span<const std::int64_t> lo, std::span<const std::int64_t> hi,
                                        std::span<const std::int64_t> point) {
  if (lo.size() != hi.size() || lo.size() != point.size() || lo.empty()) return std::nullopt;
  LaunchPoint p;
  for (std::size_t d = 0; d < lo.size(); ++d) {
    if (hi[d] < lo[d] || point[d] < lo[d] || point[d] > hi[d]) return std::nullopt;
    p.ispace.push_back(hi[d] - lo[d] + 1);
    p.ipoint.push_back(point[d] - lo[d]);
  }
  return p;
}

std::vector<std::vector<std::size_t>> shared_instance_groups(std::span<const InstanceArg> args) {
  std::vector<std::vector<std::size_t>> groups;
  std::vector<bool> grouped(args.size(), false);
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (grouped[i] || !args[i].eligible) continue;
    std::vector<std::size_t> group{i};
    for (std::size_t j = i + 1; j < args.size(); ++j)
      if (!grouped[j] && args[j].eligible && args[j].tree == args[i].tree && args[j].memory == args[i].memory &&
          args[j].layout == args[i].layout) {
        group.push_back(j);
        grouped[j] = true;
      }
    if (group.size() > 1) groups.push_back(std::move(group));
  }
  return groups;
}

std::vector<int> dimension_order(const LayoutSpec& spec, int dims) {
  std::vector<int> order;
  if (!spec.soa) order.push_back(kFieldDimension);
  for (int i = 0; i < dims; ++i) order.push_back(spec.c_order ? dims - 1 - i : i);
  if (spec.soa) order.push_back(kFieldDimension);
  return order;
}

std::vector<Alignment> alignments(const LayoutSpec& spec) {
  std::vector<Alignment> out;
  for (const auto& [tok, bytes] : spec.align) {
    AlignOp op = AlignOp::Eq;
    switch (tok) {
      case lang::Tok::EqEq: op = AlignOp::Eq; break;
      case lang::Tok::NotEq: op = AlignOp::Ne; break;
      case lang::Tok::Less: op = AlignOp::Lt; break;
      case lang::Tok::LessEq: op = AlignOp::Le; break;
      case lang::Tok::Greater: op = AlignOp::Gt; break;
      case lang::Tok::GreaterEq: op = AlignOp::Ge; break;
      default: continue;  // the parser accepts only the six comparisons
    }
    out.push_back({op, bytes});
  }
  return out;
}

AdapterFlags parse_adapter_flags(std::span<const char* const> argv, const char* env_mapping, const char* env_log) {
  AdapterFlags f;
  if (env_mapping) f.mapping_file = env_mapping;
  f.log = env_log && std::strcmp(env_log, "") != 0 && std::strcmp(env_log, "0") != 0;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (!argv[i]) continue;
    std::string_view a = argv[i];
    if (a == "-mapping") {
      if (i + 1 >= argv.size() || !argv[i + 1]) {
        f.error = "-mapping needs a file name: `-mapping mapper.mpl`";
        continue;
      }
      f.mapping_file = argv[++i];
    } else if (a == "-mapping-log") {
      f.log = true;
    }
  }
  return f;
}

std::string describe_processors(const ProcessorSet& procs) {
  if (procs.empty()) return "no processor";
  bool one_node = std::ranges::all_of(procs, [&](const ProcessorId& p) { return p.node == procs.front().node; });
  if (procs.size() == 1 || !one_node) {
    std::vector<std::string> parts;
    for (const auto& p : procs) parts.push_back(fmt::format("node {} {} {}", p.node, to_string(p.kind), p.proc));
    return fmt::format("{}", fmt::join(parts, ", "));
  }
  std::vector<std::int64_t> ids;
  for (const auto& p : procs) ids.push_back(p.proc);
  return fmt::format("node {} {} {{{}}}", procs.front().node, to_string(procs.front().kind), fmt::join(ids, ", "));
}

}  // namespace mage::mapping
