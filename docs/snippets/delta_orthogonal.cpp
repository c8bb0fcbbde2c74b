// delta_orthogonal: Xiao et al. (2018), JAX delta_orthogonal: an orthogonal matrix at the centre tap
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{64, 32, 3, 3};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::delta_orthogonal init;
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "value " << p.value << "\n";
  std::cout << "non-zero entries " << (w.array() != 0).count() << " of " << w.size() << " (one tap of 9)\n";
}
