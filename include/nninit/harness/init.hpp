// nninit harness: initialize every parameter of a harness network through the library.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "../network_plan.hpp"
#include "../packed.hpp"
#include "../torch_default.hpp"
#include "network.hpp"

namespace nninit::harness {

/// The plan of every weight of `net` under `scheme`'s network rule, without writing anything.
/// A packed weight (parameter::packed_roles) has one plan per block, in order, named
/// "<name>[<role>]".
template <class T>
std::vector<layer_plan> plan_weights(network<T>& net, const initializer& scheme) {
  std::vector<layer_spec> weights;
  for (const auto& p : net.parameters()) {
    if (p.kind != parameter_kind::weight) continue;
    if (p.packed_roles.empty()) {
      weights.push_back({p.name, p.role, p.shape, p.block});
      continue;
    }
    nninit::shape part = p.shape;
    part.dims[0] /= static_cast<index>(p.packed_roles.size());
    for (layer_role r : p.packed_roles)
      weights.push_back({nninit::detail::cat(p.name, "[", nninit::detail::name_of(r), "]"), r, part, p.block});
  }
  return plan_network(scheme, weights, net.structure(), net.transformer());
}

/// Fills every weight of `net` at its logical shape (so conv weights get conv fans) with the
/// scheme its role gets under `scheme`'s network rule and the network's residual structure
/// (plan_network: a plain scheme everywhere; Fixup, ZerO, IDInit and ConstNet per role),
/// parameter i from the stream `base.fork(i)`. Every other parameter gets what the rule gives
/// its kind and role (initializer::for_parameter): biases 0 (PyTorch's U(+-1/sqrt(fan_in)) under
/// torch_default, which is the whole of nn.Linear's default), scalar biases 0, branch
/// multipliers 1 (Fixup's rule 3; 0 under skipinit and rezero), norm gains 1 (0 on the last of
/// each branch under zero_gamma) and norm biases 0. A packed weight (the QKV in-projection) is
/// filled block by block as separate tensors (fill_packed), block j from base.fork(i).fork(j).
/// LSUV's data-dependent part is harness/lsuv.hpp. A rule whose attention projections belong
/// together (initializer::shares_attention_stream: mimetic) fills a block's q, k, v and output
/// projections, packed or not, from one engine, the stream of the block's first of them.
///
/// Every weight's plan is made before anything is written, so a scheme that does not fit the
/// network (dirac on a linear layer, eye on a conv) throws init_error and leaves the network
/// as it was.
template <class T>
void initialize(network<T>& net, const initializer& scheme, const engine& base) {
  const auto plans = plan_weights(net, scheme);
  auto params = net.parameters();
  const residual_structure residual = net.structure();
  const transformer_structure transformer = net.transformer();
  std::map<index, engine> attention_stream;  // block -> the one engine of its attention projections
  if (scheme.shares_attention_stream())
    for (std::size_t i = 0; i < params.size(); ++i) {
      const auto& p = params[i];
      const layer_role role = p.packed_roles.empty() ? p.role : p.packed_roles.front();
      if (p.kind == parameter_kind::weight && p.block >= 0 && is_attention_projection(role))
        attention_stream.emplace(p.block, base.fork(static_cast<std::uint64_t>(i)));
    }
  const auto stream_of = [&](layer_role role, index block, const engine& own) {
    const auto shared = is_attention_projection(role) ? attention_stream.find(block) : attention_stream.end();
    return shared == attention_stream.end() ? own : shared->second;
  };
  std::size_t next_weight = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    auto& p = params[i];
    const engine eng = base.fork(static_cast<std::uint64_t>(i));
    if (p.kind == parameter_kind::weight && !p.packed_roles.empty()) {
      // Each block as its own tensor: its role's scheme, its own fans and stream (fill_packed).
      std::vector<packed_block> blocks;
      for (std::size_t j = 0; j < p.packed_roles.size(); ++j)
        blocks.push_back({p.value->rows() / static_cast<index>(p.packed_roles.size()), plans[next_weight++].scheme,
                          stream_of(p.packed_roles[j], p.block, eng.fork(static_cast<std::uint64_t>(j))),
                          std::string(nninit::detail::name_of(p.packed_roles[j]))});
      fill_packed(*p.value, blocks, p.shape);
      continue;
    }
    if (p.kind == parameter_kind::weight) {
      plans[next_weight++].scheme.fill(*p.value, stream_of(p.role, p.block, eng), p.shape);
      continue;
    }
    const parameter_value v = scheme.for_parameter(p.kind, layer_site{p.role, residual, 0, p.block, transformer});
    if (v.torch_default) {
      torch_default_bias(*p.value, eng, p.shape);
      if (v.scale != 1) *p.value *= static_cast<T>(v.scale);
    } else {
      p.value->setConstant(static_cast<T>(v.value));
    }
  }
}

}  // namespace nninit::harness
