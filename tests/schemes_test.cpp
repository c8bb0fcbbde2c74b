// Per-scheme formulas and exact values.
#include <doctest/doctest.h>
#include <nninit/nninit.hpp>

#include <cmath>

#include "test_util.hpp"

using nninit::shape;
namespace s = nninit::scheme;

TEST_CASE("xavier and kaiming: std and bound follow PyTorch's arithmetic to the bit") {
  const auto xu = s::xavier_uniform{{{}, 2.5}}.describe(shape{8, 4, 3, 3});
  CHECK(xu.std == 2.5 * std::sqrt(2.0 / (36.0 + 72.0)));
  CHECK(xu.bound == std::sqrt(3.0) * xu.std);
  CHECK(xu.lo == -xu.bound);
  const auto kn = s::kaiming_normal{{{}, 0.0, nninit::fan_mode::fan_out, nninit::nonlinearity::relu}}.describe(shape{64, 3, 3, 3});
  CHECK(kn.fan_out == 576);
  CHECK(kn.std == std::sqrt(2.0) / std::sqrt(576.0));
  CHECK(kn.gain == std::sqrt(2.0));
  const auto ku = s::kaiming_uniform{{{}, std::sqrt(5.0)}}.describe(shape{10, 25});
  CHECK(ku.bound == doctest::Approx(0.2).epsilon(1e-15));  // the a = sqrt(5) idiom is U(±1/sqrt(fan_in))
  CHECK(s::torch_default{}.describe(shape{10, 25}).bound == ku.bound);
}

TEST_CASE("variance_scaling: the hub, named schemes equal their variance_scaling form to 2 ulp") {
  const shape w{48, 16, 3};
  auto same = [&](const nninit::plan& a, const nninit::plan& b) {
    CHECK(a.dist == b.dist);
    CHECK(a.output_std == doctest::Approx(b.output_std).epsilon(5e-16));
    CHECK(a.fan_in == b.fan_in);
    CHECK(a.fan_out == b.fan_out);
  };
  same(s::xavier_uniform{{{}, 1.7}}.describe(w), s::xavier_uniform{{{}, 1.7}}.as_variance_scaling().describe(w));
  same(s::xavier_normal{}.describe(w), s::xavier_normal{}.as_variance_scaling().describe(w));
  s::kaiming_uniform ku;
  ku.mode = nninit::fan_mode::fan_out;
  ku.nonlinearity = nninit::nonlinearity::tanh;
  same(ku.describe(w), ku.as_variance_scaling().describe(w));
  same(s::kaiming_normal{}.describe(w), s::kaiming_normal{}.as_variance_scaling().describe(w));
  // JAX formulas: lecun_uniform bound sqrt(3/fan_in); fan_geo_avg uses sqrt(fan_in fan_out).
  CHECK(s::lecun_uniform{}.describe(w).bound == std::sqrt(3 * (1.0 / 48)));
  const auto geo = s::variance_scaling{{}, 2.0, nninit::fan_mode::fan_geo_avg, nninit::variance_distribution::normal}
                       .describe(shape{4, 9});
  CHECK(geo.std == std::sqrt(2.0 / 6.0));
}

TEST_CASE("constant, zeros, ones, eye: exact values on any target, including blocks") {
  Eigen::MatrixXf w = Eigen::MatrixXf::Constant(3, 5, 9);
  nninit::eye(w);
  CHECK(w == Eigen::MatrixXf::Identity(3, 5));
  Eigen::MatrixXd tall(5, 3);
  nninit::eye(tall, 2.0);
  CHECK(tall == 2.0 * Eigen::MatrixXd::Identity(5, 3));
  nninit::ones(w.col(1));
  CHECK(w.col(1) == Eigen::VectorXf::Ones(3));
  nninit::constant(w, -0.125);
  CHECK((w.array() == -0.125f).all());
  nninit::zeros(w);
  CHECK(w.isZero(0));
  // A block of the identity at an offset is the same block of the whole identity.
  Eigen::MatrixXf part(2, 2);
  nninit::scheme::eye{}(part, shape{4, 4}.at(1, 1));
  CHECK(part == Eigen::MatrixXf::Identity(2, 2));
}

TEST_CASE("dirac: PyTorch's (6, 4, 3, 3) with groups 2 is two stacked 3x4 partial identities at the centre") {
  Eigen::MatrixXf w(6, 4 * 9);
  nninit::dirac(w, shape{6, 4, 3, 3}, 2);
  for (int o = 0; o < 6; ++o)
    for (int i = 0; i < 4; ++i)
      for (int t = 0; t < 9; ++t) {
        const float expected = (t == 4 && i == o % 3) ? 1.0f : 0.0f;
        REQUIRE(w(o, i * 9 + t) == expected);
      }
  // The shape's groups are used when the scheme's are not given.
  Eigen::MatrixXf same(6, 36);
  nninit::scheme::dirac{}(same, shape{6, 4, 3, 3}.with_groups(2));
  CHECK(same == w);
}

TEST_CASE("dirac: an even kernel's centre is k // 2 (PyTorch), and convolving with it copies the input") {
  Eigen::MatrixXd w(3, 3 * 4);
  nninit::dirac(w, shape{3, 3, 4});
  for (int o = 0; o < 3; ++o) CHECK(w(o, o * 4 + 2) == 1.0);
  CHECK(w.sum() == 3.0);
  // 1-D conv (cross-correlation, 'same' padding left = k//2) of a signal with the Dirac kernel is the identity.
  Eigen::MatrixXd x = Eigen::MatrixXd::Random(3, 10);
  for (int o = 0; o < 3; ++o)
    for (int p = 0; p < 10; ++p) {
      double y = 0;
      for (int i = 0; i < 3; ++i)
        for (int t = 0; t < 4; ++t) {
          const int q = p + t - 2;
          if (q >= 0 && q < 10) y += w(o, i * 4 + t) * x(i, q);
        }
      CHECK(y == x(o, p));
    }
}

TEST_CASE("sparse: exactly ceil(sparsity * rows) zeros in every column, non-zeros are N(0, std^2)") {
  Eigen::MatrixXd w(1000, 300);
  nninit::sparse(w, nninit::engine(3), 0.1234, 0.5);
  for (int c = 0; c < 300; ++c) REQUIRE((w.col(c).array() == 0).count() == 124);
  std::vector<double> nonzero;
  for (double x : test::values(w))
    if (x != 0) nonzero.push_back(x);
  const auto m = test::moments_of(nonzero);
  test::check_mean(m, 0, 0.5);
  test::check_variance(m, 0.5);
  // Which rows are zeroed differs between columns (a random subset per column, as PyTorch).
  CHECK((w.col(0).array() == 0).matrix() != (w.col(1).array() == 0).matrix());
}

TEST_CASE("torch_default: weight U(±1/sqrt(fan_in)), bias from the same bound, zeros when fan_in is 0") {
  Eigen::MatrixXf weight(64, 3 * 9);
  Eigen::VectorXf bias(64);
  nninit::torch_default(weight, bias, nninit::engine(9), shape{64, 3, 3, 3});
  const float bound = static_cast<float>(1 / std::sqrt(27.0));
  CHECK(weight.cwiseAbs().maxCoeff() <= bound);
  CHECK(bias.cwiseAbs().maxCoeff() <= bound);
  CHECK(weight.cwiseAbs().maxCoeff() > 0.9f * bound);
  CHECK(bias.cwiseAbs().maxCoeff() > 0.5f * bound);
  // A Linear(0, 3): the weight is empty, the bias is zeros (PyTorch's Linear does the same).
  Eigen::MatrixXf empty(3, 0);
  Eigen::VectorXf b3 = Eigen::VectorXf::Constant(3, 5);
  nninit::torch_default(empty, b3, nninit::engine(9));
  CHECK(b3.isZero(0));
}

TEST_CASE("zero-element targets are a no-op, after the options are validated") {
  Eigen::MatrixXf empty(0, 5);
  nninit::kaiming_normal(empty, nninit::engine(1));
  nninit::xavier_uniform(empty, nninit::engine(1));
  nninit::orthogonal(empty, nninit::engine(1));
  nninit::sparse(empty, nninit::engine(1), 0.5);
  CHECK(empty.size() == 0);
  CHECK_THROWS_AS(nninit::normal(empty, nninit::engine(1), 0.0, -1.0), nninit::init_error);
}
