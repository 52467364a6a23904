// The application model's file forms: TOML (examples/apps/*.toml) and JSON, with the same structure.
// docs/apps.md is the reference. Loading reports every problem as a Usage diagnostic naming the file and
// the field (`launches[2].args[1].partition` in TOML, with its line and column; a JSON pointer in JSON).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "lang/diagnostic.hpp"
#include "model/app_model.hpp"

namespace mage::model {

// Read and validate; nullopt, with the reasons in `diags`, unless the model is valid.
std::optional<AppModel> load_app_toml(std::string_view text, const std::string& file_name,
                                      lang::Diagnostics& diags);
std::optional<AppModel> load_app_json(std::string_view text, const std::string& file_name,
                                      lang::Diagnostics& diags);
// By the file name: `.json` is JSON, anything else TOML.
std::optional<AppModel> load_app(std::string_view text, const std::string& file_name,
                                 lang::Diagnostics& diags);

// The JSON form of a model; load_app_json reads its text back to an equal model.
nlohmann::json to_json(const AppModel& app);

}  // namespace mage::model
