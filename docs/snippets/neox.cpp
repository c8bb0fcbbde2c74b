// neox: GPT-NeoX's two init slots as the Pythia configs set them: small_init, and wang_init on the output layers
#include <nninit/nninit.hpp>

#include <iostream>

int main() {
  const nninit::transformer_structure pythia160m{12, 768, 12, 3072};
  const nninit::initializer rule("neox");
  for (auto role : {nninit::layer_role::query, nninit::layer_role::attention_out, nninit::layer_role::ffn_in,
                    nninit::layer_role::ffn_out, nninit::layer_role::embedding}) {
    const nninit::shape s = role == nninit::layer_role::ffn_in    ? nninit::shape{3072, 768}
                            : role == nninit::layer_role::ffn_out ? nninit::shape{768, 3072}
                            : role == nninit::layer_role::embedding ? nninit::shape{50304, 768}
                                                                    : nninit::shape{768, 768};
    std::cout << nninit::detail::name_of(role) << " std "
              << rule.for_layer(nninit::layer_site{role, {}, 0, 0, pythia160m}).describe(s).std << "\n";
  }
  Eigen::MatrixXf w(768, 768);
  nninit::scheme::neox{}(w, nninit::engine{42});  // init_method: small_init
  std::cout << "max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
