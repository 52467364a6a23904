// Circuit: Regent's circuit_sparse.rg (docs/apps/circuit.md). A random graph of wires between nodes,
// cut into superpieces; each superpiece's wires touch its private nodes, its shared nodes and the shared
// nodes of neighbours within a window (its ghost nodes). Shared nodes are numbered first.
#include "apps/models.hpp"
#include "model/app_builder.hpp"

namespace mage::apps {

namespace {

constexpr std::int64_t kWindow = 3;  // pieces on either side whose shared nodes a piece's wires reach

}  // namespace

Parameters circuit_defaults(const Scale& scale) {
  // The published weak scaling: -npp 5000 -wpp 20000 -p 40N -pps 10 on N nodes of 4 GPUs, i.e. one
  // superpiece of 10 pieces per GPU.
  return Parameters({{"superpieces", scale.gpus(), "launch domain: one superpiece per GPU"},
                     {"pieces_per_superpiece", 10, "pieces in a superpiece (-pps)"},
                     {"nodes_per_piece", 5000, "circuit nodes per piece (-npp)"},
                     {"wires_per_piece", 20000, "wires per piece (-wpp)"},
                     {"shared_per_piece", 50, "nodes per piece that other pieces' wires reach"},
                     {"inner_steps", 10000, "RLC solver iterations in calculate_new_currents (-steps)"},
                     {"steps", 10, "timed loops"},
                     {"warmup", 2, "untimed loops first"}});
}

std::optional<model::AppModel> build_circuit(const Parameters& p, lang::Diagnostics& diags) {
  using model::IntervalSet;
  using model::Privilege;
  const std::int64_t sp = p.at("superpieces"), pps = p.at("pieces_per_superpiece");
  const std::int64_t pieces = sp * pps;
  const std::int64_t shared_pp = std::min(p.at("shared_per_piece"), p.at("nodes_per_piece"));
  const std::int64_t shared = pieces * shared_pp;                                // all_shared
  const std::int64_t priv_sp = pps * (p.at("nodes_per_piece") - shared_pp);     // private per superpiece
  const std::int64_t wires_sp = pps * p.at("wires_per_piece");

  model::AppBuilder app("circuit");
  app.steps(p.at("steps"), p.at("warmup")).throughput("Gwires/s", static_cast<double>(sp * wires_sp) / 1e9);
  app.region("all_nodes", shared + sp * priv_sp)
      .field("node_cap", 4).field("leakage", 4).field("charge", 4).field("node_voltage", 4);
  // Pointers, per-wire constants and the 10-segment state (current[10], voltage[9]), f32.
  app.region("all_wires", sp * wires_sp)
      .field("in_ptr", 8).field("out_ptr", 8).field("inductance", 4).field("resistance", 4).field("wire_cap", 4)
      .field("current", 40).field("voltage", 36);

  app.partition("rp_all_nodes", "all_nodes")
      .pieces({IntervalSet::range(shared, shared + sp * priv_sp), IntervalSet::range(0, shared)})
      .piece_names({"all_private", "all_shared"})
      .disjoint();
  app.subpartition("rp_private", "rp_all_nodes", 0).blocks(sp).disjoint();
  app.subpartition("rp_shared", "rp_all_nodes", 1).blocks(sp).disjoint();
  // A superpiece's ghost nodes: the shared nodes of every piece within the window of its own pieces,
  // its own shared nodes included (aliased with the neighbours' pieces of rp_shared).
  std::vector<IntervalSet> ghost;
  for (std::int64_t s = 0; s < sp; ++s) {
    const std::int64_t lo = std::max<std::int64_t>(0, s * pps - kWindow);
    const std::int64_t hi = std::min(pieces, (s + 1) * pps + kWindow);
    ghost.push_back(IntervalSet::range(lo * shared_pp, hi * shared_pp));
  }
  app.subpartition("rp_ghost", "rp_all_nodes", 1).pieces(std::move(ghost));
  app.partition("rp_wires", "all_wires").blocks(sp).disjoint();

  // calculate_new_currents: 96 FLOP per wire per solver iteration on registers, after loading the
  // wire (~190 B); compute-bound. distribute_charge: 4 FLOP, ~26 B and two scattered atomics per wire.
  // update_voltages: 4 FLOP (a divide) and 24 B per node. Initialisation runs once, on CPUs only.
  // Layouts scale the memory term (docs/apps/circuit.md): a GPU thread per wire loads every field of its
  // wire, so interleaved wires (AOS) cost uncoalesced loads of data that is used in full (x1.25);
  // distribute_charge reads 24 of the 56 B per wire of its instance, whose interleaved neighbours ride
  // along (x1.5); update_voltages uses every field of its nodes. On a CPU a thread walks a wire's fields
  // together: no factor.
  const double currents_flops = 96.0 * static_cast<double>(p.at("inner_steps"));
  app.task("calculate_new_currents")
      .variant(ProcKind::CPU).flops_per_element(currents_flops).bytes_per_element(190).work_arg(3)
      .variant(ProcKind::GPU).flops_per_element(currents_flops).bytes_per_element(190).work_arg(3)
      .slowdown(3, "AOS", 1.25).slowdown(4, "AOS", 1.25);
  app.task("distribute_charge")
      .variant(ProcKind::CPU).flops_per_element(4).bytes_per_element(26).work_arg(3)
      .variant(ProcKind::GPU).flops_per_element(4).bytes_per_element(26).work_arg(3)
      .slowdown(3, "AOS", 1.5);
  app.task("update_voltages")
      .variant(ProcKind::CPU).flops_per_element(4).bytes_per_element(24).work_arg(1)
      .variant(ProcKind::GPU).flops_per_element(4).bytes_per_element(24).work_arg(1);
  app.task("init_piece").variant(ProcKind::CPU).flops_per_element(20).bytes_per_element(120).work_arg(2);
  app.task("init_pointers").variant(ProcKind::CPU).flops_per_element(20).bytes_per_element(32);

  app.index_launch("init_piece", {sp})
      .setup()
      .partition("rp_private", Privilege::WD)
      .partition("rp_shared", Privilege::WD)
      .partition("rp_wires", Privilege::WD);
  app.index_launch("init_pointers", {sp}).setup().partition("rp_wires", Privilege::RW, {"in_ptr", "out_ptr"});

  const std::vector<std::string> wire_params = {"in_ptr", "out_ptr", "inductance", "resistance", "wire_cap"};
  app.index_launch("calculate_new_currents", {sp})
      .partition("rp_private", Privilege::RO, {"node_voltage"})
      .partition("rp_shared", Privilege::RO, {"node_voltage"})
      .partition("rp_ghost", Privilege::RO, {"node_voltage"})
      .partition("rp_wires", Privilege::RO, wire_params)
      .partition("rp_wires", Privilege::RW, {"current", "voltage"});
  app.index_launch("distribute_charge", {sp})
      .partition("rp_private", Privilege::RW, {"charge"})
      .partition("rp_shared", Privilege::RED, {"charge"}).redop("+")
      .partition("rp_ghost", Privilege::RED, {"charge"}).redop("+")
      .partition("rp_wires", Privilege::RO, {"in_ptr", "out_ptr", "current"});
  app.index_launch("update_voltages", {sp})
      .partition("rp_private", Privilege::RO, {"node_cap", "leakage"})
      .partition("rp_private", Privilege::RW, {"node_voltage", "charge"})
      .partition("rp_shared", Privilege::RO, {"node_cap", "leakage"})
      .partition("rp_shared", Privilege::RW, {"node_voltage", "charge"});
  return app.build(diags);
}

}  // namespace mage::apps
