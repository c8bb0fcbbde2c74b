// nninit harness: initialize every parameter of a harness network through the library.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../network_plan.hpp"
#include "../torch_default.hpp"
#include "network.hpp"

namespace nninit::harness {

/// The plan of every weight of `net` under `scheme`'s network rule, without writing anything.
template <class T>
std::vector<layer_plan> plan_weights(network<T>& net, const initializer& scheme) {
  std::vector<layer_spec> weights;
  for (const auto& p : net.parameters())
    if (p.kind == parameter_kind::weight) weights.push_back({p.name, p.role, p.shape});
  return plan_network(scheme, weights, net.structure());
}

/// Fills every weight of `net` at its logical shape (so conv weights get conv fans) with the
/// scheme its role gets under `scheme`'s network rule and the network's residual structure
/// (plan_network: a plain scheme everywhere; Fixup, ZerO, IDInit and ConstNet per role),
/// parameter i from the stream `base.fork(i)`. Biases are zero (PyTorch's U(+-1/sqrt(fan_in))
/// when the scheme is torch_default, which is the whole of nn.Linear's default), scalar biases
/// zero and branch multipliers one (Fixup's rule 3).
///
/// Every weight's plan is made before anything is written, so a scheme that does not fit the
/// network (dirac on a linear layer, eye on a conv) throws init_error and leaves the network
/// as it was.
template <class T>
void initialize(network<T>& net, const initializer& scheme, const engine& base) {
  const auto plans = plan_weights(net, scheme);
  auto params = net.parameters();
  const bool torch_bias = scheme.name() == scheme::torch_default::name;
  std::size_t next_weight = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    auto& p = params[i];
    const engine eng = base.fork(static_cast<std::uint64_t>(i));
    switch (p.kind) {
      case parameter_kind::weight: plans[next_weight++].scheme.fill(*p.value, eng, p.shape); break;
      case parameter_kind::bias:
        if (torch_bias) torch_default_bias(*p.value, eng, p.shape);
        else p.value->setZero();
        break;
      case parameter_kind::scalar_bias: p.value->setZero(); break;
      case parameter_kind::multiplier: p.value->setOnes(); break;
      case parameter_kind::norm_gain: p.value->setOnes(); break;
      case parameter_kind::norm_bias: p.value->setZero(); break;
    }
  }
}

}  // namespace nninit::harness
