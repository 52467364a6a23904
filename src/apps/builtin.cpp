// The table of built-in applications, parameter resolution and the helpers the models share.
#include "apps/builtin.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "apps/models.hpp"
#include "lang/app_signature.hpp"

namespace mage::apps {

std::int64_t Parameters::at(std::string_view name) const {
  for (const auto& p : list_)
    if (p.name == name) return p.value;
  return 0;
}

namespace {

constexpr BuiltinApp kApps[] = {
    {"circuit", "sparse circuit simulation: currents on wires, charge on nodes, ghost nodes shared between pieces",
     circuit_defaults, build_circuit, "circuit.mpl"},
    {"stencil", "2-D star stencil (radius 2) on tiles with halo exchange through ghost strips", stencil_defaults,
     build_stencil, "stencil.mpl"},
    {"pennant", "unstructured-mesh Lagrangian hydrodynamics, 29 launches per cycle and a global dt", pennant_defaults,
     build_pennant, "pennant.mpl"},
    {"cannon", "2-D distributed GEMM, Cannon's algorithm (systolic shifts)", cannon_defaults, build_cannon,
     "cannon.mpl"},
    {"summa", "2-D distributed GEMM, SUMMA (row and column broadcasts)", summa_defaults, build_summa, "summa.mpl"},
    {"pumma", "2-D distributed GEMM, PUMMA (broadcast B, roll C)", pumma_defaults, build_pumma, "pumma.mpl"},
    {"johnson", "3-D distributed GEMM, Johnson's algorithm (partial products reduced into A)", johnson_defaults,
     build_johnson, "johnson.mpl"},
    {"solomonik", "2.5-D distributed GEMM, Solomonik's algorithm (replicated layers, Cannon within a layer)",
     solomonik_defaults, build_solomonik, "solomonik.mpl"},
    {"cosma", "distributed GEMM on a 3-D processor grid as COSMA schedules it", cosma_defaults, build_cosma,
     "cosma.mpl"},
};

}  // namespace

std::span<const BuiltinApp> builtin_apps() { return kApps; }

const BuiltinApp* find_builtin(std::string_view name) {
  for (const auto& a : kApps)
    if (a.name == name) return &a;
  return nullptr;
}

std::vector<std::string> builtin_names() {
  std::vector<std::string> out;
  for (const auto& a : kApps) out.emplace_back(a.name);
  return out;
}

std::optional<Parameters> resolve_parameters(const BuiltinApp& app, const Scale& scale,
                                             const std::map<std::string, std::int64_t>& overrides,
                                             lang::Diagnostics& diags) {
  Parameters params = app.defaults(scale);
  std::vector<std::string> names;
  for (const auto& p : params.list()) names.push_back(p.name);
  bool ok = true;
  for (const auto& entry : overrides) {
    const std::string& name = entry.first;
    const std::int64_t value = entry.second;
    auto it = std::find_if(params.list().begin(), params.list().end(), [&](const Parameter& p) { return p.name == name; });
    if (it == params.list().end()) {
      auto candidate = lang::did_you_mean(name, names);
      diags.add(lang::make_error(
          lang::Category::Usage, "usage.app-parameter", {},
          fmt::format("`{}` has no parameter `{}`{}", app.name, name,
                      candidate ? fmt::format("; did you mean `{}`?", *candidate) : std::string()),
          fmt::format("its parameters are {}", fmt::join(names, ", "))));
      ok = false;
      continue;
    }
    if (value < 1 || value > kMaxParameter) {
      diags.add(lang::make_error(lang::Category::Usage, "usage.app-parameter", {},
                                 fmt::format("parameter `{}` of `{}` is {}; expected 1 to {}", name, app.name,
                                             value, kMaxParameter),
                                 value < 1 ? "give a positive value"
                                           : "sizes multiply into element counts: give a value that keeps the "
                                             "model within 2^40 elements per region"));
      ok = false;
      continue;
    }
    it->value = value;
  }
  if (!ok) return std::nullopt;
  return params;
}

std::optional<model::AppModel> make_app(const BuiltinApp& app, const Scale& scale,
                                        const std::map<std::string, std::int64_t>& overrides,
                                        lang::Diagnostics& diags) {
  auto params = resolve_parameters(app, scale, overrides, diags);
  if (!params) return std::nullopt;
  lang::Diagnostics built;
  auto model = app.build(*params, built);
  // A size problem in a built-in model comes from its parameters (or the machine it was sized for), not
  // from a file the user wrote: say which knobs to turn.
  for (lang::Diagnostic d : built.all()) {
    if (d.code == "usage.app-size")
      d.hint = fmt::format("`{}` is sized from its parameters and the machine: lower them with `--param` "
                           "(`mage app show {}` lists them), or simulate fewer nodes",
                           app.name, app.name);
    diags.add(std::move(d));
  }
  return model;
}

std::string_view expert_mapper(const BuiltinApp& app) { return embedded_expert(app.expert_file); }

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

std::pair<std::int64_t, std::int64_t> grid2(std::int64_t n) {
  auto y = static_cast<std::int64_t>(std::sqrt(static_cast<double>(n)));
  while (y > 1 && n % y != 0) --y;
  return {n / std::max<std::int64_t>(y, 1), std::max<std::int64_t>(y, 1)};
}

}  // namespace mage::apps
