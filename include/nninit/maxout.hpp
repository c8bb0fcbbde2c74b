// nninit: maxout (Tseran & Montufar, "Expected Gradients of Maxout Networks and Consequences to
// Parameter Initialization", arXiv 2301.06956).
#pragma once

#include <cmath>
#include <string_view>
#include <utility>

#include "moments.hpp"
#include "variance_scaling.hpp"

namespace nninit {

namespace detail {
inline double maxout_second_moment(const checker& check, index pieces) {
  if (pieces < 2) check.fail("pieces", ">= 2 (K, the pieces of each maxout unit)", number(pieces));
  if (pieces > (index{1} << 31)) check.fail("pieces", "<= 2^31", number(pieces));
  const double k = static_cast<double>(pieces);
  // x^2 K phi(x) Phi(x)^(K-1): the density of the largest of K standard normals, times x^2.
  auto g = [k](double x) {
    const double cdf = 0.5 * std::erfc(-x * 0.70710678118654752440);
    return std::array<double, 1>{x * x * k * normal_pdf(x) * std::pow(cdf, k - 1)};
  };
  return integrate_adaptive<1>(g, {-40.0, 0.0, 12.0}, 1e-14, {0.0}).value[0];
}
}  // namespace detail

/// M_K = E[(max of K i.i.d. N(0, 1))^2] by adaptive quadrature: 1 for K = 2,
/// 1 + sqrt(3)/(2 pi) for K = 3, 1 + sqrt(3)/pi for K = 4, 1.800020436 for K = 5.
inline double maxout_second_moment(index pieces) {
  return detail::maxout_second_moment(detail::checker("maxout_second_moment", ""), pieces);
}

namespace scheme {

/// Tseran & Montufar (section 5; the official hanna-tseran/maxout_expected_gradients code):
/// N(0, c / fan_in) with c = 1 / M_K, M_K the second moment of the largest of K standard normals.
/// Given the layer input x, the K pre-activations of a maxout unit are i.i.d. N(0, c |x|^2 /
/// fan_in), so c = 1/M_K keeps the mean squared activation exactly, at any width. Constants:
/// K = 2: 1, 3: 0.78391, 4: 0.64461, 5: 0.55555. `pool` > 1 is the layer before a p-element
/// max-pool, which takes c = 1/M_{K p} (the code's max-pool variant; 2x2 pooling is 4). The
/// linear output layer takes c = 1 (lecun_normal). Conv weights use PyTorch's fan_in, k^2 C_in.
/// The weight's rows are the K * units pre-activations in any order: fan_in is what counts.
struct maxout : detail::scheme_base<maxout> {
  static constexpr std::string_view name = "maxout";
  static constexpr std::string_view reference = "hanna-tseran/maxout_expected_gradients (c = 1/M_K exact)";
  static constexpr bool is_random = true;
  index pieces = 2;  ///< K >= 2, the pieces of each maxout unit
  index pool = 1;    ///< elements of a max-pool right after the layer (1: none)
  variance_distribution distribution = variance_distribution::normal;

  template <class V> void visit_options(V&& v) {
    v("pieces", pieces, "K >= 2, pieces of each maxout unit");
    v("pool", pool, "elements of a max-pool after the layer (1: none; 2x2: 4)");
    v("distribution", distribution, "normal (official), uniform or truncated_normal, same variance");
  }

  plan make_plan(const detail::context& ctx) const {
    ctx.check.positive_count("pool", pool);
    if (pieces >= 2 && pool > (index{1} << 31) / pieces)
      ctx.check.fail("pieces * pool", "<= 2^31", detail::number(pieces * std::min<index>(pool, index{1} << 31)));
    detail::maxout_second_moment(ctx.check, pieces);  // validates pieces by itself
    const double c = 1 / detail::maxout_second_moment(ctx.check, pieces * pool);
    const fans f = ctx.fans();
    plan p{name, ctx.shape, nninit::distribution::normal, f.in, f.out};
    p.gain = std::sqrt(c);
    p.value = c;
    return detail::spread(p, distribution, std::sqrt(c / static_cast<double>(f.in)));
  }
};

}  // namespace scheme

template <class Target, class Rng>
void maxout(Target&& w, Rng&& rng, index pieces = 2, const shape& s = {}) {
  scheme::maxout m;
  m.pieces = pieces;
  m(std::forward<Target>(w), rng, s);
}

}  // namespace nninit
