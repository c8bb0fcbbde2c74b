// The tool's one copy of Eigen's BDCSVD: every unit of the tool is compiled with NNINIT_EXTERN_SVD
// (CMakeLists.txt), so fill, compare, coord-check and init-model do not each compile it.
#include <nninit/compile_once.hpp>
