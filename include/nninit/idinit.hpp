// nninit: idinit (IDInit, Pan, Wang, Wu, Wang, Zhang & Xu, ICLR 2025).
#pragma once

#include <array>
#include <string_view>
#include <utility>

#include "detail/conv.hpp"
#include "detail/scheme_base.hpp"

namespace nninit {

/// Which IDInit matrix a layer gets.
enum class idinit_form {
  identity,  ///< IDI_tau: the padded identity-like matrix (stem, and non-last layers of branches)
  zero,      ///< IDIZ_eps: +-eps in each row, rows summing to 0 (the last layer of a residual branch)
};

/// How a conv kernel's (in, k...) patch is flattened into the columns IDI is written over.
enum class patch_order {
  channel_major,  ///< column in*K + tap: PyTorch's weight.view(out, -1) (the likelier reading)
  tap_major,      ///< column tap*C_in + in: channel fastest (the reviews' k x k x c_in reading)
};

/// Which entries the loosening noise perturbs.
enum class loosen_entries {
  nonzero,  ///< only the tau (or +-eps) entries: "small perturbations to the diagonals"
  all,      ///< every entry (a third-party port)
};

namespace detail {
template <>
struct enum_names<idinit_form> {
  static constexpr std::array<std::pair<idinit_form, std::string_view>, 2> table{{
      {idinit_form::identity, "identity"},
      {idinit_form::zero, "zero"},
  }};
};
template <>
struct enum_names<patch_order> {
  static constexpr std::array<std::pair<patch_order, std::string_view>, 2> table{{
      {patch_order::channel_major, "channel_major"},
      {patch_order::tap_major, "tap_major"},
  }};
};
template <>
struct enum_names<loosen_entries> {
  static constexpr std::array<std::pair<loosen_entries, std::string_view>, 2> table{{
      {loosen_entries::nonzero, "nonzero"},
      {loosen_entries::all, "all"},
  }};
};

/// IDIZ's sign at (row o, column j) of a (P, Q) matrix: +1, -1 or 0. Reconstruction of a third-
/// party port (no official code is public): IDI_1, then -1 at column P + (o mod (Q - P)) when
/// P < Q, or at column (o + 1) mod Q when P >= Q; every row sums to 0. With Q = 1 that would
/// cancel, so the single column alternates +1, -1 down the rows.
inline int zero_sum_sign(index o, index j, index P, index Q) {
  if (Q == 1) return o % 2 == 0 ? 1 : -1;
  if (j == o % Q) return 1;
  const index minus = P < Q ? P + o % (Q - P) : (o + 1) % Q;
  return j == minus ? -1 : 0;
}
}  // namespace detail

namespace scheme {

/// IDInit, "Towards stabilization and efficient training of deep networks" (Pan et al., ICLR 2025):
/// identity-like weights for every shape. No official code is public; the rules below follow the
/// paper's Eq. (3), its Figure 3 caption (defaults tau = 1, eps = 1e-6) and the reviews that quote
/// it (../shared/algorithms/identity.md section 2 lists what each rests on).
///  - form identity, IDI_tau (Eq. 3): W[o][j] = tau where j == o mod Q, else 0, for the (P, Q) =
///    (out, in*k) view: tau*I when square, a truncated identity when P < Q, identities stacked
///    down the rows when P > Q. Unlike ZerO's zero padding, a wider layer repeats its inputs.
///  - a conv weight is the same matrix over its flattened (out, in*k) view (IDIC, "patch-maintain":
///    output channel o copies one tap of one input channel), in PyTorch's flatten order by
///    default; patch_order::tap_major is the other reading of the paper's reshape.
///  - form zero, IDIZ_eps (the last layer of a residual branch): eps at IDI's entries and -eps at a
///    second column of each row (detail::zero_sum_sign), so every weight gets gradient while the
///    branch outputs O(eps). eps = 0 is Fixup's and ZerO's exact zero.
///  - loosen_std > 0 adds seeded N(0, loosen_std^2) noise ("loosening", which breaks the ties of the
///    stacked copies when out > in) to the nonzero entries, or to all with loosen = all; it is off
///    by default and then needs no engine. Whether the paper's 1e-6 is a std or a variance is not
///    known: the value you pass is the std.
/// Layout (out, in), PyTorch's: IDI(5, 3) stacks identities but IDI(3, 5) truncates one. Fill a
/// Keras/JAX (in, out) matrix through its `.transpose()`, or give the shape with layout::in_out.
/// In a network (`initializer::for_layer`): the last layer of each residual branch gets the zero
/// form, the classifier IDI_tau (or zeros with zero_classifier), every other layer IDI_tau.
struct idinit : detail::scheme_base<idinit> {
  static constexpr std::string_view name = "idinit";
  static constexpr std::string_view reference = "IDInit paper Eq. 3 (exact; no official code is public)";
  static constexpr bool is_random = false;
  double tau = 1.0;                     ///< IDI's value
  idinit_form form = idinit_form::identity;
  double eps = 1e-6;                    ///< IDIZ's value
  double loosen_std = 0.0;              ///< std of the seeded loosening noise; 0: none
  loosen_entries loosen = loosen_entries::nonzero;
  patch_order order = patch_order::channel_major;
  bool zero_classifier = false;         ///< for_layer: zeros instead of IDI_tau on the classifier

  template <class V> void visit_options(V&& v) {
    v("tau", tau, "IDI's value");
    v("form", form, "identity (IDI_tau) or zero (IDIZ_eps, the last layer of a residual branch)");
    v("eps", eps, "IDIZ's value, >= 0");
    v("loosen_std", loosen_std, "std of seeded noise on the entries (0: deterministic)");
    v("loosen", loosen, "entries the noise perturbs: nonzero or all");
    v("order", order, "conv patch flattening: channel_major (PyTorch view) or tap_major");
    v("zero_classifier", zero_classifier, "in a network, zero the classifier instead of IDI_tau");
  }
  std::pair<std::string_view, double> noise() const { return {"loosen_std", loosen_std}; }

  plan make_plan(const detail::context& ctx) const {
    ctx.check.representable("tau", tau);
    ctx.check.non_negative("eps", eps);
    ctx.check.representable("eps", eps);
    ctx.check.non_negative("loosen_std", loosen_std);
    ctx.check.representable("loosen_std", loosen_std);
    ctx.require_rank(2, 5, "2-D (dense) or 3-, 4- or 5-D (conv)");
    const bool zero = form == idinit_form::zero;
    plan p{name, ctx.shape, zero ? distribution::zero_sum_identity : distribution::padded_identity};
    p.value = zero ? eps : tau;
    if (loosen_std > 0) p.mean = 0, p.std = loosen_std;
    return p;
  }

  template <class X>
  void write(const plan& p, X& w, const detail::context& ctx, const engine& eng) const {
    const shape& s = ctx.shape;
    const index P = s.channel_dims().first, in = s.channel_dims().second;
    const index K = s.receptive_field(), Q = in * K;
    const bool zero = form == idinit_form::zero;
    auto value = [&](index R, index C) {
      const auto at = detail::conv_coord_of(s, R, C);
      const index j = order == patch_order::channel_major ? at.in * K + at.tap : at.tap * in + at.in;
      if (zero) return p.value * detail::zero_sum_sign(at.out, j, P, Q);
      return j == at.out % Q ? p.value : 0.0;
    };
    detail::fill_by_position(w, ctx.geom, value, eng, loosen_std, loosen == loosen_entries::all);
  }
};

}  // namespace scheme

/// IDI_tau (Eq. 3) on a dense weight, or IDIC on a conv weight when `s` gives its shape.
template <class Target>
void idinit(Target&& w, double tau = 1.0, const shape& s = {}) {
  scheme::idinit{{}, tau}(std::forward<Target>(w), s);
}

}  // namespace nninit
