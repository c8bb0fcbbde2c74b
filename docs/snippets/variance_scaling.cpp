// variance_scaling: Var = scale / n, JAX/Keras VarianceScaling
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{64, 32, 3, 3};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::variance_scaling init;
  init.scale = 2.0;
  init.mode = nninit::fan_mode::fan_in;
  init.distribution = nninit::variance_distribution::truncated_normal;
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "fan_in " << p.fan_in << ", std " << p.std << ", bound " << p.bound << ", output_std " << p.output_std << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
