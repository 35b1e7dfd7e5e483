#!/usr/bin/env bash
# quickstart.sh -- the README's first command.  Installs what is missing
# (Debian packages; a venv with Core AI's coreai-core from PyPI, at
# ${CAIS_VENV:-$HOME/.cache/cai-sparsify/venv}), builds, installs the Python
# package caisparse into that venv, compresses the bundled Core AI package
# examples/tiny_transformer.aimodel (50% sparsity with a 4-bit palette), then
# runs the original and the compressed program on the Core AI runtime and
# prints how far their outputs are apart.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
tools/install-deps.sh
CAIS_VENV=$(tools/install-venv.sh)
export CAIS_VENV
BUILD_DIR=$build_dir tools/build.sh
python=$(BUILD_DIR=$build_dir tools/install-python.sh)
mkdir -p out
# The C CLI hands .aimodel packages to `python -m caisparse` in $CAIS_VENV.
"$build_dir/host/cai-sparsify" --palettize-nbits 4 --report out/tiny_transformer.report.json \
  examples/tiny_transformer.aimodel -o out/tiny_transformer.sparse.aimodel
"$python" -W ignore python/scripts/compare_outputs.py \
  examples/tiny_transformer.aimodel out/tiny_transformer.sparse.aimodel 2>&1 |
  grep '^output '
echo "quickstart: wrote out/tiny_transformer.sparse.aimodel and out/tiny_transformer.report.json"
