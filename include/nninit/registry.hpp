// nninit: every scheme by name, with its options, for tools and configuration files.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "activation.hpp"
#include "admin.hpp"
#include "arch_aware.hpp"
#include "completep.hpp"
#include "constant.hpp"
#include "constnet.hpp"
#include "deepnet.hpp"
#include "devfly.hpp"
#include "dirac.hpp"
#include "eye.hpp"
#include "fixup.hpp"
#include "flyhash.hpp"
#include "idinit.hpp"
#include "kaiming.hpp"
#include "kumar.hpp"
#include "layer_role.hpp"
#include "llm_presets.hpp"
#include "low_rank.hpp"
#include "lsuv.hpp"
#include "maxout.hpp"
#include "mimetic.hpp"
#include "neox.hpp"
#include "normal.hpp"
#include "olmo.hpp"
#include "orthogonal.hpp"
#include "siren.hpp"
#include "skipinit.hpp"
#include "small_init.hpp"
#include "sparse.hpp"
#include "t_fixup.hpp"
#include "torch_default.hpp"
#include "trunc_normal.hpp"
#include "uniform.hpp"
#include "variance_scaling.hpp"
#include "vi3nr.hpp"
#include "winner.hpp"
#include "xavier.hpp"
#include "zero_hadamard.hpp"

namespace nninit {

/// One option of a scheme, as `nninit list` shows it.
struct option_info {
  std::string name;
  std::string default_value;  ///< as text ("1", "fan_in", "nan" for required numbers)
  std::string type;           ///< "number", "integer", "bool", "activation" or "choice"
  std::string choices;        ///< for "choice" and "activation": the accepted names, comma separated
  std::string doc;
};

/// A scheme, as `nninit list` shows it.
struct scheme_info {
  std::string_view name;
  std::string_view reference;
  bool is_random;
  std::vector<option_info> options;
};

/// What a network rule gives a parameter that is not a weight matrix (see parameter_kind).
struct parameter_value {
  double value = 0;            ///< every entry
  bool torch_default = false;  ///< instead, PyTorch's default bias U(+-1/sqrt(fan_in)) (torch_default_bias)...
  double scale = 1;            ///< ...times this (deepnet's torchscale variant divides biases by 1/beta too)
};

/// The scalar parameters a scheme's network form needs around each residual branch: Fixup's
/// multiplier and scalar biases (its rule 3), SkipInit's and ReZero's multiplier alpha.
struct residual_parameters {
  bool multiplier = false;
  bool scalar_biases = false;
};

namespace detail {

using any_scheme =
    std::variant<scheme::constant, scheme::zeros, scheme::ones, scheme::uniform, scheme::normal, scheme::trunc_normal,
                 scheme::variance_scaling, scheme::xavier_uniform, scheme::xavier_normal, scheme::kaiming_uniform,
                 scheme::kaiming_normal, scheme::lecun_uniform, scheme::lecun_normal, scheme::glorot_uniform,
                 scheme::glorot_normal, scheme::he_uniform, scheme::he_normal, scheme::eye, scheme::dirac,
                 scheme::sparse, scheme::orthogonal, scheme::delta_orthogonal, scheme::torch_default,
                 scheme::zero_hadamard, scheme::idinit, scheme::fixup, scheme::constnet, scheme::skipinit, scheme::rezero,
                 scheme::zero_gamma, scheme::lsuv, scheme::vi3nr, scheme::kumar,
                 scheme::maxout, scheme::small_init, scheme::siren, scheme::winner, scheme::low_rank,
                 scheme::arch_aware, scheme::gpt2, scheme::megatron_scaled, scheme::depth_scaled_trunc_normal,
                 scheme::mup, scheme::flyhash, scheme::devfly, scheme::deepnet, scheme::admin, scheme::t_fixup,
                 scheme::neox_small_init, scheme::wang_init, scheme::neox, scheme::olmo_mitchell,
                 scheme::olmo_full_megatron, scheme::olmo_normal, scheme::depth_mup, scheme::completep, scheme::mimetic>;

template <class F, std::size_t... I>
void for_each_alternative(F&& f, std::index_sequence<I...>) {
  (f(std::variant_alternative_t<I, any_scheme>{}), ...);
}
template <class F>
void for_each_scheme(F&& f) {
  for_each_alternative(f, std::make_index_sequence<std::variant_size_v<any_scheme>>{});
}

/// True for schemes developed from data: they have a `data` member (devfly).
template <class S, class = void>
struct has_data : std::false_type {};
template <class S>
struct has_data<S, std::void_t<decltype(std::declval<S&>().data)>> : std::true_type {};

template <class E, class = void>
struct is_named_enum : std::false_type {};
template <class E>
struct is_named_enum<E, std::void_t<decltype(enum_names<E>::table)>> : std::true_type {};

template <class M>
option_info describe_option(std::string_view name, const M& value, std::string_view doc) {
  option_info o{std::string(name), "", "", "", std::string(doc)};
  if constexpr (std::is_same_v<M, double>) o.type = "number", o.default_value = number(value);
  else if constexpr (std::is_same_v<M, index>) o.type = "integer", o.default_value = number(value);
  else if constexpr (std::is_same_v<M, bool>) o.type = "bool", o.default_value = value ? "true" : "false";
  else if constexpr (std::is_same_v<M, activation>)
    o.type = "activation", o.default_value = value.text(), o.choices = choices_of<activation_kind>();
  else {
    static_assert(is_named_enum<M>::value, "nninit: option types are double, index, bool, activation or named enums");
    o.type = "choice", o.default_value = std::string(name_of(value)), o.choices = choices_of<M>();
  }
  return o;
}

/// Parses `text` into an option member; on failure throws in the library's message form.
template <class M>
void parse_option(const checker& check, std::string_view name, std::string_view text, M& out) {
  const std::string quoted = detail::quoted(text);
  const char* end = text.data() + text.size();
  if constexpr (std::is_same_v<M, double>) {
    // from_chars: locale-independent, and reads "inf" and "nan", which the scheme then rejects by name.
    const std::string_view digits = !text.empty() && text[0] == '+' ? text.substr(1) : text;
    double v = 0;
    const auto res = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (digits.empty() || res.ec != std::errc() || res.ptr != digits.data() + digits.size())
      check.fail(name, "a number", quoted);
    out = v;
  } else if constexpr (std::is_same_v<M, index>) {
    index v = 0;
    const auto res = std::from_chars(text.data(), end, v);
    if (res.ec != std::errc() || res.ptr != end) check.fail(name, "an integer", quoted);
    out = v;
  } else if constexpr (std::is_same_v<M, bool>) {
    if (text == "true" || text == "1") out = true;
    else if (text == "false" || text == "0") out = false;
    else check.fail(name, "true or false", quoted);
  } else if constexpr (std::is_same_v<M, activation>) {
    try {
      out = activation::parse(text);
    } catch (const init_error&) {
      check.fail(name, cat("an activation NAME[:PARAM], NAME one of ", choices_of<activation_kind>()), quoted);
    }
  } else {
    const auto v = parse_enum<M>(text);
    if (!v) check.fail(name, cat("one of ", choices_of<M>()), quoted);
    out = *v;
  }
}

/// The network rule of each scheme: which scheme (and options) a weight at `role` gets, the
/// weight being number `position` (0-based) of the network's weights in forward order. A plain
/// scheme is the same everywhere; the others are described in their headers.
template <class S>
any_scheme for_layer(const S& s, const layer_site&) {
  return s;
}
inline bool zero_role(layer_role role) { return role == layer_role::branch_last || role == layer_role::classifier; }
inline bool branch_role(layer_role role) {
  return role == layer_role::branch_first || role == layer_role::branch_middle || role == layer_role::branch_last;
}
inline any_scheme for_layer(const scheme::fixup& s, const layer_site& site) {
  const layer_role role = site.role;
  const residual_structure& net = site.residual;
  if (zero_role(role)) return scheme::zeros{};
  if (!branch_role(role)) {  // outside the branches: He normal, unscaled
    scheme::kaiming_normal he;
    he.mode = s.mode;
    he.nonlinearity = nonlinearity::relu;
    return he;
  }
  scheme::fixup in_branch = s;
  if (in_branch.branches == 0) in_branch.branches = net.branches;
  if (in_branch.layers_per_branch == 0) in_branch.layers_per_branch = net.layers_per_branch;
  return in_branch;
}
inline any_scheme for_layer(const scheme::zero_hadamard& s, const layer_site& site) {
  const layer_role role = site.role;
  if (role == layer_role::branch_last) return scheme::zeros{};
  return s;
}
inline any_scheme for_layer(const scheme::idinit& s, const layer_site& site) {
  const layer_role role = site.role;
  if (role == layer_role::classifier && s.zero_classifier) return scheme::zeros{};
  scheme::idinit layer = s;
  if (role == layer_role::branch_last) layer.form = idinit_form::zero;
  return layer;
}
/// The first layers of an INR read coordinates, not activations.
inline any_scheme for_layer(const scheme::siren& s, const layer_site& site) {
  const layer_role role = site.role;
  scheme::siren layer = s;
  layer.first_layer = role == layer_role::input;
  return layer;
}
inline any_scheme for_layer(const scheme::vi3nr& s, const layer_site& site) {
  const layer_role role = site.role;
  scheme::vi3nr layer = s;
  layer.first_layer = role == layer_role::input;
  return layer;
}
/// WINNER's noise goes on the first two weights: s0 on weight 0, s1 on weight 1.
inline any_scheme for_layer(const scheme::winner& s, const layer_site& site) {
  scheme::winner layer = s;
  layer.layer = std::min<index>(site.position, 2);
  return layer;
}
inline any_scheme for_layer(const scheme::constnet& s, const layer_site& site) {
  const layer_role role = site.role;
  scheme::constnet layer = s;
  if (zero_role(role) || branch_role(role)) layer.form = constnet_form::zero;
  return layer;
}

/// PyTorch's own initialization of a transformer, role by role: nn.MultiheadAttention's packed
/// in-projection is xavier_uniform_ over the whole (3d, d) weight, U(+-sqrt(6 / (d + 3d))), which
/// is xavier_uniform with gain 1/sqrt(2) on each (d, d) block, the same bound; its out-projection
/// keeps nn.Linear's default weight (torch/nn/modules/activation.py, _reset_parameters); every
/// other nn.Linear its default; a token table nn.Embedding's N(0, 1). PyTorch has no module for
/// learned positions or a class token: those are torchvision's VisionTransformer's, N(0, 0.02^2)
/// and zeros (nn.Embedding's N(0, 1) positions would swamp a patch projection's output).
inline any_scheme for_layer(const scheme::torch_default& s, const layer_site& site) {
  const layer_role role = site.role;
  if (role == layer_role::query || role == layer_role::key || role == layer_role::value) {
    scheme::xavier_uniform packed_share;
    packed_share.gain = 0.70710678118654752;  // 1/sqrt(2): fan_out 3d instead of d
    return packed_share;
  }
  if (role == layer_role::embedding) return scheme::normal{};
  if (role == layer_role::position) {
    scheme::normal torchvision;
    torchvision.std = 0.02;
    return torchvision;
  }
  if (role == layer_role::cls) return scheme::zeros{};
  return s;
}

/// LSUV's network form: its orthonormal pre-init everywhere; with preinit = keep, nothing of its
/// own (zeros, for the caller's initialization to replace before calibrating).
inline any_scheme for_layer(const scheme::lsuv& s, const layer_site&) {
  if (s.preinit == lsuv_preinit::keep) return scheme::zeros{};
  return s;
}

/// DeepNet's rule: gain beta on v, o, ffn_in and ffn_out, 1 on q and k (paper: Xavier-normal;
/// torchscale: PyTorch's default); the blocks default to the transformer's depth; every other
/// role keeps the base model's init, the torch_default rule's (torchscale's readout: N(0, 1/d)).
/// The roles DeepNet scales by beta: the value, output and FFN weights (and, in torchscale, their biases).
inline bool deepnet_scaled_role(layer_role r) {
  return r == layer_role::value || r == layer_role::attention_out || r == layer_role::ffn_in || r == layer_role::ffn_out;
}
/// `s` with its unset blocks taken from the transformer's depth.
inline scheme::deepnet deepnet_at(scheme::deepnet s, const transformer_structure& net) {
  if (s.encoder_layers == 0) s.encoder_layers = net.blocks;
  if (s.decoder_layers == 0) s.decoder_layers = net.blocks;
  return s;
}
inline any_scheme for_layer(const scheme::deepnet& s, const layer_site& site) {
  if (site.role == layer_role::query || site.role == layer_role::key || deepnet_scaled_role(site.role)) {
    scheme::deepnet layer = deepnet_at(s, site.transformer);
    layer.scaled = deepnet_scaled_role(site.role);
    return layer;
  }
  if (site.role == layer_role::classifier && s.variant == deepnet_variant::torchscale && site.transformer.width > 0) {
    scheme::normal readout;
    readout.std = 1 / std::sqrt(static_cast<double>(site.transformer.width));
    return readout;
  }
  return for_layer(scheme::torch_default{}, site);
}
/// Admin keeps the base model's weights (the torch_default rule) and sets omega.
inline any_scheme for_layer(const scheme::admin&, const layer_site& site) { return for_layer(scheme::torch_default{}, site); }

/// The residual output projections, which the GPT-2 family scales with depth.
inline bool is_residual_output(layer_role r) { return r == layer_role::attention_out || r == layer_role::ffn_out; }
/// `s` (a `layers` or `n_layers` option) with 0 taken from the transformer's depth.
inline index depth_or(index layers, const layer_site& site) { return layers > 0 ? layers : site.transformer.blocks; }
/// N(0, std^2), for the roles a rule leaves to a plain normal.
inline scheme::normal normal_with(double std) {
  scheme::normal n;
  n.std = std;
  return n;
}

/// GPT-2 (nanoGPT, Hugging Face GPT2): N(0, std^2) everywhere, the residual output projections
/// (c_proj of attention and MLP) std / sqrt(2L); learned positions, the class token and a patch
/// projection the same std.
inline any_scheme for_layer(const scheme::gpt2& s, const layer_site& site) {
  if (site.transformer.blocks == 0) return s;
  scheme::gpt2 layer = s;
  layer.residual_projection = is_residual_output(site.role);
  if (layer.residual_projection) layer.layers = depth_or(s.layers, site);
  return layer;
}
/// Megatron-LM: init_method_normal everywhere, scaled_init_method_normal on linear_proj and linear_fc2.
inline any_scheme for_layer(const scheme::megatron_scaled& s, const layer_site& site) {
  if (site.transformer.blocks == 0) return s;
  scheme::megatron_scaled layer = s;
  layer.scaled = is_residual_output(site.role);
  layer.layers = depth_or(s.layers, site);
  return layer;
}
/// torchtitan's Llama (models/llama3/model.py init_weights): q, k, v and w1 trunc_normal(0.02,
/// +-2); wo and w2 the depth-scaled std (block l: 0.02 / sqrt(2 (l + 1)) with depth_init, else
/// 0.02 / sqrt(2 L)); the token table N(0, 1); the readout trunc_normal(d^-1/2, +-3 std).
inline any_scheme for_layer(const scheme::depth_scaled_trunc_normal& s, const layer_site& site) {
  if (site.transformer.blocks == 0) return s;
  if (is_residual_output(site.role)) {
    scheme::depth_scaled_trunc_normal layer = s;
    if (layer.layer_id < 0) layer.layer_id = site.block;
    layer.layers = depth_or(s.layers, site);
    return layer;
  }
  if (site.role == layer_role::embedding) return scheme::normal{};
  scheme::trunc_normal t;
  t.std = s.std, t.a = s.a, t.b = s.b, t.bounds = s.bounds;
  if (site.role == layer_role::classifier && site.transformer.width > 0) {
    t.std = 1 / std::sqrt(static_cast<double>(site.transformer.width));
    t.a = -3 * t.std, t.b = 3 * t.std, t.bounds = trunc_bounds::absolute;
  }
  return t;
}
/// μP over a transformer's roles (see scheme::mup), width_mult = d / base_width.
inline scheme::mup mup_at(scheme::mup s, const transformer_structure& net) {
  if (s.base_width < 0) checker("mup", "").fail("base_width", ">= 0 (0: the model's width)", number(s.base_width));
  if (net.width > 0 && s.base_width > net.width)
    checker("mup", "").fail("base_width", cat("<= the model's width ", number(net.width)), number(s.base_width));
  if (s.width_mult == 0 && net.width > 0)
    s.width_mult = s.base_width > 0 ? static_cast<double>(net.width) / static_cast<double>(s.base_width) : 1.0;
  return s;
}
inline mup_role mup_role_of(layer_role r) {
  switch (r) {
    case layer_role::input:
    case layer_role::embedding:
    case layer_role::position:
    case layer_role::cls: return mup_role::input;
    case layer_role::query: return mup_role::query;
    case layer_role::classifier: return mup_role::readout;
    default: return mup_role::hidden;
  }
}
inline any_scheme for_layer(const scheme::mup& s, const layer_site& site) {
  if (site.transformer.blocks == 0) return s;
  scheme::mup layer = mup_at(s, site.transformer);
  layer.role = mup_role_of(site.role);
  return layer;
}
/// T-Fixup: its scheme on the roles it sets (see scheme::t_fixup), fairseq's N(0, 1/d) on the
/// untied readout and learned positions, a class token zeros.
inline any_scheme for_layer(const scheme::t_fixup& s, const layer_site& site) {
  switch (site.role) {
    case layer_role::query:
    case layer_role::key:
    case layer_role::value:
    case layer_role::attention_out:
    case layer_role::ffn_in:
    case layer_role::ffn_out:
    case layer_role::embedding:
    case layer_role::input: {
      scheme::t_fixup layer = s;
      layer.role = site.role;
      layer.layers = depth_or(s.layers, site);
      return layer;
    }
    case layer_role::cls: return scheme::zeros{};
    default: break;
  }
  if (site.transformer.width > 0) return normal_with(1 / std::sqrt(static_cast<double>(site.transformer.width)));
  return scheme::xavier_uniform{};
}
/// GPT-NeoX: the output-layer slot on attention_out and ffn_out, init_method elsewhere.
inline any_scheme for_layer(const scheme::neox& s, const layer_site& site) {
  scheme::neox layer = s;
  layer.output_layer = is_residual_output(site.role);
  layer.layers = depth_or(s.layers, site);
  return layer;
}
/// OLMo: each weight its role and block (mitchell), n_layers the depth (full_megatron).
template <class S>
any_scheme olmo_rule(S layer, const layer_site& site) {
  layer.role = site.role;
  if (layer.block < 0) layer.block = site.block;
  layer.layers = depth_or(layer.layers, site);
  return layer;
}
// (Overloads per type: a template over the shared base would lose to the catch-all for_layer.)
inline any_scheme for_layer(const scheme::olmo_mitchell& s, const layer_site& site) { return olmo_rule(s, site); }
inline any_scheme for_layer(const scheme::olmo_full_megatron& s, const layer_site& site) { return olmo_rule(s, site); }
inline any_scheme for_layer(const scheme::olmo_normal& s, const layer_site& site) { return olmo_rule(s, site); }
/// depth-μP and CompleteP: each weight its role and m_d (the bases checked against the model).
template <class S>
any_scheme depth_rule(S layer, const layer_site& site) {
  layer.role = site.role;
  if (site.transformer.blocks > 0) layer.width_mult = layer.at(checker(S::name, ""), site.transformer).width;
  return layer;
}
inline any_scheme for_layer(const scheme::depth_mup& s, const layer_site& site) { return depth_rule(s, site); }
inline any_scheme for_layer(const scheme::completep& s, const layer_site& site) { return depth_rule(s, site); }
/// Mimetic: its construction on the four attention projections (heads from the model), the base
/// model's init (the torch_default rule) everywhere else, as transformer.md §4 says; the
/// attention's biases are zero (torch_default's, nn.MultiheadAttention's).
inline any_scheme for_layer(const scheme::mimetic& s, const layer_site& site) {
  scheme::mimetic layer = s;
  switch (site.role) {
    case layer_role::query: layer.part = mimetic_part::query; break;
    case layer_role::key: layer.part = mimetic_part::key; break;
    case layer_role::value: layer.part = mimetic_part::value; break;
    case layer_role::attention_out: layer.part = mimetic_part::out; break;
    default: return for_layer(scheme::torch_default{}, site);
  }
  if (layer.heads == 0) layer.heads = site.transformer.heads;
  return layer;
}

/// The default of a parameter that is not a weight: biases 0, multipliers 1, norm gains 1, norm biases 0.
inline parameter_value default_parameter(parameter_kind kind) {
  return {kind == parameter_kind::multiplier || kind == parameter_kind::norm_gain ? 1.0 : 0.0, false};
}
template <class S>
parameter_value for_parameter(const S&, parameter_kind kind, const layer_site&) {
  return default_parameter(kind);
}
inline parameter_value for_parameter(const scheme::torch_default&, parameter_kind kind, const layer_site& site) {
  const layer_role role = site.role;
  // nn.MultiheadAttention zeroes its in- and out-projection biases (_reset_parameters).
  if (kind == parameter_kind::bias) return {0.0, !is_attention_projection(role)};
  return default_parameter(kind);
}
inline parameter_value for_parameter(const scheme::mimetic&, parameter_kind kind, const layer_site& site) {
  return for_parameter(scheme::torch_default{}, kind, site);
}
/// Admin's biases are the base model's; DeepNet's paper variant zeroes biases (fairseq's Linear), the
/// torchscale variant keeps PyTorch's default bias, divided by 1/beta on v, o, fc1 and fc2 (its
/// name match catches the biases too).
inline parameter_value for_parameter(const scheme::admin&, parameter_kind kind, const layer_site& site) {
  return for_parameter(scheme::torch_default{}, kind, site);
}
inline parameter_value for_parameter(const scheme::deepnet& s, parameter_kind kind, const layer_site& site) {
  if (s.variant == deepnet_variant::paper || kind != parameter_kind::bias) return default_parameter(kind);
  parameter_value v{0.0, true};
  if (deepnet_scaled_role(site.role)) v.scale = deepnet_at(s, site.transformer).constants().beta;
  return v;
}
/// T-Fixup: q, k and v keep nn.Linear's default bias (fairseq's MultiheadAttention), the others are zero.
inline parameter_value for_parameter(const scheme::t_fixup&, parameter_kind kind, const layer_site& site) {
  const layer_role r = site.role;
  if (kind == parameter_kind::bias && (r == layer_role::query || r == layer_role::key || r == layer_role::value))
    return {0.0, true};
  return default_parameter(kind);
}
inline parameter_value for_parameter(const scheme::skipinit& s, parameter_kind kind, const layer_site&) {
  if (kind == parameter_kind::multiplier) return {s.alpha, false};
  return default_parameter(kind);
}
inline parameter_value for_parameter(const scheme::rezero&, parameter_kind kind, const layer_site&) {
  if (kind == parameter_kind::multiplier) return {0.0, false};
  return default_parameter(kind);
}
inline parameter_value for_parameter(const scheme::zero_gamma&, parameter_kind kind, const layer_site& site) {
  if (kind == parameter_kind::norm_gain && site.role == layer_role::branch_last) return {0.0, false};
  return default_parameter(kind);
}

/// The forward-pass scalars of a transformer rule (see initializer::scalars_for).
template <class S>
transformer_scalars scalars_of(const S&, const transformer_structure&) {
  return {};
}
inline transformer_scalars scalars_of(const scheme::deepnet& s, const transformer_structure& net) {
  return {s.any_norm ? block_norm::any : block_norm::post, deepnet_at(s, net).constants().alpha, 1.0};
}
inline transformer_scalars scalars_of(const scheme::admin& s, const transformer_structure& net) {
  const index n = s.sublayers > 0 ? s.sublayers : 2 * net.blocks;
  return {block_norm::post, admin_omega(detail::checker("admin", ""), n, s.output_change), 1.0};
}

inline transformer_scalars scalars_of(const scheme::t_fixup&, const transformer_structure& net) {
  transformer_scalars k{block_norm::none};
  if (net.width > 0) k.embedding = std::sqrt(static_cast<double>(net.width));
  return k;
}
/// 1/d_head, μP's attention scale (0 when the structure has no heads: the default).
inline double mup_attention_scale(const transformer_structure& net) {
  return net.heads > 0 && net.width > 0 ? static_cast<double>(net.heads) / static_cast<double>(net.width) : 0.0;
}
inline transformer_scalars scalars_of(const scheme::mup& s, const transformer_structure& net) {
  const scheme::mup at = mup_at(s, net);
  transformer_scalars k;
  k.attention_scale = mup_attention_scale(net);
  if (s.readout_multiplier && at.width_mult > 0) k.output = 1 / at.width_mult;
  return k;
}
template <class S>
transformer_scalars depth_scalars(const S& s, const transformer_structure& net) {
  const auto m = s.at(checker(S::name, ""), net);
  transformer_scalars k{block_norm::pre};
  k.branch = std::pow(m.depth, -s.alpha);
  k.attention_scale = mup_attention_scale(net);
  k.output = s.output_alpha / m.width;
  return k;
}
inline transformer_scalars scalars_of(const scheme::depth_mup& s, const transformer_structure& net) { return depth_scalars(s, net); }
inline transformer_scalars scalars_of(const scheme::completep& s, const transformer_structure& net) { return depth_scalars(s, net); }

/// What a rule asks of the optimizer for one parameter (see initializer::optimizer_for).
template <class S>
optimizer_multipliers optimizer_of(const S&, parameter_kind, const layer_site&, optimizer_family) {
  return {};
}
/// A vector-like parameter in μP's sense: one dimension grows with width (biases, norms, the
/// embeddings and a patch projection's weight).
inline bool is_vector_like(parameter_kind kind, layer_role r) {
  if (kind != parameter_kind::weight) return true;
  return r == layer_role::input || r == layer_role::embedding || r == layer_role::position || r == layer_role::cls;
}
/// μP's MuAdam and MuSGD (microsoft/mup optim.py) for width multiplier m.
inline optimizer_multipliers mup_optimizer(parameter_kind kind, layer_role r, double m, bool readout_multiplier,
                                           optimizer_family family) {
  const bool readout = kind == parameter_kind::weight && r == layer_role::classifier;
  if (family == optimizer_family::adam) {
    if ((kind == parameter_kind::weight && is_block_matrix(r)) || (readout && !readout_multiplier)) return {1 / m, 1, 1};
    return {};
  }
  if (readout) return {readout_multiplier ? m : 1 / m, 1, 1};
  if (is_vector_like(kind, r)) return {m, 1, 1};
  return {};
}
inline optimizer_multipliers optimizer_of(const scheme::mup& s, parameter_kind kind, const layer_site& site, optimizer_family family) {
  if (site.transformer.blocks == 0) return {};
  return mup_optimizer(kind, site.role, mup_at(s, site.transformer).width_mult, s.readout_multiplier, family);
}
template <class S>
optimizer_multipliers depth_optimizer(const S& s, parameter_kind kind, const layer_site& site, optimizer_family family) {
  if (site.transformer.blocks == 0) return {};
  const auto m = s.at(checker(S::name, ""), site.transformer);
  if (family == optimizer_family::sgd) return mup_optimizer(kind, site.role, m.width, true, family);
  optimizer_multipliers g;
  g.eps = 1 / m.width * std::pow(m.depth, -s.alpha);
  const double depth_lr = std::pow(m.depth, s.alpha - 1);
  if (kind == parameter_kind::weight && is_block_matrix(site.role)) {
    g.learning_rate = depth_lr / m.width;
    g.weight_decay = m.width;
  } else if (kind != parameter_kind::weight && site.block >= 0) {
    g.learning_rate = depth_lr;  // the blocks' norm gains and biases
  }
  return g;
}
inline optimizer_multipliers optimizer_of(const scheme::depth_mup& s, parameter_kind kind, const layer_site& site,
                                          optimizer_family family) {
  return depth_optimizer(s, kind, site, family);
}
inline optimizer_multipliers optimizer_of(const scheme::completep& s, parameter_kind kind, const layer_site& site,
                                          optimizer_family family) {
  return depth_optimizer(s, kind, site, family);
}

/// True for a rule whose four attention projections of a block are one construction, filled from
/// one engine (mimetic: W_Q with W_K, W_V with W_O).
template <class S>
bool shares_attention_stream(const S&) {
  return false;
}
inline bool shares_attention_stream(const scheme::mimetic&) { return true; }

template <class S>
residual_parameters residual_parameters_of(const S&) {
  return {};
}
inline residual_parameters residual_parameters_of(const scheme::fixup&) { return {true, true}; }
inline residual_parameters residual_parameters_of(const scheme::skipinit&) { return {true, false}; }
inline residual_parameters residual_parameters_of(const scheme::rezero&) { return {true, false}; }

}  // namespace detail

/// Every scheme with its options and defaults, in a fixed order.
inline std::vector<scheme_info> list_schemes() {
  std::vector<scheme_info> out;
  detail::for_each_scheme([&](auto s) {
    using S = decltype(s);
    scheme_info info{S::name, S::reference, S::is_random, {}};
    s.visit_options([&](std::string_view n, const auto& v, std::string_view doc) {
      info.options.push_back(detail::describe_option(n, v, doc));
    });
    out.push_back(std::move(info));
  });
  return out;
}

/// A scheme chosen by name at run time, with options set from text.
class initializer {
 public:
  /// Throws init_error naming the valid schemes when `name` is unknown.
  explicit initializer(std::string_view name) {
    bool found = false;
    detail::for_each_scheme([&](auto s) {
      if (!found && decltype(s)::name == name) scheme_ = s, found = true;
    });
    if (!found) {
      std::string names;
      for (const auto& info : list_schemes()) names.append(names.empty() ? "" : ", ").append(info.name);
      detail::checker("initializer", "").fail("scheme", detail::cat("one of ", names), detail::quoted(name));
    }
  }

  std::string_view name() const {
    return std::visit([](const auto& s) { return std::decay_t<decltype(s)>::name; }, scheme_);
  }
  bool is_random() const {
    return std::visit([](const auto& s) { return std::decay_t<decltype(s)>::is_random; }, scheme_);
  }

  /// Sets option `option` from text ("0.5", "fan_out", "relu"); `target` names the target in
  /// messages. Range checks happen when the scheme plans (describe or fill).
  void set(std::string_view option, std::string_view value, const std::string& target = "") {
    std::visit(
        [&](auto& s) {
          const detail::checker check(std::decay_t<decltype(s)>::name, target);
          bool found = false;
          std::string names;
          s.visit_options([&](std::string_view n, auto& member, std::string_view) {
            names.append(names.empty() ? "" : ", ").append(n);
            if (n == option) detail::parse_option(check, n, value, member), found = true;
          });
          if (!found)
            check.fail("option", names.empty() ? std::string("absent (this scheme has no options)") : detail::cat("one of ", names),
                       detail::quoted(option));
        },
        scheme_);
  }

  /// The scheme a weight at `role` gets in a network of the given residual structure: itself for
  /// a plain scheme; the recipe of the network-level schemes otherwise (fixup: zeros on the last
  /// branch layers and the classifier, He elsewhere, scaled inside branches; zero_hadamard and
  /// constnet: zeros on the last branch layers, and constnet on every branch layer and the
  /// classifier; idinit: IDIZ_eps on the last branch layers; siren and vi3nr: the first layer on
  /// role input; winner: its noise on weights 0 and 1). See `plan_network` for a whole model.
  /// `position` is the weight's index in the network's forward order (winner's first two
  /// weights); siren and vi3nr plan their first layer on role input.
  initializer for_layer(layer_role role, const residual_structure& net = {}, index position = 0) const {
    return for_layer(layer_site{role, net, position});
  }
  /// The same for a weight's whole site: its block and the transformer's structure too, which
  /// the transformer rules read (deepnet's depth, OLMo's block index): per role, deepnet,
  /// t_fixup, neox, the olmo_* schemes, depth_mup, completep, and gpt2, megatron_scaled,
  /// depth_scaled_trunc_normal and mup as their models apply them (see each scheme's header).
  initializer for_layer(const layer_site& site) const {
    initializer layer;
    layer.scheme_ = std::visit([&](const auto& s) { return detail::for_layer(s, site); }, scheme_);
    return layer;
  }

  /// What the rule does to a transformer's forward pass: the shortcut and branch scalars of
  /// every block, the attention, logit and embedding scales, and the block form they are for
  /// (deepnet: alpha, post-LN; admin: omega, post-LN; depth_mup and completep: the branch
  /// multiplier, pre-LN, and μP's attention scale 1/d_head and logit scale, as mup; t_fixup: no
  /// norm, the token table times sqrt(d)); all 1 and any form for the other schemes.
  transformer_scalars scalars_for(const transformer_structure& net) const {
    return std::visit([&](const auto& s) { return detail::scalars_of(s, net); }, scheme_);
  }

  /// What the rule asks of the optimizer for a parameter of `kind` at `site` (μP's MuAdam and
  /// MuSGD, depth_mup's and completep's parameter groups): multipliers of the learning rate,
  /// Adam's epsilon and the weight decay; all 1 for the other schemes.
  optimizer_multipliers optimizer_for(parameter_kind kind, const layer_site& site, optimizer_family family) const {
    return std::visit([&](const auto& s) { return detail::optimizer_of(s, kind, site, family); }, scheme_);
  }

  /// What the rule gives a parameter of `kind` at `role` that is not a weight (`for_layer` plans
  /// the weights): biases 0 (PyTorch's default bias under torch_default), scalar biases 0,
  /// branch multipliers 1 (skipinit: alpha, rezero: 0), norm gains 1 (zero_gamma: 0 on the last
  /// of each branch), norm biases 0.
  parameter_value for_parameter(parameter_kind kind, layer_role role) const { return for_parameter(kind, layer_site{role}); }
  /// The same at a parameter's whole site (deepnet's torchscale biases read the depth).
  parameter_value for_parameter(parameter_kind kind, const layer_site& site) const {
    return std::visit([&](const auto& s) { return detail::for_parameter(s, kind, site); }, scheme_);
  }
  /// True when a block's q, k, v and output projections must be filled from one engine (mimetic's
  /// pairs: the same engine gives W_Q and W_K, W_V and W_O that belong together).
  bool shares_attention_stream() const {
    return std::visit([](const auto& s) { return detail::shares_attention_stream(s); }, scheme_);
  }
  /// The scalars the rule puts around each residual branch (Fixup's, SkipInit's, ReZero's).
  nninit::residual_parameters residual_parameters() const {
    return std::visit([](const auto& s) { return detail::residual_parameters_of(s); }, scheme_);
  }
  /// The scheme itself, when it is an S (for options only a scheme's own code reads: lsuv's).
  template <class S>
  const S* get_if() const {
    return std::get_if<S>(&scheme_);
  }

  /// True when the scheme develops its weight from data (devfly): `set_data` before `fill`.
  bool takes_data() const {
    return std::visit([](const auto& s) { return detail::has_data<std::decay_t<decltype(s)>>::value; }, scheme_);
  }
  /// The data (samples x inputs) a data-driven scheme develops from; init_error for the others.
  void set_data(std::shared_ptr<const Eigen::MatrixXd> data) {
    std::visit(
        [&](auto& s) {
          using S = std::decay_t<decltype(s)>;
          if constexpr (detail::has_data<S>::value) s.data = std::move(data);
          else detail::checker(S::name, "").fail("data", "given only to a scheme developed from data (devfly)", "a matrix");
        },
        scheme_);
  }

  /// True when the scheme has an option of that name.
  bool has_option(std::string_view option) const {
    return std::visit(
        [&](auto s) {
          bool found = false;
          s.visit_options([&](std::string_view n, auto&, std::string_view) { found = found || n == option; });
          return found;
        },
        scheme_);
  }

  /// Every option's name and current value, as text `set` reads back ("0.02", "fan_in").
  std::vector<std::pair<std::string, std::string>> options() const {
    std::vector<std::pair<std::string, std::string>> out;
    std::visit(
        [&](auto s) {  // visit_options is not const
          s.visit_options([&](std::string_view n, const auto& v, std::string_view doc) {
            out.emplace_back(std::string(n), detail::describe_option(n, v, doc).default_value);
          });
        },
        scheme_);
    return out;
  }

  plan describe(const shape& s) const {
    return std::visit([&](const auto& scheme) { return scheme.describe(s); }, scheme_);
  }

  /// Fills any writable Eigen target, as the scheme's own operator() does; `par` splits the
  /// fill over threads where the scheme's values are independent per element.
  template <class Target>
  void fill(Target&& w, const engine& eng, const shape& s = {}, const parallel& par = {}) const {
    std::visit([&](const auto& scheme) { fill_one(scheme, std::forward<Target>(w), eng, s, par); }, scheme_);
  }

  /// Fills from PyTorch's generator (nninit/torch_generator.hpp): PyTorch's own values for the
  /// schemes whose plan is a uniform or a normal, nothing drawn for the deterministic ones; other
  /// plans throw init_error.
  template <class Target>
  void fill(Target&& w, torch_generator& gen, const shape& s = {}) const {
    std::visit(
        [&](const auto& scheme) {
          using Scheme = std::decay_t<decltype(scheme)>;
          if constexpr (std::is_invocable_v<const Scheme&, Target, torch_generator&, const shape&>) {
            scheme(std::forward<Target>(w), gen, s);
          } else {  // devfly develops its wiring from data with nninit's own streams
            const auto& target = detail::writable(std::forward<Target>(w));
            detail::resolve(Scheme::name, s, target.rows(), target.cols())
                .check.fail("engine", "an nninit::engine (torch_generator reproduces PyTorch's uniform_ and normal_ only)",
                            "torch_generator");
          }
        },
        scheme_);
  }

 private:
  template <class Scheme, class Target>
  static void fill_one(const Scheme& scheme, Target&& w, const engine& eng, const shape& s, const parallel& par) {
    if constexpr (std::is_invocable_v<const Scheme&, Target, const engine&, const shape&, const parallel&>)
      scheme(std::forward<Target>(w), eng, s, par);
    else
      scheme(std::forward<Target>(w), eng, s);  // devfly: develops on the calling thread
  }

  initializer() = default;
  detail::any_scheme scheme_;
};

}  // namespace nninit
