#include "legion/policy_host.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

#include <fmt/format.h>

namespace mage::legion {

using Legion::Machine;
using Legion::Memory;
using Legion::Processor;

std::optional<ProcKind> to_mage(Processor::Kind k) {
  switch (k) {
    case Processor::LOC_PROC: return ProcKind::CPU;
    case Processor::TOC_PROC: return ProcKind::GPU;
    case Processor::OMP_PROC: return ProcKind::OMP;
    case Processor::IO_PROC: return ProcKind::IO;
    case Processor::PY_PROC: return ProcKind::PY;
    case Processor::PROC_SET: return ProcKind::PROC;
    default: return std::nullopt;  // utility processors run the runtime, not tasks
  }
}

std::optional<Processor::Kind> to_legion(ProcKind k) {
  switch (k) {
    case ProcKind::CPU: return Processor::LOC_PROC;
    case ProcKind::GPU: return Processor::TOC_PROC;
    case ProcKind::OMP: return Processor::OMP_PROC;
    case ProcKind::IO: return Processor::IO_PROC;
    case ProcKind::PY: return Processor::PY_PROC;
    case ProcKind::PROC: return Processor::PROC_SET;
  }
  return std::nullopt;
}

std::optional<MemKind> to_mage(Memory::Kind k) {
  switch (k) {
    case Memory::SYSTEM_MEM: return MemKind::SYSMEM;
    case Memory::GPU_FB_MEM: return MemKind::FBMEM;
    case Memory::Z_COPY_MEM: return MemKind::ZCMEM;
    case Memory::REGDMA_MEM: return MemKind::RDMEM;
    case Memory::SOCKET_MEM: return MemKind::SOCKMEM;
    default: return std::nullopt;
  }
}

std::vector<std::int64_t> coords(const Legion::DomainPoint& p) {
  std::vector<std::int64_t> c;
  for (int d = 0; d < p.get_dim(); ++d) c.push_back(static_cast<std::int64_t>(p[d]));
  return c;
}

std::shared_ptr<PolicyHost> PolicyHost::create(Machine machine, const mapping::AdapterFlags& flags,
                                               std::string& errors, std::string& warnings) {
  if (!flags.error.empty()) {
    errors = fmt::format("mage: {}\n", flags.error);
    return nullptr;
  }
  std::string text;
  std::string name = flags.mapping_file;
  if (!name.empty()) {
    std::ifstream in(name, std::ios::binary);
    if (!in) {
      errors = fmt::format("mage: cannot read the mapper program `{}` (given by -mapping or MAGE_MAPPING); check the "
                           "path\n",
                           name);
      return nullptr;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  } else {
    name = "<default>";  // no program: the policy's defaults, which mirror the default mapper
  }

  std::shared_ptr<PolicyHost> host(new PolicyHost());
  host->log_ = flags.log;

  // The machine, node by node, in policy coordinates: processors of a kind ordered by id.
  const auto nodes = static_cast<std::int64_t>(std::max<std::size_t>(1, machine.get_address_space_count()));
  std::vector<mapping::NodeInventory> inventory(static_cast<std::size_t>(nodes));
  Machine::ProcessorQuery all_procs(machine);
  std::vector<Processor> procs(all_procs.begin(), all_procs.end());
  std::sort(procs.begin(), procs.end());
  for (Processor p : procs) {
    auto kind = to_mage(p.kind());
    auto node = static_cast<std::int64_t>(p.address_space());
    if (!kind || node >= nodes) continue;
    auto& per_node = host->procs_[*kind];
    per_node.resize(static_cast<std::size_t>(nodes));
    auto& list = per_node[static_cast<std::size_t>(node)];
    host->ids_[p] = mapping::ProcessorId{*kind, node, static_cast<std::int64_t>(list.size())};
    list.push_back(p);
    inventory[static_cast<std::size_t>(node)].procs[*kind]++;
  }
  Machine::MemoryQuery all_mems(machine);
  for (Memory m : all_mems) {
    auto kind = to_mage(m.kind());
    auto node = static_cast<std::int64_t>(m.address_space());
    if (kind && node < nodes && m.capacity() > 0) inventory[static_cast<std::size_t>(node)].memories.insert(*kind);
  }
  // Memories the local processors reach, best bandwidth first per kind.
  std::vector<Machine::ProcessorMemoryAffinity> affinities;
  machine.get_proc_mem_affinity(affinities);
  std::map<std::pair<Processor, MemKind>, unsigned> best;
  for (const auto& a : affinities) {
    auto kind = to_mage(a.m.kind());
    if (!kind || a.m.capacity() == 0) continue;
    auto key = std::make_pair(a.p, *kind);
    auto it = best.find(key);
    if (it == best.end() || a.bandwidth > it->second) {
      best[key] = a.bandwidth;
      host->memories_[key] = a.m;
    }
  }

  std::string note;
  mapping::MachineDesc desc = mapping::machine_from_inventory(inventory, &note);
  if (!note.empty()) warnings += fmt::format("mage: the machine is uneven: {}\n", note);

  lang::Diagnostics diags;
  host->policy_ = mapping::Policy::compile(lang::SourceFile(name, text), desc, diags, nullptr,
                                           [](const std::string& s) { std::fprintf(stderr, "%s\n", s.c_str()); });
  lang::SourceFile shown(name, text);
  if (!host->policy_) {
    errors = lang::render_text(diags, &shown);
    return nullptr;
  }
  if (diags.warning_count() > 0) warnings += lang::render_text(diags, &shown);
  if (host->log_)
    host->log(fmt::format("mapper program `{}` compiled for {}", name, desc.summary()));
  return host;
}

Processor PolicyHost::processor(const mapping::ProcessorId& id) const {
  auto it = procs_.find(id.kind);
  if (it == procs_.end() || id.node < 0 || id.node >= static_cast<std::int64_t>(it->second.size()))
    return Processor::NO_PROC;
  const auto& list = it->second[static_cast<std::size_t>(id.node)];
  if (id.proc < 0 || id.proc >= static_cast<std::int64_t>(list.size())) return Processor::NO_PROC;
  return list[static_cast<std::size_t>(id.proc)];
}

std::optional<mapping::ProcessorId> PolicyHost::id_of(Processor p) const {
  auto it = ids_.find(p);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

const std::vector<Processor>& PolicyHost::processors(ProcKind kind, std::int64_t node) const {
  static const std::vector<Processor> none;
  auto it = procs_.find(kind);
  if (it == procs_.end() || node < 0 || node >= static_cast<std::int64_t>(it->second.size())) return none;
  return it->second[static_cast<std::size_t>(node)];
}

Memory PolicyHost::memory(Processor p, MemKind kind) const {
  auto it = memories_.find({p, kind});
  return it == memories_.end() ? Memory::NO_MEMORY : it->second;
}

void PolicyHost::log(const std::string& line) {
  std::lock_guard<std::mutex> g(report_mutex_);
  std::fprintf(stderr, "[mage] %s\n", line.c_str());
}

void PolicyHost::report_once(const std::string& key, const std::string& text) {
  std::lock_guard<std::mutex> g(report_mutex_);
  if (reported_.insert(key).second) std::fprintf(stderr, "mage: warning: %s\n", text.c_str());
}

void PolicyHost::fatal(const lang::Diagnostic& d) {
  {
    std::lock_guard<std::mutex> g(report_mutex_);
    std::string text = lang::render_text(d, &policy_->source());
    std::fprintf(stderr, "%s", text.c_str());
    std::fprintf(stderr, "mage: the mapper program `%s` failed while the application ran; stopping\n",
                 policy_->source().name().c_str());
    std::fflush(stderr);
    std::fflush(stdout);
  }
  // Runtime threads are live: skip static destructors, which could wait on them.
  std::_Exit(1);
}

bool PolicyHost::try_acquire(const std::string& task, Processor proc, std::int64_t limit) {
  std::lock_guard<std::mutex> g(report_mutex_);
  auto& n = running_[{task, proc}];
  if (n >= limit) return false;
  ++n;
  return true;
}

void PolicyHost::release(const std::string& task, Processor proc) {
  std::lock_guard<std::mutex> g(report_mutex_);
  auto& n = running_[{task, proc}];
  if (n > 0) --n;
}

std::int64_t PolicyHost::running(const std::string& task, Processor proc) {
  std::lock_guard<std::mutex> g(report_mutex_);
  auto it = running_.find({task, proc});
  return it == running_.end() ? 0 : it->second;
}

void PolicyHost::add_waiter(Legion::Mapping::MapperEvent e) {
  std::lock_guard<std::mutex> g(report_mutex_);
  waiters_.push_back(e);
}

std::vector<Legion::Mapping::MapperEvent> PolicyHost::take_waiters() {
  std::lock_guard<std::mutex> g(report_mutex_);
  return std::exchange(waiters_, {});
}

void PolicyHost::set_sharding(std::vector<mapping::ShardingClass> classes, Legion::ShardingID first) {
  sharding_classes_ = std::move(classes);
  first_sharding_ = first;
}

std::optional<Legion::ShardingID> PolicyHost::sharding_functor(std::string_view task, ProcKind kind) const {
  auto i = mapping::sharding_class_of(sharding_classes_, task, kind);
  if (!i) return std::nullopt;
  return first_sharding_ + static_cast<Legion::ShardingID>(*i);
}

}  // namespace mage::legion
