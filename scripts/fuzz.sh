#!/usr/bin/env bash
# Builds the libFuzzer target with clang-14 (ASan + UBSan) and runs it for SECONDS on the seed corpus.
# Usage: scripts/fuzz.sh [SECONDS]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++-14 -DMAGE_BUILD_FUZZ=ON -DMAGE_BUILD_TESTS=OFF -DMAGE_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz --parallel "${MAGE_JOBS:-2}" --target fuzz_mapper
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp fuzz/corpus/* examples/*.mpl "$work"/
# -rss_limit_mb and -timeout turn unbounded memory or a hang into a reported failure.
build-fuzz/fuzz/fuzz_mapper "$work" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=4096 -print_final_stats=1 2>&1 | tail -n 15
echo "fuzz: no crash, hang or memory blow-up in ${seconds}s"
