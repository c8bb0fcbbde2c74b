// nninit: transformer presets: gpt2 (GPT-2 / nanoGPT), megatron_scaled (Megatron-LM),
// depth_scaled_trunc_normal (torchtitan) and mup (μP width scaling, Tensor Programs V).
#pragma once

#include <array>
#include <cmath>
#include <string_view>
#include <utility>

#include "constant.hpp"
#include "detail/enum_names.hpp"
#include "detail/scheme_base.hpp"
#include "trunc_normal.hpp"
#include "variance_scaling.hpp"

namespace nninit {

/// What a weight is to μP: which of its dimensions grow with the model's width (mup's "infshape").
enum class mup_role {
  input,    ///< fan_in fixed, fan_out width (embeddings, the first layer), and every bias or gain vector
  hidden,   ///< fan_in and fan_out both width (attention and MLP matrices)
  query,    ///< a hidden weight that makes attention queries: 0 while zero_query, else hidden
  readout,  ///< fan_in width, fan_out fixed (the unembedding, a classifier)
};

namespace detail {
template <>
struct enum_names<mup_role> {
  static constexpr std::array<std::pair<mup_role, std::string_view>, 4> table{{
      {mup_role::input, "input"},
      {mup_role::hidden, "hidden"},
      {mup_role::query, "query"},
      {mup_role::readout, "readout"},
  }};
};

/// An empty plan of scheme `name` for the context's shape.
inline plan named_plan(std::string_view name, const context& ctx) {
  plan p;
  p.scheme = name;
  p.shape = ctx.shape;
  return p;
}

/// What gpt2 and megatron_scaled share: N(0, std^2) with std = base, or, for a residual output
/// projection (`scaled`), base / sqrt(multiplier * layers), computed as nanoGPT and Megatron-LM do
/// (one product, one sqrt, one division, in double), so the std matches theirs to the bit.
/// `base_name` and `scaled_name` are the scheme's option names, for messages.
inline plan residual_normal_plan(const context& ctx, std::string_view name, std::string_view base_name, double base,
                                 std::string_view scaled_name, bool scaled, index layers, double multiplier) {
  ctx.check.non_negative(base_name, base);
  ctx.check.representable(base_name, base);
  if (layers < 0) ctx.check.fail("layers", ">= 0 (0: unset)", number(layers));
  double std = base;
  if (scaled) {
    if (layers < 1)
      ctx.check.fail("layers", cat(">= 1 (the number of transformer layers) when ", scaled_name, " is true"),
                     number(layers));
    std = base / std::sqrt(multiplier * static_cast<double>(layers));
  }
  return spread(named_plan(name, ctx), variance_distribution::normal, std);
}
}  // namespace detail

namespace scheme {

/// GPT-2's initialization as nanoGPT writes it (model.py `_init_weights`, then the `c_proj`
/// loop): N(0, 0.02^2) for every Linear and Embedding weight, and N(0, (0.02 / sqrt(2 n_layer))^2)
/// for the residual output projections (`attn.c_proj` and `mlp.c_proj`), Radford et al. (2019),
/// "Language Models are Unsupervised Multitask Learners", §2.3: the weights of residual layers
/// are scaled by 1/sqrt(N), N = 2 n_layer residual layers (two per block).
/// Options: `std` (0.02); `residual_projection` (false) for c_proj-style weights, which then
/// need `layers` = n_layer >= 1 (0: unset). Biases are zeros, LayerNorm gains ones (use those
/// schemes). Any shape is accepted; fans are not used. The std is nanoGPT's to the bit,
/// 0.02/math.sqrt(2 * n_layer) (12 layers: 0.004082482904638631); values in distribution.
struct gpt2 : detail::scheme_base<gpt2> {
  static constexpr std::string_view name = "gpt2";
  static constexpr std::string_view reference = "nanoGPT model.py _init_weights and c_proj (std exact, values in distribution)";
  static constexpr bool is_random = true;
  double std = 0.02;                 ///< >= 0: std of every weight that is not a residual projection
  bool residual_projection = false;  ///< true for c_proj: std / sqrt(2 * layers)
  index layers = 0;                  ///< n_layer (transformer blocks); 0: unset, required for c_proj

  template <class V> void visit_options(V&& v) {
    v("std", std, "standard deviation of every weight (>= 0)");
    v("residual_projection", residual_projection, "true for residual output projections (c_proj): std/sqrt(2 layers)");
    v("layers", layers, "n_layer, transformer blocks (0: unset; required with residual_projection)");
  }

  plan make_plan(const detail::context& ctx) const {
    return detail::residual_normal_plan(ctx, name, "std", std, "residual_projection", residual_projection, layers, 2.0);
  }
};

/// Megatron-LM's `init_method_normal(sigma)` and `scaled_init_method_normal(sigma, num_layers,
/// multiplier=2.0)` (megatron/core/utils.py; Shoeybi et al. 2019, "Megatron-LM"): N(0, sigma^2)
/// for most weights and N(0, (sigma / sqrt(multiplier * layers))^2) for the output layer of each
/// residual branch (attention's linear_proj, the MLP's linear_fc2). TransformerConfig passes
/// init_method_std = 0.02 and multiplier 2 (two residual branches per layer), or 1 for hybrid
/// models (Mamba-hybrid: one branch per layer). `scaled` (true) picks the scaled form, which
/// needs `layers` >= 1; scaled = false is init_method_normal. With multiplier 2 this is
/// gpt2's residual projection. The std is Megatron's to the bit; values in distribution.
struct megatron_scaled : detail::scheme_base<megatron_scaled> {
  static constexpr std::string_view name = "megatron_scaled";
  static constexpr std::string_view reference =
      "Megatron-LM scaled_init_method_normal / init_method_normal (std exact, values in distribution)";
  static constexpr bool is_random = true;
  double sigma = 0.02;       ///< >= 0: init_method_std
  index layers = 0;          ///< num_layers; 0: unset, required when scaled
  double multiplier = 2.0;   ///< > 0: residual branches per layer (1 for hybrid models)
  bool scaled = true;        ///< false: init_method_normal (std = sigma)

  template <class V> void visit_options(V&& v) {
    v("sigma", sigma, "init_method_std (>= 0)");
    v("layers", layers, "num_layers (0: unset; required when scaled)");
    v("multiplier", multiplier, "residual branches per layer: 2, or 1 for hybrid models (> 0)");
    v("scaled", scaled, "true: sigma/sqrt(multiplier layers) (output layers); false: sigma");
  }

  plan make_plan(const detail::context& ctx) const {
    ctx.check.positive("multiplier", multiplier);
    return detail::residual_normal_plan(ctx, name, "sigma", sigma, "scaled", scaled, layers, multiplier);
  }
};

/// torchtitan's depth-scaled truncated normal (torchtitan/models/common/param_init.py
/// `DepthScaledTruncNormal`; models/llama3 `TransformerBlock.weight_init_std`) for the residual
/// output projections of a Llama-style block (attention.wo, feed_forward.w2 and w3, MoE experts):
/// trunc_normal(mean 0, s, a, b) with s = std / (2 (layer_id + 1)) ** 0.5 when depth_init
/// (torchtitan's default), else s = std / (2 n_layers) ** 0.5 (PR #54). Python's `** 0.5` is
/// libm's pow, whose last bit varies between libms; nninit divides by the correctly rounded sqrt,
/// which equals glibc's pow for every 2 (layer_id + 1) and 2 n_layers below 8414 (4207 layers).
/// torchtitan's bounds are PyTorch's defaults, absolute a = -2, b = 2, which truncate nothing at
/// these stds; the planning and sampling are trunc_normal's (options `a`, `b`, `bounds`). The
/// other weights of that preset are plain trunc_normal: wq, wk, wv, w1 with std 0.02 and ±2, the
/// output head with std dim^-0.5 cut at ±3 std (bounds = std_units, a = -3, b = 3), and the token
/// embedding normal with std 1. The std is torchtitan's to the bit; values in distribution.
struct depth_scaled_trunc_normal : detail::scheme_base<depth_scaled_trunc_normal> {
  static constexpr std::string_view name = "depth_scaled_trunc_normal";
  static constexpr std::string_view reference =
      "torchtitan DepthScaledTruncNormal / llama3 weight_init_std (std exact, values in distribution)";
  static constexpr bool is_random = true;
  double std = 0.02;        ///< > 0: base_std, before depth scaling
  index layer_id = -1;      ///< 0-based block index; -1: unset, required when depth_init
  index layers = 0;         ///< n_layers; 0: unset, required unless depth_init
  bool depth_init = true;   ///< true: scale by the block's depth; false: by the model's
  double a = -2.0;          ///< lower bound (absolute, or in units of the scaled std)
  double b = 2.0;           ///< upper bound
  trunc_bounds bounds = trunc_bounds::absolute;

  template <class V> void visit_options(V&& v) {
    v("std", std, "base std before depth scaling (> 0)");
    v("layer_id", layer_id, "0-based block index (-1: unset; required with depth_init)");
    v("layers", layers, "n_layers (0: unset; required without depth_init)");
    v("depth_init", depth_init, "true: std/sqrt(2 (layer_id+1)); false: std/sqrt(2 layers)");
    v("a", a, "lower bound");
    v("b", b, "upper bound");
    v("bounds", bounds, "absolute (torchtitan, PyTorch) or std_units (multiples of the scaled std)");
  }

  plan make_plan(const detail::context& ctx) const {
    ctx.check.positive("std", std);
    ctx.check.representable("std", std);
    if (layers < 0) ctx.check.fail("layers", ">= 0 (0: unset)", detail::number(layers));
    if (layer_id < -1) ctx.check.fail("layer_id", ">= -1 (-1: unset)", detail::number(layer_id));
    double depth;  // 2 (layer_id + 1) or 2 n_layers, exact in double
    if (depth_init) {
      if (layer_id < 0)
        ctx.check.fail("layer_id", ">= 0 (the 0-based block index) when depth_init is true", detail::number(layer_id));
      if (layers != 0 && layer_id >= layers)
        ctx.check.fail("layer_id", detail::cat("< layers = ", detail::number(layers)), detail::number(layer_id));
      depth = 2 * (static_cast<double>(layer_id) + 1);
    } else {
      if (layers < 1) ctx.check.fail("layers", ">= 1 (n_layers) when depth_init is false", detail::number(layers));
      depth = 2 * static_cast<double>(layers);
    }
    return trunc_normal{{}, 0.0, std / std::sqrt(depth), a, b, bounds}.make_plan(ctx).named(name);
  }
};

/// μP, the Maximal Update Parametrization (Yang et al. 2022, "Tensor Programs V: Tuning Large
/// Neural Networks via Zero-Shot Hyperparameter Transfer", Table 3), as microsoft/mup's `mup.init`
/// and `MuReadout` initialize: `std` is the std the weight has in the base model (the tuned
/// one), and the weight is rescaled by width_mult = fan_in / base_fan_in:
///   input:   std (constant in width; mup.init on a tensor with at most one width dimension);
///   hidden:  std / sqrt(width_mult), i.e. Var ∝ 1/fan_in (mup.init.normal_ on a matrix);
///   query:   0 while zero_query (the mup README's advice: attention logits start at 0), else hidden;
///   readout: std / width_mult, i.e. Var ∝ 1/fan_in^2 (Table 3, no output multiplier); or std
///            when readout_multiplier, for a layer whose forward multiplies by output_mult /
///            width_mult as mup's MuReadout does; or 0 when zero_readout (MuReadout's
///            readout_zero_init).
/// `width_mult` > 0 replaces fan_in / base_fan_in (a network rule sets it from `base_width`). As a
/// transformer rule (initializer::for_layer): embeddings, positions, the class token and a patch
/// projection are input, q is query, k, v, o and the FFN hidden, the readout readout, with
/// width_mult = d / base_width; the forward uses attention scale 1/d_head and, with
/// readout_multiplier, logits times 1/width_mult; Adam's hidden learning rate is lr / width_mult
/// (MuAdam; the readout's too without readout_multiplier), SGD's vector-like parameters' lr times
/// width_mult and the readout's lr / width_mult (MuSGD).
/// At the base shape every role gives exactly `std`. The initialization is the same for SGD and
/// Adam (the tables differ only in learning rates, which are the optimizer's: MuSGD, MuAdam).
/// μP's other rules act in the forward pass and are the model's to apply: attention logits use
/// 1/d_head instead of 1/sqrt(d_head) (mup README: 8/d_head), and MuReadout's 1/width_mult
/// multiplier. fan_in is the PyTorch fan of the shape (in * kernel), so base_fan_in of a conv is
/// the base model's in * kernel. `distribution` = uniform or truncated_normal keeps the same std.
/// The hidden std is Megatron-LM's μP arithmetic (init_method_std / math.sqrt(mup_width_mult)),
/// correctly rounded; mup's std * width_mult ** -0.5 goes through libm's pow and can differ in
/// the last bit (at 2x: 0.014142135623730952 against 0.014142135623730949 for std 0.02). Exact at
/// the base shape and at widths 4^k times it; values in distribution.
struct mup : detail::scheme_base<mup> {
  static constexpr std::string_view name = "mup";
  static constexpr std::string_view reference =
      "microsoft/mup mup.init and MuReadout (std to the last bit, values in distribution)";
  static constexpr bool is_random = true;
  mup_role role = mup_role::hidden;
  index base_fan_in = 0;          ///< this weight's fan_in in the base model; 0: unset (required to scale)
  double std = 0.02;              ///< >= 0: the std at the base shape
  bool zero_query = true;         ///< role query: 0 (mup's recommendation)
  bool zero_readout = false;      ///< role readout: 0 (MuReadout's readout_zero_init)
  bool readout_multiplier = false;  ///< role readout: the forward divides by width_mult, keep std
  variance_distribution distribution = variance_distribution::normal;
  double width_mult = 0;  ///< > 0: width_mult itself, instead of fan_in / base_fan_in
  index base_width = 0;   ///< network rule: the base model's d_model (0: the model's, width_mult 1)

  template <class V> void visit_options(V&& v) {
    v("role", role, "input (and biases), hidden, query or readout");
    v("base_fan_in", base_fan_in, "fan_in of this weight in the base model (0: unset; required to scale)");
    v("std", std, "standard deviation at the base shape (>= 0)");
    v("zero_query", zero_query, "role query: zero-initialize (mup's advice); false: as hidden");
    v("zero_readout", zero_readout, "role readout: zero-initialize (MuReadout readout_zero_init)");
    v("readout_multiplier", readout_multiplier, "role readout: the forward multiplies by 1/width_mult (MuReadout), keep std");
    v("distribution", distribution, "normal, uniform or truncated_normal, same std");
    v("width_mult", width_mult, "width_mult itself (> 0), instead of fan_in/base_fan_in (0: unset)");
    v("base_width", base_width, "network rule: the base model's d_model, <= the model's (0: the model's)");
  }

  plan make_plan(const detail::context& ctx) const {
    ctx.check.non_negative("std", std);
    ctx.check.representable("std", std);
    ctx.check.non_negative("width_mult", width_mult);
    if (base_width < 0) ctx.check.fail("base_width", ">= 0 (0: the model's width)", detail::number(base_width));
    if (base_fan_in < 0) ctx.check.fail("base_fan_in", ">= 0 (0: unset)", detail::number(base_fan_in));
    if ((role == mup_role::query && zero_query) || (role == mup_role::readout && zero_readout))
      return zeros{}.make_plan(ctx).named(name);
    plan p = detail::named_plan(name, ctx);
    if (role == mup_role::input || (role == mup_role::readout && readout_multiplier))
      return detail::spread(p, distribution, std);
    if (base_fan_in < 1 && width_mult == 0)
      ctx.check.fail("base_fan_in",
                     detail::cat(">= 1 (this weight's fan_in in the base model) for role ", detail::name_of(role)),
                     detail::number(base_fan_in));
    const fans f = ctx.fans();
    p.fan_in = f.in;
    p.fan_out = f.out;
    const double m = width_mult > 0 ? width_mult : static_cast<double>(f.in) / static_cast<double>(base_fan_in);
    return detail::spread(p, distribution, role == mup_role::readout ? std / m : std / std::sqrt(m));
  }
};

}  // namespace scheme

/// N(0, std^2); a residual output projection (c_proj) gets std / sqrt(2 * layers).
template <class Target, class Rng>
void gpt2(Target&& w, Rng&& rng, bool residual_projection = false, index layers = 0, double std = 0.02,
          const shape& s = {}) {
  scheme::gpt2{{}, std, residual_projection, layers}(std::forward<Target>(w), rng, s);
}

/// N(0, (sigma / sqrt(multiplier * layers))^2): Megatron-LM's output-layer init.
template <class Target, class Rng>
void megatron_scaled(Target&& w, Rng&& rng, index layers, double sigma = 0.02, double multiplier = 2.0,
                     const shape& s = {}) {
  scheme::megatron_scaled{{}, sigma, layers, multiplier}(std::forward<Target>(w), rng, s);
}

/// torchtitan's trunc_normal(0, std / sqrt(2 (layer_id + 1)), -2, 2) for block `layer_id`.
template <class Target, class Rng>
void depth_scaled_trunc_normal(Target&& w, Rng&& rng, index layer_id, double std = 0.02, const shape& s = {}) {
  scheme::depth_scaled_trunc_normal init;
  init.std = std;
  init.layer_id = layer_id;
  init(std::forward<Target>(w), rng, s);
}

/// μP: a weight of `role` whose base model had fan_in `base_fan_in` and std `std`.
template <class Target, class Rng>
void mup(Target&& w, Rng&& rng, mup_role role, index base_fan_in, double std = 0.02, const shape& s = {}) {
  scheme::mup{{}, role, base_fan_in, std}(std::forward<Target>(w), rng, s);
}

}  // namespace nninit
