#include "model/app_model.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace mage::model {

const Field* Region::find_field(std::string_view field) const {
  for (const Field& f : fields)
    if (f.name == field) return &f;
  return nullptr;
}

std::int64_t Region::element_bytes() const {
  std::int64_t n = 0;
  for (const Field& f : fields) n += f.bytes;
  return n;
}

std::optional<std::pair<std::size_t, std::size_t>> first_overlap(const Partition& p) {
  // Sweep the intervals of all pieces by start. Within a piece they are apart, so an interval starting
  // before the furthest end seen so far overlaps the (other) piece that reached that end.
  struct Tagged {
    Interval interval;
    std::size_t piece;
  };
  std::vector<Tagged> all;
  for (std::size_t i = 0; i < p.pieces.size(); ++i)
    for (const Interval& iv : p.pieces[i].intervals()) all.push_back({iv, i});
  std::sort(all.begin(), all.end(), [](const Tagged& a, const Tagged& b) {
    return a.interval.lo != b.interval.lo ? a.interval.lo < b.interval.lo : a.piece < b.piece;
  });
  const Tagged* reach = nullptr;
  for (const Tagged& t : all) {
    if (reach && t.interval.lo < reach->interval.hi) return std::minmax(reach->piece, t.piece);
    if (!reach || t.interval.hi > reach->interval.hi) reach = &t;
  }
  return std::nullopt;
}

std::optional<LayoutPredicate> parse_layout_predicate(std::string_view text) {
  if (text == "SOA") return LayoutPredicate{LayoutProperty::SOA, 0};
  if (text == "AOS") return LayoutPredicate{LayoutProperty::AOS, 0};
  if (text == "C_order") return LayoutPredicate{LayoutProperty::COrder, 0};
  if (text == "F_order") return LayoutPredicate{LayoutProperty::FOrder, 0};
  constexpr std::string_view align = "Align<";
  if (!text.starts_with(align)) return std::nullopt;
  std::string_view digits = text.substr(align.size());
  std::int64_t bytes = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bytes);
  if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty() || bytes < 1)
    return std::nullopt;
  return LayoutPredicate{LayoutProperty::AlignBelow, bytes};
}

std::string to_string(const LayoutPredicate& p) {
  switch (p.property) {
    case LayoutProperty::SOA: return "SOA";
    case LayoutProperty::AOS: return "AOS";
    case LayoutProperty::COrder: return "C_order";
    case LayoutProperty::FOrder: return "F_order";
    case LayoutProperty::AlignBelow: return fmt::format("Align<{}", p.bytes);
  }
  return "SOA";
}

bool holds(const LayoutPredicate& p, const LayoutFacts& layout) {
  switch (p.property) {
    case LayoutProperty::SOA: return layout.soa;
    case LayoutProperty::AOS: return !layout.soa;
    case LayoutProperty::COrder: return layout.c_order;
    case LayoutProperty::FOrder: return !layout.c_order;
    case LayoutProperty::AlignBelow: return layout.alignment < p.bytes;
  }
  return false;
}

std::string_view to_string(LayoutTerm t) { return t == LayoutTerm::Compute ? "compute" : "memory"; }

std::optional<LayoutTerm> parse_layout_term(std::string_view s) {
  if (s == "memory") return LayoutTerm::Memory;
  if (s == "compute") return LayoutTerm::Compute;
  return std::nullopt;
}

double Variant::slowdown(std::size_t arg, const LayoutFacts& facts, LayoutTerm term) const {
  double factor = 1;
  for (const ArgLayout& a : layout)
    if (a.arg == static_cast<std::int64_t>(arg))
      for (const LayoutSlowdown& s : a.slowdown)
        if (s.applies_to == term && holds(s.when, facts)) factor *= s.factor;
  return factor;
}

bool Variant::rejects(std::size_t arg, const LayoutFacts& facts) const {
  for (const ArgLayout& a : layout)
    if (a.arg == static_cast<std::int64_t>(arg))
      for (const LayoutPredicate& r : a.reject)
        if (holds(r, facts)) return true;
  return false;
}

const Variant* Task::find_variant(ProcKind kind) const {
  for (const Variant& v : variants)
    if (v.kind == kind) return &v;
  return nullptr;
}

std::optional<std::int64_t> Projection::piece(std::int64_t linear, std::int64_t pieces) const {
  switch (kind) {
    case ProjectionKind::Identity: return linear;
    case ProjectionKind::Constant: return k;
    case ProjectionKind::Table:
      return linear >= 0 && linear < static_cast<std::int64_t>(table.size()) ? table[linear] : -1;
    case ProjectionKind::Offset: {
      std::int64_t p = 0;
      const bool overflow = __builtin_add_overflow(linear, k, &p);
      const bool past_end = overflow ? k > 0 : p >= pieces;
      const bool before_start = overflow ? k < 0 : p < 0;
      if (!past_end && !before_start) return p;
      if (edge == Edge::Skip) return std::nullopt;
      return past_end ? pieces - 1 : 0;
    }
  }
  return std::nullopt;
}

std::string_view to_string(ProjectionKind k) {
  switch (k) {
    case ProjectionKind::Identity: return "identity";
    case ProjectionKind::Offset: return "offset";
    case ProjectionKind::Constant: return "constant";
    case ProjectionKind::Table: return "table";
  }
  return "identity";
}

std::optional<ProjectionKind> parse_projection_kind(std::string_view s) {
  for (ProjectionKind k :
       {ProjectionKind::Identity, ProjectionKind::Offset, ProjectionKind::Constant, ProjectionKind::Table})
    if (to_string(k) == s) return k;
  return std::nullopt;
}

std::string_view to_string(Privilege p) {
  switch (p) {
    case Privilege::RO: return "RO";
    case Privilege::RW: return "RW";
    case Privilege::WD: return "WD";
    case Privilege::RED: return "RED";
  }
  return "RO";
}

std::optional<Privilege> parse_privilege(std::string_view s) {
  for (Privilege p : {Privilege::RO, Privilege::RW, Privilege::WD, Privilege::RED})
    if (to_string(p) == s) return p;
  return std::nullopt;
}

bool is_reduction_operator(std::string_view op) {
  return std::find(std::begin(kReductionOperators), std::end(kReductionOperators), op) !=
         std::end(kReductionOperators);
}

std::int64_t Launch::volume() const {
  std::int64_t v = 1;
  for (std::int64_t e : domain)
    if (__builtin_mul_overflow(v, e, &v)) return -1;
  return v;
}

Work work(const Variant& v, const PointTask& point) {
  Work w{v.flops_per_point, v.bytes_per_point};
  if (v.per_element() && v.work_arg >= 0 && static_cast<std::size_t>(v.work_arg) < point.args.size()) {
    const auto elements = static_cast<double>(point.args[v.work_arg].elements.size());
    w.flops += v.flops_per_element * elements;
    w.bytes += v.bytes_per_element * elements;
  }
  return w;
}

const Region* AppModel::find_region(std::string_view n) const {
  for (const Region& r : regions)
    if (r.name == n) return &r;
  return nullptr;
}

const Partition* AppModel::find_partition(std::string_view n) const {
  for (const Partition& p : partitions)
    if (p.name == n) return &p;
  return nullptr;
}

const Task* AppModel::find_task(std::string_view n) const {
  for (const Task& t : tasks)
    if (t.name == n) return &t;
  return nullptr;
}

const Region* AppModel::root_region(const Partition& p) const {
  const Partition* at = &p;
  // Bounded by the partition count, so a parent cycle in an invalid model cannot loop forever.
  for (std::size_t hops = 0; hops <= partitions.size(); ++hops) {
    if (at->parent.empty()) return find_region(at->region);
    at = find_partition(at->parent);
    if (!at) return nullptr;
  }
  return nullptr;
}

IntervalSet AppModel::parent_elements(const Partition& p) const {
  if (p.parent.empty()) {
    const Region* r = find_region(p.region);
    return r && r->elements >= 1 && r->elements <= kMaxElements ? IntervalSet::range(0, r->elements)
                                                                : IntervalSet();
  }
  const Partition* parent = find_partition(p.parent);
  if (parent && p.parent_piece >= 0 && static_cast<std::size_t>(p.parent_piece) < parent->pieces.size())
    return parent->pieces[p.parent_piece];
  return {};
}

std::vector<std::string> AppModel::names(const Argument& arg, std::optional<std::int64_t> piece) const {
  if (arg.partition.empty()) return {arg.region};
  std::vector<std::string> out;
  const Partition* p = find_partition(arg.partition);
  for (std::size_t hops = 0; p && hops <= partitions.size(); ++hops) {
    if (piece && *piece >= 0 && static_cast<std::size_t>(*piece) < p->piece_names.size())
      out.push_back(p->piece_names[*piece]);
    out.push_back(p->name);
    if (p->parent.empty()) {
      out.push_back(p->region);
      return out;
    }
    piece = p->parent_piece;
    p = find_partition(p->parent);
  }
  if (out.empty()) out.push_back(arg.partition);
  return out;
}

std::optional<std::size_t> AppModel::producer(std::string_view future) const {
  for (std::size_t i = 0; i < launches.size(); ++i)
    if (!future.empty() && launches[i].produces == future) return i;
  return std::nullopt;
}

mapping::Coords delinearize(std::int64_t linear, const mapping::Extents& domain) {
  mapping::Coords point(domain.size(), 0);
  for (std::size_t d = domain.size(); d-- > 0;) {
    if (domain[d] <= 0) continue;
    point[d] = linear % domain[d];
    linear /= domain[d];
  }
  return point;
}

std::optional<std::size_t> AppModel::parent_launch(std::size_t index) const {
  if (index >= launches.size() || launches[index].parent.empty()) return std::nullopt;
  for (std::size_t i = index; i-- > 0;)
    if (launches[i].task == launches[index].parent) return i;
  return std::nullopt;
}

std::int64_t AppModel::issues(std::size_t index) const {
  std::int64_t n = 1;
  // Parents come strictly earlier, so the chain ends; the cap keeps hostile nesting from overflowing.
  for (auto p = parent_launch(index); p; p = parent_launch(*p))
    n = std::min(n * launches[*p].volume(), kMaxLaunchPoints + 1);
  return n;
}

std::vector<PointTask> AppModel::points(std::size_t index) const {
  std::vector<PointTask> out;
  if (index >= launches.size()) return out;
  const Launch& launch = launches[index];
  const std::int64_t volume = launch.volume();
  const std::int64_t total = std::min(issues(index) * volume, kMaxLaunchPoints);
  const bool nested = parent_launch(index).has_value();
  for (std::int64_t flat = 0; flat < total; ++flat) {
    const std::int64_t linear = flat % volume;
    PointTask pt{index,
                 nested ? flat / volume : -1,
                 launch.task,
                 launch.single() ? mapping::Coords{} : delinearize(linear, launch.domain),
                 launch.domain,
                 {}};
    for (std::size_t a = 0; a < launch.args.size(); ++a) {
      const Argument& arg = launch.args[a];
      ArgPiece piece;
      piece.privilege = arg.privilege;
      piece.redop = arg.redop;
      const Region* region = nullptr;
      if (const Partition* p = arg.partition.empty() ? nullptr : find_partition(arg.partition)) {
        region = root_region(*p);
        piece.piece = arg.projection.piece(flat, static_cast<std::int64_t>(p->pieces.size()));
        if (piece.piece && *piece.piece >= 0 && static_cast<std::size_t>(*piece.piece) < p->pieces.size())
          piece.elements = p->pieces[*piece.piece];
      } else if ((region = find_region(arg.region))) {
        piece.elements = IntervalSet::range(0, region->elements);
      }
      piece.ref = mapping::RegionRef{static_cast<int>(a), names(arg, piece.piece)};
      if (region) {
        piece.region = region->name;
        std::int64_t field_bytes = 0;
        for (const Field& f : region->fields) {
          if (!arg.fields.empty() &&
              std::find(arg.fields.begin(), arg.fields.end(), f.name) == arg.fields.end())
            continue;
          piece.fields.push_back(f.name);
          field_bytes += f.bytes;
        }
        piece.bytes = piece.elements.size() * field_bytes;
      }
      pt.args.push_back(std::move(piece));
    }
    out.push_back(std::move(pt));
  }
  return out;
}

lang::AppSignature AppModel::signature() const {
  lang::AppSignature sig;
  sig.name = name;
  for (const Task& t : tasks) {
    lang::TaskSignature ts{t.name, {}, {}};
    for (const Variant& v : t.variants) ts.variants.push_back(v.kind);
    for (const Launch& l : launches) {
      if (l.task != t.name) continue;
      for (const Argument& a : l.args) ts.region_args.push_back(names(a).front());
      break;
    }
    sig.tasks.push_back(std::move(ts));
  }
  for (const Region& r : regions) sig.region_names.insert(r.name);
  for (const Partition& p : partitions) {
    sig.region_names.insert(p.name);
    sig.region_names.insert(p.piece_names.begin(), p.piece_names.end());
  }
  return sig;
}

namespace {

std::string item(std::string_view list, std::size_t i) { return fmt::format("{}[{}]", list, i); }

std::string point_text(const mapping::Coords& p) { return fmt::format("({})", fmt::join(p, ", ")); }

std::string domain_text(const mapping::Extents& d) { return fmt::format("{}", fmt::join(d, "x")); }

template <class T>
std::vector<std::string> names_of(const std::vector<T>& items) {
  std::vector<std::string> out;
  for (const T& t : items) out.push_back(t.name);
  return out;
}

std::string suggestion(std::string_view name, const std::vector<std::string>& candidates) {
  auto close = lang::did_you_mean(name, candidates);
  return close ? fmt::format("; did you mean `{}`?", *close) : "";
}

// Every figure of a model stays below this, so that products of figures (cost x elements / speed,
// units per step / step time) stay finite: a throughput or a time is never infinite.
constexpr double kMaxAppFigure = 1e18;

bool finite_at_least(double x, double low) { return std::isfinite(x) && x >= low && x <= kMaxAppFigure; }

// Checks a model, reporting every problem with the path of the field at fault.
class Validator {
 public:
  explicit Validator(const AppModel& app) : app_(app) {
    for (std::size_t i = 0; i < app.launches.size(); ++i) first_launch_.try_emplace(app.launches[i].task, i);
  }

  std::vector<AppProblem> run() {
    check_top();
    for (std::size_t i = 0; i < app_.regions.size(); ++i) check_region(i);
    for (std::size_t i = 0; i < app_.partitions.size(); ++i) check_partition(i);
    std::map<std::string, std::string> task_names;
    for (std::size_t i = 0; i < app_.tasks.size(); ++i) {
      const std::string path = item("tasks", i);
      claim(task_names, app_.tasks[i].name, path + ".name", "task");
      check_task(i, path);
    }
    std::map<std::string, std::string> futures;
    for (std::size_t i = 0; i < app_.launches.size(); ++i) check_launch(i, futures);
    return std::move(problems_);
  }

 private:
  void add(const char* code, std::string field, std::string message, std::string hint) {
    problems_.push_back({code, std::move(field), std::move(message), std::move(hint)});
  }

  // Names live in namespaces (regions, partitions and piece names share one, as rules see them).
  void claim(std::map<std::string, std::string>& space, const std::string& name, const std::string& field,
             const char* what) {
    if (name.empty())
      return add("usage.app-field", field, fmt::format("a {} without a name", what),
                 "give it a name that rules can refer to");
    auto [at, fresh] = space.try_emplace(name, field);
    if (!fresh)
      add("usage.app-duplicate-name", field,
          fmt::format("the name `{}` is already used at `{}`", name, at->second),
          "rename one of them: names must be unique");
  }

  void check_top() {
    if (app_.name.empty()) add("usage.app-field", "name", "the application has no name", "set `name`");
    if (app_.steps < 1 || app_.steps > kMaxSteps)
      add("usage.app-size", "steps", fmt::format("{} time steps; expected 1 to {}", app_.steps, kMaxSteps),
          "set `steps` to the number of timed steps");
    if (app_.warmup_steps < 0 || app_.warmup_steps > kMaxSteps)
      add("usage.app-size", "warmup_steps",
          fmt::format("{} warm-up steps; expected 0 to {}", app_.warmup_steps, kMaxSteps),
          "set `warmup_steps` to the number of untimed steps before the timed ones, or leave it out");
    if (app_.throughput.unit.empty())
      add("usage.app-field", "throughput.unit", "the throughput unit is empty",
          "name the unit results are reported in, such as \"iterations/s\"");
    if (!(finite_at_least(app_.throughput.per_step, 0) && app_.throughput.per_step > 0))
      add("usage.app-size", "throughput.per_step",
          fmt::format("{} units per step; expected a positive number up to {:g}", app_.throughput.per_step,
                      kMaxAppFigure),
          "give the amount of the unit's quantity one step does (1 for iterations/s)");
  }

  void check_region(std::size_t i) {
    const Region& r = app_.regions[i];
    const std::string path = item("regions", i);
    claim(regionish_, r.name, path + ".name", "region");
    if (r.elements < 1 || r.elements > kMaxElements)
      add("usage.app-size", path + ".elements",
          fmt::format("region `{}` has {} elements; expected 1 to 2^40", r.name, r.elements),
          "give the number of elements of the whole region");
    if (r.fields.empty())
      add("usage.app-size", path + ".fields", fmt::format("region `{}` has no fields", r.name),
          "list its fields with their bytes per element");
    std::map<std::string, std::string> field_names;
    std::int64_t total = 0;
    for (std::size_t f = 0; f < r.fields.size(); ++f) {
      const std::string fpath = item(path + ".fields", f);
      claim(field_names, r.fields[f].name, fpath + ".name", "field");
      const std::int64_t b = r.fields[f].bytes;
      if (b < 1 || b > kMaxElementBytes)
        add("usage.app-size", fpath + ".bytes",
            fmt::format("field `{}` of region `{}` has {} bytes per element; expected 1 to 2^20",
                        r.fields[f].name, r.name, b),
            "give the field's size in bytes, such as 8 for a double");
      else
        total += b;
    }
    if (total > kMaxElementBytes)
      add("usage.app-size", path + ".fields",
          fmt::format("the fields of region `{}` take {} bytes per element; at most 2^20 are allowed", r.name,
                      total),
          "split the region or shrink its fields");
  }

  // The elements a partition's pieces must lie in: its region, or its parent's piece.
  std::optional<IntervalSet> container(std::size_t i, const std::string& path, std::string& what) {
    const Partition& p = app_.partitions[i];
    if (p.region.empty() == p.parent.empty()) {
      add("usage.app-field", path,
          fmt::format(
              "partition `{}` names {}", p.name,
              p.region.empty() ? "neither a region nor a parent partition" : "both a region and a parent"),
          "give either `region` or `parent` and `piece`");
      return std::nullopt;
    }
    if (!p.region.empty()) {
      const Region* r = app_.find_region(p.region);
      if (!r) {
        add("usage.app-unknown-name", path + ".region",
            fmt::format("partition `{}` partitions `{}`, which is not a region{}", p.name, p.region,
                        suggestion(p.region, names_of(app_.regions))),
            "declare the region under [[regions]] or fix the name");
        return std::nullopt;
      }
      if (r->elements < 1 || r->elements > kMaxElements) return std::nullopt;
      what = fmt::format("region `{}` ([0, {}))", r->name, r->elements);
      return IntervalSet::range(0, r->elements);
    }
    auto earlier = app_.partitions.begin() + static_cast<std::ptrdiff_t>(i);
    auto parent = std::find_if(app_.partitions.begin(), earlier,
                               [&](const Partition& q) { return q.name == p.parent; });
    if (parent == earlier) {
      const bool later = app_.find_partition(p.parent) != nullptr;
      add("usage.app-unknown-name", path + ".parent",
          later ? fmt::format("partition `{}` partitions `{}`, which is declared after it", p.name, p.parent)
                : fmt::format("partition `{}` partitions `{}`, which is not a partition{}", p.name, p.parent,
                              suggestion(p.parent, names_of(app_.partitions))),
          later ? "declare the parent partition first"
                : "declare the parent under [[partitions]] or fix the name");
      return std::nullopt;
    }
    if (p.parent_piece < 0 || p.parent_piece >= static_cast<std::int64_t>(parent->pieces.size())) {
      add("usage.app-projection", path + ".piece",
          fmt::format("partition `{}` partitions piece {} of `{}`, which has {} pieces", p.name,
                      p.parent_piece, parent->name, parent->pieces.size()),
          "pieces are numbered from 0");
      return std::nullopt;
    }
    what = fmt::format("piece {} of `{}`", p.parent_piece, parent->name);
    return parent->pieces[p.parent_piece];
  }

  void check_partition(std::size_t i) {
    const Partition& p = app_.partitions[i];
    const std::string path = item("partitions", i);
    claim(regionish_, p.name, path + ".name", "partition");
    std::string what;
    const std::optional<IntervalSet> inside = container(i, path, what);
    const auto count = static_cast<std::int64_t>(p.pieces.size());
    if (count < 1 || count > kMaxPieces)
      add("usage.app-size", path + ".pieces",
          fmt::format("partition `{}` has {} pieces; expected 1 to 2^20", p.name, count),
          "list its pieces, or give `blocks`");
    for (std::size_t j = 0; inside && j < p.pieces.size(); ++j) {
      const IntervalSet outside = p.pieces[j] - *inside;
      if (outside.empty()) continue;
      const Interval first = outside.intervals().front();
      add("usage.app-interval", item(path + ".pieces", j),
          fmt::format("piece {} of partition `{}` has {} elements outside {}, first [{}, {})", j, p.name,
                      outside.size(), what, first.lo, first.hi),
          "pieces must lie in what they partition; elements are numbered from 0");
    }
    if (!p.piece_names.empty() && p.piece_names.size() != p.pieces.size())
      add("usage.app-field", path + ".piece_names",
          fmt::format("partition `{}` names {} pieces but has {}", p.name, p.piece_names.size(),
                      p.pieces.size()),
          "name every piece, or leave `piece_names` out");
    for (std::size_t j = 0; j < p.piece_names.size(); ++j)
      claim(regionish_, p.piece_names[j], item(path + ".piece_names", j), "piece");
    if (!p.declared_disjoint) return;
    if (auto pair = first_overlap(p)) {
      const IntervalSet shared = p.pieces[pair->first] & p.pieces[pair->second];
      add("usage.app-overlap", path + ".disjoint",
          fmt::format(
              "partition `{}` is declared disjoint, but pieces {} and {} share {} elements, first [{}, {})",
              p.name, pair->first, pair->second, shared.size(), shared.intervals().front().lo,
              shared.intervals().front().hi),
          "fix the pieces, or leave `disjoint` out: aliased partitions are allowed");
    }
  }

  void check_predicate(const LayoutPredicate& pred, const std::string& field) {
    if (pred.property == LayoutProperty::AlignBelow && pred.bytes < 1)
      add("usage.app-size", field, fmt::format("`Align<{}` can never hold", pred.bytes),
          "write `Align<N` with N the alignment in bytes below which the predicate holds");
  }

  void check_task(std::size_t t, const std::string& path) {
    const Task& task = app_.tasks[t];
    auto launch = first_launch_.find(task.name);
    const std::size_t arg_count =
        launch == first_launch_.end() ? 0 : app_.launches[launch->second].args.size();
    for (std::size_t v = 0; v < task.variants.size(); ++v) {
      const Variant& var = task.variants[v];
      const std::string vpath = item(path + ".variants", v);
      for (std::size_t w = 0; w < v; ++w)
        if (task.variants[w].kind == var.kind)
          add("usage.app-duplicate-name", vpath + ".kind",
              fmt::format("task `{}` has two {} variants", task.name, to_string(var.kind)),
              "give each processor kind at most one variant");
      if (var.launch_overhead && !finite_at_least(*var.launch_overhead, 0))
        add("usage.app-size", vpath + ".launch_overhead",
            fmt::format("launch overhead {} s; expected a number of seconds from 0 to {:g}", *var.launch_overhead,
                        kMaxAppFigure),
            "leave it out to use the machine's figure");
      const std::pair<const char*, double> costs[] = {{"flops_per_element", var.flops_per_element},
                                                      {"bytes_per_element", var.bytes_per_element},
                                                      {"flops_per_point", var.flops_per_point},
                                                      {"bytes_per_point", var.bytes_per_point}};
      for (auto [key, value] : costs)
        if (!finite_at_least(value, 0))
          add("usage.app-size", fmt::format("{}.{}", vpath, key),
              fmt::format("`{}` is {}; expected a number from 0 to {:g}", key, value, kMaxAppFigure),
              "costs are FLOP and bytes of memory traffic");
      const auto reach = [&](std::int64_t arg) {
        return arg >= 0 && (launch == first_launch_.end() || arg < static_cast<std::int64_t>(arg_count));
      };
      if (var.per_element() && !reach(var.work_arg))
        add("usage.app-argument", vpath + ".work_arg",
            fmt::format("`work_arg` is {}, but task `{}` takes {} arguments (launches[{}])", var.work_arg,
                        task.name, arg_count, launch == first_launch_.end() ? 0 : launch->second),
            "name the argument, counted from 0, whose elements the per-element costs are measured over");
      for (std::size_t l = 0; l < var.layout.size(); ++l) {
        const ArgLayout& al = var.layout[l];
        const std::string lpath = item(vpath + ".layout", l);
        if (!reach(al.arg))
          add("usage.app-argument", lpath + ".arg",
              fmt::format("layout effects for argument {}, but task `{}` takes {} arguments", al.arg,
                          task.name, arg_count),
              "arguments are counted from 0");
        for (std::size_t s = 0; s < al.slowdown.size(); ++s) {
          const std::string spath = item(lpath + ".slowdown", s);
          check_predicate(al.slowdown[s].when, spath + ".when");
          if (!finite_at_least(al.slowdown[s].factor, 1))
            add("usage.app-size", spath + ".factor",
                fmt::format("slowdown factor {}; expected a number from 1 to {:g}", al.slowdown[s].factor, kMaxAppFigure),
                "a factor says how many times longer the term it applies to takes with that layout");
        }
        for (std::size_t r = 0; r < al.reject.size(); ++r)
          check_predicate(al.reject[r], item(lpath + ".reject", r));
      }
    }
  }

  // False when the domain cannot be iterated (the problem is reported).
  bool check_domain(const Launch& l, const std::string& path) {
    if (l.domain.size() > kMaxDims) {
      add("usage.app-size", path + ".domain",
          fmt::format("a {}-dimensional domain; at most {}", l.domain.size(), kMaxDims),
          "use fewer dimensions");
      return false;
    }
    bool ok = true;
    for (std::size_t d = 0; d < l.domain.size(); ++d)
      if (l.domain[d] < 1) {
        add("usage.app-size", item(path + ".domain", d),
            fmt::format("extent {} of the domain is {}; every extent must be at least 1", d, l.domain[d]),
            "give the number of points along each dimension");
        ok = false;
      }
    if (ok && (l.volume() < 1 || l.volume() > kMaxLaunchPoints)) {
      add("usage.app-size", path + ".domain",
          fmt::format("the domain {} has more than 2^20 points", domain_text(l.domain)),
          "use a smaller domain");
      ok = false;
    }
    return ok;
  }

  void check_launch(std::size_t i, std::map<std::string, std::string>& futures) {
    const Launch& l = app_.launches[i];
    const std::string path = item("launches", i);
    const Task* task = app_.find_task(l.task);
    if (!task)
      add("usage.app-unknown-name", path + ".task",
          fmt::format("launch of `{}`, which is not a task{}", l.task,
                      suggestion(l.task, names_of(app_.tasks))),
          "declare the task under [[tasks]] or fix the name");
    else if (task->variants.empty())
      add("usage.app-no-variant", path + ".task",
          fmt::format("task `{}` has no variants, so no processor can run it", l.task),
          "give the task at least one variant under [[tasks.variants]]");
    bool domain_ok = check_domain(l, path);
    if (!l.parent.empty()) {
      auto parent = app_.parent_launch(i);
      if (!parent) {
        add("usage.app-unknown-name", path + ".parent",
            fmt::format("launch of `{}` names parent task `{}`, which no earlier launch runs{}", l.task, l.parent,
                        suggestion(l.parent, names_of(app_.tasks))),
            "list the parent's launch before its children, or fix the name");
        domain_ok = false;
      } else if (app_.launches[*parent].setup != l.setup) {
        add("usage.app-field", path + ".setup",
            fmt::format("launch of `{}` and its parent `{}` differ in `setup`", l.task, l.parent),
            "a child runs in the same steps as its parent: give both the same `setup`");
      } else if (domain_ok && app_.issues(i) * l.volume() > kMaxLaunchPoints) {
        add("usage.app-size", path + ".domain",
            fmt::format("the launch runs {} times per step with {} points each, more than 2^20 point tasks",
                        app_.issues(i), l.volume()),
            "use smaller domains");
        domain_ok = false;
      }
    }
    const std::size_t first = first_launch_.at(l.task);
    if (first != i && app_.launches[first].args.size() != l.args.size())
      add("usage.app-argument", path + ".args",
          fmt::format("task `{}` takes {} arguments in launches[{}] but {} here", l.task,
                      app_.launches[first].args.size(), first, l.args.size()),
          "every launch of a task passes the same arguments");
    for (std::size_t a = 0; a < l.args.size(); ++a)
      check_arg(l, item(path + ".args", a), l.args[a], domain_ok);
    if (!l.produces.empty()) {
      auto [at, fresh] = futures.try_emplace(l.produces, path);
      if (!fresh)
        add("usage.app-future", path + ".produces",
            fmt::format("future `{}` is also produced by {}", l.produces, at->second),
            "give each future one producer");
    }
    for (std::size_t c = 0; c < l.consumes.size(); ++c)
      if (!app_.producer(l.consumes[c]))
        add("usage.app-future", item(path + ".consumes", c),
            fmt::format("launch of `{}` waits for future `{}`, which no launch produces", l.task,
                        l.consumes[c]),
            "set `produces` on the launch that returns it");
  }

  void check_arg(const Launch& l, const std::string& path, const Argument& arg, bool domain_ok) {
    const Region* region = nullptr;
    const Partition* partition = nullptr;
    if (arg.region.empty() == arg.partition.empty()) {
      add("usage.app-field", path,
          arg.region.empty() ? "the argument names neither a region nor a partition"
                             : "the argument names both a region and a partition",
          "give either `region` (the whole region) or `partition` (one piece per point)");
    } else if (!arg.region.empty()) {
      region = app_.find_region(arg.region);
      if (!region)
        add("usage.app-unknown-name", path + ".region",
            fmt::format("`{}` is not a region{}", arg.region, suggestion(arg.region, names_of(app_.regions))),
            app_.find_partition(arg.region) ? "it is a partition: write `partition = ...`"
                                            : "declare the region under [[regions]] or fix the name");
    } else {
      partition = app_.find_partition(arg.partition);
      if (!partition)
        add("usage.app-unknown-name", path + ".partition",
            fmt::format("`{}` is not a partition{}", arg.partition,
                        suggestion(arg.partition, names_of(app_.partitions))),
            app_.find_region(arg.partition) ? "it is a region: write `region = ...`"
                                            : "declare the partition under [[partitions]] or fix the name");
      else
        region = app_.root_region(*partition);
    }
    std::vector<std::string> seen;
    for (std::size_t f = 0; f < arg.fields.size(); ++f) {
      const std::string& field = arg.fields[f];
      if (std::find(seen.begin(), seen.end(), field) != seen.end())
        add("usage.app-duplicate-name", item(path + ".fields", f),
            fmt::format("field `{}` is listed twice", field), "list each field once");
      seen.push_back(field);
      if (region && !region->find_field(field))
        add("usage.app-unknown-name", item(path + ".fields", f),
            fmt::format("region `{}` has no field `{}`{}", region->name, field,
                        suggestion(field, names_of(region->fields))),
            fmt::format("the fields of `{}` are {}", region->name,
                        fmt::join(names_of(region->fields), ", ")));
    }
    if (arg.privilege == Privilege::RED && arg.redop.empty())
      add("usage.app-argument", path + ".privilege", "a RED argument without a reduction operator",
          fmt::format("set `redop` to one of {}", fmt::join(kReductionOperators, " ")));
    else if (arg.privilege != Privilege::RED && !arg.redop.empty())
      add("usage.app-argument", path + ".redop",
          fmt::format("`redop` is set on a {} argument", to_string(arg.privilege)),
          "reduction operators go with privilege RED only");
    else if (!arg.redop.empty() && !is_reduction_operator(arg.redop))
      add("usage.app-argument", path + ".redop", fmt::format("`{}` is not a reduction operator", arg.redop),
          fmt::format("use one of {}", fmt::join(kReductionOperators, " ")));
    if (partition && domain_ok) check_projection(l, path, arg, *partition);
  }

  void check_projection(const Launch& l, const std::string& path, const Argument& arg, const Partition& p) {
    const Projection& proj = arg.projection;
    const std::size_t index = static_cast<std::size_t>(&l - app_.launches.data());
    const std::int64_t volume = l.volume() * app_.issues(index);  // a child's points over all its parents
    const auto pieces = static_cast<std::int64_t>(p.pieces.size());
    if (pieces < 1) return;  // reported with the partition
    if (proj.kind == ProjectionKind::Table && static_cast<std::int64_t>(proj.table.size()) != volume) {
      add("usage.app-projection", path + ".projection.table",
          fmt::format("the table has {} entries for {} points", proj.table.size(), volume),
          "give one piece per point, in row-major order");
      return;
    }
    for (std::int64_t linear = 0; linear < volume; ++linear) {
      auto piece = proj.piece(linear, pieces);
      if (!piece || (*piece >= 0 && *piece < pieces)) continue;
      const std::string where =
          l.single() && volume == 1
              ? std::string("the single launch")
              : fmt::format("point {} of the {} domain ({} index {})",
                            point_text(delinearize(linear % l.volume(), l.domain)), domain_text(l.domain),
                            volume == l.volume() ? "linear" : "flattened", linear);
      const std::string field = proj.kind == ProjectionKind::Table ? item(path + ".projection.table", linear)
                                : proj.kind == ProjectionKind::Identity ? path + ".projection"
                                                                        : path + ".projection.k";
      add("usage.app-projection", field,
          fmt::format("{} selects piece {}, but partition `{}` has {} pieces (0 to {})", where, *piece,
                      p.name, pieces, pieces - 1),
          proj.kind == ProjectionKind::Identity
              ? "give the partition a piece per point, or project differently"
              : "select a piece that exists");
      return;  // one point per argument is enough to act on
    }
  }

  const AppModel& app_;
  std::map<std::string, std::size_t> first_launch_;  // task -> its first launch
  std::map<std::string, std::string> regionish_;     // region, partition and piece names -> field
  std::vector<AppProblem> problems_;
};

}  // namespace

std::vector<AppProblem> validate(const AppModel& app) { return Validator(app).run(); }

void report(const std::string& app_name, const std::vector<AppProblem>& problems, lang::Diagnostics& diags) {
  for (const AppProblem& p : problems) {
    std::string message = fmt::format("application `{}`: `{}`: {}", app_name, p.field, p.message);
    diags.add(lang::Diagnostic{
        lang::Severity::Error, lang::Category::Usage, p.code, {}, std::move(message), p.hint, {}, {}});
  }
}

bool validate(const AppModel& app, lang::Diagnostics& diags) {
  const std::vector<AppProblem> problems = validate(app);
  report(app.name, problems, diags);
  return problems.empty();
}

namespace {

std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n);
  const std::ptrdiff_t sign = n < 0 ? 1 : 0;
  for (std::ptrdiff_t at = static_cast<std::ptrdiff_t>(digits.size()) - 3; at > sign; at -= 3)
    digits.insert(static_cast<std::size_t>(at), ",");
  return digits;
}

std::string bytes_text(double b) {
  constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  std::size_t u = 0;
  for (; b >= 1024 && u + 1 < std::size(units); ++u) b /= 1024;
  return u == 0 ? fmt::format("{:g} B", b) : fmt::format("{:.1f} {}", b, units[u]);
}

std::string seconds_text(double s) {
  if (s >= 1 || s == 0) return fmt::format("{:g} s", s);
  if (s >= 1e-3) return fmt::format("{:g} ms", s * 1e3);
  if (s >= 1e-6) return fmt::format("{:g} µs", s * 1e6);
  return fmt::format("{:g} ns", s * 1e9);
}

std::string variant_text(const Variant& v) {
  std::vector<std::string> parts;
  if (v.per_element())
    parts.push_back(fmt::format("{:g} flop + {:g} B per element of argument {}", v.flops_per_element,
                                v.bytes_per_element, v.work_arg));
  if (v.flops_per_point != 0 || v.bytes_per_point != 0)
    parts.push_back(fmt::format("{:g} flop + {:g} B per point", v.flops_per_point, v.bytes_per_point));
  if (parts.empty()) parts.push_back("no work");
  if (v.launch_overhead) parts.push_back("launch overhead " + seconds_text(*v.launch_overhead));
  for (const ArgLayout& a : v.layout) {
    std::vector<std::string> effects;
    for (const LayoutSlowdown& s : a.slowdown)
      effects.push_back(fmt::format("{} x{:g} on {}", to_string(s.when), s.factor, to_string(s.applies_to)));
    for (const LayoutPredicate& r : a.reject) effects.push_back("rejects " + to_string(r));
    parts.push_back(fmt::format("argument {}: {}", a.arg, fmt::join(effects, ", ")));
  }
  return fmt::format("{}: {}", to_string(v.kind), fmt::join(parts, "; "));
}

std::string partition_text(const AppModel& app, const Partition& p) {
  std::string of = p.parent.empty() ? p.region : fmt::format("{}[{}]", p.parent, p.parent_piece);
  if (const Partition* parent = p.parent.empty() ? nullptr : app.find_partition(p.parent))
    if (p.parent_piece >= 0 && static_cast<std::size_t>(p.parent_piece) < parent->piece_names.size())
      of += fmt::format(" ({})", parent->piece_names[p.parent_piece]);
  std::int64_t smallest = -1, largest = 0, empty = 0;
  for (const IntervalSet& piece : p.pieces) {
    const std::int64_t n = piece.size();
    smallest = smallest < 0 ? n : std::min(smallest, n);
    largest = std::max(largest, n);
    empty += n == 0;
  }
  std::string text = fmt::format("of {}: {} pieces", of, p.pieces.size());
  if (empty > 0) text += fmt::format(" ({} empty)", empty);
  text += is_disjoint(p) ? ", disjoint" : ", aliased";
  text += smallest == largest
              ? fmt::format("; {} elements each", with_commas(largest))
              : fmt::format("; {} to {} elements", with_commas(smallest), with_commas(largest));
  if (!p.piece_names.empty()) text += fmt::format("; named {}", fmt::join(p.piece_names, ", "));
  return text;
}

std::string projection_text(const Argument& a) {
  if (a.partition.empty()) return "whole region";
  const Projection& p = a.projection;
  switch (p.kind) {
    case ProjectionKind::Identity: return "identity";
    case ProjectionKind::Constant: return fmt::format("constant {}", p.k);
    case ProjectionKind::Offset:
      return fmt::format("offset {:+} ({} at edges)", p.k, p.edge == Edge::Skip ? "skip" : "clamp");
    case ProjectionKind::Table: return fmt::format("table [{}]", fmt::join(p.table, ", "));
  }
  return "";
}

}  // namespace

std::string describe(const AppModel& app) {
  std::string out = fmt::format("application `{}`: {} timed steps", app.name, app.steps);
  if (app.warmup_steps > 0) out += fmt::format(" after {} warm-up", app.warmup_steps);
  out += fmt::format("; throughput in {} ({:g} per step)\n", app.throughput.unit, app.throughput.per_step);

  std::size_t width = 0;
  for (const Region& r : app.regions) width = std::max(width, r.name.size());
  for (const Partition& p : app.partitions) width = std::max(width, p.name.size());
  for (const Task& t : app.tasks) width = std::max(width, t.name.size());

  out += "\nregions:\n";
  for (const Region& r : app.regions) {
    std::vector<std::string> fields;
    for (const Field& f : r.fields) fields.push_back(fmt::format("{} {} B", f.name, f.bytes));
    out +=
        fmt::format("  {:<{}}  {} elements x {} B = {}; fields {}\n", r.name, width, with_commas(r.elements),
                    r.element_bytes(), bytes_text(static_cast<double>(r.elements) * r.element_bytes()),
                    fmt::join(fields, ", "));
  }
  out += "\npartitions:\n";
  for (const Partition& p : app.partitions)
    out += fmt::format("  {:<{}}  {}\n", p.name, width, partition_text(app, p));
  out += "\ntasks:\n";
  for (const Task& t : app.tasks) {
    if (t.variants.empty()) out += fmt::format("  {:<{}}  no variants\n", t.name, width);
    for (std::size_t v = 0; v < t.variants.size(); ++v)
      out += fmt::format("  {:<{}}  {}\n", v == 0 ? t.name : "", width, variant_text(t.variants[v]));
  }
  out += "\nprogram (each step):\n";
  for (std::size_t i = 0; i < app.launches.size(); ++i) {
    const Launch& l = app.launches[i];
    out += l.single() ? fmt::format("  {}. {} (single launch)", i + 1, l.task)
                      : fmt::format("  {}. {} over {} ({} points)", i + 1, l.task, domain_text(l.domain),
                                    l.volume());
    if (!l.parent.empty()) out += fmt::format(", launched by each `{}` point ({} in all)", l.parent, app.issues(i));
    out += l.setup ? ", first step only\n" : "\n";
    for (std::size_t a = 0; a < l.args.size(); ++a) {
      const Argument& arg = l.args[a];
      const std::string privilege = fmt::format("{}{}", to_string(arg.privilege), arg.redop);
      out += fmt::format("       {} {:<{}}  {:<5} {:<20} {}\n", a,
                         arg.partition.empty() ? arg.region : arg.partition, width, privilege,
                         arg.fields.empty() ? "all fields" : fmt::format("{}", fmt::join(arg.fields, ", ")),
                         projection_text(arg));
    }
    if (!l.produces.empty()) out += fmt::format("       produces future `{}`\n", l.produces);
    for (const std::string& f : l.consumes) {
      auto from = app.producer(f);
      out += fmt::format("       waits for future `{}`{}\n", f, from && *from >= i ? " (previous step)" : "");
    }
  }
  return out;
}

}  // namespace mage::model
