// nninit: constnet (ConstNet, Blumenfeld, Gilboa & Soudry, "Beyond Signal Propagation", ICML 2020).
#pragma once

#include <array>
#include <string_view>
#include <utility>

#include "detail/conv.hpp"
#include "detail/scheme_base.hpp"
#include "kernel_centre.hpp"

namespace nninit {

/// Which ConstNet weight a layer gets.
enum class constnet_form {
  average,  ///< ConstAvg: 1/in at the centre tap of every (out, in) pair: each output is the input mean
  zero,     ///< all zeros (the residual convs and the classifier)
};

namespace detail {
template <>
struct enum_names<constnet_form> {
  static constexpr std::array<std::pair<constnet_form, std::string_view>, 2> table{{
      {constnet_form::average, "average"},
      {constnet_form::zero, "zero"},
  }};
};
}  // namespace detail

namespace scheme {

/// ConstNet (Blumenfeld et al., ICML 2020, section 4; official code yanivbl6/BeyondSigProp): a
/// network that propagates signal perfectly and yet cannot learn, because every channel is the
/// same. form average ("ConstAvg", the first conv and every channel-changing shortcut) writes
/// 1/in at the centre tap of every (out, in) pair, 0 elsewhere (a dense weight: 1/in everywhere),
/// in = the stored input channels (per group); form zero writes zeros (the residual convs and the
/// classifier). Exact.
///
/// Symmetry: with identical channels, exact arithmetic keeps every channel's gradient identical
/// forever. The paper's runs break the symmetry through non-deterministic GPU kernels; nninit is
/// deterministic, so the breaking is an explicit option: noise_std > 0 adds seeded N(0, noise_std^2)
/// noise to every entry (pass an engine). Without it a deterministic trainer never breaks symmetry.
/// Even kernels are refused unless `even_kernel` picks a centre (the official code uses k // 2).
/// In a network (`initializer::for_layer`): branch layers and the classifier are zero, every other
/// layer gets `form`; the noise applies to all of them.
struct constnet : detail::scheme_base<constnet> {
  static constexpr std::string_view name = "constnet";
  static constexpr std::string_view reference = "BeyondSigProp ConstAvg / zero (exact)";
  static constexpr bool is_random = false;
  constnet_form form = constnet_form::average;
  double noise_std = 0.0;  ///< std of the seeded symmetry-breaking noise; 0: none
  kernel_centre even_kernel = kernel_centre::odd_only;

  template <class V> void visit_options(V&& v) {
    v("form", form, "average (1/in at the centre tap) or zero");
    v("noise_std", noise_std, "std of seeded noise on every entry, the explicit symmetry breaking (0: none)");
    v("even_kernel", even_kernel, "centre tap of an even kernel: odd_only refuses it, upper k/2, lower (k-1)/2");
  }
  std::pair<std::string_view, double> noise() const { return {"noise_std", noise_std}; }

  plan make_plan(const detail::context& ctx) const {
    ctx.check.non_negative("noise_std", noise_std);
    ctx.check.representable("noise_std", noise_std);
    ctx.require_rank(2, 5, "2-D (dense) or 3-, 4- or 5-D (conv)");
    if (ctx.shape.dims.size() > 2) (void)detail::centre_tap(ctx.check, ctx.shape, even_kernel, "even_kernel");
    const index in = ctx.shape.channel_dims().second;
    plan p{name, ctx.shape, form == constnet_form::average ? distribution::channel_mean : distribution::constant};
    p.value = form == constnet_form::average && in > 0 ? 1.0 / static_cast<double>(in) : 0.0;  // in = 0: nothing to write
    if (noise_std > 0) p.mean = 0, p.std = noise_std;
    return p;
  }

  template <class X>
  void write(const plan& p, X& w, const detail::context& ctx, const engine& eng) const {
    const shape& s = ctx.shape;
    const index centre = s.dims.size() > 2 ? detail::centre_tap(ctx.check, s, even_kernel, "even_kernel") : 0;
    auto value = [&](index R, index C) { return detail::conv_coord_of(s, R, C).tap == centre ? p.value : 0.0; };
    detail::fill_by_position(w, ctx.geom, value, eng, noise_std, true);
  }
};

}  // namespace scheme

/// ConstNet's average (ConstAvg) weight, deterministic; `s` gives a conv shape.
template <class Target>
void constnet(Target&& w, const shape& s = {}) {
  scheme::constnet{}(std::forward<Target>(w), s);
}

}  // namespace nninit
