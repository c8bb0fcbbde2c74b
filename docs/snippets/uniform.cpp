// uniform: U[a, b), PyTorch uniform_, Keras RandomUniform
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{256, 128};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::uniform init;
  init.a = -0.1;
  init.b = 0.1;
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "lo " << p.lo << ", hi " << p.hi << ", std " << p.std << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
