// nninit: the tensors of Hugging Face decoder models (llama and its GQA relatives mistral and
// qwen2; gpt2), named and shaped as transformers names them, with Megatron-LM's tensor-parallel
// splits, initialized as transformers' `_init_weights` does or by any nninit network rule. The
// list goes to write_checkpoint (checkpoint.hpp) for a seed checkpoint.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "checkpoint.hpp"

namespace nninit {

/// What a model's config.json says, in transformers' names (LlamaConfig, GPT2Config).
struct hf_config {
  std::string model_type;        ///< llama, mistral, qwen2 or gpt2
  index vocab_size = 0;          ///< vocab_size
  index hidden_size = 0;         ///< hidden_size (gpt2: n_embd)
  index layers = 0;              ///< num_hidden_layers (gpt2: n_layer)
  index heads = 0;               ///< num_attention_heads (gpt2: n_head)
  index kv_heads = 0;            ///< num_key_value_heads; 0: heads (multi-head attention)
  index head_dim = 0;            ///< head_dim; 0: hidden_size / heads
  index intermediate_size = 0;   ///< intermediate_size (gpt2: n_inner; 0 there: 4 * n_embd)
  index positions = 0;           ///< gpt2: n_positions (the learned position table)
  bool tie_word_embeddings = false;  ///< no lm_head tensor: the readout is the token table
  bool attention_bias = false;   ///< llama: biases on q, k, v and o; qwen2 has them on q, k, v always
  bool mlp_bias = false;         ///< llama: biases on gate, up and down
  double initializer_range = 0.02;
  index pad_token_id = -1;       ///< llama family: the embedding row zeroed (nn.Embedding's padding_idx); -1: none
};

/// Throws init_error (as "hf_model") unless `model_type` is one hf_model_tensors knows.
inline void check_hf_model_type(std::string_view model_type) {
  if (model_type != "llama" && model_type != "mistral" && model_type != "qwen2" && model_type != "gpt2")
    detail::checker("hf_model", "").fail("model_type", "llama, mistral, qwen2 or gpt2", detail::quoted(model_type));
}

namespace detail {

inline initializer scheme_with(std::string_view name, std::string_view option = {}, double value = 0) {
  initializer s(name);
  if (!option.empty()) s.set(option, number(value));
  return s;
}

}  // namespace detail

/// The model's tensors in transformers' names, shapes and order, each with its scheme: `rule`
/// (a network rule, for_layer and for_parameter at each tensor's role and block) or, when null,
/// transformers' own initialization. `tp_size` only checks that the heads, KV heads and
/// vocabulary divide among that many ranks, in the config's words. Throws init_error (as
/// "hf_model") for an unknown model_type, sizes < 1, heads not dividing hidden_size, KV heads not
/// dividing heads, and a rule that draws several tensors together (mimetic).
inline std::vector<checkpoint_tensor> hf_model_tensors(const hf_config& c, storage_type type, const initializer* rule = nullptr,
                                                     index tp_size = 1) {
  const detail::checker check("hf_model", "");
  check_hf_model_type(c.model_type);
  const bool gpt2 = c.model_type == "gpt2";
  const auto at_least_one = [&](std::string_view field, index v) {
    if (v < 1) check.fail(field, ">= 1", detail::number(v));
  };
  at_least_one("vocab_size", c.vocab_size);
  at_least_one(gpt2 ? "n_embd" : "hidden_size", c.hidden_size);
  at_least_one(gpt2 ? "n_layer" : "num_hidden_layers", c.layers);
  at_least_one(gpt2 ? "n_head" : "num_attention_heads", c.heads);
  if (gpt2) at_least_one("n_positions", c.positions);
  const index kv = c.kv_heads == 0 ? c.heads : c.kv_heads;
  if (kv < 1) check.fail("num_key_value_heads", ">= 1", detail::number(kv));
  if (c.head_dim == 0 && c.hidden_size % c.heads != 0)
    check.fail(gpt2 ? "n_head" : "num_attention_heads", detail::cat("a divisor of hidden_size ", detail::number(c.hidden_size)),
               detail::number(c.heads));
  if (c.head_dim < 0) check.fail("head_dim", ">= 1 (0: hidden_size / heads)", detail::number(c.head_dim));
  if (c.heads % kv != 0)
    check.fail("num_key_value_heads", detail::cat("a divisor of num_attention_heads ", detail::number(c.heads)), detail::number(kv));
  if (gpt2 && c.heads != kv) check.fail("num_key_value_heads", "absent for gpt2 (no grouped-query attention)", detail::number(kv));
  const index hd = c.head_dim == 0 ? c.hidden_size / c.heads : c.head_dim;
  const index d = c.hidden_size, ffn = c.intermediate_size == 0 && gpt2 ? 4 * d : c.intermediate_size;
  at_least_one(gpt2 ? "n_inner" : "intermediate_size", ffn);
  if (!(c.initializer_range >= 0) || !std::isfinite(c.initializer_range))
    check.fail("initializer_range", "finite and >= 0", c.initializer_range);
  if (c.pad_token_id < -1 || c.pad_token_id >= c.vocab_size)
    check.fail("pad_token_id", detail::cat("null or in [0, vocab_size ", detail::number(c.vocab_size), ")"), detail::number(c.pad_token_id));
  if (tp_size < 1) check.fail("tp", ">= 1", detail::number(tp_size));
  const auto divides = [&](std::string_view field, index v) {
    if (v % tp_size != 0) check.fail("tp", detail::cat("a divisor of ", field, " ", detail::number(v)), detail::number(tp_size));
  };
  divides(gpt2 ? "n_head" : "num_attention_heads", c.heads);
  divides("num_key_value_heads", kv);
  divides("vocab_size", c.vocab_size);
  if (rule != nullptr && rule->shares_attention_stream())
    check.fail("rule", "one that draws each tensor from its own stream", detail::cat(rule->name(), " (it draws a block's q, k, v and o together)"));

  const transformer_structure net{c.layers, d, c.heads, ffn};
  std::vector<checkpoint_tensor> out;
  const auto site = [&](layer_role role, index block) {
    return layer_site{role, {}, static_cast<index>(out.size()), block, net};
  };
  const auto weight_scheme = [&](layer_role role, index block, bool gpt2_projection) {
    if (rule != nullptr) return rule->for_layer(site(role, block));
    // transformers' _init_weights: N(0, initializer_range^2) for Linear, Conv1D and Embedding
    // weights; gpt2's c_proj: initializer_range / sqrt(2 n_layer) (GPT2PreTrainedModel).
    const double layers = static_cast<double>(c.layers);
    return detail::scheme_with("normal", "std", gpt2_projection ? c.initializer_range / std::sqrt(2.0 * layers) : c.initializer_range);
  };
  // A vector parameter: what the rule gives its kind (PyTorch's default bias over the weight's
  // fan_in under torch_default), zeros and ones without a rule.
  const auto vector_scheme = [&](parameter_kind kind, layer_role role, index block, index fan_in) {
    if (rule == nullptr) return detail::scheme_with(kind == parameter_kind::norm_gain ? "ones" : "zeros");
    const parameter_value v = rule->for_parameter(kind, site(role, block));
    if (!v.torch_default) return detail::scheme_with("constant", "val", v.value);
    initializer u("uniform");
    const double bound = v.scale / std::sqrt(static_cast<double>(fan_in));
    u.set("a", detail::number(-bound));
    u.set("b", detail::number(bound));
    return u;
  };
  const auto add = [&](std::string name, shape s, initializer scheme, tp_split split = {}) {
    out.push_back({std::move(name), std::move(s), std::move(scheme), type, split});
  };
  const tp_split vocab{0, 1, true}, heads_rows{0, hd, true}, heads_cols{1, hd, true};
  const tp_split ffn_rows{0, 1, false}, ffn_cols{1, 1, false};

  if (gpt2) {
    const std::string p = "transformer.";
    add(p + "wte.weight", shape{c.vocab_size, d}, weight_scheme(layer_role::embedding, -1, false), vocab);
    add(p + "wpe.weight", shape{c.positions, d}, weight_scheme(layer_role::position, -1, false));
    for (index b = 0; b < c.layers; ++b) {
      const std::string h = p + "h." + std::to_string(b) + ".";
      add(h + "ln_1.weight", shape{d}, vector_scheme(parameter_kind::norm_gain, layer_role::query, b, d));
      add(h + "ln_1.bias", shape{d}, vector_scheme(parameter_kind::norm_bias, layer_role::query, b, d));
      // Conv1D stores (in, out): c_attn's columns are q, k and v, each planned as a (d, d) weight.
      checkpoint_tensor qkv{h + "attn.c_attn.weight", shape{d, 3 * d}.with_layout(layout::in_out), initializer("zeros"), type, heads_cols};
      checkpoint_tensor qkv_bias{h + "attn.c_attn.bias", shape{3 * d}, initializer("zeros"), type, heads_rows};
      const layer_role roles[] = {layer_role::query, layer_role::key, layer_role::value};
      const char* names[] = {"q", "k", "v"};
      for (int j = 0; j < 3; ++j) {
        qkv.pieces.push_back({names[j], d, weight_scheme(roles[j], b, false)});
        qkv_bias.pieces.push_back({names[j], d, vector_scheme(parameter_kind::bias, roles[j], b, d)});
      }
      out.push_back(std::move(qkv));
      out.push_back(std::move(qkv_bias));
      add(h + "attn.c_proj.weight", shape{d, d}.with_layout(layout::in_out), weight_scheme(layer_role::attention_out, b, true), heads_rows);
      add(h + "attn.c_proj.bias", shape{d}, vector_scheme(parameter_kind::bias, layer_role::attention_out, b, d));
      add(h + "ln_2.weight", shape{d}, vector_scheme(parameter_kind::norm_gain, layer_role::ffn_in, b, d));
      add(h + "ln_2.bias", shape{d}, vector_scheme(parameter_kind::norm_bias, layer_role::ffn_in, b, d));
      add(h + "mlp.c_fc.weight", shape{d, ffn}.with_layout(layout::in_out), weight_scheme(layer_role::ffn_in, b, false), ffn_cols);
      add(h + "mlp.c_fc.bias", shape{ffn}, vector_scheme(parameter_kind::bias, layer_role::ffn_in, b, d), ffn_rows);
      add(h + "mlp.c_proj.weight", shape{ffn, d}.with_layout(layout::in_out), weight_scheme(layer_role::ffn_out, b, true), ffn_rows);
      add(h + "mlp.c_proj.bias", shape{d}, vector_scheme(parameter_kind::bias, layer_role::ffn_out, b, ffn));
    }
    add(p + "ln_f.weight", shape{d}, vector_scheme(parameter_kind::norm_gain, layer_role::classifier, -1, d));
    add(p + "ln_f.bias", shape{d}, vector_scheme(parameter_kind::norm_bias, layer_role::classifier, -1, d));
  } else {
    add("model.embed_tokens.weight", shape{c.vocab_size, d}, weight_scheme(layer_role::embedding, -1, false), vocab);
    out.back().zero_row = c.pad_token_id;
    const bool qkv_bias = c.attention_bias || c.model_type == "qwen2";
    for (index b = 0; b < c.layers; ++b) {
      const std::string l = "model.layers." + std::to_string(b) + ".";
      add(l + "input_layernorm.weight", shape{d}, vector_scheme(parameter_kind::norm_gain, layer_role::query, b, d));
      const std::pair<const char*, layer_role> qkv[] = {{"q_proj", layer_role::query}, {"k_proj", layer_role::key}, {"v_proj", layer_role::value}};
      for (const auto& [name, role] : qkv) {
        const index rows = (role == layer_role::query ? c.heads : kv) * hd;
        add(l + "self_attn." + name + ".weight", shape{rows, d}, weight_scheme(role, b, false), heads_rows);
        if (qkv_bias) add(l + "self_attn." + name + ".bias", shape{rows}, vector_scheme(parameter_kind::bias, role, b, d), heads_rows);
      }
      add(l + "self_attn.o_proj.weight", shape{d, c.heads * hd}, weight_scheme(layer_role::attention_out, b, false), heads_cols);
      if (c.attention_bias) add(l + "self_attn.o_proj.bias", shape{d}, vector_scheme(parameter_kind::bias, layer_role::attention_out, b, c.heads * hd));
      add(l + "post_attention_layernorm.weight", shape{d}, vector_scheme(parameter_kind::norm_gain, layer_role::ffn_in, b, d));
      for (const char* name : {"gate_proj", "up_proj"}) {
        add(l + "mlp." + name + ".weight", shape{ffn, d}, weight_scheme(layer_role::ffn_in, b, false), ffn_rows);
        if (c.mlp_bias) add(l + "mlp." + name + ".bias", shape{ffn}, vector_scheme(parameter_kind::bias, layer_role::ffn_in, b, d), ffn_rows);
      }
      add(l + "mlp.down_proj.weight", shape{d, ffn}, weight_scheme(layer_role::ffn_out, b, false), ffn_cols);
      if (c.mlp_bias) add(l + "mlp.down_proj.bias", shape{d}, vector_scheme(parameter_kind::bias, layer_role::ffn_out, b, ffn));
    }
    add("model.norm.weight", shape{d}, vector_scheme(parameter_kind::norm_gain, layer_role::classifier, -1, d));
  }
  if (!c.tie_word_embeddings) add("lm_head.weight", shape{c.vocab_size, d}, weight_scheme(layer_role::classifier, -1, false), vocab);
  return out;
}

}  // namespace nninit
