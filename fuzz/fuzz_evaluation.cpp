// libFuzzer target for the evaluation path: a program that checks clean is compiled for a few machines,
// launches of several shapes are mapped, and a small application model is planned (and sometimes
// simulated) under it. Whatever `mage check` accepts must end in a mapping, a plan or a diagnostic:
// never a crash, a hang, a sanitizer report, or a simulation process that dies.
//
// Speed: checking, compiling, mapping and planning run in this process for every input. Simulating
// forks a SimGrid process (the engine runs once per process), which costs tens of milliseconds, so only
// inputs whose hash falls in one bucket of kSimulateEvery (about 1 in 16, the same inputs every run, so
// a finding reproduces) are simulated, and only when the plan is small. Planning is where the program
// is evaluated for every point task; the engine itself only times a graph the planner built.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/builtin.hpp"
#include "feedback/feedback.hpp"
#include "lang/checker.hpp"
#include "lang/parser.hpp"
#include "mapping/launch_map.hpp"
#include "mapping/machine_desc.hpp"
#include "mapping/policy.hpp"
#include "model/machine_model.hpp"
#include "sim/planner.hpp"
#include "sim/simulate.hpp"

namespace {

using namespace mage;

constexpr std::uint64_t kSimulateEvery = 16;
constexpr std::size_t kMaxSimulatedTasks = 400;
constexpr std::size_t kMaxTasksMapped = 4;

struct SimCase {
  model::MachineModel machine;
  model::AppModel app;
  lang::AppSignature signature;
};

struct Setup {
  std::vector<mapping::MachineDesc> map_machines;  // 1 CPU-only node; 2 nodes x 4 GPUs; 4 nodes with OMPs
  std::vector<SimCase> sims;                       // small models of built-in applications
};

const Setup& setup() {
  static const Setup s = [] {
    Setup out;
    for (const char* spec : {"nodes=1,cpus=4", "nodes=2,gpus=4,cpus=8", "nodes=4,gpus=2,cpus=4,omps=2"}) {
      lang::Diagnostics d;
      out.map_machines.push_back(*mapping::parse_machine_spec(spec, d));
    }
    // One node of the default machine, every built-in application with one timed step and one warm-up
    // step (the fewest it takes), so that a plan has a few hundred tasks at most.
    for (std::int64_t nodes : {1}) {
      auto machine = *model::model_preset("p100x4", nodes);
      const apps::Scale scale{nodes, machine.spec.gpu.count};
      for (const auto& builtin : apps::builtin_apps()) {
        lang::Diagnostics d;
        auto app = apps::make_app(builtin, scale, {{"steps", 1}, {"warmup", 1}}, d);
        if (!app) continue;
        lang::AppSignature signature = app->signature();
        out.sims.push_back(SimCase{machine, std::move(*app), std::move(signature)});
      }
    }
    return out;
  }();
  return s;
}

std::uint64_t fnv1a(const std::uint8_t* data, std::size_t size) {
  std::uint64_t h = 1469598103934665603ULL;
  for (std::size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 1099511628211ULL;
  return h;
}

// The tasks the program names in its rules, then a name no rule names.
std::vector<std::string> task_names(const lang::Program& program) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& s : program.statements) {
    if (!lang::is_rule_statement(s.kind) || !s.tasks.is_named()) continue;
    for (const auto& n : s.tasks.names)
      if (out.size() < kMaxTasksMapped && seen.insert(n.name).second) out.push_back(n.name);
  }
  out.push_back("fuzz_unnamed_task");
  return out;
}

void map_launches(mapping::Policy& policy, const std::vector<std::string>& tasks) {
  const mapping::MachineDesc& m = policy.machine();
  std::optional<mapping::ProcessorId> parent;
  for (ProcKind k : {ProcKind::CPU, ProcKind::OMP, ProcKind::GPU})
    if (m.has(k)) parent = mapping::ProcessorId{k, m.nodes - 1, m.per_node(k) - 1};
  for (const auto& task : tasks) {
    for (const auto& domain : {mapping::Extents{5}, mapping::Extents{3, 4}, mapping::Extents{2, 3, 2},
                               mapping::Extents{}}) {
      for (bool with_parent : {false, true}) {
        mapping::LaunchQuery q;
        q.task = task;
        q.domain = domain;
        if (with_parent) q.parent_processor = parent;
        auto map = mapping::map_launch(policy, q);
        if (map) {
          mapping::render_launch_text(*map, policy);
          mapping::launch_to_json(*map, policy);
        }
      }
    }
  }
}

// The model whose tasks the program names, else one picked by the input's hash.
const SimCase& pick_model(const std::vector<std::string>& tasks, std::uint64_t hash) {
  const auto& sims = setup().sims;
  const std::size_t offset = hash % sims.size();
  for (std::size_t i = 0; i < sims.size(); ++i) {
    const SimCase& c = sims[(offset + i) % sims.size()];
    for (const auto& t : tasks)
      if (c.signature.find_task(t)) return c;
  }
  return sims[offset];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::uint64_t hash = fnv1a(data, size);

  // `mage check`: parse and check, without a machine.
  lang::SourceFile source("fuzz.mpl", text);
  lang::Diagnostics diags;
  lang::Program program = lang::parse(source, diags);
  if (diags.has_errors()) return 0;
  lang::check_program(program, lang::CheckOptions{nullptr, nullptr}, diags);
  if (diags.has_errors()) return 0;
  const std::vector<std::string> tasks = task_names(program);

  // `mage map` on each machine: every launch shape, with and without a parent.
  for (const auto& machine : setup().map_machines) {
    lang::Diagnostics compile_diags;
    auto policy = mapping::Policy::compile(source, machine, compile_diags);
    if (policy) map_launches(*policy, tasks);
  }

  // `mage sim`: compile against the application as the simulator does, plan, sometimes simulate.
  const SimCase& c = pick_model(tasks, hash);
  lang::Diagnostics sim_diags;
  auto policy = mapping::Policy::compile(source, model::to_machine_desc(c.machine), sim_diags, &c.signature);
  if (!policy) return 0;
  auto planned = sim::plan(c.app, c.machine, *policy);
  if (!planned || (hash >> 32) % kSimulateEvery != 0 || planned->graph.tasks.size() > kMaxSimulatedTasks) return 0;
  sim::SimResult result = sim::simulate(c.app, c.machine, *policy);
  feedback::from_simulation(result, &policy->program());
  // A crashed simulation process is mage's failure whatever the program: report it as a crash.
  if (result.internal_error()) __builtin_trap();
  return 0;
}
