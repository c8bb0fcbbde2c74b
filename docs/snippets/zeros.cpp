// zeros: PyTorch zeros_, Keras Zeros
#include <nninit/nninit.hpp>

#include <iostream>

int main() {
  Eigen::MatrixXf w(2, 3);
  nninit::scheme::zeros{}(w);
  std::cout << w << "\n";
}
