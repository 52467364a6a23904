#include "lang/ast.hpp"

#include <array>
#include <string_view>
#include <unordered_map>

#include "lang/builtins.hpp"
#include "lang/kinds.hpp"

namespace mage::lang {

const char* statement_keyword(StmtKind k) {
  switch (k) {
    case StmtKind::Task: return "Task";
    case StmtKind::Region: return "Region";
    case StmtKind::Layout: return "Layout";
    case StmtKind::InstanceLimit: return "InstanceLimit";
    case StmtKind::CollectMemory: return "CollectMemory";
    case StmtKind::IndexTaskMap: return "IndexTaskMap";
    case StmtKind::SingleTaskMap: return "SingleTaskMap";
    case StmtKind::ControlReplicate: return "ControlReplicate";
    case StmtKind::Assign: return "assignment";
    case StmtKind::Def: return "def";
    case StmtKind::Return: return "return";
    case StmtKind::Print: return "print";
  }
  return "";
}

bool is_rule_statement(StmtKind k) {
  switch (k) {
    case StmtKind::Task:
    case StmtKind::Region:
    case StmtKind::Layout:
    case StmtKind::InstanceLimit:
    case StmtKind::CollectMemory:
    case StmtKind::IndexTaskMap:
    case StmtKind::SingleTaskMap:
    case StmtKind::ControlReplicate: return true;
    default: return false;
  }
}

const char* to_string(LayoutWord w) {
  switch (w) {
    case LayoutWord::SOA: return "SOA";
    case LayoutWord::AOS: return "AOS";
    case LayoutWord::C_order: return "C_order";
    case LayoutWord::F_order: return "F_order";
    case LayoutWord::Align: return "Align";
    case LayoutWord::Compact: return "Compact";
    case LayoutWord::Exact: return "Exact";
  }
  return "";
}

namespace {

class Interner {
 public:
  explicit Interner(std::vector<std::string>& symbols) : symbols_(symbols) {
    for (std::size_t i = 0; i < symbols_.size(); ++i) ids_.emplace(symbols_[i], static_cast<std::int32_t>(i));
  }
  std::int32_t operator()(const std::string& name) {
    auto [it, fresh] = ids_.emplace(name, static_cast<std::int32_t>(symbols_.size()));
    if (fresh) symbols_.push_back(name);
    return it->second;
  }
  void expr(Expr& e) {
    if (e.kind == ExprKind::Name || e.kind == ExprKind::Comprehension) e.symbol = (*this)(e.text);
    if (e.kind == ExprKind::Attribute) {
      const BuiltinInfo* b = find_builtin(e.text);
      e.symbol = b ? static_cast<std::int32_t>(b - builtins().data()) : -1;
    }
    for (auto& c : e.children)
      if (c) expr(*c);
  }
  void stmt(Stmt& s) {
    if (s.kind == StmtKind::Assign || s.kind == StmtKind::Def) s.name.symbol = (*this)(s.name.name);
    if (s.kind == StmtKind::IndexTaskMap || s.kind == StmtKind::SingleTaskMap) s.func.symbol = (*this)(s.func.name);
    if (!s.space.name.empty()) s.space.symbol = (*this)(s.space.name);
    for (auto& p : s.params) p.name.symbol = (*this)(p.name.name);
    if (s.value) expr(*s.value);
    for (auto& a : s.args) expr(*a);
    for (auto& b : s.body) stmt(b);
  }

 private:
  std::vector<std::string>& symbols_;
  std::unordered_map<std::string, std::int32_t> ids_;
};

}  // namespace

void intern_symbols(Program& program) {
  Interner intern(program.symbols);
  for (auto& s : program.statements) intern.stmt(s);
}

bool is_type_name(const std::string& name) {
  static constexpr std::array<std::string_view, 6> kTypes = {"int", "bool", "IPoint", "ISpace", "MSpace", "Task"};
  for (auto t : kTypes)
    if (t == name) return true;
  return false;
}

bool is_proc_kind_name(const std::string& name) { return parse_proc_kind(name).has_value(); }
bool is_mem_kind_name(const std::string& name) { return parse_mem_kind(name).has_value(); }

bool is_reserved_word(const std::string& name) {
  static constexpr std::array<std::string_view, 24> kWords = {
      "Task",  "Region", "Layout", "InstanceLimit", "CollectMemory", "IndexTaskMap", "SingleTaskMap",
      "ControlReplicate", "def", "return", "print", "tuple", "for", "in", "True", "False", "Machine",
      "SOA", "AOS", "C_order", "F_order", "Compact", "Exact", "Align"};
  for (auto w : kWords)
    if (w == name) return true;
  return is_type_name(name) || is_proc_kind_name(name) || is_mem_kind_name(name);
}

}  // namespace mage::lang
