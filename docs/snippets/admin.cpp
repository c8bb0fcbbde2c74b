// admin: Admin (Liu et al. 2020), data-free: the base init, and omega = sqrt((n+1)/ln(n+1) - 1) on every post-LN shortcut
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{2048, 512};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::admin init;  // the weights: PyTorch's default, U(+-1/sqrt(fan_in))
  init(w, nninit::engine{42}, s);
  std::cout << "bound " << init.describe(s).hi << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
  // 6 encoder blocks: n = 12 residual sub-layers.
  std::cout << "omega " << nninit::admin_omega(12) << ", o_1 " << nninit::admin_omega(12, nninit::admin_output_change::o_1)
            << "; as a rule: " << nninit::initializer("admin").scalars_for({6, 512, 8, 2048}).shortcut << "\n";
}
