// The full machine model the simulator runs on: every processor, memory and channel of a homogeneous
// cluster with its figures (SI units: bytes, seconds, FLOP/s), which memories each processor addresses
// and how fast, and the links a copy traverses. A MachineSpec holds the per-node figures (presets and the
// TOML form give one); build_model expands it into instances with small integer ids, so a simulator can
// index arrays by ProcId, MemId and LinkId. docs/machines.md lists every figure and its source.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lang/diagnostic.hpp"
#include "lang/kinds.hpp"
#include "mapping/machine_desc.hpp"

namespace mage::model {

using NodeId = std::uint32_t;
using ProcId = std::uint32_t;
using MemId = std::uint32_t;
using LinkId = std::uint32_t;

// Figures shared by every processor of one kind on a node.
struct ProcSpec {
  std::int64_t count = 0;       // per node
  std::int64_t threads = 1;     // hardware threads one processor drives (OpenMP processors)
  double flops = 0;             // peak FP64 FLOP/s of one processor
  double bandwidth = 0;         // bytes/s one processor reaches to its local memory
  double launch_overhead = 0;   // s per task (per kernel on a GPU); utility: the runtime's work per task
  friend bool operator==(const ProcSpec&, const ProcSpec&) = default;
};

// One memory kind's instances: SYSMEM, ZCMEM and RDMEM once per node, SOCKMEM per socket, FBMEM per GPU.
struct MemSpec {
  std::int64_t capacity = 0;  // bytes per instance; 0: the node has no such memory
  double bandwidth = 0;       // bytes/s the instance sustains for all its users together
  double latency = 0;         // s, access latency
  friend bool operator==(const MemSpec&, const MemSpec&) = default;
};

// One channel, per direction.
struct LinkSpec {
  double bandwidth = 0;  // bytes/s
  double latency = 0;    // s
  friend bool operator==(const LinkSpec&, const LinkSpec&) = default;
};

// The network between nodes, used when nodes > 1: `nics` adapters per node, each a link per direction.
struct NetworkSpec {
  std::int64_t nics = 0;
  double bandwidth = 0;  // bytes/s per NIC and direction
  double latency = 0;    // s
  friend bool operator==(const NetworkSpec&, const NetworkSpec&) = default;
};

// The machine as figures per node; every node is alike.
struct MachineSpec {
  std::string name = "custom";
  std::int64_t nodes = 1;
  std::int64_t sockets = 1;
  ProcSpec cpu, omp, gpu, utility;  // utility processors run the runtime, never application tasks
  MemSpec sysmem, sockmem, zcmem, fbmem, rdmem;
  LinkSpec memcpy;       // per socket: host memory to host memory copies (bytes copied per second)
  LinkSpec pcie;         // per GPU and direction: the GPU's link to its socket's root complex
  LinkSpec nvlink;       // per GPU and direction, to the NVSwitch; bandwidth 0: peer copies use PCIe
  LinkSpec socket_link;  // per ordered pair of sockets: QPI/UPI, all links between the two together
  NetworkSpec network;
  double copy_overhead = 0;  // s of runtime work to set up one copy, before the path's latency
  friend bool operator==(const MachineSpec&, const MachineSpec&) = default;
};

// One numeric field of a spec, named as in the TOML form (`section.key`; top-level fields have no
// section), pointing into the spec it was taken from. Readers, writers and checks share this list.
struct SpecField {
  std::string_view section;
  std::string_view key;
  std::variant<std::int64_t*, double*> value;
  std::string name() const;  // "gpu.flops", or "nodes"
  double number() const;
};
std::vector<SpecField> spec_fields(MachineSpec& spec);

// Why a field goes unused in `spec`, if it does: it describes something the machine lacks (figures of a
// processor kind with count 0, of a memory with capacity 0, of GPU links without GPUs, ...).
std::optional<std::string> unused_because(const MachineSpec& spec, std::string_view section,
                                          std::string_view key);
// The spec with every unused field reset to its default, so equal machines compare equal.
MachineSpec normalized(MachineSpec spec);

// What is wrong with a spec, each problem naming its field. Empty: build_model accepts it.
struct SpecProblem {
  std::string field;  // "gpu.flops"
  std::string message;
  std::string hint;
};
std::vector<SpecProblem> spec_problems(const MachineSpec& spec);

inline constexpr std::int64_t kMaxNodes = 65536;
inline constexpr std::int64_t kMaxProcessors = 1 << 20;  // instances over all nodes

// One processor's access to a memory it can address (a Legion processor-memory affinity).
struct Access {
  MemId memory = 0;
  double bandwidth = 0;  // bytes/s
  double latency = 0;    // s
  friend bool operator==(const Access&, const Access&) = default;
};

struct Processor {
  ProcKind kind = ProcKind::CPU;  // utility processors are CPU cores and address what a CPU does
  bool utility = false;
  NodeId node = 0;
  std::uint32_t index = 0;   // among the processors of its kind (or the utility ones) on its node
  std::uint32_t socket = 0;  // CPUs split evenly over the sockets; GPU g sits on g * sockets / gpus
  std::int64_t threads = 1;
  double flops = 0;
  double bandwidth = 0;
  double launch_overhead = 0;
  std::vector<Access> access;  // in MachineDesc::addressable's kind order, then by id
  friend bool operator==(const Processor&, const Processor&) = default;
};

struct Memory {
  MemKind kind = MemKind::SYSMEM;
  NodeId node = 0;
  std::uint32_t index = 0;  // SOCKMEM: its socket; FBMEM: its GPU's index on the node; otherwise 0
  // The socket it is attached to; none for SYSMEM, ZCMEM and RDMEM, which interleave over all sockets.
  std::optional<std::uint32_t> socket;
  std::int64_t capacity = 0;
  double bandwidth = 0;
  double latency = 0;
  friend bool operator==(const Memory&, const Memory&) = default;
};

enum class LinkKind : std::uint8_t {
  FbCopy,      // inside one framebuffer: HBM read and write
  Memcpy,      // host memory copies on one socket
  SocketLink,  // socket index -> socket peer
  PcieToGpu,
  PcieFromGpu,
  NvlinkOut,   // GPU -> NVSwitch
  NvlinkIn,    // NVSwitch -> GPU
  NicOut,      // node -> network
  NicIn,       // network -> node
};
std::string_view to_string(LinkKind k);

struct Link {
  LinkKind kind = LinkKind::Memcpy;
  NodeId node = 0;
  std::uint32_t index = 0;  // its GPU, socket or NIC on the node
  std::uint32_t peer = 0;   // SocketLink: the destination socket; otherwise equal to index
  double bandwidth = 0;
  double latency = 0;
  friend bool operator==(const Link&, const Link&) = default;
};

// Where each node's instances sit in the model's vectors.
struct NodeIndex {
  std::vector<ProcId> cpu, gpu, omp, utility;
  MemId sysmem = 0;
  std::vector<MemId> sockmem;  // by socket; empty without SOCKMEM
  std::optional<MemId> zcmem, rdmem;
  std::vector<MemId> fbmem;  // by GPU
  std::vector<LinkId> fb_copy, pcie_to_gpu, pcie_from_gpu, nvlink_out, nvlink_in;  // by GPU
  std::vector<LinkId> memcpy;       // by socket
  std::vector<LinkId> socket_link;  // ordered pairs (from, to != from), see socket_link()
  std::vector<LinkId> nic_out, nic_in;  // by NIC; empty on a single node
  friend bool operator==(const NodeIndex&, const NodeIndex&) = default;
};

struct MachineModel {
  MachineSpec spec;
  std::vector<Processor> processors;
  std::vector<Memory> memories;
  std::vector<Link> links;
  std::vector<NodeIndex> nodes;
  friend bool operator==(const MachineModel&, const MachineModel&) = default;
};

// Expands a spec with no spec_problems (it is normalized first).
MachineModel build_model(const MachineSpec& spec);

// Presets: the machines of mapping::machine_preset_names() with their figures, on `nodes` nodes joined by
// an InfiniBand-class network. nullopt for an unknown name or a node count the model cannot hold
// (outside [1, kMaxNodes], or more than kMaxProcessors processors).
std::optional<MachineSpec> preset_spec(std::string_view name, std::int64_t nodes = 1);
std::optional<MachineModel> model_preset(std::string_view name, std::int64_t nodes = 1);

// The same machine as the mapping layer sees it (kinds and counts per node, memory kinds present).
mapping::MachineDesc to_machine_desc(const MachineModel& model);

// Lookups.
std::vector<ProcId> processors(const MachineModel& model, NodeId node, ProcKind kind);  // no utility
std::vector<MemId> memories_of_node(const MachineModel& model, NodeId node);
std::vector<MemId> memories(const MachineModel& model, NodeId node, MemKind kind);
std::optional<MemId> fbmem_of(const MachineModel& model, ProcId gpu);
const Access* find_access(const MachineModel& model, ProcId proc, MemId memory);  // null: not addressable
// The addressable instance of `kind` with the highest access bandwidth (lowest id on a tie).
std::optional<MemId> best_memory(const MachineModel& model, ProcId proc, MemKind kind);
LinkId socket_link(const MachineModel& model, NodeId node, std::uint32_t from, std::uint32_t to);
// The same channel in the other direction; links without a direction are their own opposite.
LinkId opposite(const MachineModel& model, LinkId link);

// The links a copy from one memory instance to another traverses, in order; deterministic, and
// route(b, a) is route(a, b) reversed with each link replaced by its opposite.
std::vector<LinkId> route(const MachineModel& model, MemId from, MemId to);
double route_bandwidth(const MachineModel& model, const std::vector<LinkId>& route);  // the narrowest
double route_latency(const MachineModel& model, const std::vector<LinkId>& route);    // the sum

std::string processor_name(const MachineModel& model, ProcId id);  // "n0.gpu3"
std::string memory_name(const MachineModel& model, MemId id);      // "n0.fbmem3"
std::string link_name(const MachineModel& model, LinkId id);       // "n0.pcie-to-gpu3"

// Readable figures: "12.0 GB/s", "16.0 GiB", "5.0 us", "4.7 TFLOP/s" (two decimals when one would round).
std::string format_bandwidth(double bytes_per_second);
std::string format_bytes(std::int64_t bytes);
std::string format_seconds(double seconds);
std::string format_flops(double flops);

// What `mage machine show` prints: per-node processors, memories, links and accesses in readable units.
std::string describe(const MachineModel& model);
nlohmann::json to_json(const MachineModel& model);

// The TOML form (docs/machines.md, "The full machine model"): `preset = "p100x4"` and overrides, or every
// figure explicit. Errors are Usage diagnostics with the file, line and column, naming the field.
std::optional<MachineModel> parse_machine_model_toml(std::string_view text, const std::string& file,
                                                     lang::Diagnostics& diags);
// The explicit TOML form of a spec; parsing it gives back the normalized spec.
std::string to_toml(const MachineSpec& spec);

}  // namespace mage::model
