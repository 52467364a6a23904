#!/usr/bin/env bash
# The whole test suite: set up, build, run every unit and CLI test, then a bounded fuzzing run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
log=$(mktemp)
trap 'rm -f "$log"' EXIT
ctest --test-dir build --output-on-failure --parallel "${MAGE_JOBS:-2}" | tee "$log"
scripts/fuzz.sh "${MAGE_FUZZ_SECONDS:-60}"
# The suite's result as the last line, after the fuzzer's statistics.
total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -n 1)
failed=$(sed -n 's/.* \([0-9]*\) tests failed out of.*/\1/p' "$log" | tail -n 1)
echo "tests: $((total - failed)) passed, ${failed} failed"
