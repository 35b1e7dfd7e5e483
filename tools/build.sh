#!/usr/bin/env bash
# build.sh -- configures and builds cai-sparsify into ./build (or $BUILD_DIR).
# Extra arguments go to the CMake configure step (e.g. -DCAIS_SANITIZE=ON).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} "$@" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
