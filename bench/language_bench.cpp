// Language and policy speed: parse + check of a 200-line mapper, and index-map queries per second for
// a 2-D launch on 4 nodes x 4 GPUs with an auto_split-based function (cached and uncached).
// Figures and the command that produced them: docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include "lang/checker.hpp"
#include "lang/parser.hpp"
#include "mapping/policy.hpp"

namespace {

using namespace mage;

constexpr const char* kHierarchical = R"(
m_2d = Machine(GPU);

def block_primitive(IPoint x, ISpace y, MSpace z, int dim1, int dim2) {
    return x[dim1] * z.size[dim2] / y.size[dim1];
}

def cyclic_primitive(IPoint x, ISpace y, MSpace z, int dim1, int dim2) {
    return x[dim1] % z.size[dim2];
}

def auto2d(Task task) {
    m_3d = m_2d.auto_split(0, task.ispace);
    m_4d = m_3d.auto_split(2, task.ispace / m_3d[:-1]);
    upper = tuple(block_primitive(task.ipoint, task.ispace, m_4d, i, i) for i in (0, 1));
    lower = tuple(cyclic_primitive(task.ipoint, task.ispace, m_4d, i, i + 2) for i in (0, 1));
    return m_4d[*upper, *lower];
}

IndexTaskMap work auto2d;
)";

// About 200 lines: rules for 30 tasks and 12 helper functions, in the published style.
std::string two_hundred_lines() {
  std::string s = "Task * GPU, OMP, CPU;\nRegion * * GPU FBMEM, ZCMEM;\nRegion * * * SOCKMEM, SYSMEM;\n"
                  "Layout * * * SOA C_order;\nm_2d = Machine(GPU);\nm_1d = m_2d.merge(0, 1);\n";
  for (int t = 0; t < 30; ++t) {
    s += fmt::format("Region task_{} ghost_{} GPU ZCMEM;\n", t, t);
    s += fmt::format("Layout task_{} {} * AOS F_order Align == 128;\n", t, t % 4);
    s += fmt::format("InstanceLimit task_{} {};\n", t, 1 + t % 3);
  }
  for (int f = 0; f < 12; ++f) {
    s += fmt::format(
        "# mapping function {0}\n"
        "def map_{0}(Task task) {{\n"
        "    m_3d = m_2d.auto_split(0, task.ispace);\n"
        "    m_4d = m_3d.auto_split(2, task.ispace / m_3d[:-1]);\n"
        "    ip = task.ipoint;\n"
        "    upper = tuple(ip[i] * m_4d.size[i] / task.ispace[i] for i in (0, 1));\n"
        "    lower = tuple(ip[i] % m_4d.size[i + 2] for i in (0, 1));\n"
        "    k = ip[0] > ip[1] ? {0} : ip.len;\n"
        "    return m_4d[*upper, *lower];\n"
        "}}\n",
        f);
    s += fmt::format("IndexTaskMap task_{}, task_{} map_{};\n", f, f + 12, f);
  }
  return s;
}

void BM_ParseAndCheck200Lines(benchmark::State& state) {
  std::string text = two_hundred_lines();
  lang::SourceFile source("bench.mpl", text);
  for (auto _ : state) {
    lang::Diagnostics diags;
    lang::Program program = lang::parse(source, diags);
    lang::check_program(program, {}, diags);
    if (diags.has_errors()) state.SkipWithError("the benchmark program has errors");
    benchmark::DoNotOptimize(program);
  }
  state.counters["lines"] = static_cast<double>(source.line_count());
}
BENCHMARK(BM_ParseAndCheck200Lines)->Unit(benchmark::kMicrosecond);

mapping::MachineDesc four_by_four() {
  lang::Diagnostics d;
  return *mapping::parse_machine_spec("nodes=4,gpus=4,cpus=8", d);
}

// Every query hits the per-launch table after the first pass over the domain.
void BM_IndexMapCached(benchmark::State& state) {
  lang::Diagnostics d;
  auto policy = mapping::Policy::compile(lang::SourceFile("b.mpl", kHierarchical), four_by_four(), d);
  mapping::TaskContext task{"work", {0, 0}, {16, 16}, nullptr, std::nullopt};
  std::int64_t i = 0;
  for (auto _ : state) {
    task.ipoint[0] = (i >> 4) & 15;
    task.ipoint[1] = i & 15;
    ++i;
    benchmark::DoNotOptimize(&policy->map_index_point(task, ProcKind::GPU));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IndexMapCached);

// A launch domain above the caching bound: every query evaluates the mapping function.
void BM_IndexMapUncached(benchmark::State& state) {
  lang::Diagnostics d;
  auto policy = mapping::Policy::compile(lang::SourceFile("b.mpl", kHierarchical), four_by_four(), d);
  mapping::TaskContext task{"work", {0, 0}, {4096, 2048}, nullptr, std::nullopt};
  std::int64_t i = 0;
  for (auto _ : state) {
    task.ipoint[0] = (i * 7) % 4096;
    task.ipoint[1] = (i * 13) % 2048;
    ++i;
    const auto& r = policy->map_index_point(task, ProcKind::GPU);
    if (!r) state.SkipWithError(r.error().message.c_str());
    benchmark::DoNotOptimize(&r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IndexMapUncached);

}  // namespace
