#include "model/app_model.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "model/app_builder.hpp"
#include "model/app_io.hpp"
#include "util/files.hpp"

namespace mage::model {

// Readable failures: models as their JSON form, element sets as intervals.
static void PrintTo(const AppModel& app, std::ostream* os) { *os << to_json(app).dump(); }
static void PrintTo(const IntervalSet& s, std::ostream* os) { *os << s.to_string(); }

namespace {

using lang::Diagnostics;

std::string read_example(const std::string& relative) {
  std::string error;
  auto text = util::read_file(std::string(MAGE_SOURCE_DIR) + "/" + relative, error);
  EXPECT_TRUE(text.has_value()) << error;
  return text.value_or("");
}

// The halo2d example written with the builder, its geometry computed rather than typed out.
AppBuilder halo2d_builder() {
  const std::int64_t ntx = 2, nty = 2, n = 128, radius = 2, tiles = ntx * nty;
  const std::int64_t strip = radius * n, slots = 4 * strip;  // a tile's four out-slots: xm, xp, ym, yp
  enum Side { XM, XP, YM, YP };
  auto slot = [&](std::int64_t tile, Side side) {
    return IntervalSet::range(tile * slots + side * strip, tile * slots + (side + 1) * strip);
  };
  AppBuilder app("halo2d");
  app.steps(10, 1).throughput("iterations/s", 1);
  app.region("grid", tiles * n * n).field("input", 8).field("output", 8);
  app.region("ghost", tiles * slots).field("input", 8);
  app.partition("private", "grid").blocks(tiles).disjoint();
  app.partition("out", "ghost").blocks(tiles).disjoint();
  // Tile (ix, iy) reads the slot its neighbour at (ix + dx, iy + dy) writes facing it; none past the edge.
  auto in_slots = [&](const char* name, std::int64_t dx, std::int64_t dy, Side facing) {
    PartitionBuilder p = app.partition(name, "ghost");
    for (std::int64_t iy = 0; iy < nty; ++iy)
      for (std::int64_t ix = 0; ix < ntx; ++ix) {
        const std::int64_t nx = ix + dx, ny = iy + dy;
        p.piece(nx >= 0 && nx < ntx && ny >= 0 && ny < nty ? slot(ny * ntx + nx, facing) : IntervalSet());
      }
    p.disjoint();
  };
  in_slots("in_xm", -1, 0, XP);
  in_slots("in_xp", 1, 0, XM);
  in_slots("in_ym", 0, -1, YP);
  in_slots("in_yp", 0, 1, YM);
  app.task("stencil")
      .variant(ProcKind::CPU)
      .flops_per_element(17)
      .bytes_per_element(24)
      .slowdown(0, "AOS", 1.2)
      .variant(ProcKind::GPU)
      .launch_overhead(1.0e-5)
      .flops_per_element(17)
      .bytes_per_element(24)
      .slowdown(0, "Align<128", 1.1)
      .reject(0, "AOS");
  app.task("increment")
      .variant(ProcKind::CPU)
      .flops_per_element(1)
      .bytes_per_element(16)
      .variant(ProcKind::GPU)
      .flops_per_element(1)
      .bytes_per_element(16);
  LaunchBuilder stencil = app.index_launch("stencil", {nty, ntx});
  stencil.partition("private", Privilege::RW, {"input", "output"});
  for (const char* in : {"in_xm", "in_xp", "in_ym", "in_yp"}) stencil.partition(in, Privilege::RO, {"input"});
  app.index_launch("increment", {nty, ntx})
      .partition("private", Privilege::RW, {"input"})
      .partition("out", Privilege::RW, {"input"});
  return app;
}

AppModel halo2d() {
  Diagnostics diags;
  auto app = halo2d_builder().build(diags);
  EXPECT_TRUE(app.has_value()) << lang::render_text(diags, nullptr);
  return app.value_or(AppModel{});
}

TEST(AppModel, BuilderAndExampleFileGiveTheSameModel) {
  Diagnostics diags;
  auto loaded = load_app_toml(read_example("examples/apps/halo2d.toml"), "halo2d.toml", diags);
  ASSERT_TRUE(loaded.has_value()) << lang::render_text(diags, nullptr);
  EXPECT_EQ(diags.all().size(), 0u);
  const AppModel built = halo2d();
  EXPECT_EQ(*loaded, built);
}

TEST(AppModel, HaloPiecesAndBytesPerPoint) {
  const AppModel app = halo2d();
  const std::vector<PointTask> stencil = app.points(0);
  ASSERT_EQ(stencil.size(), 4u);
  const PointTask& t0 = stencil[0];
  EXPECT_EQ(t0.task, "stencil");
  EXPECT_EQ(t0.point, (mapping::Coords{0, 0}));
  EXPECT_EQ(t0.domain, (mapping::Extents{2, 2}));
  ASSERT_EQ(t0.args.size(), 5u);
  // The tile itself: 128 x 128 points of input and output.
  EXPECT_EQ(t0.args[0].elements, IntervalSet::range(0, 16384));
  EXPECT_EQ(t0.args[0].bytes, 16384 * 16);
  EXPECT_EQ(t0.args[0].privilege, Privilege::RW);
  EXPECT_EQ(t0.args[0].fields, (std::vector<std::string>{"input", "output"}));
  // No left neighbour: the piece exists but is empty.
  EXPECT_EQ(t0.args[1].piece, 0);
  EXPECT_TRUE(t0.args[1].elements.empty());
  EXPECT_EQ(t0.args[1].bytes, 0);
  // Its right ghost strip is tile 1's xm out-slot, 2 x 128 doubles, and nothing else of tile 1.
  const ArgPiece& ghost = t0.args[2];
  EXPECT_EQ(ghost.elements, IntervalSet::range(1024, 1280));
  EXPECT_EQ(ghost.bytes, 256 * 8);
  EXPECT_EQ(ghost.region, "ghost");
  EXPECT_EQ(ghost.ref.arg_index, 2);
  EXPECT_EQ(ghost.ref.names, (std::vector<std::string>{"in_xp", "ghost"}));
  const std::vector<PointTask> increment = app.points(1);
  ASSERT_EQ(increment.size(), 4u);
  const IntervalSet& out1 = increment[1].args[1].elements;
  EXPECT_EQ(out1, IntervalSet::range(1024, 2048));
  EXPECT_EQ(ghost.elements & out1, ghost.elements);
  for (std::size_t tile : {0u, 2u, 3u})
    EXPECT_FALSE(ghost.elements.overlaps(increment[tile].args[1].elements));
  // Row-major points: (1, 0) is tile 2, whose lower neighbour is tile 0.
  EXPECT_EQ(stencil[2].point, (mapping::Coords{1, 0}));
  EXPECT_EQ(stencil[2].args[3].elements, IntervalSet::range(768, 1024));
  EXPECT_TRUE(stencil[2].args[3].elements.overlaps(increment[0].args[1].elements));
  // Work on the GPU: 17 flops and 24 bytes per point of the tile.
  const Work w = work(*app.find_task("stencil")->find_variant(ProcKind::GPU), t0);
  EXPECT_DOUBLE_EQ(w.flops, 17.0 * 16384);
  EXPECT_DOUBLE_EQ(w.bytes, 24.0 * 16384);
}

TEST(AppModel, SignatureNamesEveryTaskRegionAndPartition) {
  const AppModel app = halo2d();
  const lang::AppSignature sig = app.signature();
  EXPECT_EQ(sig.name, "halo2d");
  for (const Task& t : app.tasks) ASSERT_NE(sig.find_task(t.name), nullptr) << t.name;
  for (const Region& r : app.regions) EXPECT_TRUE(sig.region_names.count(r.name)) << r.name;
  for (const Partition& p : app.partitions) EXPECT_TRUE(sig.region_names.count(p.name)) << p.name;
  EXPECT_EQ(sig.region_names.size(), 8u);
  const lang::TaskSignature* stencil = sig.find_task("stencil");
  EXPECT_EQ(stencil->variants, (std::vector<ProcKind>{ProcKind::CPU, ProcKind::GPU}));
  EXPECT_EQ(stencil->region_args, (std::vector<std::string>{"private", "in_xm", "in_xp", "in_ym", "in_yp"}));
  EXPECT_EQ(sig.find_task("increment")->region_args, (std::vector<std::string>{"private", "out"}));
}

TEST(AppModel, AliasedAndDisjointPartitions) {
  AppBuilder b("alias");
  b.region("r", 100).field("f", 4);
  b.partition("blocks", "r").blocks(4).disjoint();
  b.partition("windows", "r").pieces({IntervalSet::range(0, 30), IntervalSet::range(20, 60), IntervalSet()});
  b.partition("touching", "r").pieces({IntervalSet::range(0, 50), IntervalSet::range(50, 100)});
  Diagnostics diags;
  auto app = b.build(diags);
  ASSERT_TRUE(app.has_value()) << lang::render_text(diags, nullptr);
  EXPECT_TRUE(is_disjoint(app->partitions[0]));
  EXPECT_FALSE(is_disjoint(app->partitions[1]));
  EXPECT_EQ(first_overlap(app->partitions[1]), (std::pair<std::size_t, std::size_t>{0, 1}));
  EXPECT_TRUE(is_disjoint(app->partitions[2]));  // half-open intervals that touch share nothing
  // Claiming the overlapping one disjoint is an error naming the pieces and the shared elements.
  b.partition("claimed", "r")
      .pieces({IntervalSet::range(0, 10), IntervalSet::range(40, 50), IntervalSet::range(5, 45)})
      .disjoint();
  Diagnostics bad;
  EXPECT_FALSE(b.build(bad).has_value());
  ASSERT_EQ(bad.all().size(), 1u);
  EXPECT_EQ(bad.all()[0].code, "usage.app-overlap");
  EXPECT_NE(
      bad.all()[0].message.find("`partitions[3].disjoint`: partition `claimed` is declared disjoint, but "
                                "pieces 0 and 2 share 5 elements, first [5, 10)"),
      std::string::npos)
      << bad.all()[0].message;
}

constexpr const char* kRichToml = R"(name = "rich"
steps = 5
warmup_steps = 2
throughput = { unit = "GFLOP/s", per_step = 0.5 }

[[regions]]
name = "nodes"
elements = 1000
fields = [{ name = "charge", bytes = 4 }, { name = "voltage", bytes = 4 }]

[[partitions]]
name = "rp_nodes"
region = "nodes"
pieces = [[0, 800], [800, 1000]]
piece_names = ["all_private", "all_shared"]
disjoint = true

[[partitions]]
name = "rp_private"
parent = "rp_nodes"
piece = 0
blocks = 4
disjoint = true

[[partitions]]
name = "rp_ghost"
parent = "rp_nodes"
piece = 1
pieces = [[[800, 900]], [[850, 950]], [[900, 1000]], [[800, 850], [950, 1000]]]

[[tasks]]
name = "update"
[[tasks.variants]]
kind = "GPU"
flops_per_element = 4
bytes_per_element = 24
flops_per_point = 100
layout = [{ arg = 1, slowdown = [{ when = "F_order", factor = 2 }], reject = ["Align<16"] }]

[[tasks]]
name = "dt"
variants = [{ kind = "CPU", bytes_per_point = 8, launch_overhead = 2e-6 }]

[[launches]]
task = "update"
domain = [4]
produces = "dt_partial"
consumes = ["dt_global"]

[[launches.args]]
partition = "rp_private"
privilege = "RW"

[[launches.args]]
partition = "rp_ghost"
privilege = "RED"
redop = "+"
fields = ["charge"]
projection = { kind = "offset", k = 1, edge = "clamp" }

[[launches.args]]
partition = "rp_nodes"
privilege = "RO"
fields = ["voltage"]
projection = { kind = "constant", k = 1 }

[[launches.args]]
partition = "rp_ghost"
privilege = "RO"
fields = ["voltage"]
projection = { kind = "table", table = [3, 2, 1, 0] }

[[launches]]
task = "dt"
produces = "dt_global"
consumes = ["dt_partial"]
args = [{ region = "nodes", privilege = "RO", fields = ["voltage"] }]
)";

constexpr const char* kRichJson = R"({
  "name": "rich", "steps": 5, "warmup_steps": 2,
  "throughput": { "unit": "GFLOP/s", "per_step": 0.5 },
  "regions": [{ "name": "nodes", "elements": 1000,
                "fields": [{ "name": "charge", "bytes": 4 }, { "name": "voltage", "bytes": 4 }] }],
  "partitions": [
    { "name": "rp_nodes", "region": "nodes", "pieces": [[0, 800], [800, 1000]],
      "piece_names": ["all_private", "all_shared"], "disjoint": true },
    { "name": "rp_private", "parent": "rp_nodes", "piece": 0, "blocks": 4, "disjoint": true },
    { "name": "rp_ghost", "parent": "rp_nodes", "piece": 1,
      "pieces": [[[800, 900]], [[850, 950]], [[900, 1000]], [[800, 850], [950, 1000]]] }
  ],
  "tasks": [
    { "name": "update", "variants": [{ "kind": "GPU", "flops_per_element": 4, "bytes_per_element": 24,
      "flops_per_point": 100,
      "layout": [{ "arg": 1, "slowdown": [{ "when": "F_order", "factor": 2 }], "reject": ["Align<16"] }] }] },
    { "name": "dt", "variants": [{ "kind": "CPU", "bytes_per_point": 8, "launch_overhead": 2e-6 }] }
  ],
  "launches": [
    { "task": "update", "domain": [4], "produces": "dt_partial", "consumes": ["dt_global"], "args": [
      { "partition": "rp_private", "privilege": "RW" },
      { "partition": "rp_ghost", "privilege": "RED", "redop": "+", "fields": ["charge"],
        "projection": { "kind": "offset", "k": 1, "edge": "clamp" } },
      { "partition": "rp_nodes", "privilege": "RO", "fields": ["voltage"],
        "projection": { "kind": "constant", "k": 1 } },
      { "partition": "rp_ghost", "privilege": "RO", "fields": ["voltage"],
        "projection": { "kind": "table", "table": [3, 2, 1, 0] } } ] },
    { "task": "dt", "produces": "dt_global", "consumes": ["dt_partial"],
      "args": [{ "region": "nodes", "privilege": "RO", "fields": ["voltage"] }] }
  ]
})";

AppModel rich() {
  Diagnostics diags;
  auto app = load_app_toml(kRichToml, "rich.toml", diags);
  EXPECT_TRUE(app.has_value()) << lang::render_text(diags, nullptr);
  return app.value_or(AppModel{});
}

TEST(AppModel, JsonLoadEqualsTomlLoad) {
  Diagnostics diags;
  auto json_app = load_app_json(kRichJson, "rich.json", diags);
  ASSERT_TRUE(json_app.has_value()) << lang::render_text(diags, nullptr);
  EXPECT_EQ(*json_app, rich());
  // load_app picks the form by extension.
  EXPECT_TRUE(load_app(kRichJson, "x.json", diags).has_value());
  EXPECT_TRUE(load_app(kRichToml, "x.toml", diags).has_value());
  EXPECT_EQ(diags.error_count(), 0u);
}

TEST(AppModel, ToJsonReadsBackEqual) {
  for (const AppModel& app : {rich(), halo2d()}) {
    Diagnostics diags;
    auto back = load_app_json(to_json(app).dump(2), "back.json", diags);
    ASSERT_TRUE(back.has_value()) << lang::render_text(diags, nullptr);
    EXPECT_EQ(*back, app);
  }
}

TEST(AppModel, NestedPartitionsProjectionsAndFutures) {
  const AppModel app = rich();
  EXPECT_EQ(app.partitions[1].pieces[3], IntervalSet::range(600, 800));  // blocks split the parent piece
  EXPECT_FALSE(is_disjoint(app.partitions[2]));
  EXPECT_EQ(app.root_region(app.partitions[2])->name, "nodes");
  const std::vector<PointTask> update = app.points(0);
  ASSERT_EQ(update.size(), 4u);
  // Names as rules see them: piece name, partition, then the parent's piece name, partition and region.
  EXPECT_EQ(update[0].args[0].ref.names,
            (std::vector<std::string>{"rp_private", "all_private", "rp_nodes", "nodes"}));
  EXPECT_EQ(update[0].args[2].ref.names, (std::vector<std::string>{"all_shared", "rp_nodes", "nodes"}));
  EXPECT_EQ(update[0].args[2].elements, IntervalSet::range(800, 1000));
  EXPECT_EQ(update[0].args[2].bytes, 200 * 4);
  // offset +1 clamped: point 3 would select piece 4 of 4, so it keeps piece 3.
  EXPECT_EQ(update[2].args[1].piece, 3);
  EXPECT_EQ(update[3].args[1].piece, 3);
  EXPECT_EQ(update[3].args[1].elements, (IntervalSet{{800, 850}, {950, 1000}}));
  EXPECT_EQ(update[3].args[1].redop, "+");
  EXPECT_EQ(update[1].args[3].piece, 2);  // table [3, 2, 1, 0]
  // The single launch has one point and no coordinates; its region argument is the whole region.
  const std::vector<PointTask> dt = app.points(1);
  ASSERT_EQ(dt.size(), 1u);
  EXPECT_TRUE(dt[0].point.empty());
  EXPECT_EQ(dt[0].args[0].elements, IntervalSet::range(0, 1000));
  EXPECT_EQ(dt[0].args[0].bytes, 4000);
  EXPECT_EQ(dt[0].args[0].ref.names, (std::vector<std::string>{"nodes"}));
  EXPECT_FALSE(dt[0].args[0].piece.has_value());
  // Futures: `dt_global` comes from a later launch, so from the previous step.
  EXPECT_EQ(app.producer("dt_global"), 1u);
  EXPECT_EQ(app.producer("dt_partial"), 0u);
  EXPECT_FALSE(app.producer("nothing").has_value());
  // Roofline inputs: per point plus per element of argument 0 (200 nodes).
  const Work w = work(app.tasks[0].variants[0], update[0]);
  EXPECT_DOUBLE_EQ(w.flops, 100 + 4 * 200);
  EXPECT_DOUBLE_EQ(w.bytes, 24 * 200);
  const Variant& v = app.tasks[0].variants[0];
  EXPECT_DOUBLE_EQ(v.slowdown(1, {true, false, 64}, LayoutTerm::Memory), 2.0);  // F_order
  EXPECT_DOUBLE_EQ(v.slowdown(1, {true, false, 64}, LayoutTerm::Compute), 1.0);  // a factor on the traffic
  EXPECT_DOUBLE_EQ(v.slowdown(1, {true, true, 64}, LayoutTerm::Memory), 1.0);   // C_order
  EXPECT_DOUBLE_EQ(v.slowdown(0, {true, false, 64}, LayoutTerm::Memory), 1.0);  // other argument
  EXPECT_TRUE(v.rejects(1, {true, true, 8}));               // alignment 8 < 16
  EXPECT_FALSE(v.rejects(1, {true, true, 16}));
  const lang::AppSignature sig = app.signature();
  EXPECT_TRUE(sig.region_names.count("all_private"));
  EXPECT_EQ(sig.find_task("update")->region_args,
            (std::vector<std::string>{"rp_private", "rp_ghost", "rp_nodes", "rp_ghost"}));
}

TEST(AppModel, OffsetProjectionSkipsAtTheEdge) {
  AppBuilder b("shift");
  b.region("r", 40).field("f", 8);
  b.partition("p", "r").blocks(4).disjoint().piece_names({"a", "b", "c", "d"});
  b.task("t").variant(ProcKind::CPU).flops_per_element(1);
  b.index_launch("t", {4}).partition("p", Privilege::RW).partition("p", Privilege::RO).offset(-1);
  Diagnostics diags;
  auto app = b.build(diags);
  ASSERT_TRUE(app.has_value()) << lang::render_text(diags, nullptr);
  const auto points = app->points(0);
  EXPECT_FALSE(points[0].args[1].piece.has_value());
  EXPECT_TRUE(points[0].args[1].elements.empty());
  EXPECT_EQ(points[0].args[1].bytes, 0);
  EXPECT_EQ(points[0].args[1].ref.names, (std::vector<std::string>{"p", "r"}));
  EXPECT_EQ(points[1].args[1].ref.names, (std::vector<std::string>{"a", "p", "r"}));
  EXPECT_EQ(points[3].args[1].elements, IntervalSet::range(20, 30));
  EXPECT_EQ(points[3].args[0].ref.names, (std::vector<std::string>{"d", "p", "r"}));
}

TEST(AppModel, DescribeSummarisesTheApplication) {
  const std::string text = describe(halo2d());
  for (const char* expected :
       {"application `halo2d`: 10 timed steps after 1 warm-up; throughput in iterations/s (1 per step)",
        "grid       65,536 elements x 16 B = 1.0 MiB; fields input 8 B, output 8 B",
        "in_xm      of ghost: 4 pieces (2 empty), disjoint; 0 to 256 elements",
        "private    of grid: 4 pieces, disjoint; 16,384 elements each",
        "GPU: 17 flop + 24 B per element of argument 0; launch overhead 10 µs; argument 0: Align<128 x1.1 on memory, "
        "rejects AOS",
        "1. stencil over 2x2 (4 points)", "2. increment over 2x2 (4 points)",
        "1 in_xm      RO    input                identity"})
    EXPECT_NE(text.find(expected), std::string::npos) << "missing: " << expected << "\nin:\n" << text;
  const std::string rich_text = describe(rich());
  for (const char* expected :
       {"rp_private  of rp_nodes[0] (all_private): 4 pieces, disjoint; 200 elements each",
        "rp_ghost    of rp_nodes[1] (all_shared): 4 pieces, aliased; 100 elements each", "RED+",
        "offset +1 (clamp at edges)", "table [3, 2, 1, 0]", "(single launch)",
        "waits for future `dt_global` (previous step)", "waits for future `dt_partial`\n"})
    EXPECT_NE(rich_text.find(expected), std::string::npos) << "missing: " << expected << "\nin:\n"
                                                           << rich_text;
}

TEST(AppModel, BuilderMisuseIsReported) {
  AppBuilder b("misuse");
  b.task("t").flops_per_element(3).variant(ProcKind::CPU).slowdown(0, "Align16", 2);
  b.single_launch("t").offset(1);
  Diagnostics diags;
  EXPECT_FALSE(b.build(diags).has_value());
  std::string all = lang::render_text(diags, nullptr);
  EXPECT_NE(all.find("`tasks[0].variants`: `flops_per_element` before any `variant`"), std::string::npos)
      << all;
  EXPECT_NE(all.find("`Align16` is not a layout predicate"), std::string::npos) << all;
  EXPECT_NE(all.find("`launches[0].args`: `offset` before any argument"), std::string::npos) << all;
}

// ---- validation errors: each names its field, and in TOML its line and column -------------------

constexpr const char* kMini = R"(name = "mini"
[[regions]]
name = "cells"
elements = 100
fields = [{ name = "x", bytes = 8 }, { name = "y", bytes = 4 }]
[[partitions]]
name = "halves"
region = "cells"
pieces = [[0, 50], [50, 100]]
disjoint = true
[[tasks]]
name = "work"
variants = [{ kind = "CPU", flops_per_element = 2, bytes_per_element = 12 }]
[[launches]]
task = "work"
domain = [2]
args = [{ partition = "halves", privilege = "RW", fields = ["x"] }, { region = "cells", privilege = "RO" }]
)";

std::string with(std::string text, std::string_view from, std::string_view to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The 1-based line and column where `needle` first starts (after the first `after`, if given).
std::pair<std::uint32_t, std::uint32_t> position(const std::string& text, std::string_view needle,
                                                 std::string_view after = "") {
  const std::size_t at = text.find(needle, after.empty() ? 0 : text.find(after) + after.size());
  EXPECT_NE(at, std::string::npos) << needle;
  const std::size_t line_start = text.rfind('\n', at) == std::string::npos ? 0 : text.rfind('\n', at) + 1;
  const auto line = static_cast<std::uint32_t>(std::count(text.begin(), text.begin() + at, '\n') + 1);
  return {line, static_cast<std::uint32_t>(at - line_start + 1)};
}

// Loads `text`, expecting exactly one error, and checks its code, field and position.
void expect_one_error(const std::string& text, const std::string& code, const std::string& field,
                      std::pair<std::uint32_t, std::uint32_t> where, const std::string& detail = "") {
  Diagnostics diags;
  auto app = load_app_toml(text, "app.toml", diags);
  EXPECT_FALSE(app.has_value());
  ASSERT_EQ(diags.all().size(), 1u) << lang::render_text(diags, nullptr);
  const lang::Diagnostic& d = diags.all()[0];
  EXPECT_EQ(d.category, lang::Category::Usage);
  EXPECT_EQ(d.code, code) << d.message;
  EXPECT_EQ(d.file, "app.toml");
  EXPECT_NE(d.message.find("`app.toml`: `" + field + "`: "), std::string::npos) << d.message;
  EXPECT_NE(d.message.find(detail), std::string::npos) << d.message;
  EXPECT_FALSE(d.hint.empty());
  EXPECT_EQ(d.span.begin.line, where.first) << d.message;
  EXPECT_EQ(d.span.begin.column, where.second) << d.message;
}

TEST(AppModelValidation, MiniIsValid) {
  Diagnostics diags;
  EXPECT_TRUE(load_app_toml(kMini, "app.toml", diags).has_value()) << lang::render_text(diags, nullptr);
}

TEST(AppModelValidation, UnknownNames) {
  std::string t = with(kMini, R"(partition = "halves")", R"(partition = "halvs")");
  expect_one_error(t, "usage.app-unknown-name", "launches[0].args[0].partition", position(t, R"("halvs")"),
                   "`halvs` is not a partition; did you mean `halves`?");
  t = with(kMini, R"(region = "cells")", R"(region = "cels")");
  expect_one_error(t, "usage.app-unknown-name", "partitions[0].region", position(t, R"("cels")"),
                   "partition `halves` partitions `cels`, which is not a region; did you mean `cells`?");
  t = with(kMini, R"(task = "work")", R"(task = "wrk")");
  expect_one_error(t, "usage.app-unknown-name", "launches[0].task", position(t, R"("wrk")"),
                   "launch of `wrk`, which is not a task; did you mean `work`?");
  t = with(kMini, R"({ region = "cells", privilege = "RO" })", R"({ region = "halves", privilege = "RO" })");
  expect_one_error(t, "usage.app-unknown-name", "launches[0].args[1].region",
                   position(t, R"("halves")", "{ region = "), "`halves` is not a region");
  t = with(kMini, R"(fields = ["x"])", R"(fields = ["x", "z"])");
  expect_one_error(t, "usage.app-unknown-name", "launches[0].args[0].fields[1]", position(t, R"("z")"),
                   "region `cells` has no field `z`");
}

TEST(AppModelValidation, TaskWithoutVariants) {
  const std::string t =
      with(kMini, R"([{ kind = "CPU", flops_per_element = 2, bytes_per_element = 12 }])", "[]");
  expect_one_error(t, "usage.app-no-variant", "launches[0].task", position(t, R"("work")", "task = "),
                   "task `work` has no variants");
}

TEST(AppModelValidation, ProjectionOutOfRange) {
  std::string t = with(kMini, "domain = [2]", "domain = [3]");
  expect_one_error(
      t, "usage.app-projection", "launches[0].args[0].projection", position(t, R"({ partition = "halves")"),
      "point (2) of the 3 domain (linear index 2) selects piece 2, but partition `halves` has 2 pieces");
  t = with(kMini, "domain = [2]", "domain = [1, 3]");
  expect_one_error(t, "usage.app-projection", "launches[0].args[0].projection",
                   position(t, R"({ partition = "halves")"),
                   "point (0, 2) of the 1x3 domain (linear index 2)");
  t = with(kMini, R"(privilege = "RW",)",
           R"(privilege = "RW", projection = { kind = "table", table = [1, 5] },)");
  expect_one_error(t, "usage.app-projection", "launches[0].args[0].projection.table[1]", position(t, "5]"),
                   "point (1) of the 2 domain (linear index 1) selects piece 5");
  t = with(kMini, R"(privilege = "RW",)", R"(privilege = "RW", projection = { kind = "constant", k = -1 },)");
  expect_one_error(t, "usage.app-projection", "launches[0].args[0].projection.k", position(t, "-1"),
                   "selects piece -1");
  t = with(kMini, R"(privilege = "RW",)",
           R"(privilege = "RW", projection = { kind = "table", table = [1] },)");
  expect_one_error(t, "usage.app-projection", "launches[0].args[0].projection.table", position(t, "[1]"),
                   "the table has 1 entries for 2 points");
}

TEST(AppModelValidation, SizesAndExtents) {
  std::string t = with(kMini, "elements = 100", "elements = 0");
  expect_one_error(t, "usage.app-size", "regions[0].elements", position(t, "0", "elements = "),
                   "region `cells` has 0 elements");
  t = with(kMini, R"(name = "y", bytes = 4)", R"(name = "y", bytes = -4)");
  expect_one_error(t, "usage.app-size", "regions[0].fields[1].bytes", position(t, "-4"),
                   "field `y` of region `cells` has -4 bytes per element");
  t = with(kMini, "domain = [2]", "domain = [2, 0]");
  expect_one_error(t, "usage.app-size", "launches[0].domain[1]", position(t, "0]", "domain = [2, "),
                   "extent 1 of the domain is 0");
  t = with(kMini, "name = \"mini\"", "name = \"mini\"\nsteps = 0");
  expect_one_error(t, "usage.app-size", "steps", position(t, "0", "steps = "), "0 time steps");
  t = with(kMini, "flops_per_element = 2", "flops_per_element = -2");
  expect_one_error(t, "usage.app-size", "tasks[0].variants[0].flops_per_element", position(t, "-2"), "");
}

TEST(AppModelValidation, IntervalsOutsideTheRegionOrReversed) {
  std::string t = with(kMini, "[50, 100]]", "[50, 120]]");
  expect_one_error(
      t, "usage.app-interval", "partitions[0].pieces[1]", position(t, "[50, 120]"),
      "piece 1 of partition `halves` has 20 elements outside region `cells` ([0, 100)), first [100, 120)");
  t = with(kMini, "[50, 100]]", "[[50, 100], [-3, 0]]]");
  expect_one_error(t, "usage.app-interval", "partitions[0].pieces[1]", position(t, "[[50, 100]"),
                   "3 elements outside region `cells`");
  t = with(kMini, "[50, 100]]", "[50, 9223372036854775807]]");
  expect_one_error(t, "usage.app-interval", "partitions[0].pieces[1]", position(t, "[50, 9"),
                   "outside region `cells` ([0, 100)), first [100, 9223372036854775807)");
  t = with(kMini, "[50, 100]]", "[100, 50]]");
  expect_one_error(t, "usage.app-interval", "partitions[0].pieces[1]", position(t, "[100, 50]"),
                   "the interval [100, 50) is empty or reversed");
}

TEST(AppModelValidation, DuplicateNames) {
  std::string t = std::string(kMini) +
                  "[[regions]]\nname = \"halves\"\nelements = 1\nfields = [{ name = \"f\", bytes = 1 }]\n";
  expect_one_error(t, "usage.app-duplicate-name", "partitions[0].name", position(t, R"("halves")"),
                   "the name `halves` is already used at `regions[1].name`");
  t = std::string(kMini) + "[[tasks]]\nname = \"work\"\nvariants = [{ kind = \"GPU\" }]\n";
  expect_one_error(t, "usage.app-duplicate-name", "tasks[1].name",
                   position(t, "\"work\"\nvariants = [{ kind = \"GPU\""), "already used at `tasks[0].name`");
  t = with(kMini, R"(name = "y")", R"(name = "x")");
  expect_one_error(t, "usage.app-duplicate-name", "regions[0].fields[1].name",
                   position(t, R"("x")", "bytes = 8"),
                   "the name `x` is already used at `regions[0].fields[0].name`");
}

TEST(AppModelValidation, DeclaredDisjointButOverlapping) {
  const std::string t = with(kMini, "[[0, 50], [50, 100]]", "[[0, 60], [50, 100]]");
  expect_one_error(
      t, "usage.app-overlap", "partitions[0].disjoint", position(t, "true"),
      "partition `halves` is declared disjoint, but pieces 0 and 1 share 10 elements, first [50, 60)");
  Diagnostics diags;  // the same pieces without the claim are an aliased partition
  auto app = load_app_toml(with(t, "disjoint = true\n", ""), "app.toml", diags);
  ASSERT_TRUE(app.has_value()) << lang::render_text(diags, nullptr);
  EXPECT_FALSE(is_disjoint(app->partitions[0]));
}

TEST(AppModelValidation, ArgumentsAndFutures) {
  std::string t = with(kMini, R"(privilege = "RW")", R"(privilege = "RED")");
  expect_one_error(t, "usage.app-argument", "launches[0].args[0].privilege", position(t, R"("RED")"),
                   "a RED argument without a reduction operator");
  t = with(kMini, R"(privilege = "RW")", R"(privilege = "RED", redop = "avg")");
  expect_one_error(t, "usage.app-argument", "launches[0].args[0].redop", position(t, R"("avg")"),
                   "`avg` is not a reduction operator");
  t = with(kMini, "bytes_per_element = 12", "bytes_per_element = 12, work_arg = 2");
  expect_one_error(t, "usage.app-argument", "tasks[0].variants[0].work_arg", position(t, "2 }"),
                   "`work_arg` is 2, but task `work` takes 2 arguments (launches[0])");
  t = with(kMini, "domain = [2]", "domain = [2]\nconsumes = [\"dt\"]");
  expect_one_error(t, "usage.app-future", "launches[0].consumes[0]", position(t, R"("dt")"),
                   "waits for future `dt`, which no launch produces");
  t = std::string(kMini) +
      "[[launches]]\ntask = \"work\"\ndomain = [2]\nargs = [{ region = \"cells\", privilege = \"RO\" }]\n";
  expect_one_error(t, "usage.app-argument", "launches[1].args", position(t, "[{ region"),
                   "task `work` takes 2 arguments in launches[0] but 1 here");
}

TEST(AppModelValidation, NestedPartitionErrors) {
  const std::string nested = "[[partitions]]\nname = \"quarters\"\nparent = \"halves\"\npiece = 1\n";
  std::string t = std::string(kMini) + nested + "pieces = [[50, 75], [70, 101]]\n";
  expect_one_error(
      t, "usage.app-interval", "partitions[1].pieces[1]", position(t, "[70, 101]"),
      "piece 1 of partition `quarters` has 1 elements outside piece 1 of `halves`, first [100, 101)");
  t = std::string(kMini) + with(nested, "piece = 1", "piece = 2") + "blocks = 2\n";
  expect_one_error(t, "usage.app-projection", "partitions[1].piece", position(t, "2", "piece = "),
                   "partition `quarters` partitions piece 2 of `halves`, which has 2 pieces");
  t = std::string(kMini) + with(nested, "\"halves\"", "\"later\"") + "blocks = 2\n" +
      "[[partitions]]\nname = \"later\"\nregion = \"cells\"\nblocks = 2\n";
  expect_one_error(t, "usage.app-unknown-name", "partitions[1].parent", position(t, R"("later")"),
                   "partition `quarters` partitions `later`, which is declared after it");
}

TEST(AppModelValidation, FormErrorsPointAtTheValueOrKey) {
  std::string t = with(kMini, "elements = 100", "elements = \"100\"");
  expect_one_error(t, "usage.app-field", "regions[0].elements", position(t, R"("100")"),
                   "must be an integer, found a string");
  t = with(kMini, "disjoint = true", "disjont = true");
  expect_one_error(t, "usage.app-field", "partitions[0].disjont", position(t, "disjont"),
                   "unknown field `disjont`; did you mean `disjoint`?");
  t = with(kMini, "elements = 100\n", "");
  expect_one_error(t, "usage.app-field", "regions[0].elements", position(t, "[[regions]]"),
                   "missing field `elements`");
  t = with(kMini, R"(privilege = "RW")", R"(privilege = "RX")");
  expect_one_error(t, "usage.app-field", "launches[0].args[0].privilege", position(t, R"("RX")"),
                   "`RX` is not a privilege");
  t = with(kMini, R"(kind = "CPU")", R"(kind = "TPU")");
  expect_one_error(t, "usage.app-field", "tasks[0].variants[0].kind", position(t, R"("TPU")"),
                   "`TPU` is not a processor kind");
  t = with(kMini, R"(privilege = "RW",)", R"(privilege = "RW", projection = { kind = "identity", k = 1 },)");
  expect_one_error(t, "usage.app-field", "launches[0].args[0].projection.k", position(t, "k = 1"),
                   "`k` does not apply to a identity projection");
  t = with(kMini, R"(region = "cells", privilege = "RO")",
           R"(region = "cells", privilege = "RO", projection = { kind = "constant", k = 0 })");
  expect_one_error(t, "usage.app-field", "launches[0].args[1].projection", position(t, "projection"),
                   "a projection on an argument without a partition");
  t = with(kMini, "[[tasks]]",
           "[[tasks]]\nvariants = [{ kind = \"CPU\", layout = [{ arg = 0, reject = [\"Align16\"] }] "
           "}]\n[[tasks]]");
  Diagnostics diags;
  EXPECT_FALSE(load_app_toml(t, "app.toml", diags).has_value());
  EXPECT_NE(lang::render_text(diags, nullptr).find("`Align16` is not a layout predicate"), std::string::npos);
}

// A layout factor scales the memory term unless it says `applies_to = "compute"`; anything else is an
// error that names the field.
TEST(AppModelValidation, LayoutFactorsApplyToMemoryOrCompute) {
  const std::string variant = R"(variants = [{ kind = "CPU", flops_per_element = 2, bytes_per_element = 12 }])";
  auto layout = [&](std::string_view slowdown) {
    return with(kMini, variant,
                std::string(R"(variants = [{ kind = "CPU", flops_per_element = 2, bytes_per_element = 12, )") +
                    "layout = [{ arg = 0, slowdown = [" + std::string(slowdown) + "] }] }]");
  };
  Diagnostics diags;
  auto app = load_app_toml(
      layout(R"({ when = "AOS", factor = 2 }, { when = "C_order", factor = 3, applies_to = "compute" })"), "app.toml",
      diags);
  ASSERT_TRUE(app) << lang::render_text(diags, nullptr);
  const auto& slow = app->tasks[0].variants[0].layout[0].slowdown;
  ASSERT_EQ(slow.size(), 2u);
  EXPECT_EQ(slow[0].applies_to, LayoutTerm::Memory);  // the default
  EXPECT_EQ(slow[1].applies_to, LayoutTerm::Compute);
  const Variant& v = app->tasks[0].variants[0];
  const LayoutFacts aos_c{false, true, 1};
  EXPECT_DOUBLE_EQ(v.slowdown(0, aos_c, LayoutTerm::Memory), 2.0);
  EXPECT_DOUBLE_EQ(v.slowdown(0, aos_c, LayoutTerm::Compute), 3.0);
  // The JSON form keeps the term.
  Diagnostics back;
  EXPECT_EQ(load_app_json(to_json(*app).dump(), "app.json", back), app) << lang::render_text(back, nullptr);
  EXPECT_NE(describe(*app).find("C_order x3 on compute"), std::string::npos) << describe(*app);

  const std::string bad = layout(R"({ when = "AOS", factor = 2, applies_to = "flops" })");
  expect_one_error(bad, "usage.app-field", "tasks[0].variants[0].layout[0].slowdown[0].applies_to",
                   position(bad, R"("flops")"), "`flops` is not a roofline term");
}

TEST(AppModelValidation, TomlSyntaxError) {
  const std::string t = with(kMini, "domain = [2]", "domain = [2 3]");
  Diagnostics diags;
  EXPECT_FALSE(load_app_toml(t, "app.toml", diags).has_value());
  ASSERT_EQ(diags.all().size(), 1u);
  EXPECT_EQ(diags.all()[0].code, "usage.app-syntax");
  EXPECT_EQ(diags.all()[0].span.begin.line, 16u);
  EXPECT_EQ(diags.all()[0].span.begin.column, 13u);
  EXPECT_NE(diags.all()[0].message.find("`app.toml` is not valid TOML"), std::string::npos);
}

TEST(AppModelValidation, JsonErrorsGiveThePointer) {
  Diagnostics diags;
  std::string bad = with(kRichJson, R"("partition": "rp_private")", R"("partition": "rp_privat")");
  EXPECT_FALSE(load_app_json(bad, "rich.json", diags).has_value());
  ASSERT_EQ(diags.all().size(), 1u) << lang::render_text(diags, nullptr);
  EXPECT_NE(diags.all()[0].message.find("`rich.json`: `/launches/0/args/0/partition`: `rp_privat` is not a "
                                        "partition; did you mean `rp_private`?"),
            std::string::npos)
      << diags.all()[0].message;
  EXPECT_EQ(diags.all()[0].file, "rich.json");

  Diagnostics typed;
  bad = with(kRichJson, R"("elements": 1000)", R"("elements": 1000.0)");
  EXPECT_FALSE(load_app_json(bad, "rich.json", typed).has_value());
  ASSERT_EQ(typed.all().size(), 1u);
  EXPECT_NE(typed.all()[0].message.find(
                "`/regions/0/elements`: must be an integer, found a number with a fraction"),
            std::string::npos)
      << typed.all()[0].message;

  Diagnostics syntax;
  EXPECT_FALSE(load_app_json("{\n  \"name\": \"x\",\n  \"steps\": ]\n}", "bad.json", syntax).has_value());
  ASSERT_EQ(syntax.all().size(), 1u);
  EXPECT_EQ(syntax.all()[0].code, "usage.app-syntax");
  EXPECT_EQ(syntax.all()[0].span.begin.line, 3u);
  EXPECT_EQ(syntax.all()[0].span.begin.column, 12u);
  EXPECT_NE(syntax.all()[0].message.find("`bad.json` is not valid JSON: syntax error"), std::string::npos)
      << syntax.all()[0].message;
}

// Damaged files are reported, never crash: cut a random span out of valid text, or splice in noise.
RC_GTEST_PROP(AppModelProp, DamagedInputIsReportedNotFatal, ()) {
  static const std::string toml = read_example("examples/apps/halo2d.toml");
  static const std::string json = std::string(kRichJson);
  const bool use_json = *rc::gen::arbitrary<bool>();
  std::string text = use_json ? json : toml;
  const auto at = *rc::gen::inRange<std::size_t>(0, text.size());
  const auto cut = *rc::gen::inRange<std::size_t>(0, 40);
  const auto noise = *rc::gen::element<std::string>("", "0", "-1", "]", "[", "\"", "{}", "9999999999999",
                                                    "\n", "[[launches]]\n", "1e400", ",");
  text.replace(at, std::min(cut, text.size() - at), noise);
  Diagnostics diags;
  auto app = use_json ? load_app_json(text, "x.json", diags) : load_app_toml(text, "x.toml", diags);
  RC_ASSERT(app.has_value() != diags.has_errors());
  if (app) {
    RC_ASSERT(validate(*app).empty());
    for (std::size_t l = 0; l < app->launches.size(); ++l) app->points(l);
    describe(*app);
  }
}

}  // namespace
}  // namespace mage::model
