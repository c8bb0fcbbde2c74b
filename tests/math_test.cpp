#include <doctest/doctest.h>
#include <nninit/detail/math.hpp>

#include <cmath>

#include "test_util.hpp"

namespace m = nninit::detail::math;

TEST_CASE("math: AS 241 coefficients pass the paper's transcription hash sums") {
  // Wichura (1988) prints, for each pair of coefficient arrays, the sum of their decimal mantissas.
  auto mantissa_sum = [](const auto& x, const auto& y) {
    double s = 0;
    for (double v : x) s += v / std::pow(10.0, std::floor(std::log10(v)));
    for (double v : y) s += v == 1.0 ? 0.0 : v / std::pow(10.0, std::floor(std::log10(v)));  // b0 = d0 = f0 = 1 are not listed
    return s;
  };
  CHECK(std::fabs(mantissa_sum(m::as241::a, m::as241::b) - 55.8831928806149014439) < 1e-12);
  CHECK(std::fabs(mantissa_sum(m::as241::c, m::as241::d) - 49.33206503301610289036) < 1e-12);
  CHECK(std::fabs(mantissa_sum(m::as241::e, m::as241::f) - 47.52583317549289671629) < 1e-12);
}

TEST_CASE("math: log is within 2 ulp of libm for float and double, subnormals included") {
  double worst_d = 0, worst_f = 0;
  for (double x = 4.9e-324; x < 1e308; x = std::max(x * 1.0137, std::nextafter(x, 1e308))) {
    const double ref = std::log(x);
    const double ulp = std::fabs(std::nextafter(ref, 2 * ref) - ref) + 1e-300;
    worst_d = std::max(worst_d, std::fabs(m::log(x) - ref) / ulp);
  }
  for (float x = 1.4e-45f; x < 3e38f; x = std::max(x * 1.0137f, std::nextafter(x, 3e38f))) {
    const double ref = std::log(static_cast<double>(x));
    const float rf = static_cast<float>(ref);
    const double ulp = std::fabs(static_cast<double>(std::nextafter(rf, 2 * rf)) - rf) + 1e-300;
    worst_f = std::max(worst_f, std::fabs(static_cast<double>(m::log(x)) - ref) / ulp);
  }
  INFO("worst double " << worst_d << " ulp, worst float " << worst_f << " ulp");
  CHECK(worst_d <= 2.0);
  CHECK(worst_f <= 2.0);
  CHECK(m::log(1.0) == 0.0);
  CHECK(m::log(1.0f) == 0.0f);
}

TEST_CASE("math: sincos_turn matches sin and cos of 2 pi k / 2^B to 1e-7 (float) and 4e-16 (double)") {
  double worst_f = 0, worst_d = 0;
  for (std::uint32_t k = 0; k < (1u << 24); k += 331) {
    const auto sc = m::sincos_turn<float>(k);
    const long double a = 2 * 3.141592653589793238462643383279502884L * k / 16777216.0L;
    worst_f = std::max({worst_f, std::fabs(sc.sin - static_cast<double>(std::sin(a))),
                        std::fabs(sc.cos - static_cast<double>(std::cos(a)))});
  }
  const std::uint64_t full = std::uint64_t{1} << 53;
  for (std::uint64_t k = 0; k < full; k += full / 200003) {
    const auto sc = m::sincos_turn<double>(k);
    const long double a = 2 * 3.141592653589793238462643383279502884L * static_cast<long double>(k) / full;
    worst_d = std::max({worst_d, std::fabs(sc.sin - static_cast<double>(std::sin(a))),
                        std::fabs(sc.cos - static_cast<double>(std::cos(a)))});
  }
  INFO("float " << worst_f << ", double " << worst_d);
  CHECK(worst_f < 1e-7);
  CHECK(worst_d < 4e-16);
  // Quadrant boundaries are exact.
  CHECK(m::sincos_turn<float>(0).cos == 1.0f);
  CHECK(m::sincos_turn<float>(1u << 22).sin == 1.0f);
  CHECK(m::sincos_turn<float>(1u << 23).cos == -1.0f);
}

TEST_CASE("math: exp, erfc and the normal quantile agree with libm") {
  // Relative errors over results that are normal numbers (erfc(26) = 5.7e-296); subnormal results
  // lose relative precision by design of the format.
  double worst_exp = 0, worst_erfc = 0, worst_q = 0;
  for (double x = -708; x < 709; x += 0.0173) worst_exp = std::max(worst_exp, std::fabs(m::exp(x) / std::exp(x) - 1));
  for (double x = -6; x < 26; x += 0.00097) worst_erfc = std::max(worst_erfc, std::fabs(m::erfc(x) / std::erfc(x) - 1));
  // Phi(Phi^-1(p)) = p, with libm's erfc as Phi, from 1e-300 to 1 - 1e-12.
  for (double p = 1e-300; p < 1 - 1e-12; p = p < 1e-3 ? p * 1.07 : p + 1.3e-4 * (1 - p + 1e-9)) {
    const double back = 0.5 * std::erfc(-m::normal_quantile(p) / std::sqrt(2.0));
    worst_q = std::max(worst_q, std::fabs(back - p) / std::min(p, 1 - p));
  }
  INFO("exp " << worst_exp << ", erfc " << worst_erfc << ", quantile " << worst_q);
  CHECK(worst_exp < 4e-16);
  CHECK(worst_erfc < 1e-11);
  CHECK(worst_q < 1e-12);
  CHECK(m::normal_quantile(0.5) == 0.0);
  CHECK(m::normal_quantile(0.975) == doctest::Approx(1.959963984540054).epsilon(1e-15));
}
