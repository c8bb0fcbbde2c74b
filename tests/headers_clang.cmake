# Every public header, alone, with clang++ -std=c++17 -Wall -Wextra -Wpedantic -Werror -fsyntax-only.
# Run as: cmake -DCOMPILER=... -DEIGEN=<dir> -DHEADERS="nninit/a.hpp;..." -DWORK=<dir> -P headers_clang.cmake
get_filename_component(include_dir ${CMAKE_CURRENT_LIST_DIR}/../include ABSOLUTE)
string(REPLACE "|" ";" headers "${HEADERS}")
file(MAKE_DIRECTORY ${WORK})
foreach(h IN LISTS headers)
  string(MAKE_C_IDENTIFIER ${h} id)
  file(WRITE ${WORK}/${id}.cpp "#include <${h}>\n")
  execute_process(COMMAND ${COMPILER} -std=c++17 -Wall -Wextra -Wpedantic -Werror -fsyntax-only
                          -I${include_dir} -isystem ${EIGEN} ${WORK}/${id}.cpp
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${h} does not compile warning-free with ${COMPILER}:\n${err}")
  endif()
endforeach()
list(LENGTH headers n)
message(STATUS "${n} headers compile warning-free with ${COMPILER}")
