// olmo_mitchell: OLMo's mitchell init: 1/sqrt(d), output layers 1/sqrt(2 d (l+1)), truncated at 3 std
#include <nninit/nninit.hpp>

#include <iostream>

int main() {
  // OLMo-7B: d = 4096, FFN output fan_in 11008.
  nninit::scheme::olmo_mitchell init;
  init.role = nninit::layer_role::attention_out;
  for (nninit::index l : {0, 1, 31}) {
    init.block = l;
    std::cout << "attn_out block " << l << " std " << init.describe({4096, 4096}).std << "\n";
  }
  init.role = nninit::layer_role::ffn_out, init.block = 0;
  const nninit::plan p = init.describe({4096, 11008});
  std::cout << "ff_out block 0 std " << p.std << ", cut at +-" << p.hi << "\n";
  Eigen::MatrixXf w(256, 256);
  init.role = nninit::layer_role::query;
  init(w, nninit::engine{42});
  std::cout << "q of d 256: max |w| " << w.cwiseAbs().maxCoeff() << " <= " << 3 / 16.0 << "\n";
}
