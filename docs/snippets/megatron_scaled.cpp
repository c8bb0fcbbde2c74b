// megatron_scaled: Megatron-LM's scaled_init_method_normal: sigma/sqrt(2 num_layers)
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{1024, 4096};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::megatron_scaled init;
  init.layers = 24;
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "std " << p.std << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
