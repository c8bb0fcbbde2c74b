// nninit: skipinit (De & Smith, "Batch normalization biases residual blocks towards the identity
// function in deep networks", NeurIPS 2020), rezero (Bachlechner et al., "ReZero is all you need:
// fast convergence at large depth", UAI 2021) and zero_gamma (Goyal et al., "Accurate, large
// minibatch SGD", 2017, §5.1; torchvision's zero_init_residual): residual networks whose branches
// start switched off by a zero scalar rather than by zero weights.
#pragma once

#include <string_view>

#include "kaiming.hpp"

namespace nninit::scheme {

/// What the three share: every weight He normal (PyTorch's kaiming_normal_ for relu, N(0, 2/fan)),
/// as a single weight and everywhere in a network; the rules differ only in the scalars.
template <class Derived>
struct he_weights_rule : detail::scheme_base<Derived> {
  static constexpr bool is_random = true;
  fan_mode mode = fan_mode::fan_in;

  plan make_plan(const detail::context& ctx) const {
    return detail::kaiming_plan(ctx, Derived::name, 0.0, mode, nninit::nonlinearity::relu, variance_distribution::normal);
  }
};

/// SkipInit (De & Smith 2020, §4): no normalization; each residual branch is multiplied by a
/// learnable scalar alpha initialised to 0 (or a small value below 1/sqrt(L), the paper's other
/// choice): x_{l+1} = x_l + alpha_l f_l(x_l), so every block starts as the identity, the role the
/// paper shows batch normalization plays (it downscales branches by ~sqrt(depth)). Weights He normal.
/// In a network (`initializer::for_parameter`): the branch multipliers get `alpha`.
struct skipinit : he_weights_rule<skipinit> {
  static constexpr std::string_view name = "skipinit";
  static constexpr std::string_view reference = "SkipInit (De & Smith 2020): He weights, branch multiplier alpha = 0";
  double alpha = 0.0;  ///< the branch multipliers' initial value

  template <class V> void visit_options(V&& v) {
    v("alpha", alpha, "initial value of every residual branch's multiplier (0, or small: < 1/sqrt(blocks))");
    v("mode", mode, "He's fan: fan_in or fan_out");
  }
  plan make_plan(const detail::context& ctx) const {
    ctx.check.representable("alpha", alpha);
    return he_weights_rule::make_plan(ctx);
  }
};

/// ReZero (Bachlechner et al. 2021, eq. 4): x_{i+1} = x_i + alpha_i F(x_i), alpha_i = 0, no
/// normalization; weights He normal (the official fully connected example: Xavier normal with
/// gain sqrt(2), the same for square layers). The paper's block has no activation after the sum;
/// the harness keeps its own block form for every scheme, so that a comparison is of
/// initializations only. In a network: the branch multipliers get 0.
struct rezero : he_weights_rule<rezero> {
  static constexpr std::string_view name = "rezero";
  static constexpr std::string_view reference = "ReZero (Bachlechner et al. 2021): He weights, branch multiplier 0";

  template <class V> void visit_options(V&& v) { v("mode", mode, "He's fan: fan_in or fan_out"); }
};

/// Zero-gamma (Goyal et al. 2017, §5.1; torchvision ResNet's zero_init_residual=True): He normal
/// weights (fan_in by default; torchvision's ResNets use mode = fan_out) and the gain of the last
/// normalization layer of every residual branch 0, so that each block starts as the identity
/// while keeping its normalization. Other norm gains 1, biases 0. Without normalization layers
/// it is plain He normal.
struct zero_gamma : he_weights_rule<zero_gamma> {
  static constexpr std::string_view name = "zero_gamma";
  static constexpr std::string_view reference = "Goyal et al. 2017 / torchvision zero_init_residual: He weights, last norm gain of each branch 0";

  template <class V> void visit_options(V&& v) { v("mode", mode, "He's fan: fan_in or fan_out (torchvision)"); }
};

}  // namespace nninit::scheme
