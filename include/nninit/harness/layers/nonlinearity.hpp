// nninit harness layer: an activation applied elementwise, y = f(x), and its backward
// dx = dy * f'(x) (with relu'(0) = 0, as PyTorch's autograd). The switch on the activation's kind
// is taken once per call; relu, leaky_relu and linear are vectorized Eigen expressions.
#pragma once

#include <Eigen/Core>
#include <type_traits>
#include <unsupported/Eigen/SpecialFunctions>

#include "../activation.hpp"
#include "../graph.hpp"

namespace nninit::harness::detail {

/// Calls f(std::integral_constant<activation_kind, K>{}) for the kind of `a`, so that loops
/// instantiated per kind have the activation's switch folded away.
template <class F>
void with_kind(const activation& a, F&& f) {
  using k = activation_kind;
  switch (a.kind) {
    case k::linear: f(std::integral_constant<k, k::linear>{}); return;
    case k::relu: f(std::integral_constant<k, k::relu>{}); return;
    case k::leaky_relu: f(std::integral_constant<k, k::leaky_relu>{}); return;
    case k::tanh: f(std::integral_constant<k, k::tanh>{}); return;
    case k::sigmoid: f(std::integral_constant<k, k::sigmoid>{}); return;
    case k::selu: f(std::integral_constant<k, k::selu>{}); return;
    case k::gelu: f(std::integral_constant<k, k::gelu>{}); return;
    case k::silu: f(std::integral_constant<k, k::silu>{}); return;
    case k::elu: f(std::integral_constant<k, k::elu>{}); return;
    case k::sine: f(std::integral_constant<k, k::sine>{}); return;
    case k::gaussian: f(std::integral_constant<k, k::gaussian>{}); return;
  }
}

/// g where z > 0, else 0: relu's backward (PyTorch's threshold_backward), vectorized.
template <class T>
struct relu_mask_op {
  T operator()(const T& g, const T& z) const { return z > T(0) ? g : T(0); }
  template <class Packet>
  Packet packetOp(const Packet& g, const Packet& z) const {
    return Eigen::internal::pand(Eigen::internal::pcmp_lt(Eigen::internal::pzero(z), z), g);
  }
};

/// g where z > 0, else slope * g: leaky_relu's backward, vectorized.
template <class T>
struct leaky_mask_op {
  T slope;
  T operator()(const T& g, const T& z) const { return z > T(0) ? g : slope * g; }
  template <class Packet>
  Packet packetOp(const Packet& g, const Packet& z) const {
    using namespace Eigen::internal;
    return pselect(pcmp_lt(pzero(z), z), g, pmul(pset1<Packet>(slope), g));
  }
};

}  // namespace nninit::harness::detail

namespace Eigen::internal {
template <class T>
struct functor_traits<nninit::harness::detail::relu_mask_op<T>> {
  enum { Cost = 2 * NumTraits<T>::AddCost, PacketAccess = packet_traits<T>::HasCmp };
};
template <class T>
struct functor_traits<nninit::harness::detail::leaky_mask_op<T>> {
  enum { Cost = NumTraits<T>::AddCost + NumTraits<T>::MulCost, PacketAccess = packet_traits<T>::HasCmp };
};
}  // namespace Eigen::internal

namespace nninit::harness::detail {

/// y = act(z), elementwise. relu, leaky_relu, linear, tanh and gelu are Eigen expressions
/// (vectorized and branch-free: a branch on the sign of z mispredicts half the time); the others a
/// plain loop with the activation's switch folded per kind.
template <class T>
void activate(const activation& a, const matrix<T>& z, matrix<T>& y) {
  y.resize(z.rows(), z.cols());
  const T p = static_cast<T>(a.param);
  with_kind(a, [&](auto kind) {
    constexpr activation_kind K = decltype(kind)::value;
    if constexpr (K == activation_kind::relu) {
      y.noalias() = z.cwiseMax(T(0));  // NaN stays NaN
    } else if constexpr (K == activation_kind::leaky_relu) {
      y.noalias() = z.cwiseMax(T(0)) + p * z.cwiseMin(T(0));
    } else if constexpr (K == activation_kind::linear) {
      y = z;
    } else if constexpr (K == activation_kind::tanh) {
      y.noalias() = z.array().tanh().matrix();  // Eigen's vectorized tanh in float; std::tanh in double
    } else if constexpr (K == activation_kind::gelu) {
      // PyTorch's exact GELU, x/2 (1 + erf(x/sqrt 2)); Eigen's erf is vectorized in float.
      y.noalias() = (z.array() * (T(0.5) + T(0.5) * (z.array() * T(0.70710678118654752)).erf())).matrix();
    } else {
      const activation f(K, a.param);
      const T* zp = z.data();
      T* yp = y.data();
      const index n = z.size();
      for (index i = 0; i < n; ++i) yp[i] = f.value(zp[i]);
    }
  });
}

/// dx = dy * act'(z) (or +=), elementwise, with relu'(0) = 0 and leaky_relu'(0) = slope as
/// activation says; y = act(z) from the forward pass gives tanh' = 1 - y^2 without a second tanh.
template <class T>
void derivative_product(const activation& a, const matrix<T>& z, const matrix<T>& y, const matrix<T>& dy,
                        const input_gradient<T>& dx) {
  if (!dx.dx) return;
  with_kind(a, [&](auto kind) {
    constexpr activation_kind K = decltype(kind)::value;
    if constexpr (K == activation_kind::tanh) {
      dx.set((dy.array() * (T(1) - y.array().square())).matrix());
    } else if constexpr (K == activation_kind::gelu) {
      // Phi(z) + z phi(z), as PyTorch's GeluBackward.
      const auto cdf = T(0.5) + T(0.5) * (z.array() * T(0.70710678118654752)).erf();
      const auto pdf = T(0.39894228040143268) * (T(-0.5) * z.array().square()).exp();
      dx.set((dy.array() * (cdf + z.array() * pdf)).matrix());
    } else if constexpr (K == activation_kind::relu) {
      dx.set(dy.binaryExpr(z, relu_mask_op<T>{}));
    } else if constexpr (K == activation_kind::leaky_relu) {
      dx.set(dy.binaryExpr(z, leaky_mask_op<T>{static_cast<T>(a.param)}));
    } else if constexpr (K == activation_kind::linear) {
      dx.set(dy);
    } else {
      const activation f(K, a.param);
      matrix<T>& out = *dx.dx;
      if (!dx.accumulate) out.resize(dy.rows(), dy.cols());
      const T* zp = z.data();
      const T* gp = dy.data();
      T* op = out.data();
      const index n = z.size();
      if (dx.accumulate)
        for (index i = 0; i < n; ++i) op[i] += gp[i] * f.derivative(zp[i]);
      else
        for (index i = 0; i < n; ++i) op[i] = gp[i] * f.derivative(zp[i]);
    }
  });
}

}  // namespace nninit::harness::detail

namespace nninit::harness::layers {

template <class T>
class nonlinearity final : public layer<T> {
 public:
  explicit nonlinearity(const activation& a) : act_(a) {}
  void forward(const matrix<T>& x, matrix<T>& y) override { detail::activate(act_, x, y); }
  void backward(const matrix<T>& x, const matrix<T>& y, const matrix<T>& dy, const input_gradient<T>& dx) override {
    detail::derivative_product(act_, x, y, dy, dx);
  }
  const activation& act() const { return act_; }

 private:
  activation act_;
};

}  // namespace nninit::harness::layers
