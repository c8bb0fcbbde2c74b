// winner: SIREN plus Gaussian noise on the first two weight matrices (WINNER)
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{256, 2};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::winner init;
  init.layer = 0;
  init.s0 = 100.0;
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "lo " << p.lo << ", hi " << p.hi << ", std " << p.std << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
