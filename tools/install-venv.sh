#!/usr/bin/env bash
# install-venv.sh -- installs the Python stack of the real-Core-AI conformance
# suite (tests/coreai): a venv at ${CAIS_VENV:-$HOME/.cache/cai-sparsify/venv}
# holding coreai-opt 0.3.0 with its [coreai] extra (coreai-core 1.0.0b3,
# coreai-torch 0.4.3, torch) and pytest, all from PyPI.  Idempotent: when the venv
# already holds exactly these versions it only checks that they import (a second
# or so).  Prints the venv's path on stdout, everything else on stderr, so
#   CAIS_VENV=$(tools/install-venv.sh)
# works.  The first install downloads ~6 GB (torch) and takes ~4-10 minutes.
set -euo pipefail

venv=${CAIS_VENV:-$HOME/.cache/cai-sparsify/venv}
# coreai-core ships cp311 wheels only, so the interpreter must be CPython 3.11.
# coreai-core/torch are named explicitly so the resolver cannot drift to other releases.
requirements=("coreai-opt[coreai]==0.3.0" "coreai-core==1.0.0b3" "coreai-torch==0.4.3" "pytest==9.2.0")
stamp="$venv/.cais-requirements"
log() { echo "install-venv: $*" >&2; }

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${requirements[*]}" ] &&
   "$venv/bin/python" -W ignore -c 'import coreai.authoring, coreai.runtime, coreai_torch, coreai_opt, torch, pytest' 2>/dev/null; then
  log "up to date"
  echo "$venv"
  exit 0
fi

python=""
for candidate in ${PYTHON:-} python3.11 python3; do
  if command -v "$candidate" >/dev/null &&
     [ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = 3.11 ]; then
    python=$candidate
    break
  fi
done
if [ -z "$python" ]; then
  log "needs CPython 3.11 (coreai-core has cp311 wheels only); set PYTHON=/path/to/python3.11"
  exit 1
fi

if [ ! -x "$venv/bin/python" ]; then
  # Debian splits the venv module into python3-venv; install it the way install-deps.sh does.
  if ! "$python" -c 'import ensurepip, venv' 2>/dev/null && command -v apt-get >/dev/null; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    log "installing python3-venv"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
  fi
  log "creating $venv with $python"
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv"
fi

log "installing ${requirements[*]} (first time: ~6 GB, several minutes)"
"$venv/bin/python" -m pip install -q --disable-pip-version-check "${requirements[@]}" >&2
"$venv/bin/python" -W ignore -c 'import coreai.authoring, coreai.runtime, coreai_torch, coreai_opt, torch, pytest'
echo "${requirements[*]}" > "$stamp"
log "done"
echo "$venv"
