# Builds a libFuzzer target with clang++ under AddressSanitizer and UndefinedBehaviorSanitizer and
# runs it for a bounded time from its seed corpus; a crash, a sanitizer report, an uncaught
# exception, a leak or a timeout fails the test. Prints the executions and the coverage reached.
#   cmake -DCOMPILER=<clang++> -DTARGET=<name> -DSOURCES=<a|b|...> -DINCLUDES=<a|b|...>
#         -DSEEDS=<corpus dir> -DWORK=<dir> -DSECONDS=<n> -P fuzz.cmake
foreach(required COMPILER TARGET SOURCES INCLUDES SEEDS WORK SECONDS)
  if(NOT DEFINED ${required})
    message(FATAL_ERROR "fuzz.cmake: -D${required}=... is required")
  endif()
endforeach()
string(REPLACE "|" ";" sources "${SOURCES}")
string(REPLACE "|" ";" includes "${INCLUDES}")
set(include_flags)
foreach(dir IN LISTS includes)
  list(APPEND include_flags -isystem ${dir})
endforeach()
file(MAKE_DIRECTORY ${WORK}/corpus)
set(exe ${WORK}/${TARGET})
execute_process(COMMAND ${COMPILER} -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
                        ${include_flags} ${sources} -o ${exe}
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fuzz.cmake: cannot build ${TARGET}:\n${err}")
endif()
# New inputs go to WORK/corpus (kept between runs of the same build); the seeds are only read.
execute_process(COMMAND ${exe} -max_total_time=${SECONDS} -timeout=20 -rss_limit_mb=4096 -print_final_stats=1
                        -artifact_prefix=${WORK}/ ${WORK}/corpus ${SEEDS}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX MATCH "stat::number_of_executed_units: *[0-9]+" runs "${err}")
string(REGEX MATCH "DONE *cov: *[0-9]+ ft: *[0-9]+" coverage "${err}")
message(STATUS "${TARGET}: ${runs}, ${coverage}, ${SECONDS} s")
if(NOT rc EQUAL 0)
  string(REGEX MATCH "==[0-9]+==ERROR[^\n]*|SUMMARY:[^\n]*|deadly signal|uncaught exception[^\n]*" finding "${err}")
  message(FATAL_ERROR "fuzz.cmake: ${TARGET} found a failure (exit ${rc}): ${finding}\nartifacts in ${WORK}\n${err}")
endif()
