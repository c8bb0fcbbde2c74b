// nninit: kaiming_uniform, kaiming_normal (He initialization, PyTorch's API).
#pragma once

#include <cmath>
#include <string_view>
#include <utility>

#include "gain.hpp"
#include "variance_scaling.hpp"

namespace nninit {
namespace detail {
/// PyTorch's arithmetic, to the bit: gain = calculate_gain(nonlinearity, a); std = gain / sqrt(fan).
inline plan kaiming_plan(const context& ctx, std::string_view name, double a, fan_mode mode, nonlinearity f,
                         variance_distribution d) {
  ctx.check.representable("a", a);
  const double gain = calculate_gain(f, a);
  const fans fs = ctx.fans();
  plan p{name, ctx.shape, distribution::normal, fs.in, fs.out};
  p.gain = gain;
  return spread(p, d, gain / std::sqrt(fan_denominator(fs, mode)));
}
}  // namespace detail

namespace scheme {

/// What kaiming_uniform and kaiming_normal share: PyTorch's options and the variance_scaling form.
template <class Derived, variance_distribution Distribution>
struct kaiming_family : detail::scheme_base<Derived> {
  static constexpr bool is_random = true;
  double a = 0.0;  ///< negative slope of leaky_relu (read only for leaky_relu)
  fan_mode mode = fan_mode::fan_in;
  nninit::nonlinearity nonlinearity = nninit::nonlinearity::leaky_relu;

  template <class V> void visit_options(V&& v) {
    v("a", a, "negative slope of leaky_relu");
    v("mode", mode, "fan_in keeps forward variance, fan_out backward");
    v("nonlinearity", nonlinearity, "activation after this layer (calculate_gain)");
  }
  variance_scaling as_variance_scaling() const {
    const double g = calculate_gain(nonlinearity, a);
    return {{}, g * g, mode, Distribution};
  }
  plan make_plan(const detail::context& ctx) const {
    return detail::kaiming_plan(ctx, Derived::name, a, mode, nonlinearity, Distribution);
  }
};

/// He, Zhang, Ren & Sun (2015), "Delving Deep into Rectifiers", eq. 10 (forward) and eq. 14
/// (backward, mode = fan_out): U[-bound, bound), bound = gain * sqrt(3 / fan).
/// = variance_scaling with scale = gain^2, mode, distribution = uniform.
/// Defaults are PyTorch's: a = 0, fan_in, leaky_relu, so gain = sqrt(2) (ReLU). With a = sqrt(5)
/// and leaky_relu this is PyTorch's nn.Linear/nn.Conv default, U(±1/sqrt(fan_in)).
/// `mode` also takes fan_avg and fan_geo_avg, which PyTorch refuses.
/// Matches PyTorch `kaiming_uniform_(a, mode, nonlinearity)`: the bound to the last bit.
struct kaiming_uniform : kaiming_family<kaiming_uniform, variance_distribution::uniform> {
  static constexpr std::string_view name = "kaiming_uniform";
  static constexpr std::string_view reference = "PyTorch kaiming_uniform_ (bound exact, values in distribution)";
};

/// He et al. (2015), eq. 10 / 14: N(0, std^2), std = gain / sqrt(fan), untruncated.
/// = variance_scaling with scale = gain^2, mode, distribution = normal.
/// Matches PyTorch `kaiming_normal_(a, mode, nonlinearity)` (JAX/Keras he_normal is truncated).
struct kaiming_normal : kaiming_family<kaiming_normal, variance_distribution::normal> {
  static constexpr std::string_view name = "kaiming_normal";
  static constexpr std::string_view reference = "PyTorch kaiming_normal_ (std exact, values in distribution)";
};

}  // namespace scheme

namespace detail {
template <class Scheme, class Target, class Rng>
void kaiming_fill(Target&& w, Rng&& rng, double a, fan_mode mode, nonlinearity f, const shape& s) {
  Scheme k;
  k.a = a;
  k.mode = mode;
  k.nonlinearity = f;
  k(std::forward<Target>(w), rng, s);
}
}  // namespace detail

template <class Target, class Rng>
void kaiming_uniform(Target&& w, Rng&& rng, double a = 0.0, fan_mode mode = fan_mode::fan_in,
                     nonlinearity f = nonlinearity::leaky_relu, const shape& s = {}) {
  detail::kaiming_fill<scheme::kaiming_uniform>(std::forward<Target>(w), rng, a, mode, f, s);
}
template <class Target, class Rng>
void kaiming_normal(Target&& w, Rng&& rng, double a = 0.0, fan_mode mode = fan_mode::fan_in,
                    nonlinearity f = nonlinearity::leaky_relu, const shape& s = {}) {
  detail::kaiming_fill<scheme::kaiming_normal>(std::forward<Target>(w), rng, a, mode, f, s);
}

}  // namespace nninit
