#!/usr/bin/env bash
# test.sh -- the README's second command: installs what is missing, builds,
# and runs the whole test suite (ctest), the real-Core-AI conformance suite
# (tests/coreai) included: tools/install-venv.sh makes or checks its venv.
# CTEST_ARGS adds ctest options, e.g. CTEST_ARGS="-R unit" tools/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
CAIS_VENV=$(tools/install-venv.sh)
export CAIS_VENV
tools/build.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j"$(nproc)" ${CTEST_ARGS:-}
