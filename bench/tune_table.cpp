// The classic optimizers compared on the built-in applications (simulated): for each application,
// optimizer and seed, the best throughput found relative to the expert mapper after 10, 100 and 1000
// evaluations. Writes CSV rows to stdout and the markdown table to the file given with --markdown.
// Usage: tune_table [--budget N] [--seeds S] [--jobs J] [--apps a,b] [--optimizers x,y] [--markdown FILE]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "apps/builtin.hpp"
#include "model/machine_model.hpp"
#include "search/sim_evaluator.hpp"
#include "search/tune.hpp"
#include "util/files.hpp"

namespace {

using namespace mage;

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t budget = 1000;
  int seeds = 5, jobs = 2;
  std::vector<std::string> names = apps::builtin_names(), optimizers = {"random", "ensemble", "ccd"};
  std::string markdown;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--budget") budget = std::stoul(value);
    else if (flag == "--seeds") seeds = std::stoi(value);
    else if (flag == "--jobs") jobs = std::stoi(value);
    else if (flag == "--apps") names = split(value);
    else if (flag == "--optimizers") optimizers = split(value);
    else if (flag == "--markdown") markdown = value;
  }
  const std::vector<std::size_t> checkpoints = {10, 100, 1000};
  const auto machine = *model::model_preset("p100x4", 1);
  const auto tmp = std::filesystem::temp_directory_path() / fmt::format("mage-tune-table-{}", ::getpid());

  std::printf("app,optimizer,seed,evaluations,best_vs_expert_at_10,best_vs_expert_at_100,best_vs_expert_at_1000,"
              "evaluations_per_second\n");
  // (app, optimizer) -> per checkpoint the ratios over seeds; and evaluations per second per app.
  std::map<std::pair<std::string, std::string>, std::vector<std::vector<double>>> ratios;
  std::map<std::string, std::vector<double>> rates;
  for (const auto& name : names) {
    const apps::BuiltinApp* builtin = apps::find_builtin(name);
    if (!builtin) continue;
    lang::Diagnostics d;
    auto app = apps::make_app(*builtin, {1, machine.spec.gpu.count}, {}, d);
    if (!app) continue;
    const search::MappingSpace space(*app, model::to_machine_desc(machine));
    const auto evaluate = search::make_sim_evaluator(*app, machine, jobs);
    const search::Evaluation expert =
        search::evaluate_by_simulation(*app, machine, std::string(apps::expert_mapper(*builtin)), "expert.mpl");
    for (const auto& optimizer : optimizers)
      for (int seed = 1; seed <= seeds; ++seed) {
        search::TuneSettings s;
        s.app = name;
        s.optimizer = optimizer;
        s.seed = static_cast<std::uint64_t>(seed);
        s.budget = budget;
        s.batch = static_cast<std::size_t>(jobs);
        std::filesystem::remove_all(tmp);
        auto created = search::RunDir::create(tmp.string(), search::to_json(s));
        if (!created) return 1;
        search::RunDir run_dir = *created;
        search::RunDir* dir = &run_dir;
        std::atomic<bool> stop{false};
        const auto start = std::chrono::steady_clock::now();
        auto r = search::tune(s, space, evaluate, *dir, expert, search::Evaluation{}, {}, stop);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (!r) return 1;
        // Best so far after each checkpoint; an optimizer that finished early keeps its best.
        std::vector<double> at(checkpoints.size(), 0);
        double best = 0;
        for (std::size_t k = 0; k < dir->evaluations().size(); ++k) {
          const auto& e = dir->evaluations()[k];
          if (e.value("ok", false)) best = std::max(best, e.value("score", 0.0));
          for (std::size_t c = 0; c < checkpoints.size(); ++c)
            if (k + 1 <= checkpoints[c]) at[c] = best;
        }
        for (std::size_t c = 0; c < checkpoints.size(); ++c)
          if (dir->evaluations().size() < checkpoints[c]) at[c] = best;
        auto& rs = ratios[{name, optimizer}];
        rs.resize(checkpoints.size());
        std::vector<std::string> cells;
        for (std::size_t c = 0; c < checkpoints.size(); ++c) {
          const double ratio = expert.ok && expert.score > 0 ? at[c] / expert.score : 0;
          rs[c].push_back(ratio);
          cells.push_back(checkpoints[c] <= budget ? fmt::format("{:.4f}", ratio) : "");
        }
        const double rate = seconds > 0 ? static_cast<double>(r->evaluations) / seconds : 0;
        rates[name].push_back(rate);
        std::printf("%s,%s,%d,%zu,%s,%s,%s,%.1f\n", name.c_str(), optimizer.c_str(), seed, r->evaluations,
                    cells[0].c_str(), cells[1].c_str(), cells[2].c_str(), rate);
        std::fflush(stdout);
      }
  }
  std::filesystem::remove_all(tmp);
  if (markdown.empty()) return 0;

  std::string md = "<!-- Generated by bench/tune_table.sh; do not edit. -->\n";
  md += fmt::format(
      "Best simulated throughput found, relative to the expert mapper (p100x4, 1 node), after 10, 100 and {} "
      "evaluations: median over {} seeds, with the range in brackets. Above 1.00 the optimizer beat the expert.\n\n",
      budget, seeds);
  md += "| application | optimizer | after 10 | after 100 | after 1000 | evaluations/s |\n|---|---|---|---|---|---:|\n";
  for (const auto& [key, rs] : ratios) {
    std::vector<std::string> cells;
    for (std::size_t c = 0; c < checkpoints.size(); ++c) {
      if (checkpoints[c] > budget) {
        cells.push_back("–");
        continue;
      }
      auto [lo, hi] = std::minmax_element(rs[c].begin(), rs[c].end());
      cells.push_back(fmt::format("{:.2f} [{:.2f}, {:.2f}]", median(rs[c]), *lo, *hi));
    }
    md += fmt::format("| {} | {} | {} | {} | {} | {:.0f} |\n", key.first, key.second, cells[0], cells[1], cells[2],
                      median(rates[key.first]));
  }
  std::string error;
  return mage::util::write_file_atomic(markdown, md, error) ? 0 : 1;
}
