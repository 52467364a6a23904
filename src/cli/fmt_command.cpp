// `mage fmt FILE [--check | --write] [--upgrade]`
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/inputs.hpp"
#include "lang/formatter.hpp"
#include "lang/parser.hpp"
#include "lang/upgrade.hpp"
#include "util/files.hpp"

namespace mage::cli {

int run_fmt(const FmtOptions& o) {
  lang::Diagnostics diags;
  auto source = load_source(o.file, diags);
  if (!source) {
    report_usage(diags);
    return kExitUsage;
  }
  lang::Program program = lang::parse(*source, diags);
  if (diags.has_errors()) {
    // Formatting a program that does not parse would lose what the parser skipped.
    std::fputs(lang::render_text(diags, &*source, use_color()).c_str(), stderr);
    std::fprintf(stderr, "%s: not formatted: fix the syntax errors first\n", o.file.c_str());
    return kExitFindings;
  }
  std::string formatted;
  if (o.upgrade) {
    lang::UpgradeResult up = lang::upgrade_program(program, *source);
    for (const auto& note : up.notes)
      std::fprintf(stderr, "%s:%u: note: %s\n", o.file.c_str(), note.line, note.message.c_str());
    formatted = std::move(up.text);
  } else {
    formatted = lang::format_program(program, *source);
  }
  bool changed = formatted != source->text();
  if (o.check) {
    if (changed)
      std::fprintf(stderr, "%s: not %s (run `mage fmt%s --write %s`)\n", o.file.c_str(),
                   o.upgrade ? "in the current canonical form" : "canonically formatted", o.upgrade ? " --upgrade" : "",
                   o.file.c_str());
    return changed ? kExitFindings : kExitOk;
  }
  if (o.write) {
    std::string error;
    if (changed && !util::write_file_atomic(o.file, formatted, error)) {
      std::fprintf(stderr, "error: %s\n", error.c_str());
      return kExitUsage;
    }
    return kExitOk;
  }
  std::fputs(formatted.c_str(), stdout);
  return kExitOk;
}

}  // namespace mage::cli
