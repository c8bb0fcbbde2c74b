// nninit: dirac.
#pragma once

#include <algorithm>
#include <string_view>
#include <utility>

#include "detail/conv.hpp"
#include "detail/scheme_base.hpp"

namespace nninit {
namespace scheme {

/// The Dirac delta of a 3-, 4- or 5-D conv weight: for each group g and d < min(out/groups, in),
/// weight[g*out/groups + d, d, centre] = gain, all else 0, with centre = size // 2 on every
/// kernel axis (PyTorch `dirac_(groups)`, exact). A conv with this weight passes its first
/// channels through unchanged. `groups` defaults to the shape's groups, which defaults to 1.
/// For layout::in_out the same weight is written in the (*k, in, out) order.
struct dirac : detail::scheme_base<dirac> {
  static constexpr std::string_view name = "dirac";
  static constexpr std::string_view reference = "PyTorch dirac_ (exact)";
  static constexpr bool is_random = false;
  index groups = 1;   ///< conv groups: out channels are split into this many identities
  double gain = 1.0;  ///< the delta's value

  template <class V> void visit_options(V&& v) {
    v("groups", groups, "conv groups (identities stacked per group)");
    v("gain", gain, "the delta's value");
  }

  plan make_plan(const detail::context& ctx) const {
    ctx.check.representable("gain", gain);
    const index g = groups != 1 ? groups : ctx.shape.groups;
    ctx.check.positive_count("groups", g);
    ctx.require_rank(3, 5, "3-, 4- or 5-D");
    (void)ctx.out_per_group(g);
    plan p{name, ctx.shape, distribution::dirac};
    p.gain = p.value = gain;
    p.groups = g;
    return p;
  }
  template <class X>
  void write(const plan& p, X& w, const detail::context& ctx, const engine&) const {
    const shape& s = ctx.shape;
    const index out_per_group = s.channel_dims().first / p.groups;
    const index identities = std::min(out_per_group, s.channel_dims().second);
    const index centre = detail::centre_tap(s, [](index k) { return k / 2; });
    detail::fill_by_position(w, ctx.geom, [&](index R, index C) {
      const auto at = detail::conv_coord_of(s, R, C);
      const index d = at.out % out_per_group;
      return at.tap == centre && at.in == d && d < identities ? p.value : 0.0;
    });
  }
};

}  // namespace scheme

template <class Target>
void dirac(Target&& w, const shape& s, index groups = 1) {
  scheme::dirac{{}, groups}(std::forward<Target>(w), s);
}

}  // namespace nninit
