// completep: CompleteP (Dey et al. 2025): branches times (L/L_base)^-1, μP widths, and AdamW groups
#include <nninit/nninit.hpp>

#include <iostream>

int main() {
  nninit::initializer rule("completep");
  rule.set("base_depth", "2");
  rule.set("base_width", "256");
  const nninit::transformer_structure net{8, 1024, 16, 4096};  // m_L = 4, m_d = 4
  const nninit::transformer_scalars k = rule.scalars_for(net);
  std::cout << "branch x" << k.branch << ", attention scale " << k.attention_scale << ", logits x" << k.output << "\n";
  const nninit::layer_site q{nninit::layer_role::query, {}, 0, 3, net};
  std::cout << "q std " << rule.for_layer(q).describe({1024, 1024}).std << "\n";
  const nninit::optimizer_multipliers g = rule.optimizer_for(nninit::parameter_kind::weight, q, nninit::optimizer_family::adam);
  std::cout << "q: lr x" << g.learning_rate << ", eps x" << g.eps << ", weight decay x" << g.weight_decay << "\n";
  Eigen::MatrixXf w(1024, 1024);
  rule.for_layer(q).fill(w, nninit::engine{42});
  std::cout << "max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
