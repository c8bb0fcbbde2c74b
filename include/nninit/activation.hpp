// nninit: scalar activations, each with its derivative: what the variance-informed schemes
// (vi3nr, kumar) take their moments of, and what the harness propagates signals through.
#pragma once

#include <array>
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>

#include "detail/enum_names.hpp"
#include "detail/format.hpp"

namespace nninit {

enum class activation_kind { linear, relu, leaky_relu, tanh, sigmoid, selu, gelu, silu, elu, sine, gaussian };

}  // namespace nninit

namespace nninit::detail {
template <>
struct enum_names<activation_kind> {
  using k = activation_kind;
  static constexpr std::array<std::pair<k, std::string_view>, 11> table{{
      {k::linear, "linear"},
      {k::relu, "relu"},
      {k::leaky_relu, "leaky_relu"},
      {k::tanh, "tanh"},
      {k::sigmoid, "sigmoid"},
      {k::selu, "selu"},
      {k::gelu, "gelu"},
      {k::silu, "silu"},
      {k::elu, "elu"},
      {k::sine, "sine"},
      {k::gaussian, "gaussian"},
  }};
};
}  // namespace nninit::detail

namespace nninit {

/// An activation and its one parameter:
///   leaky_relu: the negative slope (default 0.01, PyTorch's);  elu: alpha (default 1);
///   sine: omega0 in sin(omega0 x) (default 30, SIREN's);  gaussian: the width s in
///   exp(-x^2 / (2 s^2)) (default 1, Ramasinghe & Lucey 2022). The others take none.
/// gelu is the exact x * Phi(x) (PyTorch's default, not the tanh approximation); selu uses
/// Klambauer et al.'s constants to the digits PyTorch uses.
struct activation {
  activation_kind kind = activation_kind::relu;
  double param = default_param(activation_kind::relu);

  activation() = default;
  explicit activation(activation_kind k) : kind(k), param(default_param(k)) {}
  activation(activation_kind k, double p) : kind(k), param(p) {}

  static constexpr double selu_lambda = 1.0507009873554804934193349852946;
  static constexpr double selu_alpha = 1.6732632423543772848170429916717;

  static constexpr double default_param(activation_kind k) {
    switch (k) {
      case activation_kind::leaky_relu: return 0.01;
      case activation_kind::elu: return 1.0;
      case activation_kind::sine: return 30.0;
      case activation_kind::gaussian: return 1.0;
      default: return 0.0;
    }
  }
  static constexpr bool has_param(activation_kind k) {
    return k == activation_kind::leaky_relu || k == activation_kind::elu || k == activation_kind::sine ||
           k == activation_kind::gaussian;
  }

  std::string_view name() const { return detail::name_of(kind); }
  /// "relu", "leaky_relu:0.2", "sine:30": the text `parse` reads back.
  std::string text() const {
    return has_param(kind) ? detail::cat(name(), ":", detail::number(param)) : std::string(name());
  }

  /// f(x).
  template <class T>
  T value(T x) const {
    using std::exp, std::sin, std::tanh;
    const T p = static_cast<T>(param);
    switch (kind) {
      case activation_kind::linear: return x;
      case activation_kind::relu: return x > 0 ? x : T(0);
      case activation_kind::leaky_relu: return x > 0 ? x : p * x;
      case activation_kind::tanh: return tanh(x);
      case activation_kind::sigmoid: return logistic(x);
      case activation_kind::selu:
        return static_cast<T>(selu_lambda) * (x > 0 ? x : static_cast<T>(selu_alpha) * expm1_(x));
      case activation_kind::gelu: return x * phi_cdf(x);
      case activation_kind::silu: return x * logistic(x);
      case activation_kind::elu: return x > 0 ? x : p * expm1_(x);
      case activation_kind::sine: return sin(p * x);
      case activation_kind::gaussian: return exp(-x * x / (2 * p * p));
    }
    return x;
  }

  /// f'(x). At x = 0 the kinked ones (relu, leaky_relu, selu, elu) take the left derivative,
  /// as PyTorch's autograd does (relu'(0) = 0).
  template <class T>
  T derivative(T x) const {
    using std::cos, std::exp, std::tanh;
    const T p = static_cast<T>(param);
    switch (kind) {
      case activation_kind::linear: return T(1);
      case activation_kind::relu: return x > 0 ? T(1) : T(0);
      case activation_kind::leaky_relu: return x > 0 ? T(1) : p;
      case activation_kind::tanh: {
        const T t = tanh(x);
        return 1 - t * t;
      }
      case activation_kind::sigmoid: {
        const T s = logistic(x);
        return s * (1 - s);
      }
      case activation_kind::selu:
        return static_cast<T>(selu_lambda) * (x > 0 ? T(1) : static_cast<T>(selu_alpha) * exp(x));
      case activation_kind::gelu: return phi_cdf(x) + x * phi_pdf(x);
      case activation_kind::silu: {
        const T s = logistic(x);
        return s * (1 + x * (1 - s));
      }
      case activation_kind::elu: return x > 0 ? T(1) : p * exp(x);
      case activation_kind::sine: return p * cos(p * x);
      case activation_kind::gaussian: return -x / (p * p) * exp(-x * x / (2 * p * p));
    }
    return T(1);
  }

  /// The nonlinearity PyTorch's calculate_gain would take for this activation, or "" when its
  /// table has none (gelu, silu, elu, sine, gaussian).
  std::string_view torch_gain_name() const {
    switch (kind) {
      case activation_kind::linear:
      case activation_kind::relu:
      case activation_kind::leaky_relu:
      case activation_kind::tanh:
      case activation_kind::sigmoid:
      case activation_kind::selu: return name();
      default: return "";
    }
  }

  /// "relu", "leaky_relu:0.2", "sine:30", "gaussian:0.5" (the parameter must be finite and,
  /// for sine and gaussian, in [1e-100, 1e100]). Throws init_error naming the valid names.
  static activation parse(std::string_view text) {
    const detail::checker check("activation", "");
    const auto colon = text.find(':');
    const std::string_view name = text.substr(0, colon);
    const auto kind = detail::parse_enum<activation_kind>(name);
    if (!kind) check.fail("name", detail::cat("one of ", detail::choices_of<activation_kind>()), detail::quoted(name));
    activation a(*kind);
    if (colon == std::string_view::npos) return a;
    const std::string_view rest = text.substr(colon + 1);
    if (!has_param(*kind)) check.fail(detail::cat(name, " parameter"), "absent (it takes none)", detail::quoted(rest));
    double v = 0;
    const auto res = std::from_chars(rest.data(), rest.data() + rest.size(), v);
    if (rest.empty() || res.ec != std::errc() || res.ptr != rest.data() + rest.size())
      check.fail(detail::cat(name, " parameter"), "a number", detail::quoted(rest));
    if (!std::isfinite(v)) check.fail(detail::cat(name, " parameter"), "finite", v);
    // A frequency or width whose square leaves double's range makes every moment degenerate.
    if ((*kind == activation_kind::sine || *kind == activation_kind::gaussian) && !(v >= 1e-100 && v <= 1e100))
      check.fail(detail::cat(name, " parameter"), "in [1e-100, 1e100]", v);
    a.param = v;
    return a;
  }

 private:
  template <class T>
  static T logistic(T x) {
    using std::exp;
    // Two branches so that exp never overflows into inf/inf.
    if (x >= 0) return 1 / (1 + exp(-x));
    const T e = exp(x);
    return e / (1 + e);
  }
  template <class T>
  static T expm1_(T x) {
    using std::expm1;
    return expm1(x);
  }
  template <class T>
  static T phi_cdf(T x) {
    using std::erfc;
    return static_cast<T>(0.5) * erfc(-x * static_cast<T>(0.70710678118654752440));
  }
  template <class T>
  static T phi_pdf(T x) {
    using std::exp;
    return static_cast<T>(0.39894228040143267794) * exp(-x * x / 2);
  }
};

}  // namespace nninit
