#!/usr/bin/env bash
# The whole test suite: set up, build, run every unit and CLI test, then a bounded fuzzing run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
ctest --test-dir build --output-on-failure --parallel "${MAGE_JOBS:-2}"
scripts/fuzz.sh "${MAGE_FUZZ_SECONDS:-60}"
