#!/usr/bin/env bash
# install-python.sh -- builds libcaisparse if needed and pip-installs the
# `caisparse` package (python/) into the venv ${CAIS_VENV:-$HOME/.cache/cai-sparsify/venv}
# (made by tools/install-venv.sh), with a copy of libcaisparse.so and the
# cai-sparsify CLI inside the package, so it works without the build tree.
# The build dir is ${BUILD_DIR:-build}.  Prints the venv's python on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
venv=${CAIS_VENV:-$HOME/.cache/cai-sparsify/venv}
log() { echo "install-python: $*" >&2; }

if [ ! -x "$venv/bin/python" ]; then
  log "no venv at $venv: run tools/install-venv.sh first (or set CAIS_VENV)"
  exit 1
fi
if [ ! -e "$build_dir/host/libcaisparse.so" ] || [ ! -x "$build_dir/host/cai-sparsify" ]; then
  log "building into $build_dir"
  BUILD_DIR=$build_dir tools/build.sh >&2
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/caisparse-stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
cp -r python/pyproject.toml python/caisparse "$stage/"
rm -rf "$stage/caisparse/__pycache__"
mkdir -p "$stage/caisparse/_lib"
cp -L "$build_dir/host/libcaisparse.so" "$stage/caisparse/_lib/libcaisparse.so"
cp -L "$build_dir/host/cai-sparsify" "$stage/caisparse/_lib/cai-sparsify"

flags=(-q --disable-pip-version-check --no-deps --force-reinstall)
if "$venv/bin/python" -c 'import setuptools' 2>/dev/null; then flags+=(--no-build-isolation); fi
log "installing caisparse into $venv"
"$venv/bin/python" -m pip install "${flags[@]}" "$stage" >&2
# Check it from outside the checkout, so the installed copy is the one found.
(cd / && env -u CAIS_LIBRARY "$venv/bin/python" -c \
  'import caisparse, caisparse._clib as c; p = c.library_path(); assert "site-packages" in str(p), p')
log "done"
echo "$venv/bin/python"
