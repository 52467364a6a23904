// The mapping space: parameters from the application and machine models, and a point's program.
#include "search/mapping_space.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lang/formatter.hpp"
#include "lang/parser.hpp"

namespace mage::search {

namespace {

constexpr ProcKind kKindOrder[] = {ProcKind::GPU, ProcKind::OMP, ProcKind::CPU};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The machine space a function of a kind uses: `m_gpu = Machine(GPU);`.
std::string space_name(ProcKind k) { return "m_" + lower(to_string(k)); }

// Helpers the library's functions call, emitted only when used.
const char* kLinear =
    "# The launch point as one row-major index (domains of up to 3 dimensions).\n"
    "def linear(Task task) {\n"
    "    p = task.ipoint;\n"
    "    s = task.ispace;\n"
    "    return p.len == 1 ? p[0] : p.len == 2 ? p[0] * s[1] + p[1] : (p[0] * s[1] + p[1]) * s[2] + p[2];\n"
    "}\n";
const char* kVolume =
    "# The number of points of the launch.\n"
    "def volume(Task task) {\n"
    "    s = task.ispace;\n"
    "    return s.len == 1 ? s[0] : s.len == 2 ? s[0] * s[1] : s[0] * s[1] * s[2];\n"
    "}\n";

}  // namespace

const std::vector<MappingFunction>& mapping_library() {
  static const std::vector<MappingFunction> lib = {
      {"block1d", 0,
       "    g = linear(task) * M.volume / volume(task);\n"
       "    return M[g / M.size[1], g % M.size[1]];\n"},
      {"cyclic1d", 0,
       "    g = linear(task) % M.volume;\n"
       "    return M[g / M.size[1], g % M.size[1]];\n"},
      {"block2d", 2,
       "    grid = M.merge(0, 1).auto_split(0, task.ispace);\n"
       "    return grid[task.ipoint[0] * grid.size[0] / task.ispace[0], task.ipoint[1] * grid.size[1] / task.ispace[1]];\n"},
      {"cyclic2d", 2,
       "    grid = M.merge(0, 1).auto_split(0, task.ispace);\n"
       "    return grid[task.ipoint[0] % grid.size[0], task.ipoint[1] % grid.size[1]];\n"},
      {"linearize2d", 2,
       "    l = linear(task);\n"
       "    return M[l % M.size[0], l % M.size[1]];\n"},
      {"auto2d", 2,
       "    m3 = M.auto_split(0, task.ispace);\n"
       "    m4 = m3.auto_split(2, task.ispace / m3[:-1]);\n"
       "    upper = tuple(task.ipoint[i] * m4.size[i] / task.ispace[i] for i in (0, 1));\n"
       "    lower = tuple(task.ipoint[i] % m4.size[i + 2] for i in (0, 1));\n"
       "    return m4[*upper, *lower];\n"},
      {"block3d", 3,
       "    grid = M.merge(0, 1).auto_split(0, task.ispace);\n"
       "    return grid[*tuple(task.ipoint[i] * grid.size[i] / task.ispace[i] for i in (0, 1, 2))];\n"},
      {"cyclic3d", 3,
       "    grid = M.merge(0, 1).auto_split(0, task.ispace);\n"
       "    return grid[*tuple(task.ipoint[i] % grid.size[i] for i in (0, 1, 2))];\n"},
      {"same_point", -1, "    return M[*task.parent.processor(M)];\n",
       // The parent's processor is not a point of M: the processor of the task's kind on the parent's
       // node, at the same relative position (so on the same socket).
       "    p = task.parent.processor(P);\n"
       "    return M[p[0], p[1] * M.size[1] / P.size[1]];\n"},
  };
  return lib;
}

MappingSpace::MappingSpace(const model::AppModel& app, const model::MachineModel& machine)
    : MappingSpace(app, model::to_machine_desc(machine), &machine) {}

MappingSpace::MappingSpace(const model::AppModel& app, const mapping::MachineDesc& machine)
    : MappingSpace(app, machine, nullptr) {}

MappingSpace::MappingSpace(const model::AppModel& app, const mapping::MachineDesc& machine,
                           const model::MachineModel* model)
    : app_(&app), machine_(machine) {
  if (model) place_instances(app, *model);
  // Tasks in order of first launch, with their work per step (for the heaviest-first sweep).
  std::vector<std::string> tasks;
  std::map<std::string, double> work;
  for (std::size_t l = 0; l < app.launches.size(); ++l) {
    const model::Launch& launch = app.launches[l];
    if (!launch_dims_.count(launch.task)) {
      tasks.push_back(launch.task);
      first_launch_[launch.task] = &launch;
      launch_dims_[launch.task] =
          launch.single() ? (launch.parent.empty() ? -2 : -1) : static_cast<int>(launch.domain.size());
    }
    const model::Task* task = app.find_task(launch.task);
    if (!task || task->variants.empty()) continue;
    for (const auto& p : app.points(l)) work[launch.task] += model::work(task->variants.front(), p).flops;
  }

  std::vector<std::size_t> kind_params, memory_params;
  for (const std::string& name : tasks) {
    const model::Task* task = app.find_task(name);
    std::vector<ProcKind> kinds;
    for (ProcKind k : kKindOrder)
      if (machine_.has(k) && task && task->find_variant(k)) kinds.push_back(k);
    if (kinds.empty()) continue;  // nothing can run it here; the simulator reports it
    Parameter p{"kind " + name, {}};
    for (ProcKind k : kinds) p.options.emplace_back(to_string(k));
    kind_param_[name] = add(std::move(p), Decision{Decision::What::Kind, name, -1, ""}, 0);
    kind_params.push_back(kind_param_[name]);
  }
  std::stable_sort(kind_params.begin(), kind_params.end(), [&](std::size_t a, std::size_t b) {
    return work[decisions_[a].task] > work[decisions_[b].task];
  });

  // Memories: every kind one of the task's processor kinds can address.
  for (const std::string& name : tasks) {
    if (!kind_param_.count(name)) continue;
    const model::Launch* first = nullptr;
    for (const auto& l : app.launches)
      if (l.task == name) {
        first = &l;
        break;
      }
    const ProcKind default_kind = kind_of(default_, name);
    for (std::size_t a = 0; first && a < first->args.size(); ++a) {
      std::vector<MemKind> mems;
      std::set<MemKind> defaults;  // kept even if they cannot hold it: the runtime's choice
      for (const std::string& option : space_.params[kind_param_[name]].options)
        if (auto m = machine_.default_memory(*parse_proc_kind(option))) defaults.insert(*m);
      for (const std::string& option : space_.params[kind_param_[name]].options) {
        const ProcKind kind = *parse_proc_kind(option);
        for (MemKind m : machine_.addressable(kind))
          // VIRTUAL is for inner tasks that touch no data; the simulator gives every argument an instance.
          if (m != MemKind::VIRTUAL && std::find(mems.begin(), mems.end(), m) == mems.end())
            if (defaults.count(m) || holds(name, a, kind, m)) mems.push_back(m);
      }
      Parameter p{fmt::format("memory {} {}", name, a), {}};
      for (MemKind m : mems) p.options.emplace_back(to_string(m));
      auto fallback = machine_.default_memory(default_kind);
      const auto it = fallback ? std::find(mems.begin(), mems.end(), *fallback) : mems.end();
      const std::string arg_name = first->args[a].partition.empty() ? first->args[a].region : first->args[a].partition;
      memory_params.push_back(add(std::move(p), Decision{Decision::What::Memory, name, static_cast<int>(a), arg_name},
                                  it == mems.end() ? 0 : static_cast<int>(it - mems.begin())));
    }
  }
  sweeps_ = {kind_params, memory_params};

  for (const model::Region& r : app.regions) {
    add({"order " + r.name, {"F_order", "C_order"}}, Decision{Decision::What::Order, "", -1, r.name}, 0);
    add({"fields " + r.name, {"SOA", "AOS"}}, Decision{Decision::What::Soa, "", -1, r.name}, 0);
    add({"align " + r.name, {"none", "64", "128"}}, Decision{Decision::What::Align, "", -1, r.name}, 0);
  }

  for (const std::string& name : tasks) {
    const int dims = launch_dims_[name];
    if (dims == -2 || !kind_param_.count(name)) continue;  // a top-level single launch: nothing to distribute
    Parameter p{"map " + name, {"default"}};
    for (const auto& f : mapping_library())
      if (f.dims == dims || (f.dims == 0 && dims > 0)) p.options.emplace_back(f.name);
    map_param_[name] = add(std::move(p), Decision{Decision::What::IndexMap, name, -1, ""}, 0);
    limit_param_[name] = add({"limit " + name, {"none", "1"}}, Decision{Decision::What::Limit, name, -1, ""}, 0);
    if (!first_launch_.at(name)->args.empty())  // collection is of argument instances
      collect_param_[name] = add({"collect " + name, {"no", "yes"}}, Decision{Decision::What::Collect, name, -1, ""}, 0);
  }
  if (machine_.nodes > 1) add({"replicate", {"no", "yes"}}, Decision{Decision::What::Replicate, "", -1, ""}, 0);
}

std::size_t MappingSpace::add(Parameter p, Decision d, int default_option) {
  space_.params.push_back(std::move(p));
  decisions_.push_back(std::move(d));
  default_.push_back(default_option);
  return space_.params.size() - 1;
}

ProcKind MappingSpace::kind_of(const Point& p, const std::string& task) const {
  auto it = kind_param_.find(task);
  if (it == kind_param_.end()) return ProcKind::CPU;
  return *parse_proc_kind(space_.params[it->second].options[static_cast<std::size_t>(p[it->second])]);
}

MemKind MappingSpace::memory_of(const Point& p, std::size_t param, ProcKind kind) const {
  MemKind chosen = *parse_mem_kind(space_.params[param].options[static_cast<std::size_t>(p[param])]);
  if (chosen != MemKind::VIRTUAL && machine_.can_address(kind, chosen)) return chosen;
  return machine_.default_memory(kind).value_or(chosen);
}

void MappingSpace::place_instances(const model::AppModel& app, const model::MachineModel& model) {
  memory_kind_.reserve(model.memories.size());
  for (const model::Memory& m : model.memories) {
    memory_kind_.push_back(m.kind);
    capacity_.push_back(m.capacity);
  }
  // Which instance of each memory kind every processor of a kind reaches, processors node-major.
  for (ProcKind k : kKindOrder)
    for (MemKind m : machine_.addressable(k)) {
      if (m == MemKind::VIRTUAL) continue;
      std::vector<std::size_t> reach;
      for (std::size_t n = 0; n < model.nodes.size(); ++n)
        for (model::ProcId proc : model::processors(model, static_cast<model::NodeId>(n), k)) {
          const auto mem = model::best_memory(model, proc, m);
          reach.push_back(mem ? static_cast<std::size_t>(*mem) : SIZE_MAX);
        }
      if (!reach.empty()) reach_[{k, m}] = std::move(reach);
    }
  // Every argument piece of every point task, with where the default mapper runs the point task: an index
  // point by its place in the row-major domain, a child's single launch with its parent, a top-level single
  // launch first.
  std::map<std::string, std::size_t> pieces;
  std::vector<std::vector<double>> places(app.launches.size());
  for (std::size_t l = 0; l < app.launches.size(); ++l) {
    const auto parent = app.parent_launch(l);
    for (const model::PointTask& t : app.points(l)) {
      double place = 0;
      std::int64_t linear = 0, volume = 0;
      if (!t.domain.empty()) {
        volume = 1;
        for (std::size_t d = 0; d < t.domain.size(); ++d) {
          linear = linear * t.domain[d] + t.point[d];
          volume *= t.domain[d];
        }
        place = static_cast<double>(linear) / static_cast<double>(std::max<std::int64_t>(volume, 1));
      } else if (parent && t.parent >= 0 && static_cast<std::size_t>(t.parent) < places[*parent].size()) {
        place = places[*parent][static_cast<std::size_t>(t.parent)];
      }
      places[l].push_back(place);
      for (std::size_t a = 0; a < t.args.size(); ++a) {
        const model::ArgPiece& piece = t.args[a];
        if (piece.bytes <= 0) continue;
        const std::string key =
            fmt::format("{}|{}|{}", piece.region, piece.elements.to_string(), fmt::join(piece.fields, ","));
        const std::size_t id = pieces.emplace(key, pieces.size()).first->second;
        instances_[{t.task, a}].push_back(Instance{id, piece.bytes, place, linear, volume,
                                                   piece.privilege == model::Privilege::RO,
                                                   app.launches[l].setup ? 1 : app.warmup_steps + app.steps, l});
      }
    }
  }
  pieces_ = pieces.size();
  // The same piece at the same place again (a task launched twice a step): one entry, repeated.
  for (auto& [key, list] : instances_) {
    auto same = [](const Instance& a, const Instance& b) {
      return std::tie(a.piece, a.linear, a.volume, a.place, a.read_only) ==
             std::tie(b.piece, b.linear, b.volume, b.place, b.read_only);
    };
    std::stable_sort(list.begin(), list.end(), [](const Instance& a, const Instance& b) {
      return std::tie(a.piece, a.linear, a.volume, a.place, a.read_only) <
             std::tie(b.piece, b.linear, b.volume, b.place, b.read_only);
    });
    std::vector<Instance> merged;
    for (const Instance& i : list)
      if (!merged.empty() && same(merged.back(), i)) {
        merged.back().repeats += i.repeats;
        merged.back().launch = std::min(merged.back().launch, i.launch);
      } else {
        merged.push_back(i);
      }
    list = std::move(merged);
  }
}

std::size_t MappingSpace::processor(const Instance& i, std::size_t procs, std::string_view function,
                                    bool node_first, std::size_t parent_procs) const {
  // Index points as the library's functions place them: the cyclic ones deal points out from the first
  // processor, `linearize2d` over nodes and processors at once, the others in contiguous blocks as the
  // default does. Single launches as `place` says.
  if (i.volume > 0 && procs > 0) {
    const auto n = static_cast<std::int64_t>(procs);
    if (function.starts_with("cyclic")) return static_cast<std::size_t>(i.linear % n);
    if (function == "linearize2d") {
      const std::int64_t nodes = std::max<std::int64_t>(machine_.nodes, 1), per = std::max<std::int64_t>(n / nodes, 1);
      return static_cast<std::size_t>(std::min(n - 1, i.linear % nodes * per + i.linear % per));
    }
    return static_cast<std::size_t>(std::min<std::int64_t>(n - 1, i.linear * n / i.volume));
  }
  if (node_first && procs > 0) {
    // The default for a child on another kind than its parent: the first processor of the parent's node.
    const auto nodes = static_cast<std::size_t>(std::max<std::int64_t>(machine_.nodes, 1));
    const std::size_t node = std::min(nodes - 1, static_cast<std::size_t>(i.place * static_cast<double>(nodes)));
    return std::min(procs - 1, node * std::max<std::size_t>(procs / nodes, 1));
  }
  double place = i.place;
  if (parent_procs > 0) {
    // With its parent: the parent's processor, at the same relative position among the task's kind.
    place = std::floor(place * static_cast<double>(parent_procs)) / static_cast<double>(parent_procs);
  }
  return std::min(procs - 1, static_cast<std::size_t>(place * static_cast<double>(procs)));
}

bool MappingSpace::holds(const std::string& task, std::size_t arg, ProcKind kind, MemKind m) const {
  const auto reach = reach_.find({kind, m});
  const auto instances = instances_.find({task, arg});
  if (reach == reach_.end() || instances == instances_.end()) return true;
  std::vector<std::int64_t> used(capacity_.size());
  std::set<std::pair<std::size_t, std::size_t>> seen;
  for (const Instance& i : instances->second) {
    const std::size_t mem = reach->second[processor(i, reach->second.size(), "default", false, 0)];
    if (mem < used.size() && seen.insert({mem, i.piece}).second) used[mem] += i.bytes;
  }
  for (std::size_t mem = 0; mem < used.size(); ++mem)
    if (capacity_[mem] > 0 && used[mem] > capacity_[mem]) return false;
  return true;
}

std::vector<std::int64_t> MappingSpace::usage(const Point& p, std::size_t watch,
                                              std::map<std::size_t, std::int64_t>* contribution) const {
  std::vector<std::int64_t> used(capacity_.size());
  // Per (memory instance, piece): the first launch that keeps an instance of it there.
  std::vector<std::size_t> kept(capacity_.size() * pieces_, SIZE_MAX);
  auto add = [&](std::size_t mem, std::int64_t bytes, std::size_t credit) {
    used[mem] += bytes;
    if (bytes > 0 && contribution && mem == watch && credit != SIZE_MAX) (*contribution)[credit] += bytes;
  };
  std::map<std::pair<std::string, std::size_t>, std::size_t> param;  // (task, argument) -> its Memory parameter
  for (std::size_t i = 0; i < decisions_.size(); ++i)
    if (decisions_[i].what == Decision::What::Memory)
      param[{decisions_[i].task, static_cast<std::size_t>(decisions_[i].arg)}] = i;
  auto on = [&](const std::map<std::string, std::size_t>& params, const std::string& task) {
    const auto it = params.find(task);
    return it != params.end() && p[it->second] == 1;
  };
  // Collected read-only instances, counted after the kept ones: a task reuses a kept instance of its piece.
  struct Collected {
    std::size_t mem, piece, launch;
    std::int64_t bytes, repeats;
    std::size_t credit;  // the task's Collect parameter
    bool limit;
  };
  std::vector<Collected> collected;
  for (const auto& [key, instances] : instances_) {
    if (!kind_param_.count(key.first)) continue;  // not run here: the simulator reports it
    const ProcKind kind = kind_of(p, key.first);
    const auto decided = param.find(key);
    std::optional<MemKind> m = decided != param.end() ? memory_of(p, decided->second, kind) : machine_.default_memory(kind);
    if (!m) continue;
    const auto reach = reach_.find({kind, *m});
    if (reach == reach_.end()) continue;
    const bool collects = on(collect_param_, key.first), limit = on(limit_param_, key.first);
    const auto map = map_param_.find(key.first);
    const std::string& function =
        map == map_param_.end() ? "default" : space_.params[map->second].options[static_cast<std::size_t>(p[map->second])];
    const auto launch = first_launch_.find(key.first);
    const bool child = launch != first_launch_.end() && launch_dims_.at(key.first) == -1;
    const ProcKind parent = child ? kind_of(p, launch->second->parent) : kind;
    const bool node_first = child && function == "default" && parent != kind;
    const auto parent_procs = child ? static_cast<std::size_t>(machine_.per_node(parent) * machine_.nodes) : 0;
    for (const Instance& i : instances) {
      const std::size_t mem = reach->second[processor(i, reach->second.size(), function, node_first, parent_procs)];
      if (mem >= used.size()) continue;
      if (collects && i.read_only) {
        collected.push_back({mem, i.piece, i.launch, i.bytes, i.repeats, collect_param_.at(key.first), limit});
      } else {
        std::size_t& first = kept[mem * pieces_ + i.piece];
        if (first == SIZE_MAX) add(mem, i.bytes, decided != param.end() ? decided->second : SIZE_MAX);
        first = std::min(first, i.launch);
      }
    }
  }
  // A collected instance is made for its task alone and released when the task ends. The runtime maps tasks
  // far ahead of their execution, so without an instance limit every step's are held at once; with one, at
  // most one per processor of the task's kind that reaches the memory, of the largest piece. A kept
  // instance of the piece, once made, serves instead: from the first step if an earlier launch made it,
  // else from the second.
  std::map<std::pair<std::size_t, std::size_t>, std::pair<std::int64_t, std::int64_t>> limited;  // (mem, credit)
  for (const Collected& c : collected) {
    const std::size_t first = kept[c.mem * pieces_ + c.piece];
    if (first < c.launch) continue;
    const std::int64_t times = first == SIZE_MAX ? c.repeats : 1;
    if (!c.limit) {
      add(c.mem, c.bytes * times, c.credit);
      continue;
    }
    auto& [count, largest] = limited[{c.mem, c.credit}];
    count += times;
    largest = std::max(largest, c.bytes);
  }
  for (const auto& [key, n] : limited) {
    const auto& [mem, credit] = key;
    const ProcKind kind = kind_of(p, decisions_[credit].task);
    std::int64_t procs = 0;
    for (const auto& [k, reach] : reach_)
      if (k.first == kind) procs = std::max<std::int64_t>(procs, std::count(reach.begin(), reach.end(), mem));
    add(mem, std::min(n.first, std::max<std::int64_t>(procs, 1)) * n.second, credit);
  }
  return used;
}

std::vector<MappingSpace::Usage> MappingSpace::footprint(const Point& p) const {
  const std::vector<std::int64_t> used = usage(p);
  std::vector<Usage> out;
  for (std::size_t mem = 0; mem < used.size(); ++mem) out.push_back(Usage{used[mem], capacity_[mem]});
  return out;
}

Point MappingSpace::fit(Point p) const {
  // Every argument in a memory its task's kind can address, as rendered.
  auto set_memory = [&](Point& q, std::size_t i, MemKind m) {
    const auto& options = space_.params[i].options;
    const auto it = std::find(options.begin(), options.end(), to_string(m));
    if (it != options.end()) q[i] = static_cast<int>(it - options.begin());
  };
  for (std::size_t i = 0; i < decisions_.size(); ++i)
    if (decisions_[i].what == Decision::What::Memory) set_memory(p, i, memory_of(p, i, kind_of(p, decisions_[i].task)));
  if (capacity_.empty()) return p;
  auto overflow = [&](const std::vector<std::int64_t>& used, std::optional<MemKind> of = {}) -> std::size_t {
    for (std::size_t mem = 0; mem < used.size(); ++mem)
      if (capacity_[mem] > 0 && used[mem] > capacity_[mem] && (!of || memory_kind_[mem] == *of)) return mem;
    return SIZE_MAX;
  };
  // Each move takes an argument off a memory that overflows; a bounded number of moves.
  for (std::size_t moves = 0; moves < 4 * decisions_.size(); ++moves) {
    const std::size_t full = overflow(usage(p));
    if (full == SIZE_MAX) break;
    std::map<std::size_t, std::int64_t> contribution;
    usage(p, full, &contribution);
    std::size_t largest = SIZE_MAX;
    for (const auto& [i, bytes] : contribution)
      if (largest == SIZE_MAX || bytes > contribution[largest]) largest = i;
    if (largest == SIZE_MAX) break;  // only arguments without a parameter: nothing to move
    if (decisions_[largest].what == Decision::What::Collect) {
      p[largest] = 0;  // collected instances that do not fit: keep them instead
      continue;
    }
    // The fastest other memory that then holds everything of its kind; else the roomiest.
    const ProcKind kind = kind_of(p, decisions_[largest].task);
    std::optional<Point> moved, roomiest;
    std::int64_t room = -1;
    for (MemKind m : machine_.addressable(kind)) {
      if (m == MemKind::VIRTUAL || m == memory_kind_[full]) continue;
      Point q = p;
      set_memory(q, largest, m);
      if (q == p) continue;  // not an option of this argument
      if (overflow(usage(q), m) == SIZE_MAX) {
        moved = std::move(q);
        break;
      }
      std::int64_t capacity = 0;
      for (std::size_t mem = 0; mem < capacity_.size(); ++mem)
        if (memory_kind_[mem] == m) capacity = capacity_[mem] == 0 ? INT64_MAX : std::max(capacity, capacity_[mem]);
      if (capacity > room) room = capacity, roomiest = std::move(q);
    }
    if (!moved) moved = roomiest;
    if (!moved) break;
    p = std::move(*moved);
  }
  return p;
}

Point MappingSpace::repair(Point p, std::size_t changed) const {
  if (changed >= decisions_.size() || decisions_[changed].what != Decision::What::Kind) return fit(std::move(p));
  const std::string& task = decisions_[changed].task;
  const ProcKind kind = kind_of(p, task);
  for (std::size_t i = 0; i < decisions_.size(); ++i) {
    if (decisions_[i].what != Decision::What::Memory || decisions_[i].task != task) continue;
    const MemKind m = memory_of(p, i, kind);
    const auto& options = space_.params[i].options;
    p[i] = static_cast<int>(std::find(options.begin(), options.end(), to_string(m)) - options.begin());
  }
  return fit(std::move(p));
}

Point MappingSpace::project(const mapping::Policy& policy) const {
  Point p = default_;
  auto option = [&](std::size_t param, std::string_view name) {
    const auto& options = space_.params[param].options;
    const auto it = std::find(options.begin(), options.end(), name);
    if (it != options.end()) p[param] = static_cast<int>(it - options.begin());
  };
  auto ref = [&](const std::string& task, std::size_t arg) {
    const model::Launch* launch = first_launch_.at(task);
    return mapping::RegionRef{static_cast<int>(arg), app_->names(launch->args[arg])};
  };
  auto variants = [&](const std::string& task) {
    std::vector<ProcKind> kinds;
    if (const model::Task* t = app_->find_task(task))
      for (const auto& v : t->variants) kinds.push_back(v.kind);
    return kinds;
  };
  // Kinds first: memories, layouts and mapping functions depend on them.
  for (std::size_t i = 0; i < decisions_.size(); ++i)
    if (decisions_[i].what == Decision::What::Kind)
      if (auto k = policy.choose_kind(decisions_[i].task, variants(decisions_[i].task))) option(i, to_string(*k));
  for (std::size_t i = 0; i < decisions_.size(); ++i) {
    const Decision& d = decisions_[i];
    switch (d.what) {
      case Decision::What::Kind: break;
      case Decision::What::Memory:
        if (auto m = policy.choose_memory(d.task, ref(d.task, static_cast<std::size_t>(d.arg)), kind_of(p, d.task)))
          option(i, to_string(*m));
        break;
      case Decision::What::Order:
      case Decision::What::Soa:
      case Decision::What::Align: {
        // The layout the region's first use gets.
        for (const auto& [task, launch] : first_launch_) {
          std::size_t arg = 0;
          while (arg < launch->args.size() && app_->names(launch->args[arg]).back() != d.region) ++arg;
          if (arg == launch->args.size() || !kind_param_.count(task)) continue;
          const ProcKind kind = kind_of(p, task);
          const auto r = ref(task, arg);
          const auto mem = policy.choose_memory(task, r, kind);
          if (!mem) break;
          const mapping::LayoutSpec layout = policy.layout(task, r, kind, *mem);
          if (d.what == Decision::What::Order) option(i, layout.c_order ? "C_order" : "F_order");
          if (d.what == Decision::What::Soa) option(i, layout.soa ? "SOA" : "AOS");
          if (d.what == Decision::What::Align)
            for (const auto& [op, bytes] : layout.align)
              if (bytes == 64 || bytes == 128) option(i, std::to_string(bytes));
          break;
        }
        break;
      }
      case Decision::What::IndexMap: {
        const ProcKind kind = kind_of(p, d.task);
        const lang::Stmt* rule = launch_dims_.at(d.task) == -1 ? policy.single_map_rule(d.task, kind)
                                                               : policy.index_map_rule(d.task, kind);
        if (!rule) break;
        std::string fn = rule->func.name;
        if (const auto from = fn.find("_from_"); from != std::string::npos) fn.resize(from);  // same_point_gpu_from_cpu
        const std::string suffix = "_" + lower(to_string(kind));
        if (fn.size() > suffix.size() && fn.ends_with(suffix)) fn.resize(fn.size() - suffix.size());
        option(i, fn);
        break;
      }
      case Decision::What::Limit:
        option(i, policy.instance_limit(d.task) ? "1" : "none");
        break;
      case Decision::What::Collect: {
        bool any = false;
        const model::Launch* launch = first_launch_.at(d.task);
        for (std::size_t a = 0; a < launch->args.size(); ++a) any = any || policy.collect(d.task, ref(d.task, a));
        option(i, any ? "yes" : "no");
        break;
      }
      case Decision::What::Replicate:
        option(i, !first_launch_.empty() && policy.control_replicated(first_launch_.begin()->first) ? "yes" : "no");
        break;
    }
  }
  return p;
}

std::string MappingSpace::render(const Point& point) const {
  const Point p = fit(point);
  std::string tasks, regions, layouts, limits, maps, functions;
  // Function name -> (library function, kind, the parent's kind when it differs).
  std::map<std::string, std::tuple<const MappingFunction*, ProcKind, std::optional<ProcKind>>> used;
  std::set<ProcKind> spaces;
  bool replicate = false;
  std::map<std::string, std::array<std::string, 3>> layout;  // region -> order, fields, align
  for (std::size_t i = 0; i < decisions_.size(); ++i) {
    const Decision& d = decisions_[i];
    const std::string& option = space_.params[i].options[static_cast<std::size_t>(p[i])];
    switch (d.what) {
      case Decision::What::Kind:
        tasks += fmt::format("Task {} {};\n", d.task, option);
        break;
      case Decision::What::Memory: {
        const ProcKind kind = kind_of(p, d.task);
        regions += fmt::format("Region {} {} {} {};  # {}\n", d.task, d.arg, to_string(kind),
                               to_string(memory_of(p, i, kind)), d.region);
        break;
      }
      case Decision::What::Order: layout[d.region][0] = option; break;
      case Decision::What::Soa: layout[d.region][1] = option; break;
      case Decision::What::Align: layout[d.region][2] = option; break;
      case Decision::What::IndexMap: {
        if (option == "default") break;
        const ProcKind kind = kind_of(p, d.task);
        const auto& lib = mapping_library();
        const MappingFunction* f =
            &*std::find_if(lib.begin(), lib.end(), [&](const MappingFunction& m) { return m.name == option; });
        std::string fn = option + "_" + lower(to_string(kind));
        std::optional<ProcKind> across;
        if (!f->across.empty()) {
          // A child's function names its parent's processor, in the parent's kind's machine space.
          const ProcKind parent = kind_of(p, first_launch_.at(d.task)->parent);
          if (parent != kind) {
            across = parent;
            fn += "_from_" + lower(to_string(parent));
            spaces.insert(parent);
          }
        }
        used[fn] = {f, kind, across};
        spaces.insert(kind);
        maps += launch_dims_.at(d.task) == -1 ? fmt::format("SingleTaskMap {} {};\n", d.task, fn)
                                              : fmt::format("IndexTaskMap {} {};\n", d.task, fn);
        break;
      }
      case Decision::What::Limit:
        if (option != "none") limits += fmt::format("InstanceLimit {} {};\n", d.task, option);
        break;
      case Decision::What::Collect:
        if (option == "yes") limits += fmt::format("CollectMemory {} *;\n", d.task);
        break;
      case Decision::What::Replicate: replicate = option == "yes"; break;
    }
  }
  for (const auto& [region, l] : layout)
    layouts += fmt::format("Layout * {} * {} {}{};\n", region, l[1], l[0], l[2] == "none" ? "" : " Align == " + l[2]);

  bool linear = false, volume = false;
  for (const auto& [fn, use] : used) {
    const auto& [f, kind, across] = use;
    std::string body(across ? f->across : f->body);
    for (std::size_t at = 0; at < body.size(); ++at) {
      // `M` or `P` alone (not inside a name such as `Machine`) stands for a kind's machine space.
      if (body[at] != 'M' && body[at] != 'P') continue;
      const bool word = (at == 0 || !std::isalnum(static_cast<unsigned char>(body[at - 1]))) &&
                        (at + 1 == body.size() || !std::isalnum(static_cast<unsigned char>(body[at + 1])));
      if (!word) continue;
      const std::string name = space_name(body[at] == 'M' ? kind : across.value_or(kind));
      body.replace(at, 1, name);
      at += name.size() - 1;
    }
    linear = linear || body.find("linear(task)") != std::string::npos;
    volume = volume || body.find("volume(task)") != std::string::npos;
    functions += fmt::format("\ndef {}(Task task) {{\n{}}}\n", fn, body);
  }

  std::string out = fmt::format("# A point of the mapping space of `{}` on {}.\n\n", app_->name, machine_.summary());
  out += tasks + "\n" + regions + "\n" + layouts;
  if (!limits.empty()) out += "\n" + limits;
  if (!spaces.empty()) {
    out += "\n";
    for (ProcKind k : spaces) out += fmt::format("{} = Machine({});\n", space_name(k), to_string(k));
  }
  if (linear) out += std::string("\n") + kLinear;
  if (volume) out += std::string("\n") + kVolume;
  out += functions;
  if (!maps.empty()) out += "\n" + maps;
  if (replicate) out += "\nControlReplicate *;\n";
  // Canonical form, so the program passes `mage fmt --check` as written.
  lang::SourceFile source("point.mpl", out);
  lang::Diagnostics diags;
  lang::Program program = lang::parse(source, diags);
  return diags.has_errors() ? out : lang::format_program(program, source);
}

}  // namespace mage::search
