// Simulated tasks per wall-second on a large synthetic task graph (50 k point tasks on a 4-GPU node:
// a stencil-like chain per GPU with a neighbour copy per task). Figures: docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include "sim/engine.hpp"

namespace {

using namespace mage::sim;

EnginePlatform four_gpus() {
  EnginePlatform p;
  p.nodes = 1;
  for (int g = 0; g < 4; ++g) {
    p.processors.push_back({"n0.GPU" + std::to_string(g), 0});
    p.memories.push_back({"n0.FB" + std::to_string(g), 0, 16ull << 30});
  }
  // A ring of 12 GB/s links between neighbouring framebuffers, one per direction.
  for (int g = 0; g < 4; ++g) {
    int next = (g + 1) % 4;
    p.links.push_back({"fb" + std::to_string(g) + "->fb" + std::to_string(next), 12e9, 5e-6});
    p.routes[{g, next}] = {static_cast<int>(p.links.size() - 1)};
    p.links.push_back({"fb" + std::to_string(next) + "->fb" + std::to_string(g), 12e9, 5e-6});
    p.routes[{next, g}] = {static_cast<int>(p.links.size() - 1)};
  }
  p.runtime_overhead = 2e-6;
  return p;
}

TaskGraph chains(int tasks) {
  TaskGraph g;
  for (int t = 0; t < tasks; ++t) {
    SimTask s;
    s.name = "stencil";
    s.label = "stencil";
    s.processor = t % 4;
    s.compute_seconds = 1e-4;
    if (t >= 4) s.deps = {t - 4};
    if (t >= 4) s.copies = {CopyOp{(t + 1) % 4, t % 4, 240000, t - 4 + ((t + 1) % 4 - t % 4), "ghost", "ghost"}};
    s.step = t / 4;
    g.tasks.push_back(std::move(s));
  }
  return g;
}

void BM_SimulatedTasksPerSecond(benchmark::State& state) {
  EnginePlatform p = four_gpus();
  TaskGraph g = chains(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    EngineResult r = run_engine_isolated(p, g);
    if (!r.completed) state.SkipWithError(r.error.c_str());
    benchmark::DoNotOptimize(r.makespan);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SimulatedTasksPerSecond)->Arg(50000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
