#include "cli/inputs.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include "model/app_io.hpp"
#include "util/files.hpp"

namespace mage::cli {

namespace {
void usage(lang::Diagnostics& diags, std::string code, std::string message, std::string hint) {
  diags.error(lang::Category::Usage, std::move(code), lang::Span{}, std::move(message), std::move(hint));
}
}  // namespace

std::optional<lang::SourceFile> load_source(const std::string& path, lang::Diagnostics& diags) {
  std::string error;
  auto text = util::read_file(path, error);
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
  auto text = util::read_file(arg, error);
  if (!text) {
    usage(diags, "usage.unreadable-file", error, "give a preset, a spec such as `nodes=2,gpus=4`, or a TOML file");
    return std::nullopt;
  }
  return mapping::parse_machine_toml(*text, arg, diags);
}

std::optional<lang::AppSignature> load_app(const std::string& path, lang::Diagnostics& diags) {
  std::string error;
  auto text = util::read_file(path, error);
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
  auto text = util::read_file(arg, error);
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
  auto text = util::read_file(path, error);
  if (!text) {
    usage(diags, "usage.unreadable-file", error, "give the path of an application model (TOML or JSON)");
    return std::nullopt;
  }
  return model::load_app(*text, path, diags);
}

bool use_color() { return ::isatty(STDERR_FILENO) && std::getenv("NO_COLOR") == nullptr; }

void report_usage(const lang::Diagnostics& diags) {
  std::fputs(lang::render_text(diags, nullptr, use_color()).c_str(), stderr);
}

}  // namespace mage::cli
