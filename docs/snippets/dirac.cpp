// dirac: the Dirac delta at the centre tap, PyTorch dirac_(groups)
#include <nninit/nninit.hpp>

#include <iostream>

int main() {
  // a (4, 2, 3) conv1d weight with 2 groups, as its (4, 6) matrix view
  const nninit::shape s{4, 2, 3};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::dirac init;
  init.groups = 2;
  init(w, s);
  std::cout << w << "\n";
}
