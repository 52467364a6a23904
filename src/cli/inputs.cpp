#include "cli/inputs.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include "apps/builtin.hpp"
#include "model/app_io.hpp"
#include "util/files.hpp"
#include "util/redact.hpp"
#include "util/input_file.hpp"

namespace mage::cli {

namespace {
void usage(lang::Diagnostics& diags, std::string code, std::string message, std::string hint) {
  diags.error(lang::Category::Usage, std::move(code), lang::Span{}, std::move(message), std::move(hint));
}
}  // namespace

std::optional<lang::SourceFile> load_source(const std::string& path, lang::Diagnostics& diags) {
  std::string error;
  auto text = util::read_input_file(path, error);
  if (!text) {
    usage(diags, "usage.unreadable-file", error, "check the path of the mapper program");
    return std::nullopt;
  }
  return lang::SourceFile(path, std::move(*text));
}

std::optional<mapping::MachineDesc> load_machine(const std::string& arg, lang::Diagnostics& diags) {
  std::error_code ec;
  bool is_file = arg.ends_with(".toml") || (std::filesystem::is_regular_file(arg, ec) && !mapping::machine_preset(arg));
  if (!is_file) return mapping::parse_machine_spec(arg, diags);
  std::string error;
  auto text = util::read_input_file(arg, error);
  if (!text) {
    usage(diags, "usage.unreadable-file", error, "give a preset, a spec such as `nodes=2,gpus=4`, or a TOML file");
    return std::nullopt;
  }
  lang::Diagnostics tried;
  if (auto desc = mapping::parse_machine_toml(*text, arg, tried)) return desc;
  // A machine model as `mage sim` reads it describes the same machine: take it as that.
  bool other_format = std::any_of(tried.all().begin(), tried.all().end(),
                                  [](const lang::Diagnostic& d) { return d.code == "usage.machine-format"; });
  if (other_format) {
    lang::Diagnostics as_model;
    if (auto model = model::parse_machine_model_toml(*text, arg, as_model)) return model::to_machine_desc(*model);
  }
  diags.append(tried);
  return std::nullopt;
}

std::optional<lang::AppSignature> load_app(const std::string& path, lang::Diagnostics& diags) {
  std::string error;
  auto text = util::read_input_file(path, error);
  if (!text) {
    usage(diags, "usage.unreadable-file", error, "give the path of an application description (TOML)");
    return std::nullopt;
  }
  // A full application model (as `mage sim` takes) also gives the names; the short signature form has no
  // regions array nor launches.
  bool full_model = path.ends_with(".json") || text->find("[[launches]]") != std::string::npos ||
                    text->find("[[regions]]") != std::string::npos;
  if (full_model) {
    auto app = model::load_app(*text, path, diags);
    if (!app) return std::nullopt;
    return app->signature();
  }
  return lang::parse_app_signature(*text, path, diags);
}

std::optional<model::MachineModel> load_machine_model(const std::string& arg, std::int64_t nodes,
                                                      lang::Diagnostics& diags) {
  if (auto preset = model::model_preset(arg, nodes)) return preset;
  if (model::preset_spec(arg, 1)) {
    usage(diags, "usage.bad-nodes", fmt::format("`--nodes {}` is out of range for the `{}` preset", nodes, arg),
          fmt::format("use between 1 and {} nodes", model::kMaxNodes));
    return std::nullopt;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(arg, ec)) {
    usage(diags, "usage.machine", fmt::format("unknown machine `{}`", arg),
          fmt::format("use a preset ({}) or a machine model TOML file",
                      fmt::join(mapping::machine_preset_names(), ", ")));
    return std::nullopt;
  }
  std::string error;
  auto text = util::read_input_file(arg, error);
  if (!text) {
    usage(diags, "usage.unreadable-file", error, "give a preset or the path of a machine model TOML file");
    return std::nullopt;
  }
  auto machine = model::parse_machine_model_toml(*text, arg, diags);
  if (!machine || nodes == 1) return machine;
  // `--nodes` scales the file's node like it scales a preset's.
  model::MachineSpec spec = machine->spec;
  spec.nodes = nodes;
  if (auto problems = model::spec_problems(spec); !problems.empty()) {
    usage(diags, "usage.bad-nodes", fmt::format("{}: {}", arg, problems.front().message), problems.front().hint);
    return std::nullopt;
  }
  return model::build_model(spec);
}

std::optional<model::AppModel> load_app_model(const std::string& path, lang::Diagnostics& diags) {
  std::string error;
  auto text = util::read_input_file(path, error);
  if (!text) {
    usage(diags, "usage.unreadable-file", error, "give the path of an application model (TOML or JSON)");
    return std::nullopt;
  }
  return model::load_app(*text, path, diags);
}

std::optional<model::AppModel> load_app_model(const std::string& arg, const model::MachineModel& machine,
                                              const std::vector<std::string>& params, lang::Diagnostics& diags) {
  const apps::BuiltinApp* builtin = apps::find_builtin(arg);
  if (!builtin) {
    if (!params.empty()) {
      usage(diags, "usage.app-parameter", fmt::format("`--param` applies to built-in applications, not to `{}`", arg),
            fmt::format("the built-in applications are {}", fmt::join(apps::builtin_names(), ", ")));
      return std::nullopt;
    }
    // A bare word that is no file is most likely a misspelt application name.
    if (arg.find('/') == std::string::npos && arg.find('.') == std::string::npos) {
      auto candidate = lang::did_you_mean(arg, apps::builtin_names());
      usage(diags, "usage.app", fmt::format("unknown application `{}`{}", arg,
                                            candidate ? fmt::format("; did you mean `{}`?", *candidate) : ""),
            fmt::format("give one of {} (`mage apps` lists them) or an application model file",
                        fmt::join(apps::builtin_names(), ", ")));
      return std::nullopt;
    }
    return load_app_model(arg, diags);
  }
  auto overrides = parse_params(params, arg, diags);
  if (!overrides) return std::nullopt;
  return apps::make_app(*builtin, scale_of(machine), *overrides, diags);
}

std::optional<std::map<std::string, std::int64_t>> parse_params(const std::vector<std::string>& params,
                                                                const std::string& app, lang::Diagnostics& diags) {
  std::map<std::string, std::int64_t> overrides;
  for (const std::string& p : params) {
    auto eq = p.find('=');
    std::int64_t value = 0;
    const char* end = p.data() + p.size();
    auto parsed = eq == std::string::npos ? std::from_chars_result{p.data(), std::errc::invalid_argument}
                                          : std::from_chars(p.data() + eq + 1, end, value);
    if (eq == std::string::npos || eq == 0 || parsed.ec != std::errc() || parsed.ptr != end) {
      usage(diags, "usage.app-parameter", fmt::format("`--param {}` is not NAME=INTEGER", p),
            fmt::format("write e.g. `--param steps=20`; `mage app show {}` lists the parameters", app));
      return std::nullopt;
    }
    overrides[p.substr(0, eq)] = value;
  }
  return overrides;
}

apps::Scale scale_of(const model::MachineModel& machine) {
  const std::int64_t gpus = machine.spec.gpu.count;
  return {static_cast<std::int64_t>(machine.nodes.size()), gpus > 0 ? gpus : 1};
}

std::optional<lang::SourceFile> load_mapper(const std::string& arg, const std::string& app, lang::Diagnostics& diags) {
  if (arg != "expert" && arg != "default") return load_source(arg, diags);
  if (arg == "default") return lang::SourceFile("default mapper", std::string(apps::kDefaultMapper));
  const apps::BuiltinApp* builtin = apps::find_builtin(app);
  if (!builtin) {
    usage(diags, "usage.mapper", fmt::format("`--mapper expert` needs a built-in application, not `{}`", app),
          "give the expert's mapper file instead, or use a built-in application (`mage apps`)");
    return std::nullopt;
  }
  return lang::SourceFile(fmt::format("{} expert mapper", builtin->name), std::string(apps::expert_mapper(*builtin)));
}

bool use_color() { return ::isatty(STDERR_FILENO) && std::getenv("NO_COLOR") == nullptr; }

void report_usage(const lang::Diagnostics& diags) {
  std::fputs(util::redact(lang::render_text(diags, nullptr, use_color())).c_str(), stderr);
}

}  // namespace mage::cli
