// nninit: normal.
#pragma once

#include <string_view>
#include <utility>

#include "detail/scheme_base.hpp"

namespace nninit {
namespace scheme {

/// Fills with N(mean, std^2) (PyTorch `normal_`, defaults mean 0, std 1; Keras `RandomNormal`;
/// JAX `normal(stddev)`). std = 0 fills the constant mean, as PyTorch does; std < 0 is an error.
/// Matches PyTorch in distribution, not bit for bit.
struct normal : detail::scheme_base<normal> {
  static constexpr std::string_view name = "normal";
  static constexpr std::string_view reference = "PyTorch normal_ (in distribution); Keras RandomNormal; JAX normal";
  static constexpr bool is_random = true;
  double mean = 0.0;
  double std = 1.0;  ///< standard deviation, >= 0

  template <class V> void visit_options(V&& v) {
    v("mean", mean, "mean");
    v("std", std, "standard deviation (>= 0)");
  }

  plan make_plan(const detail::context& ctx) const {
    ctx.check.representable("mean", mean);
    ctx.check.non_negative("std", std);
    ctx.check.representable("std", std);
    plan p{name, ctx.shape, distribution::normal};
    p.mean = mean;
    p.std = std;
    p.output_std = std;
    return p;
  }
};

}  // namespace scheme

template <class Target, class Rng>
void normal(Target&& w, Rng&& rng, double mean = 0.0, double std = 1.0) {
  scheme::normal{{}, mean, std}(std::forward<Target>(w), rng);
}

}  // namespace nninit
