// nninit::detail: what flyhash, devfly and the fly hash share: binary wirings as index sets,
// their sub-streams, exact bounded draws, top-c selection and writing 0/1 rows.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "../engine.hpp"
#include "format.hpp"
#include "sample.hpp"
#include "target.hpp"

namespace nninit::detail {

/// A sub-stream of `eng` for one purpose (`d`) and one key (a row, a coding unit): the engine
/// (seed, first 64 bits of block `key` of domain `d`). Like `engine::fork`, but in its own domain,
/// so it never coincides with a stream the user forks.
inline engine substream(const engine& eng, domain d, std::uint64_t key) {
  return engine(eng.seed(), word64(eng.block(d, key), 0));
}

/// 64-bit words read in order from blocks 0, 1, 2, ... of a stream's `values` domain (two words
/// per block, low word first): the draws of a variable-length procedure (rejection, shuffles).
class word_source {
 public:
  explicit word_source(const engine& eng) : eng_(eng) {}

  std::uint64_t next() {
    if (used_ == 2) buffer_ = eng_.block(domain::values, block_++), used_ = 0;
    return word64(buffer_, used_++);
  }
  /// Uniform on {0, ..., n - 1}, exactly (n >= 1): x mod n, rejecting the 2^64 mod n smallest
  /// words, which would make small residues more likely.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t reject_under = (std::uint64_t{0} - n) % n;  // 2^64 mod n
    std::uint64_t x = next();
    while (x < reject_under) x = next();
    return x % n;
  }
  /// Uniform on [0, 1) with 53 random bits.
  double unit() { return static_cast<double>(next() >> 11) * 0x1p-53; }

 private:
  engine eng_;
  std::uint64_t block_ = 0;
  int used_ = 2;
  words buffer_{};
};

/// Inputs per coding unit: `connections` when >= 1, floor(alpha * inputs) when it is -1 (the
/// reference's int(alpha * d)); must end in [1, inputs]. The message names whichever was given.
inline index connections_for(const checker& check, index connections, double alpha, index inputs) {
  if (connections == -1) {
    if (!(std::isfinite(alpha) && alpha > 0 && alpha <= 1)) check.fail("alpha", "in (0, 1]", alpha);
    const index c = static_cast<index>(std::floor(alpha * static_cast<double>(inputs)));
    if (c < 1 && inputs > 0)
      check.fail("alpha", cat("large enough that floor(alpha x ", number(inputs), " inputs) >= 1 connection"), alpha);
    return c;
  }
  if (connections < 1) check.fail("connections", ">= 1 (or -1: floor(alpha x inputs))", number(connections));
  if (connections > inputs)
    check.fail("connections", cat("at most the ", number(inputs), " inputs (columns)"), number(connections));
  return connections;
}

/// A uniformly random c-subset of {0, ..., d - 1}, ascending, into `out`: a partial Fisher-Yates
/// shuffle (position t swaps with t + below(d - t), for t < c) over `scratch`, which must hold
/// the identity permutation of size d and is restored afterwards, so one scratch serves every row.
inline void random_subset(word_source& draws, index d, index c, std::vector<index>& scratch, std::vector<index>& out) {
  out.resize(static_cast<std::size_t>(c));
  for (index t = 0; t < c; ++t) {
    const index j = t + static_cast<index>(draws.below(static_cast<std::uint64_t>(d - t)));
    std::swap(scratch[static_cast<std::size_t>(t)], scratch[static_cast<std::size_t>(j)]);
    out[static_cast<std::size_t>(t)] = j;
  }
  // Undo the swaps in reverse order, so the scratch is the identity again. Position t is final
  // once step t is done (later steps touch only positions > t): read the chosen input there.
  for (index t = c - 1; t >= 0; --t) {
    const auto j = static_cast<std::size_t>(out[static_cast<std::size_t>(t)]);
    out[static_cast<std::size_t>(t)] = scratch[static_cast<std::size_t>(t)];
    std::swap(scratch[static_cast<std::size_t>(t)], scratch[j]);
  }
  std::sort(out.begin(), out.end());
}

/// FlyHash's row `row` of a weight with `d` inputs and `c` connections per row (ascending).
inline void flyhash_row(const engine& eng, index row, index d, index c, std::vector<index>& scratch,
                        std::vector<index>& out) {
  word_source draws(substream(eng, domain::wiring, static_cast<std::uint64_t>(row)));
  random_subset(draws, d, c, scratch, out);
}

/// The identity permutation of size n.
inline std::vector<index> iota_indices(index n) {
  std::vector<index> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), index{0});
  return v;
}

/// The c indices of the largest values of `v` (signed, not absolute), ascending; among equal
/// values the lower index is larger (devfly.md §3: numpy's argsort leaves ties unspecified).
template <class V>
void top_indices(const V& v, index c, std::vector<index>& order, std::vector<index>& out) {
  const index d = static_cast<index>(v.size());
  order.resize(static_cast<std::size_t>(d));
  std::iota(order.begin(), order.end(), index{0});
  const auto before = [&v](index a, index b) { return v[a] > v[b] || (v[a] == v[b] && a < b); };
  if (c < d) std::nth_element(order.begin(), order.begin() + (c - 1), order.end(), before);
  out.assign(order.begin(), order.begin() + c);
  std::sort(out.begin(), out.end());
}

/// Writes rows of 0/1: target row r (view row g.row0 + r) has ones at the view columns listed in
/// `sets[g.row0 + r - first_row]` (ascending) that fall inside the target's columns; `sets` holds
/// the rows from view row `first_row` on.
template <class X>
void write_wiring(X& w, const geometry& g, const std::vector<std::vector<index>>& sets, index first_row = 0) {
  using T = typename X::Scalar;
  w.setZero();
  for (index r = 0; r < g.rows; ++r)
    for (index col : sets[static_cast<std::size_t>(g.row0 + r - first_row)])
      if (col >= g.col0 && col < g.col0 + g.cols) w.coeffRef(r, col - g.col0) = T(1);
}

}  // namespace nninit::detail
