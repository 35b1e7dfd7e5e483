#!/usr/bin/env bash
# tools/device_check.sh -- the OpenCL backend on a GPU machine, in one go:
# device information, the parity and fallback suites on the GPU, and the
# benchmark --device opencl vs --device cpu.  Uses ONLY what
# tools/device_prepare.sh put in .device/ (plus the machine's NVIDIA driver
# and glibc): no LLVM/MLIR, no ICD loader, no Python, no internet needed.
#
#   tools/device_check.sh                # results under $OUT (or ./device-out)
#
# Env:
#   OUT            where results go (the device tool sets it); default ./device-out
#   CAIS_ICD       an ICD vendor file or directory to use instead of finding
#                  libnvidia-opencl.so.1 (e.g. /etc/OpenCL/vendors/pocl.icd to
#                  try the script against PoCL on the development machine)
#   CAIS_BENCH_SIZES  default "100M 1B" (generator --params values)
#   CAIS_DEADLINE  seconds after which remaining steps are skipped (default 500)
#   CAIS_SKIP_TESTS=1 / CAIS_SKIP_BENCH=1
#
# Writes: $OUT/summary.md (the figures for docs/ARCHITECTURE.md), device_check.log
# (everything), devices.txt, test_*.log, bench_*.json (the reports).  Big files
# (generated programs, outputs) stay under a temporary directory in /tmp.
# Exit status: 0 when every step that ran passed, 1 otherwise, 2 when no
# OpenCL device was found (diagnostics in the log).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEV=${CAIS_DEVICE_DIR:-$ROOT/.device}
OUT=${OUT:-$ROOT/device-out}
SIZES=${CAIS_BENCH_SIZES:-100M 1B}
DEADLINE=${CAIS_DEADLINE:-500}
mkdir -p "$OUT"
LOG=$OUT/device_check.log
SUMMARY=$OUT/summary.md
: > "$LOG"
exec > >(tee -a "$LOG") 2>&1
START=$(date +%s)
STATUS=0
CLI=$DEV/bin/cai-sparsify
GEN=$DEV/bin/cais-gen-program
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cais-device.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

say() { printf '\n== %s (t=%ss)\n' "$*" "$(($(date +%s) - START))"; }
note() { printf '%s\n' "$*" >> "$SUMMARY"; }
late() { [ $(($(date +%s) - START)) -gt "$DEADLINE" ]; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# The first number after "key": in a JSON file (no jq / Python needed).
json_num() { grep -o "\"$2\": *[-0-9.e]*" "$1" | head -1 | sed 's/.*: *//'; }

if [ ! -x "$CLI" ]; then
  echo "device_check: $CLI missing: run tools/device_prepare.sh first (on the build machine)"
  exit 1
fi
export LD_LIBRARY_PATH="$DEV/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export XDG_CACHE_HOME="$WORK/cache"   # kernel binary cache: a fresh one per check
export TMPDIR="$WORK"

: > "$SUMMARY"
note "# cai-sparsify device check"
note ""
note "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ), host $(uname -n), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM"
[ -f "$DEV/MANIFEST" ] && note "- build: $(sed -n 's/^commit: //p' "$DEV/MANIFEST")"

say "machine"
uname -a
command -v nvidia-smi >/dev/null && nvidia-smi -L && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
GPU_NAME=$(command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | head -1)
[ -n "$GPU_NAME" ] && note "- GPU (nvidia-smi): $GPU_NAME"

say "OpenCL ICD"
if [ -n "${CAIS_ICD:-}" ]; then
  export OCL_ICD_VENDORS="$CAIS_ICD"
  echo "using CAIS_ICD=$CAIS_ICD"
else
  lib=""
  for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64 \
           /usr/lib /usr/local/cuda/compat /usr/lib/x86_64-linux-gnu/nvidia/current; do
    for f in "$d"/libnvidia-opencl.so.1 "$d"/libnvidia-opencl.so.*; do
      [ -e "$f" ] && { lib=$f; break 2; }
    done
  done
  [ -z "$lib" ] && lib=$(ldconfig -p 2>/dev/null | awk '/libnvidia-opencl\.so/ {print $NF; exit}')
  [ -z "$lib" ] && lib=$(timeout 30 find / -xdev -name 'libnvidia-opencl.so*' 2>/dev/null | head -1)
  if [ -n "$lib" ]; then
    mkdir -p "$WORK/icd"
    echo "$lib" > "$WORK/icd/nvidia.icd"
    export OCL_ICD_VENDORS="$WORK/icd"
    export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$(dirname "$lib")"
    echo "NVIDIA OpenCL driver: $lib"
  else
    echo "no libnvidia-opencl.so found; trying the system's ICD files"
    [ -d /etc/OpenCL/vendors ] && export OCL_ICD_VENDORS=/etc/OpenCL/vendors
  fi
fi

say "devices (cai-sparsify --list-devices)"
"$CLI" --list-devices | tee "$OUT/devices.txt"
DEVLINE=$(grep -E '^[0-9]+\.[0-9]+: .*, GPU, ' "$OUT/devices.txt" | grep -v 'not usable' | head -1)
[ -z "$DEVLINE" ] && DEVLINE=$(grep -E '^[0-9]+\.[0-9]+: ' "$OUT/devices.txt" | grep -v 'not usable' | head -1)
if [ -z "$DEVLINE" ]; then
  say "NO USABLE OPENCL DEVICE -- diagnostics"
  ls -la /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu 2>/dev/null | grep -i -E 'opencl|nvidia|libcuda' | head -40
  ldconfig -p | grep -i -E 'opencl|libcuda' | head -20
  ls -la /etc/OpenCL/vendors 2>/dev/null
  cat "${OCL_ICD_VENDORS:-/dev/null}"/*.icd 2>/dev/null
  echo "OCL_ICD_VENDORS=${OCL_ICD_VENDORS:-}"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  env | grep -i nvidia
  OCL_ICD_DEBUG=7 "$CLI" --list-devices 2>&1 | tail -30
  note "- **no usable OpenCL device** (see device_check.log)"
  exit 2
fi
PD=${DEVLINE%%:*}
DEVICE_NAME=$(echo "$DEVLINE" | sed 's/^[0-9.]*: //; s/ (.*//')
export CAIS_TEST_OPENCL_DEVICE=$PD
note "- OpenCL device $PD: $DEVLINE"
echo "using opencl:$PD ($DEVICE_NAME)"

run_test() { # name timeout
  local t=$1 limit=$2 t0 t1 rc
  if late; then echo "skipped (deadline)"; note "| $t | skipped (deadline) | |"; return; fi
  t0=$(now)
  CAIS_TEST_REQUIRE_OPENCL=1 CAIS_CLI="$CLI" CAIS_GEN="$GEN" \
    timeout "$limit" "$DEV/tests/opencl_test_$t" > "$OUT/test_$t.log" 2>&1
  rc=$?
  t1=$(now)
  grep -E '^\[ *(OK|FAILED|SKIPPED|PASSED|ERROR) *\]|device batch|weights compressed' "$OUT/test_$t.log" | head -40
  if [ $rc = 0 ]; then
    note "| $t | passed | $(elapsed "$t0" "$t1") s |"
  else
    STATUS=1
    note "| $t | **FAILED** (exit $rc, see test_$t.log) | $(elapsed "$t0" "$t1") s |"
    grep -v '^warning' "$OUT/test_$t.log" | tail -25
  fi
}

if [ "${CAIS_SKIP_TESTS:-0}" != 1 ]; then
  note ""
  note "## Parity and fallback on $DEVICE_NAME"
  note ""
  note "| suite | result | time |"
  note "|---|---|---|"
  say "test fallback (fault injection)"
  run_test fallback 120
  say "test parity_jobs (synthetic tensors, every mode x joint x dtype)"
  run_test parity_jobs 240
  say "test parity_programs (generated programs, output bytes)"
  run_test parity_programs 240
fi

bench_one() { # label size device options...
  local label=$1 size=$2 dev=$3
  shift 3
  local in=$WORK/m$size.mlirbc out=$WORK/o_${dev%%:*}.mlirbc rep=$OUT/bench_${size}_${label}_${dev%%:*}.json
  local t0 t1 rc
  t0=$(now)
  timeout 240 "$CLI" -q --device "$dev" "$@" "$in" -o "$out" --report "$rep" 2> "$WORK/err.txt"
  rc=$?
  t1=$(now)
  grep -v '^warning: .*: .*n:m\|left uncompressed' "$WORK/err.txt" | head -5
  if [ $rc != 0 ]; then
    STATUS=1
    echo "FAILED ($rc): $dev $* $in"
    note "| $size | $label | ${dev%%:*} | **failed ($rc)** | | | | | | | |"
    return 1
  fi
  local wall compute sel cmp joint st batches fb
  wall=$(elapsed "$t0" "$t1")
  compute=$(json_num "$rep" compute)
  sel=$(json_num "$rep" select)
  cmp=$(json_num "$rep" compact)
  joint=$(json_num "$rep" joint)
  st=$(json_num "$rep" stats)
  batches=$(json_num "$rep" device_batches)
  fb=$(json_num "$rep" device_fallbacks)
  printf '%s %s %s: wall %s s, compute %s s (select %s, compact %s, joint %s, stats %s), %s device batches, %s fallbacks\n' \
    "$size" "$label" "$dev" "$wall" "$compute" "$sel" "$cmp" "$joint" "$st" "$batches" "$fb"
  note "$(printf '| %s | %s | %s | %s | %.3f | %.3f | %.3f | %.3f | %.3f | %s | %s |' "$size" "$label" \
    "${dev%%:*}" "$wall" "$compute" "$sel" "$cmp" "$joint" "$st" "$batches" "$fb")"
}

if [ "${CAIS_SKIP_BENCH:-0}" != 1 ]; then
  note ""
  note "## Benchmark: --device opencl ($DEVICE_NAME) vs --device cpu ($(nproc) threads)"
  note ""
  note "f16 transformers from cais-gen-program (bytecode).  wall: the whole CLI run (read,"
  note "compute, rewrite, write); compute: the engine's compute phase; select..stats: the"
  note "report's per-step seconds (device: kernel time from OpenCL profiling; CPU: thread"
  note "time summed over weights).  Outputs compared byte for byte.  mag05_pal4:"
  note "--target-sparsity 0.5 --palettize-nbits 4; nm24_int8: --n-m 2:4 --quantize-dtype int8."
  note ""
  note "| params | options | device | wall s | compute s | select | compact | joint | stats | device batches | fallbacks |"
  note "|---|---|---|---|---|---|---|---|---|---|---|"
  # Warm-up: the first OpenCL run builds the kernels (then cached) and
  # clBLAST's; timed separately, once per benchmark configuration (a driver
  # may also compile kernels lazily at their first launch).
  "$GEN" --params 10M --dtype f16 --format bytecode -q -o "$WORK/warm.mlirbc"
  for opts in "--quantize-dtype int8 --n-m 2:4" "--palettize-nbits 4"; do
    t0=$(now)
    # shellcheck disable=SC2086
    "$CLI" -q --device "opencl:$PD" $opts "$WORK/warm.mlirbc" -o "$WORK/warm.out.mlirbc"
    t1=$(now)
    echo "first OpenCL run with $opts (10M params; kernel build / clBLAST compile): $(elapsed "$t0" "$t1") s"
  done
  t0=$(now)
  "$CLI" -q --device "opencl:$PD" --palettize-nbits 4 "$WORK/warm.mlirbc" -o "$WORK/warm.out.mlirbc"
  t1=$(now)
  echo "again (cached kernels): $(elapsed "$t0" "$t1") s"
  first_note="first OpenCL run in a fresh cache (kernel build + clBLAST compile) on 10M params"
  for size in $SIZES; do
    if late; then note "| $size | skipped (deadline) | | | | | | | | | |"; continue; fi
    say "generate $size f16"
    t0=$(now)
    if ! timeout 200 "$GEN" --params "$size" --dtype f16 --format bytecode -q -o "$WORK/m$size.mlirbc"; then
      echo "generator failed for $size"; STATUS=1; continue
    fi
    echo "generated $(du -h "$WORK/m$size.mlirbc" | cut -f1) in $(elapsed "$t0" "$(now)") s"
    for cfg in mag05_pal4 nm24_int8; do
      if late; then note "| $size | $cfg | skipped (deadline) | | | | | | | | |"; continue; fi
      case $cfg in
        mag05_pal4) opts=(--target-sparsity 0.5 --palettize-nbits 4) ;;
        nm24_int8) opts=(--n-m 2:4 --quantize-dtype int8) ;;
      esac
      say "bench $size $cfg"
      bench_one "$cfg" "$size" cpu "${opts[@]}" || continue
      bench_one "$cfg" "$size" "opencl:$PD" "${opts[@]}" || continue
      if cmp -s "$WORK/o_cpu.mlirbc" "$WORK/o_opencl.mlirbc"; then
        echo "outputs identical"
      else
        echo "OUTPUTS DIFFER"
        STATUS=1
        note "| $size | $cfg | **outputs differ** | | | | | | | | |"
      fi
    done
    rm -f "$WORK/m$size.mlirbc" "$WORK"/o_*.mlirbc
  done
  note ""
  note "- $first_note: see device_check.log"
fi

say "done (status $STATUS)"
note ""
note "- total $(($(date +%s) - START)) s, status $STATUS"
cat "$SUMMARY"
exit $STATUS
