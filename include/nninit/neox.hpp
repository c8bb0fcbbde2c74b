// nninit: GPT-NeoX's initializations (EleutherAI/gpt-neox megatron/model/init_functions.py), as
// the Pythia configs use them: `small_init` for the input-side weights and embeddings and
// `wang_init` for the residual output projections. ../shared transformer.md §5.1. Named neox_* so
// that they cannot be taken for nninit's small_init (Zhou et al. 2022), an unrelated scheme.
#pragma once

#include <array>
#include <cmath>
#include <string_view>
#include <utility>

#include "detail/enum_names.hpp"
#include "detail/scheme_base.hpp"
#include "variance_scaling.hpp"

namespace nninit {

/// GPT-NeoX's `init_method` choices that nninit has (neox_args.py).
enum class neox_init_method { normal, small_init };
/// GPT-NeoX's `output_layer_init_method` choices that nninit has.
enum class neox_output_init_method { scaled_normal, wang_init };

namespace detail {
template <>
struct enum_names<neox_init_method> {
  static constexpr std::array<std::pair<neox_init_method, std::string_view>, 2> table{{
      {neox_init_method::normal, "normal"},
      {neox_init_method::small_init, "small_init"},
  }};
};
template <>
struct enum_names<neox_output_init_method> {
  static constexpr std::array<std::pair<neox_output_init_method, std::string_view>, 2> table{{
      {neox_output_init_method::scaled_normal, "scaled_normal"},
      {neox_output_init_method::wang_init, "wang_init"},
  }};
};

/// `width` when set, else the weight's fan (`fan`): the model's hidden size d.
inline double neox_width(const checker& check, index width, index fan) {
  if (width < 0) check.fail("width", ">= 0 (0: the weight's fan)", number(width));
  return static_cast<double>(width > 0 ? width : fan);
}
inline void check_neox_layers(const checker& check, index layers) {
  if (layers < 1) check.fail("layers", ">= 1 (num_layers, transformer blocks; the network rule takes the depth)", number(layers));
}
/// N(0, std^2) for the context, its fans recorded (std is inf for a weight without elements,
/// which nothing is written to).
inline plan neox_normal_plan(const context& ctx, std::string_view name, double std) {
  const fans f = ctx.fans();
  return spread(plan{name, ctx.shape, distribution::normal, f.in, f.out}, variance_distribution::normal, std);
}
/// small_init: sqrt(2 / (5 d)), computed as the code does (one division, one sqrt).
inline double neox_small_init_std(double d) { return std::sqrt(2 / (5 * d)); }
/// wang_init: 2 / L / sqrt(d), in the code's order.
inline double wang_init_std(double layers, double d) { return 2 / layers / std::sqrt(d); }
}  // namespace detail

namespace scheme {

/// GPT-NeoX's `small_init_init_method(dim)`: N(0, 2/(5d)), std sqrt(2/(5d)), Xavier-normal of a
/// d x 4d matrix (Nguyen & Salazar 2019, "Transformers without Tears"). `width` = d, the hidden
/// size (0: the weight's fan_in, which is d for q, k, v, fc1, the embeddings and the readout).
struct neox_small_init : detail::scheme_base<neox_small_init> {
  static constexpr std::string_view name = "neox_small_init";
  static constexpr std::string_view reference = "gpt-neox init_functions.py small_init_init_method (std exact)";
  static constexpr bool is_random = true;
  index width = 0;  ///< d, the hidden size; 0: the weight's fan_in

  template <class V> void visit_options(V&& v) { v("width", width, "d, the hidden size (0: the weight's fan_in)"); }

  plan make_plan(const detail::context& ctx) const {
    const double d = detail::neox_width(ctx.check, width, ctx.fans().in);
    return detail::neox_normal_plan(ctx, name, detail::neox_small_init_std(d));
  }
};

/// GPT-NeoX's `wang_init_method(n_layers, dim)`: N(0, (2 / (L sqrt(d)))^2) with L = num_layers
/// (blocks, not 2L: depth enters as 1/L) and d the hidden size (`width`; 0: the weight's fan_out,
/// which is d for the attention output and the FFN's second matrix, where NeoX uses it).
struct wang_init : detail::scheme_base<wang_init> {
  static constexpr std::string_view name = "wang_init";
  static constexpr std::string_view reference = "gpt-neox init_functions.py wang_init_method (std exact)";
  static constexpr bool is_random = true;
  index layers = 0;  ///< L, transformer blocks; required
  index width = 0;   ///< d, the hidden size; 0: the weight's fan_out

  template <class V> void visit_options(V&& v) {
    v("layers", layers, "L, num_layers (transformer blocks), required");
    v("width", width, "d, the hidden size (0: the weight's fan_out)");
  }

  plan make_plan(const detail::context& ctx) const {
    detail::check_neox_layers(ctx.check, layers);
    const double d = detail::neox_width(ctx.check, width, ctx.fans().out);
    return detail::neox_normal_plan(ctx, name, detail::wang_init_std(static_cast<double>(layers), d));
  }
};

/// GPT-NeoX's two init slots as one scheme (megatron/model/transformer.py, gpt2_model.py): a
/// weight is either an `output_layer` (the attention's `dense` and the MLP's `linear2`, the
/// residual output projections), filled by `output_layer_init_method`, or anything else (q, k, v,
/// `linear1`, word and position embeddings, the untied final linear), filled by `init_method`.
/// Defaults are the Pythia configs' (configs/pythia/*.yml): small_init and wang_init; NeoX's own
/// defaults are normal (N(0, std^2)) and scaled_normal (N(0, (std / sqrt(2L))^2)), std =
/// init_method_std 0.02. As a network rule the output layers are attention_out and ffn_out and
/// `layers` defaults to the depth; biases are zero and norm gains one.
struct neox : detail::scheme_base<neox> {
  static constexpr std::string_view name = "neox";
  static constexpr std::string_view reference =
      "gpt-neox init_functions.py with the Pythia configs' init_method and output_layer_init_method (std exact)";
  static constexpr bool is_random = true;
  neox_init_method init_method = neox_init_method::small_init;
  neox_output_init_method output_layer_init_method = neox_output_init_method::wang_init;
  double std = 0.02;          ///< init_method_std (normal, scaled_normal)
  index layers = 0;           ///< num_layers; 0: unset (the network rule takes the depth)
  index width = 0;            ///< hidden_size; 0: the weight's fan (fan_in, or fan_out for output layers)
  bool output_layer = false;  ///< true for the residual output projections

  template <class V> void visit_options(V&& v) {
    v("init_method", init_method, "normal or small_init (Pythia: small_init)");
    v("output_layer_init_method", output_layer_init_method, "scaled_normal or wang_init (Pythia: wang_init)");
    v("std", std, "init_method_std, for normal and scaled_normal (>= 0)");
    v("layers", layers, "num_layers (0: unset; required for output layers; the network rule takes the depth)");
    v("width", width, "hidden_size (0: the weight's fan_in, or fan_out for output layers)");
    v("output_layer", output_layer, "true for the attention output and the FFN's second matrix");
  }

  plan make_plan(const detail::context& ctx) const {
    ctx.check.non_negative("std", std);
    ctx.check.representable("std", std);
    const fans f = ctx.fans();
    if (!output_layer) {
      if (init_method == neox_init_method::normal) return detail::neox_normal_plan(ctx, name, std);
      return detail::neox_normal_plan(ctx, name, detail::neox_small_init_std(detail::neox_width(ctx.check, width, f.in)));
    }
    detail::check_neox_layers(ctx.check, layers);
    const double L = static_cast<double>(layers);
    if (output_layer_init_method == neox_output_init_method::scaled_normal)
      return detail::neox_normal_plan(ctx, name, std / std::sqrt(2 * L));
    return detail::neox_normal_plan(ctx, name, detail::wang_init_std(L, detail::neox_width(ctx.check, width, f.out)));
  }
};

}  // namespace scheme

/// N(0, 2/(5d)), d = `width` (0: the weight's fan_in).
template <class Target, class Rng>
void neox_small_init(Target&& w, Rng&& rng, index width = 0, const shape& s = {}) {
  scheme::neox_small_init{{}, width}(std::forward<Target>(w), rng, s);
}

/// N(0, (2 / (layers sqrt(d)))^2), d = `width` (0: the weight's fan_out).
template <class Target, class Rng>
void wang_init(Target&& w, Rng&& rng, index layers, index width = 0, const shape& s = {}) {
  scheme::wang_init{{}, layers, width}(std::forward<Target>(w), rng, s);
}

}  // namespace nninit
