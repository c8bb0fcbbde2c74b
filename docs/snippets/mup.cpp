// mup: muP (Yang et al. 2022): a hidden weight's std scaled by sqrt(base_fan_in / fan_in)
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{1024, 1024};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::mup init;
  init.role = nninit::mup_role::hidden;
  init.base_fan_in = 256;
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "std " << p.std << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
