// The TOML form of a machine model: reading (a preset plus overrides, or every figure explicit) with
// positioned errors, and writing the explicit form.
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "lang/app_signature.hpp"
#include "lang/toml_input.hpp"
#include "model/machine_model.hpp"

namespace mage::model {

namespace {

const std::vector<std::string>& section_names() {
  static const std::vector<std::string> names = {"cpu",     "omp",   "gpu",    "utility", "sysmem",
                                                 "sockmem", "zcmem", "fbmem",  "rdmem",   "memcpy",
                                                 "pcie",    "nvlink", "socket_link", "network"};
  return names;
}

constexpr const char* kFormatHint = "see docs/machines.md, \"The full machine model\", for the format";

// Reads the TOML form into a spec, reporting every problem with its position and field.
class ModelReader {
 public:
  ModelReader(std::string_view text, const std::string& file, lang::Diagnostics& diags)
      : text_(text), file_(file), diags_(diags) {}

  std::optional<MachineModel> read() {
    toml::table root;
    try {
      root = toml::parse(text_, file_);
    } catch (const toml::parse_error& e) {
      fail("usage.machine-syntax", e.source(),
           fmt::format("`{}` is not valid TOML: {}", file_, e.description()),
           "fix the TOML syntax at this position");
      return std::nullopt;
    }
    MachineSpec spec;
    if (const toml::node* preset = root.get("preset")) {
      if (!start_from(*preset, spec)) return std::nullopt;
    }
    std::vector<SpecField> fields = spec_fields(spec);
    for (auto&& [key, node] : root) {
      const std::string name(key.str());
      if (name == "preset") continue;
      if (name == "name") {
        if (auto s = node.value<std::string>())
          spec.name = *s;
        else
          wrong_type(name, node, "a string");
      } else if (std::find(section_names().begin(), section_names().end(), name) != section_names().end()) {
        read_section(name, node, fields);
      } else {
        set(fields, "", name, node, key.source());
      }
    }
    if (!ok_) return std::nullopt;
    check_explicit(spec);
    if (!ok_) return std::nullopt;
    spec = normalized(std::move(spec));
    for (const SpecProblem& p : spec_problems(spec))
      fail("usage.machine-field", where(p.field), fmt::format("`{}`: {}", file_, p.message), p.hint);
    if (!ok_) return std::nullopt;
    return build_model(spec);
  }

 private:
  struct Explicit {
    std::string section, key;
    toml::source_region where;
    double value;
  };

  bool start_from(const toml::node& node, MachineSpec& spec) {
    auto name = node.value<std::string>();
    if (!name) return wrong_type("preset", node, "a string naming a preset"), false;
    if (auto preset = preset_spec(*name)) {
      spec = *preset;
      return true;
    }
    auto names = mapping::machine_preset_names();
    auto close = lang::did_you_mean(*name, names);
    fail("usage.machine-field", node.source(),
         fmt::format("`{}`: field `preset` names `{}`, which is not a preset{}", file_, *name,
                     close ? fmt::format("; did you mean `{}`?", *close) : ""),
         fmt::format("presets are {}", fmt::join(names, ", ")));
    return false;
  }

  void read_section(const std::string& section, const toml::node& node, std::vector<SpecField>& fields) {
    const toml::table* table = node.as_table();
    if (!table) return wrong_type(section, node, fmt::format("a table such as [{}]", section).c_str());
    sections_[section] = node.source();
    for (auto&& [key, value] : *table) set(fields, section, std::string(key.str()), value, key.source());
  }

  void set(std::vector<SpecField>& fields, const std::string& section, const std::string& key,
           const toml::node& node, const toml::source_region& key_where) {
    auto field = std::find_if(fields.begin(), fields.end(),
                              [&](const SpecField& f) { return f.section == section && f.key == key; });
    if (field == fields.end()) return unknown_key(section, key, key_where, fields);
    const std::string name = field->name();
    if (auto* integer = std::get_if<std::int64_t*>(&field->value)) {
      // Whole numbers written as floats (`capacity = 16e9`) are accepted too.
      std::optional<std::int64_t> i;
      if (const auto* v = node.as_integer()) i = v->get();
      const auto* f = node.as_floating_point();
      if (f && std::trunc(f->get()) == f->get() && std::fabs(f->get()) < 9e18)
        i = static_cast<std::int64_t>(f->get());
      if (!i) return wrong_type(name, node, "an integer");
      **integer = *i;
    } else {
      std::optional<double> d;
      if (const auto* v = node.as_integer()) d = static_cast<double>(v->get());
      if (const auto* v = node.as_floating_point()) d = v->get();
      if (!d) return wrong_type(name, node, "a number");
      *std::get<double*>(field->value) = *d;
    }
    explicit_.push_back({section, key, node.source(), field->number()});
  }

  // Figures given for something the machine lacks are a contradiction, not something to ignore; figures
  // inherited from a preset are dropped quietly (normalized) when an override removes what they describe.
  void check_explicit(const MachineSpec& spec) {
    for (const Explicit& e : explicit_) {
      if (e.value == 0) continue;
      if (auto why = unused_because(spec, e.section, e.key)) {
        std::string name = fmt::format("{}.{}", e.section, e.key);
        fail("usage.machine-field", e.where,
             fmt::format("`{}`: field `{}` is set, but {}", file_, name, *why),
             fmt::format("remove `{}`, or give the machine what it describes", name));
      }
    }
  }

  // A problem's position: the field's value if the file sets it, else its section, else none.
  toml::source_region where(const std::string& field) const {
    for (const Explicit& e : explicit_)
      if ((e.section.empty() ? e.key : e.section + "." + e.key) == field) return e.where;
    auto it = sections_.find(field.substr(0, field.find('.')));
    return it == sections_.end() ? toml::source_region{} : it->second;
  }

  void unknown_key(const std::string& section, const std::string& key, const toml::source_region& where,
                   const std::vector<SpecField>& fields) {
    std::vector<std::string> known;
    if (section.empty()) {
      known = {"preset", "name"};
      known.insert(known.end(), section_names().begin(), section_names().end());
    }
    for (const SpecField& f : fields)
      if (f.section == section) known.emplace_back(f.key);
    auto close = lang::did_you_mean(key, known);
    std::string name = section.empty() ? key : section + "." + key;
    fail("usage.machine-field", where,
         fmt::format("`{}`: unknown field `{}`{}", file_, name,
                     close ? fmt::format("; did you mean `{}`?", *close) : ""),
         fmt::format("the fields {} are {}", section.empty() ? "at the top" : "of [" + section + "]",
                     fmt::join(known, ", ")));
  }

  void wrong_type(const std::string& field, const toml::node& node, const char* expected) {
    fail("usage.machine-field", node.source(),
         fmt::format("`{}`: field `{}` must be {}, found {}", file_, field, expected, lang::toml_type_name(node.type())),
         kFormatHint);
  }

  void fail(const char* code, const toml::source_region& where, std::string message, std::string hint) {
    ok_ = false;
    diags_.add(lang::Diagnostic{lang::Severity::Error, lang::Category::Usage, code, lang::toml_span(text_, where),
                                std::move(message), std::move(hint), {}, file_});
  }

  std::string_view text_;
  const std::string& file_;
  lang::Diagnostics& diags_;
  std::vector<Explicit> explicit_;
  std::map<std::string, toml::source_region> sections_;
  bool ok_ = true;
};

// A double as TOML writes it: the shortest text that reads back exactly, always a float.
std::string toml_number(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

// The readable form of a field's value, for a comment beside it.
std::string readable(std::string_view key, double v) {
  if (key == "flops") return format_flops(v);
  if (key == "bandwidth") return format_bandwidth(v);
  if (key == "capacity") return format_bytes(static_cast<std::int64_t>(v));
  if (key == "latency" || key == "launch_overhead" || key == "copy_overhead") return format_seconds(v);
  return "";
}

}  // namespace

std::optional<MachineModel> parse_machine_model_toml(std::string_view text, const std::string& file,
                                                     lang::Diagnostics& diags) {
  return ModelReader(text, file, diags).read();
}

std::string to_toml(const MachineSpec& original) {
  MachineSpec spec = normalized(original);
  std::ostringstream name;
  name << toml::value<std::string>(spec.name);
  std::string out = fmt::format(
      "# mage machine model (docs/machines.md); SI units: bytes, seconds, bytes/s, FLOP/s\nname = {}\n",
      name.str());
  std::string_view section = "";
  for (const SpecField& f : spec_fields(spec)) {
    if (unused_because(spec, f.section, f.key)) continue;
    if (f.section != section) out += fmt::format("\n[{}]\n", f.section);
    section = f.section;
    std::string value = std::holds_alternative<std::int64_t*>(f.value)
                            ? std::to_string(*std::get<std::int64_t*>(f.value))
                            : toml_number(*std::get<double*>(f.value));
    std::string comment = readable(f.key, f.number());
    out += comment.empty() ? fmt::format("{} = {}\n", f.key, value)
                           : fmt::format("{} = {}  # {}\n", f.key, value, comment);
  }
  return out;
}

}  // namespace mage::model
