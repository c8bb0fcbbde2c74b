// low_rank: the rank-r truncated SVD of a N(0, g^2/fan_in) draw, at its Frobenius norm
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{128, 64};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::low_rank init;
  init.rank = 8;
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "value " << p.value << ", std " << p.std << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
  std::cout << "rank " << Eigen::FullPivLU<Eigen::MatrixXf>(w).rank() << "\n";
}
