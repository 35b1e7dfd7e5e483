#!/usr/bin/env bash
# run.sh -- runs the caisparse pytest suite in the venv of tools/install-venv.sh
# (CAIS_VENV, default $HOME/.cache/cai-sparsify/venv), with the package from
# python/ of this checkout.  ctest sets CAIS_CLI and CAIS_LIBRARY to the build's
# CLI and library; extra arguments go to pytest.  A missing venv is a failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=${CAIS_VENV:-$HOME/.cache/cai-sparsify/venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import coreai.authoring, coreai_torch, pytest' 2>/dev/null; then
  echo "tests/python: no Core AI venv at $venv (CAIS_VENV); run tools/install-venv.sh" >&2
  exit 1
fi
if [ -z "${CAIS_CLI:-}" ] || [ -z "${CAIS_LIBRARY:-}" ]; then
  echo "tests/python: set CAIS_CLI and CAIS_LIBRARY (ctest does), e.g. build/host/cai-sparsify and build/host/libcaisparse.so" >&2
  exit 1
fi
export PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}"
cd "$here"
exec "$venv/bin/python" -W ignore::UserWarning -m pytest -q -p no:cacheprovider -rfE "$@"
