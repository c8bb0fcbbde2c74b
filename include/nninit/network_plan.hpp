// nninit: planning a whole network's weights with a network-level scheme (Fixup, ZerO, IDInit,
// ConstNet) or a plain one, before anything is written.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "layer_role.hpp"
#include "registry.hpp"

namespace nninit {

/// One weight of a user's network: a name for messages, its role and its logical shape.
struct layer_spec {
  std::string name;
  layer_role role = layer_role::hidden;
  nninit::shape shape;
  index block = -1;  ///< the transformer (or residual) block it sits in; -1: none
};

/// What one weight will get: the scheme chosen for its role and that scheme's plan.
struct layer_plan {
  std::string name;
  layer_role role;
  initializer scheme;
  nninit::plan plan;
};

/// The scheme and plan of every layer under `scheme`'s network rule (`initializer::for_layer`),
/// all validated first: a layer the scheme cannot fill throws init_error, its message ending with
/// the layer's name, and nothing has been written. Then fill each layer with
/// `plans[i].scheme.fill(weight_i, base.fork(i), plans[i].plan.shape)`, set biases and scalar
/// biases to 0 and branch multipliers to 1 (Fixup's rule 3).
///
///   const nninit::residual_structure resnet110{54, 2};
///   auto plans = nninit::plan_network(nninit::initializer("fixup"), layers, resnet110);
/// A transformer's rules (deepnet, admin, ...) also read `transformer`, the stack's structure,
/// and each layer's block.
inline std::vector<layer_plan> plan_network(const initializer& scheme, const std::vector<layer_spec>& layers,
                                            const residual_structure& net = {}, const transformer_structure& transformer = {}) {
  std::vector<layer_plan> plans;
  plans.reserve(layers.size());
  for (const auto& layer : layers) {
    initializer chosen = scheme.for_layer(layer_site{layer.role, net, static_cast<index>(plans.size()), layer.block, transformer});
    try {
      nninit::plan p = chosen.describe(layer.shape);
      plans.push_back({layer.name, layer.role, std::move(chosen), std::move(p)});
    } catch (const init_error& e) {
      throw init_error(detail::cat(e.what(), " (layer ", layer.name, ", ", detail::name_of(layer.role), ")"));
    }
  }
  return plans;
}

}  // namespace nninit
