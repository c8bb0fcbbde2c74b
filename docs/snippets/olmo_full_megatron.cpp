// olmo_full_megatron: OLMo's full_megatron: 0.02, output layers 0.02/sqrt(2L), readout 1/sqrt(d), truncated at 3 std
#include <nninit/nninit.hpp>

#include <iostream>

int main() {
  nninit::scheme::olmo_full_megatron init;
  init.role = nninit::layer_role::ffn_out;
  for (nninit::index n : {12, 16, 32}) {
    init.layers = n;
    std::cout << "n_layers " << n << ": output std " << init.describe({2048, 8192}).std << "\n";
  }
  init.role = nninit::layer_role::classifier;
  std::cout << "readout std " << init.describe({50304, 2048}).std << "\n";
  Eigen::MatrixXf w(64, 64);
  init.role = nninit::layer_role::query;
  init(w, nninit::engine{42});
  std::cout << "max |w| " << w.cwiseAbs().maxCoeff() << " <= 0.06\n";
}
