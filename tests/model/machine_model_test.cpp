// The full machine model: preset figures, agreement with the mapping layer, routes, accesses, TOML.
#include "model/machine_model.hpp"

#include <algorithm>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace mage::model {
namespace {

constexpr std::int64_t kGiB = std::int64_t{1} << 30;

MachineModel preset(std::string_view name, std::int64_t nodes = 1) {
  auto m = model_preset(name, nodes);
  EXPECT_TRUE(m) << name;
  return *m;
}

std::size_t count_links(const MachineModel& m, LinkKind kind) {
  return std::count_if(m.links.begin(), m.links.end(), [&](const Link& l) { return l.kind == kind; });
}

std::vector<std::string> names(const MachineModel& m, const std::vector<LinkId>& route) {
  std::vector<std::string> out;
  for (LinkId l : route) out.push_back(link_name(m, l));
  return out;
}

MemId fb(const MachineModel& m, NodeId node, std::uint32_t gpu) { return m.nodes[node].fbmem[gpu]; }

TEST(MachineModel, P100x4CountsAndFigures) {
  MachineModel m = preset("p100x4");
  EXPECT_EQ(processors(m, 0, ProcKind::GPU).size(), 4u);
  EXPECT_EQ(processors(m, 0, ProcKind::CPU).size(), 16u);
  EXPECT_EQ(processors(m, 0, ProcKind::OMP).size(), 2u);
  EXPECT_EQ(m.nodes[0].utility.size(), 2u);
  EXPECT_EQ(m.processors.size(), 24u);
  EXPECT_EQ(memories(m, 0, MemKind::SYSMEM).size(), 1u);
  EXPECT_EQ(memories(m, 0, MemKind::SOCKMEM).size(), 2u);
  EXPECT_EQ(memories(m, 0, MemKind::ZCMEM).size(), 1u);
  EXPECT_EQ(memories(m, 0, MemKind::FBMEM).size(), 4u);
  EXPECT_TRUE(memories(m, 0, MemKind::RDMEM).empty());

  const Processor& gpu = m.processors[m.nodes[0].gpu[0]];
  EXPECT_DOUBLE_EQ(gpu.flops, 4.7e12);
  EXPECT_DOUBLE_EQ(gpu.bandwidth, 732e9);
  EXPECT_DOUBLE_EQ(gpu.launch_overhead, 5e-6);
  const Processor& cpu = m.processors[m.nodes[0].cpu[0]];
  EXPECT_DOUBLE_EQ(cpu.flops, 38.4e9);
  EXPECT_DOUBLE_EQ(cpu.launch_overhead, 1e-6);
  EXPECT_EQ(m.processors[m.nodes[0].omp[1]].threads, 8);
  EXPECT_EQ(m.memories[fb(m, 0, 3)].capacity, 16 * kGiB);
  EXPECT_EQ(m.memories[m.nodes[0].sysmem].capacity, 256 * kGiB);
  EXPECT_EQ(m.memories[m.nodes[0].sockmem[1]].capacity, 128 * kGiB);

  // CPUs split evenly over the sockets; GPU g on socket g * sockets / gpus.
  std::vector<std::uint32_t> gpu_sockets, cpu_sockets;
  for (ProcId p : m.nodes[0].gpu) gpu_sockets.push_back(m.processors[p].socket);
  for (ProcId p : m.nodes[0].cpu) cpu_sockets.push_back(m.processors[p].socket);
  EXPECT_EQ(gpu_sockets, (std::vector<std::uint32_t>{0, 0, 1, 1}));
  EXPECT_EQ(std::count(cpu_sockets.begin(), cpu_sockets.end(), 0u), 8);
  EXPECT_EQ(m.memories[fb(m, 0, 2)].socket, 1u);

  EXPECT_EQ(count_links(m, LinkKind::PcieToGpu), 4u);
  EXPECT_EQ(count_links(m, LinkKind::PcieFromGpu), 4u);
  EXPECT_EQ(count_links(m, LinkKind::SocketLink), 2u);
  EXPECT_EQ(count_links(m, LinkKind::NvlinkOut), 0u);
  EXPECT_EQ(count_links(m, LinkKind::NicOut), 0u);  // one node: no network
  EXPECT_DOUBLE_EQ(m.links[m.nodes[0].pcie_to_gpu[0]].bandwidth, 12e9);
  EXPECT_DOUBLE_EQ(m.links[socket_link(m, 0, 0, 1)].bandwidth, 32e9);
  EXPECT_DOUBLE_EQ(m.links[m.nodes[0].fb_copy[0]].bandwidth, 366e9);
}

TEST(MachineModel, DgxH100CountsAndFigures) {
  MachineModel m = preset("dgx-h100");
  EXPECT_EQ(processors(m, 0, ProcKind::GPU).size(), 8u);
  EXPECT_EQ(processors(m, 0, ProcKind::CPU).size(), 104u);
  EXPECT_EQ(processors(m, 0, ProcKind::OMP).size(), 2u);
  const Processor& gpu = m.processors[m.nodes[0].gpu[5]];
  EXPECT_DOUBLE_EQ(gpu.flops, 34e12);
  EXPECT_DOUBLE_EQ(gpu.bandwidth, 3.35e12);
  EXPECT_EQ(m.memories[fb(m, 0, 5)].capacity, 80 * kGiB);
  EXPECT_EQ(count_links(m, LinkKind::NvlinkOut), 8u);
  EXPECT_EQ(count_links(m, LinkKind::NvlinkIn), 8u);
  EXPECT_DOUBLE_EQ(m.links[m.nodes[0].nvlink_out[0]].bandwidth, 450e9);
  EXPECT_DOUBLE_EQ(m.links[m.nodes[0].pcie_to_gpu[0]].bandwidth, 48e9);
  MachineModel two = preset("dgx-h100", 2);
  EXPECT_EQ(two.nodes[1].nic_out.size(), 8u);
  EXPECT_DOUBLE_EQ(two.links[two.nodes[1].nic_in[7]].bandwidth, 50e9);
}

TEST(MachineModel, CpuPresetDescribesATwoCoreMachine) {
  MachineModel m = preset("cpu");
  EXPECT_EQ(processors(m, 0, ProcKind::CPU).size(), 2u);
  EXPECT_EQ(processors(m, 0, ProcKind::OMP).size(), 1u);
  EXPECT_TRUE(processors(m, 0, ProcKind::GPU).empty());
  EXPECT_EQ(m.nodes[0].utility.size(), 1u);
  EXPECT_TRUE(memories(m, 0, MemKind::FBMEM).empty());
  EXPECT_TRUE(memories(m, 0, MemKind::ZCMEM).empty());
  EXPECT_EQ(m.memories[m.nodes[0].sysmem].capacity, 24'000'000'000);
  EXPECT_DOUBLE_EQ(m.processors[0].flops, 80e9);
  EXPECT_EQ(count_links(m, LinkKind::SocketLink), 0u);
  EXPECT_TRUE(m.links.size() == 1 && m.links[0].kind == LinkKind::Memcpy);
}

TEST(MachineModel, PresetsAreValidAndNormalized) {
  for (const auto& name : mapping::machine_preset_names()) {
    auto spec = preset_spec(name);
    ASSERT_TRUE(spec) << name;
    EXPECT_TRUE(spec_problems(*spec).empty()) << name;
    EXPECT_EQ(normalized(*spec), *spec) << name;
  }
  EXPECT_FALSE(preset_spec("tpu"));
  EXPECT_FALSE(preset_spec("p100x4", 0));
  EXPECT_FALSE(preset_spec("dgx-h100", kMaxNodes));  // more than kMaxProcessors processors
}

TEST(MachineModel, ToMachineDescAgreesWithMappingPresets) {
  for (const auto& name : mapping::machine_preset_names()) {
    auto expected = mapping::machine_preset(name);
    ASSERT_TRUE(expected) << name;
    mapping::MachineDesc got = to_machine_desc(preset(name));
    EXPECT_EQ(got.name, expected->name);
    EXPECT_EQ(got.nodes, expected->nodes);
    EXPECT_EQ(got.procs_per_node, expected->procs_per_node) << name;
    EXPECT_EQ(got.memories, expected->memories) << name;
  }
  EXPECT_EQ(to_machine_desc(preset("p100x4", 4)).nodes, 4);
}

TEST(MachineModel, NodesScaleEverything) {
  for (const auto& name : mapping::machine_preset_names()) {
    MachineModel one = preset(name);
    for (std::int64_t n : {2, 5}) {
      MachineModel many = preset(name, n);
      EXPECT_EQ(many.nodes.size(), static_cast<std::size_t>(n));
      EXPECT_EQ(many.processors.size(), n * one.processors.size()) << name;
      EXPECT_EQ(many.memories.size(), n * one.memories.size()) << name;
      std::size_t nics = 2 * static_cast<std::size_t>(one.spec.network.nics);
      EXPECT_EQ(many.links.size(), n * (one.links.size() + nics)) << name;
      for (NodeId node = 0; node < many.nodes.size(); ++node) {
        for (MemId id : memories_of_node(many, node)) EXPECT_EQ(many.memories[id].node, node);
        for (ProcId id : processors(many, node, ProcKind::GPU)) EXPECT_EQ(many.processors[id].node, node);
      }
    }
  }
}

TEST(MachineModel, EveryProcessorAddressesAMemoryTheMappingLayerAllows) {
  for (const auto& name : mapping::machine_preset_names()) {
    MachineModel m = preset(name, 2);
    mapping::MachineDesc desc = to_machine_desc(m);
    for (ProcId p = 0; p < m.processors.size(); ++p) {
      const Processor& proc = m.processors[p];
      ASSERT_FALSE(proc.access.empty()) << processor_name(m, p);
      for (const Access& a : proc.access) {
        const Memory& mem = m.memories[a.memory];
        EXPECT_EQ(mem.node, proc.node);
        EXPECT_TRUE(desc.can_address(proc.kind, mem.kind))
            << processor_name(m, p) << " " << memory_name(m, a.memory);
        EXPECT_GT(a.bandwidth, 0);
      }
      // Every kind the mapping layer lets it address has an instance it reaches.
      for (MemKind kind : desc.addressable(proc.kind)) {
        if (kind == MemKind::VIRTUAL) continue;
        EXPECT_TRUE(best_memory(m, p, kind)) << processor_name(m, p) << " " << to_string(kind);
      }
    }
  }
}

TEST(MachineModel, BestMemoryPicksTheProcessorsOwnInstances) {
  MachineModel m = preset("p100x4");
  for (ProcId gpu : m.nodes[0].gpu) {
    EXPECT_EQ(best_memory(m, gpu, MemKind::FBMEM), fbmem_of(m, gpu));
    const Access* zc = find_access(m, gpu, *m.nodes[0].zcmem);
    ASSERT_NE(zc, nullptr);
    EXPECT_DOUBLE_EQ(zc->bandwidth, 12e9);  // zero-copy is bounded by the PCIe link
    EXPECT_GT(zc->latency, find_access(m, gpu, *fbmem_of(m, gpu))->latency);
    EXPECT_EQ(find_access(m, gpu, fb(m, 0, (m.processors[gpu].index + 1) % 4)), nullptr);
    EXPECT_FALSE(best_memory(m, gpu, MemKind::SYSMEM));
  }
  ProcId cpu15 = m.nodes[0].cpu[15];
  EXPECT_EQ(best_memory(m, cpu15, MemKind::SOCKMEM), m.nodes[0].sockmem[1]);
  EXPECT_EQ(find_access(m, cpu15, m.nodes[0].sockmem[0]), nullptr);
  ProcId omp0 = m.nodes[0].omp[0];
  EXPECT_EQ(best_memory(m, omp0, MemKind::SOCKMEM), m.nodes[0].sockmem[0]);
  EXPECT_DOUBLE_EQ(find_access(m, omp0, m.nodes[0].sockmem[0])->bandwidth, 68.3e9);
  EXPECT_FALSE(fbmem_of(m, cpu15));
}

TEST(MachineModelRoute, P100x4PairKinds) {
  MachineModel m = preset("p100x4");
  const NodeIndex& n = m.nodes[0];
  EXPECT_EQ(names(m, route(m, fb(m, 0, 1), fb(m, 0, 1))), (std::vector<std::string>{"n0.fb-copy1"}));
  EXPECT_DOUBLE_EQ(route_bandwidth(m, route(m, fb(m, 0, 1), fb(m, 0, 1))), 366e9);
  EXPECT_EQ(names(m, route(m, fb(m, 0, 0), *n.zcmem)), (std::vector<std::string>{"n0.pcie-from-gpu0"}));
  EXPECT_EQ(names(m, route(m, *n.zcmem, fb(m, 0, 3))), (std::vector<std::string>{"n0.pcie-to-gpu3"}));
  EXPECT_DOUBLE_EQ(route_bandwidth(m, route(m, *n.zcmem, fb(m, 0, 3))), 12e9);
  EXPECT_EQ(names(m, route(m, fb(m, 0, 0), fb(m, 0, 1))),
            (std::vector<std::string>{"n0.pcie-from-gpu0", "n0.pcie-to-gpu1"}));
  EXPECT_EQ(names(m, route(m, fb(m, 0, 1), fb(m, 0, 2))),
            (std::vector<std::string>{"n0.pcie-from-gpu1", "n0.socket0-to-1", "n0.pcie-to-gpu2"}));
  EXPECT_EQ(names(m, route(m, n.sockmem[0], n.sockmem[1])), (std::vector<std::string>{"n0.socket0-to-1"}));
  EXPECT_EQ(names(m, route(m, fb(m, 0, 3), n.sockmem[0])),
            (std::vector<std::string>{"n0.pcie-from-gpu3", "n0.socket1-to-0"}));
  EXPECT_EQ(names(m, route(m, n.sysmem, n.sysmem)), (std::vector<std::string>{"n0.memcpy0"}));
  EXPECT_EQ(names(m, route(m, n.sockmem[1], n.sysmem)), (std::vector<std::string>{"n0.memcpy1"}));
  EXPECT_DOUBLE_EQ(route_latency(m, route(m, fb(m, 0, 1), fb(m, 0, 2))), 2.1e-6);
}

TEST(MachineModelRoute, P100x4AcrossNodesCrossesBothNics) {
  MachineModel m = preset("p100x4", 2);
  EXPECT_EQ(names(m, route(m, fb(m, 0, 0), fb(m, 1, 1))),
            (std::vector<std::string>{"n0.pcie-from-gpu0", "n0.nic-out0", "n1.nic-in0", "n1.pcie-to-gpu1"}));
  // The single NIC hangs off socket 0, so GPUs of socket 1 reach it over QPI.
  EXPECT_EQ(names(m, route(m, fb(m, 0, 2), fb(m, 1, 3))),
            (std::vector<std::string>{"n0.pcie-from-gpu2", "n0.socket1-to-0", "n0.nic-out0", "n1.nic-in0",
                                      "n1.socket0-to-1", "n1.pcie-to-gpu3"}));
  EXPECT_EQ(names(m, route(m, m.nodes[1].sysmem, m.nodes[0].sysmem)),
            (std::vector<std::string>{"n1.nic-out0", "n0.nic-in0"}));
  EXPECT_DOUBLE_EQ(route_bandwidth(m, route(m, fb(m, 0, 0), fb(m, 1, 1))), 12e9);
}

TEST(MachineModelRoute, DgxH100PeersUseNvlinkNotPcie) {
  MachineModel m = preset("dgx-h100", 2);
  auto r = route(m, fb(m, 0, 0), fb(m, 0, 5));
  EXPECT_EQ(names(m, r), (std::vector<std::string>{"n0.nvlink-out0", "n0.nvlink-in5"}));
  EXPECT_DOUBLE_EQ(route_bandwidth(m, r), 450e9);
  for (LinkId l : r) {
    EXPECT_NE(m.links[l].kind, LinkKind::PcieFromGpu);
    EXPECT_NE(m.links[l].kind, LinkKind::PcieToGpu);
  }
  // Across nodes each GPU uses its own NIC.
  EXPECT_EQ(names(m, route(m, fb(m, 0, 6), fb(m, 1, 1))),
            (std::vector<std::string>{"n0.pcie-from-gpu6", "n0.nic-out6", "n1.nic-in1", "n1.pcie-to-gpu1"}));
}

TEST(MachineModelRoute, ReverseRouteUsesOppositeLinks) {
  for (const auto& name : mapping::machine_preset_names()) {
    MachineModel m = preset(name, 2);
    for (LinkId l = 0; l < m.links.size(); ++l) {
      EXPECT_EQ(opposite(m, opposite(m, l)), l);
      EXPECT_EQ(m.links[opposite(m, l)].node, m.links[l].node);
    }
    for (MemId a = 0; a < m.memories.size(); ++a) {
      for (MemId b = 0; b < m.memories.size(); ++b) {
        auto forward = route(m, a, b);
        ASSERT_FALSE(forward.empty()) << memory_name(m, a) << " -> " << memory_name(m, b);
        EXPECT_EQ(route(m, a, b), forward);  // deterministic
        std::vector<LinkId> expected;
        for (auto it = forward.rbegin(); it != forward.rend(); ++it) expected.push_back(opposite(m, *it));
        EXPECT_EQ(route(m, b, a), expected) << memory_name(m, a) << " -> " << memory_name(m, b);
        bool crosses_nodes = m.memories[a].node != m.memories[b].node;
        bool has_nic = std::any_of(forward.begin(), forward.end(),
                                   [&](LinkId l) { return m.links[l].kind == LinkKind::NicOut; });
        EXPECT_EQ(crosses_nodes, has_nic);
      }
    }
  }
}

TEST(MachineModelToml, ExplicitFormRoundTrips) {
  for (const auto& name : mapping::machine_preset_names()) {
    for (std::int64_t nodes : {1, 3}) {
      MachineModel m = preset(name, nodes);
      std::string text = to_toml(m.spec);
      lang::Diagnostics diags;
      auto parsed = parse_machine_model_toml(text, "m.toml", diags);
      ASSERT_TRUE(parsed) << lang::render_text(diags, nullptr) << text;
      EXPECT_EQ(parsed->spec, m.spec) << text;
      EXPECT_TRUE(*parsed == m) << name;
      EXPECT_EQ(text.find("preset"), std::string::npos);
    }
  }
}

TEST(MachineModelToml, PresetWithOverrides) {
  lang::Diagnostics diags;
  auto m = parse_machine_model_toml("preset = \"p100x4\"\n", "m.toml", diags);
  ASSERT_TRUE(m) << lang::render_text(diags, nullptr);
  EXPECT_TRUE(*m == preset("p100x4"));

  m = parse_machine_model_toml(R"(preset = "p100x4"
name = "p100x4-fast"
nodes = 2
[gpu]
flops = 5e12
[fbmem]
capacity = 32e9
)",
                               "m.toml", diags);
  ASSERT_TRUE(m) << lang::render_text(diags, nullptr);
  EXPECT_EQ(m->spec.name, "p100x4-fast");
  EXPECT_EQ(m->nodes.size(), 2u);
  EXPECT_DOUBLE_EQ(m->processors[m->nodes[1].gpu[0]].flops, 5e12);
  EXPECT_EQ(m->memories[fb(*m, 1, 0)].capacity, 32'000'000'000);
  EXPECT_DOUBLE_EQ(m->processors[m->nodes[1].cpu[0]].flops, 38.4e9);  // kept from the preset
}

TEST(MachineModelToml, RemovingGpusDropsTheirInheritedFigures) {
  lang::Diagnostics diags;
  auto m = parse_machine_model_toml("preset = \"p100x4\"\n[gpu]\ncount = 0\n", "m.toml", diags);
  ASSERT_TRUE(m) << lang::render_text(diags, nullptr);
  EXPECT_TRUE(memories(*m, 0, MemKind::FBMEM).empty());
  EXPECT_EQ(count_links(*m, LinkKind::PcieToGpu), 0u);
  EXPECT_EQ(m->spec.fbmem, MemSpec{});
}

// The single error a text produces.
lang::Diagnostic error_of(const std::string& text) {
  lang::Diagnostics diags;
  EXPECT_FALSE(parse_machine_model_toml(text, "m.toml", diags)) << text;
  EXPECT_EQ(diags.error_count(), 1u) << lang::render_text(diags, nullptr);
  if (diags.all().empty()) return {};
  const lang::Diagnostic& d = diags.all()[0];
  EXPECT_EQ(d.category, lang::Category::Usage);
  EXPECT_EQ(d.file, "m.toml");
  EXPECT_FALSE(d.hint.empty());
  return d;
}

bool mentions(const lang::Diagnostic& d, const std::string& what) {
  return d.message.find(what) != std::string::npos;
}

TEST(MachineModelToml, SyntaxErrorHasLineAndColumn) {
  auto d = error_of("preset = \"p100x4\"\n[gpu\nflops = 1\n");
  EXPECT_EQ(d.code, "usage.machine-syntax");
  EXPECT_EQ(d.span.begin.line, 2u);
  EXPECT_GT(d.span.begin.column, 0u);
}

TEST(MachineModelToml, NegativeAndZeroFiguresNameTheField) {
  auto d = error_of("preset = \"p100x4\"\n\n[gpu]\nflops = -4.7e12\n");
  EXPECT_TRUE(mentions(d, "`gpu.flops`")) << d.message;
  EXPECT_EQ(d.span.begin.line, 4u);
  EXPECT_EQ(d.span.begin.column, 9u);

  d = error_of("preset = \"p100x4\"\n[pcie]\nbandwidth = 0\n");
  EXPECT_TRUE(mentions(d, "`pcie.bandwidth` must be positive")) << d.message;
  EXPECT_EQ(d.span.begin.line, 3u);
}

TEST(MachineModelToml, MissingFigurePointsAtItsSection) {
  auto d = error_of(
      "sockets = 1\n[cpu]\ncount = 2\nbandwidth = 1e10\n[sysmem]\ncapacity = 1e9\nbandwidth = 1e10\n"
      "[memcpy]\nbandwidth = 5e9\n");
  EXPECT_TRUE(mentions(d, "`cpu.flops`")) << d.message;
  EXPECT_EQ(d.span.begin.line, 2u);
}

TEST(MachineModelToml, GpuFiguresWithoutGpusAreRejected) {
  auto d = error_of("preset = \"cpu\"\n[fbmem]\ncapacity = 16e9\n");
  EXPECT_TRUE(mentions(d, "`fbmem.capacity`")) << d.message;
  EXPECT_TRUE(mentions(d, "no GPUs")) << d.message;
  EXPECT_EQ(d.span.begin.line, 3u);

  d = error_of("preset = \"p100x4\"\n[gpu]\ncount = 0\n[nvlink]\nbandwidth = 1e11\n");
  EXPECT_TRUE(mentions(d, "`nvlink.bandwidth`")) << d.message;
  EXPECT_EQ(d.span.begin.line, 5u);
}

TEST(MachineModelToml, UnknownFieldsTypesAndPresets) {
  auto d = error_of("preset = \"p100x4\"\n[gpu]\nflop = 1e12\n");
  EXPECT_TRUE(mentions(d, "unknown field `gpu.flop`; did you mean `flops`?")) << d.message;
  EXPECT_EQ(d.span.begin.line, 3u);
  EXPECT_EQ(d.span.begin.column, 1u);

  d = error_of("preset = \"p100x4\"\n[gpu]\ncount = \"four\"\n");
  EXPECT_TRUE(mentions(d, "`gpu.count` must be an integer, found a string")) << d.message;
  EXPECT_EQ(d.span.begin.line, 3u);

  d = error_of("preset = \"p100x8\"\n");
  EXPECT_TRUE(mentions(d, "did you mean `p100x4`?")) << d.message;
  EXPECT_EQ(d.span.begin.line, 1u);

  d = error_of("preset = \"cpu\"\ngpus = 2\n");
  EXPECT_TRUE(mentions(d, "unknown field `gpus`; did you mean `gpu`?")) << d.message;

  d = error_of("preset = \"cpu\"\nnodes = 2\n[network]\nnics = 0\n");
  EXPECT_TRUE(mentions(d, "network.nics")) << d.message;
  EXPECT_EQ(d.span.begin.line, 4u);
}

TEST(MachineModel, DescribeUsesReadableUnits) {
  std::string text = describe(preset("p100x4", 2));
  for (const char* s : {"machine `p100x4`: 2 nodes, 2 sockets per node", "GPU", "4 x 4.7 TFLOP/s", "16.0 GiB",
                        "12.0 GB/s", "5.0 us", "732.0 GB/s", "nic-out", "12.5 GB/s", "socket-link", "ZCMEM"})
    EXPECT_NE(text.find(s), std::string::npos) << s << "\n" << text;
  std::string dgx = describe(preset("dgx-h100"));
  EXPECT_NE(dgx.find("3.35 TB/s"), std::string::npos) << dgx;
  EXPECT_NE(dgx.find("nvlink-out"), std::string::npos) << dgx;
  EXPECT_NE(dgx.find("network (with more nodes): 8 NICs per node, 50.0 GB/s"), std::string::npos) << dgx;
}

TEST(MachineModel, FormatsFigures) {
  EXPECT_EQ(format_bandwidth(12e9), "12.0 GB/s");
  EXPECT_EQ(format_bandwidth(3.35e12), "3.35 TB/s");
  EXPECT_EQ(format_bytes(16 * kGiB), "16.0 GiB");
  EXPECT_EQ(format_bytes(512), "512.0 B");
  EXPECT_EQ(format_seconds(5e-6), "5.0 us");
  EXPECT_EQ(format_seconds(100e-9), "100.0 ns");
  EXPECT_EQ(format_seconds(0), "0.0 s");
  EXPECT_EQ(format_flops(4.7e12), "4.7 TFLOP/s");
}

TEST(MachineModel, JsonListsEveryInstance) {
  MachineModel m = preset("p100x4", 2);
  nlohmann::json j = to_json(m);
  EXPECT_EQ(j["name"], "p100x4");
  EXPECT_EQ(j["processors"].size(), m.processors.size());
  EXPECT_EQ(j["memories"].size(), m.memories.size());
  EXPECT_EQ(j["links"].size(), m.links.size());
  EXPECT_EQ(j["spec"]["gpu"]["flops"], 4.7e12);
  EXPECT_EQ(j["processors"][m.nodes[0].gpu[0]]["name"], "n0.gpu0");
  EXPECT_TRUE(j["memories"][m.nodes[0].sysmem]["socket"].is_null());
  EXPECT_EQ(j["links"][m.nodes[0].pcie_to_gpu[2]]["opposite"], m.nodes[0].pcie_from_gpu[2]);
}

}  // namespace
}  // namespace mage::model
