// kaiming_normal: He et al. (2015) eq. 14 with mode fan_out, PyTorch kaiming_normal_
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{64, 32, 3, 3};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::kaiming_normal init;
  init.mode = nninit::fan_mode::fan_out;
  init.nonlinearity = nninit::nonlinearity::relu;
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "fan_out " << p.fan_out << ", gain " << p.gain << ", std " << p.std << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
