// nninit: uniform.
#pragma once

#include <cmath>
#include <string_view>
#include <utility>

#include "detail/scheme_base.hpp"

namespace nninit {
namespace scheme {

/// Fills with U[a, b): never b (PyTorch `uniform_`, whose defaults a = 0, b = 1 it keeps;
/// Keras `RandomUniform(minval, maxval)`). a == b fills the constant a, as PyTorch does.
/// a and b must be finite with a <= b, and b - a must be finite in float (so that the same
/// options fill float and double targets).
/// Matches PyTorch in distribution, not bit for bit (different generator).
struct uniform : detail::scheme_base<uniform> {
  static constexpr std::string_view name = "uniform";
  static constexpr std::string_view reference = "PyTorch uniform_ (in distribution); Keras RandomUniform";
  static constexpr bool is_random = true;
  double a = 0.0;  ///< lower bound, included
  double b = 1.0;  ///< upper bound, excluded

  template <class V> void visit_options(V&& v) {
    v("a", a, "lower bound (included)");
    v("b", b, "upper bound (excluded)");
  }

  plan make_plan(const detail::context& ctx) const {
    ctx.check.finite("a", a);
    ctx.check.finite("b", b);
    if (!(a <= b)) ctx.check.fail("b", detail::cat(">= a = ", detail::number(a)), b);
    if (!std::isfinite(static_cast<float>(b) - static_cast<float>(a)))
      ctx.check.fail("b - a", "finite in float", b - a);
    plan p{name, ctx.shape, distribution::uniform};
    p.lo = a;
    p.hi = b;
    if (a == -b) p.bound = b;
    p.std = p.output_std = (b - a) / std::sqrt(12.0);
    return p;
  }
};

}  // namespace scheme

template <class Target, class Rng>
void uniform(Target&& w, Rng&& rng, double a = 0.0, double b = 1.0) {
  scheme::uniform{{}, a, b}(std::forward<Target>(w), rng);
}

}  // namespace nninit
