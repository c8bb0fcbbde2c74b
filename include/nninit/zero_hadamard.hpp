// nninit: zero_hadamard (ZerO, Zhao, Schaefer & Anandkumar, TMLR 2022).
#pragma once

#include <string_view>
#include <utility>

#include "detail/conv.hpp"
#include "detail/scheme_base.hpp"
#include "hadamard.hpp"
#include "kernel_centre.hpp"

namespace nninit {
namespace scheme {

/// ZerO, "Zero initialization: initializing neural networks with only zeros and ones", Zhao et
/// al., TMLR 2022 (named zero_hadamard so that it cannot be confused with the all-zeros `zeros`).
/// Deterministic. For a dense (out, in) = (P, Q) weight, Algorithm 1:
///   P == Q: the identity;  P < Q: the partial identity (1 at (i, i), i < P: keeps the first P
///   inputs);  P > Q: c * the top-left P x Q block of the Sylvester-Hadamard H_m, m = ceil(log2 P),
///   entry (i, j) = c * (-1)^popcount(i & j) (no 2^m x 2^m matrix is formed).
/// c defaults to the official code's 2^(-m/2) (hadamard_scale::orthonormal: for P = 2^m the layer
/// is an isometry, W^T W = I); hadamard_scale::paper is the paper's 2^(-(m-1)/2).
/// A 3-, 4- or 5-D conv weight (out, in, k...) gets Algorithm 2: zero everywhere except the centre
/// tap, which holds the Algorithm 1 matrix for (out, in) (per group for grouped convs, as dirac_).
/// The paper defines odd kernels only: even ones are refused unless `even_kernel` picks a centre.
///
/// Layout: (out, in), PyTorch's. The scheme is not transpose-symmetric (ZerO(4, 2) is a Hadamard
/// block, ZerO(2, 4) a partial identity): fill a Keras/JAX (in, out) matrix through its
/// `.transpose()`, or give the shape with layout::in_out.
///
/// In a network (`initializer::for_layer`): the last layer of each residual branch is zero, as in
/// the official ResNets (their "augmented skips"); every other layer gets Algorithm 1 or 2.
struct zero_hadamard : detail::scheme_base<zero_hadamard> {
  static constexpr std::string_view name = "zero_hadamard";
  static constexpr std::string_view reference = "ZerO official code, Algorithm 1 (exact); Algorithm 2 for convs";
  static constexpr bool is_random = false;
  hadamard_scale scale = hadamard_scale::orthonormal;  ///< c of the out > in case
  kernel_centre even_kernel = kernel_centre::odd_only;  ///< centre of an even kernel

  template <class V> void visit_options(V&& v) {
    v("scale", scale, "Hadamard factor when out > in: orthonormal 2^(-m/2) (official code) or paper 2^(-(m-1)/2)");
    v("even_kernel", even_kernel, "centre tap of an even kernel: odd_only refuses it, upper k/2, lower (k-1)/2");
  }

  plan make_plan(const detail::context& ctx) const {
    ctx.require_rank(2, 5, "2-D (dense) or 3-, 4- or 5-D (conv)");
    const index out = ctx.out_per_group(ctx.shape.groups), in = ctx.shape.channel_dims().second;
    if (ctx.shape.dims.size() > 2) (void)detail::centre_tap(ctx.check, ctx.shape, even_kernel, "even_kernel");
    const bool conv = ctx.shape.dims.size() > 2;
    plan p{name, ctx.shape, out > in ? distribution::hadamard : conv ? distribution::dirac : distribution::identity};
    p.value = out > in ? hadamard_constant(hadamard_order(out), scale) : 1.0;
    p.groups = ctx.shape.groups;
    return p;
  }

  template <class X>
  void write(const plan& p, X& w, const detail::context& ctx, const engine&) const {
    const shape& s = ctx.shape;
    const index out = s.channel_dims().first / p.groups, in = s.channel_dims().second;
    const index centre = s.dims.size() > 2 ? detail::centre_tap(ctx.check, s, even_kernel, "even_kernel") : 0;
    detail::fill_by_position(w, ctx.geom, [&](index R, index C) {
      const auto at = detail::conv_coord_of(s, R, C);
      if (at.tap != centre) return 0.0;
      const index o = at.out % out;
      if (out > in) return p.value * hadamard_entry(o, at.in);
      return o == at.in ? 1.0 : 0.0;
    });
  }
};

}  // namespace scheme

/// ZerO's Algorithm 1 (dense) or 2 (conv, with `s` giving the conv shape), the official constant.
template <class Target>
void zero_hadamard(Target&& w, const shape& s = {}) {
  scheme::zero_hadamard{}(std::forward<Target>(w), s);
}

}  // namespace nninit
