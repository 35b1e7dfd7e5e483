#!/usr/bin/env bash
# test.sh -- the README's second command: installs what is missing, builds,
# and runs the whole test suite (ctest).  CTEST_ARGS adds ctest options, e.g.
# CTEST_ARGS="-R unit" tools/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j"$(nproc)" ${CTEST_ARGS:-}
