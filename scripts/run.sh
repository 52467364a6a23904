#!/usr/bin/env bash
# The main job on the built-in default: set up and build, then tune the stencil application's mapping on
# the simulated 4-GPU node (p100x4) with the default classic optimizer, starting from the runtime's
# defaults and comparing with the expert mapper. The run directory is under runs/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
set -x
build/mage tune stencil "$@"
