// neox_small_init: GPT-NeoX's small_init, N(0, 2/(5d)) (Pythia's init_method)
#include <nninit/nninit.hpp>

#include <cmath>
#include <iostream>

int main() {
  const nninit::shape s{768, 768};  // a Pythia-160M projection, d = 768
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::neox_small_init(w, nninit::engine{42});
  const double sd = std::sqrt(w.cast<double>().array().square().mean());
  std::cout << "std " << nninit::scheme::neox_small_init{}.describe(s).std << ", measured " << sd << "\n";
}
