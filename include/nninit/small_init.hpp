// nninit: small_init (Zhou, Zhou, Luo, Zhang & Xu, "Towards Understanding the Condensation of
// Neural Networks at Initial Training", NeurIPS 2022).
#pragma once

#include <array>
#include <cmath>
#include <string_view>
#include <utility>

#include "detail/enum_names.hpp"
#include "variance_scaling.hpp"

namespace nninit {

/// Which quantity m^(-gamma) is.
enum class small_init_convention {
  standard_deviation,  ///< std = m^(-gamma): the authors' code
  variance,            ///< variance = m^(-gamma): the formula in their tutorial's text
};

namespace detail {
template <>
struct enum_names<small_init_convention> {
  static constexpr std::array<std::pair<small_init_convention, std::string_view>, 2> table{{
      {small_init_convention::standard_deviation, "std"},
      {small_init_convention::variance, "variance"},
  }};
};
}  // namespace detail

namespace scheme {

/// Small initialization (Zhou et al. 2022): N(0, std^2) with std = m^(-gamma), m the hidden
/// width, on every weight and bias of the network (the authors' code: one width for all layers,
/// hidden_layers_width[0]; their default gamma = 2). Their tutorial's text writes the variance
/// as m^(-gamma), which is the square of the code's: `convention` picks (default std, the code).
/// gamma > 1/2 is "small" (the condensed regime of Luo et al. 2021, with both layers at
/// m^(-gamma), gamma_pd = 2 gamma > 1); m^(-1/2) is LeCun-like. `width` = 0 takes the weight's
/// fan_in as m; set it to the hidden width for the first and last layers as the code does.
/// Biases take the same std (fill them with `normal`).
struct small_init : detail::scheme_base<small_init> {
  static constexpr std::string_view name = "small_init";
  static constexpr std::string_view reference = "xuzhiqin1990/understanding_dl condense_exp (std = m^-gamma exact)";
  static constexpr bool is_random = true;
  double gamma = 2.0;  ///< > 0: the exponent
  small_init_convention convention = small_init_convention::standard_deviation;
  index width = 0;  ///< m, the hidden width (0: the weight's fan_in)
  variance_distribution distribution = variance_distribution::normal;

  template <class V> void visit_options(V&& v) {
    v("gamma", gamma, "exponent > 0: std (or variance) = width^-gamma");
    v("convention", convention, "std (the authors' code) or variance (their text)");
    v("width", width, "m, the hidden width (0: this weight's fan_in)");
    v("distribution", distribution, "normal (the code), uniform or truncated_normal, same variance");
  }

  plan make_plan(const detail::context& ctx) const {
    ctx.check.positive("gamma", gamma);
    if (width < 0) ctx.check.fail("width", ">= 0 (0: the fan_in)", detail::number(width));
    const fans f = ctx.fans();
    const double m = static_cast<double>(width > 0 ? width : f.in);
    const double exponent = convention == small_init_convention::standard_deviation ? -gamma : -gamma / 2;
    plan p{name, ctx.shape, nninit::distribution::normal, f.in, f.out};
    p.value = m;
    return detail::spread(p, distribution, std::pow(m, exponent));
  }
};

}  // namespace scheme

template <class Target, class Rng>
void small_init(Target&& w, Rng&& rng, double gamma = 2.0, index width = 0, const shape& s = {}) {
  scheme::small_init si;
  si.gamma = gamma;
  si.width = width;
  si(std::forward<Target>(w), rng, s);
}

}  // namespace nninit
