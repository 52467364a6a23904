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

# Under the sanitizers, every test: a test that forks a simulation process runs its SimGrid child
# sanitized like the parent. MAGE_SANITIZER_EXCLUDE (a ctest regex) leaves tests out by name, should one
# ever need to be (say why where it is set). Leaks are left to the fuzzers, which check them per input;
# here the process-wide state of libcurl and SimGrid would only add noise.
scripts/configure-sanitizers.sh build-fuzz
cmake --build build-fuzz --parallel "${MAGE_JOBS:-2}" --target mage_tests
exclude=()
if [ -n "${MAGE_SANITIZER_EXCLUDE:-}" ]; then exclude=(-E "$MAGE_SANITIZER_EXCLUDE"); fi
echo "tests under ASan + UBSan (clang-14):"
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-fuzz --output-on-failure --parallel "${MAGE_JOBS:-2}" "${exclude[@]}" \
  | tee "$sanitized_log" || true

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
