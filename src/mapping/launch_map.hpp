// A whole launch mapped point by point: what `mage map` shows and what tests and the feedback engine
// inspect. Pure: rendering returns text or JSON, printing is the caller's business.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lang/expected.hpp"
#include "mapping/policy.hpp"

namespace mage::mapping {

struct PointAssignment {
  Coords point;
  lang::Expected<ProcessorSet> procs;
};

struct LaunchMap {
  std::string task;
  ProcKind kind = ProcKind::CPU;
  Extents domain;                  // empty for a single launch
  const lang::Stmt* rule = nullptr;  // the IndexTaskMap / SingleTaskMap that decided, null for the default
  std::vector<PointAssignment> points;
  std::size_t error_count() const;
};

// Evaluation steps one launch may take over all its points: a function that runs into the per-call step
// limit at every point of a large domain stops within seconds instead of running for hours.
inline constexpr std::int64_t kMaxLaunchEvalSteps = 50'000'000;

struct LaunchQuery {
  std::string task;
  Extents domain;  // empty: a single launch
  std::vector<ProcKind> variants;  // empty: the task has a variant for every kind
  std::optional<ProcessorId> parent_processor;
  std::int64_t step_budget = kMaxLaunchEvalSteps;  // over every point; 0: none
};

// Chooses the task's processor kind and maps every point of the domain (row-major order). Fails as a
// whole (`eval.step-budget`) when the points together take more than `query.step_budget` steps; the
// policy then keeps that failure among its cached answers for the launch, so map it again with a fresh
// policy.
lang::Expected<LaunchMap> map_launch(Policy& policy, const LaunchQuery& query);

// The point -> processor table, a per-processor load summary and, for 2-D domains, a grid picture.
std::string render_launch_text(const LaunchMap& map, const Policy& policy);
nlohmann::json launch_to_json(const LaunchMap& map, const Policy& policy);

// "8x4" -> (8, 4); nullopt unless every extent is a positive integer and the volume stays reasonable.
std::optional<Extents> parse_domain(std::string_view text);

}  // namespace mage::mapping
