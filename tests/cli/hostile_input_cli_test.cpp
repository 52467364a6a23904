// Hostile input to every command: each gives a clear error or the right result, within seconds and
// bounded memory, and never aborts or blocks.
#include <sys/stat.h>

#include <chrono>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_fixture.hpp"

namespace {

using mage::testing::Cli;
using mage::testing::Result;
namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// AddressSanitizer reserves terabytes of address space for its shadow memory, so a sanitized binary
// cannot start under `ulimit -v`; the address-limit cases run in the ordinary build only.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif
#define SKIP_UNDER_ADDRESS_SANITIZER() \
  if (kAddressSanitizer) GTEST_SKIP() << "an address-space limit cannot be tested under AddressSanitizer"

// A process killed by a signal (an abort) reads as exit code -1 in the fixture.
void no_abort(const Result& r) {
  EXPECT_NE(r.code, -1) << r.err;
  EXPECT_FALSE(contains(r.err, "terminate called")) << r.err;
  EXPECT_FALSE(contains(r.err, "bad_alloc")) << r.err;
}

TEST_F(Cli, InvalidUtf8GivesValidJson) {
  auto f = write("u.mpl", "x = 1;\xff\n");
  auto r = mage("check '" + f.string() + "' --format json");
  no_abort(r);
  EXPECT_EQ(r.code, 1);
  auto j = nlohmann::json::parse(r.out);  // throws on invalid UTF-8 or broken JSON
  EXPECT_EQ(j["ok"], false);
  EXPECT_TRUE(contains(r.out, "0xff")) << r.out;
}

TEST_F(Cli, InvalidUtf8InAFileNameGivesValidJson) {
  auto f = write("bad\xff.mpl", "Task * GPU\n");
  auto r = mage("check '" + f.string() + "' --format json");
  no_abort(r);
  EXPECT_EQ(r.code, 1);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["errors"], 1);
  // A task name with invalid UTF-8 reaches `map`'s JSON.
  auto m = write("p.mpl", "def f(Task t) { m = Machine(GPU); return m[0, 0]; }\nIndexTaskMap * f;\n");
  auto rm = mage("map '" + m.string() + "' --machine nodes=1,gpus=2 --task 'T\xfe' --domain 2 --format json");
  no_abort(rm);
  EXPECT_EQ(rm.code, 0) << rm.err;
  ASSERT_TRUE(nlohmann::json::accept(rm.out)) << rm.out;
  EXPECT_EQ(nlohmann::json::parse(rm.out)["task"], "T\xef\xbf\xbd");  // U+FFFD
}

TEST_F(Cli, NulBytesDoNotCutTheCaretLine) {
  auto f = write("nul.mpl", std::string("x = 1 +\0 ;\n", 11));
  auto r = mage("check '" + f.string() + "'");
  EXPECT_EQ(r.code, 1);
  // The quoted line shows the NUL as `?`, and the caret line follows it.
  EXPECT_TRUE(contains(r.err, "    1 | x = 1 +? ;\n      | ")) << r.err;
  EXPECT_TRUE(contains(r.err, "error"));
}

TEST_F(Cli, NamedPipesAreRefusedNotWaitedOn) {
  fs::path fifo = dir_ / "f.mpl";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto start = std::chrono::steady_clock::now();
  auto r = run("timeout 20 '" + std::string(MAGE_BINARY) + "' check '" + fifo.string() + "'");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 10.0);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "named pipe")) << r.err;
  auto machine = run("timeout 20 '" + std::string(MAGE_BINARY) + "' map examples/stencil.mpl --machine '" +
                     fifo.string() + "' --task T");
  EXPECT_EQ(machine.code, 2) << machine.err;
  auto dir = mage("check '" + dir_.string() + "'");
  EXPECT_EQ(dir.code, 2);
  EXPECT_TRUE(contains(dir.err, "a directory")) << dir.err;
}

TEST_F(Cli, MapOutputStaysSmallOnHugeMachines) {
  auto f = write("empty.mpl", "");
  auto r = mage("map '" + f.string() + "' --machine nodes=1000000,gpus=1000000 --task T --domain 2");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_LT(r.out.size(), 200'000u);
  EXPECT_TRUE(contains(r.out, "more nodes")) << r.out.substr(0, 1000);
}

TEST_F(Cli, MapStopsARunawayLaunchWithinSeconds) {
  auto f = write("fib.mpl",
                 "def fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\n"
                 "def f(Task t) { m = Machine(GPU); return m[fib(40) % 2, 0]; }\n"
                 "IndexTaskMap T f;\n");
  auto start = std::chrono::steady_clock::now();
  auto r = mage("map '" + f.string() + "' --machine nodes=2,gpus=2 --task T --domain 1024x1024");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 30.0);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "steps in all")) << r.err;
}

TEST_F(Cli, ATomlOfAnotherFormatIsNotAMachine) {
  // An application description given as the machine: named, not read as `1 node x ()`.
  auto r = mage("map examples/stencil.mpl --machine examples/stencil.app.toml --task stencil");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.err, "unknown field `regions` in a machine description")) << r.err;
  EXPECT_TRUE(contains(r.err, "--app")) << r.err;
  auto typo = write("m.toml", "nodes = 2\n[procesors]\ngpu = 4\n");
  auto t = mage("check examples/stencil.mpl --machine '" + typo.string() + "'");
  EXPECT_EQ(t.code, 2);
  EXPECT_TRUE(contains(t.err, "did you mean `processors`?")) << t.err;
  // The simulator's machine model describes a machine too: `map` takes it.
  auto model = write("model.toml", "preset = \"p100x4\"\nnodes = 2\n");
  auto m = mage("map examples/stencil.mpl --machine '" + model.string() + "' --task stencil --format json");
  EXPECT_EQ(m.code, 0) << m.err;
  auto j = nlohmann::json::parse(m.out);
  EXPECT_EQ(j["machine"]["nodes"], 2);
  EXPECT_EQ(j["machine"]["per_node"], 4);
}

TEST_F(Cli, HugeAppFiguresAreRefusedNotInfinite) {
  auto app = write("a.json", R"({"name": "x", "throughput": {"unit": "it/s", "per_step": 1e308}})");
  auto r = mage("sim --app '" + app.string() + "' --machine cpu --mapper default");
  no_abort(r);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.err, "per_step")) << r.err;
  EXPECT_FALSE(contains(r.out, "inf"));
}

TEST_F(Cli, ParametersThatWouldWrapAreRefused) {
  auto r = mage("sim --app stencil --machine cpu --param nx=1000000000000000000 --mapper default");
  no_abort(r);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "parameter `nx` of `stencil` is 1000000000000000000; expected 1 to")) << r.err;
}

TEST_F(Cli, ABuiltinAppTooLargeForTheMachineNamesItsParameters) {
  auto r = mage("sim --app stencil --machine cpu --nodes 65536 --mapper default");
  no_abort(r);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "expected 1 to 2^40")) << r.err;
  EXPECT_FALSE(contains(r.err, "give the number of elements of the whole region")) << r.err;
  EXPECT_TRUE(contains(r.err, "lower them with `--param`")) << r.err;
}

TEST_F(Cli, NegativeNodesSayWhatIsAllowed) {
  auto m = write("m.toml", "preset = \"p100x4\"\nnodes = -1\n");
  auto r = mage("sim --app stencil --machine '" + m.string() + "' --mapper default");
  EXPECT_EQ(r.code, 2);
  EXPECT_FALSE(contains(r.err, ">= 0")) << r.err;
  EXPECT_TRUE(contains(r.err, ">= 1")) << r.err;
}

TEST_F(Cli, HugeMachineFiguresAreRefusedNotInfinite) {
  auto m = write("m.toml", "preset = \"p100x4\"\n[gpu]\nflops = 1e300\n");
  auto r = mage("sim --app stencil --machine '" + m.string() + "' --mapper default");
  no_abort(r);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "`gpu.flops` is 1e+300; expected at most 1e+18")) << r.err;
}

// SimGrid's default 8 MiB actor stacks reserved gigabytes of address space on 64 nodes: under a 4 GB
// limit the simulator process died (signal 6) although it used under 100 MB.
TEST_F(Cli, SixtyFourNodesSimulateUnderAFourGigabyteAddressLimit) {
  SKIP_UNDER_ADDRESS_SANITIZER();
  auto r = run("ulimit -v 4194304 && '" + std::string(MAGE_BINARY) +
               "' sim --app stencil --machine p100x4 --nodes 64 --mapper expert --param steps=1 --param warmup=1 "
               "--format json");
  EXPECT_EQ(r.code, 0) << r.err << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["ok"], true) << r.out;
  EXPECT_GT(j["throughput"].get<double>(), 0);
}

// A simulator process that fails for want of memory is not the mapper's fault: the message says so and
// does not send the user looking for a dependence cycle.
TEST_F(Cli, ASimulatorOutOfMemoryIsNotBlamedOnTheMapper) {
  SKIP_UNDER_ADDRESS_SANITIZER();
  auto r = run("ulimit -v 160000 && '" + std::string(MAGE_BINARY) +
               "' sim --app stencil --machine p100x4 --nodes 64 --mapper expert --param steps=1 --param warmup=1 "
               "--format json");
  no_abort(r);
  EXPECT_FALSE(contains(r.out, "dependence cycle")) << r.out;
  if (r.code != 0 && nlohmann::json::accept(r.out)) {
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["ok"], false);
    // A process that died is mage's failure (sim.crash); one that failed otherwise is sim.process-failed.
    EXPECT_TRUE(contains(r.out, "sim.process-failed") || contains(r.out, "mage failed, not the program")) << r.out;
    EXPECT_TRUE(contains(r.out, "ulimit")) << r.out;
  }
}

// Thousands of nodes: a clear limit error within seconds, not `bad_alloc` after minutes (the planner
// counts point tasks before building them, and routes are kept only for the memory pairs copies use).
TEST_F(Cli, ThousandsOfNodesGiveALimitErrorWithinSeconds) {
  SKIP_UNDER_ADDRESS_SANITIZER();
  auto start = std::chrono::steady_clock::now();
  auto r = run("ulimit -v 4194304 && '" + std::string(MAGE_BINARY) +
               "' sim --app cannon --machine cpu --nodes 4096 --mapper default");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  no_abort(r);
  EXPECT_LT(seconds, 30.0);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "point tasks per step")) << r.err;
}

}  // namespace
