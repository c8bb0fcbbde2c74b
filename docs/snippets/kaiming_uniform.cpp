// kaiming_uniform: He et al. (2015) eq. 10, PyTorch kaiming_uniform_
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{64, 32, 3, 3};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::kaiming_uniform init;
  init.nonlinearity = nninit::nonlinearity::relu;
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "fan_in " << p.fan_in << ", gain " << p.gain << ", bound " << p.bound << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
