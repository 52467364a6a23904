#!/usr/bin/env bash
# The whole test suite: set up, build, run every unit and CLI test; build the suite again with clang-14
# under ASan + UBSan (the objects the fuzzers use) and run it; then a bounded fuzzing run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
log=$(mktemp)
sanitized_log=$(mktemp)
trap 'rm -f "$log" "$sanitized_log"' EXIT
# ctest's status is read from its summary below, so a failure still lets the other runs go ahead.
ctest --test-dir build --output-on-failure --parallel "${MAGE_JOBS:-2}" | tee "$log" || true

# Under the sanitizers. Left out, by name:
#   *Llm*, Client.*, Agent.*   a local HTTP server thread per test; slow under ASan and not about memory
#                              safety of the evaluator (the plain run covers them)
#   *Cancel*, *Timeout*, *Interrupt*
#                              wait on wall-clock limits that the sanitizers' slowdown would trip
# A test that forks a SimGrid process runs here too: the child is sanitized like the parent.
scripts/configure-sanitizers.sh build-fuzz
cmake --build build-fuzz --parallel "${MAGE_JOBS:-2}" --target mage_tests
echo "tests under ASan + UBSan (clang-14):"
ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-fuzz --output-on-failure --parallel "${MAGE_JOBS:-2}" --timeout 600 \
  -E "${MAGE_SANITIZER_EXCLUDE:-Llm|Client\.|Agent\.|Cancel|Timeout|Interrupt}" | tee "$sanitized_log" || true

scripts/fuzz.sh "${MAGE_FUZZ_SECONDS:-60}"
# The suite's result as the last line, after the fuzzer's statistics: both runs' tests, failures of either.
count() {  # FILE -> "total failed" from ctest's summary line (a missing summary counts as one failure)
  local total failed
  total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$1" | tail -n 1)
  failed=$(sed -n 's/.* \([0-9]*\) tests failed out of.*/\1/p' "$1" | tail -n 1)
  echo "${total:-1} ${failed:-1}"
}
read -r total failed < <(count "$log")
read -r s_total s_failed < <(count "$sanitized_log")
echo "tests: $((total - failed + s_total - s_failed)) passed, $((failed + s_failed)) failed"
[ $((failed + s_failed)) -eq 0 ]
