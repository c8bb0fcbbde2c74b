// torch_default: PyTorch's nn.Linear / nn.Conv* default, U(+-1/sqrt(fan_in))
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{64, 32, 3, 3};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::torch_default init;
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "fan_in " << p.fan_in << ", bound " << p.bound << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
  Eigen::VectorXf bias(64);
  nninit::torch_default_bias(bias, nninit::engine{42}, s);  // the bias, same bound
  std::cout << "max |bias| " << bias.cwiseAbs().maxCoeff() << "\n";
}
