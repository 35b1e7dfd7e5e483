#!/usr/bin/env bash
# run.sh -- runs this pytest suite with the venv of tools/install-venv.sh
# (CAIS_VENV, default $HOME/.cache/cai-sparsify/venv).  ctest calls it with
# CAIS_CLI / CAIS_GEN / CAIS_CONF_WORK set; extra arguments go to pytest
# (e.g. tests/coreai/run.sh test_programs.py, or -k 'mlp-f16').
# A missing venv is a failure, not a skip: the suite is how the project knows
# its output works in Core AI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${CAIS_VENV:-$HOME/.cache/cai-sparsify/venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import coreai.authoring, coreai_torch, pytest' 2>/dev/null; then
  echo "tests/coreai: no Core AI venv at $venv (CAIS_VENV); run tools/install-venv.sh" >&2
  exit 1
fi
cd "$here"
# -p no:cacheprovider: nothing written into the source tree; --tb=line -rfE: one line
# per failure saying why (the matrix has 924 cells; full tracebacks would drown it).
exec "$venv/bin/python" -W ignore::UserWarning -m pytest -q -p no:cacheprovider --tb=line -rfE "$@"
