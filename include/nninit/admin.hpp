// nninit: Admin (Liu, Liu, Gao, Chen, Han 2020, "Understanding the Difficulty of Training
// Transformers", EMNLP, arXiv 2004.08249), data-free form: post-LN blocks
// x_i = LN(omega x_{i-1} + f_i(x_{i-1})) whose shortcut weight omega is set from the number of
// residual sub-layers n, the weights keeping the base model's init (admin-torch's
// calculate_init; ../shared transformer.md §3). The profiling form, omega_i from a forward pass
// over data, is harness code, not an initializer.
#pragma once

#include <array>
#include <cmath>
#include <string_view>
#include <utility>

#include "detail/enum_names.hpp"
#include "detail/scheme_base.hpp"
#include "torch_default.hpp"

namespace nninit {

/// How much the output may change with depth, admin-torch's `output_change_scale`:
/// o_logn (the default) omega = sqrt((n + 1) / ln(n + 1) - 1); o_1 omega = sqrt(n); o_n omega = 1
/// (vanilla post-LN).
enum class admin_output_change { o_logn, o_1, o_n };

namespace detail {
template <>
struct enum_names<admin_output_change> {
  static constexpr std::array<std::pair<admin_output_change, std::string_view>, 3> table{{
      {admin_output_change::o_logn, "o_logn"},
      {admin_output_change::o_1, "o_1"},
      {admin_output_change::o_n, "o_n"},
  }};
};

inline double admin_omega(const checker& check, index sublayers, admin_output_change change) {
  if (sublayers < 1) check.fail("sublayers", ">= 1 (residual sub-layers, 2 per encoder block)", number(sublayers));
  const double n = static_cast<double>(sublayers);
  switch (change) {
    // cppcheck-suppress unpreciseMathCall ; n + 1 is exact, and admin-torch computes math.log(n + 1)
    case admin_output_change::o_logn: return std::sqrt((n + 1) / std::log(n + 1) - 1);
    case admin_output_change::o_1: return std::sqrt(n);
    case admin_output_change::o_n: break;
  }
  return 1.0;
}
}  // namespace detail

/// Admin's data-free shortcut weight for n residual sub-layers (2N for an encoder of N blocks).
inline double admin_omega(index sublayers, admin_output_change change = admin_output_change::o_logn) {
  return detail::admin_omega(detail::checker("admin", ""), sublayers, change);
}

namespace scheme {

/// Admin's weights are the base model's: PyTorch's default, U(+-1/sqrt(fan_in)), as a single
/// weight, and the torch_default rule per role as a network rule. What Admin adds is omega on every
/// shortcut (`initializer::transformer_scalars`, post-LN), from `sublayers` (0: 2L, the network
/// rule's depth) and `output_change`.
struct admin : detail::scheme_base<admin> {
  static constexpr std::string_view name = "admin";
  static constexpr std::string_view reference =
      "Admin (Liu et al. 2020), admin-torch calculate_init (omega exact; weights: PyTorch's default)";
  static constexpr bool is_random = true;
  index sublayers = 0;  ///< n, residual sub-layers; 0: unset (the network rule takes 2L)
  admin_output_change output_change = admin_output_change::o_logn;

  template <class V> void visit_options(V&& v) {
    v("sublayers", sublayers, "n, residual sub-layers (2 per block; 0: unset, the network rule takes 2L)");
    v("output_change", output_change, "o_logn (default), o_1 or o_n (omega 1, vanilla post-LN)");
  }

  plan make_plan(const detail::context& ctx) const {
    if (sublayers < 0) ctx.check.fail("sublayers", ">= 0 (0: unset)", detail::number(sublayers));
    return torch_default{}.make_plan(ctx).named(name);
  }
};

}  // namespace scheme

}  // namespace nninit
