# libtorch for the benchmarks' baselines and the libtorch example, when it is installed and usable.

# Whether find_package(Torch CONFIG) can run without a fatal error. Torch's config (and the
# Caffe2 config it loads) stops configuration with FATAL_ERROR when any of its own dependencies
# is missing, which no QUIET can catch; so it is first tried in a throwaway CMake process. The
# answer is cached per Torch location, prefix path and compiler.
function(nninit_torch_config_usable out_var)
  set(signature "${Torch_DIR}|${CMAKE_PREFIX_PATH}|${CMAKE_CXX_COMPILER}")
  if(DEFINED CACHE{NNINIT_TORCH_PROBE} AND NNINIT_TORCH_PROBE_SIGNATURE STREQUAL signature)
    set(${out_var} ${NNINIT_TORCH_PROBE} PARENT_SCOPE)
    return()
  endif()
  set(probe "${PROJECT_BINARY_DIR}/torch_probe")
  file(REMOVE_RECURSE "${probe}")
  set(script "cmake_minimum_required(VERSION 3.20)\nproject(nninit_torch_probe LANGUAGES CXX)\n")
  string(APPEND script "set(CMAKE_PREFIX_PATH [==[${CMAKE_PREFIX_PATH}]==])\n")
  if(Torch_DIR)
    string(APPEND script "set(Torch_DIR [==[${Torch_DIR}]==])\n")
  endif()
  string(APPEND script "find_package(Torch CONFIG QUIET)\n"
                       "if(NOT Torch_FOUND)\n  message(FATAL_ERROR \"Torch not found\")\nendif()\n")
  file(WRITE "${probe}/src/CMakeLists.txt" "${script}")
  set(generator_args -G "${CMAKE_GENERATOR}")
  if(CMAKE_MAKE_PROGRAM)
    list(APPEND generator_args "-DCMAKE_MAKE_PROGRAM=${CMAKE_MAKE_PROGRAM}")
  endif()
  execute_process(COMMAND "${CMAKE_COMMAND}" -S "${probe}/src" -B "${probe}/build" ${generator_args}
                          "-DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}"
                  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(result EQUAL 0)
    set(usable ON)
  else()
    set(usable OFF)
    file(WRITE "${probe}/log.txt" "${output}")
  endif()
  set(NNINIT_TORCH_PROBE ${usable} CACHE INTERNAL "find_package(Torch CONFIG) works")
  set(NNINIT_TORCH_PROBE_SIGNATURE "${signature}" CACHE INTERNAL "what the Torch probe was run with")
  set(${out_var} ${usable} PARENT_SCOPE)
endfunction()

# nninit_find_torch(<usable> <found> <libraries>): whether Torch's config can run (above), and
# if so find_package(Torch) in a function scope, since Torch's config sets ordinary variables of
# its own (CMAKE_CURRENT_LIST_DIR among them); only the library list comes back.
function(nninit_find_torch out_usable out_found out_libraries)
  nninit_torch_config_usable(usable)
  set(${out_usable} ${usable} PARENT_SCOPE)
  set(${out_found} OFF PARENT_SCOPE)
  if(usable)
    find_package(Torch CONFIG QUIET)
    if(Torch_FOUND)
      set(${out_found} ON PARENT_SCOPE)
      set(${out_libraries} "${TORCH_LIBRARIES}" PARENT_SCOPE)
    endif()
  endif()
endfunction()

