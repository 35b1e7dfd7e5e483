#!/usr/bin/env bash
# run.sh -- builds the libFuzzer target (fuzz/CMakeLists.txt) and fuzzes the
# input path: fuzz/run.sh [SECONDS] (default 60).  One worker, at nice 10,
# so it can run beside builds and tests.
#
#   fuzz/run.sh 1800            half an hour; new inputs go to $FUZZ_OUT
#   fuzz/run.sh 1800 -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1
#                               the same, but going on after a finding
#                               (extra arguments go to libFuzzer)
#   FUZZ_MERGE=1 fuzz/run.sh 0  fold $FUZZ_OUT into fuzz/corpus (minimised)
#
# The corpus in fuzz/corpus (plus the readable seeds in fuzz/seeds) is only
# read; new inputs go to $FUZZ_OUT (default build-fuzz/corpus-new), crashes
# to $FUZZ_OUT/../artifacts.  Exits non-zero when the fuzzer finds a crash,
# a leak, a hang (> 20 s per input) or a memory blow-up (> 2 GB RSS).
# CI runs it for a short while (.ci/run); docs/RELIABILITY.md has the
# numbers of the long runs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
build=${FUZZ_BUILD_DIR:-build-fuzz}
out=${FUZZ_OUT:-$build/corpus-new}
artifacts=$(dirname "$out")/artifacts

if ! command -v clang >/dev/null || ! command -v clang++ >/dev/null; then
  echo "fuzz/run.sh: clang is needed (apt-get install clang)" >&2
  exit 1
fi
CC=clang CXX=clang++ cmake -S fuzz -B "$build" >/dev/null
nice -n 10 cmake --build "$build" --target fuzz_program -j"${JOBS:-2}" >/dev/null
mkdir -p "$out" "$artifacts"

# Leaks are findings; a failed allocation is not (the library must report
# it), so malloc may return NULL, and does for anything above 1 GiB: below
# libFuzzer's own limit (the RSS limit), which would count it as a crash.
export ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1:max_allocation_size_mb=1024:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if [ "${FUZZ_MERGE:-0}" = 1 ]; then
  # Keep the smallest set of inputs with the same coverage.
  mkdir -p fuzz/corpus
  exec "$build/fuzz_program" -merge=1 -timeout=20 -rss_limit_mb=2048 fuzz/corpus "$out"
fi

exec nice -n 10 "$build/fuzz_program" \
  -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=16384 \
  -dict=fuzz/mlir.dict -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "$@" \
  "$out" fuzz/corpus fuzz/seeds
