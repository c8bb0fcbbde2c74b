// nninit harness layer: the fully connected layer y = W x (+ b), W in PyTorch's (out, in) layout,
// one example per column (nn.Linear).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "../graph.hpp"

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
    y.noalias() = weight * x;
    if (bias.size()) y.colwise() += bias.col(0);
  }
  void backward(const matrix<T>& x, const matrix<T>&, const matrix<T>& dy, const input_gradient<T>& dx) override {
    weight_grad.noalias() = dy * x.transpose();
    if (bias.size()) bias_grad = dy.rowwise().sum();
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
};

}  // namespace nninit::harness::layers
