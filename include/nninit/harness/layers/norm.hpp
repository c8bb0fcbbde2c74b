// nninit harness: the normalization a model puts after each dense or conv layer, by name.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "../../detail/enum_names.hpp"
#include "../graph.hpp"
#include "batch_norm.hpp"
#include "layer_norm.hpp"

namespace nninit::harness {

enum class norm_kind { none, batch, layer, rms };

}  // namespace nninit::harness

namespace nninit::detail {
template <>
struct enum_names<harness::norm_kind> {
  static constexpr std::array<std::pair<harness::norm_kind, std::string_view>, 4> table{{
      {harness::norm_kind::none, "none"},
      {harness::norm_kind::batch, "batch"},
      {harness::norm_kind::layer, "layer"},
      {harness::norm_kind::rms, "rms"},
  }};
};
}  // namespace nninit::detail

namespace nninit::harness {

/// ", batch norm" and the like, for summaries; empty without normalization.
inline std::string norm_summary(norm_kind n) {
  return n == norm_kind::none ? std::string() : nninit::detail::cat(", ", nninit::detail::name_of(n), " norm");
}

}  // namespace nninit::harness

namespace nninit::harness::layers {

/// Appends the normalization `kind` of `channels` rows (`positions` columns per example) after
/// buffer `x` and returns its output; with norm_kind::none returns x itself.
template <class T>
typename graph<T>::id add_norm(graph<T>& g, norm_kind kind, placement where, index channels, index positions,
                               typename graph<T>::id x) {
  switch (kind) {
    case norm_kind::none: return x;
    case norm_kind::batch: return g.add(std::make_unique<batch_norm<T>>(std::move(where), channels, positions), x);
    case norm_kind::layer: return g.add(std::make_unique<layer_norm<T>>(std::move(where), channels), x);
    case norm_kind::rms: return g.add(std::make_unique<rms_norm<T>>(std::move(where), channels), x);
  }
  return x;
}

}  // namespace nninit::harness::layers
