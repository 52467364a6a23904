#include "lang/upgrade.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "lang/builtins.hpp"
#include "lang/formatter.hpp"

namespace mage::lang {

bool has_params(const Stmt& def, std::initializer_list<const char*> types) {
  if (def.params.size() != types.size()) return false;
  std::size_t i = 0;
  for (const char* t : types)
    if (def.params[i++].type.name != t) return false;
  return true;
}

MapForm map_form(const Stmt& rule, const Stmt& def) {
  bool point_params = has_params(def, {"IPoint", "ISpace"});
  if (has_legacy_space(rule))
    return has_params(def, {"IPoint", "ISpace", "MSpace"}) || point_params ? MapForm::SpaceFunction
                                                                           : MapForm::Invalid;
  if (has_params(def, {"Task"})) return MapForm::Current;
  if (rule.kind == StmtKind::IndexTaskMap && point_params) return MapForm::PointFunction;
  return MapForm::Invalid;
}

namespace {

const Stmt* find_function(const Program& program, const std::string& name) {
  for (const Stmt& s : program.statements)
    if (s.kind == StmtKind::Def && s.name.name == name) return &s;
  return nullptr;
}

// A small static inference of what an expression gives, enough for the functions that 2022 rules name:
// they return a tuple literal, an arithmetic expression, or the result of another such function.
class ShapeInference {
 public:
  explicit ShapeInference(const Program& program) : program_(program) {}

  ReturnShape function(const Stmt& def) {
    if (active_.count(&def) || active_.size() > 16) return ReturnShape::Unknown;  // recursion
    active_.insert(&def);
    std::map<std::string, ReturnShape> vars;
    for (const Param& p : def.params) {
      const std::string& t = p.type.name;
      vars[p.name.name] = t == "int"                       ? ReturnShape::Integer
                          : t == "IPoint" || t == "ISpace" ? ReturnShape::Tuple
                                                           : ReturnShape::Other;
    }
    ReturnShape result = ReturnShape::Unknown;
    for (const Stmt& b : def.body) {
      if (b.kind == StmtKind::Assign) vars[b.name.name] = expr(*b.value, vars);
      if (b.kind == StmtKind::Return) {
        result = expr(*b.value, vars);
        break;
      }
    }
    active_.erase(&def);
    return result;
  }

 private:
  static ReturnShape arith(ReturnShape a, ReturnShape b) {
    if (a == ReturnShape::Tuple || b == ReturnShape::Tuple) return ReturnShape::Tuple;
    if (a == ReturnShape::Integer && b == ReturnShape::Integer) return ReturnShape::Integer;
    return ReturnShape::Unknown;
  }

  ReturnShape expr(const Expr& e, const std::map<std::string, ReturnShape>& vars) {
    switch (e.kind) {
      case ExprKind::Int: return ReturnShape::Integer;
      case ExprKind::Bool: return ReturnShape::Other;
      case ExprKind::Tuple:
      case ExprKind::Comprehension: return ReturnShape::Tuple;
      case ExprKind::Name: {
        auto v = vars.find(e.text);
        return v == vars.end() ? ReturnShape::Unknown : v->second;
      }
      case ExprKind::Unary:
        return e.op == Tok::Bang ? ReturnShape::Other : expr(*e.children[0], vars);
      case ExprKind::Binary: {
        bool arithmetic = e.op == Tok::Plus || e.op == Tok::Minus || e.op == Tok::Star || e.op == Tok::Slash ||
                          e.op == Tok::Percent;
        return arithmetic ? arith(expr(*e.children[0], vars), expr(*e.children[1], vars)) : ReturnShape::Other;
      }
      case ExprKind::Ternary: {
        ReturnShape a = expr(*e.children[1], vars);
        return a == expr(*e.children[2], vars) ? a : ReturnShape::Unknown;
      }
      case ExprKind::Index: {
        if (e.children.size() != 2) return ReturnShape::Other;  // a machine index of several components
        if (e.children[1]->kind == ExprKind::Slice) return ReturnShape::Tuple;
        ReturnShape base = expr(*e.children[0], vars);
        return base == ReturnShape::Tuple ? ReturnShape::Integer : base == ReturnShape::Other ? ReturnShape::Other
                                                                                                : ReturnShape::Unknown;
      }
      case ExprKind::Attribute: {
        const BuiltinInfo* b = find_builtin(e.text);
        if (!b) return ReturnShape::Unknown;
        switch (b->id) {
          case Builtin::Size: case Builtin::IPoint: case Builtin::ISpace: return ReturnShape::Tuple;
          case Builtin::Volume: case Builtin::Len: return ReturnShape::Integer;
          default: return ReturnShape::Other;
        }
      }
      case ExprKind::Call: {
        const Expr& callee = *e.children[0];
        if (callee.kind == ExprKind::Attribute) {
          const BuiltinInfo* b = find_builtin(callee.text);
          if (b && b->id == Builtin::Processor) return ReturnShape::Tuple;
          return ReturnShape::Other;  // transformations give spaces, `has` a boolean
        }
        if (callee.text == kMachineBuiltin) return ReturnShape::Other;
        const Stmt* def = find_function(program_, callee.text);
        return def ? function(*def) : ReturnShape::Unknown;
      }
      default: return ReturnShape::Unknown;
    }
  }

  const Program& program_;
  std::set<const Stmt*> active_;
};

std::string selector_text(const Selector& sel) {
  if (sel.wildcard) return "*";
  std::string out;
  for (const Ident& n : sel.names) out += (out.empty() ? "" : ", ") + n.name;
  return out;
}

}  // namespace

ReturnShape return_shape(const Program& program, const Stmt& def) { return ShapeInference(program).function(def); }

std::string upgraded_map_call(const Program& program, const Stmt& rule, const Stmt& def) {
  const std::string& f = def.name.name;
  if (!has_legacy_space(rule)) return fmt::format("{}(task.ipoint, task.ispace)", f);
  const std::string& m = rule.space.name;
  std::string call = def.params.size() == 3 ? fmt::format("{}(task.ipoint, task.ispace, {})", f, m)
                                            : fmt::format("{}(task.ipoint, task.ispace)", f);
  // An integer is the one coordinate of a 1-D space; a tuple (or what cannot be told) is unpacked.
  return return_shape(program, def) == ReturnShape::Integer ? fmt::format("{}[{}]", m, call)
                                                            : fmt::format("{}[*{}]", m, call);
}

UpgradeResult upgrade_program(const Program& program, const SourceFile& source) {
  UpgradeResult out;
  std::unordered_map<const Stmt*, StmtRewrite> rewrites;
  std::set<std::string> taken(program.symbols.begin(), program.symbols.end());
  std::map<std::pair<std::string, std::string>, std::string> wrappers;  // (space, function) -> wrapper
  // `InstanceLimit TASK KIND N;` for several kinds of the same tasks (or beside `InstanceLimit TASK N;`): the
  // current form has one limit, the smallest, written where the first of them was.
  std::set<std::string> with_kind;
  for (const Stmt& s : program.statements)
    if (has_limit_kind(s)) with_kind.insert(selector_text(s.tasks));
  std::map<std::string, const Stmt*> first_limit;
  std::map<std::string, std::int64_t> smallest;
  auto in_group = [&](const Stmt& s) {
    return s.kind == StmtKind::InstanceLimit && with_kind.count(selector_text(s.tasks)) > 0;
  };
  for (const Stmt& s : program.statements)
    if (in_group(s)) {
      first_limit.emplace(selector_text(s.tasks), &s);
      auto [it, fresh] = smallest.emplace(selector_text(s.tasks), s.number);
      if (!fresh) it->second = std::min(it->second, s.number);
    }
  for (const Stmt& s : program.statements) {
    if (in_group(s)) {
      std::string tasks = selector_text(s.tasks);
      std::string was = has_limit_kind(s)
                            ? fmt::format("`InstanceLimit {} {} {};`", tasks, s.proc.names.front().name, s.number)
                            : fmt::format("`InstanceLimit {} {};`", tasks, s.number);
      ++out.rewritten;
      if (first_limit.at(tasks) != &s) {
        rewrites[&s].replacement.clear();
        out.notes.push_back({s.span.begin.line, fmt::format("{} was merged into `InstanceLimit {} {};` at line {}: "
                                                            "the current form has one limit for every kind",
                                                            was, tasks, smallest.at(tasks),
                                                            first_limit.at(tasks)->span.begin.line)});
        continue;
      }
      rewrites[&s].replacement = fmt::format("InstanceLimit {} {};", tasks, smallest.at(tasks));
      out.notes.push_back({s.span.begin.line,
                           has_limit_kind(s)
                               ? fmt::format("{} became `InstanceLimit {} {};`: the limit now holds on every processor "
                                             "kind the task runs on, not only on {}",
                                             was, tasks, smallest.at(tasks), s.proc.names.front().name)
                               : fmt::format("{} became `InstanceLimit {} {};`, the smallest of the limits for `{}`",
                                             was, tasks, smallest.at(tasks), tasks)});
      continue;
    }
    if (s.kind != StmtKind::IndexTaskMap) continue;
    const Stmt* def = find_function(program, s.func.name);
    if (!def) continue;
    MapForm form = map_form(s, *def);
    if (form != MapForm::SpaceFunction && form != MapForm::PointFunction) continue;
    auto key = std::make_pair(s.space.name, def->name.name);
    StmtRewrite& r = rewrites[&s];
    auto known = wrappers.find(key);
    std::string name;
    if (known != wrappers.end()) {
      name = known->second;
    } else {
      std::string base = def->name.name + "_" + (s.space.name.empty() ? std::string("task") : s.space.name);
      name = base;
      for (int n = 2; taken.count(name); ++n) name = fmt::format("{}_{}", base, n);
      taken.insert(name);
      wrappers.emplace(key, name);
      r.definition = fmt::format("def {}(Task task) {{\n    return {};\n}}\n", name, upgraded_map_call(program, s, *def));
      if (has_legacy_space(s) && return_shape(program, *def) == ReturnShape::Unknown)
        out.notes.push_back({def->name.span.begin.line,
                             fmt::format("could not tell whether `{}` returns a tuple or an integer; `{}` unpacks it "
                                         "as a tuple (`{}[*...]`): if it returns an integer, write `{}[...]`",
                                         def->name.name, name, s.space.name, s.space.name)});
    }
    r.replacement = fmt::format("IndexTaskMap {} {};", selector_text(s.tasks), name);
    ++out.rewritten;
  }
  out.text = format_program(program, source, rewrites);
  return out;
}

}  // namespace mage::lang
