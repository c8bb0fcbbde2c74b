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
#include "normal.hpp"
#include "orthogonal.hpp"
#include "siren.hpp"
#include "skipinit.hpp"
#include "small_init.hpp"
#include "sparse.hpp"
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
                 scheme::mup, scheme::flyhash, scheme::devfly, scheme::deepnet, scheme::admin>;

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
  const bool attention = role == layer_role::query || role == layer_role::key || role == layer_role::value ||
                         role == layer_role::attention_out;
  if (kind == parameter_kind::bias) return {0.0, !attention};
  return default_parameter(kind);
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
  return {block_norm::post, deepnet_at(s, net).constants().alpha, 1.0};
}
inline transformer_scalars scalars_of(const scheme::admin& s, const transformer_structure& net) {
  const index n = s.sublayers > 0 ? s.sublayers : 2 * net.blocks;
  return {block_norm::post, admin_omega(detail::checker("admin", ""), n, s.output_change), 1.0};
}

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
  /// the transformer rules read (deepnet's depth, OLMo's block index).
  initializer for_layer(const layer_site& site) const {
    initializer layer;
    layer.scheme_ = std::visit([&](const auto& s) { return detail::for_layer(s, site); }, scheme_);
    return layer;
  }

  /// What the rule does to a transformer's forward pass: the shortcut and branch scalars of
  /// every block and the block form they are for (deepnet: alpha, post-LN; admin: omega,
  /// post-LN); all 1 and any form for the other schemes.
  transformer_scalars scalars_for(const transformer_structure& net) const {
    return std::visit([&](const auto& s) { return detail::scalars_of(s, net); }, scheme_);
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
