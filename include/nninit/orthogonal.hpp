// nninit: orthogonal, delta_orthogonal.
#pragma once

#include <Eigen/QR>
#include <string_view>
#include <utility>

#include "detail/conv.hpp"
#include "detail/scheme_base.hpp"

namespace nninit {
namespace detail {

/// gain * a Haar-distributed (rows x cols) matrix with orthonormal rows (rows <= cols) or
/// columns (rows >= cols): Saxe, McClelland & Ganguli (2014); Mezzadri (2007) for the sign fix.
/// G is a standard normal (rows x cols) matrix (double, element (r, c) at logical index
/// r*cols + c); the tall one of G and G^T is factored G = QR (Householder, thin Q) and column j
/// of Q is multiplied by sign(R_jj), 0 counting as +1, which makes Q exactly Haar-distributed;
/// a wide result is transposed back. The same steps as PyTorch `orthogonal_`, in double for
/// both scalar types. Within one build the result is bit-reproducible; across builds Eigen's
/// vectorised QR may differ in the last bits of a double result.
inline Eigen::MatrixXd orthogonal_matrix(const engine& eng, index rows, index cols, double gain) {
  plan standard;
  standard.mean = 0;
  standard.std = 1;
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> g(rows, cols);
  geometry whole{rows, cols, rows, cols, 0, 0, false};
  fill_with(g, whole, eng, domain::values, normal_kernel<double>(standard));
  const bool wide = rows < cols;
  Eigen::MatrixXd tall = wide ? Eigen::MatrixXd(g.transpose()) : Eigen::MatrixXd(g);
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(tall);
  Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(tall.rows(), tall.cols());
  for (index j = 0; j < q.cols(); ++j)
    if (qr.matrixQR()(j, j) < 0) q.col(j) = -q.col(j);
  q *= gain;
  if (wide) q.transposeInPlace();
  return q;
}

}  // namespace detail

namespace scheme {

/// gain * a (semi-)orthogonal matrix, uniform (Haar) over such matrices: Saxe et al. (2014),
/// "Exact solutions to the nonlinear dynamics of learning in deep linear neural networks".
/// Result: W W^T = gain^2 I when rows <= cols, W^T W = gain^2 I otherwise. An N-D weight is
/// flattened to its 2-D view, as PyTorch (out, in*k) or, with layout::in_out, as Keras
/// (k*in, out). Matches PyTorch `orthogonal_(gain)` and Keras `Orthogonal(gain)` in
/// distribution (QR of a Gaussian with the sign fix). Every value depends on the whole weight:
/// a block gets the block of the whole weight's matrix.
struct orthogonal : detail::scheme_base<orthogonal> {
  static constexpr std::string_view name = "orthogonal";
  static constexpr std::string_view reference = "PyTorch orthogonal_ / Keras Orthogonal (in distribution)";
  static constexpr bool is_random = true;
  double gain = 1.0;  ///< multiplies the orthogonal matrix

  template <class V> void visit_options(V&& v) { v("gain", gain, "multiplies the orthogonal matrix"); }

  plan make_plan(const detail::context& ctx) const {
    ctx.check.representable("gain", gain);
    ctx.require_rank(2, SIZE_MAX, "at least 2-D");
    plan p{name, ctx.shape, distribution::orthogonal};
    p.gain = p.value = gain;
    return p;
  }
  template <class X>
  void write(const plan& p, X& w, const detail::context& ctx, const engine& eng) const {
    const auto& g = ctx.geom;
    const Eigen::MatrixXd q = detail::orthogonal_matrix(eng, g.view_rows, g.view_cols, p.value);
    detail::fill_by_position(w, g, [&](index R, index C) { return q(R, C); });
  }
};

/// Xiao et al. (2018), "Dynamical Isometry and a Mean Field Theory of CNNs", Algorithm 2: a
/// conv kernel that is gain * an orthogonal (out x in) matrix at the centre tap and 0 at every
/// other tap, so the conv is an orthogonal map at initialization. Needs a 3-, 4- or 5-D weight
/// with out >= in. The centre is (k - 1) // 2 on each axis, as JAX `delta_orthogonal` (PyTorch's
/// dirac uses k // 2; they differ for even k). Matches JAX in distribution.
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
    const Eigen::MatrixXd q = detail::orthogonal_matrix(eng, torch_order ? out : in, torch_order ? in : out, p.value);
    const index centre = detail::centre_tap(s, [](index k) { return (k - 1) / 2; });
    detail::fill_by_position(w, ctx.geom, [&](index R, index C) {
      const auto at = detail::conv_coord_of(s, R, C);
      if (at.tap != centre) return 0.0;
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
