// gpt2: nanoGPT's init: N(0, 0.02^2), residual projections N(0, (0.02/sqrt(2 n_layer))^2)
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{768, 3072};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::gpt2 init;
  init.residual_projection = true;
  init.layers = 12;
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "std " << p.std << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
