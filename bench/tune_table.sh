#!/usr/bin/env bash
# Compares the classic optimizers on every built-in application (simulated, p100x4): best throughput
# relative to the expert mapper after 10, 100 and 1000 evaluations over 5 seeds. Writes
# bench/results/tune_table.csv and docs/search-benchmark.md. Takes about an hour on two cores.
# Usage: bench/tune_table.sh [--budget N] [--seeds S] [--jobs J] [--apps a,b] [--optimizers x,y]
# (Rows of several runs, e.g. split by --apps to run side by side, merge with
#  build/bench/tune_table --summarize a.csv,b.csv --markdown FILE.)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build >/dev/null
ninja -C build tune_table >/dev/null
mkdir -p bench/results
build/bench/tune_table --markdown docs/search-benchmark.md.tmp "$@" > bench/results/tune_table.csv
{
  echo "# The classic optimizers on the built-in applications"
  echo
  echo "Produced by \`bench/tune_table.sh $*\` ($(date -u +%Y-%m-%d), $(nproc) cores); raw rows in"
  echo "\`bench/results/tune_table.csv\`. Figures are **simulated** on the p100x4 machine model."
  echo
  cat docs/search-benchmark.md.tmp
} > docs/search-benchmark.md
rm -f docs/search-benchmark.md.tmp
echo "wrote docs/search-benchmark.md and bench/results/tune_table.csv"
