// skipinit: De & Smith (2020): He weights; every residual branch's multiplier starts at alpha = 0
#include <nninit/nninit.hpp>

#include <iostream>

int main() {
  nninit::initializer skip("skipinit");
  Eigen::MatrixXf w(128, 128);
  skip.fill(w, nninit::engine{42});  // a branch weight: N(0, 2/128)
  // The scalars its network form puts around each branch, and what they start at.
  const nninit::residual_parameters scalars = skip.residual_parameters();
  const auto alpha = skip.for_parameter(nninit::parameter_kind::multiplier, nninit::layer_role::branch_last);
  std::cout << "std " << skip.describe(nninit::shape{128, 128}).std << ", multiplier per branch: "
            << (scalars.multiplier ? "yes" : "no") << ", starting at " << alpha.value << "\n";
}
