# Every public header with clang++ -std=c++17 -Wall -Wextra -Wpedantic -Werror -fsyntax-only, all
# in one translation unit: warnings are per declaration, so one parse finds them all (each
# header alone, 60 of them, took 90 s of CI time); that each header compiles on its own is
# checked per header by the nninit_header_check target with the project's compiler.
# Run as: cmake -DCOMPILER=... -DEIGEN=<dir> -DHEADERS="nninit/a.hpp;..." -DWORK=<dir> -P headers_clang.cmake
get_filename_component(include_dir ${CMAKE_CURRENT_LIST_DIR}/../include ABSOLUTE)
string(REPLACE "|" ";" headers "${HEADERS}")
file(MAKE_DIRECTORY ${WORK})
set(source "")
foreach(h IN LISTS headers)
  string(APPEND source "#include <${h}>\n")
endforeach()
file(WRITE ${WORK}/all_headers.cpp "${source}")
execute_process(COMMAND ${COMPILER} -std=c++17 -Wall -Wextra -Wpedantic -Werror -fsyntax-only
                        -I${include_dir} -isystem ${EIGEN} ${WORK}/all_headers.cpp
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the public headers do not compile warning-free with ${COMPILER}:\n${err}")
endif()
list(LENGTH headers n)
message(STATUS "${n} headers compile warning-free with ${COMPILER}")
