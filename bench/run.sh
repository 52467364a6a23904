#!/usr/bin/env bash
# Builds the benchmark programs (the project's default RelWithDebInfo build, -O2) and runs them; the
# figures in docs/benchmarks.md come from this script. Usage: bench/run.sh [extra Google Benchmark flags]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build >/dev/null
for b in language_bench sim_bench; do
  build/bench/$b --benchmark_repetitions=3 --benchmark_report_aggregates_only=true "$@"
done
