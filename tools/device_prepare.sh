#!/usr/bin/env bash
# tools/device_prepare.sh -- fills .device/ (git-ignored) with everything
# tools/device_check.sh needs on a bare GPU machine that has a driver but no
# LLVM/MLIR, no OpenCL ICD loader and no internet:
#
#   .device/bin/    cai-sparsify and cais-gen-program: MLIR, clBLAST, libstdc++
#                   and libgcc linked statically (nothing C++ left to load)
#   .device/tests/  the OpenCL parity and fallback suites (cmocka)
#   .device/lib/    libOpenCL.so.1 (the ocl-icd loader), libcmocka.so.0, and
#                   libclblast.so.1 for reference (the binaries do not need it)
#   .device/icd/    nvidia.icd (the loader's vendor file; device_check.sh
#                   writes its own with the absolute path it finds)
#   .device/MANIFEST  what was built from which commit, sizes, glibc needs
#
# Run here (the development machine), from anywhere:  tools/device_prepare.sh
# Env: BUILD_DIR (default build-device), JOBS (default 2).
# Then, on the device machine:  tools/device_check.sh  (see its header).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEV=$ROOT/.device
BUILD=${BUILD_DIR:-$ROOT/build-device}
JOBS=${JOBS:-2}
TARGETS="cai-sparsify cais-gen-program opencl_test_parity_jobs opencl_test_parity_programs opencl_test_fallback"

mkdir -p "$BUILD/clblast-static" "$BUILD/static-cxx"
# libstdc++ static even where a link line says -lstdc++ (the static MLIR
# link does): this directory, searched first, has only the archive.
ln -sf "$(c++ -print-file-name=libstdc++.a)" "$BUILD/static-cxx/libstdc++.a"
# glibc: the GPU machine may be older than this one (tools/device_glibc_compat.c).
cc -O2 -c "$ROOT/tools/device_glibc_compat.c" -o "$BUILD/glibc_compat.o"
# clBLAST as a static archive: a CLBlast package config of our own, found
# before the system's (which imports the shared library).
cat > "$BUILD/clblast-static/CLBlastConfig.cmake" <<CFG
if(NOT TARGET clblast)
  add_library(clblast STATIC IMPORTED)
  set_target_properties(clblast PROPERTIES
    IMPORTED_LOCATION "$(ldconfig -p | awk '$1 == "libclblast.so.1" {print $NF; exit}' | sed 's/\.so\.1$/.a/')"
    INTERFACE_LINK_LIBRARIES "OpenCL::OpenCL;Threads::Threads")
endif()
CFG
echo "== configuring $BUILD (Release, static MLIR, static clBLAST and libstdc++)"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCAIS_STATIC_MLIR=ON \
  -DCAIS_BUILD_TESTS=ON -DCAIS_WITH_OPENCL=ON -DCLBlast_DIR="$BUILD/clblast-static" \
  "-DCMAKE_EXE_LINKER_FLAGS=-L$BUILD/static-cxx -static-libstdc++ -static-libgcc $BUILD/glibc_compat.o" >/dev/null
echo "== building: $TARGETS"
# shellcheck disable=SC2086
nice cmake --build "$BUILD" -j"$JOBS" --target $TARGETS

rm -rf "$DEV"
mkdir -p "$DEV/bin" "$DEV/tests" "$DEV/lib" "$DEV/icd"
cp "$BUILD/host/cai-sparsify" "$BUILD/examples/cais-gen-program" "$DEV/bin/"
for t in parity_jobs parity_programs fallback; do
  cp "$BUILD/tests/opencl_test_$t" "$DEV/tests/"
done
strip --strip-unneeded "$DEV"/bin/* "$DEV"/tests/*

# Shared libraries the binaries need beyond glibc, from this machine.
lib_path() { # the file ldconfig knows for a soname
  local p
  p=$(ldconfig -p | awk -v n="$1" '$1 == n && /x86-64/ {print $NF; exit}')
  [ -n "$p" ] || { echo "device_prepare: $1 not found (install it: tools/install-deps.sh)" >&2; exit 1; }
  readlink -f "$p"
}
for so in libOpenCL.so.1 libcmocka.so.0; do
  cp "$(lib_path "$so")" "$DEV/lib/$so"
done
printf 'libnvidia-opencl.so.1\n' > "$DEV/icd/nvidia.icd"

# Nothing else may be needed: every dependency is glibc or carried.
missing=0
for f in "$DEV"/bin/* "$DEV"/tests/* "$DEV"/lib/*; do
  while read -r dep; do
    case "$dep" in
      linux-vdso* | ld-linux* | libc.so* | libm.so* | libpthread* | libdl.so* | librt.so*) ;;
      libstdc++* | libgcc_s* | libclblast*)
        echo "device_prepare: $f still needs $dep (should be static)" >&2; missing=1 ;;
      *) [ -e "$DEV/lib/$dep" ] || { echo "device_prepare: $f needs $dep, not carried" >&2; missing=1; } ;;
    esac
  done < <(objdump -p "$f" | awk '/NEEDED/ {print $2}')
done
[ "$missing" = 0 ] || exit 1

glibc=$(for f in "$DEV"/bin/* "$DEV"/tests/* "$DEV"/lib/*; do objdump -T "$f"; done |
  grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
{
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)')"
  echo "needs: $glibc or newer (glibc is the only library not carried)"
  echo "files:"
  (cd "$DEV" && find . -type f -printf '  %p %s\n' | sort)
} > "$DEV/MANIFEST"
total=$(du -sb "$DEV" | cut -f1)
echo "== .device/ ready: $((total / 1048576)) MiB, needs $glibc"
if [ "$total" -gt $((60 * 1048576)) ]; then
  echo "device_prepare: .device/ is over 60 MiB" >&2
  exit 1
fi
