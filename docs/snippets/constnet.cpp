// constnet: ConstNet (Blumenfeld et al. 2020): 1/in everywhere (the centre tap of a conv)
#include <nninit/nninit.hpp>

#include <iostream>

int main() {
  Eigen::MatrixXf w(3, 4);
  nninit::scheme::constnet{}(w);
  std::cout << w << "\n";
}
