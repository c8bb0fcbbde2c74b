// nninit: depth-μP (Yang, Yu, Zhu, Hayou 2023, "Tensor Programs VI", arXiv 2310.02244; Bordelon
// et al. 2023, arXiv 2309.16620) and CompleteP (Dey et al. 2025, "Don't be lazy: CompleteP enables
// compute-efficient deep transformers", arXiv 2505.01618), as the paper's reference code does it
// (EleutherAI/nanoGPT-mup, branch completep): a pre-LN transformer whose residual branches are
// multiplied by m_L^-alpha, m_L = L / L_base, with μP's width rules (m_d = d / d_base) for the
// init, the attention scale, the logits and the AdamW parameter groups. ../shared transformer.md §6.
// Depth enters the forward pass and the optimizer, not the init.
#pragma once

#include <cmath>
#include <string_view>
#include <utility>

#include "detail/scheme_base.hpp"
#include "layer_role.hpp"
#include "normal.hpp"

namespace nninit {

namespace detail {

/// The hidden (matrix-like) weights of a transformer block: both dimensions grow with width.
inline bool is_block_matrix(layer_role r) {
  switch (r) {
    case layer_role::query:
    case layer_role::key:
    case layer_role::value:
    case layer_role::attention_out:
    case layer_role::ffn_in:
    case layer_role::ffn_out:
    case layer_role::hidden:
    case layer_role::branch_first:
    case layer_role::branch_middle:
    case layer_role::branch_last: return true;
    default: return false;
  }
}

/// What depth_mup and completep share; `TunableAlpha`: completep's alpha is an option, depth_mup's is 1/2.
template <bool TunableAlpha, class Derived>
struct depth_parametrization : scheme_base<Derived> {
  static constexpr bool is_random = true;
  layer_role role = layer_role::hidden;  ///< which weight: block matrices get std / sqrt(m_d)
  double alpha = TunableAlpha ? 1.0 : 0.5;  ///< the depth exponent: branches times m_L^-alpha
  index base_depth = 1;   ///< L_base; m_L = L / L_base
  index base_width = 0;   ///< d_base; 0: the model's width (m_d = 1)
  double width_mult = 1;  ///< m_d = d / d_base, for one weight (the network rule sets it)
  double std = 0.02;      ///< sigma, init_std
  double output_alpha = 1;  ///< alpha_out: logits times alpha_out / m_d

  template <class V> void visit_options(V&& v) {
    v("role", role, "the weight's role: block matrices (query ... ffn_out, hidden) get std/sqrt(m_d), the rest std");
    if constexpr (TunableAlpha) v("alpha", alpha, "depth exponent in [0, 1]: branches times (L/L_base)^-alpha (1: CompleteP)");
    v("base_depth", base_depth, "L_base, >= 1 and <= the model's depth");
    v("base_width", base_width, "d_base (0: the model's width); <= the model's width");
    v("width_mult", width_mult, "m_d = d/d_base for a single weight (the network rule sets it)");
    v("std", std, "init_std sigma (>= 0)");
    v("output_alpha", output_alpha, "alpha_out: the logits are multiplied by alpha_out/m_d (> 0)");
  }

  plan make_plan(const context& ctx) const {
    ctx.check.non_negative("std", std);
    ctx.check.representable("std", std);
    ctx.check.positive("width_mult", width_mult);
    check_alpha(ctx.check);
    const fans f = ctx.fans();
    scheme::normal n;
    n.std = is_block_matrix(role) ? std / std::sqrt(width_mult) : std;
    plan p = n.make_plan(ctx).named(Derived::name);
    p.fan_in = f.in, p.fan_out = f.out;
    return p;
  }

  void check_alpha(const checker& check) const {
    if (!(alpha >= 0 && alpha <= 1)) check.fail("alpha", "in [0, 1]", alpha);
  }

  /// m_L and m_d of a transformer, the bases checked against it.
  struct multipliers {
    double depth = 1, width = 1;
  };
  multipliers at(const checker& check, const transformer_structure& net) const {
    check_alpha(check);
    check.positive("output_alpha", output_alpha);
    if (base_depth < 1) check.fail("base_depth", ">= 1", number(base_depth));
    if (base_width < 0) check.fail("base_width", ">= 0 (0: the model's width)", number(base_width));
    if (net.blocks > 0 && base_depth > net.blocks)
      check.fail("base_depth", cat("<= the model's depth ", number(net.blocks), " (m_L = L/L_base >= 1)"), number(base_depth));
    if (net.width > 0 && base_width > net.width)
      check.fail("base_width", cat("<= the model's width ", number(net.width), " (m_d = d/d_base >= 1)"), number(base_width));
    multipliers m;
    if (net.blocks > 0) m.depth = static_cast<double>(net.blocks) / static_cast<double>(base_depth);
    if (net.width > 0 && base_width > 0) m.width = static_cast<double>(net.width) / static_cast<double>(base_width);
    return m;
  }
};

}  // namespace detail

/// The branch multiplier (L / base_depth)^-alpha of depth-μP (alpha 1/2) and CompleteP (alpha 1).
inline double depth_branch_multiplier(index layers, index base_depth, double alpha) {
  const detail::checker check("completep", "");
  if (layers < 1) check.fail("layers", ">= 1", detail::number(layers));
  if (base_depth < 1 || base_depth > layers)
    check.fail("base_depth", detail::cat("in [1, ", detail::number(layers), "]"), detail::number(base_depth));
  if (!(alpha >= 0 && alpha <= 1)) check.fail("alpha", "in [0, 1]", alpha);
  return std::pow(static_cast<double>(layers) / static_cast<double>(base_depth), -alpha);
}

namespace scheme {

/// CompleteP (alpha = 1 by default; any alpha in [0, 1], alpha = 1/2 being depth-μP), the
/// reference code's rules (nanoGPT-mup@completep; m_L = L/L_base, m_d = d/d_base, sigma = std):
///   forward:   x += m_L^-alpha branch(LN(x)) (pre-LN); attention scale 1/d_head; logits times
///              alpha_out / m_d (initializer::transformer_scalars);
///   init:      q, k, v, o, ffn_in, ffn_out N(0, sigma^2 / m_d), no depth factor (GPT-2's
///              1/sqrt(2L) is off); embeddings, positions and the readout N(0, sigma^2);
///   AdamW:     hidden weights lr m_d^-1 m_L^(alpha-1), weight decay times m_d; LN gains and
///              biases inside blocks lr m_L^(alpha-1); embeddings, the final LN and the readout
///              lr 1; epsilon times m_d^-1 m_L^-alpha for every group (the reference sets one
///              epsilon for its optimizer) (initializer::optimizer_for).
/// With SGD: μP's MuSGD width factors (vector-like parameters lr times m_d, the readout 1/m_d)
/// and no depth factor (depth-μP's SGD rule).
struct completep : detail::depth_parametrization<true, completep> {
  static constexpr std::string_view name = "completep";
  static constexpr std::string_view reference =
      "CompleteP (Dey et al. 2025), EleutherAI/nanoGPT-mup@completep model.py/train.py (std and multipliers exact)";
};

/// Depth-μP (Tensor Programs VI; Bordelon et al. 2023): CompleteP's rules with alpha = 1/2, i.e.
/// branches times 1/sqrt(L / L_base) (base_depth 1: 1/sqrt(L)), Adam's hidden learning rate
/// times 1/sqrt(m_L).
struct depth_mup : detail::depth_parametrization<false, depth_mup> {
  static constexpr std::string_view name = "depth_mup";
  static constexpr std::string_view reference =
      "depth-muP (Yang et al. 2023, TP-VI), as nanoGPT-mup@completep's alpha = 1/2 (std and multipliers exact)";
};

}  // namespace scheme

}  // namespace nninit
