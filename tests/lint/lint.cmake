# Runs clang-tidy (with the repository's .clang-tidy) or cppcheck (with the flags below and
# tests/lint/cppcheck-suppressions.txt) on the translation unit that instantiates every public
# header, and fails on any finding. A negative control comes first: the same tool on known_bad.cpp,
# whose header has a defect each tool must report; a tool that reports nothing there is misconfigured.
#   cmake -DTOOL=clang-tidy|cppcheck -DPROGRAM=<path> -DEIGEN=<dir> -P lint.cmake
foreach(required TOOL PROGRAM EIGEN)
  if(NOT DEFINED ${required})
    message(FATAL_ERROR "lint.cmake: -D${required}=... is required")
  endif()
endforeach()
get_filename_component(root ${CMAKE_CURRENT_LIST_DIR}/../.. ABSOLUTE)
set(lint_dir ${CMAKE_CURRENT_LIST_DIR})

function(run_tool source include_dir result output)
  if(TOOL STREQUAL "clang-tidy")
    # The headers are C++17, as they promise; the unsupported/ directory holds Eigen's Tensor module.
    execute_process(COMMAND ${PROGRAM} --quiet --config-file=${root}/.clang-tidy ${source}
                            -- -std=c++17 -I${include_dir} -isystem ${EIGEN} -isystem ${EIGEN}/unsupported
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  elseif(TOOL STREQUAL "cppcheck")
    # Without Eigen's headers: cppcheck reads them slowly and reports nothing of ours there.
    execute_process(COMMAND ${PROGRAM} --std=c++17 --language=c++ --enable=warning,style,performance,portability
                            --inline-suppr --suppressions-list=${lint_dir}/cppcheck-suppressions.txt --error-exitcode=1
                            --quiet "--template={file}:{line}: {severity}: {message} [{id}]" -I${include_dir} ${source}
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  else()
    message(FATAL_ERROR "lint.cmake: TOOL must be clang-tidy or cppcheck, got ${TOOL}")
  endif()
  set(${result} ${rc} PARENT_SCOPE)
  set(${output} "${out}${err}" PARENT_SCOPE)
endfunction()

run_tool(${lint_dir}/known_bad.cpp ${lint_dir}/include rc out)
if(rc EQUAL 0 OR NOT out MATCHES "known_bad.hpp")
  message(FATAL_ERROR "lint.cmake: ${TOOL} reported nothing in the negative control known_bad.hpp, so its "
                      "configuration is not in effect (exit ${rc}):\n${out}")
endif()
string(REGEX MATCHALL "known_bad.hpp:[0-9]+:[^\n]*" control "${out}")
list(JOIN control "\n  " control)
message(STATUS "${TOOL} reports the negative control:\n  ${control}")

run_tool(${lint_dir}/instantiate_all.cpp ${root}/include rc out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "lint.cmake: ${TOOL} is not clean on nninit's headers (exit ${rc}):\n${out}")
endif()
message(STATUS "${TOOL}: nninit's headers are clean")
