// Writes the seed corpus of the evaluation fuzzer into OUT_DIR, from the source tree at SOURCE_DIR:
//   every ```mpl block of docs/*.md and docs/apps/*.md, examples/*.mpl, the expert mappers
//   (src/apps/expert/*.mpl), fuzz/corpus/*, and POINTS random points (default 4) of each built-in
//   application's mapping space, rendered on one and two nodes of the default machine.
// Usage: make_corpus SOURCE_DIR OUT_DIR [POINTS]. Deterministic: the points come from a fixed seed.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "apps/builtin.hpp"
#include "model/machine_model.hpp"
#include "search/mapping_space.hpp"
#include "search/sampling.hpp"

namespace fs = std::filesystem;
using namespace mage;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::size_t written = 0;

void put(const fs::path& out, const std::string& name, const std::string& text) {
  std::ofstream(out / name, std::ios::binary) << text;
  ++written;
}

// Files of `dir` ending in `ext`, in name order (directory order is not stable).
std::vector<fs::path> files(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() == ext) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// The ```mpl blocks of a Markdown file.
void markdown_blocks(const fs::path& md, const fs::path& out) {
  std::istringstream in(read(md));
  std::string line, block;
  bool inside = false;
  int n = 0;
  while (std::getline(in, line)) {
    const std::string fence = line.substr(std::min(line.find_first_not_of(" \t"), line.size()));  // indented too
    if (!inside && fence.rfind("```mpl", 0) == 0) {
      inside = true;
      block.clear();
    } else if (inside && fence.rfind("```", 0) == 0) {
      inside = false;
      put(out, fmt::format("doc-{}-{}.mpl", md.stem().string(), n++), block);
    } else if (inside) {
      block += line + "\n";
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: make_corpus SOURCE_DIR OUT_DIR [POINTS]\n");
    return 2;
  }
  const fs::path src = argv[1], out = argv[2];
  const int points = argc > 3 ? std::atoi(argv[3]) : 4;
  fs::create_directories(out);

  for (const char* dir : {"docs", "docs/apps"})
    for (const auto& md : files(src / dir, ".md")) markdown_blocks(md, out);
  for (const char* dir : {"examples", "src/apps/expert", "fuzz/corpus"})
    for (const auto& f : files(src / dir, ".mpl"))
      put(out, fmt::format("{}-{}", fs::path(dir).filename().string(), f.filename().string()), read(f));

  search::Rng rng(20261208);
  for (std::int64_t nodes : {1, 2}) {
    const auto machine = *model::model_preset("p100x4", nodes);
    for (const auto& builtin : apps::builtin_apps()) {
      lang::Diagnostics d;
      auto app = apps::make_app(builtin, apps::Scale{nodes, machine.spec.gpu.count}, {}, d);
      if (!app) continue;
      const search::MappingSpace space(*app, model::to_machine_desc(machine));
      for (int i = 0; i < points; ++i)
        put(out, fmt::format("space-{}-{}n-{}.mpl", builtin.name, nodes, i),
            space.render(search::random_point(space.space(), rng)));
    }
  }
  std::printf("make_corpus: %zu seeds in %s\n", written, out.c_str());
  return 0;
}
