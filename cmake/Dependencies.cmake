# Dependencies.cmake -- the project's external libraries, all from Debian
# packages that tools/install-deps.sh installs (docs/DEPENDENCIES.md says why
# each one).

# MLIR 19: the C API lives in static libMLIRCAPI*.a archives on top of the
# shared libMLIR.so.  We link the archives against libMLIR.so (not MLIR's own
# static archives) so that a program which already uses libMLIR.so shares one
# MLIR with us: an MlirModule it hands to the library is then valid here.
find_package(MLIR REQUIRED CONFIG
  HINTS /usr/lib/llvm-19/lib/cmake/mlir /usr/lib/llvm-19)
set(CAIS_LLVM_LIBDIR "${LLVM_LIBRARY_DIR}")
find_library(CAIS_MLIR_SHARED NAMES MLIR PATHS "${CAIS_LLVM_LIBDIR}" NO_DEFAULT_PATH REQUIRED)
find_library(CAIS_MLIR_CAPI_IR NAMES MLIRCAPIIR PATHS "${CAIS_LLVM_LIBDIR}" NO_DEFAULT_PATH REQUIRED)
find_library(CAIS_LLVM_SHARED NAMES LLVM-19 LLVM PATHS "${CAIS_LLVM_LIBDIR}" NO_DEFAULT_PATH REQUIRED)
add_library(cais_mlir INTERFACE)
target_include_directories(cais_mlir SYSTEM INTERFACE ${MLIR_INCLUDE_DIRS} ${LLVM_INCLUDE_DIRS})
target_link_libraries(cais_mlir INTERFACE
  -Wl,--start-group ${CAIS_MLIR_CAPI_IR} ${CAIS_MLIR_SHARED} ${CAIS_LLVM_SHARED} -Wl,--end-group
  stdc++)
target_link_options(cais_mlir INTERFACE "-Wl,-rpath,${CAIS_LLVM_LIBDIR}")

find_package(Threads REQUIRED)

if(CAIS_WITH_OPENCL)
  find_package(OpenCL REQUIRED)
  find_package(CLBlast REQUIRED CONFIG)
endif()

if(CAIS_BUILD_TESTS)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
endif()
