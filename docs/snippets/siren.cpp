// siren: Sitzmann et al. (2020): U(+-sqrt(6/fan_in)/omega0), the first layer U(+-1/fan_in)
#include <nninit/nninit.hpp>

#include <iostream>
#include <cmath>

int main() {
  const nninit::shape s{256, 256};
  Eigen::MatrixXf w(s.rows(), s.cols());
  nninit::scheme::siren init;
  init.omega0 = 30.0;
  init(w, nninit::engine{42}, s);
  const nninit::plan p = init.describe(s);
  std::cout << "bound " << p.bound << "\n";
  const double mean = w.cast<double>().mean();
  const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
  std::cout << "mean " << mean << ", std " << sd << ", max |w| " << w.cwiseAbs().maxCoeff() << "\n";
}
