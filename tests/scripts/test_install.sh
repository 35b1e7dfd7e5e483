#!/usr/bin/env bash
# test_install.sh SOURCE_DIR BUILD_DIR -- `cmake --install` into a temporary
# prefix puts the library, header, CLI, pkg-config file and CMake package in
# place; the C example of docs/LIBRARY.md compiles against it (pkg-config and
# CMake) and compresses the bundled example program.
set -euo pipefail
src=$1 build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
for f in lib/libcaisparse.so include/caisparse.h bin/cai-sparsify \
         lib/pkgconfig/caisparse.pc lib/cmake/caisparse/caisparseConfig.cmake; do
  [ -e "$tmp/prefix/$f" ] || { echo "missing after install: $f"; exit 1; }
done
# Only the cais_ API leaves the shared library.
if nm -D --defined-only "$tmp/prefix/lib/libcaisparse.so" | awk '{print $3}' | grep -v '^cais_' | grep -v '^_' | grep -q .; then
  echo "libcaisparse.so exports symbols outside cais_*:"
  nm -D --defined-only "$tmp/prefix/lib/libcaisparse.so" | awk '{print $3}' | grep -v '^cais_' | grep -v '^_' | head
  exit 1
fi

# The docs example, exactly as written.
sed -n '/<!-- example:begin -->/,/<!-- example:end -->/p' "$src/docs/LIBRARY.md" \
  | sed '1,2d;$d' | sed '$d' > "$tmp/example.c"
lines=$(wc -l < "$tmp/example.c")
[ "$lines" -ge 15 ] || { echo "docs example not found (got $lines lines)"; exit 1; }
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
cc -Wall -Werror "$tmp/example.c" $(pkg-config --cflags --libs caisparse) -o "$tmp/example"
out=$("$tmp/example" "$src/examples/tiny_transformer.mlir" "$tmp/out.mlir")
echo "$out"
echo "$out" | grep -Eq '^[1-9][0-9]* weights: [0-9]+ -> [0-9]+ bytes$'
grep -q 'coreai.lut_to_dense' "$tmp/out.mlir"
mlir-opt-19 --allow-unregistered-dialect "$tmp/out.mlir" -o /dev/null

# The CMake package.
mkdir -p "$tmp/cmake-user"
cp "$tmp/example.c" "$tmp/cmake-user/example.c"
cat > "$tmp/cmake-user/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.20)
project(user C)
find_package(caisparse REQUIRED)
add_executable(example example.c)
target_link_libraries(example PRIVATE caisparse::caisparse)
CM
cmake -S "$tmp/cmake-user" -B "$tmp/cmake-user/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/cmake-user/build" >/dev/null
"$tmp/cmake-user/build/example" "$src/examples/tiny_transformer.mlir" "$tmp/out2.mlir" >/dev/null
cmp "$tmp/out.mlir" "$tmp/out2.mlir"
echo "install test: ok"
