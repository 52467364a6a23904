#include "lang/app_signature.hpp"

#include <algorithm>
#include <cctype>
#include <numeric>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "lang/toml_input.hpp"

namespace mage::lang {

const TaskSignature* AppSignature::find_task(std::string_view task) const {
  for (const auto& t : tasks)
    if (t.name == task) return &t;
  return nullptr;
}

namespace {

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The edit distance between `a` and `b` if it is at most `bound`, else bound + 1. Only the diagonal
// band |i - j| <= bound is computed, and the scan stops as soon as a row exceeds the bound, so the cost is
// O(|a| * bound) rather than O(|a| * |b|).
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t bound) {
  const std::size_t over = bound + 1;
  if ((a.size() > b.size() ? a.size() - b.size() : b.size() - a.size()) > bound) return over;
  std::vector<std::size_t> prev(b.size() + 1, over), row(b.size() + 1, over);
  for (std::size_t j = 0; j <= std::min(b.size(), bound); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    const std::size_t lo = i > bound ? i - bound : 1;
    const std::size_t hi = std::min(b.size(), i + bound);
    std::fill(row.begin(), row.end(), over);
    if (i <= bound) row[0] = i;
    std::size_t best = row[0];
    for (std::size_t j = lo; j <= hi; ++j) {
      std::size_t v = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      v = std::min({v, prev[j] + 1, row[j - 1] + 1, over});
      row[j] = v;
      best = std::min(best, v);
    }
    if (best > bound) return over;
    std::swap(prev, row);
  }
  return std::min(prev[b.size()], over);
}

// Reads the TOML form into an AppSignature, reporting every problem it finds with its position.
class SignatureReader {
 public:
  SignatureReader(std::string_view text, const std::string& file, Diagnostics& diags)
      : text_(text), file_(file), diags_(diags) {}

  std::optional<AppSignature> read() {
    toml::table root;
    try {
      root = toml::parse(text_, file_);
    } catch (const toml::parse_error& e) {
      fail("usage.app-signature-syntax", e.source(),
           fmt::format("`{}` is not valid TOML: {}", file_, e.description()),
           "fix the TOML syntax at this position");
      return std::nullopt;
    }
    AppSignature app;
    for (auto&& [key, node] : root) {
      const std::string field(key.str());
      if (field == "name") {
        if (auto s = node.value<std::string>())
          app.name = *s;
        else
          wrong_type(field, node, "a string");
      } else if (field == "regions") {
        for (auto& r : strings(field, node)) app.region_names.insert(std::move(r));
      } else if (field == "tasks") {
        read_tasks(node, app);
      } else {
        unknown_key(field, key.source(), {"name", "regions", "tasks"});
      }
    }
    if (!ok_) return std::nullopt;
    return app;
  }

 private:
  void read_tasks(const toml::node& node, AppSignature& app) {
    const toml::table* tasks = node.as_table();
    if (!tasks) return wrong_type("tasks", node, "a table of tasks such as [tasks.stencil]");
    for (auto&& [key, task_node] : *tasks) {
      TaskSignature task{std::string(key.str()), {}, {}};
      const std::string prefix = "tasks." + task.name;
      const toml::table* table = task_node.as_table();
      if (!table) {
        wrong_type(prefix, task_node, "a table with `variants` and `regions`");
        continue;
      }
      for (auto&& [field_key, value] : *table) {
        const std::string field = prefix + "." + std::string(field_key.str());
        if (field_key.str() == "variants")
          task.variants = kinds(field, value);
        else if (field_key.str() == "regions")
          task.region_args = strings(field, value);
        else
          unknown_key(field, field_key.source(), {"variants", "regions"});
      }
      app.tasks.push_back(std::move(task));
    }
  }

  std::vector<std::string> strings(const std::string& field, const toml::node& node) {
    std::vector<std::string> out;
    const toml::array* array = node.as_array();
    if (!array) {
      wrong_type(field, node, "an array of strings");
      return out;
    }
    for (const toml::node& item : *array) {
      if (auto s = item.value<std::string>())
        out.push_back(*s);
      else
        wrong_type(field, item, "an array of strings");
    }
    return out;
  }

  std::vector<ProcKind> kinds(const std::string& field, const toml::node& node) {
    const char* expected = "an array of processor kinds such as [\"CPU\", \"GPU\"]";
    std::vector<ProcKind> out;
    const toml::array* array = node.as_array();
    if (!array) {
      wrong_type(field, node, expected);
      return out;
    }
    for (const toml::node& item : *array) {
      auto s = item.value<std::string>();
      if (!s) {
        wrong_type(field, item, expected);
      } else if (auto k = parse_proc_kind(*s)) {
        out.push_back(*k);
      } else {
        fail("usage.app-signature-field", item.source(),
             fmt::format("`{}`: field `{}` lists `{}`, which is not a processor kind", file_, field, *s),
             "processor kinds are CPU, GPU, OMP, IO, PY and PROC");
      }
    }
    return out;
  }

  void wrong_type(const std::string& field, const toml::node& node, const char* expected) {
    fail("usage.app-signature-field", node.source(),
         fmt::format("`{}`: field `{}` must be {}, found {}", file_, field, expected, toml_type_name(node.type())),
         "write `regions = [\"a\", ...]` at the top and, per task, `variants = [\"CPU\", \"GPU\"]` and "
         "`regions = [...]` under `[tasks.NAME]`");
  }

  void unknown_key(const std::string& field, const toml::source_region& where,
                   std::vector<std::string> known) {
    std::string leaf = field.substr(field.rfind('.') + 1);
    auto close = did_you_mean(leaf, known);
    fail("usage.app-signature-field", where,
         fmt::format("`{}`: unknown field `{}`{}", file_, field,
                     close ? fmt::format("; did you mean `{}`?", *close) : ""),
         fmt::format("the fields here are {}", fmt::join(known, ", ")));
  }

  void fail(const char* code, const toml::source_region& where, std::string message, std::string hint) {
    ok_ = false;
    Diagnostic d{Severity::Error, Category::Usage, code, toml_span(text_, where), std::move(message), std::move(hint), {}, file_};
    diags_.add(std::move(d));
  }

  std::string_view text_;
  const std::string& file_;
  Diagnostics& diags_;
  bool ok_ = true;
};

}  // namespace

std::optional<AppSignature> parse_app_signature(std::string_view toml_text, const std::string& file_name,
                                                Diagnostics& diags) {
  return SignatureReader(toml_text, file_name, diags).read();
}

std::optional<std::string> did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
  // A typo is a slip in a name someone typed; a longer name gets no suggestion, which keeps the search
  // linear in the candidates however long the names in a hostile input are.
  if (name.empty() || name.size() > kMaxSuggestedName) return std::nullopt;
  const std::string lower = lowercase(name);
  const std::size_t limit = std::max<std::size_t>(1, name.size() / 3);
  const std::string* best = nullptr;
  std::size_t best_distance = limit + 1;
  for (const auto& c : candidates) {
    if (c == name) continue;  // the name itself is no suggestion
    // The distance is at least the difference in length: most candidates are ruled out without a look.
    std::size_t gap = c.size() > name.size() ? c.size() - name.size() : name.size() - c.size();
    if (gap >= best_distance) continue;
    std::size_t d = edit_distance(lower, lowercase(c), best_distance - 1);
    if (d < best_distance) {
      best = &c;
      best_distance = d;
    }
  }
  if (!best) return std::nullopt;
  return *best;
}

}  // namespace mage::lang
