// idinit: IDInit (Pan et al. 2024): the padded identity IDI_tau
#include <nninit/nninit.hpp>

#include <iostream>

int main() {
  Eigen::MatrixXf w(6, 4);
  nninit::scheme::idinit{}(w);
  std::cout << w << "\n";
}
