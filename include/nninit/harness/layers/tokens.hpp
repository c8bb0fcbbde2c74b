// nninit harness layers: what turns data into a transformer's tokens and tokens into outputs.
// A batch of tokens is d x (n * examples), the n tokens of an example in adjacent columns.
//   patchify        images (C*H*W per column) -> their p x p patches, one per column (ViT);
//   token_embedding token ids (one per column) -> rows of a (vocabulary, d) table (nn.Embedding);
//   add_positions   prepends a learned class token (optional) and adds a learned position table;
//   select_token    keeps one token of each example (the ViT's class-token readout);
//   tied_readout    logits = E h with the embedding's own table E (GPT-2's weight tying).
#pragma once

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "../graph.hpp"

namespace nninit::harness::layers {

/// Cuts each channels x side x side image (channel-major, as PyTorch's NCHW) into (side/p)^2
/// patches, row-major over the patch grid; a patch is its channels x p x p pixels in that order,
/// so a dense layer on it is nn.Conv2d(channels, d, p, stride=p).
template <class T>
class patchify final : public layer<T> {
 public:
  patchify(index channels, index side, index patch) : c_(channels), side_(side), p_(patch) {}
  index patches() const { return (side_ / p_) * (side_ / p_); }

  void forward(const matrix<T>& x, matrix<T>& y) override {
    const index n = patches(), batch = x.cols();
    y.resize(c_ * p_ * p_, n * batch);
    visit(batch, [&](index col, index row, index b, index pixel) { y(row, col) = x(pixel, b); });
  }
  void backward(const matrix<T>& x, const matrix<T>&, const matrix<T>& dy, const input_gradient<T>& dx) override {
    if (!dx.dx) return;
    if (!dx.accumulate) dx.dx->setZero(x.rows(), x.cols());
    visit(x.cols(), [&](index col, index row, index b, index pixel) { (*dx.dx)(pixel, b) += dy(row, col); });
  }

 private:
  template <class F>
  void visit(index batch, F&& f) const {
    const index grid = side_ / p_, n = patches();
    for (index b = 0; b < batch; ++b)
      for (index t = 0; t < n; ++t) {
        const index y0 = (t / grid) * p_, x0 = (t % grid) * p_;
        index row = 0;
        for (index ch = 0; ch < c_; ++ch)
          for (index dy = 0; dy < p_; ++dy)
            for (index dx = 0; dx < p_; ++dx, ++row) f(b * n + t, row, b, (ch * side_ + y0 + dy) * side_ + x0 + dx);
      }
  }
  index c_, side_, p_;
};

/// y column c = row id(c) of the (vocabulary, d) table, the ids being the input's one row (as T,
/// checked by the model). nn.Embedding's layout, so that a tied readout is the same matrix.
template <class T>
class token_embedding final : public layer<T> {
 public:
  matrix<T> table, table_grad;  ///< (vocabulary, d)

  token_embedding(placement where, index vocabulary, index width)
      : table(matrix<T>::Zero(vocabulary, width)), table_grad(matrix<T>::Zero(vocabulary, width)), where_(std::move(where)) {}

  void forward(const matrix<T>& x, matrix<T>& y) override {
    y.resize(table.cols(), x.cols());
    for (index c = 0; c < x.cols(); ++c) y.col(c) = table.row(static_cast<index>(x(0, c))).transpose();
  }
  /// Adds to table_grad when a tied readout (whose backward runs first) wrote it.
  void backward(const matrix<T>& x, const matrix<T>&, const matrix<T>& dy, const input_gradient<T>& dx) override {
    if (!tied) table_grad.setZero();
    for (index c = 0; c < x.cols(); ++c) table_grad.row(static_cast<index>(x(0, c))) += dy.col(c).transpose();
    if (dx.dx && !dx.accumulate) dx.dx->setZero(x.rows(), x.cols());  // ids have no gradient
  }
  void add_parameters(std::vector<parameter<T>>& out) override {
    out.push_back({where_.name + ".weight", &table, &table_grad, parameter_kind::weight, layer_role::embedding,
                   nninit::shape{table.rows(), table.cols()}, -1});
  }
  double macs_per_example() const override { return 0; }

  bool tied = false;  ///< set by tied_readout

 private:
  placement where_;
};

/// y = [cls, x_1 .. x_m] + P per example: an optional learned class token (1, d) prepended, and a
/// learned position table (n, d), n = m (+ 1), added (the ViT's, and GPT-2's wpe).
template <class T>
class add_positions final : public layer<T> {
 public:
  matrix<T> cls, cls_grad;            ///< (1, d); empty without a class token
  matrix<T> position, position_grad;  ///< (n, d)

  add_positions(placement where, index width, index tokens_out, bool class_token)
      : position(matrix<T>::Zero(tokens_out, width)), position_grad(matrix<T>::Zero(tokens_out, width)),
        where_(std::move(where)) {
    if (class_token) cls = matrix<T>::Zero(1, width), cls_grad = matrix<T>::Zero(1, width);
  }
  index tokens() const { return position.rows(); }

  void forward(const matrix<T>& x, matrix<T>& y) override {
    const index n = tokens(), first = cls.size() ? 1 : 0, m = n - first, batch = x.cols() / m;
    y.resize(position.cols(), n * batch);
    for (index b = 0; b < batch; ++b) {
      if (first) y.col(b * n) = cls.row(0).transpose();
      y.middleCols(b * n + first, m) = x.middleCols(b * m, m);
      y.middleCols(b * n, n) += position.transpose();
    }
  }
  void backward(const matrix<T>& x, const matrix<T>&, const matrix<T>& dy, const input_gradient<T>& dx) override {
    const index n = tokens(), first = cls.size() ? 1 : 0, m = n - first, batch = x.cols() / m;
    position_grad.setZero();
    if (first) cls_grad.setZero();
    for (index b = 0; b < batch; ++b) {
      position_grad += dy.middleCols(b * n, n).transpose();
      if (first) cls_grad.row(0) += dy.col(b * n).transpose();
    }
    if (!dx.dx) return;
    if (!dx.accumulate) dx.dx->resize(x.rows(), x.cols());
    for (index b = 0; b < batch; ++b) {
      if (dx.accumulate) dx.dx->middleCols(b * m, m) += dy.middleCols(b * n + first, m);
      else dx.dx->middleCols(b * m, m) = dy.middleCols(b * n + first, m);
    }
  }
  void add_parameters(std::vector<parameter<T>>& out) override {
    if (cls.size())
      out.push_back({where_.name + ".cls", &cls, &cls_grad, parameter_kind::weight, layer_role::cls,
                     nninit::shape{cls.rows(), cls.cols()}, -1});
    out.push_back({where_.name + ".position", &position, &position_grad, parameter_kind::weight, layer_role::position,
                   nninit::shape{position.rows(), position.cols()}, -1});
  }

 private:
  placement where_;
};

/// Keeps token `token` of each example: d x (n * batch) -> d x batch.
template <class T>
class select_token final : public layer<T> {
 public:
  select_token(index tokens, index token) : n_(tokens), t_(token) {}
  void forward(const matrix<T>& x, matrix<T>& y) override {
    const index batch = x.cols() / n_;
    y.resize(x.rows(), batch);
    for (index b = 0; b < batch; ++b) y.col(b) = x.col(b * n_ + t_);
  }
  void backward(const matrix<T>& x, const matrix<T>&, const matrix<T>& dy, const input_gradient<T>& dx) override {
    if (!dx.dx) return;
    if (!dx.accumulate) dx.dx->setZero(x.rows(), x.cols());
    for (index b = 0; b < dy.cols(); ++b) dx.dx->col(b * n_ + t_) += dy.col(b);
  }

 private:
  index n_, t_;
};

/// logits = E x with E the (vocabulary, d) table of `embedding`, whose gradient it writes first
/// (the embedding's backward, later in the reverse order, adds its own).
template <class T>
class tied_readout final : public layer<T> {
 public:
  explicit tied_readout(token_embedding<T>& embedding) : e_(embedding) { e_.tied = true; }
  void forward(const matrix<T>& x, matrix<T>& y) override { y.noalias() = e_.table * x; }
  void backward(const matrix<T>& x, const matrix<T>&, const matrix<T>& dy, const input_gradient<T>& dx) override {
    e_.table_grad.noalias() = dy * x.transpose();
    dx.set(e_.table.transpose() * dy);
  }
  double macs_per_example() const override { return static_cast<double>(e_.table.size()); }

 private:
  token_embedding<T>& e_;
};

}  // namespace nninit::harness::layers
