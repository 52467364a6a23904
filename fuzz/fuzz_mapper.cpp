// libFuzzer target: any bytes through parse -> check -> compile (evaluate globals) -> map a few launches.
// Whatever the input, the pipeline must end in a result or diagnostics: never a crash, hang or blow-up.
#include <cstdint>
#include <string>

#include "lang/formatter.hpp"
#include "lang/parser.hpp"
#include "mapping/launch_map.hpp"
#include "mapping/policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mage;
  std::string text(reinterpret_cast<const char*>(data), size);
  lang::Diagnostics diags;
  lang::SourceFile source("fuzz.mpl", text);
  lang::Program program = lang::parse(source, diags);
  if (!diags.has_errors()) {
    // Formatting must round-trip whatever parses.
    std::string formatted = lang::format_program(program, source);
    lang::Diagnostics again;
    lang::SourceFile reformatted("fuzz-fmt.mpl", formatted);
    lang::parse(reformatted, again);
    if (again.has_errors()) __builtin_trap();
  }
  lang::render_text(diags, &source);

  static const auto machine = *mapping::machine_preset("p100x4");
  lang::Diagnostics compile_diags;
  auto policy = mapping::Policy::compile(source, machine, compile_diags);
  if (!policy) return 0;
  for (const char* task : {"stencil", "task_4", "t"}) {
    for (const auto& domain : {mapping::Extents{4}, mapping::Extents{2, 3}, mapping::Extents{2, 2, 2}, mapping::Extents{}}) {
      mapping::LaunchQuery q;
      q.task = task;
      q.domain = domain;
      q.parent_processor = mapping::ProcessorId{ProcKind::GPU, 0, 1};
      auto map = mapping::map_launch(*policy, q);
      if (map) mapping::render_launch_text(*map, *policy);
    }
    mapping::RegionRef r{0, {"ghost"}};
    for (ProcKind k : {ProcKind::CPU, ProcKind::GPU, ProcKind::OMP}) {
      policy->choose_memory(task, r, k);
      policy->layout(task, r, k, MemKind::FBMEM);
    }
  }
  return 0;
}
