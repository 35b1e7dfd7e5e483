#!/usr/bin/env bash
# quickstart.sh -- the README's first command: installs what is missing,
# builds, and compresses the bundled example program (50% sparsity with a
# 4-bit palette), then checks the result with --verify.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
mkdir -p out
build/host/cai-sparsify --palettize-nbits 4 --report out/tiny_transformer.report.json \
  examples/tiny_transformer.mlir -o out/tiny_transformer.sparse.mlir
build/host/cai-sparsify --palettize-nbits 4 --verify \
  examples/tiny_transformer.mlir out/tiny_transformer.sparse.mlir | tail -n 3
echo "quickstart: wrote out/tiny_transformer.sparse.mlir and out/tiny_transformer.report.json"
