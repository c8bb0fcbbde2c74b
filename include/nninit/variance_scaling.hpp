// nninit: variance_scaling, the one general fan-based scheme, and its JAX/Keras presets.
#pragma once

#include <array>
#include <cmath>
#include <string_view>
#include <utility>

#include "detail/enum_names.hpp"
#include "detail/scheme_base.hpp"
#include "trunc_normal.hpp"

namespace nninit {

/// The distributions of variance_scaling (JAX's names: "normal" is *not* truncated).
enum class variance_distribution {
  truncated_normal,  ///< N(0, sc^2) truncated to ±2 sc, sc = sqrt(scale/n) / 0.87962566103423978
  normal,            ///< N(0, scale/n)
  uniform,           ///< U[-sqrt(3 scale/n), sqrt(3 scale/n))
};

namespace detail {
template <>
struct enum_names<variance_distribution> {
  static constexpr std::array<std::pair<variance_distribution, std::string_view>, 4> table{{
      {variance_distribution::truncated_normal, "truncated_normal"},
      {variance_distribution::normal, "normal"},
      {variance_distribution::uniform, "uniform"},
      {variance_distribution::normal, "untruncated_normal"},  // Keras' name for JAX's "normal"
  }};
};

/// Standard deviation of a standard normal truncated to (-2, 2): JAX and Keras divide by it so
/// that the truncated draw has exactly the requested variance (keras-team/keras#8048).
inline constexpr double truncated_normal_2sigma_std = 0.87962566103423978;

/// n of Var[w] = scale / n for a fan mode (JAX `variance_scaling`).
inline double fan_denominator(const fans& f, fan_mode mode) {
  switch (mode) {
    case fan_mode::fan_in: return static_cast<double>(f.in);
    case fan_mode::fan_out: return static_cast<double>(f.out);
    case fan_mode::fan_avg: return static_cast<double>(f.in + f.out) / 2;
    default: return std::sqrt(static_cast<double>(f.in) * static_cast<double>(f.out));
  }
}

/// A zero-mean plan of the given distribution whose values have standard deviation `target_std`.
/// PyTorch's schemes pass their std (computed as PyTorch does) and get bound = sqrt(3) * std to
/// the last bit; JAX's pass `variance` too and get JAX's bound = sqrt(3 * variance).
inline plan spread(plan p, variance_distribution d, double target_std, double variance = plan::none) {
  p.mean = 0;
  p.std = target_std;
  p.output_std = target_std;
  switch (d) {
    case variance_distribution::normal:
      p.dist = distribution::normal;
      break;
    case variance_distribution::uniform:
      p.dist = distribution::uniform;
      p.bound = std::isnan(variance) ? std::sqrt(3.0) * target_std : std::sqrt(3 * variance);
      p.lo = -p.bound;
      p.hi = p.bound;
      break;
    case variance_distribution::truncated_normal:
      p.dist = distribution::truncated_normal;
      p.std = target_std / truncated_normal_2sigma_std;
      p.bound = 2 * p.std;
      p.lo = -p.bound;
      p.hi = p.bound;
      break;
  }
  return p;
}
}  // namespace detail

namespace scheme {

/// Var[w] = scale / n, n from the fans by `mode` (JAX `variance_scaling`, Keras `VarianceScaling`).
///
/// The hub of the fan-based schemes: xavier_* is scale = gain^2, mode = fan_avg; kaiming_* is
/// scale = gain^2, mode = fan_in; lecun_* is scale = 1, mode = fan_in; each with its
/// distribution. Defaults are Keras' and JAX's (scale 1, fan_in, truncated_normal).
/// truncated_normal draws N(0, sc^2) cut at ±2 sc with sc = sqrt(scale/n) / 0.87962566103423978,
/// so the values have exactly variance scale/n (JAX, Keras); normal is untruncated (JAX; Keras
/// calls it "untruncated_normal"); uniform is U[-sqrt(3 scale/n), sqrt(3 scale/n)).
/// Zero fans are an error here, where Keras clamps n to 1 and JAX divided by zero.
/// Matches JAX's formulas exactly (variance = scale/n, then sqrt) and its values in distribution.
struct variance_scaling : detail::scheme_base<variance_scaling> {
  static constexpr std::string_view name = "variance_scaling";
  static constexpr std::string_view reference = "JAX variance_scaling / Keras VarianceScaling (formulas exact)";
  static constexpr bool is_random = true;
  double scale = 1.0;  ///< > 0: the target variance is scale / n
  fan_mode mode = fan_mode::fan_in;
  variance_distribution distribution = variance_distribution::truncated_normal;

  template <class V> void visit_options(V&& v) {
    v("scale", scale, "target variance is scale/n (> 0)");
    v("mode", mode, "which fan is n");
    v("distribution", distribution, "truncated_normal (±2σ, corrected), normal or uniform");
  }

  plan make_plan(const detail::context& ctx) const { return plan_named(ctx, name); }

  /// For the presets that are this scheme under another name.
  plan plan_named(const detail::context& ctx, std::string_view scheme_name) const {
    ctx.check.positive("scale", scale);
    ctx.check.representable("scale", scale);
    const fans f = ctx.fans();
    plan p{scheme_name, ctx.shape, nninit::distribution::normal, f.in, f.out};
    p.gain = std::sqrt(scale);
    const double variance = scale / detail::fan_denominator(f, mode);
    return detail::spread(p, distribution, std::sqrt(variance), variance);
  }
};

/// The JAX/Keras presets of variance_scaling. Note the "normal" ones are *truncated* normals
/// with the variance correction, unlike PyTorch's xavier_normal / kaiming_normal.
#define NNINIT_DETAIL_VS_PRESET(NAME, SCALE, MODE, DIST, JAX, KERAS)                                \
  struct NAME : detail::scheme_base<NAME> {                                                         \
    static constexpr std::string_view name = #NAME;                                                 \
    static constexpr std::string_view reference = "JAX " JAX " / Keras " KERAS " (formulas exact)"; \
    static constexpr bool is_random = true;                                                         \
    template <class V> void visit_options(V&&) {}                                                   \
    static variance_scaling as_variance_scaling() {                                                 \
      return variance_scaling{{}, SCALE, fan_mode::MODE, variance_distribution::DIST};              \
    }                                                                                               \
    plan make_plan(const detail::context& ctx) const { return as_variance_scaling().plan_named(ctx, name); } \
  };

/// Glorot & Bengio (2010), "Understanding the difficulty of training deep feedforward neural
/// networks", eq. 16: scale 1, fan_avg, uniform.
NNINIT_DETAIL_VS_PRESET(glorot_uniform, 1.0, fan_avg, uniform, "glorot_uniform", "GlorotUniform")
/// Glorot & Bengio (2010): scale 1, fan_avg, truncated normal (JAX/Keras, not PyTorch's normal).
NNINIT_DETAIL_VS_PRESET(glorot_normal, 1.0, fan_avg, truncated_normal, "glorot_normal", "GlorotNormal")
/// He et al. (2015), "Delving deep into rectifiers", eq. 10: scale 2, fan_in, uniform.
NNINIT_DETAIL_VS_PRESET(he_uniform, 2.0, fan_in, uniform, "he_uniform", "HeUniform")
/// He et al. (2015): scale 2, fan_in, truncated normal (JAX/Keras, not PyTorch's kaiming_normal).
NNINIT_DETAIL_VS_PRESET(he_normal, 2.0, fan_in, truncated_normal, "he_normal", "HeNormal")
/// LeCun et al. (1998), "Efficient BackProp", §4.6: scale 1, fan_in, uniform.
NNINIT_DETAIL_VS_PRESET(lecun_uniform, 1.0, fan_in, uniform, "lecun_uniform", "LecunUniform")
/// LeCun et al. (1998): scale 1, fan_in, truncated normal (the JAX/Flax Dense default kernel).
NNINIT_DETAIL_VS_PRESET(lecun_normal, 1.0, fan_in, truncated_normal, "lecun_normal", "LecunNormal")
#undef NNINIT_DETAIL_VS_PRESET

}  // namespace scheme

template <class Target, class Rng>
void variance_scaling(Target&& w, Rng&& rng, double scale = 1.0, fan_mode mode = fan_mode::fan_in,
                      variance_distribution distribution = variance_distribution::truncated_normal,
                      const shape& s = {}) {
  scheme::variance_scaling{{}, scale, mode, distribution}(std::forward<Target>(w), rng, s);
}
template <class Target, class Rng>
void glorot_uniform(Target&& w, Rng&& rng, const shape& s = {}) { scheme::glorot_uniform{}(std::forward<Target>(w), rng, s); }
template <class Target, class Rng>
void glorot_normal(Target&& w, Rng&& rng, const shape& s = {}) { scheme::glorot_normal{}(std::forward<Target>(w), rng, s); }
template <class Target, class Rng>
void he_uniform(Target&& w, Rng&& rng, const shape& s = {}) { scheme::he_uniform{}(std::forward<Target>(w), rng, s); }
template <class Target, class Rng>
void he_normal(Target&& w, Rng&& rng, const shape& s = {}) { scheme::he_normal{}(std::forward<Target>(w), rng, s); }
template <class Target, class Rng>
void lecun_uniform(Target&& w, Rng&& rng, const shape& s = {}) { scheme::lecun_uniform{}(std::forward<Target>(w), rng, s); }
template <class Target, class Rng>
void lecun_normal(Target&& w, Rng&& rng, const shape& s = {}) { scheme::lecun_normal{}(std::forward<Target>(w), rng, s); }

}  // namespace nninit
