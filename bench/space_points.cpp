// How many random points of the mapping space evaluate without error (simulated): for each built-in
// application on the p100x4 machine model (and cannon on 4 nodes), N random points are rendered and
// simulated, each in a child process of its own, and the outcomes counted by failure kind. Prints a
// markdown table; exits 1 when a point crashed or failed internally, or fewer than --min-ok of an
// application's points succeeded.
// Usage: space_points [--points N] [--seed S] [--jobs J] [--apps a,b] [--nodes N] [--extra app:nodes,...]
//                     [--min-ok FRACTION] [--machine PRESET] [--verbose 1] (each failure on stderr)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "apps/builtin.hpp"
#include "model/machine_model.hpp"
#include "search/failure_mix.hpp"
#include "search/mapping_space.hpp"
#include "search/optimizer.hpp"
#include "search/sim_evaluator.hpp"

#include "list_option.hpp"

namespace {

using namespace mage;

using bench::split;

}  // namespace

int main(int argc, char** argv) {
  std::size_t points = 60;
  std::uint64_t seed = 1;
  int jobs = 2;
  std::int64_t nodes = 1;
  double min_ok = 0.9;
  bool verbose = false;
  std::string preset = "p100x4";
  std::vector<std::string> names = apps::builtin_names(), extra = {"cannon:4"};
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "space_points: %s needs a value\n", flag.c_str());
      return 2;
    }
    const std::string value = argv[++i];
    try {
      if (flag == "--points") points = std::stoul(value);
      else if (flag == "--seed") seed = std::stoull(value);
      else if (flag == "--jobs") jobs = std::stoi(value);
      else if (flag == "--nodes") nodes = std::stoll(value);
      else if (flag == "--min-ok") min_ok = std::stod(value);
      else if (flag == "--machine") preset = value;
      else if (flag == "--verbose") verbose = value != "0";
      else if (flag == "--apps") names = split(value);
      else if (flag == "--extra") extra = split(value);
      else {
        std::fprintf(stderr, "space_points: unknown option %s\n", flag.c_str());
        return 2;
      }
    } catch (const std::exception&) {
      std::fprintf(stderr, "space_points: %s: not a number: %s\n", flag.c_str(), value.c_str());
      return 2;
    }
  }
  // (application, nodes) in order: the list on --nodes, then the extra ones.
  std::vector<std::pair<std::string, std::int64_t>> cases;
  for (const auto& n : names) cases.emplace_back(n, nodes);
  for (const auto& e : extra) {
    const auto colon = e.find(':');
    cases.emplace_back(e.substr(0, colon), colon == std::string::npos ? nodes : std::stoll(e.substr(colon + 1)));
  }

  std::printf("Random points of the mapping space (`random` optimizer, seed %llu) evaluated by simulation on the %s "
              "machine model: how many evaluate without error, and the failures by kind.\n\n",
              static_cast<unsigned long long>(seed), preset.c_str());
  std::printf("| application | nodes | points | ok | check | evaluation | out of memory | crash | internal | "
              "commonest error | seconds |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|\n");
  bool pass = true;
  search::FailureMix all;
  for (const auto& [name, n] : cases) {
    const apps::BuiltinApp* builtin = apps::find_builtin(name);
    const auto machine = model::model_preset(preset, n);
    if (!builtin || !machine) {
      std::fprintf(stderr, "space_points: unknown application or machine: %s on %s x %lld\n", name.c_str(),
                   preset.c_str(), static_cast<long long>(n));
      return 2;
    }
    lang::Diagnostics d;
    auto app = apps::make_app(*builtin, {n, machine->spec.gpu.count}, {}, d);
    if (!app) {
      std::fprintf(stderr, "space_points: %s: no model\n", name.c_str());
      return 2;
    }
    const search::MappingSpace space(*app, *machine);
    auto random = search::make_optimizer("random", space.space(), seed, nullptr);
    std::vector<search::Candidate> batch;
    for (const auto& p : random->ask(points))
      batch.push_back({space.render(p), fmt::format("{}-point-{}.mpl", name, batch.size())});
    const auto start = std::chrono::steady_clock::now();
    const auto outcomes = search::make_sim_evaluator(*app, *machine, jobs)(batch);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    search::FailureMix mix;
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      const auto& e = outcomes[i];
      mix.add(e.ok, e.error_code);
      if (verbose && !e.ok) std::fprintf(stderr, "%s: %s: %s\n", batch[i].path.c_str(), e.error_code.c_str(), e.error.c_str());
    }
    all += mix;
    using K = search::FailureKind;
    std::printf("| %s | %lld | %zu | %zu | %zu | %zu | %zu | %zu | %zu | %s | %.1f |\n", name.c_str(),
                static_cast<long long>(n), mix.evaluations, mix.ok, mix.count(K::Check), mix.count(K::Evaluation),
                mix.count(K::OutOfMemory), mix.count(K::Crash), mix.count(K::Internal),
                mix.failures() ? fmt::format("`{}` ({})", mix.commonest_code(), mix.by_code.at(mix.commonest_code())).c_str()
                               : "",
                seconds);
    std::fflush(stdout);
    if (mix.count(K::Crash) + mix.count(K::Internal) > 0 ||
        static_cast<double>(mix.ok) < min_ok * static_cast<double>(mix.evaluations))
      pass = false;
  }
  std::printf("\n%zu of %zu points evaluated without error%s.\n", all.ok, all.evaluations,
              pass ? "" : fmt::format("; FAILED: a crash, an internal error, or an application under {:.0f}%",
                                      100 * min_ok).c_str());
  return pass ? 0 : 1;
}
