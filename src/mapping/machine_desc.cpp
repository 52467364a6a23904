#include "mapping/machine_desc.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace mage::mapping {

std::int64_t MachineDesc::per_node(ProcKind k) const {
  auto it = procs_per_node.find(k);
  return it == procs_per_node.end() ? 0 : it->second;
}

std::vector<MemKind> MachineDesc::addressable(ProcKind k) const {
  // Legion's processor-memory affinities, fastest first. VIRTUAL (no physical instance) fits anywhere.
  std::vector<MemKind> order;
  switch (k) {
    case ProcKind::GPU: order = {MemKind::FBMEM, MemKind::ZCMEM}; break;
    case ProcKind::OMP: order = {MemKind::SOCKMEM, MemKind::SYSMEM, MemKind::ZCMEM, MemKind::RDMEM}; break;
    case ProcKind::CPU:
    case ProcKind::PROC: order = {MemKind::SYSMEM, MemKind::SOCKMEM, MemKind::ZCMEM, MemKind::RDMEM}; break;
    case ProcKind::IO:
    case ProcKind::PY: order = {MemKind::SYSMEM, MemKind::ZCMEM}; break;
  }
  order.push_back(MemKind::VIRTUAL);
  std::vector<MemKind> present;
  for (MemKind m : order)
    if (m == MemKind::VIRTUAL || has(m)) present.push_back(m);
  return present;
}

bool MachineDesc::can_address(ProcKind p, MemKind m) const {
  for (MemKind a : addressable(p))
    if (a == m) return true;
  return false;
}

std::optional<MemKind> MachineDesc::default_memory(ProcKind k) const {
  for (MemKind m : addressable(k))
    if (m != MemKind::VIRTUAL) return m;
  return std::nullopt;
}

lang::MachineFacts MachineDesc::facts() const {
  lang::MachineFacts f;
  for (auto [k, n] : procs_per_node)
    if (n > 0) f.procs.insert(k);
  f.mems = memories;
  f.mems.insert(MemKind::VIRTUAL);
  for (ProcKind p : kAllProcKinds)
    for (MemKind m : addressable(p)) f.addressable.insert({p, m});
  return f;
}

std::string MachineDesc::summary() const {
  std::string procs;
  for (auto [k, n] : procs_per_node)
    if (n > 0) procs += fmt::format("{}{} {}", procs.empty() ? "" : ", ", n, to_string(k));
  std::string mems;
  for (MemKind m : memories) mems += fmt::format(" {}", to_string(m));
  return fmt::format("{} node{} x ({}); memories{}", nodes, nodes == 1 ? "" : "s", procs, mems);
}

std::set<MemKind> implied_memories(const std::map<ProcKind, std::int64_t>& procs) {
  std::set<MemKind> mems = {MemKind::SYSMEM};
  auto count = [&](ProcKind k) {
    auto it = procs.find(k);
    return it == procs.end() ? 0 : it->second;
  };
  if (count(ProcKind::GPU) > 0) mems.insert({MemKind::FBMEM, MemKind::ZCMEM});
  if (count(ProcKind::OMP) > 0) mems.insert(MemKind::SOCKMEM);
  return mems;
}

namespace {

MachineDesc make(std::string name, std::int64_t gpus, std::int64_t cpus, std::int64_t omps) {
  MachineDesc m;
  m.name = std::move(name);
  if (gpus > 0) m.procs_per_node[ProcKind::GPU] = gpus;
  if (cpus > 0) m.procs_per_node[ProcKind::CPU] = cpus;
  if (omps > 0) m.procs_per_node[ProcKind::OMP] = omps;
  m.memories = implied_memories(m.procs_per_node);
  return m;
}

std::optional<ProcKind> spec_key_kind(std::string_view key) {
  if (key == "cpus" || key == "cpu") return ProcKind::CPU;
  if (key == "gpus" || key == "gpu") return ProcKind::GPU;
  if (key == "omps" || key == "omp") return ProcKind::OMP;
  if (key == "ios" || key == "io") return ProcKind::IO;
  if (key == "pys" || key == "py") return ProcKind::PY;
  if (key == "procs" || key == "proc") return ProcKind::PROC;
  return std::nullopt;
}

void usage_error(lang::Diagnostics& diags, std::string message, std::string hint) {
  diags.error(lang::Category::Usage, "usage.machine", lang::Span{}, std::move(message), std::move(hint));
}

bool valid_machine(const MachineDesc& m, const std::string& where, lang::Diagnostics& diags) {
  if (m.nodes < 1 || m.nodes > 1'000'000) {
    usage_error(diags, fmt::format("{}: nodes = {} is out of range", where, m.nodes), "use between 1 and 1000000 nodes");
    return false;
  }
  for (auto [k, n] : m.procs_per_node) {
    if (n < 0 || n > 1'000'000) {
      usage_error(diags, fmt::format("{}: {} processors per node = {} is out of range", where, to_string(k), n),
                  "use between 0 and 1000000 processors of a kind per node");
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<std::string> machine_preset_names() { return {"p100x4", "dgx-h100", "cpu"}; }

std::optional<MachineDesc> machine_preset(std::string_view name) {
  // Processor counts as a Legion run would expose them (docs/machines.md explains the choices).
  if (name == "p100x4") return make("p100x4", 4, 16, 2);
  if (name == "dgx-h100") return make("dgx-h100", 8, 104, 2);
  if (name == "cpu") return make("cpu", 0, 2, 1);
  return std::nullopt;
}

std::optional<MachineDesc> parse_machine_spec(std::string_view spec, lang::Diagnostics& diags) {
  if (auto preset = machine_preset(spec)) return preset;
  if (spec.find('=') == std::string_view::npos) {
    usage_error(diags, fmt::format("unknown machine `{}`", spec),
                fmt::format("use a preset ({}), a spec such as `nodes=2,gpus=4,cpus=8,omps=2`, or a TOML file",
                            fmt::join(machine_preset_names(), ", ")));
    return std::nullopt;
  }
  MachineDesc m;
  m.name = std::string(spec);
  std::size_t start = 0;
  while (start <= spec.size()) {
    std::size_t comma = spec.find(',', start);
    std::string_view item = spec.substr(start, comma == std::string_view::npos ? spec.npos : comma - start);
    start = comma == std::string_view::npos ? spec.size() + 1 : comma + 1;
    if (item.empty()) continue;
    std::size_t eq = item.find('=');
    std::string_view key = item.substr(0, eq);
    std::string_view val = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(val.data(), val.data() + val.size(), n);
    if (eq == std::string_view::npos || ec != std::errc() || p != val.data() + val.size()) {
      usage_error(diags, fmt::format("machine spec item `{}` is not KEY=NUMBER", item),
                  "write items such as `nodes=2,gpus=4,cpus=8,omps=2`");
      return std::nullopt;
    }
    if (key == "nodes") {
      m.nodes = n;
    } else if (key == "utils" || key == "util") {
      // utility processors do not run application tasks; accepted for familiarity with -ll:util
    } else if (auto k = spec_key_kind(key)) {
      m.procs_per_node[*k] = n;
    } else {
      usage_error(diags, fmt::format("unknown machine spec key `{}`", key),
                  "keys are nodes, cpus, gpus, omps, ios, pys, procs and utils");
      return std::nullopt;
    }
  }
  m.memories = implied_memories(m.procs_per_node);
  if (!valid_machine(m, "machine spec", diags)) return std::nullopt;
  return m;
}

std::optional<MachineDesc> parse_machine_toml(std::string_view text, const std::string& file_name,
                                              lang::Diagnostics& diags) {
  toml::table root;
  try {
    root = toml::parse(text, file_name);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    usage_error(diags, fmt::format("{}:{}:{}: {}", file_name, b.line, b.column, e.description()),
                "fix the TOML syntax at that position");
    return std::nullopt;
  }
  auto field_error = [&](const toml::node* node, const std::string& field, const std::string& expected) {
    std::string where = file_name;
    if (node) where += fmt::format(":{}:{}", node->source().begin.line, node->source().begin.column);
    usage_error(diags, fmt::format("{}: field `{}` must be {}", where, field, expected),
                "see docs/machines.md for the machine description format");
  };
  // A file in another format (a simulator machine model, an application) must not pass for a machine
  // with default counts: every top-level field has to be one of this format's.
  static const std::vector<std::string> kFields = {"name", "nodes", "processors", "memories"};
  for (auto&& [key, node] : root) {
    if (std::find(kFields.begin(), kFields.end(), key.str()) != kFields.end()) continue;
    static const std::vector<std::string> kAppFields = {"tasks", "regions", "launches", "partitions", "program",
                                                        "fields", "steps", "parameters"};
    bool app = std::find(kAppFields.begin(), kAppFields.end(), key.str()) != kAppFields.end();
    auto close = lang::did_you_mean(key.str(), kFields);
    const auto& b = key.source().begin;
    lang::Diagnostic d = lang::make_error(
        lang::Category::Usage, "usage.machine-format", lang::Span{},
        fmt::format("{}:{}:{}: unknown field `{}` in a machine description{}", file_name, b.line, b.column, key.str(),
                    close ? fmt::format("; did you mean `{}`?", *close) : ""),
        app ? std::string("this looks like an application description: give it with `--app`, and the machine "
                          "as a preset, a spec such as `nodes=2,gpus=4`, or a TOML file with the fields name, "
                          "nodes, processors, memories (docs/machines.md)")
            : std::string("a machine description has the fields name, nodes, processors and memories "
                          "(docs/machines.md)"));
    diags.add(std::move(d));
    return std::nullopt;
  }
  MachineDesc m;
  m.name = root["name"].value_or(std::string("custom"));
  if (auto* n = root.get("nodes")) {
    auto v = n->value<std::int64_t>();
    if (!v) return field_error(n, "nodes", "an integer"), std::nullopt;
    m.nodes = *v;
  }
  if (auto* procs = root.get("processors")) {
    auto* table = procs->as_table();
    if (!table) return field_error(procs, "processors", "a table such as [processors] gpu = 4"), std::nullopt;
    for (auto&& [key, node] : *table) {
      auto kind = spec_key_kind(key.str());
      auto v = node.value<std::int64_t>();
      std::string field = fmt::format("processors.{}", key.str());
      if (!kind) return field_error(&node, field, "one of cpu, gpu, omp, io, py, proc"), std::nullopt;
      if (!v) return field_error(&node, field, "an integer"), std::nullopt;
      m.procs_per_node[*kind] = *v;
    }
  }
  m.memories = implied_memories(m.procs_per_node);
  if (auto* mems = root.get("memories")) {
    auto* arr = mems->as_array();
    if (!arr) return field_error(mems, "memories", "an array of memory kinds"), std::nullopt;
    m.memories.clear();
    for (auto&& node : *arr) {
      auto s = node.value<std::string>();
      auto kind = s ? parse_mem_kind(*s) : std::nullopt;
      if (!kind)
        return field_error(&node, "memories", "an array of SYSMEM, FBMEM, ZCMEM, RDMEM, SOCKMEM"), std::nullopt;
      m.memories.insert(*kind);
    }
  }
  if (!valid_machine(m, file_name, diags)) return std::nullopt;
  return m;
}

}  // namespace mage::mapping
