// nninit harness: a transformer stack on the shared layers, as a ViT on images and as a causal
// character-level language model (../shared transformer.md §0, §9). A batch of tokens is
// d x (n * examples), the n tokens of an example in adjacent columns, so every dense layer, norm
// and activation of the stack is one GEMM or one pass over all tokens of the batch.
//
// Block forms, with F the attention branch (norm, in-projection, attention, out-projection) or
// the FFN branch (ffn_in, activation, ffn_out), N a LayerNorm or RMSNorm, and per block the
// constants alpha (shortcut) and s (branch), 1 by default:
//   post_norm       x <- N(alpha x + s F(x))        (vanilla post-LN; DeepNorm's alpha > 1)
//   pre_norm        x <- alpha x + s F(N(x)), and a final N before the readout (GPT-2, ViT)
//   no_norm         x <- alpha x + s F(x)           (T-Fixup, Fixup-style stacks)
//   attention_only  x <- W_O attention(W_QKV x)    (no FFN, no skip, no norm: Dong et al. 2021's
//                                                   rank-collapse case)
//
// Parameters carry their transformer role (layer_role::query ... cls, classifier for the
// readout) and their block; norms' gains and biases are norm_gain / norm_bias of role hidden.
// Names follow nn.TransformerEncoderLayer where one exists: block<b>.norm1, .attn.q/.k/.v (or
// .attn.in_proj, packed), .attn.o, .norm2, .ffn_in, .ffn_out; embed (the patch projection or the
// token table), tokens.cls, tokens.position, final_norm, classifier.
// Probes: "embed" (the stream entering block 0) and "block<b>" (the stream after block b).
#pragma once

#include <array>
#include <cmath>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../detail/enum_names.hpp"
#include "../detail/format.hpp"
#include "../registry.hpp"
#include "activation.hpp"
#include "graph.hpp"
#include "layers/attention.hpp"
#include "layers/dense.hpp"
#include "layers/nonlinearity.hpp"
#include "layers/norm.hpp"
#include "layers/scalar.hpp"
#include "layers/tokens.hpp"
#include "mlp.hpp"

namespace nninit::harness {

enum class block_form { post_norm, pre_norm, no_norm, attention_only };

}  // namespace nninit::harness

namespace nninit::detail {
template <>
struct enum_names<harness::block_form> {
  static constexpr std::array<std::pair<harness::block_form, std::string_view>, 4> table{{
      {harness::block_form::post_norm, "post"},
      {harness::block_form::pre_norm, "pre"},
      {harness::block_form::no_norm, "none"},
      {harness::block_form::attention_only, "attention_only"},
  }};
};
}  // namespace nninit::detail

namespace nninit::harness {

/// The stack both tasks share.
struct transformer_stack {
  index blocks = 12;
  index width = 64;      ///< d
  index heads = 4;       ///< h, a divisor of width
  index ffn_width = 128; ///< d_ff
  activation act{activation_kind::gelu};
  block_form form = block_form::pre_norm;
  norm_kind norm = norm_kind::layer;  ///< layer or rms (where the form has norms)
  bool bias = true;                   ///< biases of every dense layer (norm biases regardless)
  bool packed_qkv = false;            ///< one (3d, d) in-projection, as nn.MultiheadAttention
  double attention_scale = 0;         ///< multiplies the scores; 0: 1/sqrt(d_head)
  std::vector<double> shortcut_scale; ///< alpha per block; empty: all 1
  std::vector<double> branch_scale;   ///< s per block; empty: all 1
  double output_scale = 1;            ///< multiplies the logits (μP's MuReadout, CompleteP's alpha_out/m_d)
  double embedding_scale = 1;         ///< multiplies a token table's rows (the LM's; fairseq's embed_scale)
};

/// Sets the stack's forward scalars to what `scheme`'s rule plans for it (initializer::scalars_for:
/// deepnet's alpha, admin's omega, CompleteP's branch multiplier, μP's attention and output
/// scales, T-Fixup's embedding scale); init_error, naming the scheme and the form it needs, when
/// the rule is made for another block form.
inline void apply_scalars(transformer_stack& st, const initializer& scheme) {
  const transformer_scalars k = scheme.scalars_for({st.blocks, st.width, st.heads, st.ffn_width});
  const std::string_view given = nninit::detail::name_of(st.form);
  if (!k.fits(given))
    nninit::detail::checker(scheme.name(), "")
        .fail("block form", nninit::detail::cat(nninit::detail::name_of(k.form), " (the form the scheme is made for)"), given);
  const auto count = static_cast<std::size_t>(st.blocks);
  st.shortcut_scale.assign(count, k.shortcut);
  st.branch_scale.assign(count, k.branch);
  st.attention_scale = k.attention_scale;
  st.output_scale = k.output;
  st.embedding_scale = k.embedding;
}

/// A ViT (Dosovitskiy et al. 2021) on channels x side x side images: patches of patch x patch
/// pixels, a patch projection (role input), a class token and learned positions, the stack, and
/// a classifier on the class token.
struct vit_config {
  transformer_stack stack;
  index channels = 1, side = 28, patch = 7, classes = 10;
};

/// A causal language model over a vocabulary of token ids (bytes for the character-level task):
/// a token table, learned positions, the stack with a causal mask, logits for every position
/// (the readout tied to the token table, or its own (vocabulary, d) weight without bias).
/// Input: 1 x (context * examples) ids, the tokens of an example adjacent.
struct lm_config {
  transformer_stack stack;
  index vocabulary = 256, context = 64;
  bool tied = false;
};

namespace detail {

inline void check_stack(const nninit::detail::checker& check, const transformer_stack& c) {
  using nninit::detail::number, nninit::detail::cat;
  check_size(check, "depth", c.blocks);
  check_size(check, "width", c.width);
  check_size(check, "heads", c.heads);
  check_size(check, "ffn_width", c.ffn_width);
  if (c.blocks > 10000) check.fail("depth", "<= 10000", number(c.blocks));
  if (c.width % c.heads != 0) check.fail("heads", cat("a divisor of the width ", number(c.width)), number(c.heads));
  if (c.norm != norm_kind::layer && c.norm != norm_kind::rms)
    check.fail("norm", "layer or rms (a transformer normalizes each token)", nninit::detail::name_of(c.norm));
  if (!(c.attention_scale >= 0) || !std::isfinite(c.attention_scale))
    check.fail("attention_scale", "finite and >= 0 (0: 1/sqrt(d_head))", c.attention_scale);
  if (!(c.output_scale > 0) || !std::isfinite(c.output_scale)) check.fail("output_scale", "finite and > 0", c.output_scale);
  if (!(c.embedding_scale > 0) || !std::isfinite(c.embedding_scale))
    check.fail("embedding_scale", "finite and > 0", c.embedding_scale);
  for (const auto* scales : {&c.shortcut_scale, &c.branch_scale}) {
    const char* what = scales == &c.shortcut_scale ? "shortcut_scale" : "branch_scale";
    if (!scales->empty() && static_cast<index>(scales->size()) != c.blocks)
      check.fail(what, cat("one value per block (", number(c.blocks), ") or none"), number(static_cast<index>(scales->size())));
    for (double v : *scales)
      if (!std::isfinite(v)) check.fail(what, "finite", v);
  }
}

/// v times k: a constant_scale layer, none when k is 1.
template <class T>
typename graph<T>::id scale_by(graph<T>& g, typename graph<T>::id v, double k) {
  return k == 1.0 ? v : g.add(std::make_unique<layers::constant_scale<T>>(k), v);
}

/// Appends the blocks of `c` after buffer x (n tokens per example); returns the stream after the
/// last block (after the final norm of a pre-LN stack) and the attention layers in `attention`.
template <class T>
typename graph<T>::id add_blocks(graph<T>& g, const transformer_stack& c, index tokens, bool causal,
                                 typename graph<T>::id x, std::vector<layers::attention<T>*>& attention) {
  using id = typename graph<T>::id;
  const index d = c.width;
  const bool pre = c.form == block_form::pre_norm, post = c.form == block_form::post_norm;
  g.add_probe("embed", x);
  for (std::size_t b = 0; b < static_cast<std::size_t>(c.blocks); ++b) {
    const std::string name = numbered("block", b);
    const auto blk = static_cast<index>(b);
    const double alpha = c.shortcut_scale.empty() ? 1.0 : c.shortcut_scale[b];
    const double s = c.branch_scale.empty() ? 1.0 : c.branch_scale[b];
    const auto scaled = [&](id v, double k) { return scale_by(g, v, k); };
    const auto norm = [&](const char* which, id v) {
      return layers::add_norm(g, c.norm, placement{name + which, layer_role::hidden, blk}, d, 1, v);
    };
    // x <- alpha x + s F(x) with F's input normalized (pre) or the sum normalized (post).
    const auto residual = [&](const char* norm_name, id branch_out) {
      id y = g.sum(scaled(x, alpha), scaled(branch_out, s));
      return post ? norm(norm_name, y) : y;
    };

    id in = pre ? norm(".norm1", x) : x;
    id qkv = g.add(std::make_unique<layers::qkv_projection<T>>(placement{name + ".attn", layer_role::query, blk}, d,
                                                                c.packed_qkv, c.bias),
                   in);
    id a = 0;
    auto& attn = g.template emplace<layers::attention<T>>(qkv, a, d, c.heads, tokens, causal);
    if (c.attention_scale > 0) attn.scale = c.attention_scale;
    attention.push_back(&attn);
    id o = g.add(std::make_unique<layers::dense<T>>(placement{name + ".attn.o", layer_role::attention_out, blk}, d, d, c.bias), a);
    if (c.form == block_form::attention_only) {
      x = o;
      g.add_probe(name, x);
      continue;
    }
    x = residual(".norm1", o);

    in = pre ? norm(".norm2", x) : x;
    id h = g.add(std::make_unique<layers::dense<T>>(placement{name + ".ffn_in", layer_role::ffn_in, blk}, d, c.ffn_width, c.bias), in);
    h = g.add(std::make_unique<layers::nonlinearity<T>>(c.act), h);
    h = g.add(std::make_unique<layers::dense<T>>(placement{name + ".ffn_out", layer_role::ffn_out, blk}, c.ffn_width, d, c.bias), h);
    x = residual(".norm2", h);
    g.add_probe(name, x);
  }
  if (pre) x = layers::add_norm(g, c.norm, placement{"final_norm", layer_role::hidden}, d, 1, x);
  return x;
}

inline std::string stack_summary(const transformer_stack& c) {
  using nninit::detail::cat, nninit::detail::number;
  const std::string form = c.form == block_form::attention_only ? std::string("attention only")
                           : c.form == block_form::no_norm       ? std::string("no norm")
                                                                 : cat(nninit::detail::name_of(c.form), "-", nninit::detail::name_of(c.norm), " norm");
  // The planned scalars when a rule set them (constant over the blocks: deepnet's, admin's).
  const auto scalar = [&](const std::vector<double>& v, const char* what) {
    return v.empty() || v.front() == 1.0 ? std::string() : cat(", ", what, number(v.front()));
  };
  return cat(number(c.blocks), " blocks, width ", number(c.width), ", ", number(c.heads), " heads, ffn ", number(c.ffn_width),
             ", ", c.act.text(), ", ", form, c.bias ? ", bias" : ", no bias", c.packed_qkv ? ", packed qkv" : "",
             scalar(c.shortcut_scale, "shortcut x"), scalar(c.branch_scale, "branch x"),
             c.attention_scale > 0 ? cat(", attention scale ", number(c.attention_scale)) : std::string(),
             scalar({c.output_scale}, "logits x"), scalar({c.embedding_scale}, "embedding x"));
}

/// What both tasks' networks share: the stack's attention layers and structure.
template <class T>
class transformer_network : public graph_network<T> {
 public:
  /// The attention layer of each block, in order (their probabilities() after a forward).
  const std::vector<layers::attention<T>*>& attention_layers() const { return attention_; }
  const transformer_stack& stack() const { return stack_; }
  residual_structure structure() const override {
    if (stack_.form == block_form::attention_only) return {};
    return {2 * stack_.blocks, 2};
  }
  transformer_structure transformer() const override { return {stack_.blocks, stack_.width, stack_.heads, stack_.ffn_width}; }
  /// Tokens per example in the stack.
  index tokens() const { return tokens_; }

 protected:
  explicit transformer_network(const transformer_stack& s) : stack_(s) {}
  transformer_stack stack_;
  index tokens_ = 0;
  std::vector<layers::attention<T>*> attention_;
};

}  // namespace detail

template <class T>
class vit final : public detail::transformer_network<T> {
 public:
  explicit vit(const vit_config& c) : detail::transformer_network<T>(c.stack), config_(c) {
    using nninit::detail::cat, nninit::detail::number;
    const nninit::detail::checker check("vit", "");
    detail::check_stack(check, c.stack);
    detail::check_size(check, "channels", c.channels);
    detail::check_size(check, "side", c.side);
    detail::check_size(check, "patch", c.patch);
    detail::check_size(check, "classes", c.classes);
    if (c.side % c.patch != 0) check.fail("patch", cat("a divisor of the image side ", number(c.side)), number(c.patch));
    graph<T>& g = this->graph_;
    typename graph<T>::id x = 0;
    auto& patches = g.template emplace<layers::patchify<T>>(graph<T>::input, x, c.channels, c.side, c.patch);
    const index m = patches.patches();
    this->tokens_ = m + 1;
    x = g.add(std::make_unique<layers::dense<T>>(placement{"embed", layer_role::input}, c.channels * c.patch * c.patch,
                                                 c.stack.width, c.stack.bias),
              x);
    x = g.add(std::make_unique<layers::add_positions<T>>(placement{"tokens"}, c.stack.width, this->tokens_, true), x);
    x = detail::add_blocks(g, c.stack, this->tokens_, false, x, this->attention_);
    x = g.add(std::make_unique<layers::select_token<T>>(this->tokens_, 0), x);
    x = g.add(std::make_unique<layers::dense<T>>(placement{"classifier", layer_role::classifier}, c.stack.width, c.classes, c.stack.bias), x);
    g.add_probe("classifier", x);
    g.finish(detail::scale_by(g, x, c.stack.output_scale));
  }
  index input_size() const override { return config_.channels * config_.side * config_.side; }
  index output_size() const override { return config_.classes; }
  const vit_config& config() const { return config_; }
  std::string summary() const override {
    using nninit::detail::cat, nninit::detail::number;
    return cat("vit ", detail::stack_summary(config_.stack), ", patches ", number(config_.patch), "x", number(config_.patch),
               " (", number(this->tokens_ - 1), " + cls tokens), ", number(input_size()), " -> ", number(config_.classes));
  }

 private:
  const char* name() const override { return "vit"; }
  vit_config config_;
};

template <class T>
class char_lm final : public detail::transformer_network<T> {
 public:
  using value_type = T;
  explicit char_lm(const lm_config& c) : detail::transformer_network<T>(c.stack), config_(c) {
    const nninit::detail::checker check("lm", "");
    detail::check_stack(check, c.stack);
    detail::check_size(check, "vocabulary", c.vocabulary);
    detail::check_size(check, "context", c.context);
    this->tokens_ = c.context;
    graph<T>& g = this->graph_;
    typename graph<T>::id x = 0;
    auto& table = g.template emplace<layers::token_embedding<T>>(graph<T>::input, x, placement{"embed"}, c.vocabulary, c.stack.width);
    x = detail::scale_by(g, x, c.stack.embedding_scale);
    x = g.add(std::make_unique<layers::add_positions<T>>(placement{"tokens"}, c.stack.width, c.context, false), x);
    x = detail::add_blocks(g, c.stack, c.context, true, x, this->attention_);
    if (c.tied) x = g.add(std::make_unique<layers::tied_readout<T>>(table), x);
    else x = g.add(std::make_unique<layers::dense<T>>(placement{"classifier", layer_role::classifier}, c.stack.width, c.vocabulary, false), x);
    g.add_probe("classifier", x);
    g.finish(detail::scale_by(g, x, c.stack.output_scale));
  }
  index input_size() const override { return 1; }
  index output_size() const override { return config_.vocabulary; }
  bool differentiable_input() const override { return false; }
  const lm_config& config() const { return config_; }
  std::string summary() const override {
    using nninit::detail::cat, nninit::detail::number;
    return cat("lm ", detail::stack_summary(config_.stack), ", context ", number(config_.context), ", vocabulary ",
               number(config_.vocabulary), config_.tied ? ", tied readout" : ", untied readout");
  }

 private:
  const char* name() const override { return "lm"; }
  std::string input_rule() const override { return "1 (token ids)"; }
  void check_input(const matrix<T>& x) const override {
    using nninit::detail::cat, nninit::detail::number;
    graph_network<T>::check_input(x);
    const nninit::detail::checker check("lm", "");
    if (x.cols() % config_.context != 0)
      check.fail("input columns", cat("a multiple of the context ", number(config_.context)), number(static_cast<index>(x.cols())));
    for (index c = 0; c < x.cols(); ++c) {
      const T v = x(0, c);
      if (!(v >= 0 && v < static_cast<T>(config_.vocabulary)) || v != std::floor(v))
        check.fail("token id", cat("an integer in [0, ", number(config_.vocabulary), ")"), static_cast<double>(v));
    }
  }
  lm_config config_;
};

}  // namespace nninit::harness
