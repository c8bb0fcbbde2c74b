// zero_gamma: Goyal et al. (2017), torchvision's zero_init_residual: the last norm gain of each branch is 0
#include <nninit/nninit.hpp>

#include <iostream>

int main() {
  nninit::initializer init("zero_gamma");
  init.set("mode", "fan_out");  // torchvision's ResNets
  for (const auto role : {nninit::layer_role::branch_first, nninit::layer_role::branch_last})
    std::cout << nninit::detail::name_of(role) << " norm gain "
              << init.for_parameter(nninit::parameter_kind::norm_gain, role).value << "\n";
  std::cout << "conv std " << init.describe(nninit::shape{64, 64, 3, 3}).std << "\n";
}
