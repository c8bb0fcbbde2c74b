// depth_scaled_trunc_normal: torchtitan's depth init: std/sqrt(2 (layer_id + 1)), truncated
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{1024, 1024};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::depth_scaled_trunc_normal init;
  init.layer_id = 5;
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "std " << p.std << ", lo " << p.lo << ", hi " << p.hi << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
