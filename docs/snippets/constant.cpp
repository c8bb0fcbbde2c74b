// constant: every element the value (PyTorch constant_, Keras Constant)
#include <nninit/nninit.hpp>

#include <iostream>

int main() {
  Eigen::MatrixXf w(2, 3);
  nninit::scheme::constant init;
  init.val = 0.5;
  init(w);
  std::cout << w << "\n";
}
