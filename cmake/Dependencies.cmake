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
# Three flavours: headers only (the core library compiles against them),
# the shared libMLIR (the installed libcaisparse.so, for the reason above), and
# static archives (our executables: the CLI then starts in ~10 ms with ~3 MB
# resident instead of ~80 ms and ~70 MB for loading libLLVM/libMLIR, which
# matters for small programs, and runs on machines without LLVM 19).
add_library(cais_mlir_headers INTERFACE)
target_include_directories(cais_mlir_headers SYSTEM INTERFACE ${MLIR_INCLUDE_DIRS} ${LLVM_INCLUDE_DIRS})

add_library(cais_mlir_shared INTERFACE)
target_link_libraries(cais_mlir_shared INTERFACE cais_mlir_headers
  -Wl,--start-group ${CAIS_MLIR_CAPI_IR} ${CAIS_MLIR_SHARED} ${CAIS_LLVM_SHARED} -Wl,--end-group
  stdc++)
target_link_options(cais_mlir_shared INTERFACE "-Wl,-rpath,${CAIS_LLVM_LIBDIR}")

# The archives the C API needs, found by name in LLVM 19's library dir.
set(CAIS_MLIR_STATIC_NAMES MLIRCAPIIR MLIRBytecodeWriter MLIRBytecodeOpInterface
    MLIRParser MLIRBytecodeReader MLIRAsmParser MLIRIR MLIRSupport MLIRPass
    MLIRAnalysis MLIRCallInterfaces MLIRControlFlowInterfaces MLIRDataLayoutInterfaces
    MLIRInferIntRangeInterface MLIRInferTypeOpInterface MLIRLoopLikeInterface
    MLIRFunctionInterfaces MLIRPresburger MLIRSideEffectInterfaces MLIRViewLikeInterface
    LLVMSupport LLVMDemangle)
set(CAIS_MLIR_STATIC_LIBS)
foreach(name ${CAIS_MLIR_STATIC_NAMES})
  list(APPEND CAIS_MLIR_STATIC_LIBS "${CAIS_LLVM_LIBDIR}/lib${name}.a")
endforeach()
add_library(cais_mlir_static INTERFACE)
target_link_libraries(cais_mlir_static INTERFACE cais_mlir_headers
  -Wl,--start-group ${CAIS_MLIR_STATIC_LIBS} -Wl,--end-group stdc++ pthread)

option(CAIS_STATIC_MLIR "Link MLIR statically into the executables (CLI, generator, tests)" ON)
if(CAIS_STATIC_MLIR)
  set(CAIS_EXE_MLIR cais_mlir_static)
else()
  set(CAIS_EXE_MLIR cais_mlir_shared)
endif()

find_package(Threads REQUIRED)

if(CAIS_WITH_OPENCL)
  find_package(OpenCL REQUIRED)
  find_package(CLBlast REQUIRED CONFIG)
endif()

if(CAIS_BUILD_TESTS)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
endif()
