// Turning command-line arguments into core inputs: mapper files, machines, application signatures.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "apps/builtin.hpp"
#include "lang/app_signature.hpp"
#include "lang/diagnostic.hpp"
#include "lang/source.hpp"
#include "mapping/machine_desc.hpp"
#include "model/app_model.hpp"
#include "model/machine_model.hpp"

namespace mage::cli {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;  // the program has errors (or, with --check, needs formatting)
inline constexpr int kExitUsage = 2;     // bad arguments or unreadable inputs
inline constexpr int kExitInternal = 3;  // mage failed, not the program (a crashed simulation process)

std::optional<lang::SourceFile> load_source(const std::string& path, lang::Diagnostics& diags);
// A preset name, a compact spec ("nodes=2,gpus=4"), or a TOML file.
std::optional<mapping::MachineDesc> load_machine(const std::string& arg, lang::Diagnostics& diags);
// An application signature file, or a full application model (TOML or JSON) reduced to its names.
std::optional<lang::AppSignature> load_app(const std::string& path, lang::Diagnostics& diags);
// The simulator's inputs: a machine model (preset or TOML file, on `nodes` nodes) and an application model.
std::optional<model::MachineModel> load_machine_model(const std::string& arg, std::int64_t nodes,
                                                      lang::Diagnostics& diags);
std::optional<model::AppModel> load_app_model(const std::string& path, lang::Diagnostics& diags);

// An application for the simulator: the name of a built-in one (see `mage apps`), sized for `machine`
// with `params` ("name=value") replacing its defaults, or a model file (which takes no `params`).
std::optional<model::AppModel> load_app_model(const std::string& arg, const model::MachineModel& machine,
                                              const std::vector<std::string>& params, lang::Diagnostics& diags);
std::optional<std::map<std::string, std::int64_t>> parse_params(const std::vector<std::string>& params,
                                                                const std::string& app, lang::Diagnostics& diags);
// What a built-in application is sized for: the machine's nodes and GPUs per node.
apps::Scale scale_of(const model::MachineModel& machine);
// A mapper program: `expert` or `default` for a built-in application, or a file.
std::optional<lang::SourceFile> load_mapper(const std::string& arg, const std::string& app, lang::Diagnostics& diags);

bool use_color();
// Prints usage diagnostics (no source) to stderr.
void report_usage(const lang::Diagnostics& diags);

}  // namespace mage::cli
