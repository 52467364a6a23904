#!/usr/bin/env bash
# Random points of every built-in application's mapping space, simulated on the p100x4 machine model
# (and cannon on 4 nodes): how many evaluate without error, and the failures by kind. Fails (exit 1) on a
# crash or an internal error, or when fewer than 90% of an application's points succeed. Writes
# bench/results/space_points.md. Takes a few minutes on two cores at the default 60 points.
# Usage: bench/space_points.sh [--points N] [--seed S] [--jobs J] [--apps a,b] [--extra app:nodes,...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build >/dev/null
ninja -C build space_points >/dev/null
mkdir -p bench/results
status=0
build/bench/space_points "$@" > bench/results/space_points.md.tmp || status=$?
mv bench/results/space_points.md.tmp bench/results/space_points.md
cat bench/results/space_points.md
exit "$status"
