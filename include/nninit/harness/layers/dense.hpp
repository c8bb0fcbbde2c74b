// nninit harness layer: the fully connected layer y = W x (+ b), W in PyTorch's (out, in) layout,
// one example per column (nn.Linear).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "../graph.hpp"

namespace nninit::harness::detail {

/// y = W x + b over the columns of x: b is broadcast first and the product added to it, which
/// spares the zero fill Eigen's `y = W x` does before its GEMM and a pass adding b after.
template <class T, class Y, class W, class X>
void affine(Y&& y, const W& weight, const X& x, const matrix<T>& bias) {
  if (bias.size()) {
    for (index c = 0; c < x.cols(); ++c) y.col(c) = bias.col(0);  // (Eigen's replicate takes a modulo per element)
    y.noalias() += weight * x;
  } else {
    y.noalias() = weight * x;
  }
}

/// A bias's gradient, the sum of dy's columns, as a GEMV with a vector of ones: twice the speed
/// of Eigen's rowwise().sum() of a column-major matrix.
template <class T, class DY>
void bias_gradient(const DY& dy, matrix<T>& grad, Eigen::Matrix<T, Eigen::Dynamic, 1>& ones) {
  if (ones.size() != dy.cols()) ones.setOnes(dy.cols());
  grad.noalias() = dy * ones;
}

}  // namespace nninit::harness::detail

namespace nninit::harness::layers {

template <class T>
class dense final : public layer<T> {
 public:
  matrix<T> weight, weight_grad;  ///< (out, in)
  matrix<T> bias, bias_grad;      ///< (out, 1); empty without a bias

  dense(placement where, index in, index out, bool with_bias)
      : weight(matrix<T>::Zero(out, in)), weight_grad(matrix<T>::Zero(out, in)), where_(std::move(where)) {
    if (with_bias) bias = matrix<T>::Zero(out, 1), bias_grad = matrix<T>::Zero(out, 1);
  }

  void forward(const matrix<T>& x, matrix<T>& y) override {
    y.resize(weight.rows(), x.cols());
    detail::affine(y, weight, x, bias);
  }
  void backward(const matrix<T>& x, const matrix<T>&, const matrix<T>& dy, const input_gradient<T>& dx) override {
    weight_grad.noalias() = dy * x.transpose();
    if (bias.size()) detail::bias_gradient(dy, bias_grad, ones_);
    dx.set(weight.transpose() * dy);
  }
  void add_parameters(std::vector<parameter<T>>& out) override {
    const nninit::shape s{weight.rows(), weight.cols()};
    out.push_back({where_.name + ".weight", &weight, &weight_grad, parameter_kind::weight, where_.role, s, where_.block});
    if (bias.size())
      out.push_back({where_.name + ".bias", &bias, &bias_grad, parameter_kind::bias, where_.role, s, where_.block});
  }
  double macs_per_example() const override { return static_cast<double>(weight.size()); }
  matrix<T>* lsuv_weight() override { return &weight; }
  matrix<T>* lsuv_bias() override { return bias.size() ? &bias : nullptr; }

 private:
  placement where_;
  Eigen::Matrix<T, Eigen::Dynamic, 1> ones_;
};

}  // namespace nninit::harness::layers
