#!/usr/bin/env bash
# Installs the Debian packages mage needs (only the missing ones), then configures and builds it.
# Usage: scripts/setup.sh [BUILD_DIR]      (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}

packages=(
  build-essential cmake ninja-build pkg-config
  libfmt-dev nlohmann-json3-dev libcli11-dev libtomlplusplus-dev libsimgrid-dev libcurl4-openssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev libcpp-httplib-dev
  clang-14 libfuzzer-14-dev libclang-rt-14-dev
  jq
  chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing missing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# Two jobs fit the smallest supported machine (2 cores, 24 GB) without swapping.
cmake --build "$build_dir" --parallel "${MAGE_JOBS:-2}"
