// nninit: trunc_normal.
#pragma once

#include <array>
#include <cmath>
#include <string_view>
#include <utility>

#include "detail/enum_names.hpp"
#include "detail/math.hpp"
#include "detail/scheme_base.hpp"

namespace nninit {

/// How trunc_normal reads its bounds a and b.
enum class trunc_bounds {
  absolute,   ///< PyTorch `trunc_normal_`: a and b are values (default a = -2, b = 2)
  std_units,  ///< JAX `truncated_normal(stddev, lower, upper)`: a and b are multiples of std
};

namespace detail {
template <>
struct enum_names<trunc_bounds> {
  static constexpr std::array<std::pair<trunc_bounds, std::string_view>, 2> table{{
      {trunc_bounds::absolute, "absolute"},
      {trunc_bounds::std_units, "std_units"},
  }};
};

/// Mean and standard deviation of N(mean, std^2) truncated to [lo, hi] (Johnson, Kotz &
/// Balakrishnan, Continuous Univariate Distributions vol. 1, §10.1): with alpha, beta the
/// standardised bounds and Z = Phi(beta) - Phi(alpha), the variance is
/// std^2 [1 + (alpha phi(alpha) - beta phi(beta)) / Z - ((phi(alpha) - phi(beta)) / Z)^2].
inline double truncated_normal_std(double mean, double std, double lo, double hi) {
  const double alpha = (lo - mean) / std, beta = (hi - mean) / std;
  const double pa = math::normal_pdf(alpha), pb = math::normal_pdf(beta);
  // Mirror so that the mass Z is a difference of lower tails (precise far in either tail).
  const double z = alpha + beta > 0 ? math::normal_cdf(-alpha) - math::normal_cdf(-beta)
                                    : math::normal_cdf(beta) - math::normal_cdf(alpha);
  const double a_pa = std::isinf(alpha) ? 0.0 : alpha * pa;
  const double b_pb = std::isinf(beta) ? 0.0 : beta * pb;
  const double shift = (pa - pb) / z;
  return std * std::sqrt(1.0 + (a_pa - b_pb) / z - shift * shift);
}

/// The mass a truncated normal plan must have to be sampled: Phi(beta) - Phi(alpha) of the
/// mirrored interval, > 0. Shared by the checks of every truncated scheme.
inline void check_truncation_mass(const checker& check, double mean, double std, double lo, double hi) {
  double alpha = (lo - mean) / std, beta = (hi - mean) / std;
  if (alpha + beta > 0) std::swap(alpha, beta), alpha = -alpha, beta = -beta;
  if (!(math::normal_cdf(beta) - math::normal_cdf(alpha) > 0))
    check.fail("[a, b]", "an interval with probability mass under N(mean, std^2)",
               cat("[", number(lo), ", ", number(hi), "] for mean ", number(mean), ", std ", number(std)));
}
}  // namespace detail

namespace scheme {

/// Fills with N(mean, std^2) truncated to [a, b] (PyTorch `trunc_normal_`).
///
/// Formula: inverse CDF, x = mean + std * Phi^{-1}(Phi(alpha) + v (Phi(beta) - Phi(alpha))),
/// alpha = (a - mean)/std, beta = (b - mean)/std, v uniform in (0, 1); or, when [a, b] holds at
/// least half of N(mean, std^2)'s mass, the `normal` scheme's value at the same index where it
/// lies in [a, b] and an inverse-CDF value otherwise (the same law, at close to the normal fill's
/// speed: detail/sample.hpp's truncated_normal_kernel). As in PyTorch, `std` is
/// the standard deviation *before* truncation and a, b are absolute values by default (so the
/// defaults a = -2, b = 2 barely truncate a std = 0.02 draw: PyTorch's well-known trap; set
/// `bounds = std_units` for JAX's convention). Unlike PyTorch it never produces far-out values
/// clamped to a bound for small std (pytorch/pytorch#155588): v never reaches 0 or 1, Phi^{-1}
/// is evaluated in double precision (AS 241) and the interval is mirrored so that the far tail
/// keeps full relative precision. Keras' ±2σ, variance-corrected convention is
/// `variance_scaling` with `distribution = truncated_normal`.
struct trunc_normal : detail::scheme_base<trunc_normal> {
  static constexpr std::string_view name = "trunc_normal";
  static constexpr std::string_view reference =
      "PyTorch trunc_normal_ (in distribution; bounds absolute); JAX truncated_normal with bounds=std_units";
  static constexpr bool is_random = true;
  double mean = 0.0;
  double std = 1.0;   ///< standard deviation before truncation, > 0
  double a = -2.0;    ///< lower bound (absolute, or in units of std)
  double b = 2.0;     ///< upper bound, > a; a = -inf or b = inf truncate one side only
  trunc_bounds bounds = trunc_bounds::absolute;

  template <class V> void visit_options(V&& v) {
    v("mean", mean, "mean of the normal before truncation");
    v("std", std, "standard deviation before truncation (> 0)");
    v("a", a, "lower bound");
    v("b", b, "upper bound");
    v("bounds", bounds, "absolute (PyTorch) or std_units (JAX)");
  }

  plan make_plan(const detail::context& ctx) const {
    ctx.check.representable("mean", mean);
    ctx.check.positive("std", std);
    ctx.check.representable("std", std);
    if (std::isnan(a)) ctx.check.fail("a", "a number", a);
    if (std::isnan(b)) ctx.check.fail("b", "a number", b);
    if (!(a < b)) ctx.check.fail("b", detail::cat("> a = ", detail::number(a)), b);
    plan p{name, ctx.shape, distribution::truncated_normal};
    p.mean = mean;
    p.std = std;
    p.lo = bounds == trunc_bounds::std_units ? mean + a * std : a;
    p.hi = bounds == trunc_bounds::std_units ? mean + b * std : b;
    if (!std::isinf(p.lo)) ctx.check.representable("a", p.lo);
    if (!std::isinf(p.hi)) ctx.check.representable("b", p.hi);
    detail::check_truncation_mass(ctx.check, mean, std, p.lo, p.hi);
    if (p.lo - mean == mean - p.hi) p.bound = p.hi - mean;
    p.output_std = detail::truncated_normal_std(mean, std, p.lo, p.hi);
    return p;
  }
};

}  // namespace scheme

template <class Target, class Rng>
void trunc_normal(Target&& w, Rng&& rng, double mean = 0.0, double std = 1.0, double a = -2.0, double b = 2.0) {
  scheme::trunc_normal{{}, mean, std, a, b}(std::forward<Target>(w), rng);
}

}  // namespace nninit
