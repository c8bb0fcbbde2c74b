// wang_init: GPT-NeoX's wang_init, N(0, (2/(L sqrt(d)))^2) (Pythia's output_layer_init_method)
#include <nninit/nninit.hpp>

#include <cmath>
#include <iostream>

int main() {
  const nninit::shape s{768, 3072};  // the FFN's second matrix of a 12-block d = 768 model
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::wang_init(w, nninit::engine{42}, 12);
  const double sd = std::sqrt(w.cast<double>().array().square().mean());
  std::cout << "std " << nninit::scheme::wang_init{{}, 12, 0}.describe(s).std << " (GPT-2's c_proj: " << 0.02 / std::sqrt(24.0)
            << "), measured " << sd << "\n";
}
