// arch_aware: architecture-aware init for a NAS cell edge whose source has in-degree 3
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{128, 128};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::arch_aware init;
  init.degree = 3;
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "value " << p.value << ", std " << p.std << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
