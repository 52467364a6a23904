// The MCP tools: thin wrappers over the same core calls `mage check`, `mage sim` and `mage app show` make,
// answering in text for a model to read and in JSON for a program.
#include "mcp/tools.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <exception>
#include <filesystem>

#include "apps/builtin.hpp"
#include "feedback/feedback.hpp"
#include "lang/app_signature.hpp"
#include "lang/checker.hpp"
#include "lang/parser.hpp"
#include "llm/reference.hpp"
#include "mapping/machine_desc.hpp"
#include "mapping/policy.hpp"
#include "mcp/run_view.hpp"
#include "model/app_model.hpp"
#include "model/machine_model.hpp"
#include "sim/simulate.hpp"

namespace mage::mcp {

using nlohmann::json;

namespace {

// A failed call with the sentence to show; thrown inside a tool, caught by Tools::call.
struct ToolError {
  std::string message;
};

constexpr const char* kProgramName = "mapper.mpl";
constexpr const char* kDefaultMachine = "p100x4";
constexpr std::size_t kMaxListed = 8;          // entries per list in a structured simulation result
constexpr std::size_t kQuotedDiagnostics = 5;  // what the feedback's System part shows of a longer list

std::string dump(const json& j, int indent = -1) { return j.dump(indent, ' ', false, json::error_handler_t::replace); }

// ---- arguments (already checked against the schema) --------------------------------------------------

std::optional<std::string> opt_string(const json& args, const char* key) {
  auto it = args.find(key);
  if (it == args.end() || it->is_null()) return std::nullopt;
  return it->get<std::string>();
}

std::int64_t opt_int(const json& args, const char* key, std::int64_t fallback) {
  auto it = args.find(key);
  if (it == args.end() || it->is_null()) return fallback;
  return it->is_number_float() ? static_cast<std::int64_t>(it->get<double>()) : it->get<std::int64_t>();
}

std::map<std::string, std::int64_t> opt_params(const json& args) {
  std::map<std::string, std::int64_t> params;
  auto it = args.find("params");
  if (it == args.end() || !it->is_object()) return params;
  for (const auto& [name, value] : it->items())
    params[name] = value.is_number_float() ? static_cast<std::int64_t>(value.get<double>()) : value.get<std::int64_t>();
  return params;
}

// ---- inputs ------------------------------------------------------------------------------------------

const apps::BuiltinApp& builtin_app(const std::string& name) {
  if (const auto* app = apps::find_builtin(name)) return *app;
  auto candidate = lang::did_you_mean(name, apps::builtin_names());
  throw ToolError{fmt::format("unknown application `{}`{}; the built-in applications are {} (list_apps describes them)",
                              name, candidate ? fmt::format(" (did you mean `{}`?)", *candidate) : "",
                              fmt::join(apps::builtin_names(), ", "))};
}

model::MachineModel machine_model(const std::string& name, std::int64_t nodes) {
  if (auto m = model::model_preset(name, nodes)) return *m;
  if (model::preset_spec(name, 1))
    throw ToolError{fmt::format("the `{}` machine cannot have {} nodes; use between 1 and {}", name, nodes, kMaxNodes)};
  throw ToolError{
      fmt::format("unknown machine `{}`; the machines are {}", name, fmt::join(mapping::machine_preset_names(), ", "))};
}

apps::Scale scale_of(const model::MachineModel& machine) {
  const std::int64_t gpus = machine.spec.gpu.count;
  return {static_cast<std::int64_t>(machine.nodes.size()), gpus > 0 ? gpus : 1};
}

// The application for a machine, or a tool error quoting why its parameters make none.
model::AppModel app_model(const apps::BuiltinApp& app, const model::MachineModel& machine,
                          const std::map<std::string, std::int64_t>& params, apps::Parameters* resolved = nullptr) {
  lang::Diagnostics diags;
  auto model = apps::make_app(app, scale_of(machine), params, diags);
  if (model && resolved)
    if (auto p = apps::resolve_parameters(app, scale_of(machine), params, diags)) *resolved = *p;
  if (!model || diags.has_errors())
    throw ToolError{
        fmt::format("no `{}` model for these parameters:\n{}", app.name, lang::render_text(diags, nullptr))};
  return *model;
}

json params_json(const apps::Parameters& params) {
  json j = json::object();
  for (const auto& p : params.list()) j[p.name] = p.value;
  return j;
}

std::string sized_for(const model::MachineModel& m) {
  return fmt::format("{}, {} node{}", m.spec.name, m.nodes.size(), m.nodes.size() == 1 ? "" : "s");
}

std::string config_key(const json& config) { return dump(config); }

std::string number(double v) { return fmt::format("{:.4g}", v); }

// Program text checked for size; the tools never read files for it.
lang::SourceFile program_source(const json& args) {
  std::string text = opt_string(args, "program").value_or("");
  if (text.size() > kMaxProgramBytes)
    throw ToolError{fmt::format("the program is {} bytes; the limit is {}", text.size(), kMaxProgramBytes)};
  return lang::SourceFile(kProgramName, std::move(text));
}

// Compiler diagnostics as text and JSON, with their three-part feedback.
void add_diagnostics(const lang::Diagnostics& diags, const lang::SourceFile& source, std::string& text, json& j) {
  feedback::Feedback fb = feedback::from_diagnostics(diags, &source);
  json d = lang::to_json(diags, &source);
  for (auto& [key, value] : d.items()) j[key] = value;
  j["feedback"] = feedback::to_json(fb);
  // The System part quotes the first few diagnostics; a longer list follows it whole.
  text += feedback::render(fb) + "\n";
  if (diags.all().size() > kQuotedDiagnostics || diags.dropped() > 0)
    text += "\nAll diagnostics:\n" + lang::render_text(diags, &source, false);
}

// A simulation's JSON with its per-resource lists cut to the largest few, so a reply stays short.
json short_result(const sim::SimResult& r) {
  json j = sim::to_json(r);
  for (const char* list : {"processors", "channels", "memories", "copies"}) {
    auto it = j.find(list);
    if (it == j.end() || !it->is_array() || it->size() <= kMaxListed) continue;
    j[std::string(list) + "_omitted"] = it->size() - kMaxListed;
    it->erase(it->begin() + kMaxListed, it->end());
  }
  return j;
}

// ---- schemas -----------------------------------------------------------------------------------------

json string_prop(std::string description) { return {{"type", "string"}, {"description", std::move(description)}}; }

json machine_prop() {
  return {{"type", "string"},
          {"enum", mapping::machine_preset_names()},
          {"default", kDefaultMachine},
          {"description",
           "Machine model: p100x4 (4 P100 GPUs, 16 CPUs per node), dgx-h100 (8 H100 GPUs, 104 CPUs per "
           "node) or cpu (CPUs only)."}};
}

json nodes_prop() {
  return {{"type", "integer"},
          {"minimum", 1},
          {"maximum", kMaxNodes},
          {"default", 1},
          {"description", "Number of nodes of the machine; the application is weak-scaled to it."}};
}

json params_prop() {
  return {{"type", "object"},
          {"additionalProperties", {{"type", "integer"}}},
          {"description",
           "Application parameters replacing the defaults, name -> integer (describe_app lists them), "
           "e.g. {\"steps\": 2} for a quicker simulation."}};
}

json program_prop() {
  return {{"type", "string"},
          {"maxLength", kMaxProgramBytes},
          {"description",
           "The complete mapper program text in the mapping language (language_reference explains "
           "it). An empty program is the default mapper."}};
}

json object_schema(json properties, std::vector<std::string> required = {}) {
  json s = {{"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
  if (!required.empty()) s["required"] = std::move(required);
  return s;
}

std::vector<ToolInfo> tool_list() {
  std::vector<ToolInfo> t;
  t.push_back({"list_apps", "List applications",
               "List the built-in applications (task-based parallel programs) whose mapping can be optimized, with a "
               "one-line summary each, and the machine models available. Start here, then call describe_app.",
               object_schema(json::object())});
  t.push_back(
      {"describe_app", "Describe an application",
       "Describe one application as sized for a machine: its parameters, tasks and their variants (processor "
       "kinds), regions with sizes and fields, partitions, launch domains and the per-step program, followed by "
       "the machine's processors and memories. Read this before writing a mapper: rules name these tasks and "
       "regions.",
       object_schema({{"app", string_prop("Application name, as list_apps gives it (e.g. \"stencil\").")},
                      {"machine", machine_prop()},
                      {"nodes", nodes_prop()},
                      {"params", params_prop()}},
                     {"app"})});
  t.push_back(
      {"language_reference", "Mapping language reference",
       "The reference of the mapping language that mapper programs are written in: statements (Task, Region, "
       "Layout, IndexTaskMap, InstanceLimit, ControlReplicate, ...), values and expressions, machine spaces, common "
       "patterns and how to fix common errors.",
       object_schema(json::object())});
  t.push_back(
      {"check_mapper", "Check a mapper program",
       "Check a mapper program without running it: syntax, names, kinds and rules. With `app`, task and region "
       "names are checked against that application; with `machine`, the program's global statements are also "
       "evaluated on it. Returns each diagnostic with line and column, and feedback in three parts: System (what "
       "was found), Explain (what it means) and Suggest (what to change).",
       object_schema({{"program", program_prop()},
                      {"app", string_prop("Optional application name whose task and region names the program "
                                          "must use.")},
                      {"machine",
                       [] {
                         json m = machine_prop();
                         m.erase("default");
                         m["description"] = "Optional machine model to evaluate the program's globals on.";
                         return m;
                       }()}},
                     {"program"})});
  t.push_back({"evaluate_mapper", "Evaluate a mapper program",
               "Run an application under a mapper program in the simulator and report the simulated throughput "
               "(higher is better), time per step and where the time went, with three-part feedback (System, Explain, "
               "Suggest) naming the statement to edit, and the expert-written mapper's throughput on the same "
               "configuration for comparison. A program that does not compile returns its diagnostics instead. "
               "Results are simulated on a machine model, not measured. The best program per configuration is kept "
               "for best_mapper.",
               object_schema({{"program", program_prop()},
                              {"app", string_prop("Application name, as list_apps gives it.")},
                              {"machine", machine_prop()},
                              {"nodes", nodes_prop()},
                              {"params", params_prop()}},
                             {"program", "app"})});
  t.push_back({"tuning_status", "Tuning run status",
               "Summarize a tuning run directory written by `mage tune`, which may still be running: its settings, the "
               "number of evaluations so far (succeeded and failed), the best score and the latest evaluations.",
               object_schema({{"run_dir", string_prop("Path of the run directory (relative paths are resolved against "
                                                      "the server's working directory).")}},
                             {"run_dir"})});
  t.push_back({"best_mapper", "Best mapper program",
               "The best mapper program known: with `run_dir`, the best of that tuning run; with only `app`, the best "
               "program evaluate_mapper has found in this session for the application's most recently evaluated "
               "configuration (or the one given by machine, nodes and params), else the application's expert mapper.",
               object_schema({{"run_dir", string_prop("Path of a tuning run directory.")},
                              {"app", string_prop("Application name.")},
                              {"machine",
                               [] {
                                 json m = machine_prop();
                                 m.erase("default");
                                 return m;
                               }()},
                              {"nodes",
                               [] {
                                 json n = nodes_prop();
                                 n.erase("default");
                                 return n;
                               }()},
                              {"params", params_prop()}})});
  return t;
}

// ---- schema checking -----------------------------------------------------------------------------------

bool is_integer(const json& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  double d = v.get<double>();
  return std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15;
}

std::string type_name(const json& v) {
  if (v.is_number_integer()) return "integer";
  if (v.is_number_float()) return "number";
  return v.type_name();
}

std::string value_problem(const json& schema, const json& v, const std::string& where) {
  const std::string type = schema.value("type", "");
  bool ok = type.empty() || (type == "string" && v.is_string()) || (type == "integer" && is_integer(v)) ||
            (type == "boolean" && v.is_boolean()) || (type == "object" && v.is_object());
  if (!ok) return fmt::format("`{}` must be {} {}, not {}", where, type == "integer" ? "an" : "a", type, type_name(v));
  if (schema.contains("enum")) {
    bool found = false;
    for (const auto& e : schema["enum"]) found = found || e == v;
    if (!found) return fmt::format("`{}` must be one of {}, not {}", where, dump(schema["enum"]), dump(v));
  }
  if (type == "integer") {
    double d = v.get<double>();
    if (schema.contains("minimum") && d < schema["minimum"].get<double>())
      return fmt::format("`{}` must be at least {}", where, dump(schema["minimum"]));
    if (schema.contains("maximum") && d > schema["maximum"].get<double>())
      return fmt::format("`{}` must be at most {}", where, dump(schema["maximum"]));
  }
  if (type == "string" && schema.contains("maxLength") &&
      v.get_ref<const std::string&>().size() > schema["maxLength"].get<std::size_t>())
    return fmt::format("`{}` is longer than {} bytes", where, dump(schema["maxLength"]));
  if (type == "object") {
    const json props = schema.value("properties", json::object());
    for (const auto& name : schema.value("required", json::array()))
      if (!v.contains(name.get<std::string>()))
        return fmt::format("`{}` is required",
                           where.empty() ? name.get<std::string>() : where + "." + name.get<std::string>());
    for (const auto& [name, value] : v.items()) {
      std::string at = where.empty() ? name : where + "." + name;
      if (props.contains(name)) {
        if (value.is_null()) continue;  // an explicit null is an omitted optional argument
        if (auto p = value_problem(props[name], value, at); !p.empty()) return p;
        continue;
      }
      auto extra = schema.find("additionalProperties");
      if (extra == schema.end() || extra->is_boolean()) {
        if (extra != schema.end() && !extra->get<bool>()) {
          std::vector<std::string> names;
          for (const auto& [n, _] : props.items()) names.push_back(n);
          return fmt::format("unknown argument `{}`; the arguments are {}", at,
                             names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", ")));
        }
        continue;
      }
      if (auto p = value_problem(*extra, value, at); !p.empty()) return p;
    }
  }
  return {};
}

}  // namespace

std::string schema_problem(const json& schema, const json& arguments) { return value_problem(schema, arguments, ""); }

json ToolResult::to_json() const {
  json j = {{"content", json::array({{{"type", "text"}, {"text", text}}})}, {"isError", error}};
  if (!error && !structured.is_null()) j["structuredContent"] = structured;
  return j;
}

json ToolInfo::to_json() const {
  return {{"name", name},
          {"title", title},
          {"description", description},
          {"inputSchema", input_schema},
          // Nothing outside the server changes, and the tools reach no network.
          {"annotations", {{"title", title}, {"readOnlyHint", true}, {"openWorldHint", false}}}};
}

Tools::Tools() : tools_(tool_list()) {}

const ToolInfo* Tools::find(std::string_view name) const {
  for (const auto& t : tools_)
    if (t.name == name) return &t;
  return nullptr;
}

ToolResult Tools::call(std::string_view name, const json& arguments) {
  const ToolInfo* tool = find(name);
  if (!tool) return ToolResult::failure(fmt::format("unknown tool `{}`", name));
  const json args = arguments.is_null() ? json::object() : arguments;
  if (auto problem = schema_problem(tool->input_schema, args); !problem.empty())
    return ToolResult::failure(fmt::format("invalid arguments for {}: {}", name, problem));
  try {
    if (name == "list_apps") return list_apps(args);
    if (name == "describe_app") return describe_app(args);
    if (name == "language_reference") return language_reference(args);
    if (name == "check_mapper") return check_mapper(args);
    if (name == "evaluate_mapper") return evaluate_mapper(args);
    if (name == "tuning_status") return tuning_status(args);
    if (name == "best_mapper") return best_mapper(args);
  } catch (const ToolError& e) {
    return ToolResult::failure(e.message);
  } catch (const std::exception& e) {
    return ToolResult::failure(fmt::format("internal error in {}: {}", name, e.what()));
  }
  return ToolResult::failure(fmt::format("tool `{}` has no implementation", name));
}

ToolResult Tools::list_apps(const json&) {
  std::string text = "Built-in applications:\n";
  json list = json::array();
  for (const auto& a : apps::builtin_apps()) {
    text += fmt::format("  {:<10} {}\n", a.name, a.summary);
    list.push_back({{"name", a.name}, {"summary", a.summary}, {"has_expert_mapper", !apps::expert_mapper(a).empty()}});
  }
  text += fmt::format("Machines: {} (nodes: 1 to {}).\n", fmt::join(mapping::machine_preset_names(), ", "), kMaxNodes);
  text += "describe_app gives an application's tasks and regions; best_mapper with `app` gives its expert mapper.\n";
  return {text, {{"apps", list}, {"machines", mapping::machine_preset_names()}}, false};
}

ToolResult Tools::describe_app(const json& args) {
  const auto& builtin = builtin_app(args["app"].get<std::string>());
  const std::string machine_name = opt_string(args, "machine").value_or(kDefaultMachine);
  const auto machine = machine_model(machine_name, opt_int(args, "nodes", 1));
  apps::Parameters params;
  const auto app = app_model(builtin, machine, opt_params(args), &params);

  std::string text = fmt::format("{}: {}\nsized for {}; parameters (set them with `params`):\n", builtin.name,
                                 builtin.summary, sized_for(machine));
  json plist = json::array();
  for (const auto& p : params.list()) {
    text += fmt::format("  {:<22} {:>12}  {}\n", p.name, p.value, p.meaning);
    plist.push_back({{"name", p.name}, {"value", p.value}, {"meaning", p.meaning}});
  }
  std::string app_text = model::describe(app), machine_text = model::describe(machine);
  text += "\n" + app_text + "\nThe machine:\n" + machine_text;
  return {text,
          {{"app", builtin.name},
           {"summary", builtin.summary},
           {"sized_for", sized_for(machine)},
           {"parameters", plist},
           {"description", app_text},
           {"machine_description", machine_text}},
          false};
}

ToolResult Tools::language_reference(const json&) { return {std::string(llm::language_reference()), nullptr, false}; }

ToolResult Tools::check_mapper(const json& args) {
  lang::SourceFile source = program_source(args);
  std::optional<lang::AppSignature> signature;
  std::optional<model::MachineModel> machine;
  if (auto name = opt_string(args, "machine")) machine = machine_model(*name, 1);
  if (auto name = opt_string(args, "app")) {
    const auto& builtin = builtin_app(*name);
    signature = app_model(builtin, machine ? *machine : machine_model(kDefaultMachine, 1), {}).signature();
  }

  lang::Diagnostics diags;
  std::vector<std::string> printed;
  if (machine) {
    // As `mage check --machine`: compiling also evaluates the globals, such as `Machine(GPU).split(1, 3)`.
    mapping::Policy::compile(source, model::to_machine_desc(*machine), diags, signature ? &*signature : nullptr,
                             [&](const std::string& line) { printed.push_back(line); });
  } else {
    lang::Program program = lang::parse(source, diags);
    if (!diags.has_errors())
      lang::check_program(program, lang::CheckOptions{signature ? &*signature : nullptr, nullptr}, diags);
  }

  std::string text = diags.has_errors() ? "The program has errors.\n" : "The program is valid.\n";
  json j = {{"ok", !diags.has_errors()}};
  add_diagnostics(diags, source, text, j);
  if (!printed.empty()) {
    j["printed"] = printed;
    text += "\nprint output:\n" + fmt::format("{}\n", fmt::join(printed, "\n"));
  }
  return {text, j, false};
}

ToolResult Tools::evaluate_mapper(const json& args) {
  lang::SourceFile source = program_source(args);
  const auto& builtin = builtin_app(args["app"].get<std::string>());
  const std::string machine_name = opt_string(args, "machine").value_or(kDefaultMachine);
  const std::int64_t nodes = opt_int(args, "nodes", 1);
  const auto machine = machine_model(machine_name, nodes);
  apps::Parameters params;
  const auto overrides = opt_params(args);
  const auto app = app_model(builtin, machine, overrides, &params);

  const json config = {{"app", builtin.name}, {"machine", machine_name}, {"nodes", nodes}, {"params", overrides}};
  const std::string key = config_key(config);
  latest_[std::string(builtin.name)] = key;
  const lang::AppSignature signature = app.signature();
  const mapping::MachineDesc desc = model::to_machine_desc(machine);

  // The expert's throughput, once per configuration.
  auto expert = expert_.find(key);
  if (expert == expert_.end()) {
    Scored s;
    s.config = config;
    lang::Diagnostics ediags;
    std::string_view expert_text = apps::expert_mapper(builtin);
    std::unique_ptr<mapping::Policy> policy;
    if (!expert_text.empty())
      policy = mapping::Policy::compile(lang::SourceFile("expert mapper", std::string(expert_text)), desc, ediags,
                                        &signature, [](const std::string&) {});
    if (policy) {
      sim::SimResult r = sim::simulate(app, machine, *policy);
      s.ok = r.ok;
      s.throughput = r.throughput;
      s.unit = r.unit;
    }
    expert = expert_.emplace(key, std::move(s)).first;
  }
  json expert_json = {{"ok", expert->second.ok}};
  if (expert->second.ok) expert_json.update({{"throughput", expert->second.throughput}, {"unit", expert->second.unit}});

  json j = {{"simulated", true},
            {"app", builtin.name},
            {"machine", machine_name},
            {"nodes", nodes},
            {"params", params_json(params)}};
  std::vector<std::string> printed;
  lang::Diagnostics diags;
  auto policy = mapping::Policy::compile(source, desc, diags, &signature,
                                         [&](const std::string& line) { printed.push_back(line); });
  if (!policy) {
    std::string text = "The program does not compile, so nothing was simulated.\n";
    j["ok"] = false;
    j["expert"] = expert_json;
    add_diagnostics(diags, source, text, j);
    return {text, j, false};
  }

  sim::SimResult result = sim::simulate(app, machine, *policy);
  if (result.error && result.error->span.begin.valid()) result.error->file = source.name();
  feedback::Feedback fb = feedback::from_simulation(result, &policy->program());

  std::string text = sim::render_summary(result);
  if (result.error) text += lang::render_text(*result.error, &source, false);
  if (diags.warning_count() > 0) text += "\nwarnings:\n" + lang::render_text(diags, &source, false);
  json sim_json = short_result(result);
  for (auto& [k, v] : sim_json.items()) j[k] = v;
  j["machine"] = machine_name;
  j["machine_model"] = result.machine;
  if (!diags.all().empty()) j["warnings"] = lang::to_json(diags, &source)["diagnostics"];

  if (expert->second.ok) {
    text += fmt::format("\nexpert mapper: {} {} (simulated)", number(expert->second.throughput), expert->second.unit);
    if (result.ok && expert->second.throughput > 0) {
      double ratio = result.throughput / expert->second.throughput;
      expert_json["ratio"] = ratio;
      text += fmt::format("; this mapper reaches {:.3f}x the expert", ratio);
    }
    text += "\n";
  }
  j["expert"] = expert_json;

  if (result.ok) {
    auto& best = best_[key];
    bool improved = !best.ok || result.throughput > best.throughput;
    if (improved) best = Scored{source.text(), true, result.throughput, result.unit, config};
    j["session_best"] = improved;
    if (improved) text += fmt::format("new best for this configuration in this session\n");
  }
  if (!printed.empty()) {
    j["printed"] = printed;
    text += "\nprint output:\n" + fmt::format("{}\n", fmt::join(printed, "\n"));
  }
  j["feedback"] = feedback::to_json(fb);
  text += "\n" + feedback::render(fb) + "\n";
  return {text, j, false};
}

ToolResult Tools::tuning_status(const json& args) {
  std::string error;
  auto run = read_run(args["run_dir"].get<std::string>(), error);
  if (!run) throw ToolError{error};

  // An internal error (mage failed, not the program) is counted apart from the programs' failures.
  auto internal = [](const json& r) {
    auto it = r.find("internal_error");
    return it != r.end() && it->is_boolean() && it->get<bool>();
  };
  std::size_t succeeded = 0, internal_errors = 0;
  for (const auto& r : run->evaluations) {
    if (record_ok(r)) ++succeeded;
    else if (internal(r)) ++internal_errors;
  }
  const std::size_t failed = run->evaluations.size() - succeeded - internal_errors;
  json j = {{"run_dir", run->path},
            {"settings", run->settings},
            {"evaluations", run->evaluations.size()},
            {"succeeded", succeeded},
            {"failed", failed},
            {"internal_errors", internal_errors},
            {"unreadable_lines", run->unreadable_lines},
            {"has_best_mpl", run->best_program.has_value()}};
  std::string text = fmt::format("Run directory {}\n", run->path);
  text +=
      fmt::format("settings: {}\n", run->settings.is_null() ? "(run.json missing or unreadable)" : dump(run->settings));
  text += fmt::format("evaluations: {} ({} succeeded, {} failed{})\n", run->evaluations.size(), succeeded, failed,
                      internal_errors == 0 ? ""
                                           : fmt::format(", {} internal error{} where mage failed, not the program",
                                                         internal_errors, internal_errors == 1 ? "" : "s"));
  if (run->unreadable_lines > 0)
    text += fmt::format("{} line(s) of evaluations.jsonl could not be read (one may be being written)\n",
                        run->unreadable_lines);

  // A record without its program text, which best_mapper returns.
  auto brief = [](json r) {
    r.erase("program");
    return r;
  };
  if (auto best = best_record(run->evaluations)) {
    const json& r = run->evaluations[*best];
    j["best"] = brief(r);
    j["best_score"] = *record_score(r);
    std::string unit = r.contains("unit") && r["unit"].is_string() ? " " + r["unit"].get<std::string>() : "";
    text += fmt::format("best: score {}{} (evaluation {})\n", number(*record_score(r)), unit,
                        r.contains("index") ? dump(r["index"]) : std::to_string(*best));
  } else {
    j["best"] = nullptr;
    text += "best: no successful evaluation yet\n";
  }
  text += run->best_program ? "best.mpl is present: best_mapper with this run_dir returns it\n"
                            : "best.mpl: not written yet\n";
  if (run->summary) {
    j["summary"] = *run->summary;
    // The text leaves out the feedback the summary repeats; structuredContent has it whole.
    json shown = *run->summary;
    if (shown.is_object())
      for (auto& [key, value] : shown.items())
        if (value.is_object()) value.erase("feedback");
    text += fmt::format("summary.json: {}\n", dump(shown));
  } else {
    text += "summary.json: not written yet (the run is going on, or was interrupted)\n";
  }
  json recent = json::array();
  const std::size_t from = run->evaluations.size() > 5 ? run->evaluations.size() - 5 : 0;
  if (from < run->evaluations.size()) text += "latest evaluations:\n";
  for (std::size_t i = from; i < run->evaluations.size(); ++i) {
    const json& r = run->evaluations[i];
    recent.push_back(brief(r));
    auto score = record_score(r);
    std::string why;
    if (auto e = r.find("error");
        e != r.end() && e->is_object() && e->contains("message") && (*e)["message"].is_string())
      why = ": " + (*e)["message"].get<std::string>();
    const char* outcome = record_ok(r) ? "ok" : internal(r) ? "internal error (mage failed, not the program)" : "failed";
    text += fmt::format("  {} {}{}{}\n", r.contains("index") ? dump(r["index"]) : std::to_string(i), outcome,
                        score && record_ok(r) ? ", score " + number(*score) : "", why);
  }
  j["latest"] = recent;
  return {text, j, false};
}

ToolResult Tools::best_mapper(const json& args) {
  auto reply = [](std::string program, std::string origin, json j) {
    j["program"] = program;
    j["origin"] = origin;
    std::string text = fmt::format("Best mapper ({}):\n```\n{}{}```\n", origin, program,
                                   program.empty() || program.back() == '\n' ? "" : "\n");
    return ToolResult{std::move(text), std::move(j), false};
  };

  if (auto dir = opt_string(args, "run_dir")) {
    std::string error;
    auto run = read_run(*dir, error);
    if (!run) throw ToolError{error};
    auto best = best_record(run->evaluations);
    json j = {{"run_dir", run->path}};
    if (best) {
      j["score"] = *record_score(run->evaluations[*best]);
      if (run->evaluations[*best].contains("index")) j["index"] = run->evaluations[*best]["index"];
    }
    if (run->best_program) return reply(*run->best_program, fmt::format("best.mpl of {}", run->path), j);
    if (best)
      if (auto program = record_program(*run, run->evaluations[*best]))
        return reply(*program, fmt::format("best evaluation of {}", run->path), j);
    throw ToolError{
        fmt::format("`{}` has no best mapper yet: no best.mpl and no successful evaluation with a program", run->path)};
  }

  auto app_name = opt_string(args, "app");
  if (!app_name) throw ToolError{"give `run_dir` (a tuning run) or `app` (an application name)"};
  const auto& builtin = builtin_app(*app_name);
  std::optional<std::string> key;
  if (args.contains("machine") || args.contains("nodes") || args.contains("params")) {
    json config = {{"app", builtin.name},
                   {"machine", opt_string(args, "machine").value_or(kDefaultMachine)},
                   {"nodes", opt_int(args, "nodes", 1)},
                   {"params", opt_params(args)}};
    key = config_key(config);
  } else if (auto it = latest_.find(std::string(builtin.name)); it != latest_.end()) {
    key = it->second;
  }
  if (key)
    if (auto it = best_.find(*key); it != best_.end() && it->second.ok) {
      const Scored& s = it->second;
      return reply(s.program, "best evaluated in this session",
                   {{"config", s.config}, {"throughput", s.throughput}, {"unit", s.unit}, {"simulated", true}});
    }
  return reply(std::string(apps::expert_mapper(builtin)),
               "the expert mapper; nothing better was evaluated in this session", {{"app", builtin.name}});
}

}  // namespace mage::mcp
