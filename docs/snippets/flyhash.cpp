// flyhash: Dasgupta et al. (2017): each row reads floor(alpha d) random inputs (0/1 wiring)
#include <nninit/nninit.hpp>

#include <iostream>

int main() {
  Eigen::MatrixXf w(4, 20);
  nninit::scheme::flyhash init;
  init.connections = 3;
  init(w, nninit::engine{42});
  std::cout << w << "\n";
}
