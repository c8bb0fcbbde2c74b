// nninit: low_rank (Liu, Baratin, Cornford, Mihalas, Shea-Brown & Lajoie, "How connectivity
// structure shapes rich and lazy learning in neural circuits", ICLR 2024).
#pragma once

#include <algorithm>
#include <cmath>
#include <string_view>
#include <utility>

#include "detail/svd.hpp"
#include "variance_scaling.hpp"

namespace nninit {
namespace detail {

/// Requires 1 <= rank <= min(rows, cols). The upper bound is not checked for an empty matrix,
/// which nothing is written to (a zero-element target is a no-op after its options are checked).
inline void check_rank(const checker& check, index rank, index rows, index cols) {
  const index most = std::min(rows, cols);
  const std::string range =
      cat("in [1, ", number(most), "] (min(rows, cols) of the ", number(rows), "x", number(cols), " view)");
  if (rank == 0) check.fail("rank", cat("set: an integer ", range), number(rank));
  if (rank < 1 || (most > 0 && rank > most)) check.fail("rank", range, number(rank));
}

/// The rank-`rank` truncated SVD of m, U_r diag(S_r) V_r^T, multiplied by ||m||_F / ||U_r S_r V_r^T||_F
/// so that it keeps m's Frobenius norm: Liu et al. (2024), Helena-Yuhan-Liu/BioRNN_RichLazy main.py
/// (np.linalg.svd, truncate, rescale by np.linalg.norm). At rank = min(rows, cols) m is returned
/// as it is, not rebuilt from its SVD; a zero truncation (m = 0) is returned without rescaling.
/// BDCSVD (divide and conquer, which runs Jacobi itself below 16 columns) rather than JacobiSVD:
/// the same backward-stable accuracy at O(n^3) with a small constant, where two-sided Jacobi takes
/// seconds on a 1024x1024 weight. U_r S_r V_r^T does not depend on the SVD's sign convention,
/// and is unique when S_r > S_(r+1), which holds with probability 1 for a Gaussian draw.
/// A template so that BDCSVD, slow to compile, is instantiated only where a fill uses it.
template <class Matrix>
Matrix truncate_rank(Matrix m, index rank) {
  if (rank >= std::min(m.rows(), m.cols())) return m;
  const Eigen::BDCSVD<Matrix> svd(m, Eigen::ComputeThinU | Eigen::ComputeThinV);
  Matrix r = svd.matrixU().leftCols(rank) * svd.singularValues().head(rank).asDiagonal() *
             svd.matrixV().leftCols(rank).transpose();
  const double kept = r.norm();
  if (kept > 0) r *= m.norm() / kept;
  return r;
}

/// The low_rank scheme's (rows x cols) matrix: the N(0, p.std^2) draw of the plan (double,
/// element (r, c) at logical index r*cols + c, the values `normal` writes to a double target),
/// truncated to rank `rank`.
template <class Matrix = Eigen::MatrixXd>
Matrix low_rank_matrix(const engine& eng, const plan& p, index rows, index cols, index rank) {
  Matrix full(rows, cols);
  const geometry whole{rows, cols, rows, cols, 0, 0, false};
  fill_with(full, whole, eng, domain::values, normal_kernel<double>(p));
  return truncate_rank(std::move(full), rank);
}

}  // namespace detail

/// The rank-`rank` truncated SVD of `w`, rescaled to w's Frobenius norm, in double: low_rank's
/// step applied to any matrix (a trained weight, or one built from task statistics). `w` itself
/// (converted to double) when rank = min(rows, cols). Throws init_error unless
/// 1 <= rank <= min(rows, cols).
template <class D>
Eigen::MatrixXd low_rank_truncation(const Eigen::MatrixBase<D>& w, index rank) {
  detail::check_rank(detail::checker("low_rank_truncation", detail::cat(detail::number(w.rows()), "x",
                                                                        detail::number(w.cols()))),
                     rank, w.rows(), w.cols());
  return detail::truncate_rank(Eigen::MatrixXd(w.template cast<double>()), rank);
}

namespace scheme {

/// Low-rank initialization, Liu et al. (ICLR 2024, arXiv 2310.08513), as the official code does it
/// (Helena-Yuhan-Liu/BioRNN_RichLazy main.py, the `rr` sweep over the recurrent weight):
///   W_full = g N(0, 1) / sqrt(fan_in);  W_r = U_r diag(S_r) V_r^T (the rank-r truncated SVD);
///   W = W_r ||W_full||_F / ||W_r||_F.
/// So W has rank r, the top-r singular vectors of W_full, singular values S_r ||S|| / ||S_r||,
/// and exactly W_full's Frobenius norm: the RMS of its entries is the full draw's, and
/// E||W||_F^2 = g^2 rows cols / fan_in (g^2 N for an N x N recurrent weight). At r = 1 the one
/// singular value is ||W_full||_F. The paper's claim: at equal norm, lower rank learns "richer"
/// (larger weight change, lower kernel alignment), unless the low-rank structure is aligned with
/// the task. Not a variance_scaling specialization: W_full alone is variance_scaling(g^2,
/// fan_in, normal), and rank = min(rows, cols) writes exactly that draw, bit for bit `normal`
/// with std g/sqrt(fan_in) (for float targets too). Below full rank, W_full is drawn in double
/// (the values `normal` gives a double target) and the SVD is taken in double for both scalar
/// types. Options:
///  - rank: r, required; 1 <= r <= min(rows, cols) of the 2-D view (an N-D weight is its
///    (out, in*k) view, or (k*in, out) with layout::in_out). The code sweeps r in {1, 30, 100, N}.
///  - gain: g, default 1 (the code's RNN uses --W0sig = 1.25, for N = 300: E||W||_F^2 = 468.75).
/// Every value depends on the whole weight: a block gets the block of the whole weight's matrix.
/// Matches the official code's steps exactly and its values in distribution (numpy's SVD and
/// Eigen's agree to rounding). The "aligned with the task" variant of the paper (Proposition 1) is
/// low_rank_truncation applied to a matrix built from the task, not this scheme.
struct low_rank : detail::scheme_base<low_rank> {
  static constexpr std::string_view name = "low_rank";
  static constexpr std::string_view reference = "Liu et al. 2024 BioRNN_RichLazy main.py (steps exact, values in distribution)";
  static constexpr bool is_random = true;
  index rank = 0;     ///< r, required (0: not set, an error): 1 <= r <= min(rows, cols) of the 2-D view
  double gain = 1.0;  ///< g of W_full = g N(0, 1)/sqrt(fan_in); the official RNN uses 1.25

  template <class V> void visit_options(V&& v) {
    v("rank", rank, "r, 1 to min(rows, cols) of the 2-D view (required)");
    v("gain", gain, "g of the full-rank draw g N(0, 1)/sqrt(fan_in), > 0 (the paper's RNN: 1.25)");
  }

  plan make_plan(const detail::context& ctx) const {
    ctx.check.positive("gain", gain);
    ctx.check.representable("gain", gain);
    const fans f = ctx.fans();
    const index rows = ctx.geom.view_rows, cols = ctx.geom.view_cols;
    detail::check_rank(ctx.check, rank, rows, cols);
    if (rank < std::min(rows, cols)) ctx.require_dense_work(rows, cols);  // a truncated SVD of the whole draw
    plan p{name, ctx.shape, distribution::normal, f.in, f.out};
    p.gain = gain;
    p.value = static_cast<double>(rank);
    p = detail::spread(p, variance_distribution::normal, gain / std::sqrt(static_cast<double>(f.in)));
    if (rank < std::min(rows, cols)) p.dist = distribution::low_rank;  // full rank stays the normal draw
    return p;
  }
  template <class X>
  void write(const plan& p, X& w, const detail::context& ctx, const engine& eng) const {
    const auto& g = ctx.geom;
    if (p.dist == distribution::normal) return detail::sample(p, w, g, eng);
    const Eigen::MatrixXd m = ctx.whole_matrix([&] { return detail::low_rank_matrix(eng, p, g.view_rows, g.view_cols, rank); });
    detail::fill_by_position(w, g, [&](index R, index C) { return m(R, C); });
  }
};

}  // namespace scheme

/// A rank-`rank` weight with the Frobenius norm of its full-rank draw g N(0, 1)/sqrt(fan_in).
template <class Target, class Rng>
void low_rank(Target&& w, Rng&& rng, index rank, double gain = 1.0, const shape& s = {}) {
  scheme::low_rank{{}, rank, gain}(std::forward<Target>(w), rng, s);
}

}  // namespace nninit
