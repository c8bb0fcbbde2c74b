// he_normal: JAX/Keras preset (scale 2, fan_in, truncated normal)
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  // Keras/JAX kernels are (in, out): the layout says so, and the fans follow
  const nninit::shape s = nninit::shape{128, 256}.with_layout(nninit::layout::in_out);
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::he_normal init;
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "fan_in " << p.fan_in << ", fan_out " << p.fan_out << ", output_std " << p.output_std << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
