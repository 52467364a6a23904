// The abstract search space the optimizers work on: a list of categorical parameters, a point picks one
// option of each. What the options mean (processor kinds, memories, layouts) is the caller's business;
// the optimizers only see indices and outcomes.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace mage::search {

// A categorical parameter; options.size() >= 1.
struct Parameter {
  std::string name;
  std::vector<std::string> options;
};

// One option index per parameter.
using Point = std::vector<int>;

struct Space {
  std::vector<Parameter> params;
  // Number of points (the product of the option counts), saturating at SIZE_MAX; 1 without parameters.
  std::size_t size() const;
  // Whether `p` has one in-range option index per parameter.
  bool contains(const Point& p) const;
  // "name=option name=option ...", for logs and test messages.
  std::string describe(const Point& p) const;
};

// Throws std::invalid_argument naming the first parameter without options.
void validate_space(const Space& space);

// One evaluation's result. Higher score is better (throughput). Failed evaluations (errors, out of
// memory) have ok=false and rank below every success.
struct Outcome {
  bool ok = false;
  double score = 0;
};

// a strictly better than b: a success beats a failure, two successes compare by score, two failures tie.
bool better(const Outcome& a, const Outcome& b);

}  // namespace mage::search
