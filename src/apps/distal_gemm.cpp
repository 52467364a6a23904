// The six DISTAL matrix multiplications, A(i,j) += B(i,k) * C(k,j) on N x N doubles (docs/apps/gemm.md).
// They share the task names of DISTAL's generated code: taco_fill and the placement tasks task_1/2/3 put
// each tile at its home once; init_cublas starts the GPU library; task_4 is the leaf GEMM, launched by
// inner tasks (task_7 > task_6 > task_5 for the 2-D family, task_5 for Solomonik) or directly (Johnson,
// COSMA). Tiles are numbered row-major in their tile grid; a tile's elements are contiguous.
#include <cmath>
#include <functional>

#include "apps/models.hpp"
#include "model/app_builder.hpp"

namespace mage::apps {

namespace {

using model::Privilege;
using Coords = mapping::Coords;
using Extents = mapping::Extents;

// The matrix order of the published runs, on one node and on four alike (Johnson: half). The processor
// grid grows with the machine and the tiles shrink: the published comparison, not weak scaling (whose
// N = 20000 sqrt(nodes) is one `--param n=` away).
constexpr std::int64_t kOrder = 20000;

// One piece per point of a launch domain, in row-major order.
std::vector<std::int64_t> table(const Extents& domain, const std::function<std::int64_t(const Coords&)>& piece) {
  std::int64_t volume = 1;
  for (auto e : domain) volume *= e;
  std::vector<std::int64_t> out;
  for (std::int64_t linear = 0; linear < volume; ++linear) out.push_back(piece(model::delinearize(linear, domain)));
  return out;
}

struct Grid {
  std::int64_t rows, cols;    // tiles
  std::int64_t trows, tcols;  // elements of a tile
};

class Gemm {
 public:
  Gemm(std::string name, const Parameters& p) : n_(p.at("n")), app_(std::move(name)) {
    const double n = static_cast<double>(n_);
    app_.steps(p.at("steps"), p.at("warmup")).throughput("GFLOP/s", 2 * n * n * n / 1e9);
    // Filling writes every element once; placing a tile where it already is costs a task launch.
    auto fill = app_.task("taco_fill");
    for (ProcKind k : {ProcKind::GPU, ProcKind::OMP, ProcKind::CPU}) fill.variant(k).bytes_per_element(8);
    for (const char* t : {"task_1", "task_2", "task_3"})
      app_.task(t).variant(ProcKind::GPU).variant(ProcKind::OMP).variant(ProcKind::CPU);
    app_.task("init_cublas").variant(ProcKind::GPU).flops_per_point(0);
  }

  // Matrix `name` cut into a grid of tiles, partition `<name>_tiles`.
  void matrix(const std::string& name, Grid g) {
    grids_[name] = g;
    app_.region(name, g.rows * g.cols * g.trows * g.tcols).field("vals", 8);
    app_.partition(name + "_tiles", name).blocks(g.rows * g.cols).disjoint();
  }

  // A (i x j tiles), B (i x k) and C (k x j) of the n x n matrices, and the leaf that multiplies a tile
  // of each: the shape shared by the algorithms whose tile grids differ per dimension.
  void operands(std::int64_t i, std::int64_t j, std::int64_t k) {
    matrix("A", {i, j, ceil_div(n_, i), ceil_div(n_, j)});
    matrix("B", {i, k, ceil_div(n_, i), ceil_div(n_, k)});
    matrix("C", {k, j, ceil_div(n_, k), ceil_div(n_, j)});
    leaf(ceil_div(n_, i), ceil_div(n_, j), ceil_div(n_, k));
  }

  // The leaf: one cuBLAS DGEMM (or a BLAS call on an OpenMP processor) of an m x k by k x n product.
  void leaf(std::int64_t m, std::int64_t n, std::int64_t k) {
    const auto md = static_cast<double>(m), nd = static_cast<double>(n), kd = static_cast<double>(k);
    const double flops = 2 * md * nd * kd, bytes = 8 * (md * kd + kd * nd + 2 * md * nd);
    app_.task("task_4")
        .variant(ProcKind::GPU).flops_per_point(flops).bytes_per_point(bytes)
        .variant(ProcKind::OMP).flops_per_point(flops).bytes_per_point(bytes);
  }

  // Set-up: the cuBLAS handles, then each matrix filled and placed over its own launch domain.
  void setup(std::int64_t gpus, const std::array<Extents, 3>& domains,
             const std::array<std::function<std::int64_t(const Coords&)>, 3>& pieces) {
    app_.index_launch("init_cublas", {gpus}).setup();
    const char* names[] = {"A", "B", "C"};
    for (int m = 0; m < 3; ++m)
      app_.index_launch("taco_fill", domains[m]).setup()
          .partition(std::string(names[m]) + "_tiles", Privilege::WD).table(table(domains[m], pieces[m]));
    for (int m = 0; m < 3; ++m) place(m, domains[m], pieces[m], true);
  }

  // task_1/2/3 over the matrix's placement domain: the tile at its home, read-write. Run again after the
  // product, task_1 folds the partial sums that the leaves reduced into A.
  void place(int matrix, const Extents& domain, const std::function<std::int64_t(const Coords&)>& piece, bool once) {
    const char* names[] = {"A", "B", "C"};
    const std::string task = "task_" + std::to_string(matrix + 1);
    auto l = app_.index_launch(task, domain);
    if (once) l.setup();
    l.partition(std::string(names[matrix]) + "_tiles", Privilege::RW).table(table(domain, piece));
  }

  model::AppBuilder& app() { return app_; }
  std::int64_t n() const { return n_; }

 private:
  std::int64_t n_;
  model::AppBuilder app_;
  std::map<std::string, Grid> grids_;
};

Parameters common(std::int64_t n, std::vector<Parameter> grid) {
  grid.push_back({"n", n, "matrix order N"});
  grid.push_back({"steps", 5, "timed products"});
  grid.push_back({"warmup", 1, "untimed products first"});
  return Parameters(std::move(grid));
}

// ---- Cannon, SUMMA, PUMMA: a gx x gy node grid, each node a 2 x 2 grid of GPUs --------------------------

enum class Family { Cannon, Summa, Pumma };

Parameters family_defaults(const Scale& scale) {
  auto [gx, gy] = grid2(scale.nodes);  // x the larger extent
  return common(kOrder, {{"gx", gx, "node grid along i"}, {"gy", gy, "node grid along j"}});
}

std::optional<model::AppModel> build_family(const char* name, Family family, const Parameters& p,
                                            lang::Diagnostics& diags) {
  const std::int64_t gx = p.at("gx"), gy = p.at("gy");
  const std::int64_t ti = 2 * gx, tj = 2 * gy, tk = 2 * gx;  // tile grids: A ti x tj, B ti x tk, C tk x tj
  Gemm g(name, p);
  g.operands(ti, tj, tk);
  auto& app = g.app();
  for (const char* inner : {"task_7", "task_6"}) app.task(inner).variant(ProcKind::OMP).variant(ProcKind::CPU);
  app.task("task_5").variant(ProcKind::GPU).variant(ProcKind::OMP).variant(ProcKind::CPU);

  auto rowmajor = [](std::int64_t cols) { return [cols](const Coords& c) { return c[0] * cols + c[1]; }; };
  g.setup(4 * gx * gy, {Extents{ti, tj}, Extents{ti, tk}, Extents{tk, tj}}, {rowmajor(tj), rowmajor(tk), rowmajor(tj)});

  // task_7 over the node grid loops over gx steps; per step task_6 (one per node) launches task_5 over the
  // node's 2 x 2 GPUs, whose points each run two leaves. A leaf's flattened index is
  // (node * 4 + gpu), node = nx * gy + ny, gpu = lx * 2 + ly.
  app.index_launch("task_7", {gx, gy});
  const std::int64_t leaves = 4 * gx * gy;
  for (std::int64_t s = 0; s < gx; ++s) {
    app.single_launch("task_6").parent("task_7");
    app.index_launch("task_5", {2, 2}).parent("task_6");
    for (std::int64_t h = 0; h < 2; ++h) {
      std::vector<std::int64_t> a, b, c;
      for (std::int64_t f = 0; f < leaves; ++f) {
        const std::int64_t nx = f / 4 / gy, ny = f / 4 % gy, lx = f % 4 / 2, ly = f % 2;
        const std::int64_t i = 2 * nx + lx, j = 2 * ny + ly;
        std::int64_t kb = s, kh = h;  // SUMMA: step s broadcasts k-block s
        if (family == Family::Pumma) kb = (nx + s) % gx;
        if (family == Family::Cannon) kb = (nx + ny + s) % gx, kh = (lx + ly + h) % 2;
        const std::int64_t k = 2 * kb + kh;
        a.push_back(i * tj + j);
        b.push_back(i * tk + k);
        c.push_back(k * tj + j);
      }
      app.single_launch("task_4").parent("task_5")
          .partition("A_tiles", Privilege::RW).table(std::move(a))
          .partition("B_tiles", Privilege::RO).table(std::move(b))
          .partition("C_tiles", Privilege::RO).table(std::move(c));
    }
  }
  return app.build(diags);
}

// ---- the 3-D algorithms: leaves reduce partial products into A ------------------------------------------

std::optional<model::AppModel> build_3d(const char* name, const Parameters& p, std::int64_t gx, std::int64_t gy,
                                        std::int64_t gz, lang::Diagnostics& diags) {
  Gemm g(name, p);
  g.operands(gx, gy, gz);
  auto& app = g.app();
  auto a = [gy](const Coords& c) { return c[0] * gy + c[1]; };
  auto b = [gz](const Coords& c) { return c[0] * gz + c[2]; };
  auto cc = [gy](const Coords& c) { return c[2] * gy + c[1]; };
  const Extents pa{gx, gy, 1}, pb{gx, 1, gz}, pc{1, gy, gz};
  g.setup(p.at("gpus"), {pa, pb, pc}, {a, b, cc});
  const Extents leaves{gx, gy, gz};
  app.index_launch("task_4", leaves)
      .partition("A_tiles", Privilege::RED).redop("+").table(table(leaves, a))
      .partition("B_tiles", Privilege::RO).table(table(leaves, b))
      .partition("C_tiles", Privilege::RO).table(table(leaves, cc));
  g.place(0, pa, a, false);
  return app.build(diags);
}

std::int64_t pow2_at_least(double x) {
  std::int64_t v = 1;
  while (static_cast<double>(v) < x - 1e-9) v *= 2;
  return v;
}

// COSMA's grid: prime factors of P, largest first, each multiplying the smallest extent (ties: the last).
std::array<std::int64_t, 3> cosma_grid(std::int64_t p) {
  std::vector<std::int64_t> factors;
  for (std::int64_t f = 2; f * f <= p; ++f)
    while (p % f == 0) factors.push_back(f), p /= f;
  if (p > 1) factors.push_back(p);
  std::array<std::int64_t, 3> g{1, 1, 1};
  for (auto it = factors.rbegin(); it != factors.rend(); ++it) {
    std::size_t smallest = 2;
    for (std::size_t d = 3; d-- > 0;)
      if (g[d] < g[smallest]) smallest = d;
    g[smallest] *= *it;
  }
  return g;
}

}  // namespace

Parameters cannon_defaults(const Scale& s) { return family_defaults(s); }
Parameters summa_defaults(const Scale& s) { return family_defaults(s); }
Parameters pumma_defaults(const Scale& s) { return family_defaults(s); }
std::optional<model::AppModel> build_cannon(const Parameters& p, lang::Diagnostics& d) {
  return build_family("cannon", Family::Cannon, p, d);
}
std::optional<model::AppModel> build_summa(const Parameters& p, lang::Diagnostics& d) {
  return build_family("summa", Family::Summa, p, d);
}
std::optional<model::AppModel> build_pumma(const Parameters& p, lang::Diagnostics& d) {
  return build_family("pumma", Family::Pumma, p, d);
}

// Johnson: a g x g x g grid, g the power of two at least the cube root of P (16 GPUs: g = 4).
Parameters johnson_defaults(const Scale& s) {
  const double gpus = static_cast<double>(s.gpus());
  return common(kOrder / 2,
                {{"g", pow2_at_least(std::cbrt(gpus)), "processor grid g x g x g"}, {"gpus", s.gpus(), "GPUs"}});
}
std::optional<model::AppModel> build_johnson(const Parameters& p, lang::Diagnostics& d) {
  return build_3d("johnson", p, p.at("g"), p.at("g"), p.at("g"), d);
}

// COSMA: gx * gy * gz = P.
Parameters cosma_defaults(const Scale& s) {
  auto g = cosma_grid(s.gpus());
  return common(kOrder, {{"gx", g[0], "grid along i"}, {"gy", g[1], "grid along j"}, {"gz", g[2], "grid along k"},
                 {"gpus", s.gpus(), "GPUs"}});
}
std::optional<model::AppModel> build_cosma(const Parameters& p, lang::Diagnostics& d) {
  return build_3d("cosma", p, p.at("gx"), p.at("gy"), p.at("gz"), d);
}

// Solomonik: rpoc x rpoc x c, P = rpoc^2 c, c = 1 when P is a power of 4, else 2.
Parameters solomonik_defaults(const Scale& s) {
  const std::int64_t gpus = s.gpus();
  std::int64_t c = 1;
  auto rpoc = static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(gpus))));
  if (rpoc * rpoc != gpus) {
    c = 2;
    rpoc = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(gpus) / 2))));
  }
  return common(kOrder, {{"rpoc", rpoc, "processor grid rpoc x rpoc per layer"}, {"c", c, "layers"}});
}
std::optional<model::AppModel> build_solomonik(const Parameters& p, lang::Diagnostics& diags) {
  const std::int64_t r = p.at("rpoc"), c = p.at("c");
  Gemm g("solomonik", p);
  const std::int64_t n = g.n(), t = ceil_div(n, r);
  for (const char* m : {"A", "B", "C"}) g.matrix(m, {r, r, t, t});
  g.leaf(t, t, t);
  auto& app = g.app();
  app.task("task_5").variant(ProcKind::GPU).variant(ProcKind::OMP).variant(ProcKind::CPU);
  auto tile = [r](const Coords& x) { return x[0] * r + x[1]; };
  const Extents face{r, r, 1};
  g.setup(r * r * c, {face, face, face}, {tile, tile, tile});
  // Layer l of task_5 runs rpoc / c Cannon steps, one leaf each, on the k-blocks its layer owns.
  app.index_launch("task_5", {r, r, c});
  const std::int64_t steps = ceil_div(r, c);
  for (std::int64_t s = 0; s < steps; ++s) {
    std::vector<std::int64_t> a, b, cc;
    for (std::int64_t f = 0; f < r * r * c; ++f) {
      const std::int64_t i = f / c / r, j = f / c % r, l = f % c;
      const std::int64_t k = (i + j + l * steps + s) % r;
      a.push_back(i * r + j);
      b.push_back(i * r + k);
      cc.push_back(k * r + j);
    }
    app.single_launch("task_4").parent("task_5")
        .partition("A_tiles", Privilege::RED).redop("+").table(std::move(a))
        .partition("B_tiles", Privilege::RO).table(std::move(b))
        .partition("C_tiles", Privilege::RO).table(std::move(cc));
  }
  g.place(0, face, tile, false);
  return app.build(diags);
}

}  // namespace mage::apps
