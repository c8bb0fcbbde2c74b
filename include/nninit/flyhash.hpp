// nninit: flyhash, the random sparse binary wiring of the fly's hash.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

#include "detail/scheme_base.hpp"
#include "detail/wiring.hpp"

namespace nninit {
namespace scheme {

/// Dasgupta, Stevens & Navlakha (2017), "A neural algorithm for a fundamental computing problem"
/// (FlyHash), as the DevFly code's `flylsh` builds it: an (m x d) 0/1 matrix whose row j (coding
/// unit j, a Kenyon cell) reads c = floor(alpha * d) distinct inputs chosen uniformly at random,
/// with no scaling. Hash with `fly_hash` (lsh.hpp).
///
/// Exact sampler, for bit-reproducibility: row r is a partial Fisher-Yates shuffle of 0..d-1
/// (step t swaps t with t + u, u uniform on {0..d-1-t} by rejection, `detail::word_source`) driven
/// by the sub-stream (seed, domain wiring, key r). A row depends only on (seed, stream, r), so
/// blocks, shards and any number of rows (prefix stability) give the same rows.
struct flyhash : detail::scheme_base<flyhash> {
  static constexpr std::string_view name = "flyhash";
  static constexpr std::string_view reference = "FlyHash (Dasgupta et al. 2017), the DevFly code's flylsh wiring";
  static constexpr bool is_random = true;
  index connections = -1;  ///< inputs per row; -1: floor(alpha * inputs)
  double alpha = 0.1;      ///< fraction of the inputs each row reads, when connections is -1

  template <class V> void visit_options(V&& v) {
    v("connections", connections, "inputs each row (coding unit) reads; -1: floor(alpha x inputs)");
    v("alpha", alpha, "fraction of the inputs each row reads when connections is -1, in (0, 1]");
  }

  plan make_plan(const detail::context& ctx) const {
    ctx.require_rank(2, 2, "2-D (coding units x inputs)");
    plan p{name, ctx.shape, distribution::binary_wiring};
    p.connections = detail::connections_for(ctx.check, connections, alpha, ctx.geom.view_cols);
    p.value = 1;
    return p;
  }
  template <class X>
  void write(const plan& p, X& w, const detail::context& ctx, const engine& eng) const {
    const auto& g = ctx.geom;
    std::vector<std::vector<index>> sets(static_cast<std::size_t>(g.rows));  // the target's rows only
    std::vector<index> scratch = detail::iota_indices(g.view_cols);
    for (index r = 0; r < g.rows; ++r)
      detail::flyhash_row(eng, g.row0 + r, g.view_cols, p.connections, scratch, sets[static_cast<std::size_t>(r)]);
    detail::write_wiring(w, g, sets, g.row0);
  }
};

}  // namespace scheme

/// FlyHash wiring with `connections` inputs per row (-1: floor(0.1 x inputs)).
template <class Target, class Rng>
void flyhash(Target&& w, Rng&& rng, index connections = -1) {
  scheme::flyhash s;
  s.connections = connections;
  s(std::forward<Target>(w), rng);
}

}  // namespace nninit
