// nninit: vi3nr (Koneputugodage, Ben-Shabat, Ramasinghe & Gould, "VI3NR: Variance Informed
// Initialization for Implicit Neural Representations", CVPR 2025).
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <string_view>
#include <utility>
#include <vector>

#include "activation.hpp"
#include "moments.hpp"
#include "propagation.hpp"
#include "variance_scaling.hpp"

namespace nninit {

/// The sigma_p that VI3NR's backward condition asks for, and how well it is met.
struct vi3nr_backward_solution {
  double sigma_p = 0;    ///< the root, or the best point of the search when there is none
  double condition = 0;  ///< cond(sigma_p) = fan_ratio sigma_p^2 E[f'^2] / E[f^2]; 1 at a root
  bool root = false;     ///< cond(sigma_p) = 1 holds (to bisection precision)
  bool at_boundary = false;  ///< no root, and the best point is an end of the search range
};

/// Solves VI3NR's backward condition cond(sigma_p) = 1, where
///   cond(s) = fan_ratio * s^2 E[f'(z)^2] / E[f(z)^2],  z ~ N(0, s^2),  fan_ratio = fan_out / fan_in
/// (section 3 of the paper; the project page's combined condition). The official toy script
/// grid-searches s in {0.001, ..., 10} for argmin |cond - 1|; here s runs over the same range,
/// 20 log-spaced points a decade, and a sign change is bisected to double precision (the first
/// root when there are several). Without a sign change (tanh, sine, gelu, silu, elu: cond > 1
/// everywhere, -> 1 only at an end) the argmin over the grid is returned with root = false and
/// at_boundary telling whether it sits on an end. Homogeneous activations (relu, leaky_relu,
/// linear) have cond = fan_ratio at every s: with fan_ratio 1 every s is a root and s = 1 is
/// returned. The search has a fixed number of steps.
inline vi3nr_backward_solution vi3nr_solve_backward(const activation& f, double fan_ratio = 1.0, double lo = 1e-3,
                                                    double hi = 10.0) {
  const detail::checker check("vi3nr", "");
  check.positive("fan_ratio", fan_ratio);
  check.positive("lo", lo);
  if (!(std::isfinite(hi) && hi > lo)) check.fail("hi", detail::cat("finite and > lo = ", detail::number(lo)), hi);
  auto cond = [&](double s) { return fan_ratio * moments_of(f, s).backward_condition(); };
  vi3nr_backward_solution r;
  if (detail::homogeneous(f)) {
    r.sigma_p = 1;
    r.condition = cond(1.0);
    r.root = std::fabs(r.condition - 1) <= 1e-12;
    return r;
  }
  const std::vector<double> grid = detail::log_grid(lo, hi, 20);
  std::vector<double> c;
  c.reserve(grid.size());
  for (double s : grid) c.push_back(cond(s) - 1);
  for (std::size_t i = 0; i + 1 < grid.size(); ++i) {
    if (c[i] == 0 || (c[i] < 0) != (c[i + 1] < 0)) {
      r.sigma_p = c[i] == 0 ? grid[i] : detail::log_bisect([&](double s) { return cond(s) - 1; }, grid[i], grid[i + 1], c[i]);
      r.condition = cond(r.sigma_p);
      r.root = true;
      return r;
    }
  }
  std::size_t best = 0;
  for (std::size_t i = 1; i < grid.size(); ++i)
    if (std::fabs(c[i]) < std::fabs(c[best])) best = i;
  r.at_boundary = best == 0 || best + 1 == grid.size();
  r.sigma_p = grid[best];
  if (!r.at_boundary) {  // golden-section search for the minimum of |cond - 1| between the neighbours
    double a = grid[best - 1], b = grid[best + 1];
    const double phi = 0.6180339887498949;
    for (int i = 0; i < 100 && b - a > 1e-15 * b; ++i) {
      const double x1 = b - phi * (b - a), x2 = a + phi * (b - a);
      if (std::fabs(cond(x1) - 1) < std::fabs(cond(x2) - 1)) b = x2;
      else a = x1;
    }
    r.sigma_p = (a + b) / 2;
  }
  r.condition = cond(r.sigma_p);
  return r;
}

/// The scalar mean and std of input data, for VI3NR's first layer: over every coordinate of
/// every sample, the std unbiased (the official demo's x.mean(), x.std()). Needs >= 2 finite
/// entries.
struct data_moments {
  double mean = 0, std = 0;
};
template <class D>
data_moments vi3nr_data_moments(const Eigen::DenseBase<D>& x) {
  const detail::checker check("vi3nr", detail::cat(detail::number(x.rows()), "x", detail::number(x.cols()), " data"));
  const Eigen::ArrayXXd v = x.derived().template cast<double>().array();
  if (v.size() < 2) check.fail("data", "at least 2 entries", detail::number(v.size()));
  if (!v.allFinite()) check.fail("data", "finite", "a NaN or infinite entry");
  data_moments m;
  m.mean = v.mean();
  m.std = std::sqrt((v - m.mean).square().sum() / static_cast<double>(v.size() - 1));
  return m;
}

namespace scheme {

/// VI3NR (Koneputugodage et al., CVPR 2025, section 3): every hidden layer's pre-activations are
/// ~ N(0, sigma_p^2) for any activation f. With fan_in M and the layer's input x,
///   Var(W) = sigma_p^2 / (M E[x^2]),   E[x^2] = E[f(z)^2], z ~ N(0, sigma_p^2)   (hidden layers)
///   Var(W) = sigma_p^2 / (M (mu_x^2 + sigma_x^2))                                  (first layer)
/// so gain^2 = sigma_p^2 / E[f^2] and Var(W) = gain^2 / fan_in. E[f^2] is computed by quadrature
/// (moments_of) where the official code uses 1e6 Monte Carlo samples (~1e-3 relative error).
/// `first_layer` plans the first layer from `data_mean` and `data_std` (vi3nr_data_moments
/// computes them from a data matrix; the defaults are coordinates uniform on [-1, 1]). `solve_backward` replaces sigma_p by the root of the
/// backward condition (vi3nr_solve_backward, constant width); when there is none, the best
/// point is used and the plan's note says so. distribution: normal (vi3nr_normal_), uniform
/// (vi3nr_uniform_, bound gain sqrt(3 / fan_in)) or truncated_normal, all with that variance.
/// relu at any sigma_p is He (gain^2 = 2). Biases should be 0: the derivation has none.
/// The plan also reports the hidden layers' variance map at sigma_p^2 (fixed_point_slope; gelu
/// and silu near sigma_p = 1 are unstable fixed points, see variance_propagation) and the
/// gradient growth per layer, cond * fan_out / fan_in.
struct vi3nr : detail::scheme_base<vi3nr> {
  static constexpr std::string_view name = "vi3nr";
  static constexpr std::string_view reference = "Chumbyte/vi3nr vi3nr_normal_ / vi3nr_uniform_ (gain by quadrature, values in distribution)";
  static constexpr bool is_random = true;
  nninit::activation activation{activation_kind::relu};  ///< the activation after every layer
  double sigma_p = 1.0;         ///< the pre-activation std every layer keeps
  bool solve_backward = false;  ///< choose sigma_p from the backward condition instead
  variance_distribution distribution = variance_distribution::normal;
  bool first_layer = false;  ///< plan the first layer, from the input data's moments
  double data_mean = 0.0;    ///< first layer: scalar mean of the input data
  /// First layer: scalar std of the input data; the default 1/sqrt(3) is INR coordinates
  /// uniform on [-1, 1], which gives gain^2 = 3 sigma_p^2.
  double data_std = 0.57735026918962576451;

  template <class V> void visit_options(V&& v) {
    v("activation", activation, "the activation after every layer (relu, tanh, sine:30, gaussian:0.05, ...)");
    v("sigma_p", sigma_p, "pre-activation std every layer keeps (> 0)");
    v("solve_backward", solve_backward, "take sigma_p from the backward condition cond(sigma_p) = 1");
    v("distribution", distribution, "normal, uniform or truncated_normal, same variance");
    v("first_layer", first_layer, "the first layer: from the input data's mean and std");
    v("data_mean", data_mean, "first layer: mean of the input data");
    v("data_std", data_std, "first layer: std of the input data (default: uniform on [-1, 1])");
  }

  plan make_plan(const detail::context& ctx) const {
    const auto& check = ctx.check;
    check.positive("sigma_p", sigma_p);
    if (first_layer) {
      check.finite("data_mean", data_mean);
      check.non_negative("data_std", data_std);
      if (data_mean * data_mean + data_std * data_std == 0)
        check.fail("data_mean^2 + data_std^2", "> 0 (the first layer divides by the input's second moment)", 0.0);
    }
    const fans f = ctx.fans();
    plan p{name, ctx.shape, nninit::distribution::normal, f.in, f.out};
    double sigma = sigma_p;
    if (solve_backward) {
      const vi3nr_backward_solution b = vi3nr_solve_backward(activation);
      sigma = b.sigma_p;
      if (!b.root)
        p.note = detail::cat("backward condition: no root for sigma_p in [0.001, 10]; best at ",
                             b.at_boundary ? "the boundary " : "", "sigma_p = ", detail::significant(sigma, 7),
                             ", cond - 1 = ", detail::significant(b.condition - 1, 3));
    }
    const activation_moments m = detail::moments_of(check, activation, sigma);
    if (!(m.second_moment > 0))
      check.fail("activation", detail::cat("one with E[f(z)^2] > 0 at sigma_p = ", detail::number(sigma)), activation.text());
    const double input_second_moment = first_layer ? data_mean * data_mean + data_std * data_std : m.second_moment;
    const double gain2 = sigma * sigma / input_second_moment;
    p.gain = std::sqrt(gain2);
    p.value = sigma;
    if (!(std::isfinite(gain2) && gain2 > 0)) check.fail("gain^2", "finite and > 0", gain2);
    // The hidden layers' map, at its fixed point sigma^2 by construction.
    p = with_propagation(p, propagation_at(m, sigma * sigma / m.second_moment,
                                           static_cast<double>(f.out) / static_cast<double>(f.in)));
    return detail::spread(p, distribution, std::sqrt(gain2 / static_cast<double>(f.in)));
  }
};

}  // namespace scheme

/// A hidden layer under VI3NR for activation `f` at pre-activation std sigma_p.
template <class Target, class Rng>
void vi3nr(Target&& w, Rng&& rng, const activation& f, double sigma_p = 1.0,
           variance_distribution distribution = variance_distribution::normal, const shape& s = {}) {
  scheme::vi3nr v;
  v.activation = f;
  v.sigma_p = sigma_p;
  v.distribution = distribution;
  v(std::forward<Target>(w), rng, s);
}

}  // namespace nninit
