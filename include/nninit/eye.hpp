// nninit: eye.
#pragma once

#include <string_view>
#include <utility>

#include "detail/scheme_base.hpp"

namespace nninit {
namespace scheme {

/// gain on the diagonal of a 2-D weight, 0 elsewhere; rectangular shapes get the leading
/// min(rows, cols) diagonal (PyTorch `eye_`, gain 1; Keras `Identity(gain)`). Exact.
/// Preserves the identity of the inputs in linear layers (as many inputs as possible).
struct eye : detail::scheme_base<eye> {
  static constexpr std::string_view name = "eye";
  static constexpr std::string_view reference = "PyTorch eye_ / Keras Identity (exact)";
  static constexpr bool is_random = false;
  double gain = 1.0;  ///< the diagonal value (Keras Identity's gain)

  template <class V> void visit_options(V&& v) { v("gain", gain, "the diagonal value"); }

  plan make_plan(const detail::context& ctx) const {
    ctx.check.representable("gain", gain);
    ctx.require_rank(2, 2, "2-D");
    plan p{name, ctx.shape, distribution::identity};
    p.gain = p.value = gain;
    return p;
  }
  template <class X>
  void write(const plan& p, X& w, const detail::context& ctx, const engine&) const {
    detail::fill_by_position(w, ctx.geom, [&](index R, index C) { return R == C ? p.value : 0.0; });
  }
};

}  // namespace scheme

template <class Target>
void eye(Target&& w, double gain = 1.0, const shape& s = {}) {
  scheme::eye{{}, gain}(std::forward<Target>(w), s);
}

}  // namespace nninit
