// Every GEMM expert mapper places every launch where the published strategy does (apps.md, "Distributed
// GEMM"). The strategies are written out here as formulas over the launch point and the application's grid;
// the mapper is asked through the compiled policy, launch by launch, as `mage map` asks it (no simulation).
#include <array>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "apps/builtin.hpp"
#include "mapping/launch_map.hpp"
#include "mapping/policy.hpp"
#include "model/machine_model.hpp"

namespace mage::apps {
namespace {

using mapping::Coords;
using mapping::Extents;
using mapping::ProcessorId;

constexpr std::int64_t kGpusPerNode = 4;

// GPU `rank` of the flattened GPUs, node-major: node rank / 4, GPU rank mod 4.
ProcessorId gpu_rank(std::int64_t rank) { return {ProcKind::GPU, rank / kGpusPerNode, rank % kGpusPerNode}; }

std::string show(const ProcessorId& p) { return fmt::format("n{}.{}{}", p.node, to_string(p.kind), p.proc); }

std::string show_point(const Coords& c) { return c.empty() ? "(single)" : fmt::format("({})", fmt::join(c, ",")); }

// A point of `space` split into blocks over a processor grid `grid` (grid[i] blocks along dimension i),
// numbered with dimension 0 fastest: the block's linear index.
std::int64_t block_rank(const Coords& x, const Extents& space, const std::array<std::int64_t, 3>& grid) {
  std::int64_t rank = 0, stride = 1;
  for (std::size_t i = 0; i < x.size(); ++i) {
    rank += x[i] * grid[i] / space[i] * stride;
    stride *= grid[i];
  }
  return rank;
}

// What the test knows of one issued point: its launch, its coordinates, the flattened index its
// projections see, and where the published strategy places its parent.
struct Issued {
  const model::AppModel* app;
  std::size_t launch;
  Coords point;
  std::int64_t flat;
  std::int64_t parent_issue;              // which point of the parent launch issued it
  std::optional<ProcessorId> parent_expected;
};

// The matrix a `taco_fill` or placement launch works on: the partition of its only argument.
char matrix_of(const model::Launch& l) { return l.args.empty() ? '?' : l.args.front().partition.front(); }

class Published {
 public:
  Published(std::string app, const Parameters& params, std::int64_t nodes)
      : app_(std::move(app)), p_(params), nodes_(nodes), gpus_(nodes * kGpusPerNode) {}

  // Where the published strategy places the point; nullopt when it says nothing (never for these apps).
  std::optional<ProcessorId> operator()(const Issued& is) const {
    const model::Launch& l = is.app->launches[is.launch];
    const Coords& x = is.point;
    if (l.task == "init_cublas") return gpu_rank(x[0]);  // node x / 4, GPU x mod 4
    if (app_ == "cannon" || app_ == "summa" || app_ == "pumma") return family(is, l, x);
    if (app_ == "johnson") return johnson(l, x);
    if (app_ == "solomonik") return solomonik(is, l, x);
    if (app_ == "cosma") return cosma(l, x);
    return std::nullopt;
  }

 private:
  std::int64_t at(const char* name) const { return p_.at(name); }

  // auto2d over the gx x gy node grid (each node a 2 x 2 block of tiles) and, within a node, its 2 x 2 GPUs
  // cyclically: node bx0 + gx bx1, GPU (x0 mod 2) + 2 (x1 mod 2), for the square grids of 1 and 4 nodes.
  ProcessorId tile_home(std::int64_t i, std::int64_t j) const {
    const std::int64_t gx = at("gx");
    return {ProcKind::GPU, i / 2 + gx * (j / 2), i % 2 + 2 * (j % 2)};
  }

  std::optional<ProcessorId> family(const Issued& is, const model::Launch& l, const Coords& x) const {
    const std::int64_t gx = at("gx"), gy = at("gy");
    if (l.task == "task_1" || l.task == "task_2" || l.task == "task_3" || l.task == "taco_fill")
      return tile_home(x[0], x[1]);
    if (l.task == "task_7") return ProcessorId{ProcKind::OMP, x[0] + gx * x[1], 0};  // OMP processor 0
    if (l.task == "task_6") return ProcessorId{ProcKind::OMP, is.parent_expected->node, 0};  // its node's
    if (l.task == "task_5") return ProcessorId{ProcKind::GPU, is.parent_expected->node, x[0] + 2 * x[1]};
    if (l.task == "task_4") {
      // Output-stationary: the leaf runs on the GPU that holds its A tile (piece i * 2gy + j).
      const std::int64_t piece = l.args[0].projection.table.at(static_cast<std::size_t>(is.flat));
      return tile_home(piece / (2 * gy), piece % (2 * gy));
    }
    return std::nullopt;
  }

  std::optional<ProcessorId> johnson(const model::Launch& l, const Coords& x) const {
    const std::int64_t g = at("g");
    if (l.task == "task_4") {
      // autoblock: auto_split(P; (g, g, g)) — 4 GPUs: (2, 2, 1) (three splits tie at the least surface;
      // the greedy one wins), 16: (4, 2, 2) (dsl.md's worked case).
      const std::array<std::int64_t, 3> grid = gpus_ == 4 ? std::array<std::int64_t, 3>{2, 2, 1}
                                                          : std::array<std::int64_t, 3>{4, 2, 2};
      return gpu_rank(block_rank(x, l.domain, grid));
    }
    return gpu_rank((x[0] + g * x[1] + g * g * x[2]) % gpus_);  // the placements and the fills
  }

  std::optional<ProcessorId> solomonik(const Issued& is, const model::Launch& l, const Coords& x) const {
    const std::int64_t r = at("rpoc");
    if (l.task == "task_5") {
      // auto3d: nodes in blocks over auto_split(n; (r, r, c)) — 1 node: (1, 1, 1), 4 nodes: (2, 2, 1) —
      // and the node's GPUs cyclically over auto_split(4; what remains) — (2, 2, 1) in both.
      const std::array<std::int64_t, 3> nodes =
          nodes_ == 1 ? std::array<std::int64_t, 3>{1, 1, 1} : std::array<std::int64_t, 3>{2, 2, 1};
      const std::array<std::int64_t, 3> gpus{2, 2, 1};
      std::int64_t gpu = 0, stride = 1;
      for (std::size_t i = 0; i < 3; ++i) {
        gpu += x[i] % gpus[i] * stride;
        stride *= gpus[i];
      }
      return ProcessorId{ProcKind::GPU, block_rank(x, l.domain, nodes), gpu};
    }
    if (l.task == "task_4") return is.parent_expected;  // the same GPU as its parent
    // auto_cyclic_3d: l = x0 + rpoc x1; node l mod n, GPU (l / n) mod 4.
    const std::int64_t ell = x[0] + r * x[1];
    return ProcessorId{ProcKind::GPU, ell % nodes_, ell / nodes_ % kGpusPerNode};
  }

  std::optional<ProcessorId> cosma(const model::Launch& l, const Coords& x) const {
    const std::int64_t gx = at("gx"), gy = at("gy"), gz = at("gz");
    if (l.task == "task_4") {
      // autoblock: auto_split(P; (gx, gy, gz)) is the grid itself for (1, 2, 2) and (2, 2, 4): every
      // other factorization has a larger block surface.
      return gpu_rank(block_rank(x, l.domain, {gx, gy, gz}));
    }
    return gpu_rank((x[0] + gx * x[1] + gx * gy * x[2]) % gpus_);  // the placements and the fills
  }

  std::string app_;
  Parameters p_;
  std::int64_t nodes_, gpus_;
};

struct Case {
  std::string app;
  std::int64_t nodes;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.app << " on " << c.nodes << " node(s)"; }

class GemmExpertPlacement : public ::testing::TestWithParam<Case> {};

TEST_P(GemmExpertPlacement, EveryLaunchIsPlacedAsPublished) {
  const Case& c = GetParam();
  const BuiltinApp* builtin = find_builtin(c.app);
  ASSERT_NE(builtin, nullptr);
  lang::Diagnostics d;
  const Scale scale{c.nodes, kGpusPerNode};
  auto params = resolve_parameters(*builtin, scale, {}, d);
  auto app = make_app(*builtin, scale, {}, d);
  ASSERT_TRUE(params && app) << lang::render_text(d, nullptr);
  const lang::AppSignature signature = app->signature();
  auto policy = mapping::Policy::compile(lang::SourceFile(std::string(builtin->expert_file),
                                                          std::string(expert_mapper(*builtin))),
                                         model::to_machine_desc(*model::model_preset("p100x4", c.nodes)), d,
                                         &signature);
  ASSERT_TRUE(policy) << lang::render_text(d, nullptr);
  const Published published(c.app, *params, c.nodes);

  // Per launch, per issued point (flattened as the projections see it): the mapper's processor and the
  // published one.
  std::vector<std::vector<ProcessorId>> actual(app->launches.size()), expected(app->launches.size());
  std::vector<std::string> wrong;
  std::size_t checked = 0;
  for (std::size_t l = 0; l < app->launches.size(); ++l) {
    const model::Launch& launch = app->launches[l];
    std::vector<ProcKind> variants;
    for (const auto& v : app->find_task(launch.task)->variants) variants.push_back(v.kind);
    const auto parent = app->parent_launch(l);
    const std::size_t issues = parent ? actual[*parent].size() : 1;
    for (std::size_t pi = 0; pi < issues; ++pi) {
      mapping::LaunchQuery query{launch.task, launch.domain, variants, std::nullopt};
      if (parent) query.parent_processor = actual[*parent][pi];
      auto map = mapping::map_launch(*policy, query);
      ASSERT_TRUE(map) << launch.task << ": " << map.error().message;
      for (std::size_t k = 0; k < map->points.size(); ++k) {
        const auto& assigned = map->points[k];
        ASSERT_TRUE(assigned.procs && assigned.procs->size() == 1)
            << c.app << " " << launch.task << " " << show_point(assigned.point) << ": no single processor";
        const ProcessorId got = assigned.procs->front();
        const Issued is{&*app,
                        l,
                        assigned.point,
                        static_cast<std::int64_t>(pi * map->points.size() + k),
                        static_cast<std::int64_t>(pi),
                        parent ? std::optional<ProcessorId>(expected[*parent][pi]) : std::nullopt};
        const auto want = published(is);
        ASSERT_TRUE(want) << c.app << ": the test has no formula for " << launch.task;
        if (!(got == *want))
          wrong.push_back(fmt::format("launch {} `{}`{} {}: published {}, mapped {}", l, launch.task,
                                      launch.task == "taco_fill" ? fmt::format(" of {}", matrix_of(launch)) : "",
                                      show_point(assigned.point), show(*want), show(got)));
        actual[l].push_back(got);
        expected[l].push_back(*want);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 0u);
  std::string list;
  for (std::size_t i = 0; i < wrong.size() && i < 12; ++i) list += "\n  " + wrong[i];
  EXPECT_TRUE(wrong.empty()) << c.app << " on " << c.nodes << " node(s): " << wrong.size() << " of " << checked
                             << " points placed otherwise than published:" << list;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const char* app : {"cannon", "summa", "pumma", "johnson", "solomonik", "cosma"})
    for (std::int64_t nodes : {1, 4}) out.push_back({app, nodes});
  return out;
}

INSTANTIATE_TEST_SUITE_P(GemmExperts, GemmExpertPlacement, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.app + "_" + std::to_string(info.param.nodes) + "nodes";
                         });

// The premise of the family's formulas: on 1 and 4 nodes the node grid is square.
TEST(GemmExpertPlacement, FamilyNodeGridsAreSquareOnOneAndFourNodes) {
  for (std::int64_t nodes : {1, 4}) {
    lang::Diagnostics d;
    auto p = resolve_parameters(*find_builtin("cannon"), Scale{nodes, kGpusPerNode}, {}, d);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->at("gx"), p->at("gy"));
    EXPECT_EQ(p->at("gx") * p->at("gy"), nodes);
  }
}

}  // namespace
}  // namespace mage::apps
