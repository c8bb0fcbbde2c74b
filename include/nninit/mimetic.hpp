// nninit: mimetic initialization of self-attention (Trockman & Kolter, "Mimetic Initialization of
// Self-Attention Layers", ICML 2023, arXiv 2305.09828): the query and key weights of each head
// start with W_q W_k^T close to the identity, and the value and output weights with W_v W_proj
// close to minus the identity, as in pre-trained vision transformers. ../shared transformer.md §4.
// No official code exists (the paper links none); the construction is §4's, and the defaults
// alpha1 = beta1 = 0.7, alpha2 = beta2 = 0.4 come from third-party ports (transformer.md §11.4).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "detail/enum_names.hpp"
#include "detail/scheme_base.hpp"
#include "detail/svd.hpp"

namespace nninit {

/// Which of a self-attention layer's four d x d weights a mimetic fill writes.
enum class mimetic_part { query, key, value, out };

namespace detail {
template <>
struct enum_names<mimetic_part> {
  static constexpr std::array<std::pair<mimetic_part, std::string_view>, 4> table{{
      {mimetic_part::query, "query"},
      {mimetic_part::key, "key"},
      {mimetic_part::value, "value"},
      {mimetic_part::out, "out"},
  }};
};

/// The plan's distribution.
constexpr distribution mimetic_distribution = distribution::mimetic;

/// The fork child whose stream draws the value/out pair's Z': 2^56 - 1, the largest child a fork
/// tells apart (engine::block keeps 56 bits of the index, so fork(2^63) would be fork(0), head
/// 0's stream). Head j's Z_j comes from eng.fork(j) with j < heads <= d <= 2^29 (a d x d weight
/// has at most 2^58 elements), so this child is never a head's: Z' and every Z_j come from
/// distinct fork counters, hence distinct Philox streams, and are independent. Not `eng` itself,
/// so that another fill from the same engine (say `normal` on a d x d weight) does not share Z''s
/// values either.
constexpr std::uint64_t mimetic_value_child = engine::max_blocks - 1;

inline bool mimetic_query_key(mimetic_part part) { return part == mimetic_part::query || part == mimetic_part::key; }

/// Z (d x d) with entries N(0, 1/d): exactly the values `normal` with mean 0 and std 1/sqrt(d)
/// writes to a double d x d target from `stream` (element (r, c) at logical index r*d + c).
inline Eigen::MatrixXd mimetic_noise(const engine& stream, index d) {
  Eigen::MatrixXd z(d, d);
  if (d == 0) return z;
  plan p;
  p.mean = 0;
  p.std = 1 / std::sqrt(static_cast<double>(d));
  const geometry whole{d, d, d, d, 0, 0, false};
  fill_with(z, whole, stream, domain::values, normal_kernel<double>(p));
  return z;
}

/// The matrix a mimetic pair factorises, unvalidated (d >= 0, 0 <= head): for query and key,
/// head `head`'s A_j = alpha Z_j + beta I with Z_j from eng.fork(head); for value and out,
/// A' = alpha Z' - beta I with Z' from eng.fork(mimetic_value_child) (`head` ignored).
inline Eigen::MatrixXd mimetic_target(const engine& eng, index d, mimetic_part part, index head, double alpha,
                                      double beta) {
  const bool qk = mimetic_query_key(part);
  Eigen::MatrixXd a = mimetic_noise(qk ? eng.fork(static_cast<std::uint64_t>(head)) : eng.fork(mimetic_value_child), d);
  a *= alpha;
  a.diagonal().array() += qk ? beta : -beta;
  return a;
}

/// The whole d x d weight of `part` in nninit's (out, in) layout, from the SVDs A = U S V^T
/// (Eigen's BDCSVD, singular values descending), d_h = d/heads:
///   query: rows j d_h .. (j+1) d_h - 1 are (U_j[:, :d_h] S_j[:d_h]^1/2)^T   (head j's A_j)
///   key:   the same rows are (V_j[:, :d_h] S_j[:d_h]^1/2)^T
///   value: S'^1/2 U'^T        out: V' S'^1/2                               (A')
/// For query and key only the heads that own out-rows [first_out, end_out) are computed (a block
/// or a shard of a few heads costs their SVDs alone); the other rows are left 0. A template so
/// that BDCSVD, slow to compile, is instantiated only where a fill uses it (as low_rank does).
template <class Matrix = Eigen::MatrixXd>
Matrix mimetic_weight(const engine& eng, index d, mimetic_part part, index heads, double alpha, double beta,
                      index first_out, index end_out) {
  Matrix w = Matrix::Zero(d, d);
  if (d == 0) return w;
  const bool qk = mimetic_query_key(part);
  const auto svd_of = [&](index head) {
    return Eigen::BDCSVD<Matrix>(mimetic_target(eng, d, part, head, alpha, beta), Eigen::ComputeThinU | Eigen::ComputeThinV);
  };
  if (qk) {
    const index dh = d / heads;
    for (index j = first_out / dh; j < heads && j * dh < end_out; ++j) {
      const auto svd = svd_of(j);
      const Matrix& factor = part == mimetic_part::query ? svd.matrixU() : svd.matrixV();
      const Eigen::VectorXd root = svd.singularValues().head(dh).cwiseSqrt();
      w.middleRows(j * dh, dh) = root.asDiagonal() * factor.leftCols(dh).transpose();
    }
    return w;
  }
  const auto svd = svd_of(0);
  const Eigen::VectorXd root = svd.singularValues().cwiseSqrt();
  if (part == mimetic_part::value) w = root.asDiagonal() * svd.matrixU().transpose();
  else w = svd.matrixV() * root.asDiagonal();
  return w;
}

}  // namespace detail

namespace scheme {

/// Mimetic initialization of self-attention, Trockman & Kolter (ICML 2023, arXiv 2305.09828),
/// built as ../shared transformer.md §4 restates it (no official code exists; the defaults are
/// those of third-party ports, §11.4). For a d x d attention weight with h heads, d_h = d/h:
///  - query and key: for head j, Z_j (d x d, entries N(0, 1/d)) is drawn from eng.fork(j),
///    A_j = alpha1 Z_j + beta1 I = U S V^T (SVD, singular values descending); rows
///    j d_h .. (j+1) d_h - 1 of W_Q are (U[:, :d_h] S[:d_h]^1/2)^T and the same rows of W_K are
///    (V[:, :d_h] S[:d_h]^1/2)^T. Then W_Q^(j)T W_K^(j) is the best rank-d_h approximation of
///    A_j (Eckart-Young), so head j's score q_i . k_k = x_i^T W_Q^(j)T W_K^(j) x_k is about
///    x_i^T A_j x_k: the paper's row-vector x W_q W_k^T x^T with W_q W_k^T ~ alpha1 Z + beta1 I.
///  - value and out: Z' (d x d, N(0, 1/d)) from eng.fork(2^56 - 1), A' = alpha2 Z' - beta2 I =
///    U' S' V'^T; W_V = S'^1/2 U'^T and W_O = V' S'^1/2, so the layer's value-to-output map is
///    W_O W_V = V' S' U'^T = A'^T exactly, which has the same law as A' (Z' and Z'^T are equally
///    distributed). This is the paper's W_v = U' S'^1/2, W_proj = S'^1/2 V'^T transposed into
///    nninit's (out, in) layout (y = W x): W_V = W_v^T, W_O = W_proj^T. The layout trap (seen in
///    a third-party port): writing W_V = L, W_O = R from A' = L R in the (out, in) layout gives
///    the map W_O W_V = R L, which is not A' (only its trace is kept).
/// Pairing: fill query and key with THE SAME engine and they form a matching pair; likewise value
/// and out. Z' uses another stream than every Z_j, so one engine per attention layer serves all
/// four weights (`mimetic_attention`). A standard URBG passed instead supplies a fresh seed per
/// call, so pairs need an nninit::engine (or the URBG copied in the same state).
/// Options: alpha1 = beta1 = 0.7 and alpha2 = beta2 = 0.4 (ViT on CIFAR-10 in the ports; each
/// finite, >= 0 and within float range); heads (h, required for query and key, a divisor of d;
/// 0: unset, which the transformer network rule fills from the model; ignored for value and
/// out); part. The weight must be 2-D and square. layout::in_out (Keras/JAX, stored (in, out)) or
/// a `transposed` shape stores the transpose, so the map is the same. Every value depends on the
/// whole weight: a block gets the block of the whole weight (a shard of query or key rows
/// computes only its own heads' SVDs). Values are computed in double for every target type and
/// rounded once; bit-reproducible within a build only (an SVD; Eigen's kernels depend on the
/// instruction set), the map W_Q^T W_K and W_O W_V to rounding everywhere.
struct mimetic : detail::scheme_base<mimetic> {
  static constexpr std::string_view name = "mimetic";
  static constexpr std::string_view reference =
      "Trockman & Kolter 2023 (arXiv 2305.09828), no official code: transformer.md section 4's construction (values in distribution)";
  static constexpr bool is_random = true;
  double alpha1 = 0.7;  ///< scale of Z in W_q W_k^T ~ alpha1 Z + beta1 I
  double beta1 = 0.7;   ///< scale of I in W_q W_k^T ~ alpha1 Z + beta1 I
  double alpha2 = 0.4;  ///< scale of Z' in W_v W_proj = alpha2 Z' - beta2 I
  double beta2 = 0.4;   ///< scale of -I in W_v W_proj = alpha2 Z' - beta2 I
  index heads = 0;      ///< h; 0: unset (required for query and key; the network rule sets it)
  mimetic_part part = mimetic_part::query;

  template <class V> void visit_options(V&& v) {
    v("alpha1", alpha1, "scale of the noise Z in W_q W_k^T ~ alpha1 Z + beta1 I, >= 0");
    v("beta1", beta1, "scale of the identity in W_q W_k^T ~ alpha1 Z + beta1 I, >= 0");
    v("alpha2", alpha2, "scale of the noise Z' in W_v W_proj = alpha2 Z' - beta2 I, >= 0");
    v("beta2", beta2, "scale of minus the identity in W_v W_proj = alpha2 Z' - beta2 I, >= 0");
    v("heads", heads, "h, attention heads, a divisor of d (query and key; 0: unset, the network rule sets it)");
    v("part", part, "query, key, value or out: which weight of the attention layer");
  }

  plan make_plan(const detail::context& ctx) const {
    const detail::checker& check = ctx.check;
    const std::array<std::pair<std::string_view, double>, 4> scales{
        {{"alpha1", alpha1}, {"beta1", beta1}, {"alpha2", alpha2}, {"beta2", beta2}}};
    for (const auto& [option, v] : scales) {
      check.non_negative(option, v);
      check.representable(option, v);
    }
    const bool qk = detail::mimetic_query_key(part);
    if (heads < 0) check.fail("heads", ">= 0 (0: unset)", detail::number(heads));
    if (qk && heads == 0)
      check.fail("heads",
                 detail::cat("set for part ", detail::name_of(part),
                             ": a divisor of d (the transformer network rule sets it from the model's heads)"),
                 "0 (unset)");
    ctx.require_rank(2, 2, "2-D (a d x d attention weight)");
    const fans f = ctx.fans();
    const index d = ctx.geom.view_rows;
    // A weight with no elements is written nothing: its shape rules are not checked.
    if (d * ctx.geom.view_cols > 0) {
      if (ctx.geom.view_cols != d)
        check.fail("shape", "square (a d x d attention weight)", ctx.shape.text());
      if (qk && d % heads != 0)
        check.fail("heads", detail::cat("a divisor of d = ", detail::number(d), " (d/heads rows per head)"),
                   detail::number(heads));
      // One SVD of a d x d matrix per head (query, key) or one (value, out): at most 1e14 flops.
      const double svds = qk ? static_cast<double>(heads) : 1.0, n = static_cast<double>(d);
      if (svds * n * n * n > 1e14)
        check.fail("shape",
                   detail::cat("small enough for ", qk ? detail::number(heads) : std::string("1"), " SVD",
                               qk && heads > 1 ? "s" : "", " of a whole ", detail::number(d), "x", detail::number(d),
                               " matrix, which every value depends on (SVDs x d^3 <= 1e14)"),
                   ctx.shape.text());
    }
    plan p{name, ctx.shape, detail::mimetic_distribution, f.in, f.out};
    p.gain = qk ? alpha1 : alpha2;   // the scale of Z in A
    p.value = qk ? beta1 : -beta2;   // the multiple of I in A
    p.mean = 0;                      // of Z's normal draw
    p.std = d > 0 ? 1 / std::sqrt(static_cast<double>(d)) : plan::none;  // std of Z's entries, 1/sqrt(d)
    if (qk && heads > 0 && d % heads == 0) {
      p.note = detail::cat(detail::name_of(part), ", ", detail::number(heads), " head", heads > 1 ? "s" : "",
                           " of d_h = ", detail::number(d / heads), " rows: head j's from the SVD of ",
                           detail::number(alpha1), " Z_j + ", detail::number(beta1), " I, Z_j from engine.fork(j)");
    } else if (!qk) {
      p.note = detail::cat(detail::name_of(part), ": from the SVD of ", detail::number(alpha2), " Z' - ",
                           detail::number(beta2), " I, Z' from engine.fork(2^56 - 1); W_O W_V = A'^T");
    }
    return p;
  }

  template <class X>
  void write(const plan&, X& w, const detail::context& ctx, const engine& eng) const {
    const detail::geometry& g = ctx.geom;
    const index d = g.view_rows;
    // Stored (in, out): the view's rows are inputs, and the stored matrix is the transpose.
    const bool stored_transposed = (ctx.shape.order == layout::in_out) != ctx.shape.transposed;
    const index first_out = stored_transposed ? g.col0 : g.row0;
    const index end_out = first_out + (stored_transposed ? g.cols : g.rows);
    const bool qk = detail::mimetic_query_key(part);
    const Eigen::MatrixXd m = ctx.whole_matrix([&] {
      return detail::mimetic_weight(eng, d, part, heads, qk ? alpha1 : alpha2, qk ? beta1 : beta2, first_out, end_out);
    });
    detail::fill_by_position(w, g, [&](index R, index C) { return stored_transposed ? m(C, R) : m(R, C); });
  }

  /// The matrix this part's pair factorises, for tests and analysis: A_head = alpha1 Z_head +
  /// beta1 I (query, key) or A' = alpha2 Z' - beta2 I (value, out; `head` ignored) for a d x d
  /// weight filled from `eng`. Throws init_error for bad options, d < 0 or head outside [0, heads).
  Eigen::MatrixXd target(const engine& eng, index d, index head = 0) const {
    const detail::checker check(name, detail::cat(detail::number(d), "x", detail::number(d)));
    describe(shape{d, d});  // validates the options against a d x d weight
    const bool qk = detail::mimetic_query_key(part);
    if (qk && (head < 0 || head >= heads))
      check.fail("head", detail::cat("in [0, ", detail::number(heads), ") (heads)"), detail::number(head));
    return detail::mimetic_target(eng, d, part, qk ? head : 0, qk ? alpha1 : alpha2, qk ? beta1 : beta2);
  }
};

}  // namespace scheme

/// Fills one d x d attention weight by mimetic initialization (default alphas and betas): `part`
/// query and key from the same engine form a matching pair, as do value and out.
template <class Target, class Rng>
void mimetic(Target&& w, Rng&& rng, mimetic_part part, index heads, const shape& s = {}) {
  scheme::mimetic m;
  m.part = part;
  m.heads = heads;
  m(std::forward<Target>(w), rng, s);
}

/// Fills the four d x d weights of one self-attention layer (whole weights, (out, in) layout)
/// from one engine: W_Q and W_K a matching pair (head j from rng's fork(j)), W_V and W_O a
/// matching pair (from fork(2^56 - 1)). A standard URBG supplies one seed for all four. `options`
/// gives the alphas and betas (its heads and part are replaced). Every weight is checked (square,
/// the same d, heads dividing d) before any is written.
template <class Q, class K, class V, class O, class Rng>
void mimetic_attention(Q&& w_q, K&& w_k, V&& w_v, O&& w_o, index heads, Rng&& rng, scheme::mimetic options = {}) {
  auto& q = detail::writable(std::forward<Q>(w_q));
  auto& k = detail::writable(std::forward<K>(w_k));
  auto& v = detail::writable(std::forward<V>(w_v));
  auto& o = detail::writable(std::forward<O>(w_o));
  const index d = q.rows();
  const std::array<std::pair<std::string_view, std::array<index, 2>>, 4> weights{{
      {"W_Q", {q.rows(), q.cols()}}, {"W_K", {k.rows(), k.cols()}}, {"W_V", {v.rows(), v.cols()}}, {"W_O", {o.rows(), o.cols()}}}};
  const detail::checker check("mimetic_attention", "");
  for (const auto& [what, dims] : weights)
    if (dims[0] != d || dims[1] != d)
      check.fail(what, detail::cat("d x d with d = ", detail::number(d), " (W_Q's rows), square like W_Q"),
                 detail::cat(detail::number(dims[0]), "x", detail::number(dims[1])));
  options.heads = heads;
  const engine eng = detail::to_engine(rng);
  const shape s{d, d};
  for (mimetic_part part : {mimetic_part::query, mimetic_part::key, mimetic_part::value, mimetic_part::out}) {
    options.part = part;
    options.describe(s);  // throws before anything is written
  }
  options.part = mimetic_part::query, options(q, eng, s);
  options.part = mimetic_part::key, options(k, eng, s);
  options.part = mimetic_part::value, options(v, eng, s);
  options.part = mimetic_part::out, options(o, eng, s);
}

}  // namespace nninit
