// The optimizers by name, for the command line and the run directory.
#include "search/optimizer.hpp"

namespace mage::search {

std::vector<std::string_view> optimizer_names() { return {"random", "ensemble", "ccd"}; }

std::unique_ptr<Optimizer> make_optimizer(std::string_view name, const Space& space, std::uint64_t seed,
                                          const CcdOptions* ccd) {
  if (name == "random") return make_random(space, seed);
  if (name == "ensemble") {
    EnsembleOptions options;
    if (ccd) options.start = ccd->start;
    return make_ensemble(space, seed, std::move(options));
  }
  if (name == "ccd") {
    CcdOptions options = ccd ? *ccd : CcdOptions{};
    options.seed = seed;
    return make_coordinate_descent(space, std::move(options));
  }
  return nullptr;
}

}  // namespace mage::search
