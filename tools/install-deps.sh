#!/usr/bin/env bash
# install-deps.sh -- installs the Debian packages cai-sparsify needs to build
# and test, skipping those already present.  Needs root (or sudo).
# Extra package names given as arguments are installed the same way (the
# benchmark adds `time`, for GNU time's peak-RSS figures).
# docs/DEPENDENCIES.md says what each package is for.
set -euo pipefail

packages=(
  cmake make gcc g++ pkg-config
  libmlir-19-dev mlir-19-tools llvm-19-dev   # MLIR 19 C API (+ LLVM headers for our C++ glue)
  ocl-icd-opencl-dev opencl-c-headers        # OpenCL ICD loader and headers
  pocl-opencl-icd clinfo                     # OpenCL on the CPU (tests, CI)
  libclblast-dev                             # BLAS steps on the device
  libcmocka-dev                              # unit tests
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
