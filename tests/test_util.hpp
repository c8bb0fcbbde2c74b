// Shared helpers of the unit tests: statistics with bounds derived from the sample size.
#pragma once

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

namespace test {

/// Fixed seeds everywhere: every statistical test is deterministic, and the bounds below are
/// set so that a correct sampler would fail them with probability ~1e-6 for a random seed.
inline constexpr double z_bound = 5.0;  // two-sided normal tail of 5 sigma: p = 5.7e-7

template <class D>
std::vector<double> values(const Eigen::DenseBase<D>& m) {
  std::vector<double> v;
  v.reserve(static_cast<std::size_t>(m.size()));
  for (Eigen::Index r = 0; r < m.rows(); ++r)
    for (Eigen::Index c = 0; c < m.cols(); ++c) v.push_back(static_cast<double>(m(r, c)));
  return v;
}

struct moments {
  double mean, var, min, max;
  std::size_t n;
};
inline moments moments_of(const std::vector<double>& v) {
  double s = 0, mn = std::numeric_limits<double>::infinity(), mx = -mn;
  for (double x : v) s += x, mn = std::min(mn, x), mx = std::max(mx, x);
  const double mean = s / static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return {mean, ss / static_cast<double>(v.size() - 1), mn, mx, v.size()};
}

/// The sample mean of n draws with standard deviation sigma is within z*sigma/sqrt(n) of mu.
inline void check_mean(const moments& m, double mu, double sigma) {
  const double bound = z_bound * sigma / std::sqrt(static_cast<double>(m.n));
  INFO("mean " << m.mean << " expected " << mu << " +- " << bound);
  CHECK(std::fabs(m.mean - mu) <= bound);
}
/// The sample variance has standard error sigma^2 sqrt((kurtosis - 1)/n); kurtosis 3 (normal)
/// bounds the platykurtic uniform (1.8) and truncated normals too.
inline void check_variance(const moments& m, double sigma, double kurtosis = 3.0) {
  const double bound = z_bound * sigma * sigma * std::sqrt((kurtosis - 1) / static_cast<double>(m.n));
  INFO("variance " << m.var << " expected " << sigma * sigma << " +- " << bound);
  CHECK(std::fabs(m.var - sigma * sigma) <= bound);
}

/// Kolmogorov-Smirnov statistic of the sample against a continuous CDF.
template <class Cdf>
double ks_statistic(std::vector<double> v, Cdf cdf) {
  std::sort(v.begin(), v.end());
  const double n = static_cast<double>(v.size());
  double d = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double f = cdf(v[i]);
    d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  return d;
}
/// Critical value of the KS statistic at level alpha (asymptotic Kolmogorov distribution:
/// P(sqrt(n) D > t) <= 2 exp(-2 t^2)), so D > sqrt(ln(2/alpha) / (2n)) has probability <= alpha.
inline double ks_critical(std::size_t n, double alpha = 1e-6) {
  return std::sqrt(std::log(2 / alpha) / (2 * static_cast<double>(n)));
}

inline double phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

template <class T>
auto bits(T v) {
  std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t> u;
  std::memcpy(&u, &v, sizeof u);
  return u;
}

/// Prints the line ctest turns into "Skipped" (tests/CMakeLists.txt).
inline void skip(const std::string& why) { std::cout << "SKIPPED: " << why << std::endl; }

/// True in the AddressSanitizer + UndefinedBehaviorSanitizer build (scripts/test.sh).
#ifdef NNINIT_TEST_SANITIZED
inline constexpr bool sanitized = true;
#else
inline constexpr bool sanitized = false;
#endif
/// A long statistical or training run (a minute or more under the sanitizers, for code the short
/// tests already run there) is skipped in the sanitizer build, visibly; it runs in Release.
inline bool skip_when_sanitized() {
  if (sanitized) skip("a long run, kept to the Release build (its code runs under the sanitizers in shorter tests)");
  return sanitized;
}

}  // namespace test
