// nninit: Gaussian moments of an activation, E[f(z)], E[f(z)^2], E[f'(z)^2] for z ~ N(0, s^2):
// the engine under the variance-informed schemes (vi3nr, kumar, maxout) and calculate_gain's
// activation overload.
#pragma once

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <queue>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "activation.hpp"
#include "detail/format.hpp"

namespace nninit {

/// How a moment was computed.
enum class quadrature_method {
  gauss_hermite,  ///< Gauss-Hermite: two rules (160 and 241 nodes) agreed
  adaptive,       ///< adaptive Gauss-Kronrod (7/15) on [-12 s, 12 s], split at the activation's features
};

namespace detail {
template <>
struct enum_names<quadrature_method> {
  static constexpr std::array<std::pair<quadrature_method, std::string_view>, 2> table{{
      {quadrature_method::gauss_hermite, "gauss_hermite"},
      {quadrature_method::adaptive, "adaptive"},
  }};
};
}  // namespace detail

/// The moments of f(z), z ~ N(0, sigma^2), that variance propagation needs (variance.md §11).
struct activation_moments {
  double sigma = 0;                     ///< std of the pre-activation z
  double mean = 0;                      ///< E[f(z)]
  double second_moment = 0;             ///< E[f(z)^2] = mean^2 + Var f(z)
  double derivative_second_moment = 0;  ///< E[f'(z)^2]
  double z_f_derivative = 0;            ///< E[z f(z) f'(z)]
  quadrature_method method = quadrature_method::gauss_hermite;
  double error_estimate = 0;  ///< relative, the largest over the four integrals

  /// VI3NR's forward gain^2 = sigma^2 / E[f(z)^2]: Var(W) = gain^2 / fan_in keeps Var(z) = sigma^2
  /// from layer to layer (Koneputugodage et al. 2025, the forward condition).
  double forward_gain2() const { return sigma * sigma / second_moment; }
  /// VI3NR's cond = sigma^2 E[f'^2] / E[f^2]: the growth of the gradient variance per square
  /// layer under the forward gain; 1 is the backward condition.
  double backward_condition() const { return sigma * sigma * derivative_second_moment / second_moment; }
  /// d log E[f(z)^2] / d log sigma^2 = E[z f f'] / E[f^2] (Stein's lemma): the slope of the
  /// layer-to-layer variance map v -> c E[f(z)^2], z ~ N(0, v), at its fixed point. Below 1 the
  /// fixed point attracts, above 1 deviations grow geometrically, 1 is neutral (relu).
  double fixed_point_slope() const { return z_f_derivative / second_moment; }
};

/// Nodes and weights of the n-point Gauss-Hermite rule for the weight e^{-x^2} (physicists'),
/// by Golub & Welsch (1969): the nodes are the eigenvalues of the Jacobi matrix with zero diagonal
/// and off-diagonal sqrt(k/2), k = 1..n-1; w_i = sqrt(pi) v_{0i}^2. Sum of weights = sqrt(pi).
struct gauss_hermite_rule {
  std::vector<double> nodes, weights;

  explicit gauss_hermite_rule(int n) {
    if (n < 1) detail::checker("gauss_hermite_rule", "").fail("n", ">= 1", detail::number(static_cast<double>(n)));
    Eigen::VectorXd diagonal = Eigen::VectorXd::Zero(n), off(std::max(n - 1, 0));
    for (int k = 1; k < n; ++k) off(k - 1) = std::sqrt(k / 2.0);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig;
    eig.computeFromTridiagonal(diagonal, off, Eigen::ComputeEigenvectors);
    const double sqrt_pi = 1.7724538509055160273;
    // Symmetrized (x_i = -x_{n-1-i} exactly, and 0 in the middle), so that an odd integrand sums
    // to exactly 0: the solver's nodes are symmetric to about 1e-15 only.
    for (int i = 0; i < n; ++i) {
      const int j = n - 1 - i;
      const double v0 = eig.eigenvectors()(0, i), w0 = eig.eigenvectors()(0, j);
      nodes.push_back(i == j ? 0.0 : (eig.eigenvalues()(i) - eig.eigenvalues()(j)) / 2);
      weights.push_back(sqrt_pi * (v0 * v0 + w0 * w0) / 2);
    }
  }
};

namespace detail {

/// The rules gaussian_moments uses, computed once (immutable after their first use).
template <int N>
const gauss_hermite_rule& hermite_rule() {
  static const gauss_hermite_rule rule(N);
  return rule;
}

/// The four integrands of activation_moments, summed with a weight.
struct moment_sums {
  std::array<double, 4> s{};
  template <class F, class DF>
  void add(double weight, double z, F& f, DF& df) {
    const double v = f(z), d = df(z);
    s[0] += weight * v;
    s[1] += weight * v * v;
    s[2] += weight * d * d;
    s[3] += weight * z * v * d;
  }
};

template <class F, class DF>
std::array<double, 4> hermite_moments(const gauss_hermite_rule& rule, double sigma, F& f, DF& df) {
  moment_sums m;
  const double scale = std::sqrt(2.0) * sigma, norm = 0.56418958354775628695;  // 1/sqrt(pi)
  for (std::size_t i = 0; i < rule.nodes.size(); ++i) m.add(rule.weights[i] * norm, scale * rule.nodes[i], f, df);
  return m.s;
}

/// 15-point Kronrod nodes (positive half, last = 0), their weights, and the embedded 7-point
/// Gauss weights of nodes 1, 3, 5, 7 (Piessens et al., QUADPACK qk15).
inline constexpr std::array<double, 8> kronrod_x{0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
                                                 0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
                                                 0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
                                                 0.207784955007898467600689403773245, 0.0};
inline constexpr std::array<double, 8> kronrod_w{0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
                                                 0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
                                                 0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                                                 0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
inline constexpr std::array<double, 4> gauss7_w{0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
                                                0.381830050505118944950369775488975, 0.417959183673469387755102040816327};

/// Kronrod and Gauss estimates of the integral of g over [a, b], and the Kronrod sum of |g|
/// (the scale of the rounding error); g returns a fixed-size array.
template <std::size_t N>
struct kronrod_estimate {
  std::array<double, N> kronrod{}, gauss{}, magnitude{};
};
template <std::size_t N, class G>
kronrod_estimate<N> kronrod15(double a, double b, G& g) {
  const double centre = (a + b) / 2, half = (b - a) / 2;
  kronrod_estimate<N> e;
  for (int i = 0; i < 8; ++i) {
    const int sides = i == 7 ? 1 : 2;
    for (int side = 0; side < sides; ++side) {
      const auto v = g(centre + (side ? -1 : 1) * half * kronrod_x[i]);
      for (std::size_t j = 0; j < N; ++j) {
        e.kronrod[j] += kronrod_w[i] * v[j];
        e.magnitude[j] += kronrod_w[i] * std::fabs(v[j]);
        if (i % 2 == 1) e.gauss[j] += gauss7_w[i / 2] * v[j];
      }
    }
  }
  for (std::size_t j = 0; j < N; ++j) e.kronrod[j] *= half, e.gauss[j] *= half, e.magnitude[j] *= half;
  return e;
}

/// The result of an adaptive integration: values, and the largest error estimate relative to
/// each value's magnitude (or its floor, for values that may be 0).
template <std::size_t N>
struct adaptive_result {
  std::array<double, N> value{};
  double relative_error = 0;
};

/// Globally adaptive Gauss-Kronrod (7/15) of an array-valued g over the sorted `points`
/// (the ends and the breakpoints): the interval with the largest error is bisected until every
/// component's error is below `tolerance` times its magnitude (or its `floor`), or the worst
/// piece is resolved to rounding, or after `max_intervals` splits, so it always ends.
template <std::size_t N, class G>
adaptive_result<N> integrate_adaptive(G g, const std::vector<double>& points, double tolerance,
                                      const std::array<double, N>& floor,
                                      int max_intervals = 100000) {
  struct piece {
    double a, b, err;
    bool resolved;  ///< its error is at the rounding level of its own sum: splitting cannot help
    std::array<double, N> value, error;
    bool operator<(const piece& o) const { return err < o.err; }
  };
  auto make = [&](double a, double b) {
    const auto e = kronrod15<N>(a, b, g);
    piece p{a, b, 0, true, e.kronrod, {}};
    for (std::size_t j = 0; j < N; ++j) {
      p.error[j] = std::fabs(e.kronrod[j] - e.gauss[j]);
      p.err = std::max(p.err, p.error[j]);
      p.resolved = p.resolved && p.error[j] <= 1e-14 * e.magnitude[j];
    }
    return p;
  };
  std::priority_queue<piece> queue;
  std::array<double, N> total{}, total_error{};
  for (std::size_t i = 0; i + 1 < points.size(); ++i) {
    if (!(points[i] < points[i + 1])) continue;
    piece p = make(points[i], points[i + 1]);
    for (std::size_t j = 0; j < N; ++j) total[j] += p.value[j], total_error[j] += p.error[j];
    queue.push(p);
  }
  auto relative = [&] {
    double worst = 0;
    for (std::size_t j = 0; j < N; ++j) worst = std::max(worst, total_error[j] / std::max(std::fabs(total[j]), floor[j]));
    return worst;
  };
  for (int splits = 0; splits < max_intervals && !queue.empty() && relative() > tolerance; ++splits) {
    const piece p = queue.top();
    const double mid = (p.a + p.b) / 2;
    if (p.resolved || !(p.a < mid && mid < p.b)) break;  // the worst piece is at rounding level
    queue.pop();
    const piece left = make(p.a, mid), right = make(mid, p.b);
    for (std::size_t j = 0; j < N; ++j) {
      total[j] += left.value[j] + right.value[j] - p.value[j];
      total_error[j] += left.error[j] + right.error[j] - p.error[j];
    }
    queue.push(left);
    queue.push(right);
  }
  // Recompute the sums from the pieces: the running updates carry cancellation error.
  adaptive_result<N> r;
  r.value = {};
  std::array<double, N> err{};
  while (!queue.empty()) {
    const piece& p = queue.top();
    for (std::size_t j = 0; j < N; ++j) r.value[j] += p.value[j], err[j] += p.error[j];
    queue.pop();
  }
  for (std::size_t j = 0; j < N; ++j) r.relative_error = std::max(r.relative_error, err[j] / std::max(std::fabs(r.value[j]), floor[j]));
  return r;
}

/// The standard normal density.
inline double normal_pdf(double x) { return 0.39894228040143267794 * std::exp(-x * x / 2); }

inline constexpr double moment_tolerance = 1e-12;

/// Moments of f over N(0, sigma^2): Gauss-Hermite when a 160- and a 241-node rule agree to
/// 1e-12 (the odd rule has a node at 0, so a feature narrower than the node spacing is seen by
/// one rule and not the other), adaptive Gauss-Kronrod otherwise (kinks, narrow gaussians, sine
/// with large omega0 * sigma; variance.md §11 measures when Gauss-Hermite fails).
/// `features` are the activation's own scales (0 for a kink, the width of a bump); each x > 0
/// splits the adaptive integral at +-x, +-2x, +-4x, ...
template <class F, class DF>
activation_moments gaussian_moments(const checker& check, F f, DF df, double sigma, const std::vector<double>& features,
                                    double tolerance = moment_tolerance) {
  check.positive("sigma", sigma);
  activation_moments m;
  m.sigma = sigma;
  const auto a = hermite_moments(hermite_rule<160>(), sigma, f, df), b = hermite_moments(hermite_rule<241>(), sigma, f, df);
  // E[f] and E[z f f'] can be 0 by symmetry: their errors are measured against 1e-3 E[f^2].
  const double tiny = std::numeric_limits<double>::min();
  const std::array<double, 4> floors{1e-3 * std::fabs(b[1]) + tiny, tiny, tiny, 1e-3 * std::fabs(b[1]) + tiny};
  double worst = 0;
  for (int j = 0; j < 4; ++j) worst = std::max(worst, std::fabs(a[j] - b[j]) / std::max(std::fabs(b[j]), floors[j]));
  std::array<double, 4> r = b;
  if (!(worst <= tolerance)) {
    const double reach = 12 * sigma;
    std::vector<double> points{-reach, 0.0, reach};
    // Every feature at x, 2x, 4x, ...: a bump's tails are resolved however wide sigma is.
    for (double x : features) {
      double p = std::fabs(x);
      while (p > 0 && p < reach) points.insert(points.end(), {p, -p}), p *= 2;  // doubling is exact
    }
    std::sort(points.begin(), points.end());
    auto g = [&](double z) {
      const double w = normal_pdf(z / sigma) / sigma, v = f(z), d = df(z);
      return std::array<double, 4>{w * v, w * v * v, w * d * d, w * z * v * d};
    };
    const auto res = integrate_adaptive<4>(g, points, tolerance, floors);
    r = res.value;
    worst = res.relative_error;
    m.method = quadrature_method::adaptive;
  }
  m.mean = r[0];
  m.second_moment = r[1];
  m.derivative_second_moment = r[2];
  m.z_f_derivative = r[3];
  m.error_estimate = worst;
  if (!std::isfinite(m.mean) || !std::isfinite(m.second_moment) || !std::isfinite(m.derivative_second_moment) ||
      !std::isfinite(m.z_f_derivative))
    check.fail("activation", "finite on N(0, sigma^2)", cat("a non-finite moment at sigma ", number(sigma)));
  return m;
}

/// The moments of a built-in activation, errors reported as `check`'s (a scheme's, with its target).
inline activation_moments moments_of(const checker& check, const activation& a, double sigma);

/// Where an activation's Gaussian integrals need breakpoints: kinks at 0, a bump's width, a
/// sine's period.
inline std::vector<double> features_of(const activation& a) {
  switch (a.kind) {
    case activation_kind::gaussian: return {0.0, a.param};
    case activation_kind::sine: return {0.0, 1 / a.param};
    default: return {0.0};
  }
}

}  // namespace detail

/// The Gaussian moments of a built-in activation at pre-activation std `sigma` (> 0), with its
/// analytic derivative. Throws init_error for a bad sigma.
inline activation_moments moments_of(const activation& a, double sigma) {
  return detail::moments_of(detail::checker("activation_moments", ""), a, sigma);
}

inline activation_moments detail::moments_of(const checker& check, const activation& a, double sigma) {
  return gaussian_moments(
      check, [&](double z) { return a.value(z); }, [&](double z) { return a.derivative(z); }, sigma, features_of(a));
}

/// The same for any callable f with its derivative df (both double -> double); `features` lists
/// the points where f has kinks or a bump's width, where the adaptive fallback splits.
template <class F, class DF, std::enable_if_t<std::is_invocable_r_v<double, F&, double>, int> = 0>
activation_moments moments_of(F&& f, DF&& df, double sigma, const std::vector<double>& features = {0.0}) {
  return detail::gaussian_moments(detail::checker("activation_moments", ""), std::forward<F>(f), std::forward<DF>(df), sigma,
                                  features);
}

/// The same for a callable without a derivative: f' by central differences with step
/// 1e-5 * max(1, |z|) (about 10 correct digits for smooth f), so the quadrature asks for 1e-9.
template <class F, std::enable_if_t<std::is_invocable_r_v<double, F&, double>, int> = 0>
activation_moments moments_of(F&& f, double sigma, const std::vector<double>& features = {0.0}) {
  auto df = [&](double z) {
    const double h = 1e-5 * std::max(1.0, std::fabs(z));
    return (f(z + h) - f(z - h)) / (2 * h);
  };
  return detail::gaussian_moments(detail::checker("activation_moments", ""), std::forward<F>(f), df, sigma, features, 1e-9);
}

}  // namespace nninit
