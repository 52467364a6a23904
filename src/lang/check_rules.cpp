// Checker pass: rule statements (kinds, layouts, limits, selectors, mapping functions).
#include <algorithm>
#include <array>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lang/builtins.hpp"
#include "lang/check_context.hpp"
#include "lang/upgrade.hpp"

namespace mage::lang::check {

namespace {

// Kinds, layout constraints, instance limits, task selectors and mapping functions.
class RulePass {
 public:
  explicit RulePass(Context& cx) : cx_(cx) {}

  void run() {
    for (const Stmt& s : cx_.program.statements) {
      if (!is_rule_statement(s.kind)) continue;
      task_selector(s);
      switch (s.kind) {
        case StmtKind::Task:
          for (const Ident& k : s.kinds) proc_kind(k, "`Task` lists processor kinds");
          break;
        case StmtKind::Region:
          if (!s.proc.wildcard)
            proc_kind(s.proc.names.front(), "the third selector of `Region` must be a processor kind or `*`");
          for (const Ident& k : s.kinds) mem_kind(k);
          break;
        case StmtKind::Layout:
          layout_kind(s.proc);
          constraints(s);
          break;
        case StmtKind::InstanceLimit:
          if (has_limit_kind(s)) limit_kind(s);
          if (s.number < 1)
            cx_.error("static.bad-instance-limit", s.number_span,
                      fmt::format("`InstanceLimit` must be at least 1, found {}", s.number),
                      "write the number of instances allowed at once, e.g. `InstanceLimit TASK 1;`");
          break;
        case StmtKind::IndexTaskMap:
        case StmtKind::SingleTaskMap: mapping_function(s); break;
        default: break;
      }
    }
  }

 private:
  void task_selector(const Stmt& s) {
    const auto& names = s.tasks.names;
    auto kinds =
        std::count_if(names.begin(), names.end(), [](const Ident& n) { return is_proc_kind_name(n.name); });
    if (is_task_map(s.kind) && kinds > 0 && names.size() > 1) {
      bool only_kinds = static_cast<std::size_t>(kinds) == names.size();
      cx_.error(
          "static.mixed-task-selector", s.tasks.span,
          only_kinds ? "a processor-kind task selector names exactly one kind"
                     : "this task selector mixes processor kinds with task names",
          fmt::format("select either task names or one processor kind: write one `{}` statement for each",
                      statement_keyword(s.kind)));
      return;
    }
    for (const Ident& n : names) {
      bool mem = is_mem_kind_name(n.name);
      if (!mem && !(is_proc_kind_name(n.name) && !is_task_map(s.kind))) continue;
      cx_.error(
          "static.kind-in-task-selector", n.span,
          fmt::format("`{}` is a {} kind, not a task name", n.name, mem ? "memory" : "processor"),
          mem ? "write a task name or `*` here"
              : "only `IndexTaskMap` and `SingleTaskMap` select tasks by processor kind; write a task name "
                "or `*` here");
    }
  }

  void proc_kind(const Ident& k, const char* context) {
    if (is_proc_kind_name(k.name)) return;
    std::string found =
        is_mem_kind_name(k.name)
            ? fmt::format("`{}` is a memory kind, but {}", k.name, context)
            : fmt::format("`{}` is not a processor kind{}", k.name, suggest(k.name, proc_kind_names()));
    cx_.error("static.unknown-proc-kind", k.span, found,
              fmt::format("processor kinds are {}", kProcKindList));
  }

  void mem_kind(const Ident& k) {
    if (is_mem_kind_name(k.name)) return;
    std::string found =
        is_proc_kind_name(k.name)
            ? fmt::format("`{}` is a processor kind, but `Region` lists memory kinds here", k.name)
            : fmt::format("`{}` is not a memory kind{}", k.name, suggest(k.name, mem_kind_names()));
    cx_.error("static.unknown-mem-kind", k.span, found, fmt::format("memory kinds are {}", kMemKindList));
  }

  void layout_kind(const Selector& sel) {
    if (sel.wildcard || is_kind_name(sel.names.front().name)) return;
    const Ident& k = sel.names.front();
    std::vector<std::string> kinds = proc_kind_names();
    for (auto& m : mem_kind_names()) kinds.push_back(std::move(m));
    cx_.error(
        "static.unknown-kind", k.span,
        fmt::format("`{}` is neither a processor kind nor a memory kind{}", k.name, suggest(k.name, kinds)),
        fmt::format("the third selector of `Layout` is a processor kind ({}), a memory kind ({}) or `*`",
                    kProcKindList, kMemKindList));
  }

  static bool holds(Tok op, std::int64_t a, std::int64_t b) {
    switch (op) {
      case Tok::EqEq: return a == b;
      case Tok::NotEq: return a != b;
      case Tok::Less: return a < b;
      case Tok::Greater: return a > b;
      case Tok::LessEq: return a <= b;
      default: return a >= b;
    }
  }

  static std::string text(const LayoutConstraint& c) {
    if (c.word != LayoutWord::Align) return to_string(c.word);
    return fmt::format("Align {} {}", spelling(c.op), c.value);
  }

  static bool opposite(LayoutWord a, LayoutWord b) {
    auto pair = [&](LayoutWord x, LayoutWord y) { return (a == x && b == y) || (a == y && b == x); };
    return pair(LayoutWord::SOA, LayoutWord::AOS) || pair(LayoutWord::C_order, LayoutWord::F_order);
  }

  // Alignments are powers of two, so a set of `Align` constraints is a mask over 2^0 .. 2^62.
  static std::uint64_t alignments_allowed(const LayoutConstraint& c) {
    std::uint64_t mask = 0;
    for (int k = 0; k < 63; ++k) {
      if (holds(c.op, std::int64_t{1} << k, c.value)) mask |= std::uint64_t{1} << k;
    }
    return mask;
  }

  void constraints(const Stmt& s) {
    std::uint64_t feasible = ~std::uint64_t{0};
    std::vector<std::string> aligns;
    for (std::size_t i = 0; i < s.constraints.size(); ++i) {
      const LayoutConstraint& c = s.constraints[i];
      auto earlier = s.constraints.begin() + static_cast<std::ptrdiff_t>(i);
      if (std::any_of(s.constraints.begin(), earlier,
                      [&](const LayoutConstraint& e) { return text(e) == text(c); })) {
        cx_.warning("static.duplicate-constraint", c.span,
                    fmt::format("`{}` is repeated in this statement", text(c)),
                    "remove the repeated constraint");
        continue;
      }
      auto clash = std::find_if(s.constraints.begin(), earlier,
                                [&](const LayoutConstraint& e) { return opposite(e.word, c.word); });
      if (clash != earlier)
        cx_.error("static.layout-conflict", c.span,
                  fmt::format("`{}` contradicts `{}` earlier in this statement", text(c), text(*clash)),
                  fmt::format("keep only one of `{}` and `{}`", text(*clash), text(c)));
      if (c.word == LayoutWord::Align) align(c, feasible, aligns);
    }
  }

  void align(const LayoutConstraint& c, std::uint64_t& feasible, std::vector<std::string>& earlier) {
    if (c.value <= 0 || (c.value & (c.value - 1)) != 0) {
      cx_.error("static.bad-alignment", c.span,
                fmt::format("an alignment must be a positive power of two (bytes), found {}", c.value),
                "use a power of two such as 16, 64 or 128");
      return;
    }
    bool was_feasible = feasible != 0;
    feasible &= alignments_allowed(c);
    if (was_feasible && feasible == 0)
      cx_.error("static.layout-conflict", c.span,
                earlier.empty()
                    ? fmt::format("no power-of-two alignment satisfies `{}`", text(c))
                    : fmt::format("`{}` cannot hold together with `{}`: no alignment satisfies them all",
                                  text(c), fmt::join(earlier, "`, `")),
                "keep only alignment constraints that some power of two satisfies");
    earlier.push_back(text(c));
  }

  // `InstanceLimit TASK KIND N;` (the 2022 form).
  void limit_kind(const Stmt& s) {
    const Ident& k = s.proc.names.front();
    proc_kind(k, "the 2022 form `InstanceLimit TASK KIND N;` names a processor kind");
    std::string tasks = selector_text(s.tasks);
    cx_.warning("legacy.instance-limit-kind", through(s.keyword, s.number_span),
                fmt::format("`InstanceLimit TASK KIND N;` is the 2022 form; the current form is `InstanceLimit TASK "
                            "N;`, which holds on every kind the task runs on"),
                fmt::format("write `InstanceLimit {} {};` (`mage fmt --upgrade` rewrites the file); until then the "
                            "limit holds only while `{}` runs on {}",
                            tasks, s.number, tasks, k.name));
  }

  static std::string selector_text(const Selector& sel) {
    if (sel.wildcard) return "*";
    std::string out;
    for (const Ident& n : sel.names) out += (out.empty() ? "" : ", ") + n.name;
    return out;
  }

  // `IndexTaskMap TASKS SPACE FUNC;` (the 2022 form): SPACE is a global machine space.
  bool legacy_space(const Stmt& s) {
    const std::string& space = s.space.name;
    if (cx_.globals.count(space)) return true;
    std::vector<std::string> globals;
    for (const auto& g : cx_.globals) globals.push_back(g.first);
    cx_.error(cx_.functions.count(space) ? "static.not-a-space" : "static.undefined-name", s.space.span,
              cx_.functions.count(space)
                  ? fmt::format("`{}` is a function, but `IndexTaskMap TASKS SPACE FUNC;` names a machine space there",
                                space)
                  : fmt::format("machine space `{}` is not defined{}", space, suggest(space, globals)),
              fmt::format("define it as a global, e.g. `{} = Machine(GPU);`, or write the current form "
                          "`IndexTaskMap TASKS FUNC;` with `def FUNC(Task task)`",
                          space));
    return false;
  }

  void legacy_warning(const Stmt& s, const Stmt& def, MapForm form) {
    std::string tasks = selector_text(s.tasks);
    std::string call = upgraded_map_call(cx_.program, s, def);
    if (form == MapForm::SpaceFunction)
      cx_.warning("legacy.index-task-map-space", s.space.span,
                  fmt::format("`IndexTaskMap TASKS SPACE FUNC;` is the 2022 form: `{}` returns coordinates in `{}`; "
                              "the current form is `IndexTaskMap TASKS FUNC;` with `def FUNC(Task task)` returning a "
                              "processor",
                              def.name.name, s.space.name),
                  fmt::format("`mage fmt --upgrade` rewrites it as `def {0}_{1}(Task task) {{ return {2}; }}` and "
                              "`IndexTaskMap {3} {0}_{1};`",
                              def.name.name, s.space.name, call, tasks));
    else
      cx_.warning("legacy.index-map-point-function", s.func.span,
                  fmt::format("`{}` takes (IPoint, ISpace), the 2022 signature of a mapping function; the current "
                              "one is `def {}(Task task)`",
                              def.name.name, def.name.name),
                  fmt::format("`mage fmt --upgrade` rewrites it as `def {0}_task(Task task) {{ return {1}; }}` and "
                              "`IndexTaskMap {2} {0}_task;`",
                              def.name.name, call, tasks));
  }

  void mapping_function(const Stmt& s) {
    const char* kw = statement_keyword(s.kind);
    const std::string& name = s.func.name;
    if (has_legacy_space(s) && !legacy_space(s)) return;
    auto f = cx_.functions.find(name);
    if (f == cx_.functions.end()) {
      if (cx_.globals.count(name))
        cx_.error("static.not-a-function", s.func.span,
                  fmt::format("`{}` is a global value, not a function; `{}` needs a function", name, kw),
                  "define a function with `def NAME(Task task) { ... }` and name it here");
      else
        cx_.error("static.undefined-function", s.func.span,
                  fmt::format("function `{}` is not defined{}", name, suggest(name, cx_.function_names())),
                  fmt::format("define it with `def {}(Task task) {{ ... }}`", name));
      return;
    }
    cx_.used_functions.insert(name);
    const Stmt& def = *f->second;
    MapForm form = map_form(s, def);
    if (form == MapForm::Current) return;
    if (form == MapForm::SpaceFunction || form == MapForm::PointFunction) return legacy_warning(s, def, form);
    if (has_legacy_space(s)) {
      cx_.error("static.mapping-function-signature", s.func.span,
                fmt::format("`{}` takes ({}), but with a machine space (`IndexTaskMap TASKS SPACE FUNC;`, the 2022 "
                            "form) the function takes (IPoint p, ISpace s, MSpace m) and returns coordinates in `{}`",
                            name, params_text(def), s.space.name),
                has_params(def, {"Task"})
                    ? fmt::format("`{}` already has the current signature: drop the space, `{} {} {};`", name, kw,
                                  selector_text(s.tasks), name)
                    : fmt::format("change the definition at line {} to `def {}(IPoint p, ISpace s, MSpace m)`",
                                  def.name.span.begin.line, name));
      return;
    }
    if (s.kind == StmtKind::IndexTaskMap && has_params(def, {"IPoint", "ISpace", "MSpace"})) {
      cx_.error("static.mapping-function-signature", s.func.span,
                fmt::format("`{}` takes (IPoint, ISpace, MSpace), the 2022 signature, which needs the machine space in "
                            "the statement: `IndexTaskMap {} SPACE {};`",
                            name, selector_text(s.tasks), name),
                fmt::format("name the space the function's coordinates refer to, e.g. `IndexTaskMap {} m {};`, then "
                            "`mage fmt --upgrade` rewrites it into the current form `def {}(Task task)`",
                            selector_text(s.tasks), name, name));
      return;
    }
    cx_.error(
        "static.mapping-function-signature", s.func.span,
        fmt::format("`{}` takes ({}), but a function used by {} must take one `Task`: def {}(Task task)",
                    name, params_text(def), kw, name),
        fmt::format("change the definition at line {} to take one `Task`, or map with another function",
                    def.name.span.begin.line));
  }

  Context& cx_;
};

}  // namespace

void check_rules(Context& cx) { RulePass(cx).run(); }

}  // namespace mage::lang::check
