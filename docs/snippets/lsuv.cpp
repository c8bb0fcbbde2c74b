// lsuv: Mishkin & Matas (2016): orthonormal pre-init, then each layer rescaled to unit output variance on a batch
#include <nninit/nninit.hpp>

#include <iostream>

int main() {
  // A two-layer tanh network of our own: LSUV calls its forward, one layer at a time.
  Eigen::MatrixXf w1(64, 32), w2(10, 64), x(32, 256), z1, z2;
  nninit::normal(x, nninit::engine{7}, 0.0, 3.0);  // the calibration batch, one example per column
  std::vector<nninit::lsuv_layer> layers = {nninit::lsuv_target("fc1", w1), nninit::lsuv_target("fc2", w2)};
  const auto forward = [&](nninit::index k, nninit::lsuv_measure) -> const Eigen::MatrixXf& {
    if (k == 0) return z1 = w1 * x;                   // layer 0's input is the batch
    return z2 = w2 * z1.array().tanh().matrix();      // layer 1's is layer 0's final output
  };
  const nninit::lsuv_report report = nninit::lsuv(layers, forward, nninit::lsuv_options{}, nninit::engine{42});
  std::cout << report.text() << "\n";
  for (const auto& l : report.layers)
    std::cout << l.name << ": variance " << l.variance << " after " << l.iterations << " rescale(s), scale " << l.scale << "\n";
}
