// nninit: fixup (Fixup, Zhang, Dauphin & Ma, "Fixup initialization: residual learning without
// normalization", ICLR 2019).
#pragma once

#include <cmath>
#include <string_view>
#include <utility>

#include "variance_scaling.hpp"

namespace nninit {
namespace detail {
inline double fixup_scale(const checker& check, index branches, index layers_per_branch) {
  if (branches < 1)
    check.fail("branches", ">= 1 (L, the number of residual branches in the network)", number(branches));
  if (layers_per_branch < 2)
    check.fail("layers_per_branch", ">= 2 (m, weight layers per branch; L^(-1/(2m-2)) needs m >= 2)",
               number(layers_per_branch));
  // 2(m - 1) in double: m may be any index (2m - 2 overflows for m near 2^63); exact for m < 2^52.
  return std::pow(static_cast<double>(branches), -1.0 / (2.0 * (static_cast<double>(layers_per_branch) - 1.0)));
}
}  // namespace detail

/// Fixup's rule 2 factor L^(-1/(2m-2)) (section 3; the exponent is negative, some copies of the
/// paper's formula lose the sign): L residual branches of m weight layers each. ResNet-110
/// (L = 54, m = 2): 0.1360827635; ResNet-50 (L = 16, m = 3): 0.5. Throws init_error for L < 1 or m < 2.
inline double fixup_scale(index branches, index layers_per_branch) {
  return detail::fixup_scale(detail::checker("fixup_scale", ""), branches, layers_per_branch);
}

namespace scheme {

/// Fixup (Zhang, Dauphin & Ma, ICLR 2019, section 3), a network-level recipe:
///  1. the classifier and the last layer of each residual branch are 0;
///  2. every other layer gets He init (N(0, 2/fan)), and the layers inside residual branches are
///     multiplied by L^(-1/(2m-2)) (fixup_scale);
///  3. scalar multipliers (1) and scalar biases (0) around each branch.
/// This scheme fills one branch layer (rule 2): N(0, std^2), std = sqrt(2 / fan) * L^(-1/(2m-2)),
/// computed once in double as the official code does. fan is fan_in by default (the paper's He);
/// mode = fan_out is the official code's ResNets. `distribution` = uniform or truncated_normal
/// keeps the same std. `initializer::for_layer` and `plan_network` apply the whole recipe:
/// branch_first and branch_middle get this scheme (L and m from the network unless set here),
/// branch_last and the classifier zeros, the stem and projection shortcuts unscaled He normal with
/// the same mode. The official code leaves its stem at PyTorch's default (torch_default) and
/// trains the scalars at lr/10; both are the trainer's choice.
struct fixup : detail::scheme_base<fixup> {
  static constexpr std::string_view name = "fixup";
  static constexpr std::string_view reference = "Fixup official code, conv1 of a branch (std exact, values in distribution)";
  static constexpr bool is_random = true;
  index branches = 0;           ///< L; 0: taken from the network (required for a single fill)
  index layers_per_branch = 0;  ///< m; 0: taken from the network (required for a single fill)
  fan_mode mode = fan_mode::fan_in;
  variance_distribution distribution = variance_distribution::normal;

  template <class V> void visit_options(V&& v) {
    v("branches", branches, "L, residual branches in the network (0: from the network)");
    v("layers_per_branch", layers_per_branch, "m >= 2, weight layers per branch (0: from the network)");
    v("mode", mode, "He's fan: fan_in (paper) or fan_out (official ResNets)");
    v("distribution", distribution, "normal (official), uniform or truncated_normal, same std");
  }

  plan make_plan(const detail::context& ctx) const {
    const double scale = detail::fixup_scale(ctx.check, branches, layers_per_branch);
    const fans f = ctx.fans();
    plan p{name, ctx.shape, nninit::distribution::normal, f.in, f.out};
    p.gain = std::sqrt(2.0);
    p.value = scale;
    return detail::spread(p, distribution, std::sqrt(2.0 / detail::fan_denominator(f, mode)) * scale);
  }
};

}  // namespace scheme

/// One weight layer inside a residual branch (not the last): He normal times L^(-1/(2m-2)).
template <class Target, class Rng>
void fixup(Target&& w, Rng&& rng, index branches, index layers_per_branch, fan_mode mode = fan_mode::fan_in,
           const shape& s = {}) {
  scheme::fixup{{}, branches, layers_per_branch, mode}(std::forward<Target>(w), rng, s);
}

}  // namespace nninit
