# Configures, builds and installs an nninit source tree into a fresh prefix, with its tests,
# tools and benchmarks off, then checks that the prefix holds the headers and the CMake package.
#
#   cmake -DNNINIT_SOURCE_DIR=<tree> -DBUILD_DIR=<dir> -DPREFIX=<dir> -DGENERATOR=<generator>
#         [-DMAKE_PROGRAM=<path>] [-DCONFIG=<config>] [-DINIT_CACHE=<file>] -P install_nninit.cmake
cmake_minimum_required(VERSION 3.20)

foreach(required NNINIT_SOURCE_DIR BUILD_DIR PREFIX GENERATOR)
  if(NOT DEFINED ${required} OR "${${required}}" STREQUAL "")
    message(FATAL_ERROR "install_nninit.cmake: -D${required}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE "${BUILD_DIR}" "${PREFIX}")

set(configure_args -S "${NNINIT_SOURCE_DIR}" -B "${BUILD_DIR}" -G "${GENERATOR}")
if(MAKE_PROGRAM)
  list(APPEND configure_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(INIT_CACHE)
  list(APPEND configure_args -C "${INIT_CACHE}")
endif()
list(APPEND configure_args -DNNINIT_BUILD_TESTS=OFF -DNNINIT_BUILD_BENCH=OFF -DNNINIT_BUILD_TOOLS=OFF
     -DNNINIT_INSTALL=ON "-DCMAKE_INSTALL_PREFIX=${PREFIX}")
set(config_args)
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()

execute_process(COMMAND "${CMAKE_COMMAND}" ${configure_args} COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BUILD_DIR}" ${config_args} COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" ${config_args} COMMAND_ERROR_IS_FATAL ANY)

# The prefix must hold the umbrella header, the headers it includes, and exactly one package
# configuration with its version file (wherever the project chooses to put them).
foreach(header nninit/nninit.hpp nninit/version.hpp nninit/detail/sample.hpp)
  if(NOT EXISTS "${PREFIX}/include/${header}")
    message(FATAL_ERROR "install_nninit.cmake: ${PREFIX}/include/${header} was not installed")
  endif()
endforeach()
file(GLOB_RECURSE configs "${PREFIX}/*/nninitConfig.cmake")
list(LENGTH configs count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "install_nninit.cmake: expected one nninitConfig.cmake under ${PREFIX}, found ${count}: ${configs}")
endif()
get_filename_component(config_dir "${configs}" DIRECTORY)
foreach(file nninitConfigVersion.cmake nninitTargets.cmake)
  if(NOT EXISTS "${config_dir}/${file}")
    message(FATAL_ERROR "install_nninit.cmake: ${config_dir}/${file} was not installed")
  endif()
endforeach()
message(STATUS "install_nninit.cmake: nninit installed into ${PREFIX} (package in ${config_dir})")
