// ones: PyTorch ones_, Keras Ones
#include <nninit/nninit.hpp>

#include <iostream>

int main() {
  Eigen::MatrixXf w(2, 3);
  nninit::scheme::ones{}(w);
  std::cout << w << "\n";
}
