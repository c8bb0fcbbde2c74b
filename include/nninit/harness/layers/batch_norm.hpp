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
// (../shared data_dependent.md §B1; checked against torch autograd by tests/torch_parity).
#pragma once

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
      mean_ = x.rowwise().mean();
      xhat_ = x.colwise() - mean_.col(0);
      const matrix<T> var = xhat_.array().square().rowwise().mean().matrix();  // biased
      rstd_ = (var.array() + static_cast<T>(eps)).rsqrt().matrix();
      const T p = static_cast<T>(momentum);
      const T unbiased = static_cast<T>(m) / static_cast<T>(m - 1);
      running_mean = (T(1) - p) * running_mean + p * mean_;
      running_var = (T(1) - p) * running_var + (p * unbiased) * var;
      batch_mean_ = mean_, batch_rstd_ = rstd_;
    } else {
      if (mode_ == network_mode::eval) {
        mean_ = running_mean;
        rstd_ = (running_var.array() + static_cast<T>(eps)).rsqrt().matrix();
      } else {
        if (batch_mean_.rows() != gamma.rows())
          nninit::detail::checker("batch_norm", "").fail("frozen mode", "preceded by a training forward",
                                                         nninit::detail::cat("none (layer ", where_.name, ")"));
        mean_ = batch_mean_, rstd_ = batch_rstd_;
      }
      xhat_ = x.colwise() - mean_.col(0);
    }
    xhat_.array().colwise() *= rstd_.col(0).array();
    y = (xhat_.array().colwise() * gamma.col(0).array()).colwise() + beta.col(0).array();
  }

  void backward(const matrix<T>&, const matrix<T>&, const matrix<T>& dy, const input_gradient<T>& dx) override {
    beta_grad = dy.rowwise().sum();
    gamma_grad = dy.cwiseProduct(xhat_).rowwise().sum();
    const Eigen::Array<T, Eigen::Dynamic, 1> scale = gamma.col(0).array() * rstd_.col(0).array();
    if (mode_ != network_mode::train) {  // the statistics are constants
      dx.set((dy.array().colwise() * scale).matrix());
      return;
    }
    if (!dx.dx) return;
    const T m = static_cast<T>(dy.cols());
    work_ = m * dy - (xhat_.array().colwise() * gamma_grad.col(0).array()).matrix();
    work_.colwise() -= beta_grad.col(0);
    work_.array().colwise() *= scale / m;
    dx.set(work_);
  }

  void add_parameters(std::vector<parameter<T>>& out) override {
    const nninit::shape s{gamma.rows()};
    out.push_back({where_.name + ".weight", &gamma, &gamma_grad, parameter_kind::norm_gain, where_.role, s, where_.block});
    out.push_back({where_.name + ".bias", &beta, &beta_grad, parameter_kind::norm_bias, where_.role, s, where_.block});
  }
  void set_mode(network_mode m) override { mode_ = m; }
  index min_training_batch() const override { return positions_ >= 2 ? 1 : 2; }

 private:
  index positions_;
  placement where_;
  network_mode mode_ = network_mode::train;
  matrix<T> mean_, rstd_;              // (C, 1): the statistics the last forward used
  matrix<T> batch_mean_, batch_rstd_;  // (C, 1): the last training batch's, for frozen mode
  matrix<T> xhat_;         // (C, m)
  matrix<T> work_;         // (C, m): dx before it is written or added
};

}  // namespace nninit::harness::layers
