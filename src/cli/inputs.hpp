// Turning command-line arguments into core inputs: mapper files, machines, application signatures.
#pragma once

#include <optional>
#include <string>

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

std::optional<lang::SourceFile> load_source(const std::string& path, lang::Diagnostics& diags);
// A preset name, a compact spec ("nodes=2,gpus=4"), or a TOML file.
std::optional<mapping::MachineDesc> load_machine(const std::string& arg, lang::Diagnostics& diags);
// An application signature file, or a full application model (TOML or JSON) reduced to its names.
std::optional<lang::AppSignature> load_app(const std::string& path, lang::Diagnostics& diags);
// The simulator's inputs: a machine model (preset or TOML file, on `nodes` nodes) and an application model.
std::optional<model::MachineModel> load_machine_model(const std::string& arg, std::int64_t nodes,
                                                      lang::Diagnostics& diags);
std::optional<model::AppModel> load_app_model(const std::string& path, lang::Diagnostics& diags);

bool use_color();
// Prints usage diagnostics (no source) to stderr.
void report_usage(const lang::Diagnostics& diags);

}  // namespace mage::cli
