// nninit: the one SVD the library takes (Eigen::BDCSVD<Eigen::MatrixXd>: low_rank, mimetic, the
// harness's Jacobian spectra), declared extern when NNINIT_EXTERN_SVD is defined so that a program
// compiles it once (nninit/compile_once.hpp).
#pragma once

#include <Eigen/SVD>

#ifdef NNINIT_EXTERN_SVD
// BDCSVD's compute is about half of the compile time of a translation unit that fills through
// nninit::initializer (26 of 52 s at g++ -O3): with this declaration such a unit leaves it to the
// one unit that includes nninit/compile_once.hpp. Only compute: an extern declaration of the whole
// class template made g++ 12 take ten times longer, not less.
extern template Eigen::BDCSVD<Eigen::MatrixXd>& Eigen::BDCSVD<Eigen::MatrixXd>::compute(const Eigen::MatrixXd&,
                                                                                         unsigned int);
#endif
