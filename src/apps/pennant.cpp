// Pennant: Regent's pennant.rg, the GPU version (docs/apps/pennant.md). A rectangular mesh cut into
// horizontal strips (numpcx = 1), one piece per GPU. Points on a boundary between two strips are
// "shared": owned by the lower piece (rp_all_shared_p) and read or reduced by both (rp_all_ghost_p).
// Every cycle runs 29 launches; calc_dt_hydro's minimum dt feeds the next cycle's calc_global_dt.
#include "apps/models.hpp"
#include "model/app_builder.hpp"

namespace mage::apps {

namespace {

// The mesh fields, grouped: every launch touches zones and sides whole (they dominate the footprint and
// a kernel streams most of their fields); point fields are named where ghosts are exchanged.
constexpr std::int64_t kZoneBytes = 185;  // 3 vec2 + 17 f64 + u8
constexpr std::int64_t kSideBytes = 258;
constexpr std::int64_t kSidesPerZone = 4;  // quadrilateral zones

enum class Loop { Zones, Sides, Points };
enum class Ghost { None, Read, Reduce };

// One launch of the cycle: its loop (what the work scales with) and how it uses the point partitions.
struct Step {
  const char* task;
  Loop loop;
  double flops;  // per element of the loop
  double bytes;
  Ghost ghost = Ghost::None;
  const char* ghost_field = "";     // the point field exchanged with neighbours
  const char* points = "";          // "private" or "shared": a point-only launch over one of them
  bool uses_dt = false;             // consumes this cycle's dt
};

// Work per zone over the cycle: ~1.2 kFLOP and ~3 KB, qcs_corner_divergence the heaviest (~90 FLOP per
// side). Per-launch figures split those totals by the loops each task runs (estimated from pennant.rg).
constexpr Step kCycle[] = {
    {"init_step_points", Loop::Points, 2, 48, Ghost::None, "", "private"},
    {"init_step_points", Loop::Points, 2, 48, Ghost::None, "", "shared"},
    {"init_step_zones", Loop::Zones, 4, 64},
    {"adv_pos_half", Loop::Points, 8, 96, Ghost::None, "", "private", true},
    {"adv_pos_half", Loop::Points, 8, 96, Ghost::None, "", "shared", true},
    {"calc_centers", Loop::Sides, 10, 72, Ghost::Read, "pxp"},
    {"calc_volumes", Loop::Sides, 12, 72, Ghost::Read, "pxp"},
    {"calc_char_len", Loop::Sides, 8, 48},
    {"calc_rho_half", Loop::Zones, 4, 40},
    {"sum_point_mass", Loop::Sides, 4, 40, Ghost::Reduce, "pmaswt"},
    {"calc_state_at_half", Loop::Zones, 30, 96, Ghost::None, "", "", true},
    {"calc_force_pgas_tts", Loop::Sides, 12, 64},
    {"qcs_zone_center_velocity", Loop::Sides, 4, 40, Ghost::Read, "pu"},
    {"qcs_corner_divergence", Loop::Sides, 90, 160, Ghost::Read, "pu"},
    {"qcs_qcn_force", Loop::Sides, 30, 96},
    {"qcs_force", Loop::Sides, 16, 80},
    {"qcs_vel_diff", Loop::Sides, 20, 72, Ghost::Read, "pu"},
    {"sum_point_force", Loop::Sides, 4, 48, Ghost::Reduce, "pf"},
    {"apply_boundary_conditions", Loop::Points, 4, 40, Ghost::None, "", "private"},
    {"apply_boundary_conditions", Loop::Points, 4, 40, Ghost::None, "", "shared"},
    {"adv_pos_full", Loop::Points, 14, 120, Ghost::None, "", "private", true},
    {"adv_pos_full", Loop::Points, 14, 120, Ghost::None, "", "shared", true},
    {"calc_centers_full", Loop::Sides, 10, 72, Ghost::Read, "px"},
    {"calc_volumes_full", Loop::Sides, 12, 72, Ghost::Read, "px"},
    {"calc_work", Loop::Sides, 14, 80, Ghost::Read, "pu", "", true},
    {"calc_work_rate_energy_rho_full", Loop::Zones, 20, 96, Ghost::None, "", "", true},
};

}  // namespace

Parameters pennant_defaults(const Scale& scale) {
  // leblanc_long with -npieces 4N -numpcx 1 -numpcy 4N: a 320 x 23040-zone strip per GPU.
  return Parameters({{"npieces", scale.gpus(), "mesh pieces (strips), one per GPU"},
                     {"zones_x", 320, "zones across a strip"},
                     {"zones_y", 23040, "zones along a strip"},
                     {"steps", 10, "timed cycles"},
                     {"warmup", 2, "untimed cycles first"}});
}

std::optional<model::AppModel> build_pennant(const Parameters& p, lang::Diagnostics& diags) {
  using model::IntervalSet;
  using model::Privilege;
  const std::int64_t np = p.at("npieces"), zx = p.at("zones_x"), zy = p.at("zones_y");
  const std::int64_t zones = zx * zy;            // per piece
  const std::int64_t row = zx + 1;               // points on a row
  const std::int64_t private_points = row * zy;  // per piece: its rows but the shared top one
  const std::int64_t shared_rows = np - 1;       // the boundaries between strips
  const std::int64_t ghost_base = np * private_points;

  model::AppBuilder app("pennant");
  app.steps(p.at("steps"), p.at("warmup")).throughput("Mzones/s", static_cast<double>(np * zones) / 1e6);
  app.region("rz_all", np * zones).field("zone_state", kZoneBytes);
  app.region("rs_all", np * zones * kSidesPerZone).field("side_state", kSideBytes);
  app.region("rp_all", ghost_base + shared_rows * row)
      .field("px", 16).field("pxp", 16).field("px0", 16).field("pu", 16).field("pu0", 16).field("pap", 16)
      .field("pf", 16).field("pmaswt", 8).field("has_bcx", 1).field("has_bcy", 1);
  app.partition("rz_all_p", "rz_all").blocks(np).disjoint();
  app.partition("rs_all_p", "rs_all").blocks(np).disjoint();
  app.partition("rp_all_p", "rp_all")
      .pieces({IntervalSet::range(0, ghost_base), IntervalSet::range(ghost_base, ghost_base + shared_rows * row)})
      .piece_names({"rp_all_private", "rp_all_ghost"})
      .disjoint();
  app.subpartition("rp_all_private_p", "rp_all_p", 0).blocks(np).disjoint();
  // Boundary row b lies between pieces b and b + 1; piece b owns it.
  auto boundary = [&](std::int64_t b) {
    return b < 0 || b >= shared_rows ? IntervalSet() : IntervalSet::range(ghost_base + b * row, ghost_base + (b + 1) * row);
  };
  std::vector<IntervalSet> ghost, shared;
  for (std::int64_t i = 0; i < np; ++i) {
    ghost.push_back(boundary(i - 1) | boundary(i));
    shared.push_back(boundary(i));
  }
  app.subpartition("rp_all_ghost_p", "rp_all_p", 1).pieces(std::move(ghost));
  app.subpartition("rp_all_shared_p", "rp_all_p", 1).pieces(std::move(shared)).disjoint();

  // Every task has CPU and GPU variants except calc_global_dt. The kernels are memory-bound streams,
  // each over a few of the many fields of its zones, sides or points: interleaved (AOS), the sectors and
  // lines they fetch carry fields they do not use. The factor scales the memory term of the loop's own
  // argument: x1.5 on a GPU, x1.2 on a CPU (estimates, docs/apps/pennant.md).
  auto declared = [&](std::string_view task) { return app.model().find_task(task) != nullptr; };
  for (const Step& s : kCycle) {
    if (declared(s.task)) continue;
    const std::int64_t work_arg = s.loop == Loop::Points ? 0 : s.loop == Loop::Zones ? 0 : 1;
    auto t = app.task(s.task);
    for (ProcKind kind : {ProcKind::CPU, ProcKind::GPU}) {
      t.variant(kind).flops_per_element(s.flops).bytes_per_element(s.bytes).work_arg(work_arg);
      t.slowdown(work_arg, "AOS", kind == ProcKind::GPU ? 1.5 : 1.2);
    }
  }
  app.task("calc_global_dt").variant(ProcKind::CPU).flops_per_point(10);
  app.task("calc_dt_hydro")
      .variant(ProcKind::CPU).flops_per_element(10).bytes_per_element(40)
      .variant(ProcKind::GPU).flops_per_element(10).bytes_per_element(40);

  const std::vector<std::string> all_point_fields;  // empty: every field
  app.single_launch("calc_global_dt").consumes("dthydro").produces("dt");
  for (const Step& s : kCycle) {
    auto l = app.index_launch(s.task, {np});
    if (s.loop == Loop::Points) {
      l.partition(std::string("rp_all_") + s.points + "_p", Privilege::RW);
    } else {
      if (s.loop == Loop::Sides) l.partition("rz_all_p", Privilege::RO).partition("rs_all_p", Privilege::RW);
      else l.partition("rz_all_p", Privilege::RW);
      if (s.ghost == Ghost::Read)
        l.partition("rp_all_private_p", Privilege::RO).partition("rp_all_ghost_p", Privilege::RO, {s.ghost_field});
      if (s.ghost == Ghost::Reduce)
        l.partition("rp_all_private_p", Privilege::RW, {s.ghost_field})
            .partition("rp_all_ghost_p", Privilege::RED, {s.ghost_field}).redop("+");
    }
    if (s.uses_dt) l.consumes("dt");
  }
  app.index_launch("calc_dt_hydro", {np}).partition("rz_all_p", Privilege::RO).consumes("dt").produces("dthydro");
  return app.build(diags);
}

}  // namespace mage::apps
