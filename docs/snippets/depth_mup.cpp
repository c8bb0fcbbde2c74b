// depth_mup: depth-μP (Yang et al. 2023): branches times 1/sqrt(L/L_base), Adam's hidden lr times 1/sqrt(m_L)
#include <nninit/nninit.hpp>

#include <iostream>

int main() {
  nninit::initializer rule("depth_mup");
  rule.set("base_depth", "2");
  const nninit::transformer_structure net{8, 256, 4, 1024};
  std::cout << "branch x" << rule.scalars_for(net).branch << ", hidden lr x"
            << rule.optimizer_for(nninit::parameter_kind::weight, {nninit::layer_role::ffn_in, {}, 0, 0, net},
                                  nninit::optimizer_family::adam)
                   .learning_rate
            << "\n";
  Eigen::MatrixXf w(256, 256);
  nninit::scheme::depth_mup{}(w, nninit::engine{42});
  std::cout << "std " << nninit::scheme::depth_mup{}.describe({256, 256}).std << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
