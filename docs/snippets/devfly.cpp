// devfly: DevFly (Ryali et al. 2020, method 1): each unit reads the top-c inputs of a sample
#include <nninit/nninit.hpp>

#include <iostream>

int main() {
  Eigen::MatrixXd data(4, 6);  // 4 samples, 6 inputs
  data << 1, 5, 2, 0, 3, 4,
          0, 1, 9, 8, 2, 3,
          7, 0, 1, 2, 6, 5,
          2, 2, 3, 9, 1, 0;
  Eigen::MatrixXf w(3, 6);  // 3 units
  nninit::scheme::devfly init;
  init.connections = 2;
  init(w, data);
  std::cout << w << "\n";
}
