// zero_hadamard: ZerO (Zhao et al. 2022): identity or a scaled Hadamard block, deterministic
#include <nninit/nninit.hpp>

#include <iostream>

int main() {
  Eigen::MatrixXf w(8, 4);  // out > in: the Hadamard factor
  nninit::scheme::zero_hadamard{}(w);
  std::cout << w << "\n";
}
