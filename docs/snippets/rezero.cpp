// rezero: Bachlechner et al. (2021): x + alpha F(x) with alpha = 0, He weights
#include <nninit/nninit.hpp>

#include <iostream>

int main() {
  const nninit::initializer rezero("rezero");
  for (const auto kind : {nninit::parameter_kind::multiplier, nninit::parameter_kind::bias, nninit::parameter_kind::norm_gain})
    std::cout << nninit::detail::name_of(kind) << ": "
              << rezero.for_parameter(kind, nninit::layer_role::branch_last).value << "\n";
}
