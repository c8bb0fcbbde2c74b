// xavier_uniform: Glorot & Bengio (2010) eq. 16, PyTorch xavier_uniform_
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{256, 128};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::xavier_uniform init;
  init.gain = nninit::calculate_gain(nninit::nonlinearity::tanh);
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "fan_in " << p.fan_in << ", fan_out " << p.fan_out << ", bound " << p.bound << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
