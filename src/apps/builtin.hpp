// The built-in applications: models of the nine published benchmarks (circuit, stencil, pennant and six
// DISTAL matrix multiplications), each with its parameters, the rule that scales them with the machine,
// and its expert mapper written in the mapping language. docs/apps/ has one page per application.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lang/diagnostic.hpp"
#include "model/app_model.hpp"

namespace mage::apps {

// The machine an application is sized for: weak scaling keeps the work per GPU of the published runs.
struct Scale {
  std::int64_t nodes = 1;
  std::int64_t gpus_per_node = 4;
  std::int64_t gpus() const { return nodes * gpus_per_node; }
};

struct Parameter {
  std::string name;
  std::int64_t value = 0;
  std::string meaning;
};

// Parameter values by name; `at` expects a name the application declared.
class Parameters {
 public:
  Parameters() = default;
  explicit Parameters(std::vector<Parameter> list) : list_(std::move(list)) {}
  std::int64_t at(std::string_view name) const;
  const std::vector<Parameter>& list() const { return list_; }
  std::vector<Parameter>& list() { return list_; }

 private:
  std::vector<Parameter> list_;
};

struct BuiltinApp {
  std::string_view name;
  std::string_view summary;  // one line for `mage apps`
  // The defaults for a machine: the published setting on one node, weak-scaled to more.
  Parameters (*defaults)(const Scale&);
  // The model for given parameters; nullopt with diagnostics when they make no valid model.
  std::optional<model::AppModel> (*build)(const Parameters&, lang::Diagnostics&);
  std::string_view expert_file;  // the expert mapper's file name under src/apps/expert/
};

std::span<const BuiltinApp> builtin_apps();
const BuiltinApp* find_builtin(std::string_view name);
std::vector<std::string> builtin_names();

// The largest value a parameter may take: sizes multiply, and two of them stay within 64 bits.
inline constexpr std::int64_t kMaxParameter = std::int64_t{1} << 31;

// The model of a built-in application for a machine, with `overrides` (name → value) replacing defaults.
// Unknown or invalid parameters are Usage errors naming the parameter.
std::optional<model::AppModel> make_app(const BuiltinApp& app, const Scale& scale,
                                        const std::map<std::string, std::int64_t>& overrides,
                                        lang::Diagnostics& diags);
// The parameters make_app would use.
std::optional<Parameters> resolve_parameters(const BuiltinApp& app, const Scale& scale,
                                             const std::map<std::string, std::int64_t>& overrides,
                                             lang::Diagnostics& diags);

// The expert mapper's source text, or empty if the application has none.
std::string_view expert_mapper(const BuiltinApp& app);
// The default mapper: an empty program, so every decision is the runtime's default.
inline constexpr std::string_view kDefaultMapper = "";

// Helpers shared by the models.
std::int64_t ceil_div(std::int64_t a, std::int64_t b);
// Near-square factors (x >= y) of n.
std::pair<std::int64_t, std::int64_t> grid2(std::int64_t n);

}  // namespace mage::apps
