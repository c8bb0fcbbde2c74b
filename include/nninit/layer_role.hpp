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
  classifier,     ///< the readout to the classes
};

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

namespace detail {
template <>
struct enum_names<layer_role> {
  static constexpr std::array<std::pair<layer_role, std::string_view>, 7> table{{
      {layer_role::input, "input"},
      {layer_role::hidden, "hidden"},
      {layer_role::branch_first, "branch_first"},
      {layer_role::branch_middle, "branch_middle"},
      {layer_role::branch_last, "branch_last"},
      {layer_role::shortcut, "shortcut"},
      {layer_role::classifier, "classifier"},
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
