// A fluent C++ way to write application models (the built-in applications):
//
//   AppBuilder app("halo2d");
//   app.steps(10, 1).throughput("iterations/s", 1);
//   app.region("grid", 65536).field("input", 8).field("output", 8);
//   app.partition("private", "grid").blocks(4).disjoint();
//   app.task("stencil").variant(ProcKind::GPU).flops_per_element(17).bytes_per_element(24);
//   app.index_launch("stencil", {2, 2}).partition("private", Privilege::RW, {"input", "output"});
//   std::optional<AppModel> model = app.build(diags);
//
// Each call adds to the model in declaration order, as the TOML form would; build() validates it.
// The part builders point into their AppBuilder, which must outlive them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lang/diagnostic.hpp"
#include "model/app_model.hpp"

namespace mage::model {

class AppBuilder;

class RegionBuilder {
 public:
  RegionBuilder& field(std::string name, std::int64_t bytes);

 private:
  friend class AppBuilder;
  RegionBuilder(AppBuilder& app, std::size_t index) : app_(&app), index_(index) {}
  AppBuilder* app_;
  std::size_t index_;
};

class PartitionBuilder {
 public:
  PartitionBuilder& piece(IntervalSet piece);
  PartitionBuilder& pieces(std::vector<IntervalSet> pieces);
  // n equal contiguous pieces of what it partitions, which must be declared already.
  PartitionBuilder& blocks(std::int64_t n);
  PartitionBuilder& piece_names(std::vector<std::string> names);
  PartitionBuilder& disjoint(bool declared = true);

 private:
  friend class AppBuilder;
  PartitionBuilder(AppBuilder& app, std::size_t index) : app_(&app), index_(index) {}
  Partition& get();
  AppBuilder* app_;
  std::size_t index_;
};

// Cost and layout calls describe the variant declared last.
class TaskBuilder {
 public:
  TaskBuilder& variant(ProcKind kind);
  TaskBuilder& launch_overhead(double seconds);
  TaskBuilder& flops_per_element(double flops);
  TaskBuilder& bytes_per_element(double bytes);
  TaskBuilder& flops_per_point(double flops);
  TaskBuilder& bytes_per_point(double bytes);
  TaskBuilder& work_arg(std::int64_t arg);
  // `predicate` as in the file form: SOA, AOS, C_order, F_order, Align<N. The factor scales the memory
  // term of the roofline unless `term` says the kernel's compute depends on the layout.
  TaskBuilder& slowdown(std::int64_t arg, std::string_view predicate, double factor,
                        LayoutTerm term = LayoutTerm::Memory);
  TaskBuilder& reject(std::int64_t arg, std::string_view predicate);

 private:
  friend class AppBuilder;
  TaskBuilder(AppBuilder& app, std::size_t index) : app_(&app), index_(index) {}
  Variant* last(const char* call);
  ArgLayout* layout(std::int64_t arg, const char* call);
  std::optional<LayoutPredicate> parse(std::string_view predicate);
  AppBuilder* app_;
  std::size_t index_;
};

// Argument calls add an argument; projection and `redop` calls describe the argument added last.
class LaunchBuilder {
 public:
  LaunchBuilder& partition(std::string name, Privilege privilege, std::vector<std::string> fields = {});
  LaunchBuilder& region(std::string name, Privilege privilege, std::vector<std::string> fields = {});
  LaunchBuilder& redop(std::string op);
  LaunchBuilder& offset(std::int64_t k, Edge edge = Edge::Skip);
  LaunchBuilder& constant(std::int64_t k);
  LaunchBuilder& table(std::vector<std::int64_t> pieces);
  LaunchBuilder& produces(std::string future);
  LaunchBuilder& consumes(std::string future);
  LaunchBuilder& parent(std::string task);  // issued by each point of the nearest earlier `task` launch
  LaunchBuilder& setup();                   // first step only

 private:
  friend class AppBuilder;
  LaunchBuilder(AppBuilder& app, std::size_t index) : app_(&app), index_(index) {}
  Launch& get();
  Argument* last(const char* call);
  AppBuilder* app_;
  std::size_t index_;
};

class AppBuilder {
 public:
  explicit AppBuilder(std::string name);

  AppBuilder& steps(std::int64_t timed, std::int64_t warmup = 0);
  AppBuilder& throughput(std::string unit, double per_step);
  RegionBuilder region(std::string name, std::int64_t elements);
  PartitionBuilder partition(std::string name, std::string region);
  PartitionBuilder subpartition(std::string name, std::string parent, std::int64_t parent_piece);
  TaskBuilder task(std::string name);
  LaunchBuilder index_launch(std::string task, mapping::Extents domain);
  LaunchBuilder single_launch(std::string task);

  const AppModel& model() const { return app_; }
  // The model, or nullopt with the reasons (misused calls and validation errors) in `diags`.
  std::optional<AppModel> build(lang::Diagnostics& diags) const;

 private:
  friend class RegionBuilder;
  friend class PartitionBuilder;
  friend class TaskBuilder;
  friend class LaunchBuilder;
  void misuse(std::string field, std::string message, std::string hint);

  AppModel app_;
  std::vector<AppProblem> misuses_;
};

}  // namespace mage::model
