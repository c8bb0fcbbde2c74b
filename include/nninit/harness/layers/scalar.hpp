// nninit harness layers: one scalar applied to a whole buffer. The learnable multiplier y = s x
// of a residual branch (Fixup's scale, SkipInit's and ReZero's alpha) and scalar bias y = x + b
// (Fixup's biases), each a 1x1 parameter so optimizers see one kind of value; and the constant
// multiplier of a transformer block's planned scalars.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "../graph.hpp"

namespace nninit::harness::layers {

template <class T>
class multiplier final : public layer<T> {
 public:
  matrix<T> value = matrix<T>::Ones(1, 1), grad = matrix<T>::Zero(1, 1);

  explicit multiplier(placement where) : where_(std::move(where)) {}
  T operator()() const { return value(0, 0); }

  void forward(const matrix<T>& x, matrix<T>& y) override { y.noalias() = value(0, 0) * x; }
  void backward(const matrix<T>& x, const matrix<T>&, const matrix<T>& dy, const input_gradient<T>& dx) override {
    grad(0, 0) = dy.cwiseProduct(x).sum();  // SkipInit/ReZero: d alpha = sum dy F(x)
    dx.set(value(0, 0) * dy);
  }
  void add_parameters(std::vector<parameter<T>>& out) override {
    out.push_back({where_.name, &value, &grad, parameter_kind::multiplier, where_.role, nninit::shape{1}, where_.block});
  }

 private:
  placement where_;
};

/// y = c x with a constant c, not a parameter: a transformer block's planned scalars (the
/// shortcut's alpha of post-LN and DeepNorm, the branch multiplier s of depth-μP), which the
/// network rule sets and training leaves alone.
template <class T>
class constant_scale final : public layer<T> {
 public:
  explicit constant_scale(double c) : value(c) {}
  double value;

  void forward(const matrix<T>& x, matrix<T>& y) override { y.noalias() = static_cast<T>(value) * x; }
  void backward(const matrix<T>&, const matrix<T>&, const matrix<T>& dy, const input_gradient<T>& dx) override {
    dx.set(static_cast<T>(value) * dy);
  }
};

template <class T>
class scalar_bias final : public layer<T> {
 public:
  matrix<T> value = matrix<T>::Zero(1, 1), grad = matrix<T>::Zero(1, 1);

  /// `of` is the shape of the weight it sits next to (for messages and plans).
  explicit scalar_bias(placement where, nninit::shape of = nninit::shape{1}) : where_(std::move(where)), of_(std::move(of)) {}
  T operator()() const { return value(0, 0); }

  void forward(const matrix<T>& x, matrix<T>& y) override { y = x.array() + value(0, 0); }
  void backward(const matrix<T>&, const matrix<T>&, const matrix<T>& dy, const input_gradient<T>& dx) override {
    grad(0, 0) = dy.sum();
    dx.set(dy);
  }
  void add_parameters(std::vector<parameter<T>>& out) override {
    out.push_back({where_.name, &value, &grad, parameter_kind::scalar_bias, where_.role, of_, where_.block});
  }

 private:
  placement where_;
  nninit::shape of_;
};

}  // namespace nninit::harness::layers
