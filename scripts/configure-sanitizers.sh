#!/usr/bin/env bash
# Configures the clang-14 build with ASan + UBSan (and libFuzzer instrumentation) that both the fuzzing
# run and the sanitized test suite use, so they share one set of compiled objects.
# Usage: scripts/configure-sanitizers.sh [BUILD_DIR]   (default: build-fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
# -O1 with line tables: what the sanitizers recommend for readable reports, and quicker to compile than
# -O2 -g; assertions stay on.
cmake -S . -B "${1:-build-fuzz}" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -fno-omit-frame-pointer" \
  -DCMAKE_CXX_COMPILER=clang++-14 -DMAGE_BUILD_FUZZ=ON -DMAGE_BUILD_TESTS=ON -DMAGE_BUILD_BENCH=OFF >/dev/null
