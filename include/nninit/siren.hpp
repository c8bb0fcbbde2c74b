// nninit: siren (SIREN, Sitzmann, Martel, Bergman, Lindell & Wetzstein, "Implicit Neural
// Representations with Periodic Activation Functions", NeurIPS 2020).
#pragma once

#include <cmath>
#include <string_view>
#include <utility>

#include "detail/scheme_base.hpp"

namespace nninit {
namespace detail {

/// SIREN's uniform plan U[-bound, bound) for a weight feeding sin(omega0 * (W x + b)): bound =
/// 1 / fan_in on the first layer, sqrt(6 / fan_in) / omega0 on every later one, computed in
/// double with the official code's operations, so the bound is the same double (fan_in 256,
/// omega0 30: 0.005103103630798287). Shared by siren and winner, so that winner without noise
/// is siren's fill to the bit. Validates omega0: finite, > 0, and the width 2 * bound finite in float.
inline plan siren_plan(const context& ctx, std::string_view scheme_name, double omega0, bool first_layer) {
  ctx.check.positive("omega0", omega0);
  const fans f = ctx.fans();
  const double n = static_cast<double>(f.in);
  const double bound = first_layer ? 1.0 / n : std::sqrt(6.0 / n) / omega0;
  // 2 * bound is the uniform's width in the target's type; only a tiny omega0 can overflow it.
  if (!ctx.empty() && !std::isfinite(static_cast<float>(bound) - static_cast<float>(-bound)))
    ctx.check.fail("omega0", "large enough that 2 * sqrt(6 / fan_in) / omega0 is finite in float", omega0);
  plan p{scheme_name, ctx.shape, distribution::uniform, f.in, f.out};
  p.mean = 0;
  p.bound = bound;
  p.lo = -bound;
  p.hi = bound;
  p.std = p.output_std = bound / std::sqrt(3.0);
  return p;
}

}  // namespace detail

namespace scheme {

/// SIREN (Sitzmann et al., NeurIPS 2020, section 3.2 and supplement section 1.5), for a layer
/// y = sin(omega0 * (W x + b)):
///  - first_layer: U[-1/fan_in, 1/fan_in) (official `first_layer_sine_init`; omega0 then scales
///    the input frequencies in the forward pass, not the weights);
///  - every other layer, the final linear one included: U[-sqrt(6/fan_in)/omega0,
///    sqrt(6/fan_in)/omega0) (official `sine_init`, written there with 30 for omega0), so that
///    omega0 * W has variance 2/fan_in and, with arcsine-distributed inputs, unit-variance
///    pre-activations.
/// The bound is the official code's double (np.sqrt(6 / num_input) / 30): fan_in 256, omega0 30
/// gives 0.005103103630798287; fan_in 2 on the first layer gives 0.5. fan_in is nninit's (PyTorch's
/// in_features * receptive field); the official num_input is weight.size(-1), which is the same
/// for Linear layers (for conv weights it would be the kernel width; that quirk is not copied).
/// The biases are not part of this scheme: the official code leaves PyTorch's default
/// U(+-1/sqrt(fan_in)) (torch_default's bias), which sits inside the sine and is scaled by omega0 too.
/// A non-first layer is variance_scaling with scale 2/omega0^2, fan_in, uniform (up to the
/// bound's last bit); the first layer is not fan-scaled variance (Var = 1/(3 fan_in^2)).
/// Matches the official code's bound exactly and its values in distribution (different generator).
struct siren : detail::scheme_base<siren> {
  static constexpr std::string_view name = "siren";
  static constexpr std::string_view reference =
      "SIREN official modules.py sine_init / first_layer_sine_init (bound exact, values in distribution)";
  static constexpr bool is_random = true;
  double omega0 = 30.0;      ///< the sine's frequency factor omega_0, finite and > 0 (paper and code: 30)
  bool first_layer = false;  ///< true for the layer reading the coordinates: U(+-1/fan_in)

  template <class V> void visit_options(V&& v) {
    v("omega0", omega0, "frequency factor of sin(omega0 (W x + b)), > 0 (hidden bound sqrt(6/fan_in)/omega0)");
    v("first_layer", first_layer, "the layer reading the input coordinates: U(+-1/fan_in)");
  }

  plan make_plan(const detail::context& ctx) const { return detail::siren_plan(ctx, name, omega0, first_layer); }
};

}  // namespace scheme

/// A SIREN weight: the first layer with first_layer = true, every later layer (the final linear
/// one too) with the default false. The flag comes before omega0 so that siren(w, eng, true) is
/// the first layer.
template <class Target, class Rng>
void siren(Target&& w, Rng&& rng, bool first_layer = false, double omega0 = 30.0, const shape& s = {}) {
  scheme::siren{{}, omega0, first_layer}(std::forward<Target>(w), rng, s);
}

}  // namespace nninit
