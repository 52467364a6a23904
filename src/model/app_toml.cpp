// Reading and writing the application model's TOML and JSON forms. TOML is first turned into the same
// JSON tree (noting where each field was), so one reader serves both and reports the same field paths.

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>
#include <nlohmann/json.hpp>

#include "lang/toml_input.hpp"
#include "model/app_io.hpp"

namespace mage::model {
namespace {

using nlohmann::json;

enum class Format { Toml, Json };

// Where the fields of a TOML file are, by field path ("" is the root); dates and times, which no field
// accepts and JSON lacks, are noted so that errors can name them.
struct Locations {
  std::map<std::string, toml::source_region> values, keys;
  std::set<std::string> dates;
};

std::string child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

std::string element(const std::string& path, std::size_t i) { return fmt::format("{}[{}]", path, i); }

// The path one level up: "launches[2].args" -> "launches[2]" -> "launches" -> "".
std::string parent_path(const std::string& path) {
  const std::size_t cut = path.find_last_of(".[");
  return cut == std::string::npos ? std::string() : path.substr(0, cut);
}

// "launches[2].args[1].partition" -> "/launches/2/args/1/partition" (RFC 6901).
std::string json_pointer(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == '.' || c == '[')
      out += '/';
    else if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else if (c != ']')
      out += c;
  }
  return "/" + out;
}

json convert(const toml::node& node, const std::string& path, Locations& where) {
  where.values[path] = node.source();
  if (const toml::table* t = node.as_table()) {
    json out = json::object();
    for (auto&& [key, value] : *t) {
      const std::string p = child(path, key.str());
      where.keys[p] = key.source();
      out[std::string(key.str())] = convert(value, p, where);
    }
    return out;
  }
  if (const toml::array* a = node.as_array()) {
    json out = json::array();
    for (std::size_t i = 0; i < a->size(); ++i) out.push_back(convert(*a->get(i), element(path, i), where));
    return out;
  }
  if (auto s = node.value_exact<std::string>()) return *s;
  if (auto i = node.value_exact<std::int64_t>()) return *i;
  if (auto d = node.value_exact<double>()) return *d;
  if (auto b = node.value_exact<bool>()) return *b;
  where.dates.insert(path);
  return json();
}

// The span of the byte at `offset`.
lang::Span span_of_offset(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::uint32_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return lang::text_span(text, line, column, 1);
}

constexpr const char* kFormatHint = "docs/apps.md lists every field of the application format";

// Reads the JSON tree of either form into a model, reporting each problem with its field.
class Reader {
 public:
  Reader(Format format, std::string_view text, const std::string& file, const Locations* where,
         lang::Diagnostics& diags)
      : format_(format), text_(text), file_(file), where_(where), diags_(diags) {}

  std::optional<AppModel> load(const json& root) {
    AppModel app = read(root);
    if (!ok_) return std::nullopt;
    for (const AppProblem& p : validate(app)) problem(p.code.c_str(), p.field, p.message, p.hint);
    if (!ok_) return std::nullopt;
    return app;
  }

  void syntax_error(lang::Span span, const std::string& what) {
    ok_ = false;
    std::string message = fmt::format("`{}` is not valid {}: {}", file_, format_name(), what);
    std::string hint = fmt::format("fix the {} syntax at this position", format_name());
    diags_.add(lang::Diagnostic{lang::Severity::Error,
                                lang::Category::Usage,
                                "usage.app-syntax",
                                span,
                                std::move(message),
                                std::move(hint),
                                {},
                                file_});
  }

 private:
  const char* format_name() const { return format_ == Format::Toml ? "TOML" : "JSON"; }
  const char* table_word() const { return format_ == Format::Toml ? "a table" : "an object"; }

  std::string type_name(const json& v, const std::string& path) const {
    if (where_ && where_->dates.count(path)) return "a date or time";
    switch (v.type()) {
      case json::value_t::object: return table_word();
      case json::value_t::array: return "an array";
      case json::value_t::string: return "a string";
      case json::value_t::boolean: return "a boolean";
      case json::value_t::number_integer:
      case json::value_t::number_unsigned: return "an integer";
      case json::value_t::number_float: return "a number with a fraction";
      default: return "null";
    }
  }

  void problem(const char* code, const std::string& path, const std::string& message, std::string hint,
               bool at_key = false) {
    ok_ = false;
    const std::string field = format_ == Format::Json ? json_pointer(path) : path;
    std::string text = path.empty() ? fmt::format("`{}`: {}", file_, message)
                                    : fmt::format("`{}`: `{}`: {}", file_, field, message);
    diags_.add(lang::Diagnostic{lang::Severity::Error,
                                lang::Category::Usage,
                                code,
                                locate(path, at_key),
                                std::move(text),
                                std::move(hint),
                                {},
                                file_});
  }

  // The value at `path`, or the nearest enclosing one that the file has (a missing field's table).
  lang::Span locate(std::string path, bool at_key) const {
    if (!where_) return lang::Span{};
    if (auto k = where_->keys.find(path); at_key && k != where_->keys.end()) return lang::toml_span(text_, k->second);
    for (;;) {
      if (auto v = where_->values.find(path); v != where_->values.end()) return lang::toml_span(text_, v->second);
      if (path.empty()) return lang::Span{};
      path = parent_path(path);
    }
  }

  bool wrong_type(const std::string& path, const json& v, const std::string& expected) {
    problem("usage.app-field", path, fmt::format("must be {}, found {}", expected, type_name(v, path)),
            kFormatHint);
    return false;
  }

  bool table(const json& v, const std::string& path, std::string_view with) {
    return v.is_object() || wrong_type(path, v, fmt::format("{} with {}", table_word(), with));
  }

  void check_keys(const json& obj, const std::string& path, const std::vector<std::string>& known) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (std::find(known.begin(), known.end(), it.key()) != known.end()) continue;
      auto close = lang::did_you_mean(it.key(), known);
      problem("usage.app-field", child(path, it.key()),
              fmt::format("unknown field `{}`{}", it.key(),
                          close ? fmt::format("; did you mean `{}`?", *close) : ""),
              fmt::format("the fields here are {}", fmt::join(known, ", ")), true);
    }
  }

  const json* member(const json& obj, const std::string& path, const std::string& key, bool required) {
    if (auto it = obj.find(key); it != obj.end()) return &*it;
    if (required)
      problem("usage.app-field", child(path, key), fmt::format("missing field `{}`", key), kFormatHint);
    return nullptr;
  }

  bool as(const json& v, const std::string& path, std::string& out) {
    if (!v.is_string()) return wrong_type(path, v, "a string");
    out = v.get<std::string>();
    return true;
  }
  bool as(const json& v, const std::string& path, std::int64_t& out) {
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t{INT64_MAX})
      return wrong_type(path, v, "an integer below 2^63");
    if (!v.is_number_integer()) return wrong_type(path, v, "an integer");
    out = v.get<std::int64_t>();
    return true;
  }
  bool as(const json& v, const std::string& path, double& out) {
    if (!v.is_number()) return wrong_type(path, v, "a number");
    out = v.get<double>();
    return true;
  }
  bool as(const json& v, const std::string& path, bool& out) {
    if (!v.is_boolean()) return wrong_type(path, v, "a boolean (true or false)");
    out = v.get<bool>();
    return true;
  }
  template <class T>
  bool as(const json& v, const std::string& path, std::optional<T>& out) {
    T value{};
    if (!as(v, path, value)) return false;
    out = value;
    return true;
  }
  template <class T>
  bool as(const json& v, const std::string& path, std::vector<T>& out) {
    if (!v.is_array()) return wrong_type(path, v, "an array");
    for (std::size_t i = 0; i < v.size(); ++i)
      if (T item{}; as(v[i], element(path, i), item)) out.push_back(std::move(item));
    return true;
  }

  // Reads member `key` into `out` if present; false if it is absent or of the wrong type.
  template <class T>
  bool get(const json& obj, const std::string& path, const std::string& key, T& out, bool required = false) {
    const json* v = member(obj, path, key, required);
    return v && as(*v, child(path, key), out);
  }

  // Calls `f(item, path)` for every item of the array member `key`, if present.
  template <class F>
  void each(const json& obj, const std::string& path, const std::string& key, F f, bool required = false) {
    const json* v = member(obj, path, key, required);
    if (!v) return;
    const std::string p = child(path, key);
    if (!v->is_array()) {
      wrong_type(p, *v, "an array");
      return;
    }
    for (std::size_t i = 0; i < v->size(); ++i) f((*v)[i], element(p, i));
  }

  AppModel read(const json& root) {
    AppModel app;
    if (!table(root, "", "the application's fields")) return app;
    check_keys(root, "",
               {"name", "steps", "warmup_steps", "throughput", "regions", "partitions", "tasks", "launches"});
    get(root, "", "name", app.name, true);
    get(root, "", "steps", app.steps);
    get(root, "", "warmup_steps", app.warmup_steps);
    if (const json* t = member(root, "", "throughput", false);
        t && table(*t, "throughput", "`unit` and `per_step`")) {
      check_keys(*t, "throughput", {"unit", "per_step"});
      get(*t, "throughput", "unit", app.throughput.unit, true);
      get(*t, "throughput", "per_step", app.throughput.per_step);
    }
    each(root, "", "regions",
         [&](const json& r, const std::string& p) { app.regions.push_back(region(r, p)); });
    each(root, "", "partitions",
         [&](const json& r, const std::string& p) { app.partitions.push_back(partition(r, p, app)); });
    each(root, "", "tasks", [&](const json& r, const std::string& p) { app.tasks.push_back(task(r, p)); });
    each(root, "", "launches",
         [&](const json& r, const std::string& p) { app.launches.push_back(launch(r, p)); });
    return app;
  }

  Region region(const json& r, const std::string& path) {
    Region out;
    if (!table(r, path, "`name`, `elements` and `fields`")) return out;
    check_keys(r, path, {"name", "elements", "fields"});
    get(r, path, "name", out.name, true);
    get(r, path, "elements", out.elements, true);
    each(
        r, path, "fields",
        [&](const json& f, const std::string& p) {
          Field field;
          if (!table(f, p, "`name` and `bytes`")) return;
          check_keys(f, p, {"name", "bytes"});
          get(f, p, "name", field.name, true);
          get(f, p, "bytes", field.bytes, true);
          out.fields.push_back(std::move(field));
        },
        true);
    return out;
  }

  std::optional<Interval> interval(const json& v, const std::string& path) {
    std::int64_t lo = 0, hi = 0;
    if (!v.is_array() || v.size() != 2) {
      wrong_type(path, v, "an interval [lo, hi] of two integers");
      return std::nullopt;
    }
    if (!as(v[0], element(path, 0), lo) || !as(v[1], element(path, 1), hi)) return std::nullopt;
    if (lo >= hi) {
      problem("usage.app-interval", path, fmt::format("the interval [{}, {}) is empty or reversed", lo, hi),
              "write [lo, hi] for the elements lo to hi - 1, with lo < hi");
      return std::nullopt;
    }
    return Interval{lo, hi};
  }

  // A piece is [lo, hi], a list of such intervals, or [] for an empty piece.
  IntervalSet piece(const json& v, const std::string& path) {
    if (!v.is_array()) {
      wrong_type(path, v, "an array of intervals [lo, hi]");
      return {};
    }
    std::vector<Interval> intervals;
    if (!v.empty() && v[0].is_number()) {
      if (auto i = interval(v, path)) intervals.push_back(*i);
    } else {
      for (std::size_t k = 0; k < v.size(); ++k)
        if (auto i = interval(v[k], element(path, k))) intervals.push_back(*i);
    }
    return IntervalSet(std::move(intervals));
  }

  Partition partition(const json& v, const std::string& path, const AppModel& app) {
    Partition out;
    if (!table(v, path, "`name`, `region` (or `parent` and `piece`) and `pieces` (or `blocks`)")) return out;
    check_keys(v, path, {"name", "region", "parent", "piece", "pieces", "blocks", "piece_names", "disjoint"});
    get(v, path, "name", out.name, true);
    get(v, path, "region", out.region);
    const bool has_parent = get(v, path, "parent", out.parent);
    if (v.contains("piece") && !v.contains("parent"))
      problem("usage.app-field", child(path, "piece"), "`piece` without `parent`",
              "`piece` selects the piece of the parent partition that this partition splits");
    else if (has_parent)
      get(v, path, "piece", out.parent_piece, true);
    get(v, path, "piece_names", out.piece_names);
    get(v, path, "disjoint", out.declared_disjoint);
    if (v.contains("pieces") && v.contains("blocks")) {
      problem("usage.app-field", child(path, "blocks"), "both `pieces` and `blocks`",
              "give the pieces, or `blocks = N` for N equal contiguous pieces");
    } else if (std::int64_t n = 0; get(v, path, "blocks", n)) {
      if (n >= 1 && n <= kMaxPieces)
        out.pieces = app.parent_elements(out).split_even(n);
      else
        problem("usage.app-size", child(path, "blocks"), fmt::format("{} blocks; expected 1 to 2^20", n),
                "give the number of equal pieces");
    } else if (!v.contains("blocks")) {
      each(
          v, path, "pieces",
          [&](const json& p, const std::string& pp) { out.pieces.push_back(piece(p, pp)); }, true);
    }
    return out;
  }

  std::optional<LayoutPredicate> predicate(const json& v, const std::string& path) {
    std::string text;
    if (!as(v, path, text)) return std::nullopt;
    auto p = parse_layout_predicate(text);
    if (!p)
      problem("usage.app-field", path, fmt::format("`{}` is not a layout predicate", text),
              "write SOA, AOS, C_order, F_order or Align<N (alignment below N bytes)");
    return p;
  }

  ArgLayout arg_layout(const json& v, const std::string& path) {
    ArgLayout out;
    if (!table(v, path, "`arg`, `slowdown` and `reject`")) return out;
    check_keys(v, path, {"arg", "slowdown", "reject"});
    get(v, path, "arg", out.arg, true);
    each(v, path, "slowdown", [&](const json& s, const std::string& p) {
      if (!table(s, p, "`when`, `factor` and `applies_to`")) return;
      check_keys(s, p, {"when", "factor", "applies_to"});
      LayoutSlowdown slow;
      const json* when = member(s, p, "when", true);
      auto pred = when ? predicate(*when, child(p, "when")) : std::nullopt;
      bool term_ok = true;
      if (std::string term; get(s, p, "applies_to", term)) {
        if (auto t = parse_layout_term(term)) {
          slow.applies_to = *t;
        } else {
          term_ok = false;
          problem("usage.app-field", child(p, "applies_to"), fmt::format("`{}` is not a roofline term", term),
                  "write \"memory\" (the default: the layout changes how well the kernel's traffic uses the "
                  "bandwidth) or \"compute\" (the kernel's arithmetic itself depends on the layout)");
        }
      }
      if (get(s, p, "factor", slow.factor, true) && pred && term_ok) {
        slow.when = *pred;
        out.slowdown.push_back(slow);
      }
    });
    each(v, path, "reject", [&](const json& r, const std::string& p) {
      if (auto pred = predicate(r, p)) out.reject.push_back(*pred);
    });
    return out;
  }

  Variant variant(const json& v, const std::string& path) {
    Variant out;
    if (!table(v, path, "`kind` and costs")) return out;
    check_keys(v, path,
               {"kind", "launch_overhead", "flops_per_element", "bytes_per_element", "flops_per_point",
                "bytes_per_point", "work_arg", "layout"});
    if (std::string kind; get(v, path, "kind", kind, true)) {
      if (auto k = parse_proc_kind(kind))
        out.kind = *k;
      else
        problem("usage.app-field", child(path, "kind"), fmt::format("`{}` is not a processor kind", kind),
                "processor kinds are CPU, GPU, OMP, IO, PY and PROC");
    }
    get(v, path, "launch_overhead", out.launch_overhead);
    get(v, path, "flops_per_element", out.flops_per_element);
    get(v, path, "bytes_per_element", out.bytes_per_element);
    get(v, path, "flops_per_point", out.flops_per_point);
    get(v, path, "bytes_per_point", out.bytes_per_point);
    get(v, path, "work_arg", out.work_arg);
    each(v, path, "layout",
         [&](const json& l, const std::string& p) { out.layout.push_back(arg_layout(l, p)); });
    return out;
  }

  Task task(const json& v, const std::string& path) {
    Task out;
    if (!table(v, path, "`name` and `variants`")) return out;
    check_keys(v, path, {"name", "variants"});
    get(v, path, "name", out.name, true);
    each(v, path, "variants",
         [&](const json& x, const std::string& p) { out.variants.push_back(variant(x, p)); });
    return out;
  }

  Projection projection(const json& v, const std::string& path) {
    Projection out;
    if (!table(v, path, "`kind` and its parameters")) return out;
    check_keys(v, path, {"kind", "k", "edge", "table"});
    std::string kind;
    if (!get(v, path, "kind", kind, true)) return out;
    auto k = parse_projection_kind(kind);
    if (!k) {
      problem("usage.app-field", child(path, "kind"), fmt::format("`{}` is not a projection", kind),
              "projections are identity, offset, constant and table");
      return out;
    }
    out.kind = *k;
    const bool offset = *k == ProjectionKind::Offset, constant = *k == ProjectionKind::Constant;
    const std::pair<const char*, bool> applies[] = {
        {"k", offset || constant}, {"edge", offset}, {"table", *k == ProjectionKind::Table}};
    for (auto [key, used] : applies)
      if (!used && v.contains(key))
        problem("usage.app-field", child(path, key),
                fmt::format("`{}` does not apply to a {} projection", key, kind),
                "offset takes `k` and `edge`, constant takes `k`, table takes `table`", true);
    if (offset || constant) get(v, path, "k", out.k, true);
    if (*k == ProjectionKind::Table) get(v, path, "table", out.table, true);
    if (std::string edge; offset && get(v, path, "edge", edge)) {
      if (edge == "clamp")
        out.edge = Edge::Clamp;
      else if (edge != "skip")
        problem("usage.app-field", child(path, "edge"), fmt::format("`{}` is not an edge rule", edge),
                "write \"skip\" (no piece off the ends) or \"clamp\" (the end piece)");
    }
    return out;
  }

  Argument argument(const json& v, const std::string& path) {
    Argument out;
    if (!table(v, path, "`region` or `partition`, and `privilege`")) return out;
    check_keys(v, path, {"region", "partition", "projection", "privilege", "redop", "fields"});
    get(v, path, "region", out.region);
    get(v, path, "partition", out.partition);
    if (const json* p = member(v, path, "projection", false)) {
      if (v.contains("partition"))
        out.projection = projection(*p, child(path, "projection"));
      else
        problem("usage.app-field", child(path, "projection"),
                "a projection on an argument without a partition",
                "projections choose a piece of a partition; a region argument is the whole region", true);
    }
    if (std::string privilege; get(v, path, "privilege", privilege, true)) {
      if (auto p = parse_privilege(privilege))
        out.privilege = *p;
      else
        problem("usage.app-field", child(path, "privilege"),
                fmt::format("`{}` is not a privilege", privilege),
                "privileges are RO, RW, WD and RED (with `redop`)");
    }
    get(v, path, "redop", out.redop);
    if (get(v, path, "fields", out.fields) && out.fields.empty() && v.at("fields").empty())
      problem("usage.app-field", child(path, "fields"), "an empty field list",
              "list the fields the task uses, or leave `fields` out for all of them");
    return out;
  }

  Launch launch(const json& v, const std::string& path) {
    Launch out;
    if (!table(v, path, "`task`, `domain` and `args`")) return out;
    check_keys(v, path, {"task", "domain", "args", "produces", "consumes", "parent", "setup"});
    get(v, path, "task", out.task, true);
    if (get(v, path, "domain", out.domain) && v.at("domain").empty())
      problem("usage.app-size", child(path, "domain"), "an empty domain",
              "give the extents of an index launch, or leave `domain` out for a single launch");
    each(v, path, "args", [&](const json& a, const std::string& p) { out.args.push_back(argument(a, p)); });
    get(v, path, "produces", out.produces);
    get(v, path, "consumes", out.consumes);
    get(v, path, "parent", out.parent);
    get(v, path, "setup", out.setup);
    return out;
  }

  Format format_;
  std::string_view text_;
  const std::string& file_;
  const Locations* where_;
  lang::Diagnostics& diags_;
  bool ok_ = true;
};

json pieces_json(const std::vector<IntervalSet>& pieces) {
  json out = json::array();
  for (const IntervalSet& p : pieces) {
    json intervals = json::array();
    for (const Interval& i : p.intervals()) intervals.push_back(json::array({i.lo, i.hi}));
    out.push_back(std::move(intervals));
  }
  return out;
}

json variant_json(const Variant& v) {
  json out = json::object();
  out["kind"] = std::string(to_string(v.kind));
  if (v.launch_overhead) out["launch_overhead"] = *v.launch_overhead;
  out["flops_per_element"] = v.flops_per_element;
  out["bytes_per_element"] = v.bytes_per_element;
  out["flops_per_point"] = v.flops_per_point;
  out["bytes_per_point"] = v.bytes_per_point;
  out["work_arg"] = v.work_arg;
  if (v.layout.empty()) return out;
  json layouts = json::array();
  for (const ArgLayout& a : v.layout) {
    json slowdown = json::array(), reject = json::array();
    for (const LayoutSlowdown& s : a.slowdown)
      slowdown.push_back({{"when", to_string(s.when)},
                          {"factor", s.factor},
                          {"applies_to", std::string(to_string(s.applies_to))}});
    for (const LayoutPredicate& r : a.reject) reject.push_back(to_string(r));
    layouts.push_back({{"arg", a.arg}, {"slowdown", slowdown}, {"reject", reject}});
  }
  out["layout"] = std::move(layouts);
  return out;
}

json argument_json(const Argument& a) {
  json out = json::object();
  if (!a.region.empty()) out["region"] = a.region;
  if (!a.partition.empty()) out["partition"] = a.partition;
  const Projection& p = a.projection;
  if (!a.partition.empty() && p.kind != ProjectionKind::Identity) {
    json proj = json::object();
    proj["kind"] = std::string(to_string(p.kind));
    if (p.kind == ProjectionKind::Offset || p.kind == ProjectionKind::Constant) proj["k"] = p.k;
    if (p.kind == ProjectionKind::Offset) proj["edge"] = p.edge == Edge::Skip ? "skip" : "clamp";
    if (p.kind == ProjectionKind::Table) proj["table"] = p.table;
    out["projection"] = std::move(proj);
  }
  out["privilege"] = std::string(to_string(a.privilege));
  if (!a.redop.empty()) out["redop"] = a.redop;
  if (!a.fields.empty()) out["fields"] = a.fields;
  return out;
}

}  // namespace

std::optional<AppModel> load_app_toml(std::string_view text, const std::string& file_name,
                                      lang::Diagnostics& diags) {
  toml::table root;
  try {
    root = toml::parse(text, file_name);
  } catch (const toml::parse_error& e) {
    Reader(Format::Toml, text, file_name, nullptr, diags)
        .syntax_error(lang::toml_span(text, e.source()), std::string(e.description()));
    return std::nullopt;
  }
  Locations where;
  const json tree = convert(root, "", where);
  return Reader(Format::Toml, text, file_name, &where, diags).load(tree);
}

std::optional<AppModel> load_app_json(std::string_view text, const std::string& file_name,
                                      lang::Diagnostics& diags) {
  json tree;
  try {
    tree = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // what() reads "[json.exception.parse_error.101] parse error at line 1, column 3: <reason>".
    std::string what = e.what();
    if (auto column = what.find("column "); column != std::string::npos)
      if (auto colon = what.find(": ", column); colon != std::string::npos) what = what.substr(colon + 2);
    Reader(Format::Json, text, file_name, nullptr, diags)
        .syntax_error(span_of_offset(text, e.byte > 0 ? e.byte - 1 : 0), what);
    return std::nullopt;
  } catch (const json::exception& e) {  // a number out of range, for one
    std::string what = e.what();
    Reader(Format::Json, text, file_name, nullptr, diags).syntax_error({}, what.substr(what.find(']') + 2));
    return std::nullopt;
  }
  return Reader(Format::Json, text, file_name, nullptr, diags).load(tree);
}

std::optional<AppModel> load_app(std::string_view text, const std::string& file_name,
                                 lang::Diagnostics& diags) {
  return file_name.ends_with(".json") ? load_app_json(text, file_name, diags)
                                      : load_app_toml(text, file_name, diags);
}

json to_json(const AppModel& app) {
  json out = json::object();
  out["name"] = app.name;
  out["steps"] = app.steps;
  out["warmup_steps"] = app.warmup_steps;
  out["throughput"] = {{"unit", app.throughput.unit}, {"per_step", app.throughput.per_step}};
  json regions = json::array();
  for (const Region& r : app.regions) {
    json fields = json::array();
    for (const Field& f : r.fields) fields.push_back({{"name", f.name}, {"bytes", f.bytes}});
    regions.push_back({{"name", r.name}, {"elements", r.elements}, {"fields", fields}});
  }
  out["regions"] = std::move(regions);
  json partitions = json::array();
  for (const Partition& p : app.partitions) {
    json j = {{"name", p.name}, {"pieces", pieces_json(p.pieces)}, {"disjoint", p.declared_disjoint}};
    if (!p.region.empty()) j["region"] = p.region;
    if (!p.parent.empty()) {
      j["parent"] = p.parent;
      j["piece"] = p.parent_piece;
    }
    if (!p.piece_names.empty()) j["piece_names"] = p.piece_names;
    partitions.push_back(std::move(j));
  }
  out["partitions"] = std::move(partitions);
  json tasks = json::array();
  for (const Task& t : app.tasks) {
    json variants = json::array();
    for (const Variant& v : t.variants) variants.push_back(variant_json(v));
    tasks.push_back({{"name", t.name}, {"variants", variants}});
  }
  out["tasks"] = std::move(tasks);
  json launches = json::array();
  for (const Launch& l : app.launches) {
    json args = json::array();
    for (const Argument& a : l.args) args.push_back(argument_json(a));
    json j = {{"task", l.task}, {"args", args}};
    if (!l.domain.empty()) j["domain"] = l.domain;
    if (!l.produces.empty()) j["produces"] = l.produces;
    if (!l.consumes.empty()) j["consumes"] = l.consumes;
    if (!l.parent.empty()) j["parent"] = l.parent;
    if (l.setup) j["setup"] = true;
    launches.push_back(std::move(j));
  }
  out["launches"] = std::move(launches);
  return out;
}

}  // namespace mage::model
