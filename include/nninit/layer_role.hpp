// nninit: where a layer sits in a network, for schemes whose rule depends on it (Fixup, ZerO,
// IDInit, ConstNet): the role of each weight and the residual structure around it.
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
}  // namespace detail

}  // namespace nninit
