#!/usr/bin/env bash
# The main job on the built-in default: set up, build, then check an example mapper and show where it
# maps the stencil launch on a simulated 4-GPU node (p100x4).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
set -x
build/mage check examples/stencil.mpl --machine p100x4
build/mage map examples/stencil.mpl --machine p100x4 --task stencil --domain 2x2
build/mage map examples/block2d.mpl --machine nodes=2,gpus=4,cpus=8,omps=2 --task work --domain 8x4
