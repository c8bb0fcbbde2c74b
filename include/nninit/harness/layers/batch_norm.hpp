// nninit harness layer: batch normalization (Ioffe & Szegedy 2015) with PyTorch's semantics
// (nn.BatchNorm1d/2d): per channel (a row of the (C, positions*batch) input) over every column.
//   train:  mu, sigma^2 = mean and *biased* variance of the batch; y = gamma (x - mu) / sqrt(sigma^2 + eps) + beta;
//           running_mean <- (1 - p) running_mean + p mu,
//           running_var  <- (1 - p) running_var + p sigma^2 m / (m - 1)   (the *unbiased* variance)
//   eval:   the running averages in place of mu and sigma^2;
//   frozen: the last training batch's mu and sigma^2, held constant (a per-example function).
// Defaults: gamma 1, beta 0, running mean 0 and variance 1, momentum p = 0.1, eps = 1e-5.
// Backward (train), with xhat = (x - mu) r, r = 1 / sqrt(sigma^2 + eps), over the m values of a
// channel: d beta = sum dy; d gamma = sum dy xhat; dx = (gamma r / m)(m dy - d beta - xhat d gamma)
// (../shared data_dependent.md §B1; checked against torch autograd by tests/torch_parity). Two
// passes over the values each way (the sums a block at a time, then the output), xhat never
// stored: the layer is memory-bound.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "../graph.hpp"

namespace nninit::harness::layers {

template <class T>
class batch_norm final : public layer<T> {
 public:
  matrix<T> gamma, gamma_grad, beta, beta_grad;  ///< (C, 1)
  matrix<T> running_mean, running_var;           ///< (C, 1): 0 and 1 at construction
  double momentum = 0.1;
  double eps = 1e-5;

  /// `positions`: columns per example (1 after a dense layer, H*W after a conv): a training batch
  /// needs at least two values per channel.
  batch_norm(placement where, index channels, index positions = 1)
      : gamma(matrix<T>::Ones(channels, 1)), gamma_grad(matrix<T>::Zero(channels, 1)),
        beta(matrix<T>::Zero(channels, 1)), beta_grad(matrix<T>::Zero(channels, 1)),
        running_mean(matrix<T>::Zero(channels, 1)), running_var(matrix<T>::Ones(channels, 1)),
        positions_(positions), where_(std::move(where)) {}

  void forward(const matrix<T>& x, matrix<T>& y) override {
    const index m = x.cols();
    if (mode_ == network_mode::train) {
      if (m < 2)
        nninit::detail::checker("batch_norm", "").fail(
            "batch", "at least two values per channel in training mode",
            nninit::detail::cat(nninit::detail::number(m), " (layer ", where_.name, ")"));
      // Mean and biased variance in one pass, a block of columns at a time (in cache for both
      // sums), around the first column's values (no cancellation when |mean| >> std), each
      // block's float sums added up in double.
      const vector shift = x.col(0).array();
      Eigen::ArrayXd s1, s2;
      row_sums(x, x, shift, true, s1, s2);
      const Eigen::ArrayXd mean = s1 / static_cast<double>(m);
      const vector var = (s2 / static_cast<double>(m) - mean.square()).max(0.0).template cast<T>();  // biased
      mean_ = shift + mean.template cast<T>();
      rstd_ = (var + static_cast<T>(eps)).rsqrt();
      const T p = static_cast<T>(momentum);
      const T unbiased = static_cast<T>(m) / static_cast<T>(m - 1);
      running_mean = (T(1) - p) * running_mean + p * mean_.matrix();
      running_var = (T(1) - p) * running_var + (p * unbiased) * var.matrix();
      batch_mean_ = mean_, batch_rstd_ = rstd_;
    } else if (mode_ == network_mode::eval) {
      mean_ = running_mean.col(0);
      rstd_ = (running_var.col(0).array() + static_cast<T>(eps)).rsqrt();
    } else {
      if (batch_mean_.rows() != gamma.rows())
        nninit::detail::checker("batch_norm", "").fail("frozen mode", "preceded by a training forward",
                                                       nninit::detail::cat("none (layer ", where_.name, ")"));
      mean_ = batch_mean_, rstd_ = batch_rstd_;
    }
    // One pass: y = (x - mu) (gamma r) + beta; xhat is recomputed by backward, not stored.
    const vector scale = gamma.col(0).array() * rstd_;
    y = ((x.array().colwise() - mean_).colwise() * scale).colwise() + beta.col(0).array();
  }

  void backward(const matrix<T>& x, const matrix<T>&, const matrix<T>& dy, const input_gradient<T>& dx) override {
    // d gamma = sum dy xhat = r sum dy (x - mu), taken around the mean (no cancellation).
    Eigen::ArrayXd sum_dy, sum_dyx;
    row_sums(dy, x, mean_, false, sum_dy, sum_dyx);
    beta_grad = sum_dy.template cast<T>().matrix();
    gamma_grad = (sum_dyx.template cast<T>() * rstd_).matrix();
    const vector scale = gamma.col(0).array() * rstd_;
    if (mode_ != network_mode::train) {  // the statistics are constants: dx = gamma r dy
      dx.set((dy.array().colwise() * scale).matrix());
      return;
    }
    // dx = (gamma r / m)(m dy - d beta - xhat d gamma) = A dy + B (x - mu) + C, one pass.
    const T m = static_cast<T>(dy.cols());
    const vector b = -scale * rstd_ * gamma_grad.col(0).array() / m;
    const vector c = -scale * beta_grad.col(0).array() / m;
    dx.set((((dy.array().colwise() * scale) + (x.array().colwise() - mean_).colwise() * b).colwise() + c).matrix());
  }

  void add_parameters(std::vector<parameter<T>>& out) override {
    const nninit::shape s{gamma.rows()};
    out.push_back({where_.name + ".weight", &gamma, &gamma_grad, parameter_kind::norm_gain, where_.role, s, where_.block});
    out.push_back({where_.name + ".bias", &beta, &beta_grad, parameter_kind::norm_bias, where_.role, s, where_.block});
  }
  void set_mode(network_mode m) override { mode_ = m; }
  index min_training_batch() const override { return positions_ >= 2 ? 1 : 2; }

 private:
  using vector = Eigen::Array<T, Eigen::Dynamic, 1>;

  /// Per channel (row), one pass over the columns: sa = sum of a and sab = sum of a (b - c), or
  /// with `square` (a = b) sa = sum of (a - c) and sab = sum of (a - c)^2. Plain loops over each
  /// column's contiguous channels (Eigen's rowwise sums of a column-major matrix took 3x a copy
  /// here); a block of columns summed in T, then added up in double.
  static void row_sums(const matrix<T>& a, const matrix<T>& b, const vector& c, bool square, Eigen::ArrayXd& sa,
                       Eigen::ArrayXd& sab) {
    const index C = a.rows(), cols = a.cols();
    sa = Eigen::ArrayXd::Zero(C), sab = Eigen::ArrayXd::Zero(C);
    vector pa(C), pab(C);
    constexpr index block = 1024;
    for (index j0 = 0; j0 < cols; j0 += block) {
      pa.setZero(), pab.setZero();
      T* ra = pa.data();
      T* rab = pab.data();
      const T* cp = c.data();
      for (index j = j0; j < std::min(cols, j0 + block); ++j) {
        const T* ap = a.data() + j * C;
        const T* bp = b.data() + j * C;
        if (square) {
          for (index i = 0; i < C; ++i) {
            const T d = ap[i] - cp[i];
            ra[i] += d, rab[i] += d * d;
          }
        } else {
          for (index i = 0; i < C; ++i) ra[i] += ap[i], rab[i] += ap[i] * (bp[i] - cp[i]);
        }
      }
      sa += pa.template cast<double>(), sab += pab.template cast<double>();
    }
  }

  index positions_;
  placement where_;
  network_mode mode_ = network_mode::train;
  vector mean_, rstd_;              // (C): the statistics the last forward used
  vector batch_mean_, batch_rstd_;  // (C): the last training batch's, for frozen mode
};

}  // namespace nninit::harness::layers
