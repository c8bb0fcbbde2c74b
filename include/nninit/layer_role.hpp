// nninit: where a layer sits in a network, for schemes whose rule depends on it (Fixup, ZerO,
// IDInit, ConstNet, SkipInit): the role of each weight, the kind of each parameter and the
// residual structure around them.
#pragma once

#include <array>
#include <string_view>
#include <utility>

#include "detail/enum_names.hpp"
#include "shape.hpp"

namespace nninit {

/// Where a weight sits. A plain scheme treats every role alike; the identity-style schemes give
/// each role its own rule (see `initializer::for_layer`).
enum class layer_role {
  input,          ///< the first layer (stem): from the data to the hidden width
  hidden,         ///< a layer of a plain (non-residual) stack
  branch_first,   ///< the first layer of a residual branch
  branch_middle,  ///< a layer strictly inside a residual branch
  branch_last,    ///< the last layer of a residual branch (zero in Fixup, ZerO, ConstNet)
  shortcut,       ///< a projection on a skip connection (1x1 conv of a downsampling block)
  classifier,     ///< the readout: to the classes, or a language model's unembedding
  // A transformer's roles (../shared transformer.md §0); each sits in block `block` of the stack.
  query,          ///< attention query projection W_Q (d_model -> heads * d_head)
  key,            ///< attention key projection W_K
  value,          ///< attention value projection W_V
  attention_out,  ///< attention output projection W_O (heads * d_head -> d_model)
  ffn_in,         ///< the FFN's first matrix (fc1, c_fc, w1)
  ffn_out,        ///< the FFN's second matrix (fc2, c_proj, w2)
  embedding,      ///< a token table (vocabulary, d_model), looked up by row as nn.Embedding
  position,       ///< a learned position table (tokens, d_model)
  cls,            ///< a ViT's class token (1, d_model)
};

/// The four projections of an attention layer: query, key, value and output.
inline bool is_attention_projection(layer_role r) {
  return r == layer_role::query || r == layer_role::key || r == layer_role::value || r == layer_role::attention_out;
}

/// What a parameter of a network is, for network rules: a weight matrix gets a scheme; the
/// others get what the rule gives their kind and role (`initializer::for_parameter`).
enum class parameter_kind {
  weight,       ///< a matrix in the library's (out, in*k) view, filled by the chosen scheme
  bias,         ///< a vector added after a weight; zero, or PyTorch's default for torch_default
  scalar_bias,  ///< a Fixup-style scalar bias; zero
  multiplier,   ///< a scalar multiplier of a residual branch; one (zero under skipinit, rezero)
  norm_gain,    ///< a normalization layer's gamma; one (zero on the last of a branch under zero_gamma)
  norm_bias,    ///< a normalization layer's beta; zero
};

/// The residual structure of a network: Fixup's L and m.
struct residual_structure {
  index branches = 0;           ///< number of residual branches L (0: not a residual network)
  index layers_per_branch = 0;  ///< weight layers on each branch, m
};

/// The shape of a transformer stack, for the rules that scale by depth or width.
struct transformer_structure {
  index blocks = 0;     ///< L (0: not a transformer)
  index width = 0;      ///< d_model
  index heads = 0;      ///< h; d_head = width / heads
  index ffn_width = 0;  ///< d_ff
};

/// Where one weight sits, for a network rule: its role, its index among the network's weights in
/// forward order, its block (a transformer block or residual block, -1 outside any) and the
/// network's structure.
struct layer_site {
  layer_role role = layer_role::hidden;
  residual_structure residual{};
  index position = 0;
  index block = -1;
  transformer_structure transformer{};
};

/// Which block form a transformer rule is made for; any: the rule changes no forward pass.
enum class block_norm { any, post, pre, none };

/// What a transformer rule plans for the forward pass (../shared transformer.md §0): every block's
/// shortcut weight alpha and branch multiplier s, x <- N(alpha x + s F(x)) (post-LN) or
/// x <- alpha x + s F(N(x)) (pre-LN, no-LN), and the form they are for.
struct transformer_scalars {
  block_norm form = block_norm::any;
  double shortcut = 1;  ///< alpha: DeepNorm's alpha, Admin's omega
  double branch = 1;    ///< s: depth-μP's 1/sqrt(L), CompleteP's L^-alpha
  double attention_scale = 0;  ///< multiplies q.k; 0: 1/sqrt(d_head) (μP, CompleteP: 1/d_head)
  double output = 1;           ///< multiplies the readout's logits (μP's MuReadout, CompleteP: alpha_out/m_d)
  double embedding = 1;        ///< multiplies the token table's output (T-Fixup, fairseq's embed_scale sqrt(d))

  /// True when the scalars may act in a stack of that form (`form_name`: post, pre, none, ...).
  bool fits(std::string_view form_name) const;
};

/// The optimizer a rule's multipliers are for: the μP tables differ between SGD and Adam.
enum class optimizer_family { sgd, adam };

/// What a rule asks of the optimizer for one parameter, as multipliers of the run's settings
/// (μP's MuAdam/MuSGD, CompleteP's parameter groups; ../shared transformer.md §6): the learning
/// rate, Adam's epsilon and the (decoupled) weight decay of that parameter's group.
struct optimizer_multipliers {
  double learning_rate = 1;
  double eps = 1;
  double weight_decay = 1;
};

namespace detail {
template <>
struct enum_names<optimizer_family> {
  static constexpr std::array<std::pair<optimizer_family, std::string_view>, 2> table{{
      {optimizer_family::sgd, "sgd"},
      {optimizer_family::adam, "adam"},
  }};
};
template <>
struct enum_names<block_norm> {
  static constexpr std::array<std::pair<block_norm, std::string_view>, 4> table{{
      {block_norm::any, "any"},
      {block_norm::post, "post"},
      {block_norm::pre, "pre"},
      {block_norm::none, "none"},
  }};
};
}  // namespace detail

inline bool transformer_scalars::fits(std::string_view form_name) const {
  return form == block_norm::any || detail::name_of(form) == form_name;
}

namespace detail {
template <>
struct enum_names<layer_role> {
  static constexpr std::array<std::pair<layer_role, std::string_view>, 16> table{{
      {layer_role::input, "input"},
      {layer_role::hidden, "hidden"},
      {layer_role::branch_first, "branch_first"},
      {layer_role::branch_middle, "branch_middle"},
      {layer_role::branch_last, "branch_last"},
      {layer_role::shortcut, "shortcut"},
      {layer_role::classifier, "classifier"},
      {layer_role::query, "query"},
      {layer_role::key, "key"},
      {layer_role::value, "value"},
      {layer_role::attention_out, "attention_out"},
      {layer_role::ffn_in, "ffn_in"},
      {layer_role::ffn_out, "ffn_out"},
      {layer_role::embedding, "embedding"},
      {layer_role::position, "position"},
      {layer_role::cls, "cls"},
  }};
};
template <>
struct enum_names<parameter_kind> {
  static constexpr std::array<std::pair<parameter_kind, std::string_view>, 6> table{{
      {parameter_kind::weight, "weight"},
      {parameter_kind::bias, "bias"},
      {parameter_kind::scalar_bias, "scalar_bias"},
      {parameter_kind::multiplier, "multiplier"},
      {parameter_kind::norm_gain, "norm_gain"},
      {parameter_kind::norm_bias, "norm_bias"},
  }};
};
}  // namespace detail

}  // namespace nninit
