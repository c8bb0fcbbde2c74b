// nninit: OLMo's initializations (allenai/OLMo olmo/model.py and olmo/initialization.py,
// `init_fn`): `mitchell` (OLMo-1B/7B, configs/official-0724), `full_megatron`, and OLMo 2's
// `normal` (official-1124: std 0.02, cutoff 3, no depth scaling). ../shared transformer.md §5.2.
#pragma once

#include <array>
#include <cmath>
#include <string_view>
#include <utility>

#include "detail/enum_names.hpp"
#include "detail/scheme_base.hpp"
#include "layer_role.hpp"
#include "trunc_normal.hpp"
#include "variance_scaling.hpp"

namespace nninit {

/// OLMo's `InitFnType` values that its blocks implement.
enum class olmo_init_fn { normal, mitchell, full_megatron };

namespace detail {

/// How OLMo treats a role: the input-side weights (att_proj, ff_proj), the residual output
/// projections (attn_out, ff_out), the token table, learned positions, and the untied readout.
enum class olmo_slot { in, out, token, position, readout };

inline olmo_slot olmo_slot_of(layer_role r) {
  switch (r) {
    case layer_role::attention_out:
    case layer_role::ffn_out:
    case layer_role::branch_last: return olmo_slot::out;
    case layer_role::embedding:
    case layer_role::cls: return olmo_slot::token;
    case layer_role::position: return olmo_slot::position;
    case layer_role::classifier: return olmo_slot::readout;
    default: return olmo_slot::in;
  }
}

/// OLMo's init_normal(module, std, cutoff): N(0, std^2), truncated at +-cutoff std (absolute
/// bounds, as its nn.init.trunc_normal_ call) when cutoff > 0. (std is inf for a weight without
/// elements, which nothing is written to.)
inline plan olmo_normal_plan(const context& ctx, std::string_view name, double std, double cutoff) {
  const fans f = ctx.fans();
  plan p = spread(plan{name, ctx.shape, distribution::normal, f.in, f.out}, variance_distribution::normal, std);
  if (cutoff > 0 && std::isfinite(std)) {
    p.dist = distribution::truncated_normal;
    p.lo = -cutoff * std, p.hi = cutoff * std, p.bound = p.hi;
    ctx.check.representable("cutoff", p.hi);
    check_truncation_mass(ctx.check, 0.0, std, p.lo, p.hi);
    p.output_std = truncated_normal_std(0.0, std, p.lo, p.hi);
  }
  return p;
}

/// The schemes' shared options and arithmetic; `Fn` picks OLMo's init_fn.
template <olmo_init_fn Fn, class Derived>
struct olmo_scheme : scheme_base<Derived> {
  static constexpr bool is_random = true;
  layer_role role = layer_role::query;  ///< which weight (see olmo_slot_of)
  double std = 0.02;                    ///< init_std (normal, full_megatron)
  double emb_std = 0;                   ///< emb_init_std for the token table; 0: unset
  index block = -1;                     ///< l, the 0-based block (mitchell's output layers); -1: unset
  index layers = 0;                     ///< n_layers (full_megatron's output layers); 0: unset
  double cutoff = 3;                    ///< init_cutoff_factor: truncate at +-cutoff std; 0: no truncation
  bool scale_emb_init = false;          ///< full_megatron: token table std times sqrt(d)

  template <class V> void visit_options(V&& v) {
    v("role", role, "the weight's role: attention_out and ffn_out are output layers; embedding, position, classifier");
    if constexpr (Fn != olmo_init_fn::mitchell) v("std", std, "init_std (> 0)");
    v("emb_std", emb_std, "emb_init_std for the token table (0: unset)");
    if constexpr (Fn == olmo_init_fn::mitchell) v("block", block, "l, the 0-based block of an output layer (-1: unset)");
    if constexpr (Fn == olmo_init_fn::full_megatron) {
      v("layers", layers, "n_layers, for the output layers (0: unset; the network rule takes the depth)");
      v("scale_emb_init", scale_emb_init, "token table std init_std sqrt(d) when emb_std is unset");
    }
    v("cutoff", cutoff, "init_cutoff_factor: truncate at +-cutoff std (0: none)");
  }

  plan make_plan(const context& ctx) const {
    ctx.check.positive("std", std);
    ctx.check.non_negative("emb_std", emb_std);
    ctx.check.non_negative("cutoff", cutoff);
    // OLMo's d is d_model, the fan_in of every weight it scales by d (att_proj, ff_proj, attn_out,
    // the token and position tables (vocab, d) and the readout); ff_out's is the FFN's width.
    const double d = static_cast<double>(ctx.fans().in);
    const olmo_slot slot = olmo_slot_of(role);
    double s = std;
    if (slot == olmo_slot::token && emb_std > 0) {
      s = emb_std;
    } else if (Fn == olmo_init_fn::mitchell) {
      s = 1 / std::sqrt(d);
      if (slot == olmo_slot::out) {
        if (block < 0) ctx.check.fail("block", ">= 0 (l, the output layer's 0-based block)", number(block));
        s = 1 / std::sqrt(2 * d * static_cast<double>(block + 1));
      }
    } else if (Fn == olmo_init_fn::full_megatron) {
      if (slot == olmo_slot::out) {
        if (layers < 1) ctx.check.fail("layers", ">= 1 (n_layers) for an output layer", number(layers));
        s = std / std::sqrt(2 * static_cast<double>(layers));
      } else if (slot == olmo_slot::readout) {
        s = 1 / std::sqrt(d);
      } else if (slot == olmo_slot::token && scale_emb_init) {
        s = std * std::sqrt(d);
      }
    }
    return olmo_normal_plan(ctx, Derived::name, s, cutoff);
  }
};
}  // namespace detail

namespace scheme {

/// OLMo's `mitchell` (OLMo-1B and 7B): N(0, 1/d) truncated at +-3 std for the input-side weights,
/// the token and position tables and the readout, and N(0, 1/(2 d (l + 1))) for the attention
/// output, N(0, 1/(2 d_ff (l + 1))) for the FFN output of block l (0-based), d_ff the FFN
/// output's fan_in. Depth enters per block, as in torchtitan's depth_init.
struct olmo_mitchell : detail::olmo_scheme<olmo_init_fn::mitchell, olmo_mitchell> {
  static constexpr std::string_view name = "olmo_mitchell";
  static constexpr std::string_view reference = "allenai/OLMo model.py init_fn mitchell (std and cutoff exact)";
};

/// OLMo's `full_megatron`: N(0, std^2) truncated at +-3 std, the residual output projections
/// std / sqrt(2 n_layers), the untied readout 1/sqrt(d), the token table emb_std, or std sqrt(d)
/// with scale_emb_init.
struct olmo_full_megatron : detail::olmo_scheme<olmo_init_fn::full_megatron, olmo_full_megatron> {
  static constexpr std::string_view name = "olmo_full_megatron";
  static constexpr std::string_view reference = "allenai/OLMo model.py init_fn full_megatron (std and cutoff exact)";
};

/// OLMo's `normal` as OLMo 2 configures it (official-1124): N(0, 0.02^2) truncated at +-3 std
/// (+-0.06) on every weight, no depth scaling; OLMo 2 relies on normalizing each branch's output
/// and on QK-norm instead. (OLMo's own default has no cutoff: set cutoff = 0.)
struct olmo_normal : detail::olmo_scheme<olmo_init_fn::normal, olmo_normal> {
  static constexpr std::string_view name = "olmo_normal";
  static constexpr std::string_view reference = "allenai/OLMo model.py init_fn normal, OLMo 2 configs (std and cutoff exact)";
};

}  // namespace scheme

}  // namespace nninit
