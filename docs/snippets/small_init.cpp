// small_init: Nguyen & Salazar (2019) / Huang et al.: std = width^-gamma
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{512, 512};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::small_init init;
  init.gamma = 0.5;
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "std " << p.std << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
