// `mage map FILE --machine M --task T [--domain 8x4] [--parent-proc node,proc] [--format text|json]`
#include <charconv>
#include <cstdio>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/inputs.hpp"
#include "mapping/launch_map.hpp"
#include "util/json_text.hpp"

namespace mage::cli {

namespace {

std::optional<mapping::ProcessorId> parse_processor(const std::string& text, ProcKind kind) {
  auto comma = text.find(',');
  if (comma == std::string::npos) return std::nullopt;
  mapping::ProcessorId p{kind, 0, 0};
  auto parse = [](std::string_view s, std::int64_t& v) {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && ptr == s.data() + s.size() && v >= 0;
  };
  std::string_view t(text);
  if (!parse(t.substr(0, comma), p.node) || !parse(t.substr(comma + 1), p.proc)) return std::nullopt;
  return p;
}

}  // namespace

int run_map(const MapOptions& o) {
  lang::Diagnostics usage;
  auto source = load_source(o.file, usage);
  auto machine = source ? load_machine(o.machine, usage) : std::nullopt;
  std::optional<lang::AppSignature> app;
  if (source && o.app) app = load_app(*o.app, usage);
  mapping::LaunchQuery query;
  query.task = o.task;
  if (o.domain) {
    auto domain = mapping::parse_domain(*o.domain);
    if (!domain)
      usage.error(lang::Category::Usage, "usage.bad-domain", {}, fmt::format("`--domain {}` is not a launch domain", *o.domain),
                  "write the extents separated by `x`, e.g. `--domain 8x4`, with at most 1048576 points");
    else
      query.domain = *domain;
  }
  if (usage.has_errors()) {
    report_usage(usage);
    return kExitUsage;
  }

  lang::Diagnostics diags;
  auto print = [](const std::string& line) { std::fprintf(stderr, "print: %s\n", line.c_str()); };
  auto policy = mapping::Policy::compile(*source, *machine, diags, app ? &*app : nullptr, print);
  if (!policy) {
    std::fputs(lang::render_text(diags, &*source, use_color()).c_str(), stderr);
    return kExitFindings;
  }
  if (diags.warning_count() > 0 && o.format != "json")
    std::fputs(lang::render_text(diags, &*source, use_color()).c_str(), stderr);

  if (app) {
    if (const auto* sig = app->find_task(o.task)) query.variants = sig->variants;
  }
  if (o.parent_proc) {
    ProcKind parent_kind = ProcKind::CPU;
    if (o.parent_kind) {
      auto k = parse_proc_kind(*o.parent_kind);
      if (!k) {
        std::fprintf(stderr, "error: `--parent-kind %s` is not a processor kind (CPU, GPU, OMP, IO, PY, PROC)\n",
                     o.parent_kind->c_str());
        return kExitUsage;
      }
      parent_kind = *k;
    } else {
      // Without --parent-kind the parent runs on the task's own kind, as DISTAL's nested launches do.
      auto k = policy->choose_kind(o.task, query.variants);
      if (k) parent_kind = *k;
    }
    query.parent_processor = parse_processor(*o.parent_proc, parent_kind);
    if (!query.parent_processor || query.parent_processor->node >= machine->nodes ||
        query.parent_processor->proc >= std::max<std::int64_t>(machine->per_node(parent_kind), 1)) {
      std::fprintf(stderr, "error: `--parent-proc %s` is not a %s processor of this machine (%s)\n"
                           "hint: write NODE,PROC with 0-based indices, e.g. `--parent-proc 0,1`\n",
                   o.parent_proc->c_str(), std::string(to_string(parent_kind)).c_str(), machine->summary().c_str());
      return kExitUsage;
    }
  }

  auto map = mapping::map_launch(*policy, query);
  if (!map) {
    if (o.format == "json") {
      std::puts(util::json_text(nlohmann::json{{"error", lang::to_json(map.error(), &policy->source())}}, 2).c_str());
    } else {
      std::fputs(lang::render_text(map.error(), &policy->source(), use_color()).c_str(), stderr);
    }
    return kExitFindings;
  }
  if (o.format == "json") {
    std::puts(util::json_text(mapping::launch_to_json(*map, *policy), 2).c_str());
  } else {
    std::fputs(mapping::render_launch_text(*map, *policy).c_str(), stdout);
    // Evaluation errors are explained once each, with the source line, after the table.
    std::set<std::string> shown;
    for (const auto& p : map->points)
      if (!p.procs && shown.insert(p.procs.error().message).second && shown.size() <= 3)
        std::fputs(lang::render_text(p.procs.error(), &policy->source(), use_color()).c_str(), stderr);
  }
  return map->error_count() > 0 ? kExitFindings : kExitOk;
}

}  // namespace mage::cli
