#include "model/machine_model.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace mage::model {

// ---- spec fields, normalisation and checks ----

std::string SpecField::name() const {
  return section.empty() ? std::string(key) : fmt::format("{}.{}", section, key);
}

double SpecField::number() const {
  return std::visit([](auto* v) { return static_cast<double>(*v); }, value);
}

std::vector<SpecField> spec_fields(MachineSpec& s) {
  std::vector<SpecField> f = {{"", "nodes", &s.nodes}, {"", "sockets", &s.sockets},
                              {"", "copy_overhead", &s.copy_overhead}};
  auto proc = [&](std::string_view section, ProcSpec& p) {
    f.push_back({section, "count", &p.count});
    if (section == "omp") f.push_back({section, "threads", &p.threads});
    f.push_back({section, "flops", &p.flops});
    f.push_back({section, "bandwidth", &p.bandwidth});
    f.push_back({section, "launch_overhead", &p.launch_overhead});
  };
  auto mem = [&](std::string_view section, MemSpec& m) {
    f.push_back({section, "capacity", &m.capacity});
    f.push_back({section, "bandwidth", &m.bandwidth});
    f.push_back({section, "latency", &m.latency});
  };
  auto link = [&](std::string_view section, LinkSpec& l) {
    f.push_back({section, "bandwidth", &l.bandwidth});
    f.push_back({section, "latency", &l.latency});
  };
  proc("cpu", s.cpu);
  proc("omp", s.omp);
  proc("gpu", s.gpu);
  proc("utility", s.utility);
  mem("sysmem", s.sysmem);
  mem("sockmem", s.sockmem);
  mem("zcmem", s.zcmem);
  mem("fbmem", s.fbmem);
  mem("rdmem", s.rdmem);
  link("memcpy", s.memcpy);
  link("pcie", s.pcie);
  link("nvlink", s.nvlink);
  link("socket_link", s.socket_link);
  f.push_back({"network", "nics", &s.network.nics});
  f.push_back({"network", "bandwidth", &s.network.bandwidth});
  f.push_back({"network", "latency", &s.network.latency});
  return f;
}

namespace {

const ProcSpec* proc_section(const MachineSpec& s, std::string_view section) {
  if (section == "cpu") return &s.cpu;
  if (section == "omp") return &s.omp;
  if (section == "gpu") return &s.gpu;
  if (section == "utility") return &s.utility;
  return nullptr;
}

const MemSpec* mem_section(const MachineSpec& s, std::string_view section) {
  if (section == "sysmem") return &s.sysmem;
  if (section == "sockmem") return &s.sockmem;
  if (section == "zcmem") return &s.zcmem;
  if (section == "fbmem") return &s.fbmem;
  if (section == "rdmem") return &s.rdmem;
  return nullptr;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<std::string> unused_because(const MachineSpec& s, std::string_view section,
                                          std::string_view key) {
  if (const ProcSpec* p = proc_section(s, section); p && key != "count" && p->count == 0)
    return fmt::format("the machine has no {} processors ({}.count is 0)", section, section);
  if ((section == "fbmem" || section == "pcie" || section == "nvlink") && s.gpu.count == 0)
    return std::string("the machine has no GPUs (gpu.count is 0)");
  if (const MemSpec* m = mem_section(s, section); m && key != "capacity" && m->capacity == 0)
    return fmt::format("the machine has no {} ({}.capacity is 0)", upper(section), section);
  if (section == "nvlink" && key == "latency" && s.nvlink.bandwidth == 0)
    return std::string("the GPUs have no NVLink (nvlink.bandwidth is 0)");
  if (section == "socket_link" && s.sockets == 1) return std::string("the machine has one socket");
  return std::nullopt;
}

MachineSpec normalized(MachineSpec spec) {
  const MachineSpec original = spec;
  MachineSpec defaults;
  auto fields = spec_fields(spec);
  auto default_fields = spec_fields(defaults);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (!unused_because(original, fields[i].section, fields[i].key)) continue;
    std::visit([&](auto* target) { *target = *std::get<decltype(target)>(default_fields[i].value); },
               fields[i].value);
  }
  return spec;
}

// Any figure of a machine (bytes, seconds, rates) stays below this, so that times and rates computed
// from them stay finite.
constexpr double kMaxFigure = 1e18;

std::vector<SpecProblem> spec_problems(const MachineSpec& original) {
  MachineSpec s = normalized(original);
  std::vector<SpecProblem> problems;
  auto problem = [&](std::string field, std::string message, std::string hint) {
    problems.push_back({std::move(field), std::move(message), std::move(hint)});
  };
  for (const SpecField& f : spec_fields(s)) {
    double v = f.number();
    // Counts that must be at least one say so, rather than a bound that is rejected next.
    const std::string name = f.name();
    const double least = name == "nodes" || name == "sockets" || name == "omp.threads" ? 1 : 0;
    if (!std::isfinite(v) || v < least)
      problem(name, fmt::format("`{}` must be a number >= {}, found {}", name, least, v),
              "figures are SI units: bytes, seconds, bytes per second, FLOP/s");
    else if (v > kMaxFigure)  // larger figures would make times and rates overflow to infinity
      problem(name, fmt::format("`{}` is {:g}; expected at most {:g}", name, v, kMaxFigure),
              "figures are SI units: bytes, seconds, bytes per second, FLOP/s");
  }
  if (!problems.empty()) return problems;
  auto range = [&](const char* field, std::int64_t v, std::int64_t lo, std::int64_t hi) {
    if (v < lo || v > hi)
      problem(field, fmt::format("`{}` = {} is out of range", field, v), fmt::format("use {} to {}", lo, hi));
  };
  auto positive = [&](const char* field, double v, std::string_view why) {
    if (v <= 0) problem(field, fmt::format("`{}` must be positive {}, found 0", field, why),
                        fmt::format("set `{}` or remove what needs it", field));
  };
  if (s.name.empty()) problem("name", "`name` must not be empty", "name the machine, e.g. name = \"mynode\"");
  range("nodes", s.nodes, 1, kMaxNodes);
  range("sockets", s.sockets, 1, 64);
  range("network.nics", s.network.nics, 0, 64);
  range("omp.threads", s.omp.threads, 1, 4096);
  for (auto [section, p] :
       {std::pair{"cpu", &s.cpu}, {"omp", &s.omp}, {"gpu", &s.gpu}, {"utility", &s.utility}}) {
    std::string count = fmt::format("{}.count", section);
    range(count.c_str(), p->count, 0, 4096);
    if (p->count == 0) continue;
    std::string why = fmt::format("for a machine with {} processors", section);
    positive(fmt::format("{}.flops", section).c_str(), p->flops, why);
    positive(fmt::format("{}.bandwidth", section).c_str(), p->bandwidth, why);
  }
  if (s.cpu.count + s.omp.count + s.gpu.count == 0)
    problem("cpu.count", "the machine has no processor that runs application tasks",
            "set cpu.count, omp.count or gpu.count");
  positive("sysmem.capacity", static_cast<double>(s.sysmem.capacity), "(every node has SYSMEM)");
  for (auto [section, m] : {std::pair{"sysmem", &s.sysmem}, {"sockmem", &s.sockmem}, {"zcmem", &s.zcmem},
                            {"fbmem", &s.fbmem}, {"rdmem", &s.rdmem}})
    if (m->capacity > 0)
      positive(fmt::format("{}.bandwidth", section).c_str(), m->bandwidth, "for a memory that exists");
  if (s.gpu.count > 0) {
    positive("fbmem.capacity", static_cast<double>(s.fbmem.capacity), "(every GPU has a framebuffer)");
    positive("pcie.bandwidth", s.pcie.bandwidth, "(every GPU has a PCIe link)");
  }
  positive("memcpy.bandwidth", s.memcpy.bandwidth, "(host memory copies)");
  if (s.sockets > 1) positive("socket_link.bandwidth", s.socket_link.bandwidth, "with more than one socket");
  if (s.nodes > 1) {
    if (s.network.nics < 1)
      problem("network.nics", "a machine with more than one node needs network.nics >= 1",
              "set network.nics, or nodes = 1");
    positive("network.bandwidth", s.network.bandwidth, "with more than one node");
  }
  std::int64_t per_node = s.cpu.count + s.omp.count + s.gpu.count + s.utility.count;
  if (problems.empty() && s.nodes * per_node > kMaxProcessors)
    problem("nodes",
            fmt::format("{} nodes x {} processors exceed {} processors", s.nodes, per_node, kMaxProcessors),
            "model fewer nodes");
  return problems;
}

// ---- building ----

namespace {

// Item i of n spread evenly over `over` slots: CPUs over sockets, GPUs over sockets, GPUs over NICs.
std::uint32_t spread(std::int64_t i, std::int64_t n, std::int64_t over) {
  return static_cast<std::uint32_t>(i * over / n);
}

class Builder {
 public:
  explicit Builder(MachineModel& m) : m_(m), s_(m.spec) {}

  void node(NodeId n) {
    NodeIndex ni;
    ni.sysmem = memory(MemKind::SYSMEM, n, 0, std::nullopt, s_.sysmem);
    for (std::int64_t so = 0; s_.sockmem.capacity > 0 && so < s_.sockets; ++so)
      ni.sockmem.push_back(memory(MemKind::SOCKMEM, n, so, static_cast<std::uint32_t>(so), s_.sockmem));
    if (s_.zcmem.capacity > 0) ni.zcmem = memory(MemKind::ZCMEM, n, 0, std::nullopt, s_.zcmem);
    for (std::int64_t g = 0; g < s_.gpu.count; ++g)
      ni.fbmem.push_back(memory(MemKind::FBMEM, n, g, spread(g, s_.gpu.count, s_.sockets), s_.fbmem));
    if (s_.rdmem.capacity > 0) ni.rdmem = memory(MemKind::RDMEM, n, 0, std::nullopt, s_.rdmem);

    // A copy inside one framebuffer reads and writes every byte, so it moves at half the HBM bandwidth.
    links(LinkKind::FbCopy, n, s_.gpu.count, LinkSpec{s_.fbmem.bandwidth / 2, s_.fbmem.latency}, ni.fb_copy);
    links(LinkKind::Memcpy, n, s_.sockets, s_.memcpy, ni.memcpy);
    for (std::int64_t from = 0; from < s_.sockets; ++from)
      for (std::int64_t to = 0; to < s_.sockets; ++to)
        if (from != to) ni.socket_link.push_back(link(LinkKind::SocketLink, n, from, to, s_.socket_link));
    links(LinkKind::PcieToGpu, n, s_.gpu.count, s_.pcie, ni.pcie_to_gpu);
    links(LinkKind::PcieFromGpu, n, s_.gpu.count, s_.pcie, ni.pcie_from_gpu);
    std::int64_t nvlinks = s_.nvlink.bandwidth > 0 ? s_.gpu.count : 0;
    links(LinkKind::NvlinkOut, n, nvlinks, s_.nvlink, ni.nvlink_out);
    links(LinkKind::NvlinkIn, n, nvlinks, s_.nvlink, ni.nvlink_in);
    LinkSpec nic{s_.network.bandwidth, s_.network.latency};
    std::int64_t nics = s_.nodes > 1 ? s_.network.nics : 0;
    links(LinkKind::NicOut, n, nics, nic, ni.nic_out);
    links(LinkKind::NicIn, n, nics, nic, ni.nic_in);

    processors(ProcKind::CPU, false, n, s_.cpu, ni.cpu);
    processors(ProcKind::GPU, false, n, s_.gpu, ni.gpu);
    processors(ProcKind::OMP, false, n, s_.omp, ni.omp);
    processors(ProcKind::CPU, true, n, s_.utility, ni.utility);
    m_.nodes.push_back(std::move(ni));
  }

  // Legion's affinities, per instance: a GPU its own framebuffer and the node's zero-copy memory (over its
  // PCIe link); CPU and OpenMP processors the node's host memories and their own socket's SOCKMEM.
  void accesses(const mapping::MachineDesc& desc) {
    for (Processor& p : m_.processors) {
      const NodeIndex& ni = m_.nodes[p.node];
      for (MemKind kind : desc.addressable(p.kind)) {
        for (MemId id : model::memories(m_, p.node, kind)) {
          const Memory& mem = m_.memories[id];
          if (kind == MemKind::FBMEM && mem.index != p.index) continue;
          if (kind == MemKind::SOCKMEM && mem.socket != p.socket) continue;
          Access a{id, std::min(p.bandwidth, mem.bandwidth), mem.latency};
          if (p.kind == ProcKind::GPU && kind != MemKind::FBMEM) {
            const Link& pcie = m_.links[ni.pcie_to_gpu[p.index]];
            a.bandwidth = std::min(a.bandwidth, pcie.bandwidth);
            a.latency += pcie.latency;
          }
          p.access.push_back(a);
        }
      }
    }
  }

 private:
  MemId memory(MemKind kind, NodeId n, std::int64_t index, std::optional<std::uint32_t> socket,
               const MemSpec& s) {
    m_.memories.push_back(
        Memory{kind, n, static_cast<std::uint32_t>(index), socket, s.capacity, s.bandwidth, s.latency});
    return static_cast<MemId>(m_.memories.size() - 1);
  }

  LinkId link(LinkKind kind, NodeId n, std::int64_t index, std::int64_t peer, const LinkSpec& s) {
    m_.links.push_back(Link{kind, n, static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(peer),
                            s.bandwidth, s.latency});
    return static_cast<LinkId>(m_.links.size() - 1);
  }

  // `count` links of one kind, one per GPU, socket or NIC, in index order.
  void links(LinkKind kind, NodeId n, std::int64_t count, const LinkSpec& s, std::vector<LinkId>& ids) {
    for (std::int64_t i = 0; i < count; ++i) ids.push_back(link(kind, n, i, i, s));
  }

  void processors(ProcKind kind, bool utility, NodeId n, const ProcSpec& s, std::vector<ProcId>& ids) {
    for (std::int64_t i = 0; i < s.count; ++i) {
      m_.processors.push_back(Processor{kind, utility, n, static_cast<std::uint32_t>(i),
                                        spread(i, s.count, s_.sockets), s.threads, s.flops, s.bandwidth,
                                        s.launch_overhead, {}});
      ids.push_back(static_cast<ProcId>(m_.processors.size() - 1));
    }
  }

  MachineModel& m_;
  const MachineSpec& s_;
};

}  // namespace

MachineModel build_model(const MachineSpec& spec) {
  MachineModel m;
  m.spec = normalized(spec);
  Builder b(m);
  for (std::int64_t n = 0; n < m.spec.nodes; ++n) b.node(static_cast<NodeId>(n));
  b.accesses(to_machine_desc(m));
  return m;
}

std::optional<MachineModel> model_preset(std::string_view name, std::int64_t nodes) {
  auto spec = preset_spec(name, nodes);
  if (!spec) return std::nullopt;
  return build_model(*spec);
}

mapping::MachineDesc to_machine_desc(const MachineModel& model) {
  const MachineSpec& s = model.spec;
  mapping::MachineDesc d;
  d.name = s.name;
  d.nodes = s.nodes;
  for (auto [kind, p] : {std::pair{ProcKind::CPU, &s.cpu}, {ProcKind::GPU, &s.gpu}, {ProcKind::OMP, &s.omp}})
    if (p->count > 0) d.procs_per_node[kind] = p->count;
  for (auto [kind, m] : {std::pair{MemKind::SYSMEM, &s.sysmem}, {MemKind::SOCKMEM, &s.sockmem},
                         {MemKind::ZCMEM, &s.zcmem}, {MemKind::FBMEM, &s.fbmem}, {MemKind::RDMEM, &s.rdmem}})
    if (m->capacity > 0) d.memories.insert(kind);  // the spec is normalized: no FBMEM without GPUs
  return d;
}

// ---- lookups ----

std::vector<ProcId> processors(const MachineModel& model, NodeId node, ProcKind kind) {
  const NodeIndex& ni = model.nodes.at(node);
  switch (kind) {
    case ProcKind::CPU: return ni.cpu;
    case ProcKind::GPU: return ni.gpu;
    case ProcKind::OMP: return ni.omp;
    default: return {};
  }
}

std::vector<MemId> memories_of_node(const MachineModel& model, NodeId node) {
  const NodeIndex& ni = model.nodes.at(node);
  std::vector<MemId> ids = {ni.sysmem};
  ids.insert(ids.end(), ni.sockmem.begin(), ni.sockmem.end());
  if (ni.zcmem) ids.push_back(*ni.zcmem);
  ids.insert(ids.end(), ni.fbmem.begin(), ni.fbmem.end());
  if (ni.rdmem) ids.push_back(*ni.rdmem);
  return ids;
}

std::vector<MemId> memories(const MachineModel& model, NodeId node, MemKind kind) {
  std::vector<MemId> ids;
  for (MemId id : memories_of_node(model, node))
    if (model.memories[id].kind == kind) ids.push_back(id);
  return ids;
}

std::optional<MemId> fbmem_of(const MachineModel& model, ProcId gpu) {
  const Processor& p = model.processors.at(gpu);
  if (p.kind != ProcKind::GPU) return std::nullopt;
  return model.nodes[p.node].fbmem[p.index];
}

const Access* find_access(const MachineModel& model, ProcId proc, MemId memory) {
  for (const Access& a : model.processors.at(proc).access)
    if (a.memory == memory) return &a;
  return nullptr;
}

std::optional<MemId> best_memory(const MachineModel& model, ProcId proc, MemKind kind) {
  const Access* best = nullptr;
  for (const Access& a : model.processors.at(proc).access)
    if (model.memories[a.memory].kind == kind && (!best || a.bandwidth > best->bandwidth)) best = &a;
  if (!best) return std::nullopt;
  return best->memory;
}

LinkId socket_link(const MachineModel& model, NodeId node, std::uint32_t from, std::uint32_t to) {
  // Ordered pairs without the diagonal: row `from` holds sockets - 1 entries.
  auto sockets = static_cast<std::uint32_t>(model.spec.sockets);
  return model.nodes.at(node).socket_link.at(from * (sockets - 1) + (to < from ? to : to - 1));
}

LinkId opposite(const MachineModel& model, LinkId id) {
  const Link& l = model.links.at(id);
  const NodeIndex& ni = model.nodes[l.node];
  switch (l.kind) {
    case LinkKind::FbCopy:
    case LinkKind::Memcpy: return id;
    case LinkKind::SocketLink: return socket_link(model, l.node, l.peer, l.index);
    case LinkKind::PcieToGpu: return ni.pcie_from_gpu[l.index];
    case LinkKind::PcieFromGpu: return ni.pcie_to_gpu[l.index];
    case LinkKind::NvlinkOut: return ni.nvlink_in[l.index];
    case LinkKind::NvlinkIn: return ni.nvlink_out[l.index];
    case LinkKind::NicOut: return ni.nic_in[l.index];
    case LinkKind::NicIn: return ni.nic_out[l.index];
  }
  return id;
}

// ---- routes ----

namespace {

class Router {
 public:
  explicit Router(const MachineModel& m) : m_(m) {}

  std::vector<LinkId> route(MemId from, MemId to) {
    const Memory& a = m_.memories.at(from);
    const Memory& b = m_.memories.at(to);
    if (a.node != b.node) {
      leave(a);
      enter(b);
    } else if (from == to && a.kind == MemKind::FBMEM) {
      out_.push_back(ni(a).fb_copy[a.index]);
    } else if (a.kind == MemKind::FBMEM && b.kind == MemKind::FBMEM && !ni(a).nvlink_out.empty()) {
      out_.push_back(ni(a).nvlink_out[a.index]);
      out_.push_back(ni(b).nvlink_in[b.index]);
    } else if (a.kind == MemKind::FBMEM || b.kind == MemKind::FBMEM) {
      // Peer-to-peer and host copies of a GPU cross its PCIe link, and QPI between sockets.
      if (a.kind == MemKind::FBMEM) out_.push_back(ni(a).pcie_from_gpu[a.index]);
      cross(a.node, a.socket, b.socket);
      if (b.kind == MemKind::FBMEM) out_.push_back(ni(b).pcie_to_gpu[b.index]);
    } else if (a.socket && b.socket && *a.socket != *b.socket) {
      cross(a.node, a.socket, b.socket);
    } else {
      // Host memory copies on one socket; interleaved memories alone are charged to socket 0.
      out_.push_back(ni(a).memcpy[a.socket.value_or(b.socket.value_or(0))]);
    }
    return std::move(out_);
  }

 private:
  const NodeIndex& ni(const Memory& m) const { return m_.nodes[m.node]; }

  void cross(NodeId node, std::optional<std::uint32_t> from, std::optional<std::uint32_t> to) {
    if (from && to && *from != *to) out_.push_back(socket_link(m_, node, *from, *to));
  }

  // The NIC a memory's traffic uses: a GPU's share of the NICs, its socket's first NIC, or NIC 0 for the
  // interleaved host memories.
  std::uint32_t nic(const Memory& m) const {
    const MachineSpec& s = m_.spec;
    if (m.kind == MemKind::FBMEM) return spread(m.index, s.gpu.count, s.network.nics);
    if (m.socket) return spread(*m.socket, s.sockets, s.network.nics);
    return 0;
  }
  std::uint32_t nic_socket(std::uint32_t k) const { return spread(k, m_.spec.network.nics, m_.spec.sockets); }

  void leave(const Memory& m) {
    std::uint32_t k = nic(m);
    if (m.kind == MemKind::FBMEM) out_.push_back(ni(m).pcie_from_gpu[m.index]);
    cross(m.node, m.socket, nic_socket(k));
    out_.push_back(ni(m).nic_out[k]);
  }

  void enter(const Memory& m) {
    std::uint32_t k = nic(m);
    out_.push_back(ni(m).nic_in[k]);
    cross(m.node, nic_socket(k), m.socket);
    if (m.kind == MemKind::FBMEM) out_.push_back(ni(m).pcie_to_gpu[m.index]);
  }

  const MachineModel& m_;
  std::vector<LinkId> out_;
};

}  // namespace

std::vector<LinkId> route(const MachineModel& model, MemId from, MemId to) {
  return Router(model).route(from, to);
}

double route_bandwidth(const MachineModel& model, const std::vector<LinkId>& route) {
  double bw = std::numeric_limits<double>::infinity();
  for (LinkId l : route) bw = std::min(bw, model.links.at(l).bandwidth);
  return bw;
}

double route_latency(const MachineModel& model, const std::vector<LinkId>& route) {
  double latency = 0;
  for (LinkId l : route) latency += model.links.at(l).latency;
  return latency;
}

// ---- names ----

std::string_view to_string(LinkKind k) {
  switch (k) {
    case LinkKind::FbCopy: return "fb-copy";
    case LinkKind::Memcpy: return "memcpy";
    case LinkKind::SocketLink: return "socket-link";
    case LinkKind::PcieToGpu: return "pcie-to-gpu";
    case LinkKind::PcieFromGpu: return "pcie-from-gpu";
    case LinkKind::NvlinkOut: return "nvlink-out";
    case LinkKind::NvlinkIn: return "nvlink-in";
    case LinkKind::NicOut: return "nic-out";
    case LinkKind::NicIn: return "nic-in";
  }
  return "link";
}

std::string processor_name(const MachineModel& model, ProcId id) {
  const Processor& p = model.processors.at(id);
  std::string kind = p.utility ? "util" : std::string(to_string(p.kind));
  std::transform(kind.begin(), kind.end(), kind.begin(), [](unsigned char c) { return std::tolower(c); });
  return fmt::format("n{}.{}{}", p.node, kind, p.index);
}

std::string memory_name(const MachineModel& model, MemId id) {
  const Memory& m = model.memories.at(id);
  std::string kind(to_string(m.kind));
  std::transform(kind.begin(), kind.end(), kind.begin(), [](unsigned char c) { return std::tolower(c); });
  bool indexed = m.kind == MemKind::FBMEM || m.kind == MemKind::SOCKMEM;
  return indexed ? fmt::format("n{}.{}{}", m.node, kind, m.index) : fmt::format("n{}.{}", m.node, kind);
}

std::string link_name(const MachineModel& model, LinkId id) {
  const Link& l = model.links.at(id);
  if (l.kind == LinkKind::SocketLink) return fmt::format("n{}.socket{}-to-{}", l.node, l.index, l.peer);
  return fmt::format("n{}.{}{}", l.node, to_string(l.kind), l.index);
}

}  // namespace mage::model
