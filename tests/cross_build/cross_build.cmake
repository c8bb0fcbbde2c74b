# Builds tests/cross_build/dump.cpp three times with one compiler, runs each, and requires their
# outputs to be identical to each other and to the published streams (GOLDEN): the bits of every
# stream must not depend on the optimisation level, the instruction set, contraction, or on
# whether the AVX2 sampling path (detail/simd_avx2.hpp) runs:
#   O0               -O0, baseline x86-64 flags: the AVX2 functions selected at run time
#   O2_scalar        -O2 -DNNINIT_NO_SIMD: the scalar path only
#   O3_native_fma    -O3 -march=native -ffp-contract=fast (FMA contraction on, AVX2 compiled in)
# Run as: cmake -DCOMPILER=... -DTAG=... -DSOURCE=... -DEIGEN=... -DGOLDEN=... -DWORK=... -P cross_build.cmake
get_filename_component(include_dir ${CMAKE_CURRENT_LIST_DIR}/../../include ABSOLUTE)
file(MAKE_DIRECTORY ${WORK})
set(configs "O0" "O2_scalar" "O3_native_fma")
set(flags_O0 -O0)
set(flags_O2_scalar -O2 -DNNINIT_NO_SIMD)
set(flags_O3_native_fma -O3 -march=native -ffp-contract=fast)
foreach(config IN LISTS configs)
  set(exe ${WORK}/dump_${TAG}_${config})
  execute_process(COMMAND ${COMPILER} -std=c++17 ${flags_${config}} -I${include_dir} -isystem ${EIGEN}
                          ${SOURCE} -o ${exe} -pthread
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
message(STATUS "${COMPILER}: -O0 (run-time AVX2), -O2 scalar and -O3 -march=native -ffp-contract=fast give the published bits")
