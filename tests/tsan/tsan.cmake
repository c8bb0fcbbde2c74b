# Builds tests/tsan/threads_tsan.cpp with ThreadSanitizer and runs it: any data race in the
# threaded fills makes TSan print a report and exit non-zero (halt_on_error).
# Run as: cmake -DCOMPILER=... -DSOURCE=... -DEIGEN=... -DWORK=... -P tsan.cmake
get_filename_component(include_dir ${CMAKE_CURRENT_LIST_DIR}/../../include ABSOLUTE)
file(MAKE_DIRECTORY ${WORK})
set(exe ${WORK}/threads_tsan)
execute_process(COMMAND ${COMPILER} -std=c++17 -O1 -g -fsanitize=thread -I${include_dir} -isystem ${EIGEN}
                        ${SOURCE} -o ${exe} -pthread
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cannot build ${SOURCE} with -fsanitize=thread:\n${err}")
endif()
set(ENV{TSAN_OPTIONS} "halt_on_error=1 exitcode=66")
execute_process(COMMAND ${exe} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "threads_tsan failed (exit ${rc}):\n${out}\n${err}")
endif()
