// trunc_normal: N(mean, std^2) on [a, b], PyTorch trunc_normal_ (absolute bounds) or JAX (std_units)
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{256, 128};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::trunc_normal init;
  init.std = 0.02;
  init.a = -0.04;
  init.b = 0.04;
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "std " << p.std << ", lo " << p.lo << ", hi " << p.hi << ", output_std " << p.output_std << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
