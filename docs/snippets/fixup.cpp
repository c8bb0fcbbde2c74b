// fixup: Zhang et al. (2019): He init scaled by L^(-1/(2m-2)) inside residual branches
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{64, 64, 3, 3};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::fixup init;
  init.branches = 16;
  init.layers_per_branch = 2;
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "value " << p.value << ", std " << p.std << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
