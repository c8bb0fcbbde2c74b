// nninit: kumar (Kumar, "On weight initialization in deep neural networks", arXiv 1704.08863, 2017).
#pragma once

#include <cmath>
#include <string_view>
#include <utility>

#include "activation.hpp"
#include "propagation.hpp"
#include "variance_scaling.hpp"

namespace nninit {
namespace scheme {

/// Kumar (2017), section 3: for an activation g differentiable at 0, linearising
/// g(z) ~ g(0) + g'(0) z gives Var(z') = N v (g(0)^2 + g'(0)^2 Var(z)), and
///   Var(W) = v = 1 / (fan_in g'(0)^2 (1 + g(0)^2))
/// makes Var(z) = 1/g'(0)^2 its fixed point. sigmoid: 12.8 / fan_in (std 3.5777/sqrt(fan_in),
/// the "kumar-sigmoid" 3.6^2 of the VI3NR toy script); tanh, elu, sin: 1 / fan_in; gelu, silu:
/// 4 / fan_in; sine:w0: 1 / (w0^2 fan_in). relu and leaky_relu (not differentiable at 0) take the
/// paper's separate argument, He: 2 / ((1 + slope^2) fan_in). selu and elu with alpha != 1 are
/// not differentiable at 0, and activations with g'(0) = 0 (gaussian) have no such variance:
/// both are errors. The plan also reports where the true, non-linearised variance map settles
/// (sigmoid: std 2.1295, not the linearised 4) and its stability (propagation_of).
struct kumar : detail::scheme_base<kumar> {
  static constexpr std::string_view name = "kumar";
  static constexpr std::string_view reference = "Kumar 2017, arXiv 1704.08863 (variance exact)";
  static constexpr bool is_random = true;
  nninit::activation activation{activation_kind::relu};  ///< the activation after this layer
  variance_distribution distribution = variance_distribution::normal;

  template <class V> void visit_options(V&& v) {
    v("activation", activation, "the activation after this layer, differentiable at 0 (relu, leaky_relu: He)");
    v("distribution", distribution, "normal, uniform or truncated_normal, same variance");
  }

  /// gain^2 = fan_in Var(W).
  double gain2(const detail::checker& check) const {
    const double slope = activation.param;
    switch (activation.kind) {
      case activation_kind::relu: return 2.0;
      case activation_kind::leaky_relu: return 2.0 / (1 + slope * slope);
      case activation_kind::selu: check.fail("activation", "differentiable at 0", activation.text());
      case activation_kind::elu:
        if (slope != 1) check.fail("activation", "differentiable at 0 (elu needs alpha = 1)", activation.text());
        break;
      default: break;
    }
    const double g0 = activation.value(0.0), d0 = activation.derivative(0.0);
    if (d0 == 0) check.fail("activation", "one with f'(0) != 0", activation.text());
    return 1 / (d0 * d0 * (1 + g0 * g0));
  }

  plan make_plan(const detail::context& ctx) const {
    const double g2 = gain2(ctx.check);
    if (!(g2 > 0 && std::isfinite(g2)))  // a leaky_relu slope of 1e300 makes it 0
      ctx.check.fail("activation", "one whose variance gain^2 = fan_in Var(W) is finite and > 0", activation.text());
    const fans f = ctx.fans();
    plan p{name, ctx.shape, nninit::distribution::normal, f.in, f.out};
    p.gain = std::sqrt(g2);
    if (ctx.empty()) return p;  // no fans to plan from, nothing to write
    p = with_propagation(p, propagation_of(activation, g2, static_cast<double>(f.out) / static_cast<double>(f.in)));
    return detail::spread(p, distribution, std::sqrt(g2 / static_cast<double>(f.in)));
  }
};

}  // namespace scheme

template <class Target, class Rng>
void kumar(Target&& w, Rng&& rng, const activation& f, const shape& s = {}) {
  scheme::kumar k;
  k.activation = f;
  k(std::forward<Target>(w), rng, s);
}

}  // namespace nninit
