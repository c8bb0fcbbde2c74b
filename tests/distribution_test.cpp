// The samplers' distributions: moments and KS statistics with bounds derived from n (fixed seeds).
#include <doctest/doctest.h>
#include <nninit/nninit.hpp>

#include <cmath>
#include <limits>
#include <utility>

#include "test_util.hpp"

namespace {
const nninit::engine dist_eng(7, 11);
constexpr int side = 1024;  // 2^20 samples per test
}  // namespace

TEST_CASE_TEMPLATE("uniform: U(a, b) half-open by KS and moments, never b, never NaN", T, float, double) {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> w(side, side);
  nninit::uniform(w, dist_eng, -0.5, 1.5);
  const auto v = test::values(w);
  const auto m = test::moments_of(v);
  test::check_mean(m, 0.5, 2 / std::sqrt(12.0));
  test::check_variance(m, 2 / std::sqrt(12.0), 1.8);
  CHECK(m.min >= -0.5);
  CHECK(m.max < 1.5);
  CHECK(w.allFinite());
  const double d = test::ks_statistic(v, [](double x) { return std::clamp((x + 0.5) / 2, 0.0, 1.0); });
  CHECK(d < test::ks_critical(v.size()));
}

TEST_CASE_TEMPLATE("uniform: rounding never reaches b, even when the interval holds a single value", T, float, double) {
  const T a = 1, b = std::nextafter(a, T(2));
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> w(64, 64);
  nninit::uniform(w, dist_eng, a, b);
  CHECK((w.array() == a).all());
  nninit::uniform(w, dist_eng, 3, 3);  // a == b fills the constant, as PyTorch does
  CHECK((w.array() == T(3)).all());
}

TEST_CASE_TEMPLATE("normal: N(mean, std^2) by KS and moments, and the mass beyond 3 sigma is binomial", T, float, double) {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> w(side, side);
  nninit::normal(w, dist_eng, 0.25, 2.0);
  const auto v = test::values(w);
  const auto m = test::moments_of(v);
  test::check_mean(m, 0.25, 2.0);
  test::check_variance(m, 2.0);
  CHECK(w.allFinite());
  const double d = test::ks_statistic(v, [](double x) { return test::phi((x - 0.25) / 2.0); });
  CHECK(d < test::ks_critical(v.size()));
  // P(|z| > 3) = 0.0026998; the count is binomial, sd = sqrt(n p (1 - p)).
  const double p = 2 * test::phi(-3), n = static_cast<double>(v.size());
  double beyond = 0;
  for (double x : v) beyond += std::fabs(x - 0.25) > 6.0;
  CHECK(std::fabs(beyond - n * p) <= test::z_bound * std::sqrt(n * p * (1 - p)));
  nninit::normal(w, dist_eng, 3.0, 0.0);  // std 0 fills the mean
  CHECK((w.array() == T(3)).all());
}

namespace {
double truncated_cdf(double x, double mean, double std, double a, double b) {
  const double lo = test::phi((a - mean) / std), hi = test::phi((b - mean) / std);
  return std::clamp((test::phi((x - mean) / std) - lo) / (hi - lo), 0.0, 1.0);
}
}  // namespace

TEST_CASE_TEMPLATE("trunc_normal: PyTorch convention (absolute bounds, pre-truncation std) by KS and moments", T, float, double) {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> w(side, side);
  nninit::trunc_normal(w, dist_eng, 0.5, 1.0, -1.0, 2.0);
  const auto v = test::values(w);
  const auto m = test::moments_of(v);
  CHECK(m.min >= -1.0);
  CHECK(m.max <= 2.0);
  const auto plan = nninit::scheme::trunc_normal{{}, 0.5, 1.0, -1.0, 2.0}.describe(nninit::shape{side, side});
  test::check_variance(m, plan.output_std);
  const double d = test::ks_statistic(v, [](double x) { return truncated_cdf(x, 0.5, 1.0, -1.0, 2.0); });
  CHECK(d < test::ks_critical(v.size()));
  // Tail mass: standardised, the bounds are alpha = -1.5 and beta = 1.5; the count above x = 1.25
  // (z = 0.75) is binomial with p = (Phi(1.5) - Phi(0.75)) / (Phi(1.5) - Phi(-1.5)).
  const double p_tail = (test::phi(1.5) - test::phi(0.75)) / (test::phi(1.5) - test::phi(-1.5)), n = static_cast<double>(v.size());
  double above = 0;
  for (double x : v) above += x > 1.25;
  CHECK(std::fabs(above - n * p_tail) <= test::z_bound * std::sqrt(n * p_tail * (1 - p_tail)));
  // The default standard case: the truncated std of N(0,1) on [-2, 2] is 0.8796256610342398.
  CHECK(nninit::scheme::trunc_normal{}.describe(nninit::shape{2, 2}).output_std ==
        doctest::Approx(0.87962566103423978).epsilon(1e-10));
}

TEST_CASE_TEMPLATE("trunc_normal: small std with the default bounds has no far-out values (pytorch#155588)", T, float, double) {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> w(side, side);
  nninit::trunc_normal(w, dist_eng, 0.0, 0.001);
  const auto v = test::values(w);
  const auto m = test::moments_of(v);
  // 2^20 normal draws: the largest |z| is about 5; 7 sigma would be a 1e-12 event.
  CHECK(std::max(-m.min, m.max) < 0.007);
  test::check_variance(m, 0.001);
  const double d = test::ks_statistic(v, [](double x) { return test::phi(x / 0.001); });
  CHECK(d < test::ks_critical(v.size()));
}

TEST_CASE_TEMPLATE("trunc_normal: a far tail from 3 to 9 and a one-sided tail below -4 are sampled exactly", T, float, double) {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> w(512, 512);
  nninit::trunc_normal(w, dist_eng, 0.0, 1.0, 3.0, 9.0);
  auto v = test::values(w);
  auto m = test::moments_of(v);
  CHECK(m.min >= 3.0);
  CHECK(m.max <= 9.0);
  CHECK(test::ks_statistic(v, [](double x) { return truncated_cdf(x, 0, 1, 3, 9); }) < test::ks_critical(v.size()));
  nninit::trunc_normal(w, dist_eng, 0.0, 1.0, -INFINITY, -4.0);
  v = test::values(w);
  m = test::moments_of(v);
  CHECK(m.max <= -4.0);
  CHECK(w.allFinite());
  CHECK(test::ks_statistic(v, [](double x) { return std::clamp(test::phi(x) / test::phi(-4), 0.0, 1.0); }) <
        test::ks_critical(v.size()));
}

TEST_CASE_TEMPLATE("trunc_normal: the accept-or-redraw sampler at its limit (half the mass inside) by KS and tail counts", T, float, double) {
  // At Z = 1/2 about half the values are redraws, so a redraw law off by anything would show.
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> w(side, side);
  const double n = static_cast<double>(w.size());
  const double inf = std::numeric_limits<double>::infinity();
  for (const auto& bounds : {std::pair{0.0, inf}, std::pair{-0.6745, 0.6745}, std::pair{-0.6, 0.6}}) {
    const double a = bounds.first, b = bounds.second;
    INFO("[" << a << ", " << b << "]");  // the third holds 45 % of the mass: the inverse CDF throughout
    nninit::trunc_normal(w, dist_eng, 0.0, 1.0, a, b);
    const auto v = test::values(w);
    const auto m = test::moments_of(v);
    CHECK(m.min >= a);
    CHECK(m.max <= b);
    CHECK(test::ks_statistic(v, [&](double x) { return truncated_cdf(x, 0, 1, a, b); }) < test::ks_critical(v.size()));
    // The count above a point near the top of the interval is binomial, p its share of the mass.
    const double cut = std::isfinite(b) ? b - 0.1 : 2.0;
    const double p = (test::phi(b) - test::phi(cut)) / (test::phi(b) - test::phi(a));
    double above = 0;
    for (double x : v) above += x > cut;
    CHECK(std::fabs(above - p * n) <= test::z_bound * std::sqrt(n * p * (1 - p)));
  }
}

TEST_CASE_TEMPLATE("trunc_normal: inside its bounds a value is the normal fill's at the same index, outside, a redraw", T, float, double) {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> normal(300, 301), truncated(300, 301);
  nninit::normal(normal, dist_eng, 0.5, 1.0);
  nninit::trunc_normal(truncated, dist_eng, 0.5, 1.0, -1.0, 2.0);
  nninit::index kept = 0;
  for (nninit::index i = 0; i < normal.size(); ++i) {
    const T x = normal(i);
    if (x >= T(-1) && x <= T(2)) {
      kept += truncated(i) == x;
    } else {
      CHECK(truncated(i) >= T(-1));
      CHECK(truncated(i) <= T(2));
    }
  }
  const nninit::index inside = ((normal.array() >= T(-1)) && (normal.array() <= T(2))).count();
  CHECK(kept == inside);
  // The interval holds 86.6 % of the mass: the redraws are binomial(n, 0.134).
  const double n = static_cast<double>(normal.size()), p = 1 - (test::phi(1.5) - test::phi(-1.5));
  CHECK(std::fabs(static_cast<double>(normal.size() - inside) - n * p) <= test::z_bound * std::sqrt(n * p * (1 - p)));
  // With PyTorch's default bounds a std = 0.02 draw is never truncated: it is the normal fill.
  nninit::normal(normal, dist_eng, 0.0, 0.02);
  nninit::trunc_normal(truncated, dist_eng, 0.0, 0.02);
  CHECK((truncated.array() == normal.array()).all());
}

TEST_CASE_TEMPLATE("trunc_normal: JAX's bounds in std units", T, float, double) {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> w(256, 256);
  nninit::scheme::trunc_normal jax{{}, 0.0, 0.02, -2, 2, nninit::trunc_bounds::std_units};
  jax(w, dist_eng);
  CHECK(w.cwiseAbs().maxCoeff() <= T(0.04));
  CHECK(jax.describe(nninit::shape{2, 2}).lo == -0.04);
}

TEST_CASE_TEMPLATE("variance_scaling: the truncated normal has exactly variance scale/n (the 0.8796 correction)", T, float, double) {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> w(side, side);
  nninit::he_normal(w, dist_eng);
  const double target = std::sqrt(2.0 / side);
  const auto m = test::moments_of(test::values(w));
  test::check_mean(m, 0, target);
  test::check_variance(m, target);
  const auto plan = nninit::scheme::he_normal{}.describe(nninit::shape{side, side});
  CHECK(plan.output_std == doctest::Approx(target).epsilon(1e-12));
  CHECK(w.cwiseAbs().maxCoeff() <= T(plan.bound));
  CHECK(plan.bound == doctest::Approx(2 * target / 0.87962566103423978).epsilon(1e-15));
  // The plan's own truncated std formula confirms JAX's constant to 1e-12.
  CHECK(nninit::detail::truncated_normal_std(0, 1, -2, 2) == doctest::Approx(0.87962566103423978).epsilon(1e-12));
}
