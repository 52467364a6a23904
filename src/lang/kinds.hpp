// Processor and memory kinds: the vocabulary the language, the policy and the models share.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mage {

enum class ProcKind : std::uint8_t { CPU, GPU, OMP, IO, PY, PROC };
enum class MemKind : std::uint8_t { SYSMEM, FBMEM, ZCMEM, RDMEM, SOCKMEM, VIRTUAL };

inline constexpr std::array<ProcKind, 6> kAllProcKinds = {ProcKind::CPU, ProcKind::GPU, ProcKind::OMP,
                                                          ProcKind::IO,  ProcKind::PY,  ProcKind::PROC};
inline constexpr std::array<MemKind, 6> kAllMemKinds = {MemKind::SYSMEM, MemKind::FBMEM,   MemKind::ZCMEM,
                                                        MemKind::RDMEM,  MemKind::SOCKMEM, MemKind::VIRTUAL};

constexpr std::string_view to_string(ProcKind k) {
  constexpr std::array<std::string_view, 6> names = {"CPU", "GPU", "OMP", "IO", "PY", "PROC"};
  return names[static_cast<std::size_t>(k)];
}
constexpr std::string_view to_string(MemKind k) {
  constexpr std::array<std::string_view, 6> names = {"SYSMEM", "FBMEM", "ZCMEM", "RDMEM", "SOCKMEM", "VIRTUAL"};
  return names[static_cast<std::size_t>(k)];
}

constexpr std::optional<ProcKind> parse_proc_kind(std::string_view s) {
  for (ProcKind k : kAllProcKinds)
    if (to_string(k) == s) return k;
  return std::nullopt;
}
constexpr std::optional<MemKind> parse_mem_kind(std::string_view s) {
  for (MemKind k : kAllMemKinds)
    if (to_string(k) == s) return k;
  return std::nullopt;
}

}  // namespace mage
