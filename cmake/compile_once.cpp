// The one copy of what NNINIT_EXTERN_SVD leaves out of each unit: compiled once per build for
// nninit's tests, examples and snippets (nninit_use_compile_once in CMakeLists.txt), and once more
// within the tool, with the tool's flags (tools/nninit/CMakeLists.txt).
#include <nninit/compile_once.hpp>
