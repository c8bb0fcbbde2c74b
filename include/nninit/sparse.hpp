// nninit: sparse.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/scheme_base.hpp"

namespace nninit {
namespace scheme {

/// Martens (2010), "Deep learning via Hessian-free optimization", §5: N(0, std^2) with
/// ceil(sparsity * rows) zeros in every column of a 2-D weight (PyTorch `sparse_(sparsity, std)`,
/// default std 0.01). The zeroed rows of column c are the ones whose random 64-bit keys (a
/// separate counter domain, logical index r*cols + c, ties to the lower row) are smallest: a
/// uniformly random subset, like PyTorch's per-column permutation, but a pure function of the
/// index, so a block gets exactly the whole fill's block. sparsity must be in [0, 1): PyTorch
/// silently accepts negative values and values >= 1. Matches PyTorch in distribution and in
/// the exact number of zeros per column.
struct sparse : detail::scheme_base<sparse> {
  static constexpr std::string_view name = "sparse";
  static constexpr std::string_view reference = "PyTorch sparse_ (zeros per column exact, values in distribution)";
  static constexpr bool is_random = true;
  double sparsity = std::numeric_limits<double>::quiet_NaN();  ///< fraction of zeros per column; required
  double std = 0.01;  ///< standard deviation of the non-zero values

  template <class V> void visit_options(V&& v) {
    v("sparsity", sparsity, "fraction of each column set to zero, in [0, 1) (required)");
    v("std", std, "standard deviation of the non-zero values");
  }

  plan make_plan(const detail::context& ctx) const {
    if (std::isnan(sparsity)) ctx.check.fail("sparsity", "set (a fraction in [0, 1))", "nothing");
    if (!(sparsity >= 0 && sparsity < 1)) ctx.check.fail("sparsity", "in [0, 1)", sparsity);
    ctx.check.non_negative("std", std);
    ctx.check.representable("std", std);
    ctx.require_rank(2, 2, "2-D");
    plan p{name, ctx.shape, distribution::sparse_normal};
    p.mean = 0;
    p.std = std;
    p.zeros_per_column = static_cast<index>(std::ceil(sparsity * static_cast<double>(ctx.shape.dims[0])));
    return p;
  }
  template <class X>
  void write(const plan& p, X& w, const detail::context& ctx, const engine& eng) const {
    using T = typename X::Scalar;
    const auto& g = ctx.geom;
    // The ranking keys of a whole column, allocated before anything is written.
    using keys_t = std::vector<std::pair<std::uint64_t, index>>;
    keys_t keys = p.zeros_per_column == 0 ? keys_t{} : ctx.whole_matrix([&] { return keys_t(static_cast<std::size_t>(g.view_rows)); });
    detail::fill_with(w, g, eng, detail::domain::values, detail::normal_kernel<T>(p));
    if (p.zeros_per_column == 0) return;
    for (index c = 0; c < g.cols; ++c) {
      const index C = g.col0 + c;
      for (index R = 0; R < g.view_rows; ++R) {
        const index i = R * g.view_cols + C;
        keys[static_cast<std::size_t>(R)] = {
            detail::word64(eng.block(detail::domain::sparse_rank, static_cast<std::uint64_t>(i / 2)),
                           static_cast<int>(i % 2)),
            R};
      }
      const auto cut = keys.begin() + p.zeros_per_column;
      std::nth_element(keys.begin(), cut - 1, keys.end());
      for (auto it = keys.begin(); it != cut; ++it)
        if (it->second >= g.row0 && it->second < g.row0 + g.rows) w.coeffRef(it->second - g.row0, c) = T(0);
    }
  }
};

}  // namespace scheme

template <class Target, class Rng>
void sparse(Target&& w, Rng&& rng, double sparsity, double std = 0.01) {
  scheme::sparse{{}, sparsity, std}(std::forward<Target>(w), rng);
}

}  // namespace nninit
