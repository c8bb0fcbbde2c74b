// vi3nr: variance-informed init for any activation (pre-activation std sigma_p kept through depth)
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{256, 256};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::vi3nr init;
  init.activation = nninit::activation(nninit::activation_kind::tanh);
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "std " << p.std << ", fixed_point_std " << p.fixed_point_std << ", propagation " << p.propagation << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
