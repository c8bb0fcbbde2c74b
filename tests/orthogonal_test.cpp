#include <doctest/doctest.h>
#include <nninit/nninit.hpp>

#include <Eigen/LU>

#include <cmath>

#include "test_util.hpp"

using nninit::shape;

TEST_CASE_TEMPLATE("orthogonal: W W^T = gain^2 I (wide) and W^T W = gain^2 I (tall)", T, float, double) {
  const double tol = sizeof(T) == 4 ? 2e-6 : 1e-13;
  using M = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  M wide(30, 70), tall(70, 30), square(40, 40);
  nninit::orthogonal(wide, nninit::engine(1), 2.0);
  nninit::orthogonal(tall, nninit::engine(2), 0.5);
  nninit::orthogonal(square, nninit::engine(3));
  CHECK((wide * wide.transpose() / T(4) - M::Identity(30, 30)).cwiseAbs().maxCoeff() < tol);
  CHECK((tall.transpose() * tall / T(0.25) - M::Identity(30, 30)).cwiseAbs().maxCoeff() < tol);
  CHECK((square * square.transpose() - M::Identity(40, 40)).cwiseAbs().maxCoeff() < tol);
  CHECK((square.transpose() * square - M::Identity(40, 40)).cwiseAbs().maxCoeff() < tol);
}

TEST_CASE("orthogonal: Haar-distributed: a 2x2 draw's angle is uniform and its determinant is ±1 equally") {
  // With the sign fix, Q = [[cos t, -s sin t], [sin t, s cos t]] has t ~ U[0, 2 pi) and s = ±1 fair.
  // Without it, diag(R) > 0 forces cos t > 0 half the time more often: the KS test catches that.
  std::vector<double> angles;
  int positive_det = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    Eigen::Matrix2d q;
    nninit::orthogonal(q, nninit::engine(77, static_cast<std::uint64_t>(i)));
    angles.push_back(std::atan2(q(1, 0), q(0, 0)));
    positive_det += q.determinant() > 0;
  }
  const double d = test::ks_statistic(angles, [](double t) { return (t + M_PI) / (2 * M_PI); });
  CHECK(d < test::ks_critical(angles.size()));
  CHECK(std::fabs(positive_det - n / 2.0) <= test::z_bound * std::sqrt(n / 4.0));
}

TEST_CASE("orthogonal: conv weights are flattened to (out, in*k), or to (k*in, out) in the Keras layout") {
  Eigen::MatrixXd torch(16, 8 * 9);
  nninit::orthogonal(torch, nninit::engine(4), 1.0, shape{16, 8, 3, 3});
  CHECK((torch * torch.transpose() - Eigen::MatrixXd::Identity(16, 16)).cwiseAbs().maxCoeff() < 1e-13);
  Eigen::MatrixXd keras(9 * 8, 16);
  nninit::orthogonal(keras, nninit::engine(4), 1.0, shape{3, 3, 8, 16}.with_layout(nninit::layout::in_out));
  CHECK((keras.transpose() * keras - Eigen::MatrixXd::Identity(16, 16)).cwiseAbs().maxCoeff() < 1e-13);
}

TEST_CASE("delta_orthogonal: orthogonal at the centre tap (k - 1) // 2, zero elsewhere") {
  const shape s{8, 5, 4, 3};  // out 8 >= in 5, kernel 4x3: centre tap (1, 1) = 1*3 + 1 = 4
  Eigen::MatrixXd w(8, 5 * 12);
  nninit::delta_orthogonal(w, nninit::engine(5), s, 3.0);
  Eigen::MatrixXd centre(8, 5);
  for (int o = 0; o < 8; ++o)
    for (int i = 0; i < 5; ++i)
      for (int t = 0; t < 12; ++t) {
        if (t == 4) centre(o, i) = w(o, i * 12 + t);
        else REQUIRE(w(o, i * 12 + t) == 0.0);
      }
  CHECK((centre.transpose() * centre / 9.0 - Eigen::MatrixXd::Identity(5, 5)).cwiseAbs().maxCoeff() < 1e-13);
  Eigen::MatrixXd narrow(5, 8 * 12);
  CHECK_THROWS_WITH_AS(nninit::delta_orthogonal(narrow, nninit::engine(5), shape{5, 8, 12}),
                       "nninit::delta_orthogonal: in channels must be <= out channels 5, got 8, for a 5x8x12 target",
                       nninit::init_error);
}
