#!/usr/bin/env bash
# Regenerates docs/apps/table.md: the built-in applications under their default and expert mappers
# (simulated). Usage: bench/apps_table.sh [MACHINE] (default p100x4).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build >/dev/null
ninja -C build apps_table >/dev/null
mkdir -p docs/apps
build/bench/apps_table "${1:-p100x4}" > docs/apps/table.md.tmp
mv docs/apps/table.md.tmp docs/apps/table.md
echo "wrote docs/apps/table.md"
