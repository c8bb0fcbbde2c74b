# Builds tests/cross_build/dump.cpp twice with one compiler, at -O0 and at
# -O3 -march=native -ffp-contract=fast (FMA contraction on, widest SIMD), runs both, and requires
# their outputs to be identical to each other and to the published streams (GOLDEN): the bits of
# every stream must not depend on the optimisation level, the instruction set or contraction.
# Run as: cmake -DCOMPILER=... -DTAG=... -DSOURCE=... -DEIGEN=... -DGOLDEN=... -DWORK=... -P cross_build.cmake
get_filename_component(include_dir ${CMAKE_CURRENT_LIST_DIR}/../../include ABSOLUTE)
file(MAKE_DIRECTORY ${WORK})
set(configs "O0" "O3_native_fma")
set(flags_O0 -O0)
set(flags_O3_native_fma -O3 -march=native -ffp-contract=fast)
foreach(config IN LISTS configs)
  set(exe ${WORK}/dump_${TAG}_${config})
  execute_process(COMMAND ${COMPILER} -std=c++17 ${flags_${config}} -I${include_dir} -isystem ${EIGEN}
                          ${SOURCE} -o ${exe}
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cannot build ${SOURCE} with ${COMPILER} ${flags_${config}}:\n${err}")
  endif()
  execute_process(COMMAND ${exe} OUTPUT_VARIABLE out_${config} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${exe} failed")
  endif()
  file(WRITE ${WORK}/streams_${TAG}_${config}.txt "${out_${config}}")
endforeach()
file(READ ${GOLDEN} golden)
foreach(config IN LISTS configs)
  if(NOT out_${config} STREQUAL golden)
    message(FATAL_ERROR "${COMPILER} ${flags_${config}} produced streams that differ from ${GOLDEN}; "
                        "see ${WORK}/streams_${TAG}_${config}.txt (diff it against the golden file)")
  endif()
endforeach()
message(STATUS "${COMPILER}: -O0 and -O3 -march=native -ffp-contract=fast give the published bits")
