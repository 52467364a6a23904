// The preset machines' figures. Sources (docs/machines.md, "The full machine model"): Intel ARK for the
// Xeons, NVIDIA datasheets for the GPUs and the DGX, the PCIe, InfiniBand and ConnectX-7 specifications;
// figures marked "estimate" are orders of magnitude to calibrate against real runs.
#include "model/machine_model.hpp"

namespace mage::model {

namespace {

constexpr std::int64_t kGiB = std::int64_t{1} << 30;
constexpr double kDramLatency = 100e-9;  // estimate: a DRAM access on a server socket
constexpr double kHbmLatency = 0.5e-6;   // estimate: several hundred GPU cycles
constexpr double kCoreBandwidth = 10e9;  // estimate: one core's streaming bandwidth (its outstanding misses)
constexpr double kCpuLaunch = 1e-6;      // starting a task on a CPU core
constexpr double kOmpLaunch = 2e-6;      // a task start plus an OpenMP fork and join
constexpr double kGpuLaunch = 5e-6;      // a CUDA kernel launch: 5-10 us
constexpr double kRuntimePerTask = 10e-6;  // mapping and launching one task, with tracing (estimate)
constexpr double kCopyOverhead = 2e-6;     // runtime set-up of one copy (estimate)

// The network of a multi-node preset: `nics` InfiniBand adapters per node.
NetworkSpec infiniband(std::int64_t nics, double bandwidth) { return {nics, bandwidth, 1e-6}; }

// 2 x Xeon E5-2640 v4 and 4 x Tesla P100 PCIe 16 GB, the node of the published experiments.
MachineSpec p100x4() {
  // 2.4 GHz base x 16 FP64 FLOP per cycle (AVX2, two FMA units).
  constexpr double core = 2.4e9 * 16;
  constexpr double socket_dram = 68.3e9;  // 4 channels DDR4-2133
  MachineSpec s;
  s.name = "p100x4";
  s.sockets = 2;
  s.cpu = {16, 1, core, kCoreBandwidth, kCpuLaunch};
  s.omp = {2, 8, 8 * core, socket_dram, kOmpLaunch};  // the 8 cores of its socket's CPU processors
  s.gpu = {4, 1, 4.7e12, 732e9, kGpuLaunch};
  s.utility = {2, 1, core, kCoreBandwidth, kRuntimePerTask};
  s.sysmem = {256 * kGiB, 2 * socket_dram, kDramLatency};
  s.sockmem = {128 * kGiB, socket_dram, kDramLatency};
  s.zcmem = {8 * kGiB, 2 * socket_dram, kDramLatency};  // a run setting: 1/32 of the host memory
  s.fbmem = {16 * kGiB, 732e9, kHbmLatency};
  s.memcpy = {socket_dram / 2, kDramLatency};  // a copy reads and writes every byte
  s.pcie = {12e9, 1e-6};                       // PCIe 3.0 x16: 15.75 GB/s per direction, 12 achieved
  s.socket_link = {2 * 16e9, 100e-9};          // 2 QPI links at 8 GT/s
  s.network = infiniband(1, 12.5e9);           // EDR, 100 Gb/s
  s.copy_overhead = kCopyOverhead;
  return s;
}

// NVIDIA DGX H100: 2 x Xeon Platinum 8480C and 8 x H100 SXM5 80 GB on NVSwitch.
MachineSpec dgx_h100() {
  // 2.0 GHz base x 32 FP64 FLOP per cycle (AVX-512, two FMA units).
  constexpr double core = 2.0e9 * 32;
  constexpr double socket_dram = 307.2e9;  // 8 channels DDR5-4800
  MachineSpec s;
  s.name = "dgx-h100";
  s.sockets = 2;
  s.cpu = {104, 1, core, kCoreBandwidth, kCpuLaunch};
  s.omp = {2, 52, 52 * core, socket_dram, kOmpLaunch};
  s.gpu = {8, 1, 34e12, 3.35e12, kGpuLaunch};  // FP64 without tensor cores
  s.utility = {2, 1, core, kCoreBandwidth, kRuntimePerTask};
  s.sysmem = {2048 * kGiB, 2 * socket_dram, kDramLatency};
  s.sockmem = {1024 * kGiB, socket_dram, kDramLatency};
  s.zcmem = {64 * kGiB, 2 * socket_dram, kDramLatency};  // 1/32 of the host memory, as for p100x4
  s.fbmem = {80 * kGiB, 3.35e12, kHbmLatency};
  s.memcpy = {socket_dram / 2, kDramLatency};
  s.pcie = {48e9, 1e-6};            // PCIe 5.0 x16: 63 GB/s per direction, 3/4 achieved as for PCIe 3.0
  s.nvlink = {450e9, 1e-6};         // NVLink 4: 900 GB/s per GPU, both directions together
  s.socket_link = {4 * 32e9, 100e-9};  // 4 UPI links at 16 GT/s
  s.network = infiniband(8, 50e9);     // 8 x ConnectX-7 NDR, 400 Gb/s each, one per GPU
  s.copy_overhead = kCopyOverhead;
  return s;
}

// This development machine: 2 cores of a 2.5 GHz Cascade Lake Xeon, 24 GB, no GPU (docs/machines.md).
MachineSpec cpu() {
  // 2.5 GHz x 32 FP64 FLOP per cycle (AVX-512, two FMA units).
  constexpr double core = 2.5e9 * 32;
  // Measured here: memcpy moves 5.2-5.3 GB/s with one or two threads, i.e. about 10.5 GB/s of traffic.
  constexpr double dram = 10.5e9;
  MachineSpec s;
  s.name = "cpu";
  s.sockets = 1;
  s.cpu = {2, 1, core, kCoreBandwidth, kCpuLaunch};
  s.omp = {1, 2, 2 * core, dram, kOmpLaunch};
  s.utility = {1, 1, core, kCoreBandwidth, kRuntimePerTask};
  s.sysmem = {24'000'000'000, dram, kDramLatency};
  s.sockmem = {24'000'000'000, dram, kDramLatency};
  s.memcpy = {dram / 2, kDramLatency};
  s.network = infiniband(1, 12.5e9);
  s.copy_overhead = kCopyOverhead;
  return s;
}

}  // namespace

std::optional<MachineSpec> preset_spec(std::string_view name, std::int64_t nodes) {
  std::optional<MachineSpec> s;
  if (name == "p100x4") s = p100x4();
  if (name == "dgx-h100") s = dgx_h100();
  if (name == "cpu") s = cpu();
  if (!s) return std::nullopt;
  s->nodes = nodes;
  if (!spec_problems(*s).empty()) return std::nullopt;
  return s;
}

}  // namespace mage::model
