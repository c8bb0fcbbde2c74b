// nninit: orthogonal, delta_orthogonal.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <string_view>
#include <utility>

#include "detail/conv.hpp"
#include "detail/scheme_base.hpp"

namespace nninit {
namespace detail {

/// Reflectors per block of the compact-WY accumulation in `haar_orthogonal_in_place`: the rank
/// of each update, a multiple of the rows of Eigen's float GEMM micro-kernel (12, 24 or 48 with
/// SSE, AVX, AVX-512). On a 2-core AVX2+FMA EPYC (Eigen 3.4, g++ 12 -O3 -march=native) 48 to 128
/// were within a few percent of each other from 1024^2 to 4096^2 floats, 96 never behind.
constexpr index orthogonal_block = 96;

/// Sum of the squares of x[0, count) in double, in one fixed order (four interleaved partial
/// sums): unlike Eigen's vectorised reductions, which peel an unaligned head, it does not depend
/// on where the data lies (see `orthogonal_in_target`). Products of floats are exact in double.
template <class T>
double sum_of_squares(const T* x, index count) {
  double s[4] = {0, 0, 0, 0};
  index i = 0;
  for (; i + 4 <= count; i += 4)
    for (int j = 0; j < 4; ++j) s[j] = mul_add(static_cast<double>(x[i + j]), static_cast<double>(x[i + j]), s[j]);
  for (; i < count; ++i) s[0] = mul_add(static_cast<double>(x[i]), static_cast<double>(x[i]), s[0]);
  return (s[0] + s[1]) + (s[2] + s[3]);
}

/// Overwrites the tall (m x n, m >= n) standard normal matrix `a` with gain * Q D, where
/// Q = H_0 H_1 ... H_{n-1} E_n (E_n: the first n columns of the m x m identity) and D = diag(d).
/// H_k = I - tau_k v_k v_k^T is the Householder reflector of x_k = a(k:m, k) (the sub-column of
/// column k from the diagonal down), acting on rows k..m-1; with Eigen's (and LAPACK dlarfg's)
/// convention, H_k x_k = beta_k e_1 with beta_k = -sign(x_k0) ||x_k|| (x_k0 = 0 counting as +),
/// except when x_k's tail is 0 (length 1): H_k = I, beta_k = x_k0. d_k = sign(beta_k), 0
/// counting as +1. Only the entries on and below the diagonal of `a` are read.
///
/// Why this is Haar (Stewart 1980, "The efficient generation of random orthogonal matrices with
/// an application to condition estimators", SIAM J. Numer. Anal. 17(3)): in the Householder QR
/// of an m x n Gaussian matrix, once H_0 is applied the remaining (m-1) x (n-1) block is again
/// i.i.d. standard normal and independent of H_0 (rotational invariance), and so on; so the
/// reflectors and beta_k (= R_kk) of the QR are distributed as those built here from fresh
/// Gaussian sub-columns of lengths m, m-1, ..., m-n+1. Q D is then the QR's Q with the sign of
/// R's diagonal fixed to +, which is Haar (Mezzadri 2007, "How to generate random matrices from
/// the classical compact groups"). The factorisation itself is never computed.
///
/// Q is formed by backward accumulation in blocks of `block` reflectors (LAPACK dorgqr):
/// starting from gain * E_n D, block [i, i + b) applies I - V T V^T (V: its reflectors as an
/// (m - i) x b unit lower trapezoidal matrix, T: upper triangular, as LAPACK dlarft) to rows and
/// columns i.. only, since columns < i are still (multiples of) unit vectors there. Every
/// product is an Eigen GEMM: ~2mn^2 - 2n^3/3 flops in T, with no m x m matrix.
template <class T>
void haar_orthogonal_in_place(Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>> a, T gain,
                              index block = orthogonal_block) {
  using matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  using vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  const index m = a.rows(), n = a.cols();
  if (n == 0) return;
  const index nb = std::min(block, n);
  matrix v_store(m, nb), w_store(nb, n), gram_store(nb, nb), t_store(nb, nb);
  vector tau(nb), start(nb);  // start: gain * d_k, the block's columns of gain * E_n D
  for (index i = (n - 1) / nb * nb; i >= 0; i -= nb) {
    const index b = std::min(nb, n - i), len = m - i, rest = n - i - b;
    auto v = v_store.topLeftCorner(len, b);
    for (index j = 0; j < b; ++j) {
      const index k = i + j, tail = len - j - 1;
      const T x0 = a(k, k);
      // The norm accumulates in double (also for float): tau and v then agree to rounding, so
      // H_k is orthogonal to working precision even for long columns.
      const double tail_sq = sum_of_squares(a.data() + k * m + k + 1, tail);
      v.col(j).head(j).setZero();
      v(j, j) = T(1);
      T beta;
      if (tail_sq <= static_cast<double>(std::numeric_limits<T>::min())) {
        beta = x0;
        tau(j) = T(0);
        v.col(j).tail(tail).setZero();
      } else {
        const double norm = std::sqrt(mul_add(static_cast<double>(x0), static_cast<double>(x0), tail_sq));
        beta = static_cast<T>(x0 >= T(0) ? -norm : norm);
        v.col(j).tail(tail) = a.col(k).tail(tail) / (x0 - beta);
        tau(j) = (beta - x0) / beta;
      }
      start(j) = beta < T(0) ? -gain : gain;
    }
    // T: T_jj = tau_j, T(0:j, j) = -tau_j T(0:j, 0:j) V(:, 0:j)^T v_j (dlarft, forward, columnwise).
    auto gram = gram_store.topLeftCorner(b, b);
    gram.noalias() = v.transpose() * v;
    auto t = t_store.topLeftCorner(b, b);
    t.setZero();
    for (index j = 0; j < b; ++j) {
      t(j, j) = tau(j);
      if (j == 0) continue;
      t.col(j).head(j).noalias() = t.topLeftCorner(j, j).template triangularView<Eigen::Upper>() * gram.col(j).head(j);
      t.col(j).head(j) *= -tau(j);
    }
    // The block's own columns start as `start` on the diagonal and 0 elsewhere: V^T X = V(0:b, :)^T D.
    auto w0 = w_store.topLeftCorner(b, b);
    w0.noalias() = v.topRows(b).transpose() * start.head(b).asDiagonal();
    w0 = t.template triangularView<Eigen::Upper>() * w0;
    a.middleCols(i, b).setZero();
    for (index j = 0; j < b; ++j) a(i + j, i + j) = start(j);
    a.block(i, i, len, b).noalias() -= v * w0;
    // The later columns are 0 in the block's b rows: W = V(b:, :)^T X(b:, :).
    if (rest > 0) {
      auto w = w_store.topLeftCorner(b, rest);
      w.noalias() = v.bottomRows(len - b).transpose() * a.bottomRightCorner(len - b, rest);
      w = t.template triangularView<Eigen::Upper>() * w;
      a.bottomRightCorner(len, rest).noalias() -= v * w;
    }
  }
}

/// The alignment Eigen's evaluation of `haar_orthogonal_in_place` can depend on: where it peels
/// an unaligned head off a vectorised loop, which changes the rounding of small products. Two
/// arrays aligned to it give the same bits.
template <class T>
constexpr std::size_t orthogonal_alignment = std::max(
    {std::size_t{EIGEN_MAX_ALIGN_BYTES}, alignof(T),
     std::size_t{Eigen::internal::unpacket_traits<typename Eigen::internal::packet_traits<T>::type>::alignment}});
/// orthogonal_matrix's own arrays: aligned to 64 bytes, a multiple of orthogonal_alignment.
constexpr std::size_t orthogonal_buffer_alignment = 64;
static_assert(orthogonal_buffer_alignment % orthogonal_alignment<float> == 0 &&
              orthogonal_buffer_alignment % orthogonal_alignment<double> == 0);

/// Writes gain * the tall form of the Haar (rows x cols) matrix into the column-major
/// (max(rows, cols) x min(rows, cols)) array at `data`, aligned to orthogonal_alignment<T>:
/// G is a standard normal (rows x cols) matrix from the normal stream of T (element (r, c) at
/// logical index r*cols + c); its tall form A (G, or G^T when rows < cols) becomes gain * Q D
/// of `haar_orthogonal_in_place`. Only the entries of A on and below its diagonal are drawn.
template <class T>
void orthogonal_tall(T* data, const engine& eng, index rows, index cols, double gain) {
  const index m = std::max(rows, cols), n = std::min(rows, cols);
  Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>> a(data, m, n);
  plan standard;
  standard.mean = 0;
  standard.std = 1;
  const normal_kernel<T> kernel(standard);
  if (rows < cols) {  // column k of G^T is row k of G: logical indices k*cols + k .. (k+1)*cols - 1
    for (index k = 0; k < n; ++k) generate(eng, domain::values, kernel, k * cols + k, m - k, data + k * m + k);
  } else {  // row r of G, columns 0..min(r, n - 1), through a row-major panel of 16 rows
    constexpr index panel_rows = 16;
    using panel_type = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    panel_type panel = panel_type::Zero(std::min(panel_rows, m), n);
    for (index r0 = 0; r0 < m; r0 += panel_rows) {
      const index h = std::min(panel_rows, m - r0);
      for (index i = 0; i < h; ++i)
        generate(eng, domain::values, kernel, (r0 + i) * cols, std::min(r0 + i + 1, n), panel.row(i).data());
      const index used = std::min(r0 + h, n);
      a.block(r0, 0, h, used) = panel.topLeftCorner(h, used);
    }
  }
  haar_orthogonal_in_place(a, static_cast<T>(gain));
}

template <class T>
struct aligned_array_delete {
  void operator()(T* p) const { ::operator delete[](p, std::align_val_t{orthogonal_buffer_alignment}); }
};

/// gain * a Haar-distributed (rows x cols) matrix with orthonormal rows (rows <= cols) or
/// columns (rows >= cols), computed in T and held as its tall form (the matrix itself when
/// rows >= cols, else its transpose), column-major; element (r, c) is `(*this)(r, c)`.
template <class T>
struct orthogonal_result {
  std::unique_ptr<T[], aligned_array_delete<T>> data;
  index m = 0, n = 0;
  bool wide = false;
  Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>> tall() const { return {data.get(), m, n}; }
  T operator()(index r, index c) const { return wide ? data[r * m + c] : data[c * m + r]; }
};

/// Saxe, McClelland & Ganguli (2014); Stewart (1980) and Mezzadri (2007): see `orthogonal_tall`
/// and `haar_orthogonal_in_place` for exactly what is computed. In distribution this is PyTorch
/// `orthogonal_` (QR of G with the sign fix, in the tensor's dtype), without computing the QR.
/// Bit-reproducible within one build; Eigen's GEMM kernels (SIMD width, FMA) may change the last
/// bits across builds.
template <class T>
orthogonal_result<T> orthogonal_matrix(const engine& eng, index rows, index cols, double gain) {
  orthogonal_result<T> q;
  q.wide = rows < cols;
  q.m = std::max(rows, cols);
  q.n = std::min(rows, cols);
  const auto bytes = sizeof(T) * static_cast<std::size_t>(q.m) * static_cast<std::size_t>(q.n);
  q.data.reset(static_cast<T*>(::operator new[](bytes, std::align_val_t{orthogonal_buffer_alignment})));
  orthogonal_tall(q.data.get(), eng, rows, cols, gain);
  return q;
}

/// w = the (g.rows x g.cols) block at (g.row0, g.col0) of `q`. q's tall form is column-major:
/// in the weight's coordinates it is column-major when tall and row-major when wide. A target in
/// the same order is one straight copy; one in the other order is copied in tiles, 64 along the
/// source's contiguous direction by 8 along the target's (measured best for 4096^2 floats, 4x
/// faster than whole rows), so that both are read and written a cache line at a time.
template <class X, class T>
void write_block(X& w, const geometry& g, const orthogonal_result<T>& q) {
  using S = typename X::Scalar;
  if (g.row_vector_of_1d) return fill_by_position(w, g, q);
  const auto tall = q.tall();
  const auto copy = [&](index r, index c, index h, index wd) {
    if (q.wide)
      w.block(r, c, h, wd).matrix() = tall.block(g.col0 + c, g.row0 + r, wd, h).transpose().template cast<S>();
    else
      w.block(r, c, h, wd).matrix() = tall.block(g.row0 + r, g.col0 + c, h, wd).template cast<S>();
  };
  if (static_cast<bool>(X::IsRowMajor) == q.wide) return copy(0, 0, g.rows, g.cols);
  constexpr index along_source = 64, along_target = 8;
  if (q.wide) {  // source contiguous along columns, target (column-major) along rows
    for (index c = 0; c < g.cols; c += along_source)
      for (index r = 0; r < g.rows; r += along_target)
        copy(r, c, std::min(along_target, g.rows - r), std::min(along_source, g.cols - c));
  } else {  // source contiguous along rows, target (row-major) along columns
    for (index r = 0; r < g.rows; r += along_source)
      for (index c = 0; c < g.cols; c += along_target)
        copy(r, c, std::min(along_source, g.rows - r), std::min(along_target, g.cols - c));
  }
}

/// Transposes the column-major (n x n) array at `data` in place, a pair of 32 x 32 tiles at a time.
template <class T>
void transpose_square_in_place(T* data, index n) {
  Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>> a(data, n, n);
  constexpr index tile = 32;
  Eigen::Matrix<T, tile, tile> keep;
  for (index i = 0; i < n; i += tile) {
    const index h = std::min(tile, n - i);
    a.block(i, i, h, h).transposeInPlace();
    for (index j = i + tile; j < n; j += tile) {
      const index wd = std::min(tile, n - j);
      keep.topLeftCorner(h, wd) = a.block(i, j, h, wd);
      a.block(i, j, h, wd) = a.block(j, i, wd, h).transpose();
      a.block(j, i, wd, h) = keep.topLeftCorner(h, wd).transpose();
    }
  }
}

/// Computes the whole weight straight in the target's memory when that memory is laid out as
/// orthogonal_matrix's own array would be: the whole weight, contiguous, aligned to
/// orthogonal_alignment<T>, and column-major for a tall or square weight or row-major for a wide
/// one (a row-major square target is computed column-major, then transposed in place). The
/// values are the same bits as through orthogonal_matrix, without its array (the size of the
/// weight) or the copy. Returns false, having written nothing, otherwise.
template <class X>
bool orthogonal_in_target(X& w, const geometry& g, const engine& eng, double gain) {
  using T = typename X::Scalar;
  if constexpr ((Eigen::internal::traits<X>::Flags & Eigen::DirectAccessBit) == 0) {
    return false;
  } else {
    if (!g.whole() || g.row_vector_of_1d || w.innerStride() != 1 || w.outerStride() != w.innerSize()) return false;
    if (reinterpret_cast<std::uintptr_t>(w.data()) % orthogonal_alignment<T> != 0) return false;
    const bool wide = g.rows < g.cols, same_order = static_cast<bool>(X::IsRowMajor) == wide;
    if (!same_order && g.rows != g.cols) return false;
    orthogonal_tall(w.data(), eng, g.rows, g.cols, gain);
    if (!same_order) transpose_square_in_place(w.data(), g.rows);
    return true;
  }
}

}  // namespace detail

namespace scheme {

/// gain * a (semi-)orthogonal matrix, uniform (Haar) over such matrices: Saxe et al. (2014),
/// "Exact solutions to the nonlinear dynamics of learning in deep linear neural networks".
/// Result: W W^T = gain^2 I when rows <= cols, W^T W = gain^2 I otherwise. An N-D weight is
/// flattened to its 2-D view, as PyTorch (out, in*k) or, with layout::in_out, as Keras
/// (k*in, out). Matches PyTorch `orthogonal_(gain)` and Keras `Orthogonal(gain)` in
/// distribution: they take the QR of a Gaussian matrix with the sign fix; the same Haar law is
/// computed here from the Gaussian's Householder reflectors without the QR (Stewart 1980; see
/// detail::orthogonal_matrix), in the target's scalar type, as PyTorch computes in the tensor's
/// dtype. Cost ~2mn^2 - 2n^3/3 flops for an m x n view (m >= n), one thread: a 1024 x 1024
/// float in 33 ms, a 4096 x 4096 float in 1.9 s on a 2-core AVX2 EPYC.
/// Every value depends on the whole weight: a block gets the block of the whole weight's
/// matrix. Values are bit-reproducible within one build, and only to rounding across builds
/// (Eigen's GEMM kernels depend on the instruction set): not part of the golden streams.
struct orthogonal : detail::scheme_base<orthogonal> {
  static constexpr std::string_view name = "orthogonal";
  static constexpr std::string_view reference = "PyTorch orthogonal_ / Keras Orthogonal (in distribution)";
  static constexpr bool is_random = true;
  double gain = 1.0;  ///< multiplies the orthogonal matrix

  template <class V> void visit_options(V&& v) { v("gain", gain, "multiplies the orthogonal matrix"); }

  plan make_plan(const detail::context& ctx) const {
    ctx.check.representable("gain", gain);
    ctx.require_rank(2, SIZE_MAX, "at least 2-D");
    ctx.require_dense_work(ctx.shape.rows(), ctx.shape.cols());
    plan p{name, ctx.shape, distribution::orthogonal};
    p.gain = p.value = gain;
    return p;
  }
  template <class X>
  void write(const plan& p, X& w, const detail::context& ctx, const engine& eng) const {
    const auto& g = ctx.geom;
    if (detail::orthogonal_in_target(w, g, eng, p.value)) return;
    detail::write_block(w, g, ctx.whole_matrix([&] {
      return detail::orthogonal_matrix<typename X::Scalar>(eng, g.view_rows, g.view_cols, p.value);
    }));
  }
};

/// Xiao et al. (2018), "Dynamical Isometry and a Mean Field Theory of CNNs", Algorithm 2: a
/// conv kernel that is gain * an orthogonal (out x in) matrix at the centre tap and 0 at every
/// other tap, so the conv is an orthogonal map at initialization. Needs a 3-, 4- or 5-D weight
/// with out >= in. The centre is (k - 1) // 2 on each axis, as JAX `delta_orthogonal` (PyTorch's
/// dirac uses k // 2; they differ for even k). Matches JAX in distribution. The centre matrix is
/// `orthogonal`'s for the (out x in) (or, in the JAX layout, (in x out)) view and engine.
struct delta_orthogonal : detail::scheme_base<delta_orthogonal> {
  static constexpr std::string_view name = "delta_orthogonal";
  static constexpr std::string_view reference = "JAX delta_orthogonal (in distribution)";
  static constexpr bool is_random = true;
  double gain = 1.0;  ///< JAX's scale

  template <class V> void visit_options(V&& v) { v("gain", gain, "multiplies the orthogonal matrix (JAX scale)"); }

  plan make_plan(const detail::context& ctx) const {
    ctx.check.representable("gain", gain);
    ctx.require_rank(3, 5, "3-, 4- or 5-D");
    const auto [out, in] = ctx.shape.channel_dims();
    if (in > out) ctx.check.fail("in channels", detail::cat("<= out channels ", detail::number(out)), detail::number(in));
    ctx.require_dense_work(out, in);
    plan p{name, ctx.shape, distribution::delta_orthogonal};
    p.gain = p.value = gain;
    return p;
  }
  template <class X>
  void write(const plan& p, X& w, const detail::context& ctx, const engine& eng) const {
    const shape& s = ctx.shape;
    const auto [out, in] = s.channel_dims();
    // The centre matrix in the layout's own order: (out, in) for PyTorch, (in, out) for JAX.
    const bool torch_order = s.order == layout::out_in;
    using T = typename X::Scalar;
    const index q_rows = torch_order ? out : in, q_cols = torch_order ? in : out;  // no structured bindings in lambdas (C++17)
    const auto q = ctx.whole_matrix([&] { return detail::orthogonal_matrix<T>(eng, q_rows, q_cols, p.value); });
    const index centre = detail::centre_tap(s, [](index k) { return (k - 1) / 2; });
    detail::fill_by_position(w, ctx.geom, [&](index R, index C) {
      const auto at = detail::conv_coord_of(s, R, C);
      if (at.tap != centre) return T(0);
      return torch_order ? q(at.out, at.in) : q(at.in, at.out);
    });
  }
};

}  // namespace scheme

template <class Target, class Rng>
void orthogonal(Target&& w, Rng&& rng, double gain = 1.0, const shape& s = {}) {
  scheme::orthogonal{{}, gain}(std::forward<Target>(w), rng, s);
}
template <class Target, class Rng>
void delta_orthogonal(Target&& w, Rng&& rng, const shape& s, double gain = 1.0) {
  scheme::delta_orthogonal{{}, gain}(std::forward<Target>(w), rng, s);
}

}  // namespace nninit
