// A machine model for people (describe, readable units) and for programs (JSON).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/machine_model.hpp"

namespace mage::model {

namespace {

// One decimal, or two where one would round the figure (3.35 TB/s, not 3.4).
std::string decimal(double x) {
  double one = std::round(x * 10) / 10;
  bool rounds = std::fabs(x - one) > 1e-9 * std::max(1.0, std::fabs(x));
  return rounds && std::fabs(x) < 100 ? fmt::format("{:.2f}", x) : fmt::format("{:.1f}", x);
}

// The value in the largest unit it reaches; units ascend by `step`.
std::string scaled(double v, double step, std::initializer_list<const char*> units) {
  const char* unit = *units.begin();
  double x = v;
  for (const char* u : units) {
    if (u != *units.begin()) {
      if (std::fabs(x) < step) break;
      x /= step;
    }
    unit = u;
  }
  return fmt::format("{} {}", decimal(x), unit);
}

std::string proc_label(const Processor& p) { return p.utility ? "utility" : std::string(to_string(p.kind)); }

std::string link_note(LinkKind k) {
  switch (k) {
    case LinkKind::FbCopy: return "copies inside one framebuffer";
    case LinkKind::Memcpy: return "host memory copies, per socket";
    case LinkKind::SocketLink: return "between two sockets, per direction";
    case LinkKind::PcieToGpu: return "host to GPU, per GPU";
    case LinkKind::PcieFromGpu: return "GPU to host, per GPU";
    case LinkKind::NvlinkOut: return "GPU to NVSwitch, per GPU";
    case LinkKind::NvlinkIn: return "NVSwitch to GPU, per GPU";
    case LinkKind::NicOut: return "node to network, per NIC";
    case LinkKind::NicIn: return "network to node, per NIC";
  }
  return "";
}

}  // namespace

std::string format_bandwidth(double v) {
  return scaled(v, 1000, {"B/s", "kB/s", "MB/s", "GB/s", "TB/s", "PB/s"});
}
std::string format_bytes(std::int64_t v) {
  return scaled(static_cast<double>(v), 1024, {"B", "KiB", "MiB", "GiB", "TiB", "PiB"});
}
std::string format_flops(double v) {
  return scaled(v, 1000, {"FLOP/s", "kFLOP/s", "MFLOP/s", "GFLOP/s", "TFLOP/s", "PFLOP/s"});
}
std::string format_seconds(double v) {
  if (v == 0 || std::fabs(v) >= 1) return fmt::format("{} s", decimal(v));
  if (std::fabs(v) >= 1e-3) return fmt::format("{} ms", decimal(v * 1e3));
  if (std::fabs(v) >= 1e-6) return fmt::format("{} us", decimal(v * 1e6));
  return fmt::format("{} ns", decimal(v * 1e9));
}

std::string describe(const MachineModel& model) {
  const MachineSpec& s = model.spec;
  std::string out = fmt::format("machine `{}`: {} node{}, {} socket{} per node\n", s.name, s.nodes,
                                s.nodes == 1 ? "" : "s", s.sockets, s.sockets == 1 ? "" : "s");
  // Every node is alike: node 0 shows them all, one line per group of equal instances.
  out += "processors per node:\n";
  const NodeIndex& n0 = model.nodes[0];
  for (const auto* ids : {&n0.cpu, &n0.omp, &n0.gpu, &n0.utility}) {
    if (ids->empty()) continue;
    const Processor& p = model.processors[ids->front()];
    std::string threads = p.threads > 1 ? fmt::format(" ({} threads)", p.threads) : "";
    out += fmt::format("  {:<8} {:>4} x {}{}, {} to memory, {} {}\n", proc_label(p), ids->size(),
                       format_flops(p.flops), threads, format_bandwidth(p.bandwidth),
                       format_seconds(p.launch_overhead), p.utility ? "runtime work per task" : "per launch");
  }
  out += "memories per node:\n";
  for (MemKind kind : kAllMemKinds) {
    auto ids = memories(model, 0, kind);
    if (ids.empty()) continue;
    const Memory& m = model.memories[ids.front()];
    const char* where = kind == MemKind::SOCKMEM ? "one per socket"
                        : kind == MemKind::FBMEM ? "one per GPU"
                                                 : "interleaved over the sockets";
    out += fmt::format("  {:<8} {:>4} x {}, {}, latency {} ({})\n", to_string(kind), ids.size(),
                       format_bytes(m.capacity), format_bandwidth(m.bandwidth), format_seconds(m.latency),
                       where);
  }
  out += "access (processor -> memory):\n";
  for (const auto* ids : {&n0.cpu, &n0.omp, &n0.gpu, &n0.utility}) {
    if (ids->empty()) continue;
    const Processor& p = model.processors[ids->front()];
    for (const Access& a : p.access) {
      const Memory& m = model.memories[a.memory];
      const char* own = m.kind == MemKind::FBMEM     ? " (its own)"
                        : m.kind == MemKind::SOCKMEM ? " (its socket's)"
                                                     : "";
      out += fmt::format("  {:<8} -> {:<8} {}, latency {}{}\n", proc_label(p), to_string(m.kind),
                         format_bandwidth(a.bandwidth), format_seconds(a.latency), own);
    }
  }
  out += "links per node:\n";
  for (std::size_t i = 0; i < model.links.size() && model.links[i].node == 0;) {
    const Link& l = model.links[i];
    std::size_t count = 0;
    for (; i < model.links.size() && model.links[i].node == 0 && model.links[i].kind == l.kind; ++i) ++count;
    out += fmt::format("  {:<14} {:>4} x {}, latency {} ({})\n", to_string(l.kind), count,
                       format_bandwidth(l.bandwidth), format_seconds(l.latency), link_note(l.kind));
  }
  if (s.nodes == 1)
    out += fmt::format("network (with more nodes): {} NIC{} per node, {} per direction, latency {}\n",
                       s.network.nics, s.network.nics == 1 ? "" : "s", format_bandwidth(s.network.bandwidth),
                       format_seconds(s.network.latency));
  out += fmt::format("copy set-up: {} per copy\n", format_seconds(s.copy_overhead));
  return out;
}

nlohmann::json to_json(const MachineModel& model) {
  using nlohmann::json;
  MachineSpec spec = model.spec;
  json figures = json::object();
  for (const SpecField& f : spec_fields(spec)) {
    if (unused_because(spec, f.section, f.key)) continue;
    json& section = f.section.empty() ? figures : figures[std::string(f.section)];
    json& slot = section[std::string(f.key)];
    std::visit([&](auto* v) { slot = *v; }, f.value);
  }
  figures["name"] = spec.name;
  json procs = json::array();
  for (ProcId id = 0; id < model.processors.size(); ++id) {
    const Processor& p = model.processors[id];
    json access = json::array();
    for (const Access& a : p.access)
      access.push_back({{"memory", a.memory}, {"bandwidth", a.bandwidth}, {"latency", a.latency}});
    procs.push_back({{"id", id}, {"name", processor_name(model, id)}, {"kind", to_string(p.kind)},
                     {"utility", p.utility}, {"node", p.node}, {"socket", p.socket}, {"threads", p.threads},
                     {"flops", p.flops}, {"bandwidth", p.bandwidth}, {"launch_overhead", p.launch_overhead},
                     {"access", access}});
  }
  json mems = json::array();
  for (MemId id = 0; id < model.memories.size(); ++id) {
    const Memory& m = model.memories[id];
    mems.push_back({{"id", id}, {"name", memory_name(model, id)}, {"kind", to_string(m.kind)},
                    {"node", m.node},
                    {"socket", m.socket ? json(*m.socket) : json(nullptr)}, {"capacity", m.capacity},
                    {"bandwidth", m.bandwidth}, {"latency", m.latency}});
  }
  json links = json::array();
  for (LinkId id = 0; id < model.links.size(); ++id) {
    const Link& l = model.links[id];
    links.push_back({{"id", id}, {"name", link_name(model, id)}, {"kind", to_string(l.kind)},
                     {"node", l.node},
                     {"bandwidth", l.bandwidth}, {"latency", l.latency}, {"opposite", opposite(model, id)}});
  }
  return json{{"name", spec.name}, {"nodes", spec.nodes}, {"spec", figures},
              {"processors", procs}, {"memories", mems}, {"links", links}};
}

}  // namespace mage::model
