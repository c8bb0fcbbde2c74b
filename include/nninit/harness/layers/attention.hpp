// nninit harness layers: multi-head self-attention in two steps, the input projection
// [Q; K; V] = W x (+ b) and the attention itself, softmax(scale * K^T Q) per head, over the tokens
// of each example (a batch is d x (tokens * examples), the tokens of an example adjacent). The
// output projection W_O is a dense layer after them, as nn.MultiheadAttention's out_proj.
//
// Per example and head, with Q, K, V the head's (d_head x n) slices: S = scale K^T Q (n x n, column
// i the scores of query i over the keys), P = softmax down each column (keys j > i left out under
// the causal mask), O = V P. Backward: dV = dO P^T, dP = V^T dO, dS = P .* (dP - 1 (1^T (P .* dP))),
// dQ = scale K dS, dK = scale Q dS^T (Vaswani et al. 2017, eq. 1; PyTorch's
// scaled_dot_product_attention computes the same in the transposed layout).
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "../graph.hpp"
#include "dense.hpp"

namespace nninit::harness::layers {

/// [Q; K; V] = W x (+ b): one packed (3d, d) weight as PyTorch's in_proj_weight (role query, its
/// three row blocks filled as separate tensors: `packed_roles`), or three (d, d) weights.
template <class T>
class qkv_projection final : public layer<T> {
 public:
  /// One matrix when packed, else W_Q, W_K, W_V; biases alike (empty without biases).
  std::vector<matrix<T>> weights, weight_grads, biases, bias_grads;

  qkv_projection(placement where, index width, bool packed, bool with_bias) : where_(std::move(where)), width_(width) {
    const int n = packed ? 1 : 3;
    const index rows = packed ? 3 * width : width;
    for (int i = 0; i < n; ++i) {
      weights.push_back(matrix<T>::Zero(rows, width));
      weight_grads.push_back(matrix<T>::Zero(rows, width));
      if (with_bias) biases.push_back(matrix<T>::Zero(rows, 1)), bias_grads.push_back(matrix<T>::Zero(rows, 1));
    }
  }
  bool packed() const { return weights.size() == 1; }

  // Separate W_Q, W_K, W_V are stacked into one (3d, d) matrix first (a copy of 3 d^2 values):
  // one GEMM of 3d rows runs faster than three of d, forward and backward.
  void forward(const matrix<T>& x, matrix<T>& y) override {
    y.resize(3 * width_, x.cols());
    detail::affine(y, stacked(weights, stacked_weight_), x, biases.empty() ? none_ : stacked(biases, stacked_bias_));
  }
  void backward(const matrix<T>& x, const matrix<T>&, const matrix<T>& dy, const input_gradient<T>& dx) override {
    matrix<T>& weight_grad = packed() ? weight_grads[0] : stacked_weight_grad_;
    weight_grad.noalias() = dy * x.transpose();
    if (!biases.empty()) detail::bias_gradient(dy, packed() ? bias_grads[0] : stacked_bias_grad_, ones_);
    if (!packed())
      for (std::size_t i = 0; i < 3; ++i) {
        const index first = static_cast<index>(i) * width_;
        weight_grads[i] = stacked_weight_grad_.middleRows(first, width_);
        if (!biases.empty()) bias_grads[i] = stacked_bias_grad_.middleRows(first, width_);
      }
    dx.set((packed() ? weights[0] : stacked_weight_).transpose() * dy);  // stacked_weight_ is the forward's
  }
  void add_parameters(std::vector<parameter<T>>& out) override {
    static constexpr layer_role roles[] = {layer_role::query, layer_role::key, layer_role::value};
    static constexpr const char* names[] = {".q", ".k", ".v"};
    for (std::size_t i = 0; i < weights.size(); ++i) {
      const std::string name = where_.name + (packed() ? ".in_proj" : names[i]);
      const nninit::shape s{weights[i].rows(), weights[i].cols()};
      parameter<T> w{name + ".weight", &weights[i], &weight_grads[i], parameter_kind::weight, roles[i], s, where_.block};
      if (packed()) w.packed_roles.assign(std::begin(roles), std::end(roles));
      out.push_back(std::move(w));
      if (biases.empty()) continue;
      parameter<T> b{name + ".bias", &biases[i], &bias_grads[i], parameter_kind::bias, roles[i], s, where_.block};
      b.packed_roles = out.back().packed_roles;
      out.push_back(std::move(b));
    }
  }
  double macs_per_example() const override { return 3.0 * static_cast<double>(width_ * width_); }  // per column

 private:
  /// parts stacked by rows into `out` (the one part itself when packed).
  const matrix<T>& stacked(const std::vector<matrix<T>>& parts, matrix<T>& out) const {
    if (parts.size() == 1) return parts[0];
    out.resize(3 * width_, parts[0].cols());
    for (std::size_t i = 0; i < parts.size(); ++i) out.middleRows(static_cast<index>(i) * width_, width_) = parts[i];
    return out;
  }

  placement where_;
  index width_;
  matrix<T> none_;  // the empty bias
  matrix<T> stacked_weight_, stacked_bias_, stacked_weight_grad_, stacked_bias_grad_;  // unpacked only
  Eigen::Matrix<T, Eigen::Dynamic, 1> ones_;
};

/// softmax(scale K^T Q) per head, applied to V: (3d, n * batch) -> (d, n * batch).
template <class T>
class attention final : public layer<T> {
 public:
  /// Multiplies the scores; 1/sqrt(d_head) by default (μP uses 1/d_head).
  double scale;

  attention(index width, index heads, index tokens, bool causal)
      : scale(1 / std::sqrt(static_cast<double>(width) / static_cast<double>(heads))), width_(width), heads_(heads), tokens_(tokens),
        causal_(causal) {}

  index heads() const { return heads_; }
  index tokens() const { return tokens_; }
  bool causal() const { return causal_; }
  /// The attention weights of the last forward: n x n per (example, head), column i the weights
  /// of query i over the keys; the block of example b, head h starts at column (b * heads + h) * n.
  const matrix<T>& probabilities() const { return probs_; }

  void forward(const matrix<T>& x, matrix<T>& y) override {
    const index n = tokens_, batch = x.cols() / n;
    const T s = static_cast<T>(scale);
    y.resize(width_, x.cols());
    probs_.resize(n, n * heads_ * batch);
    for (index b = 0; b < batch; ++b)
      for (index h = 0; h < heads_; ++h) {
        auto q = head(x, 0, b, h), k = head(x, 1, b, h), v = head(x, 2, b, h);
        auto p = probs_.middleCols((b * heads_ + h) * n, n);
        p.noalias() = k.transpose() * q;
        p *= s;
        // Column i's softmax over its visible keys. Max and sum per column, the exp over the whole
        // n x n block at once: contiguous, so Eigen vectorizes it (per column it would peel
        // unaligned heads into scalar calls; a rowwise broadcast is not vectorized at all).
        // Hidden keys are -inf while the max is taken, 0 after the exp.
        for (index i = 0; i < n; ++i) {
          const index keys = causal_ ? i + 1 : n;
          if (keys < n) p.col(i).tail(n - keys).setConstant(-std::numeric_limits<T>::infinity());
          p.col(i).array() -= p.col(i).head(keys).maxCoeff();
        }
        p.array() = p.array().exp();
        for (index i = 0; i < n; ++i) {
          const index keys = causal_ ? i + 1 : n;
          if (keys < n) p.col(i).tail(n - keys).setZero();
          p.col(i) /= p.col(i).sum();
        }
        head(y, 0, b, h).noalias() = v * p;
      }
  }

  void backward(const matrix<T>& x, const matrix<T>&, const matrix<T>& dy, const input_gradient<T>& dx) override {
    if (!dx.dx) return;
    const index n = tokens_, batch = x.cols() / n;
    const T s = static_cast<T>(scale);
    matrix<T>& g = *dx.dx;
    // Each head's slices of dQ, dK and dV are written by exactly one product: no zero fill first.
    if (!dx.accumulate) g.resize(3 * width_, x.cols());
    const auto put = [&](auto&& slice, const auto& product) {
      if (dx.accumulate) slice.noalias() += product;
      else slice.noalias() = product;
    };
    dp_.resize(n, n);
    for (index b = 0; b < batch; ++b)
      for (index h = 0; h < heads_; ++h) {
        auto q = head(x, 0, b, h), k = head(x, 1, b, h), v = head(x, 2, b, h);
        auto p = probs_.middleCols((b * heads_ + h) * n, n);
        auto dout = head(dy, 0, b, h);
        put(head(g, 2, b, h), dout * p.transpose());  // dV
        dp_.noalias() = v.transpose() * dout;
        // dS = P .* (dP - column sums of P .* dP); masked entries have P = 0 and stay 0.
        for (index i = 0; i < n; ++i) {
          auto dpi = dp_.col(i).array();
          dpi = p.col(i).array() * (dpi - p.col(i).dot(dp_.col(i))) * s;
        }
        put(head(g, 0, b, h), k * dp_);              // dQ
        put(head(g, 1, b, h), q * dp_.transpose());  // dK
      }
  }
  /// Per column (token): its scores against n keys and its mix of n values, d each.
  double macs_per_example() const override { return 2.0 * static_cast<double>(tokens_ * width_); }

 private:
  /// Head h of example b in part `part` (0: Q, or the output; 1: K; 2: V) of a (3d or d, n * batch) matrix.
  template <class M>
  auto head(M& m, index part, index b, index h) const {
    const index dh = width_ / heads_;
    return m.block(part * width_ + h * dh, b * tokens_, dh, tokens_);
  }

  index width_, heads_, tokens_;
  bool causal_;
  matrix<T> probs_, dp_;
};

}  // namespace nninit::harness::layers
