// Stencil: the PRK star stencil of radius 2 as Regent's stencil_fast.rg runs it (docs/apps/stencil.md).
// Tiles ntx x nty, each a tile of the grid plus a halo; four ghost regions (xm, xp, ym, yp) hold every
// tile's r-wide edge strips ("out-slots"), which the neighbouring tile reads as its "in-slots".
#include "apps/models.hpp"
#include "model/app_builder.hpp"

namespace mage::apps {

namespace {

constexpr std::int64_t kRadius = 2;
constexpr std::int64_t kTileEdge = 15000;  // per GPU in the published weak scaling (30000 per 2 tiles)

}  // namespace

Parameters stencil_defaults(const Scale& scale) {
  // One tile per GPU: ntx x nty = nodes x GPUs, x the larger side, as the published scripts double x
  // first (-ntx 2*2^ceil(k/2) -nty 2*2^floor(k/2) on 2^k nodes of 4 GPUs).
  auto [ntx, nty] = grid2(scale.gpus());
  return Parameters({{"nx", kTileEdge * ntx, "grid points along x"},
                     {"ny", kTileEdge * nty, "grid points along y"},
                     {"ntx", ntx, "tiles along x"},
                     {"nty", nty, "tiles along y"},
                     {"steps", 10, "timed time steps"},
                     {"warmup", 2, "untimed time steps first"}});
}

std::optional<model::AppModel> build_stencil(const Parameters& p, lang::Diagnostics& diags) {
  using model::Privilege;
  const std::int64_t ntx = p.at("ntx"), nty = p.at("nty"), tiles = ntx * nty;
  const std::int64_t tx = ceil_div(p.at("nx"), ntx), ty = ceil_div(p.at("ny"), nty);
  const std::int64_t r = kRadius;

  model::AppBuilder app("stencil");
  app.steps(p.at("steps"), p.at("warmup")).throughput("Mpoints/s", static_cast<double>(p.at("nx") * p.at("ny")) / 1e6);
  // Each tile with its own halo: tile i owns [i * T, (i + 1) * T).
  app.region("points", tiles * (tx + 2 * r) * (ty + 2 * r)).field("input", 8).field("output", 8);
  app.partition("private", "points").blocks(tiles).disjoint();

  // Ghost strips: slot i of xm/xp is tile i's r x ty edge, of ym/yp its tx x r edge.
  struct Ghost {
    const char* region;
    std::int64_t slot;
    std::int64_t dx, dy;  // the neighbour whose out-slot is this tile's in-slot
  };
  const Ghost ghosts[] = {{"xm", r * ty, +1, 0}, {"xp", r * ty, -1, 0}, {"ym", tx * r, 0, +1}, {"yp", tx * r, 0, -1}};
  for (const Ghost& g : ghosts) {
    const std::string name = g.region;
    app.region(name, tiles * g.slot).field("input", 8);
    app.partition("p" + name + "_out", name).blocks(tiles).disjoint();
    std::vector<model::IntervalSet> in;
    for (std::int64_t iy = 0; iy < nty; ++iy)
      for (std::int64_t ix = 0; ix < ntx; ++ix) {
        const std::int64_t nx = ix + g.dx, ny = iy + g.dy;
        if (nx < 0 || nx >= ntx || ny < 0 || ny >= nty) {
          in.emplace_back();  // no neighbour at the grid's edge
        } else {
          const std::int64_t slot = ny * ntx + nx;
          in.push_back(model::IntervalSet::range(slot * g.slot, (slot + 1) * g.slot));
        }
      }
    app.partition("p" + name + "_in", name).pieces(std::move(in)).disjoint();
  }

  // Work per point of the tile (halo included): the stencil reads 8 neighbours of `input` (cached) and
  // updates `output`, 17 FLOP and 24 B; increment adds 1 to `input`, 1 FLOP and 16 B. Layouts scale the
  // memory term of the tile's argument (docs/apps/stencil.md): interleaved `input` and `output` (AOS)
  // make every written sector or line carry the other field too, so the stencil moves 32 B a point
  // instead of 24 (x1.33) and increment, which touches `input` only, 32 instead of 16 (x2). The GPU
  // kernels walk x fastest: a C-ordered tile makes their accesses strided (x3, estimated), and a tile
  // aligned below 128 B costs the stencil a partial transaction per row (x1.05); the CPU kernels lose
  // less to C order (x1.2, estimated: prefetchers follow the stride). The ghost strips hold one field.
  app.task("stencil")
      .variant(ProcKind::CPU).flops_per_element(17).bytes_per_element(24)
      .slowdown(0, "AOS", 32.0 / 24).slowdown(0, "C_order", 1.2)
      .variant(ProcKind::GPU).flops_per_element(17).bytes_per_element(24)
      .slowdown(0, "AOS", 32.0 / 24).slowdown(0, "C_order", 3.0).slowdown(0, "Align<128", 1.05);
  app.task("increment")
      .variant(ProcKind::CPU).flops_per_element(1).bytes_per_element(16)
      .slowdown(0, "AOS", 2.0).slowdown(0, "C_order", 1.2)
      .variant(ProcKind::GPU).flops_per_element(1).bytes_per_element(16)
      .slowdown(0, "AOS", 2.0).slowdown(0, "C_order", 3.0);

  auto stencil = app.index_launch("stencil", {tiles});
  stencil.partition("private", Privilege::RW, {"input", "output"});
  for (const char* g : {"xm", "xp", "ym", "yp"}) stencil.partition(std::string("p") + g + "_in", Privilege::RO, {"input"});
  auto increment = app.index_launch("increment", {tiles});
  increment.partition("private", Privilege::RW, {"input"});
  for (const char* g : {"xm", "xp", "ym", "yp"})
    increment.partition(std::string("p") + g + "_out", Privilege::RW, {"input"});
  return app.build(diags);
}

}  // namespace mage::apps
