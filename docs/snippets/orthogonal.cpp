// orthogonal: Saxe et al. (2014), PyTorch orthogonal_, Keras Orthogonal, JAX orthogonal
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{128, 256};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::orthogonal init;
  init.gain = 1.0;
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "value " << p.value << "\n";
  const double err = (w * w.transpose() - Eigen::MatrixXf::Identity(128, 128)).cwiseAbs().maxCoeff();
  std::cout << "max |W W^T - I| " << err << "\n";
}
