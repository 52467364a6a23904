#!/usr/bin/env bash
# Builds the benchmark programs in Release mode and runs them; the figures in docs/benchmarks.md come
# from this script. Usage: bench/run.sh [extra Google Benchmark flags]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAGE_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench --parallel "${MAGE_JOBS:-2}" --target language_bench >/dev/null
build-bench/bench/language_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_min_time=0.5 "$@"
