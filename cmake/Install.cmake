# Install.cmake -- what `cmake --install` puts in place: the shared library,
# caisparse.h, the CLI, a pkg-config file and a CMake package config
# (find_package(caisparse) gives the target caisparse::caisparse).
install(TARGETS caisparse EXPORT caisparseTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_SOURCE_DIR}/host/include/caisparse.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS cai-sparsify RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(CAIS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/caisparse)
install(EXPORT caisparseTargets NAMESPACE caisparse:: DESTINATION ${CAIS_CMAKE_DIR})
include(CMakePackageConfigHelpers)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/caisparseConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/caisparseConfig.cmake INSTALL_DESTINATION ${CAIS_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/caisparseConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/caisparseConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/caisparseConfigVersion.cmake
        DESTINATION ${CAIS_CMAKE_DIR})

# The public header includes <mlir-c/IR.h>: users compile against MLIR 19's
# headers and link its C API, which the .pc file says.
set(CAIS_MLIR_INCLUDE_DIR ${MLIR_INCLUDE_DIRS})
configure_file(${PROJECT_SOURCE_DIR}/cmake/caisparse.pc.in
               ${CMAKE_CURRENT_BINARY_DIR}/caisparse.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/caisparse.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
