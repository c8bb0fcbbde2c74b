// nninit: xavier_uniform, xavier_normal (PyTorch's Glorot initialization).
#pragma once

#include <cmath>
#include <string_view>
#include <utility>

#include "variance_scaling.hpp"

namespace nninit {
namespace detail {
/// PyTorch's arithmetic, to the bit: std = gain * sqrt(2 / (fan_in + fan_out)) (torch/nn/init.py).
inline plan xavier_plan(const context& ctx, std::string_view name, double gain, variance_distribution d) {
  ctx.check.representable("gain", gain);
  const fans f = ctx.fans();
  plan p{name, ctx.shape, distribution::normal, f.in, f.out};
  p.gain = gain;
  return spread(p, d, gain * std::sqrt(2.0 / static_cast<double>(f.in + f.out)));
}
}  // namespace detail

namespace scheme {

/// What xavier_uniform and xavier_normal share: the gain and the variance_scaling form.
template <class Derived, variance_distribution Distribution>
struct xavier_family : detail::scheme_base<Derived> {
  static constexpr bool is_random = true;
  double gain = 1.0;  ///< scale factor; calculate_gain(nonlinearity) for the layer's activation

  template <class V> void visit_options(V&& v) { v("gain", gain, "scale factor (see calculate_gain)"); }
  variance_scaling as_variance_scaling() const { return {{}, gain * gain, fan_mode::fan_avg, Distribution}; }
  plan make_plan(const detail::context& ctx) const { return detail::xavier_plan(ctx, Derived::name, gain, Distribution); }
};

/// Glorot & Bengio (2010), "Understanding the difficulty of training deep feedforward neural
/// networks", eq. 16: U[-bound, bound), bound = gain * sqrt(6 / (fan_in + fan_out)).
/// = variance_scaling with scale = gain^2, mode = fan_avg, distribution = uniform.
/// Matches PyTorch `xavier_uniform_(gain)`: the bound to the last bit, the values in distribution.
struct xavier_uniform : xavier_family<xavier_uniform, variance_distribution::uniform> {
  static constexpr std::string_view name = "xavier_uniform";
  static constexpr std::string_view reference = "PyTorch xavier_uniform_ (bound exact, values in distribution)";
};

/// Glorot & Bengio (2010): N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)), untruncated.
/// = variance_scaling with scale = gain^2, mode = fan_avg, distribution = normal.
/// Matches PyTorch `xavier_normal_(gain)` (JAX/Keras glorot_normal is truncated: see glorot_normal).
struct xavier_normal : xavier_family<xavier_normal, variance_distribution::normal> {
  static constexpr std::string_view name = "xavier_normal";
  static constexpr std::string_view reference = "PyTorch xavier_normal_ (std exact, values in distribution)";
};

}  // namespace scheme

template <class Target, class Rng>
void xavier_uniform(Target&& w, Rng&& rng, double gain = 1.0, const shape& s = {}) {
  scheme::xavier_uniform x;
  x.gain = gain;
  x(std::forward<Target>(w), rng, s);
}
template <class Target, class Rng>
void xavier_normal(Target&& w, Rng&& rng, double gain = 1.0, const shape& s = {}) {
  scheme::xavier_normal x;
  x.gain = gain;
  x(std::forward<Target>(w), rng, s);
}

}  // namespace nninit
