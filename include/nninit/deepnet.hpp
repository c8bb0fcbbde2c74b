// nninit: DeepNet's DeepNorm (Wang, Ma, Dong, Huang, Zhang, Wei 2022, "DeepNet: Scaling
// Transformers to 1,000 Layers", arXiv 2203.00555): post-LN blocks whose shortcut is up-weighted,
// x <- LN(alpha x + G(x)), and whose value, output and FFN weights start small, Xavier-normal with
// gain beta (q and k with gain 1). ../shared transformer.md §1.
#pragma once

#include <array>
#include <cmath>
#include <string_view>
#include <utility>

#include "detail/enum_names.hpp"
#include "detail/scheme_base.hpp"
#include "torch_default.hpp"
#include "xavier.hpp"

namespace nninit {

/// Which model DeepNorm's constants are for (the paper's Table 1 rows).
enum class deepnet_architecture { encoder, decoder, encoder_decoder };
/// Which stack of an encoder-decoder a weight sits in.
enum class deepnet_stack { encoder, decoder };
/// paper: Xavier-normal with gain beta (Table 1; Transformer-Clinic and xformers agree).
/// torchscale: microsoft/torchscale's actual code: PyTorch's default init (MultiheadAttention's
/// reset_parameters is never called), every fc1, fc2, out_proj and v_proj weight *and bias*
/// divided by 1/beta, and the encoder of an encoder-decoder with 1.15 where the paper has 0.87.
enum class deepnet_variant { paper, torchscale };

namespace detail {
template <>
struct enum_names<deepnet_architecture> {
  static constexpr std::array<std::pair<deepnet_architecture, std::string_view>, 3> table{{
      {deepnet_architecture::encoder, "encoder"},
      {deepnet_architecture::decoder, "decoder"},
      {deepnet_architecture::encoder_decoder, "encoder_decoder"},
  }};
};
template <>
struct enum_names<deepnet_stack> {
  static constexpr std::array<std::pair<deepnet_stack, std::string_view>, 2> table{{
      {deepnet_stack::encoder, "encoder"},
      {deepnet_stack::decoder, "decoder"},
  }};
};
template <>
struct enum_names<deepnet_variant> {
  static constexpr std::array<std::pair<deepnet_variant, std::string_view>, 2> table{{
      {deepnet_variant::paper, "paper"},
      {deepnet_variant::torchscale, "torchscale"},
  }};
};
}  // namespace detail

/// DeepNorm's shortcut weight alpha and initialization gain beta.
struct deepnet_constants {
  double alpha = 1;
  double beta = 1;
};

/// Table 1 of the paper, N encoder and M decoder blocks:
///   encoder only:              alpha = (2N)^(1/4),             beta = (8N)^(-1/4)
///   decoder only:              alpha = (2M)^(1/4),             beta = (8M)^(-1/4)
///   encoder-decoder, encoder:  alpha = 0.81 (N^4 M)^(1/16),    beta = 0.87 (N^4 M)^(-1/16)
///                                                          (torchscale: 1.15 (N^4 M)^(-1/16))
///   encoder-decoder, decoder:  alpha = (3M)^(1/4),             beta = (12M)^(-1/4)
/// The blocks a row does not read may be 0; the ones it reads must be >= 1 (init_error otherwise).
namespace detail {
inline deepnet_constants deepnet_coefficients(const checker& check, deepnet_architecture arch, index encoder_layers,
                                              index decoder_layers, deepnet_stack stack, deepnet_variant variant) {
  if (encoder_layers < 0) check.fail("encoder_layers", ">= 0 (0: unset)", number(encoder_layers));
  if (decoder_layers < 0) check.fail("decoder_layers", ">= 0 (0: unset)", number(decoder_layers));
  const bool needs_encoder = arch != deepnet_architecture::decoder;
  const bool needs_decoder = arch != deepnet_architecture::encoder;
  if (needs_encoder && encoder_layers < 1)
    check.fail("encoder_layers", detail::cat(">= 1 for architecture ", detail::name_of(arch)), detail::number(encoder_layers));
  if (needs_decoder && decoder_layers < 1)
    check.fail("decoder_layers", detail::cat(">= 1 for architecture ", detail::name_of(arch)), detail::number(decoder_layers));
  const double N = static_cast<double>(encoder_layers), M = static_cast<double>(decoder_layers);
  switch (arch) {
    case deepnet_architecture::encoder: return {std::pow(2 * N, 0.25), std::pow(8 * N, -0.25)};
    case deepnet_architecture::decoder: return {std::pow(2 * M, 0.25), std::pow(8 * M, -0.25)};
    case deepnet_architecture::encoder_decoder: break;
  }
  if (stack == deepnet_stack::decoder) return {std::pow(3 * M, 0.25), std::pow(12 * M, -0.25)};
  const double x = std::pow(N * N * N * N * M, 1.0 / 16);
  return {0.81 * x, (variant == deepnet_variant::torchscale ? 1.15 : 0.87) / x};
}
}  // namespace detail

inline deepnet_constants deepnet_coefficients(deepnet_architecture arch, index encoder_layers, index decoder_layers,
                                              deepnet_stack stack = deepnet_stack::encoder,
                                              deepnet_variant variant = deepnet_variant::paper) {
  return detail::deepnet_coefficients(detail::checker("deepnet", ""), arch, encoder_layers, decoder_layers, stack, variant);
}

namespace detail {
/// `p` with every width multiplied by k > 0 (std, bound, support, output std).
inline plan scaled_plan(plan p, double k) {
  for (double* v : {&p.std, &p.bound, &p.lo, &p.hi, &p.output_std})
    if (!std::isnan(*v)) *v *= k;
  return p;
}
}  // namespace detail

namespace scheme {

/// One weight of a DeepNet block. `scaled` (true) is the value, output and FFN weights, gain
/// beta; false is q and k, gain 1. variant paper: xavier_normal with that gain, std
/// gain sqrt(2 / (fan_in + fan_out)). variant torchscale: PyTorch's default U(+-1/sqrt(fan_in)),
/// times beta when scaled. The blocks default to 0 (unset) and are required where the
/// architecture reads them; as a network rule (`initializer::for_layer`) they default to the
/// transformer's depth L. Embeddings, positions and the readout keep the base model's init (the
/// torch_default rule's), except torchscale's readout, N(0, 1/d). alpha acts in the forward pass
/// (`initializer::transformer_scalars`), which must be post-LN unless `any_norm` (an experiment
/// outside the paper: x <- alpha x + F(N(x)) in a pre-LN stack).
struct deepnet : detail::scheme_base<deepnet> {
  static constexpr std::string_view name = "deepnet";
  static constexpr std::string_view reference =
      "DeepNet (Wang et al. 2022) Table 1; torchscale encoder.py/decoder.py deepnorm (std exact, values in distribution)";
  static constexpr bool is_random = true;
  deepnet_architecture architecture = deepnet_architecture::encoder;
  deepnet_stack stack = deepnet_stack::encoder;
  index encoder_layers = 0;  ///< N; 0: unset
  index decoder_layers = 0;  ///< M; 0: unset
  deepnet_variant variant = deepnet_variant::paper;
  bool scaled = true;  ///< v, o, ffn_in, ffn_out: gain beta; false for q, k
  bool any_norm = false;  ///< true: the rule's alpha may act in any block form (DeepNorm is post-LN's)

  template <class V> void visit_options(V&& v) {
    v("architecture", architecture, "encoder, decoder or encoder_decoder (Table 1's rows)");
    v("stack", stack, "the stack of an encoder_decoder this weight is in: encoder or decoder");
    v("encoder_layers", encoder_layers, "N, encoder blocks (0: unset; the network rule takes the depth)");
    v("decoder_layers", decoder_layers, "M, decoder blocks (0: unset; the network rule takes the depth)");
    v("variant", variant, "paper (Xavier-normal, gain beta) or torchscale (PyTorch's default times beta, biases too)");
    v("scaled", scaled, "true: a value, output or FFN weight (gain beta); false: query or key (gain 1)");
    v("any_norm", any_norm, "true: allow the rule's alpha in a pre-LN or norm-free stack (DeepNorm is defined for post-LN)");
  }

  deepnet_constants constants(const detail::checker& check = detail::checker("deepnet", "")) const {
    return detail::deepnet_coefficients(check, architecture, encoder_layers, decoder_layers, stack, variant);
  }

  plan make_plan(const detail::context& ctx) const {
    const double beta = constants(ctx.check).beta;  // validated for q and k too
    const double gain = scaled ? beta : 1.0;
    if (variant == deepnet_variant::torchscale) return detail::scaled_plan(torch_default{}.make_plan(ctx), gain).named(name);
    xavier_normal x;
    x.gain = gain;
    return x.make_plan(ctx).named(name);
  }
};

}  // namespace scheme

}  // namespace nninit
