#!/usr/bin/env bash
# The main job on the built-in default: set up, build, check an example mapper, show where it maps
# launches, and simulate an example application on the 4-GPU node (p100x4) and on 4 such nodes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
set -x
build/mage check examples/stencil.mpl --machine p100x4
build/mage map examples/stencil.mpl --machine p100x4 --task stencil --domain 2x2
build/mage map examples/block2d.mpl --machine nodes=2,gpus=4,cpus=8,omps=2 --task work --domain 8x4
build/mage sim examples/halo2d.mpl --app examples/apps/halo2d.toml --machine p100x4
build/mage sim examples/halo2d.mpl --app examples/apps/halo2d.toml --machine p100x4 --nodes 4 --trace build/halo2d-trace.json
