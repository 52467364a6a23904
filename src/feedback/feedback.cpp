// Facts from outcomes, rule evaluation, and the three-part text.
#include "feedback/feedback.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <regex>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lang/checker.hpp"
#include "model/machine_model.hpp"

namespace mage::feedback {

namespace {

using lang::Stmt;
using lang::StmtKind;

constexpr std::size_t kShownDiagnostics = 5;  // in the system part
constexpr std::size_t kExplainedDiagnostics = 3;
constexpr std::size_t kListedNames = 3;

std::string percent(double share) { return fmt::format("{:.0f}%", 100 * share); }
std::string backticked(std::string_view name) { return fmt::format("`{}`", name); }

// The name between backticks that follows `after` in `text` ("task `" finds the task's name).
std::optional<std::string> quoted_after(std::string_view text, std::string_view after) {
  auto at = text.find(after);
  if (at == std::string_view::npos) return std::nullopt;
  at += after.size();
  if (!after.ends_with('`')) {
    at = text.find('`', at);
    if (at == std::string_view::npos) return std::nullopt;
    ++at;
  }
  auto end = text.find('`', at);
  if (end == std::string_view::npos || end == at) return std::nullopt;
  return std::string(text.substr(at, end - at));
}

// The last name between backticks that ends before `pos`.
std::optional<std::string> last_quoted_before(std::string_view text, std::size_t pos) {
  auto close = text.rfind('`', pos == 0 ? 0 : pos - 1);
  if (close == std::string_view::npos || close == 0) return std::nullopt;
  auto open = text.rfind('`', close - 1);
  if (open == std::string_view::npos || close == open + 1) return std::nullopt;
  return std::string(text.substr(open + 1, close - open - 1));
}

// The first of `kinds` that stands alone as a word in `text`.
template <class Kinds>
std::optional<std::string> kind_word(std::string_view text, const Kinds& kinds) {
  std::optional<std::string> best;
  std::size_t best_at = std::string_view::npos;
  for (auto k : kinds) {
    std::string_view w = to_string(k);
    for (auto at = text.find(w); at != std::string_view::npos; at = text.find(w, at + 1)) {
      bool left = at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]));
      bool right =
          at + w.size() == text.size() || !std::isalnum(static_cast<unsigned char>(text[at + w.size()]));
      if (left && right) {
        if (at < best_at) best = std::string(w), best_at = at;
        break;
      }
    }
  }
  return best;
}

// "n0.gpu3" -> GPU; utility processors and unknown names have no kind.
std::optional<ProcKind> kind_of_processor(std::string_view name) {
  auto dot = name.find('.');
  std::string word;
  for (char c : name.substr(dot == std::string_view::npos ? 0 : dot + 1))
    if (std::isalpha(static_cast<unsigned char>(c))) word += static_cast<char>(std::toupper(c));
  return parse_proc_kind(word);
}

// "n0.fbmem3" -> "FBMEM of n0.gpu3": a framebuffer is named after its GPU.
std::string describe_memory(const std::string& name) {
  static const std::regex fb(R"(n(\d+)\.fbmem(\d+))");
  std::smatch m;
  if (std::regex_match(name, m, fb)) return fmt::format("FBMEM of n{}.gpu{}", m[1].str(), m[2].str());
  return name;
}

const char* memory_description(MemKind m) {
  switch (m) {
    case MemKind::FBMEM: return "a GPU memory (one GPU's framebuffer)";
    case MemKind::SYSMEM: return "the host's system memory";
    case MemKind::ZCMEM: return "host memory pinned for GPU access (zero-copy)";
    case MemKind::SOCKMEM: return "one socket's host memory";
    case MemKind::RDMEM: return "host memory registered for network transfers";
    case MemKind::VIRTUAL: return "a placeholder without storage";
  }
  return "a memory";
}

const char* addressable_by(std::optional<ProcKind> p) {
  if (!p) return "a memory its processor kind can address";
  return *p == ProcKind::GPU ? "FBMEM or ZCMEM" : "SYSMEM, SOCKMEM or ZCMEM";
}

// Where instances could go instead when a memory of this kind fills up.
const char* roomier_than(MemKind m) {
  switch (m) {
    case MemKind::FBMEM: return "ZCMEM";
    case MemKind::ZCMEM: return "FBMEM or SYSMEM";
    case MemKind::SOCKMEM: return "SYSMEM";
    default: return "SOCKMEM or ZCMEM";
  }
}

std::string list_names(const std::vector<std::string>& names, bool quote) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < kListedNames; ++i)
    out += (i ? ", " : "") + (quote ? backticked(names[i]) : names[i]);
  if (names.size() > kListedNames) out += fmt::format(" and {} more", names.size() - kListedNames);
  return out;
}

// ---- which statement decides (the policy's precedence, dsl.md §2) -----------------------------------

struct Query {
  StmtKind kind;
  std::string task;
  std::string region;            // empty: any
  std::optional<ProcKind> proc;  // unknown: any
};

bool contains(const lang::Selector& s, std::string_view name) {
  return std::any_of(s.names.begin(), s.names.end(), [&](const lang::Ident& n) { return n.name == name; });
}

bool applies(const Stmt& s, const Query& q) {
  if (s.kind != q.kind) return false;
  bool map_rule = s.kind == StmtKind::IndexTaskMap || s.kind == StmtKind::SingleTaskMap;
  if (auto k = lang::kind_selector(s.tasks); map_rule && k) {
    if (q.proc && *k != *q.proc) return false;
  } else if (!s.tasks.wildcard && !contains(s.tasks, q.task)) {
    return false;
  }
  bool has_region =
      s.kind == StmtKind::Region || s.kind == StmtKind::Layout || s.kind == StmtKind::CollectMemory;
  if (has_region && !q.region.empty() && !s.region.wildcard && !s.region.index &&
      !contains(s.region, q.region))
    return false;
  bool has_proc = s.kind == StmtKind::Region || s.kind == StmtKind::Layout;
  if (has_proc && q.proc && !s.proc.wildcard && !s.proc.names.empty()) {
    const std::string& k = s.proc.names.front().name;
    if (auto pk = parse_proc_kind(k); pk && *pk != *q.proc) return false;
  }
  return true;
}

const Stmt* decides(const lang::Program* program, const Query& q) {
  if (!program) return nullptr;
  const Stmt* best = nullptr;
  for (const Stmt& s : program->statements)
    if (applies(s, q) && (!best || lang::specificity(s) >= lang::specificity(*best))) best = &s;
  return best;
}

std::string rule_at(const Stmt& s) {
  return fmt::format("the `{}` rule at line {}", lang::statement_keyword(s.kind), s.span.begin.line);
}

std::string region_edit(const lang::Program* p, const std::string& task, const std::string& region,
                        std::optional<ProcKind> proc) {
  if (!p) return "edit the `Region` rule that places it";
  if (const Stmt* s = decides(p, {StmtKind::Region, task, region, proc})) return "edit " + rule_at(*s);
  return "add a `Region` rule: none covers this argument now";
}

std::string index_edit(const lang::Program* p, const std::string& task, std::optional<ProcKind> proc) {
  if (!p) return fmt::format("edit the `IndexTaskMap` function of `{}`", task);
  if (const Stmt* s = decides(p, {StmtKind::IndexTaskMap, task, "", proc}))
    return fmt::format("edit function `{}` of {}", s->func.name, rule_at(*s));
  return fmt::format("add an `IndexTaskMap` rule for `{}`: the default mapping decides now", task);
}

std::string task_edit(const lang::Program* p, const std::string& task) {
  if (!p) return fmt::format("edit the `Task` rule of `{}`", task);
  if (const Stmt* s = decides(p, {StmtKind::Task, task, "", std::nullopt})) return "edit " + rule_at(*s);
  return "add a `Task` rule: the default order GPU, OMP, CPU decides now";
}

// A `Task` rule that keeps `task` off the GPUs: it lists `kind` before GPU, or not GPU at all.
bool kept_off_gpus(const lang::Program* p, const std::string& task, ProcKind kind) {
  if (!p) return true;
  const Stmt* s = decides(p, {StmtKind::Task, task, "", std::nullopt});
  if (!s) return false;  // the default puts GPU first: the task has no GPU variant
  for (const auto& k : s->kinds) {
    if (k.name == "GPU") return false;
    if (k.name == to_string(kind)) return true;
  }
  return true;
}

// The statement whose text holds `offset`.
const Stmt* statement_at(const lang::Program* p, std::uint32_t offset) {
  if (!p) return nullptr;
  for (const Stmt& s : p->statements)
    if (s.span.begin.offset <= offset && offset < s.end_offset) return &s;
  return nullptr;
}

// ---- facts of one diagnostic ------------------------------------------------------------------------

// " (line 3: `the line`)", " (app.toml line 3)", or nothing for a diagnostic without a position.
std::string where_of(const lang::Diagnostic& d, const lang::SourceFile* source) {
  bool positioned = d.span.begin.valid();
  if (!d.file.empty())
    return positioned ? fmt::format(" ({} line {})", d.file, d.span.begin.line) : " (" + d.file + ")";
  if (!positioned) return "";
  if (source) {
    std::string_view text = source->line(d.span.begin.line);
    auto first = text.find_first_not_of(" \t");
    text = first == std::string_view::npos ? std::string_view{} : text.substr(first);
    if (text.size() > 80) return fmt::format(" (line {}: `{}...`)", d.span.begin.line, text.substr(0, 77));
    return fmt::format(" (line {}: `{}`)", d.span.begin.line, text);
  }
  return fmt::format(" (line {})", d.span.begin.line);
}

void out_of_memory_facts(const std::string& message, Facts& f) {
  static const std::regex oom(
      R"(instance of `([^`]+)`.*? for (.+) needs (.+) in (\S+), which has (.+) of (.+) in use)");
  std::smatch m;
  if (!std::regex_search(message, m, oom)) return;
  f.vars["region_id"] = m[1].str();
  f.vars["point"] = m[2].str();
  f.vars["task_id"] = m[2].str().substr(0, m[2].str().find(' '));
  f.vars["need"] = m[3].str();
  f.vars["memory"] = m[4].str();
  f.vars["in_use"] = m[5].str();
  f.vars["capacity"] = m[6].str();
}

Facts diagnostic_facts(const lang::Diagnostic& d, const lang::SourceFile* source,
                       const lang::Program* program) {
  Facts f;
  f.code = d.code;
  f.category = d.category;
  f.message = d.message;
  std::string notes;
  for (const auto& n : d.notes) notes += n + "\n";
  const std::string all = d.message + "\n" + d.hint + "\n" + notes;
  auto& v = f.vars;
  v["message"] = d.message;
  v["hint"] = d.hint.empty() ? "see the message" : d.hint;
  v["where"] = where_of(d, source);
  v["consequence"] = d.severity == lang::Severity::Error ? "the checker rejects the program"
                                                         : "the program runs, but the checker warns";

  // The name the message is about: the one a "did you mean" corrects, or else the first quoted.
  auto candidate = quoted_after(d.message, "did you mean `");
  f.has_candidate = candidate.has_value();
  auto name = candidate ? last_quoted_before(d.message, d.message.find("did you mean `"))
                        : quoted_after(d.message, "`");
  v["finding"] = candidate ? d.message.substr(0, d.message.find("; did you mean")) : d.message;
  v["name"] = name ? backticked(*name) : "the name";
  v["name_id"] = name.value_or("NAME");
  v["candidate"] = candidate.value_or("");
  v["fix"] = candidate && name ? fmt::format("write `{}` instead of `{}`", *candidate, *name) : v["hint"];

  // The task and region the message is about; planner notes name the point being mapped.
  std::optional<std::string> task = quoted_after(d.message, "task `");
  if (!task) task = quoted_after(notes, "task `");
  static const std::regex mapping_note(R"(while mapping (\w+) )");
  std::smatch m;
  if (!task && std::regex_search(notes, m, mapping_note)) task = m[1].str();
  std::optional<std::string> region = quoted_after(d.message, "region `");
  if (!region) region = quoted_after(d.message, "(`");
  v["task_id"] = task.value_or("TASK");
  v["region_id"] = region.value_or("REGION");
  if (d.code == "mapping.out-of-memory") out_of_memory_facts(d.message, f);

  std::optional<std::string> proc = kind_word(d.message, kAllProcKinds);
  static const std::regex processor_name(R"(\bn\d+\.([a-z]+)\d+\b)");
  if (!proc && std::regex_search(d.message, m, processor_name)) {
    std::string word = m[1].str();
    std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::toupper(c); });
    if (parse_proc_kind(word)) proc = word;
  }
  std::optional<std::string> mem = kind_word(d.message, kAllMemKinds);
  std::optional<ProcKind> proc_kind = proc ? parse_proc_kind(*proc) : std::nullopt;
  if (!proc_kind && mem == "FBMEM" && d.code == "mapping.out-of-memory") proc_kind = ProcKind::GPU;
  v["proc"] = proc.value_or("processor");
  v["mem"] = mem.value_or("this memory");
  v["mem_desc"] = mem ? memory_description(*parse_mem_kind(*mem)) : "a memory this processor cannot reach";
  v["addressable"] = addressable_by(proc_kind);

  // The function, and the rule that used it, of an evaluation error.
  auto function = quoted_after(all, "function `");
  v["function"] = function ? backticked(*function) : "the mapping function";
  static const std::regex used_by(R"(is used by (the `\w+` rule at line \d+))");
  v["map_rule"] = std::regex_search(notes, m, used_by) ? m[1].str() : "the rule that uses it";
  static const std::regex overrider(R"(the rule at line \d+)");
  v["overrider"] = std::regex_search(d.message, m, overrider) ? m[0].str() : "the rule that overrides it";

  // The statement to edit: one the message names, the one that decides, or the diagnostic's own line.
  static const std::regex named_rule(R"(the `\w+` rule at line (\d+))");
  const std::string message_and_hint = d.message + "\n" + d.hint;
  const Stmt* located = nullptr;
  if (d.code == "mapping.memory-not-addressable" || d.code == "mapping.out-of-memory")
    located = decides(program, {StmtKind::Region, v["task_id"],
                                v["region_id"] == "REGION" ? "" : v["region_id"], proc_kind});
  else if (d.code == "mapping.no-usable-variant")
    located = decides(program, {StmtKind::Task, v["task_id"], "", std::nullopt});
  if (!located && d.span.begin.valid()) located = statement_at(program, d.span.begin.offset);
  if (std::regex_search(message_and_hint, m, named_rule))
    v["at"] = " at line " + m[1].str();
  else if (located)
    v["at"] = fmt::format(" at line {}", located->span.begin.line);
  else if (d.span.begin.valid() && d.file.empty())
    v["at"] = fmt::format(" at line {}", d.span.begin.line);
  else
    v["at"] = "";

  if (d.code == "mapping.out-of-memory") {
    v["memory_desc"] = describe_memory(v.count("memory") ? v["memory"] : "its memory");
    v["region_edit"] = region_edit(program, v["task_id"], v["region_id"], proc_kind);
    v["index_edit"] = index_edit(program, v["task_id"], proc_kind);
    for (const char* k : {"point", "need", "in_use", "capacity"})
      if (!v.count(k)) v[k] = "?";
  }
  v["task"] = task || v["task_id"] != "TASK" ? backticked(v["task_id"]) : "the task";
  v["region"] = region || v["region_id"] != "REGION" ? backticked(v["region_id"]) : "the region";

  // A stalled simulation: the tightest InstanceLimit is the likeliest cause.
  const Stmt* limit = nullptr;
  if (program)
    for (const Stmt& s : program->statements)
      if (s.kind == StmtKind::InstanceLimit && (!limit || s.number < limit->number)) limit = &s;
  f.instance_limited = limit != nullptr;
  v["limit_rule"] = limit ? rule_at(*limit) : "the `InstanceLimit` rule";
  return f;
}

// The engine knows exactly which instance did not fit, and where: better than reading the message.
void engine_oom_facts(const sim::OutOfMemory& oom, const sim::Plan& plan, const lang::Program* program,
                      Facts& f) {
  auto& v = f.vars;
  auto memory = static_cast<std::size_t>(oom.memory);
  if (memory < plan.platform.memories.size())
    v["memory_desc"] = describe_memory(plan.platform.memories[memory].name);
  v["need"] = model::format_bytes(static_cast<std::int64_t>(oom.requested));
  v["in_use"] = model::format_bytes(static_cast<std::int64_t>(oom.in_use));
  v["capacity"] = model::format_bytes(static_cast<std::int64_t>(oom.capacity));
  f.piece_too_large = oom.requested > oom.capacity;
  auto t = static_cast<std::size_t>(oom.task);
  if (t >= plan.graph.tasks.size() || t >= plan.tasks.size()) return;
  const sim::TaskPlan& tp = plan.tasks[t];
  v["point"] = plan.graph.tasks[t].label;
  v["task_id"] = plan.graph.tasks[t].name;
  v["task"] = backticked(v["task_id"]);
  for (const auto& a : tp.args)
    if (a.memory == memory && static_cast<std::uint64_t>(a.bytes) == oom.requested) {
      v["region_id"] = a.region;
      v["region"] = backticked(a.region);
    }
  v["region_edit"] = region_edit(program, v["task_id"], v["region_id"], tp.kind);
  v["index_edit"] = index_edit(program, v["task_id"], tp.kind);
}

// ---- facts of one completed simulation --------------------------------------------------------------

// A processor's load in the timed steps, in seconds of work: tasks without work (placement or control
// tasks) are left out, so a processor that only launches them counts as idle.
struct ProcLoad {
  std::string name;
  ProcKind kind = ProcKind::CPU;
  int tasks = 0;           // tasks with work
  double work = 0;         // s
  double utilization = 0;  // work / the timed window
};

// Every application processor of the machine, with the load of those that ran tasks.
std::vector<ProcLoad> processor_loads(const sim::SimResult& r) {
  const double window = r.step_time * static_cast<double>(r.steps);
  auto load = [&](const sim::ProcessorUse& p) {
    return ProcLoad{p.name, p.kind, p.work_tasks, p.work, window > 0 ? p.work / window : 0};
  };
  std::vector<ProcLoad> out;
  if (r.plan.platform.processors.empty()) {
    for (const auto& p : r.processors) out.push_back(load(p));
    return out;
  }
  std::unordered_map<std::string_view, const sim::ProcessorUse*> used;
  for (const auto& p : r.processors) used.emplace(p.name, &p);
  for (const auto& p : r.plan.platform.processors) {
    if (auto it = used.find(p.name); it != used.end())
      out.push_back(load(*it->second));
    else if (auto k = kind_of_processor(p.name))
      out.push_back({p.name, *k, 0, 0, 0});
  }
  return out;
}

// The kind of the first point task of `task` in the plan.
std::optional<ProcKind> kind_of_task(const sim::Plan& plan, const std::string& task) {
  for (std::size_t i = 0; i < plan.tasks.size() && i < plan.graph.tasks.size(); ++i)
    if (plan.graph.tasks[i].name == task) return plan.tasks[i].kind;
  return std::nullopt;
}

void critical_path_facts(const sim::SimResult& r, Facts& f) {
  const auto& c = r.critical;
  double total = c.compute + c.copies + c.runtime + c.waits;
  if (total > 0) {
    f.compute_share = c.compute / total;
    f.copies_share = c.copies / total;
    f.runtime_share = c.runtime / total;
  }
  f.vars["compute_pct"] = percent(f.compute_share);
  f.vars["copies_pct"] = percent(f.copies_share);
  f.vars["runtime_pct"] = percent(f.runtime_share);
}

void copy_facts(const sim::SimResult& r, const lang::Program* program, Facts& f) {
  auto& v = f.vars;
  const sim::CopyGroup* top = nullptr;
  for (const auto& g : r.copies)
    if (!top || g.seconds > top->seconds) top = &g;
  f.has_copy = top != nullptr;
  if (!top) return;
  f.copy_from = top->from;
  f.copy_to = top->to;
  v["region"] = backticked(top->region);
  v["task"] = backticked(top->task);
  v["from"] = to_string(top->from);
  v["to"] = to_string(top->to);
  v["copy_count"] = std::to_string(top->count);
  v["copy_bytes"] = model::format_bytes(static_cast<std::int64_t>(top->bytes));
  v["copy_time"] = model::format_seconds(top->seconds);
  auto kind = kind_of_task(r.plan, top->task);
  v["copy_region_edit"] = region_edit(program, top->task, top->region, kind);
  v["copy_index_edit"] = index_edit(program, top->task, kind);
}

void load_facts(const sim::SimResult& r, const std::vector<ProcLoad>& loads, const lang::Program* program,
                Facts& f) {
  auto& v = f.vars;
  // The kind that did most work in the timed steps.
  std::optional<ProcKind> main;
  double most = 0;
  for (ProcKind k : kAllProcKinds) {
    double w = 0;
    for (const auto& p : loads) w += p.kind == k ? p.work : 0;
    if (w > most) most = w, main = k;
  }
  v["kind"] = "processor";
  v["kind_processors"] = "0";
  v["util_range"] = "0%";
  v["main_task"] = "the main task";
  v["main_task_id"] = "TASK";
  v["task_edit"] = "the `Task` rule";
  if (!main) return;
  std::vector<const ProcLoad*> of_kind;
  for (const auto& p : loads)
    if (p.kind == *main) of_kind.push_back(&p);
  f.kind_processors = static_cast<int>(of_kind.size());
  f.kind_work = most;
  const ProcLoad* idle = of_kind.front();
  f.min_utilization = 1;
  for (const ProcLoad* p : of_kind) {
    f.kind_tasks += p->tasks;
    f.max_tasks = std::max(f.max_tasks, p->tasks);
    f.max_work = std::max(f.max_work, p->work);
    if (p->work < idle->work) idle = p;
    f.min_utilization = std::min(f.min_utilization, p->utilization);
    f.max_utilization = std::max(f.max_utilization, p->utilization);
  }
  // The processors with more work than average, and their share of it.
  double mean = f.kind_work / f.kind_processors;
  std::vector<std::string> heavy;
  int heavy_tasks = 0;
  double heavy_work = 0;
  for (const ProcLoad* p : of_kind)
    if (p->work > mean) heavy.push_back(p->name), heavy_tasks += p->tasks, heavy_work += p->work;
  v["kind"] = to_string(*main);
  v["kind_processors"] = std::to_string(f.kind_processors);
  v["kind_tasks"] = std::to_string(f.kind_tasks);
  v["kind_work_s"] = model::format_seconds(f.kind_work);
  v["idle_proc"] = idle->name;
  v["idle_pct"] = percent(std::clamp(1 - idle->utilization, 0.0, 1.0));
  v["heavy_procs"] = list_names(heavy, false);
  v["heavy_count"] = std::to_string(heavy.size());
  v["heavy_tasks"] = std::to_string(heavy_tasks);
  v["heavy_work_s"] = model::format_seconds(heavy_work);
  v["heavy_work"] = percent(f.kind_work > 0 ? heavy_work / f.kind_work : 0);
  v["util_range"] = f.min_utilization == f.max_utilization
                        ? percent(f.min_utilization)
                        : fmt::format("{}–{}", percent(f.min_utilization), percent(f.max_utilization));

  // The task with most work on that kind in the timed steps, and how many points it has in one step.
  const auto& plan = r.plan;
  const std::size_t first_timed = sim::first_timed_task(plan.graph);
  auto counted = [&](std::size_t i) {
    return i >= first_timed && plan.tasks[i].kind == *main && sim::has_work(plan.tasks[i]);
  };
  std::map<std::string, double> per_task;
  for (std::size_t i = 0; i < plan.tasks.size() && i < plan.graph.tasks.size(); ++i)
    if (counted(i)) per_task[plan.graph.tasks[i].name] += plan.graph.tasks[i].compute_seconds;
  std::string task;
  double task_work = 0;
  for (const auto& [name, w] : per_task)
    if (w > task_work) task = name, task_work = w;
  if (task.empty()) {
    v["index_edit"] = fmt::format("edit the `IndexTaskMap` function of the main {} task", to_string(*main));
    return;
  }
  std::optional<int> first_step;
  for (std::size_t i = 0; i < plan.tasks.size() && i < plan.graph.tasks.size(); ++i) {
    if (plan.graph.tasks[i].name != task || !counted(i)) continue;
    if (!first_step) first_step = plan.tasks[i].step;
    if (plan.tasks[i].step == *first_step) ++f.points_per_step;
  }
  v["main_task"] = backticked(task);
  v["main_task_id"] = task;
  v["points_per_step"] = std::to_string(f.points_per_step);
  v["idle_count"] = std::to_string(std::max(0, f.kind_processors - f.points_per_step));
  v["index_edit"] = index_edit(program, task, main);
  v["task_edit"] = task_edit(program, task);
}

void host_facts(const sim::SimResult& r, const std::vector<ProcLoad>& loads, const lang::Program* program,
                Facts& f) {
  auto& v = f.vars;
  double gpu_utilization = 0;
  for (const auto& p : loads)
    if (p.kind == ProcKind::GPU) ++f.gpus, gpu_utilization += p.utilization;
  f.gpu_utilization = f.gpus ? gpu_utilization / f.gpus : 0;
  v["gpus"] = std::to_string(f.gpus);
  v["gpu_pct"] = percent(f.gpu_utilization);
  std::vector<std::string> names;
  std::map<ProcKind, int> per_kind;
  std::map<std::pair<std::string_view, ProcKind>, bool> kept;  // one rule lookup per task and kind
  const auto& plan = r.plan;
  for (std::size_t i = 0; i < plan.tasks.size() && i < plan.graph.tasks.size(); ++i) {
    ProcKind k = plan.tasks[i].kind;
    const std::string& name = plan.graph.tasks[i].name;
    if (k != ProcKind::CPU && k != ProcKind::OMP) continue;
    auto [it, fresh] = kept.emplace(std::make_pair(std::string_view(name), k), false);
    if (fresh) it->second = kept_off_gpus(program, name, k);
    if (!it->second) continue;
    ++f.host_tasks;
    ++per_kind[k];
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  if (names.empty()) return;
  ProcKind host = per_kind[ProcKind::OMP] > per_kind[ProcKind::CPU] ? ProcKind::OMP : ProcKind::CPU;
  v["host_kind"] = to_string(host);
  v["host_tasks"] = std::to_string(f.host_tasks);
  v["host_task_list"] = list_names(names, true);
  v["host_task_id"] = names.front();
  v["host_task_edit"] = task_edit(program, names.front());
}

void zero_copy_facts(const sim::SimResult& r, const lang::Program* program, Facts& f) {
  const auto& plan = r.plan;
  double gpu_busy = 0, zc_busy = 0;
  std::map<std::pair<std::string, std::string>, double> per_arg;  // (task, region) -> busy
  for (std::size_t i = 0; i < plan.tasks.size() && i < plan.graph.tasks.size(); ++i) {
    if (plan.tasks[i].kind != ProcKind::GPU) continue;
    double busy = plan.graph.tasks[i].compute_seconds;
    gpu_busy += busy;
    bool zero_copy = false;
    for (const auto& a : plan.tasks[i].args)
      if (a.memory_kind == MemKind::ZCMEM)
        per_arg[{plan.graph.tasks[i].name, a.region}] += busy, zero_copy = true;
    if (zero_copy) zc_busy += busy;
  }
  if (per_arg.empty() || gpu_busy <= 0) return;
  f.zero_copy_share = zc_busy / gpu_busy;
  auto top = std::max_element(per_arg.begin(), per_arg.end(),
                              [](const auto& a, const auto& b) { return a.second < b.second; });
  const auto& [task, region] = top->first;
  f.vars["zc_task"] = backticked(task);
  f.vars["zc_task_id"] = task;
  f.vars["zc_region"] = backticked(region);
  f.vars["zc_region_id"] = region;
  f.vars["zc_pct"] = percent(f.zero_copy_share);
  f.vars["zc_region_edit"] = region_edit(program, task, region, ProcKind::GPU);
}

void memory_facts(const sim::SimResult& r, const lang::Program* program, Facts& f) {
  const sim::MemoryUse* full = nullptr;
  for (const auto& m : r.memories) {
    if (m.capacity == 0) continue;
    double fill = static_cast<double>(m.peak) / static_cast<double>(m.capacity);
    if (fill > f.memory_fill) f.memory_fill = fill, full = &m;
  }
  if (!full) return;
  auto& v = f.vars;
  v["full_memory"] = describe_memory(full->name);
  v["fill_pct"] = percent(f.memory_fill);
  v["peak"] = model::format_bytes(static_cast<std::int64_t>(full->peak));
  v["capacity"] = model::format_bytes(static_cast<std::int64_t>(full->capacity));
  v["roomier"] = roomier_than(full->kind);
  // The largest argument instance in that memory.
  const auto& plan = r.plan;
  const auto& memories = plan.platform.memories;
  auto id =
      std::find_if(memories.begin(), memories.end(), [&](const auto& m) { return m.name == full->name; });
  const sim::ArgPlan* biggest = nullptr;
  std::size_t owner = 0;
  for (std::size_t i = 0; i < plan.tasks.size() && i < plan.graph.tasks.size(); ++i)
    for (const auto& a : plan.tasks[i].args)
      if (id != memories.end() && a.memory == static_cast<std::size_t>(id - memories.begin()) &&
          (!biggest || a.bytes > biggest->bytes))
        biggest = &a, owner = i;
  if (!biggest) {
    v["full_region"] = "the regions placed there";
    v["full_region_id"] = "REGION";
    v["full_task_id"] = "TASK";
    v["full_region_edit"] = "the `Region` rules that place them";
    return;
  }
  const std::string& task = plan.graph.tasks[owner].name;
  v["full_region"] = backticked(biggest->region);
  v["full_region_id"] = biggest->region;
  v["full_task_id"] = task;
  v["full_region_edit"] = region_edit(program, task, biggest->region, plan.tasks[owner].kind);
}

void runtime_facts(const sim::SimResult& r, const lang::Program* program, Facts& f) {
  std::size_t tasks = r.plan.graph.tasks.size();
  double busy = 0;
  for (const auto& t : r.plan.graph.tasks) busy += t.compute_seconds;
  if (tasks == 0)
    for (const auto& p : r.processors) tasks += static_cast<std::size_t>(p.tasks), busy += p.busy;
  f.nodes = std::max(1, r.plan.platform.nodes);
  if (program)
    f.replicated = std::any_of(program->statements.begin(), program->statements.end(),
                               [](const Stmt& s) { return s.kind == StmtKind::ControlReplicate; });
  f.vars["nodes"] = std::to_string(f.nodes);
  f.vars["task_count"] = std::to_string(tasks);
  f.vars["mean_task"] = model::format_seconds(tasks ? busy / static_cast<double>(tasks) : 0);
  f.vars["overhead"] = model::format_seconds(r.plan.platform.runtime_overhead);
}

Facts performance_facts(const sim::SimResult& r, const lang::Program* program) {
  Facts f;
  f.outcome = Outcome::Performance;
  critical_path_facts(r, f);
  copy_facts(r, program, f);
  std::vector<ProcLoad> loads = processor_loads(r);
  load_facts(r, loads, program, f);
  host_facts(r, loads, program, f);
  zero_copy_facts(r, program, f);
  memory_facts(r, program, f);
  runtime_facts(r, program, f);
  return f;
}

// ---- evaluation ---------------------------------------------------------------------------------------

struct Said {
  std::string explain, suggest;
};

// The rules of `facts.outcome` in order; diagnostics stop at the first that applies.
std::vector<Said> evaluate(Facts& facts) {
  std::vector<Said> out;
  for (const Rule& rule : rules()) {
    if (rule.outcome != facts.outcome || !rule.when(facts)) continue;
    facts.fired.emplace_back(rule.id);
    out.push_back({fill(rule.explain, facts.vars), fill(rule.suggest, facts.vars)});
    if (facts.outcome == Outcome::Diagnostic) break;
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  if (items.size() == 1) return items.front();
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "- " : "\n- ") + s;
  return out;
}

void compose(Feedback& fb, const std::vector<Said>& said) {
  std::vector<std::string> explain, suggest;
  for (const auto& s : said) explain.push_back(s.explain), suggest.push_back(s.suggest);
  fb.explain = join(explain);
  fb.suggest = join(suggest);
}

std::string trimmed(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// The raw diagnostic, without its hint: the suggestion carries it.
std::string system_text(const lang::Diagnostic& d, const lang::SourceFile* source) {
  lang::Diagnostic raw = d;
  raw.hint.clear();
  return trimmed(lang::render_text(raw, source));
}

}  // namespace

Feedback from_diagnostics(const lang::Diagnostics& diags, const lang::SourceFile* source) {
  Feedback fb;
  std::vector<const lang::Diagnostic*> picked;
  for (lang::Severity s : {lang::Severity::Error, lang::Severity::Warning})
    for (const auto& d : diags.all())
      if (d.severity == s) picked.push_back(&d);
  if (picked.empty()) {
    Facts facts;
    fb.system = "no errors or warnings";
    compose(fb, evaluate(facts));
    fb.fired = facts.fired;
    return fb;
  }
  std::vector<std::string> shown;
  for (std::size_t i = 0; i < picked.size() && i < kShownDiagnostics; ++i)
    shown.push_back(system_text(*picked[i], source));
  std::size_t hidden = picked.size() - shown.size() + diags.dropped();
  fb.system =
      fmt::format("{} error{}, {} warning{}\n", diags.error_count(), diags.error_count() == 1 ? "" : "s",
                  diags.warning_count(), diags.warning_count() == 1 ? "" : "s");
  for (const auto& s : shown) fb.system += s + "\n";
  if (hidden > 0) fb.system += fmt::format("... and {} more", hidden);
  fb.system = trimmed(fb.system);

  // One explanation per kind of problem: the same rule on two lines says the same thing.
  std::vector<Said> said;
  for (const auto* d : picked) {
    if (said.size() == kExplainedDiagnostics) break;
    Facts facts = diagnostic_facts(*d, source, nullptr);
    auto out = evaluate(facts);
    if (out.empty() || std::find(fb.fired.begin(), fb.fired.end(), facts.fired.front()) != fb.fired.end())
      continue;
    fb.fired.push_back(facts.fired.front());
    said.push_back(out.front());
  }
  compose(fb, said);
  return fb;
}

Feedback from_simulation(const sim::SimResult& r, const lang::Program* program) {
  Feedback fb;
  std::string header = r.app.empty() ? "the simulation" : fmt::format("`{}` on {}", r.app, r.machine);
  Facts facts;
  if (!r.ok) {
    lang::Diagnostic error;
    if (r.error) {
      error = *r.error;
    } else {
      error.category = lang::Category::Mapping;
      error.code = "sim.failed";
      error.message = "the simulation did not complete";
    }
    facts = diagnostic_facts(error, nullptr, program);
    if (r.timings.oom && error.code == "mapping.out-of-memory")
      engine_oom_facts(*r.timings.oom, r.plan, program, facts);
    fb.system = header + ": the simulation failed\n" + system_text(error, nullptr);
  } else {
    facts = performance_facts(r, program);
    const auto& c = r.critical;
    const double window = r.step_time * static_cast<double>(r.steps);
    fb.system = fmt::format(
        "{}: {} per step over {} step{} = {} timed after {} of warm-up ({} in all), throughput {:.4g} {} "
        "(simulated); critical path {} computing + {} copies + {} runtime + {} waiting = {}",
        header, model::format_seconds(r.step_time), r.steps, r.steps == 1 ? "" : "s",
        model::format_seconds(window), model::format_seconds(r.warmup_time), model::format_seconds(r.total_time),
        r.throughput, r.unit, model::format_seconds(c.compute), model::format_seconds(c.copies),
        model::format_seconds(c.runtime), model::format_seconds(c.waits),
        model::format_seconds(c.compute + c.copies + c.runtime + c.waits));
  }
  compose(fb, evaluate(facts));
  fb.fired = facts.fired;
  return fb;
}

std::string render(const Feedback& f) {
  return fmt::format("System: {}\nExplain: {}\nSuggest: {}", f.system, f.explain, f.suggest);
}

nlohmann::json to_json(const Feedback& f) {
  return {{"system", f.system}, {"explain", f.explain}, {"suggest", f.suggest}, {"fired", f.fired}};
}

}  // namespace mage::feedback
