// eye: the identity, PyTorch eye_ (non-square: the leading diagonal)
#include <nninit/nninit.hpp>

#include <iostream>

int main() {
  Eigen::MatrixXf w(3, 5);
  nninit::eye(w);
  std::cout << w << "\n";
}
