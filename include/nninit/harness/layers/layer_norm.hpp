// nninit harness layers: layer normalization (Ba et al. 2016; nn.LayerNorm) and RMS normalization
// (Zhang & Sennrich 2019; nn.RMSNorm of PyTorch >= 2.4), per column: over the features of one
// example (after a dense layer) or over the channels of one position (after a conv: the
// "channels-first" LayerNorm of ConvNeXt, nn.LayerNorm over C of an NHWC tensor). Identical in
// train and eval. With H values per column:
//   LayerNorm: xhat = (x - mean) r, r = 1 / sqrt(var + eps) (biased var), y = gamma xhat + beta;
//              with g = dy gamma: dx = (r / H)(H g - sum g - xhat sum(g xhat)),
//              d gamma = sum over columns of dy xhat, d beta = sum over columns of dy.
//   RMSNorm:   r = (mean(x^2) + eps)^(-1/2), y = gamma x r (no centring, no bias);
//              dx = r g - x r^3 sum(g x) / H, d gamma = sum over columns of dy x r.
// Defaults as PyTorch: gamma 1, beta 0; eps 1e-5 for LayerNorm, and for RMSNorm the machine
// epsilon of the value type (PyTorch's eps=None: 1.19e-7 in float). ../shared data_dependent.md
// §B1; checked against torch autograd by tests/torch_parity.
#pragma once

#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "../graph.hpp"

namespace nninit::harness::layers {

template <class T>
class layer_norm final : public layer<T> {
 public:
  matrix<T> gamma, gamma_grad, beta, beta_grad;  ///< (H, 1)
  double eps = 1e-5;

  layer_norm(placement where, index features)
      : gamma(matrix<T>::Ones(features, 1)), gamma_grad(matrix<T>::Zero(features, 1)),
        beta(matrix<T>::Zero(features, 1)), beta_grad(matrix<T>::Zero(features, 1)), where_(std::move(where)) {}

  // Column by column: a column (one token's or one example's H features) stays in L1 between
  // the passes over it, where whole-matrix expressions would stream the batch through memory
  // once per pass.
  void forward(const matrix<T>& x, matrix<T>& y) override {
    const index H = x.rows(), n = x.cols();
    xhat_.resize(H, n);
    y.resize(H, n);
    rstd_.resize(n);
    for (index c = 0; c < n; ++c) {
      xhat_.col(c) = x.col(c).array() - x.col(c).mean();
      rstd_(c) = xhat_.col(c).squaredNorm() / static_cast<T>(H);
    }
    rstd_ = (rstd_ + static_cast<T>(eps)).rsqrt();
    for (index c = 0; c < n; ++c) {
      auto xhat = xhat_.col(c);
      xhat *= rstd_(c);
      y.col(c) = xhat.cwiseProduct(gamma.col(0)) + beta.col(0);
    }
  }

  void backward(const matrix<T>&, const matrix<T>&, const matrix<T>& dy, const input_gradient<T>& dx) override {
    const index H = dy.rows(), n = dy.cols();
    beta_grad.setZero();
    gamma_grad.setZero();
    if (dx.dx && !dx.accumulate) dx.dx->resize(H, n);
    for (index c = 0; c < n; ++c) {
      const auto d = dy.col(c);
      const auto xhat = xhat_.col(c);
      beta_grad += d;
      gamma_grad += d.cwiseProduct(xhat);
      if (!dx.dx) continue;
      g_ = d.cwiseProduct(gamma.col(0));
      const T sum_g = g_.sum(), sum_gx = g_.dot(xhat), k = rstd_(c) / static_cast<T>(H);
      g_ = ((static_cast<T>(H) * g_.array() - sum_g) - xhat.array() * sum_gx) * k;
      if (dx.accumulate) dx.dx->col(c) += g_;
      else dx.dx->col(c) = g_;
    }
  }

  void add_parameters(std::vector<parameter<T>>& out) override {
    const nninit::shape s{gamma.rows()};
    out.push_back({where_.name + ".weight", &gamma, &gamma_grad, parameter_kind::norm_gain, where_.role, s, where_.block});
    out.push_back({where_.name + ".bias", &beta, &beta_grad, parameter_kind::norm_bias, where_.role, s, where_.block});
  }

 private:
  placement where_;
  Eigen::Array<T, 1, Eigen::Dynamic> rstd_;  // per column
  matrix<T> xhat_;
  Eigen::Matrix<T, Eigen::Dynamic, 1> g_;  // one column of dy gamma, then of dx
};

template <class T>
class rms_norm final : public layer<T> {
 public:
  matrix<T> gamma, gamma_grad;  ///< (H, 1)
  double eps = static_cast<double>(std::numeric_limits<T>::epsilon());

  rms_norm(placement where, index features)
      : gamma(matrix<T>::Ones(features, 1)), gamma_grad(matrix<T>::Zero(features, 1)), where_(std::move(where)) {}

  void forward(const matrix<T>& x, matrix<T>& y) override {
    r_ = (x.array().square().colwise().mean() + static_cast<T>(eps)).rsqrt();
    y = (x.array().rowwise() * r_).colwise() * gamma.col(0).array();
  }

  void backward(const matrix<T>& x, const matrix<T>&, const matrix<T>& dy, const input_gradient<T>& dx) override {
    gamma_grad = (dy.array() * (x.array().rowwise() * r_)).rowwise().sum().matrix();
    if (!dx.dx) return;
    const T H = static_cast<T>(dy.rows());
    work_ = dy.array().colwise() * gamma.col(0).array();  // g
    const Eigen::Array<T, 1, Eigen::Dynamic> sum_gx = work_.cwiseProduct(x).colwise().sum().array();
    work_ = work_.array().rowwise() * r_ - x.array().rowwise() * (r_.cube() * sum_gx / H);
    dx.set(work_);
  }

  void add_parameters(std::vector<parameter<T>>& out) override {
    out.push_back({where_.name + ".weight", &gamma, &gamma_grad, parameter_kind::norm_gain, where_.role,
                   nninit::shape{gamma.rows()}, where_.block});
  }

 private:
  placement where_;
  Eigen::Array<T, 1, Eigen::Dynamic> r_;  // per column
  matrix<T> work_;
};

}  // namespace nninit::harness::layers
