# `cmake --install BUILD [--prefix DIR]`: what an app links, as README "Using the runtime alone /
# ARM" describes it.
#   include/flowgate/         flowgate.h (the C API) and the C++ runtime's headers
#   lib/libflowgate.so        the C API in one shared library (flowgate::c, flowgate.pc)
#   lib/libflowgate_c_log.so  the decision log in C, flowgate_log.h (flowgate::c_log; full build only)
#   lib/libflowgate_*.a       the C++ runtime: bundle and decide, the holder, signature checks
#                             (flowgate::runtime)
#   lib/cmake/flowgate/       the CMake package: find_package(flowgate) gives flowgate::runtime
#                             and flowgate::c
#   lib/pkgconfig/flowgate.pc the C API for pkg-config (`pkg-config --cflags --libs flowgate`)
include(CMakePackageConfigHelpers)

set_target_properties(flowgate_runtime PROPERTIES EXPORT_NAME runtime_core)
set_target_properties(flowgate_holder PROPERTIES EXPORT_NAME holder)
set_target_properties(flowgate_verify PROPERTIES EXPORT_NAME verify)
set_target_properties(flowgate_shared PROPERTIES EXPORT_NAME c)
# flowgate::runtime: the C++ runtime whole (flowgate/runtime.h, signals.h, bundle_holder.h).
add_library(flowgate_runtime_package INTERFACE)
set_target_properties(flowgate_runtime_package PROPERTIES EXPORT_NAME runtime)
target_link_libraries(flowgate_runtime_package INTERFACE flowgate_runtime flowgate_holder
                                                         flowgate_verify)

set(FLOWGATE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/flowgate)
install(TARGETS flowgate_runtime flowgate_holder flowgate_verify flowgate_shared
                flowgate_runtime_package
  EXPORT flowgate-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The public headers of the device side; the toolchain's (load.h, toolchain.h, diagnostic.h) and
# the decision log's (it needs SQLite) stay in the source tree.
install(FILES
  ${PROJECT_SOURCE_DIR}/engine/include/flowgate/flowgate.h
  ${PROJECT_SOURCE_DIR}/engine/include/flowgate/runtime.h
  ${PROJECT_SOURCE_DIR}/engine/include/flowgate/signals.h
  ${PROJECT_SOURCE_DIR}/engine/include/flowgate/bundle_holder.h
  ${PROJECT_SOURCE_DIR}/engine/include/flowgate/verify.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/flowgate)
# The decision log in C (flowgate_log.h, libflowgate_c_log.so: flowgate::c_log), from the full
# build only: it needs SQLite, which the runtime alone does without. It links libflowgate.so.
if(NOT FLOWGATE_RUNTIME_ONLY)
  set_target_properties(flowgate_c_log PROPERTIES EXPORT_NAME c_log)
  install(TARGETS flowgate_c_log
    EXPORT flowgate-targets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(FILES ${PROJECT_SOURCE_DIR}/engine/include/flowgate/flowgate_log.h
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/flowgate)
endif()
install(EXPORT flowgate-targets NAMESPACE flowgate:: DESTINATION ${FLOWGATE_CMAKE_DIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/flowgateConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/flowgateConfig.cmake INSTALL_DESTINATION ${FLOWGATE_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/flowgateConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/flowgateConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/flowgateConfigVersion.cmake
  DESTINATION ${FLOWGATE_CMAKE_DIR})

# pkg-config: the C API. Relative to the .pc file's own folder, so the tree can be moved.
file(RELATIVE_PATH FLOWGATE_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
configure_file(${CMAKE_CURRENT_LIST_DIR}/flowgate.pc.in ${CMAKE_CURRENT_BINARY_DIR}/flowgate.pc
  @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/flowgate.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
