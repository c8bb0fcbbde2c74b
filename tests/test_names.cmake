# Fails when a doctest TEST_CASE name holds a semicolon. doctest_discover_tests hands names to
# ctest as CMake lists, so ctest splits such a name at the ';': the test it registers matches no
# test case, runs nothing and passes. Run as a test: cmake -DDIR=<tests dir> -P test_names.cmake
file(GLOB_RECURSE sources "${DIR}/*.cpp")
set(bad "")
foreach(source IN LISTS sources)
  file(READ "${source}" text)
  string(REGEX MATCHALL "TEST_CASE[A-Z_]*\\(\"[^\"]*;[^\"]*\"" found "${text}")
  if(found)
    file(RELATIVE_PATH name "${DIR}" "${source}")
    list(APPEND bad "${name}")
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "test names with a ';' (ctest would run nothing for them) in: ${bad}")
endif()
list(LENGTH sources count)
message(STATUS "no test name holds a ';' (${count} sources)")
