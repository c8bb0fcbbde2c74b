// The build's one copy of what NNINIT_EXTERN_SVD leaves out of nninit's own tests, examples and
// snippets (nninit_use_compile_once in CMakeLists.txt).
#include <nninit/compile_once.hpp>
