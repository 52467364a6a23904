#include "lang/app_signature.hpp"

#include <gtest/gtest.h>

namespace mage::lang {
namespace {

std::optional<AppSignature> parse(const std::string& text, Diagnostics& diags) {
  return parse_app_signature(text, "app.toml", diags);
}

TEST(AppSignature, ParsesTasksVariantsAndRegions) {
  Diagnostics diags;
  auto app = parse(R"(name = "stencil"
regions = ["points", "private", "xm"]

[tasks.stencil]
variants = ["CPU", "GPU"]
regions = ["private", "pxm_in"]

[tasks.init]
variants = ["CPU"]
)",
                   diags);
  ASSERT_TRUE(app.has_value()) << render_text(diags, nullptr);
  EXPECT_EQ(diags.all().size(), 0u);
  EXPECT_EQ(app->name, "stencil");
  EXPECT_EQ(app->region_names, (std::set<std::string>{"points", "private", "xm"}));
  ASSERT_EQ(app->tasks.size(), 2u);
  const TaskSignature* stencil = app->find_task("stencil");
  ASSERT_NE(stencil, nullptr);
  EXPECT_EQ(stencil->variants, (std::vector<ProcKind>{ProcKind::CPU, ProcKind::GPU}));
  EXPECT_EQ(stencil->region_args, (std::vector<std::string>{"private", "pxm_in"}));
  ASSERT_NE(app->find_task("init"), nullptr);
  EXPECT_TRUE(app->find_task("init")->region_args.empty());
  EXPECT_EQ(app->find_task("stencl"), nullptr);
}

TEST(AppSignature, EmptyFileIsAnEmptyApplication) {
  Diagnostics diags;
  auto app = parse("", diags);
  ASSERT_TRUE(app.has_value());
  EXPECT_TRUE(app->tasks.empty());
}

TEST(AppSignature, TomlSyntaxErrorReportsLineAndColumn) {
  Diagnostics diags;
  auto app = parse("name = \"stencil\"\n[tasks.stencil]\nvariants = [\"CPU\" \"GPU\"]\n", diags);
  EXPECT_FALSE(app.has_value());
  ASSERT_EQ(diags.all().size(), 1u);
  const Diagnostic& d = diags.all()[0];
  EXPECT_EQ(d.code, "usage.app-signature-syntax");
  EXPECT_EQ(d.category, Category::Usage);
  EXPECT_EQ(d.span.begin.line, 3u);
  EXPECT_EQ(d.span.begin.column, 19u);
  EXPECT_EQ(d.span.begin.offset, 16u + 1u + 15u + 1u + 18u);
  EXPECT_NE(d.message.find("`app.toml` is not valid TOML"), std::string::npos) << d.message;
}

TEST(AppSignature, VariantsMustBeAnArray) {
  Diagnostics diags;
  auto app = parse("[tasks.stencil]\nvariants = \"GPU\"\n", diags);
  EXPECT_FALSE(app.has_value());
  ASSERT_EQ(diags.all().size(), 1u);
  const Diagnostic& d = diags.all()[0];
  EXPECT_EQ(d.code, "usage.app-signature-field");
  EXPECT_EQ(d.span.begin.line, 2u);
  EXPECT_EQ(d.span.begin.column, 12u);
  EXPECT_NE(d.message.find("field `tasks.stencil.variants` must be an array of processor kinds"),
            std::string::npos)
      << d.message;
  EXPECT_NE(d.message.find("found a string"), std::string::npos) << d.message;
}

TEST(AppSignature, UnknownProcessorKindInVariants) {
  Diagnostics diags;
  auto app = parse("[tasks.stencil]\nvariants = [\"CPU\", \"TPU\"]\n", diags);
  EXPECT_FALSE(app.has_value());
  ASSERT_EQ(diags.all().size(), 1u);
  const Diagnostic& d = diags.all()[0];
  EXPECT_EQ(d.span.begin.line, 2u);
  EXPECT_EQ(d.span.begin.column, 20u);
  EXPECT_NE(d.message.find("field `tasks.stencil.variants` lists `TPU`, which is not a processor kind"),
            std::string::npos)
      << d.message;
  EXPECT_NE(d.hint.find("CPU, GPU, OMP, IO, PY and PROC"), std::string::npos);
}

TEST(AppSignature, RegionsMustBeStrings) {
  Diagnostics diags;
  EXPECT_FALSE(parse("regions = [\"points\", 3]\n", diags).has_value());
  ASSERT_EQ(diags.all().size(), 1u);
  EXPECT_NE(diags.all()[0].message.find("field `regions` must be an array of strings, found an integer"),
            std::string::npos)
      << diags.all()[0].message;
  EXPECT_EQ(diags.all()[0].span.begin.column, 22u);
}

TEST(AppSignature, UnknownFieldsSuggestTheKnownOnes) {
  Diagnostics diags;
  EXPECT_FALSE(parse("nam = \"x\"\n[tasks.t]\nvariant = [\"CPU\"]\n", diags).has_value());
  ASSERT_EQ(diags.all().size(), 2u);
  EXPECT_NE(diags.all()[0].message.find("unknown field `nam`; did you mean `name`?"), std::string::npos)
      << diags.all()[0].message;
  EXPECT_NE(diags.all()[1].message.find("unknown field `tasks.t.variant`; did you mean `variants`?"),
            std::string::npos)
      << diags.all()[1].message;
  EXPECT_EQ(diags.all()[1].span.begin.line, 3u);
}

TEST(AppSignature, TaskMustBeATable) {
  Diagnostics diags;
  EXPECT_FALSE(parse("tasks = [\"stencil\"]\n", diags).has_value());
  ASSERT_EQ(diags.all().size(), 1u);
  EXPECT_NE(diags.all()[0].message.find("field `tasks` must be a table"), std::string::npos);
}

TEST(DidYouMean, SuggestsTheClosestCandidate) {
  std::vector<std::string> names = {"linearblock", "cyclic", "auto2d"};
  EXPECT_EQ(did_you_mean("linearblok", names), "linearblock");
  EXPECT_EQ(did_you_mean("cyclc", names), "cyclic");
  EXPECT_EQ(did_you_mean("random", names), std::nullopt);
}

TEST(DidYouMean, DistanceLimitGrowsWithLength) {
  // A short name tolerates one edit; a name of 9 or more letters three.
  std::vector<std::string> kinds = {"CPU", "GPU", "OMP", "IO", "PY", "PROC"};
  EXPECT_EQ(did_you_mean("TPU", kinds), "CPU");
  EXPECT_EQ(did_you_mean("XYZ", kinds), std::nullopt);
  EXPECT_EQ(did_you_mean("auto_splt", {"auto_split"}), "auto_split");
  EXPECT_EQ(did_you_mean("atuo_slpit", {"auto_split"}), std::nullopt);  // 4 edits
  EXPECT_EQ(did_you_mean("abcdefxyz", {"abcdefghi"}), "abcdefghi");     // 3 edits, limit 3
}

TEST(DidYouMean, CaseOnlyDifferencesAreSuggested) {
  std::vector<std::string> kinds = {"SYSMEM", "FBMEM", "ZCMEM"};
  EXPECT_EQ(did_you_mean("fbmem", kinds), "FBMEM");
  EXPECT_EQ(did_you_mean("Zcmem", kinds), "ZCMEM");
}

TEST(DidYouMean, NeverSuggestsTheNameItselfOrFromNothing) {
  EXPECT_EQ(did_you_mean("GPU", {"GPU"}), std::nullopt);
  EXPECT_EQ(did_you_mean("GPU", {}), std::nullopt);
}

}  // namespace
}  // namespace mage::lang
