// nninit: where the forward variance of a deep stack goes under a weight variance and an
// activation: the fixed point of the layer-to-layer variance map, its stability, and the
// per-layer growth of the gradient variance there.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "activation.hpp"
#include "moments.hpp"
#include "plan.hpp"

namespace nninit {

/// What happens to the pre-activation variance v of a deep stack of layers
///   z_{l+1} = W x_l,  x_l = f(z_l),  fan_in * Var(W) = c  (no bias, infinite width),
/// whose layer-to-layer map is v -> c E[f(z)^2], z ~ N(0, v) (Poole et al. 2016; Koneputugodage
/// et al. 2025 make sigma_p^2 its fixed point by choosing c).
struct variance_propagation {
  enum class kind {
    fixed_point,  ///< a fixed point v* = fixed_point_std^2 > 0 in [1e-3, 1e3]^2
    neutral,      ///< every variance is a fixed point (homogeneous f with c E[f^2]/v = 1: relu under He)
    decays,       ///< no fixed point: the variance shrinks layer after layer
    grows,        ///< no fixed point: the variance grows layer after layer
  };
  kind state = kind::decays;
  double weight_scale = 0;  ///< c = fan_in * Var(W)
  double fixed_point_std = std::numeric_limits<double>::quiet_NaN();  ///< sqrt(v*) (fixed_point only)
  /// d(next v)/dv at v* = E[z f f'] / E[f^2] (1 when neutral): below 1 deviations from v* shrink
  /// geometrically, above 1 they grow geometrically (gelu, silu near sigma 1).
  double slope = std::numeric_limits<double>::quiet_NaN();
  /// Growth of the gradient variance per layer at v*: fan_out Var(W) E[f'(z)^2] = c * fan_ratio *
  /// E[f'^2] (VI3NR's cond; 1 keeps gradients stable). For neutral maps, at v = 1.
  double gradient_growth = std::numeric_limits<double>::quiet_NaN();

  /// "stable", "unstable", "neutral", "decays", "grows": what `nninit describe` and compare print.
  std::string verdict() const {
    switch (state) {
      case kind::fixed_point:  // within quadrature accuracy of 1: neutral (relu, linear)
        return std::fabs(slope - 1) <= 1e-9 ? "neutral" : slope < 1 ? "stable" : "unstable";
      case kind::neutral: return "neutral";
      case kind::decays: return "decays";
      case kind::grows: return "grows";
    }
    return "";
  }
};

namespace detail {

/// Bisection in log(x) for a sign change of h in [lo, hi] (h(lo), h(hi) of opposite signs):
/// 200 halvings at most, so it always ends, well below double resolution.
template <class H>
double log_bisect(H&& h, double lo, double hi, double h_lo) {
  for (int i = 0; i < 200; ++i) {
    const double mid = std::sqrt(lo * hi);
    if (!(lo < mid && mid < hi)) break;
    const double h_mid = h(mid);
    if (h_mid == 0) return mid;
    if ((h_mid < 0) == (h_lo < 0)) lo = mid, h_lo = h_mid;
    else hi = mid;
  }
  return std::sqrt(lo * hi);
}

/// Log-spaced points from lo to hi, `per_decade` per factor of 10, both ends included.
inline std::vector<double> log_grid(double lo, double hi, int per_decade) {
  const int n = static_cast<int>(std::ceil(std::log10(hi / lo) * per_decade));
  std::vector<double> g;
  for (int i = 0; i <= n; ++i) g.push_back(lo * std::pow(hi / lo, static_cast<double>(i) / n));
  return g;
}

inline bool homogeneous(const activation& a) {
  return a.kind == activation_kind::linear || a.kind == activation_kind::relu || a.kind == activation_kind::leaky_relu;
}

/// sup |f| of the bounded activations (tanh, sigmoid, sine, gaussian), else infinity.
inline double sup_abs(const activation& a) {
  switch (a.kind) {
    case activation_kind::tanh:
    case activation_kind::sigmoid:
    case activation_kind::sine:
    case activation_kind::gaussian: return 1.0;
    default: return std::numeric_limits<double>::infinity();
  }
}

}  // namespace detail

/// The map at a known fixed point, from the moments there (m.sigma^2 = weight_scale E[f^2]):
/// VI3NR's sigma_p, by construction of its gain.
inline variance_propagation propagation_at(const activation_moments& m, double weight_scale, double fan_ratio = 1.0) {
  variance_propagation r;
  r.state = variance_propagation::kind::fixed_point;
  r.weight_scale = weight_scale;
  r.fixed_point_std = m.sigma;
  r.slope = m.fixed_point_slope();
  r.gradient_growth = weight_scale * fan_ratio * m.derivative_second_moment;
  return r;
}

/// The fixed point, its slope and the gradient growth of the variance map of activation `f`
/// under `weight_scale` = fan_in * Var(W) (> 0) and `fan_ratio` = fan_out / fan_in. Fixed points
/// are searched for std in [1e-3, 1e3] (20 points a decade, then bisection); when there are
/// several, the first attracting one (slope < 1) is reported, else the first.
inline variance_propagation propagation_of(const activation& f, double weight_scale, double fan_ratio = 1.0) {
  const detail::checker check("variance_propagation", "");
  check.positive("weight_scale", weight_scale);
  check.positive("fan_ratio", fan_ratio);
  variance_propagation r;
  r.weight_scale = weight_scale;
  using kind = variance_propagation::kind;
  if (detail::homogeneous(f)) {  // c E[f^2] / v is the same at every v
    const activation_moments m = moments_of(f, 1.0);
    const double gain = weight_scale * m.second_moment;
    r.state = std::fabs(gain - 1) <= 1e-12 ? kind::neutral : gain < 1 ? kind::decays : kind::grows;
    if (r.state == kind::neutral) r.slope = 1, r.gradient_growth = weight_scale * fan_ratio * m.derivative_second_moment;
    return r;
  }
  // h(s) = c E[f(z)^2] / s^2 - 1, z ~ N(0, s^2): its roots are the fixed points.
  auto h = [&](double s) { return weight_scale * moments_of(f, s).second_moment / (s * s) - 1; };
  // A bounded f has c E[f^2] <= c sup f^2, so no fixed point lies above sqrt(c) sup |f|.
  const double top = std::min(1e3, std::max(2e-3, 1.01 * std::sqrt(weight_scale) * detail::sup_abs(f)));
  const std::vector<double> grid = detail::log_grid(1e-3, top, 20);
  std::vector<double> h_grid;
  h_grid.reserve(grid.size());
  for (double s : grid) h_grid.push_back(h(s));
  bool found = false;
  activation_moments chosen;
  for (std::size_t i = 0; i + 1 < grid.size(); ++i) {
    if ((h_grid[i] < 0) == (h_grid[i + 1] < 0) && h_grid[i] != 0) continue;
    const double root = h_grid[i] == 0 ? grid[i] : detail::log_bisect(h, grid[i], grid[i + 1], h_grid[i]);
    const activation_moments m = moments_of(f, root);
    if (!found || m.fixed_point_slope() < 1) chosen = m;
    found = true;
    if (m.fixed_point_slope() < 1) break;
  }
  if (!found) {
    // Above every fixed point h < 0 means shrinking; the sign on the grid says which way it runs.
    r.state = h_grid.back() < 0 ? kind::decays : kind::grows;
    return r;
  }
  return propagation_at(chosen, weight_scale, fan_ratio);
}

/// Records a propagation in a plan's fixed_point_std, fixed_point_slope, gradient_growth and
/// propagation fields.
inline plan with_propagation(plan p, const variance_propagation& r) {
  p.fixed_point_std = r.fixed_point_std;
  p.fixed_point_slope = r.slope;
  p.gradient_growth = r.gradient_growth;
  p.propagation = r.verdict();
  return p;
}

/// The propagation of a zero-mean, fan-based plan (kaiming, xavier, normal, ...) followed by
/// activation f: weight_scale = fan_in * output_std^2, fan_ratio = fan_out / fan_in. A plan that
/// already has one (vi3nr, kumar) is returned as it is. Throws init_error when the plan has no
/// fans or no output std (orthogonal, eye, ...).
inline plan with_propagation(const plan& p, const activation& f) {
  if (!p.propagation.empty()) return p;
  const detail::checker check("variance_propagation", p.shape.text());
  if (!(p.fan_in > 0 && p.fan_out > 0 && std::isfinite(p.output_std) && p.output_std > 0))
    check.fail(detail::cat("the plan of ", p.scheme), "one with fans and an output std (a fan-based scheme)",
               std::isfinite(p.output_std) ? detail::number(p.output_std) : std::string("no output std"));
  const double fan_in = static_cast<double>(p.fan_in);
  return with_propagation(p, propagation_of(f, fan_in * p.output_std * p.output_std, static_cast<double>(p.fan_out) / fan_in));
}

}  // namespace nninit
