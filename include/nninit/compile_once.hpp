// nninit: the code nninit's headers leave out of each translation unit when NNINIT_EXTERN_SVD is
// defined, compiled here once. Opt-in, for shorter builds:
//
//   target_compile_definitions(my_program PRIVATE NNINIT_EXTERN_SVD)  // every unit of the program
//   // and in exactly one .cpp of it:
//   #include <nninit/compile_once.hpp>
//
// A unit that fills through nninit::initializer (the registry), low_rank or mimetic otherwise
// instantiates Eigen's BDCSVD itself, about half its compile time. Without NNINIT_EXTERN_SVD
// this header is not needed and nothing changes. The values do not depend on it: the same
// function, compiled in one place instead of many (an SVD's bits may still depend on the flags
// that unit is compiled with, as low_rank's and mimetic's documentation says).
#pragma once

#include "detail/svd.hpp"

// Explicit instantiation definition of what detail/svd.hpp declares extern.
template Eigen::BDCSVD<Eigen::MatrixXd>& Eigen::BDCSVD<Eigen::MatrixXd>::compute(const Eigen::MatrixXd&, unsigned int);
