// t_fixup: T-Fixup (Huang et al. 2020): no LayerNorm, Xavier scaled by 0.67 N^-1/4, embeddings by (9N)^-1/4
#include <nninit/nninit.hpp>

#include <iostream>

int main() {
  // The value projection of a 6-block encoder, d = 512 (transformer_iwslt_de_en).
  const nninit::shape s{512, 512};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::t_fixup(w, nninit::engine{42}, nninit::layer_role::value, 6);
  std::cout << "encoder scale " << nninit::t_fixup_block_scale(nninit::t_fixup_stack::encoder, 6) << ", embedding scale "
            << nninit::t_fixup_embedding_scale(6) << "\n";
  std::cout << "v bound " << nninit::scheme::t_fixup{{}, nninit::layer_role::value, {}, 6}.describe(s).hi << ", max |w| "
            << w.cwiseAbs().maxCoeff() << "\n";
  // As a network rule: no norms, and the token table read times sqrt(d).
  const nninit::transformer_scalars k = nninit::initializer("t_fixup").scalars_for({6, 512, 4, 1024});
  std::cout << "form " << nninit::detail::name_of(k.form) << ", embedding x" << k.embedding << "\n";
}
