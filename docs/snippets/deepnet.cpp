// deepnet: DeepNet (Wang et al. 2022): Xavier-normal with gain beta on v, o and the FFN, and the planned shortcut alpha
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  // One value projection of a 12-block decoder-only model, d = 512.
  const nninit::shape s{512, 512};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::deepnet init;
  init.architecture = nninit::deepnet_architecture::decoder;
  init.decoder_layers = 12;
  init(w, nninit::engine{42}, s);
  const nninit::deepnet_constants k = init.constants();
  std::cout << "alpha " << k.alpha << ", beta " << k.beta << ", std " << init.describe(s).std << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
  // As a network rule: q and k get gain 1, every block's shortcut alpha (post-LN).
  const nninit::initializer rule("deepnet");
  const nninit::transformer_scalars t = rule.scalars_for({12, 512, 8, 2048});
  std::cout << "shortcut " << t.shortcut << ", q std "
            << rule.for_layer(nninit::layer_site{nninit::layer_role::query, {}, 0, 0, {12, 512, 8, 2048}}).describe(s).std << "\n";
}
