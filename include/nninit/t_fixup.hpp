// nninit: T-Fixup (Huang, Perez, Ba, Volkovs 2020, "Improving Transformer Optimization Through
// Better Initialization", ICML, PMLR 119), as the official code does it (layer6ai-labs/T-Fixup,
// fairseq's transformer_layer.py and transformer.py with --Tfixup): a transformer without any
// LayerNorm and without learning-rate warm-up, trained from Xavier weights whose value, output and
// FFN matrices and input embeddings are scaled down with depth. ../shared transformer.md §2.
#pragma once

#include <array>
#include <cmath>
#include <string_view>
#include <utility>

#include "detail/enum_names.hpp"
#include "detail/scheme_base.hpp"
#include "layer_role.hpp"
#include "variance_scaling.hpp"
#include "xavier.hpp"

namespace nninit {

/// Which stack of an encoder-decoder a weight sits in (the scales differ).
enum class t_fixup_stack { encoder, decoder };

namespace detail {
template <>
struct enum_names<t_fixup_stack> {
  static constexpr std::array<std::pair<t_fixup_stack, std::string_view>, 2> table{{
      {t_fixup_stack::encoder, "encoder"},
      {t_fixup_stack::decoder, "decoder"},
  }};
};

inline void check_t_fixup_layers(const checker& check, index layers) {
  if (layers < 1) check.fail("layers", ">= 1 (N, the stack's blocks; the network rule takes the depth)", number(layers));
}
}  // namespace detail

/// The factor T-Fixup multiplies a stack's v, o, fc1 and fc2 weights by: 0.67 N^(-1/4) in an
/// encoder of N blocks, (9 M)^(-1/4) in a decoder of M blocks (the code; the paper's text agrees).
inline double t_fixup_block_scale(t_fixup_stack stack, index layers) {
  detail::check_t_fixup_layers(detail::checker("t_fixup", ""), layers);
  const double n = static_cast<double>(layers);
  return stack == t_fixup_stack::encoder ? 0.67 * std::pow(n, -0.25) : std::pow(9 * n, -0.25);
}
/// The factor of a stack's input embedding: (9 N)^(-1/4), encoder and decoder alike.
inline double t_fixup_embedding_scale(index layers) {
  detail::check_t_fixup_layers(detail::checker("t_fixup", ""), layers);
  return std::pow(9 * static_cast<double>(layers), -0.25);
}

namespace scheme {

/// One weight of a T-Fixup transformer, by its `role` (N = `layers`, s = t_fixup_block_scale):
///   query, key:           xavier_uniform with gain 1/sqrt(2) (fairseq's q/k init, kept by the
///                         code; the paper says plain Xavier), not scaled;
///   value:                xavier_uniform times s (fairseq's gain 1/sqrt(2), undone by the code's
///                         extra sqrt(2));
///   attention_out, ffn_in, ffn_out: xavier_uniform times s;
///   embedding (a token table) and input (a ViT's patch projection): N(0, 1/fan_in) times
///                         (9N)^(-1/4): fairseq's Embedding N(0, d^-1) scaled, the token table
///                         read times sqrt(d) in the forward (initializer::transformer_scalars),
///                         so tokens enter with per-entry std (9N)^(-1/4); a patch projection
///                         gets the same per-entry std for unit-variance pixels without the
///                         forward factor (our extension: the paper has no patch embedding).
/// As a network rule: `layers` defaults to the depth; the readout (an untied output projection)
/// and learned positions get fairseq's N(0, 1/d), a class token zeros; q, k and v keep nn.Linear's
/// default bias, the other biases are zero (fairseq's Linear). Every norm is removed (form none).
struct t_fixup : detail::scheme_base<t_fixup> {
  static constexpr std::string_view name = "t_fixup";
  static constexpr std::string_view reference =
      "T-Fixup (Huang et al. 2020), layer6ai-labs/T-Fixup fairseq --Tfixup (std exact, values in distribution)";
  static constexpr bool is_random = true;
  layer_role role = layer_role::value;  ///< which weight of the block (see above)
  t_fixup_stack stack = t_fixup_stack::encoder;
  index layers = 0;  ///< N (encoder) or M (decoder) blocks; 0: unset (the network rule takes the depth)

  template <class V> void visit_options(V&& v) {
    v("role", role, "query, key, value, attention_out, ffn_in, ffn_out, embedding or input");
    v("stack", stack, "encoder (0.67 N^-1/4) or decoder ((9M)^-1/4)");
    v("layers", layers, "N or M, the stack's blocks (0: unset; the network rule takes the depth)");
  }

  plan make_plan(const detail::context& ctx) const {
    const auto xavier = [&](double gain) {
      xavier_uniform x;
      x.gain = gain;
      return x.make_plan(ctx).named(name);
    };
    if (role == layer_role::query || role == layer_role::key) return xavier(0.70710678118654752);
    const bool block = role == layer_role::value || role == layer_role::attention_out || role == layer_role::ffn_in ||
                       role == layer_role::ffn_out;
    if (!block && role != layer_role::embedding && role != layer_role::input)
      ctx.check.fail("role", "one of query, key, value, attention_out, ffn_in, ffn_out, embedding, input (the weights T-Fixup sets)",
                     detail::name_of(role));
    detail::check_t_fixup_layers(ctx.check, layers);
    if (block) return xavier(t_fixup_block_scale(stack, layers));
    const fans f = ctx.fans();  // std inf for a weight without elements, which nothing is written to
    return detail::spread(plan{name, ctx.shape, distribution::normal, f.in, f.out}, variance_distribution::normal,
                          t_fixup_embedding_scale(layers) / std::sqrt(static_cast<double>(f.in)));
  }
};

}  // namespace scheme

/// A T-Fixup weight at `role` of an encoder (or decoder) of `layers` blocks.
template <class Target, class Rng>
void t_fixup(Target&& w, Rng&& rng, layer_role role, index layers, t_fixup_stack stack = t_fixup_stack::encoder,
             const shape& s = {}) {
  scheme::t_fixup{{}, role, stack, layers}(std::forward<Target>(w), rng, s);
}

}  // namespace nninit
