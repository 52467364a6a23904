#!/usr/bin/env bash
# Builds the two libFuzzer targets with clang-14 (ASan + UBSan) and runs them for SECONDS in all:
#   fuzz_mapper      any bytes through parse -> format -> check -> compile -> map (a third of the time)
#   fuzz_evaluation  programs that check clean, mapped on three machines and planned/simulated under
#                    a built-in application's model (two thirds: each input does more)
# The evaluation target's seeds are generated here (fuzz/make_corpus.cpp): every `mpl` block of docs/,
# examples/, the expert mappers and rendered mapping-space points.
# Usage: scripts/fuzz.sh [SECONDS]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scripts/configure-sanitizers.sh build-fuzz
cmake --build build-fuzz --parallel "${MAGE_JOBS:-2}" --target fuzz_mapper fuzz_evaluation make_corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/mapper" "$work/evaluation"
cp fuzz/corpus/* examples/*.mpl "$work/mapper"/
build-fuzz/fuzz/make_corpus . "$work/evaluation" 4

mapper_seconds=$((seconds / 3 > 0 ? seconds / 3 : 1))
evaluation_seconds=$((seconds - mapper_seconds > 0 ? seconds - mapper_seconds : 1))
# -rss_limit_mb and -timeout turn unbounded memory or a hang into a reported failure.
run() {
  local target=$1 corpus=$2 budget=$3
  echo "fuzz: $target for ${budget}s"
  build-fuzz/fuzz/"$target" "$corpus" -max_total_time="$budget" -timeout=10 -rss_limit_mb=2048 \
    -max_len=4096 -print_final_stats=1 2>&1 | tail -n 15  # pipefail: a finding fails the script
}
run fuzz_mapper "$work/mapper" "$mapper_seconds"
run fuzz_evaluation "$work/evaluation" "$evaluation_seconds"
echo "fuzz: no crash, hang or memory blow-up in ${seconds}s"
