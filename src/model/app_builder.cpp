#include "model/app_builder.hpp"

#include <fmt/format.h>

namespace mage::model {

RegionBuilder& RegionBuilder::field(std::string name, std::int64_t bytes) {
  app_->app_.regions[index_].fields.push_back({std::move(name), bytes});
  return *this;
}

Partition& PartitionBuilder::get() { return app_->app_.partitions[index_]; }

PartitionBuilder& PartitionBuilder::piece(IntervalSet piece) {
  get().pieces.push_back(std::move(piece));
  return *this;
}

PartitionBuilder& PartitionBuilder::pieces(std::vector<IntervalSet> pieces) {
  for (IntervalSet& p : pieces) get().pieces.push_back(std::move(p));
  return *this;
}

PartitionBuilder& PartitionBuilder::blocks(std::int64_t n) {
  // Out-of-range counts are left to validation, which reports an empty or oversized partition.
  if (n >= 1 && n <= kMaxPieces) get().pieces = app_->app_.parent_elements(get()).split_even(n);
  return *this;
}

PartitionBuilder& PartitionBuilder::piece_names(std::vector<std::string> names) {
  get().piece_names = std::move(names);
  return *this;
}

PartitionBuilder& PartitionBuilder::disjoint(bool declared) {
  get().declared_disjoint = declared;
  return *this;
}

Variant* TaskBuilder::last(const char* call) {
  Task& t = app_->app_.tasks[index_];
  if (!t.variants.empty()) return &t.variants.back();
  app_->misuse(fmt::format("tasks[{}].variants", index_), fmt::format("`{}` before any `variant`", call),
               "declare the variant first: task(...).variant(ProcKind::GPU).flops_per_element(...)");
  return nullptr;
}

std::optional<LayoutPredicate> TaskBuilder::parse(std::string_view predicate) {
  auto p = parse_layout_predicate(predicate);
  if (!p)
    app_->misuse(fmt::format("tasks[{}].variants", index_),
                 fmt::format("`{}` is not a layout predicate", predicate),
                 "write SOA, AOS, C_order, F_order or Align<N");
  return p;
}

// The layout entry of `arg` in the last variant, made on first use.
ArgLayout* TaskBuilder::layout(std::int64_t arg, const char* call) {
  Variant* v = last(call);
  if (!v) return nullptr;
  for (ArgLayout& a : v->layout)
    if (a.arg == arg) return &a;
  v->layout.push_back({arg, {}, {}});
  return &v->layout.back();
}

TaskBuilder& TaskBuilder::variant(ProcKind kind) {
  app_->app_.tasks[index_].variants.emplace_back().kind = kind;
  return *this;
}

TaskBuilder& TaskBuilder::launch_overhead(double seconds) {
  if (Variant* v = last("launch_overhead")) v->launch_overhead = seconds;
  return *this;
}

TaskBuilder& TaskBuilder::flops_per_element(double flops) {
  if (Variant* v = last("flops_per_element")) v->flops_per_element = flops;
  return *this;
}

TaskBuilder& TaskBuilder::bytes_per_element(double bytes) {
  if (Variant* v = last("bytes_per_element")) v->bytes_per_element = bytes;
  return *this;
}

TaskBuilder& TaskBuilder::flops_per_point(double flops) {
  if (Variant* v = last("flops_per_point")) v->flops_per_point = flops;
  return *this;
}

TaskBuilder& TaskBuilder::bytes_per_point(double bytes) {
  if (Variant* v = last("bytes_per_point")) v->bytes_per_point = bytes;
  return *this;
}

TaskBuilder& TaskBuilder::work_arg(std::int64_t arg) {
  if (Variant* v = last("work_arg")) v->work_arg = arg;
  return *this;
}

TaskBuilder& TaskBuilder::slowdown(std::int64_t arg, std::string_view predicate, double factor, LayoutTerm term) {
  auto p = parse(predicate);
  ArgLayout* a = layout(arg, "slowdown");
  if (p && a) a->slowdown.push_back({*p, factor, term});
  return *this;
}

TaskBuilder& TaskBuilder::reject(std::int64_t arg, std::string_view predicate) {
  auto p = parse(predicate);
  ArgLayout* a = layout(arg, "reject");
  if (p && a) a->reject.push_back(*p);
  return *this;
}

Launch& LaunchBuilder::get() { return app_->app_.launches[index_]; }

Argument* LaunchBuilder::last(const char* call) {
  if (!get().args.empty()) return &get().args.back();
  app_->misuse(fmt::format("launches[{}].args", index_), fmt::format("`{}` before any argument", call),
               "add the argument first: .partition(name, privilege)");
  return nullptr;
}

LaunchBuilder& LaunchBuilder::partition(std::string name, Privilege privilege,
                                        std::vector<std::string> fields) {
  Argument& a = get().args.emplace_back();
  a.partition = std::move(name);
  a.privilege = privilege;
  a.fields = std::move(fields);
  return *this;
}

LaunchBuilder& LaunchBuilder::region(std::string name, Privilege privilege, std::vector<std::string> fields) {
  Argument& a = get().args.emplace_back();
  a.region = std::move(name);
  a.privilege = privilege;
  a.fields = std::move(fields);
  return *this;
}

LaunchBuilder& LaunchBuilder::redop(std::string op) {
  if (Argument* a = last("redop")) a->redop = std::move(op);
  return *this;
}

LaunchBuilder& LaunchBuilder::offset(std::int64_t k, Edge edge) {
  if (Argument* a = last("offset")) a->projection = Projection{ProjectionKind::Offset, k, edge, {}};
  return *this;
}

LaunchBuilder& LaunchBuilder::constant(std::int64_t k) {
  if (Argument* a = last("constant")) a->projection = Projection{ProjectionKind::Constant, k, Edge::Skip, {}};
  return *this;
}

LaunchBuilder& LaunchBuilder::table(std::vector<std::int64_t> pieces) {
  if (Argument* a = last("table"))
    a->projection = Projection{ProjectionKind::Table, 0, Edge::Skip, std::move(pieces)};
  return *this;
}

LaunchBuilder& LaunchBuilder::produces(std::string future) {
  get().produces = std::move(future);
  return *this;
}

LaunchBuilder& LaunchBuilder::consumes(std::string future) {
  get().consumes.push_back(std::move(future));
  return *this;
}

LaunchBuilder& LaunchBuilder::parent(std::string task) {
  get().parent = std::move(task);
  return *this;
}

LaunchBuilder& LaunchBuilder::setup() {
  get().setup = true;
  return *this;
}

AppBuilder::AppBuilder(std::string name) { app_.name = std::move(name); }

AppBuilder& AppBuilder::steps(std::int64_t timed, std::int64_t warmup) {
  app_.steps = timed;
  app_.warmup_steps = warmup;
  return *this;
}

AppBuilder& AppBuilder::throughput(std::string unit, double per_step) {
  app_.throughput = {std::move(unit), per_step};
  return *this;
}

RegionBuilder AppBuilder::region(std::string name, std::int64_t elements) {
  app_.regions.push_back({std::move(name), elements, {}});
  return {*this, app_.regions.size() - 1};
}

PartitionBuilder AppBuilder::partition(std::string name, std::string region) {
  Partition& p = app_.partitions.emplace_back();
  p.name = std::move(name);
  p.region = std::move(region);
  return {*this, app_.partitions.size() - 1};
}

PartitionBuilder AppBuilder::subpartition(std::string name, std::string parent, std::int64_t parent_piece) {
  Partition& p = app_.partitions.emplace_back();
  p.name = std::move(name);
  p.parent = std::move(parent);
  p.parent_piece = parent_piece;
  return {*this, app_.partitions.size() - 1};
}

TaskBuilder AppBuilder::task(std::string name) {
  app_.tasks.push_back({std::move(name), {}});
  return {*this, app_.tasks.size() - 1};
}

LaunchBuilder AppBuilder::index_launch(std::string task, mapping::Extents domain) {
  Launch& l = app_.launches.emplace_back();
  l.task = std::move(task);
  l.domain = std::move(domain);
  return {*this, app_.launches.size() - 1};
}

LaunchBuilder AppBuilder::single_launch(std::string task) {
  app_.launches.emplace_back().task = std::move(task);
  return {*this, app_.launches.size() - 1};
}

void AppBuilder::misuse(std::string field, std::string message, std::string hint) {
  misuses_.push_back({"usage.app-builder", std::move(field), std::move(message), std::move(hint)});
}

std::optional<AppModel> AppBuilder::build(lang::Diagnostics& diags) const {
  std::vector<AppProblem> problems = misuses_;
  for (AppProblem& p : validate(app_)) problems.push_back(std::move(p));
  report(app_.name, problems, diags);
  if (!problems.empty()) return std::nullopt;
  return app_;
}

}  // namespace mage::model
