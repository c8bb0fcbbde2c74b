// sparse: Martens (2010), PyTorch sparse_: ceil(sparsity rows) zeros per column
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{100, 50};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::sparse init;
  init.sparsity = 0.9;
  init.std = 0.01;
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "zeros_per_column " << p.zeros_per_column << ", std " << p.std << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
