// nninit: calculate_gain, PyTorch's table of recommended gains.
#pragma once

#include <array>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>

#include "activation.hpp"
#include "detail/enum_names.hpp"
#include "detail/format.hpp"
#include "moments.hpp"
#include "shape.hpp"

namespace nninit {

/// The nonlinearities of PyTorch's `calculate_gain` table (torch/nn/init.py, 1.13 and 2.x).
enum class nonlinearity {
  linear, conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d,
  sigmoid, tanh, relu, leaky_relu, selu,
};

/// Which variance a gain computed from an activation's moments keeps (variance.md §11).
enum class gain_convention {
  forward,   ///< gain^2 = s^2 / E[f(z)^2]: Var(W) = gain^2 / fan_in keeps Var(z) = s^2 (VI3NR's forward condition)
  backward,  ///< gain^2 = 1 / E[f'(z)^2]: Var(W) = gain^2 / fan_out keeps the gradient variance
};

namespace detail {
template <>
struct enum_names<nonlinearity> {
  static constexpr std::array<std::pair<nonlinearity, std::string_view>, 12> table{{
      {nonlinearity::linear, "linear"},
      {nonlinearity::conv1d, "conv1d"},
      {nonlinearity::conv2d, "conv2d"},
      {nonlinearity::conv3d, "conv3d"},
      {nonlinearity::conv_transpose1d, "conv_transpose1d"},
      {nonlinearity::conv_transpose2d, "conv_transpose2d"},
      {nonlinearity::conv_transpose3d, "conv_transpose3d"},
      {nonlinearity::sigmoid, "sigmoid"},
      {nonlinearity::tanh, "tanh"},
      {nonlinearity::relu, "relu"},
      {nonlinearity::leaky_relu, "leaky_relu"},
      {nonlinearity::selu, "selu"},
  }};
};
template <>
struct enum_names<fan_mode> {
  static constexpr std::array<std::pair<fan_mode, std::string_view>, 4> table{{
      {fan_mode::fan_in, "fan_in"},
      {fan_mode::fan_out, "fan_out"},
      {fan_mode::fan_avg, "fan_avg"},
      {fan_mode::fan_geo_avg, "fan_geo_avg"},
  }};
};
template <>
struct enum_names<layout> {
  static constexpr std::array<std::pair<layout, std::string_view>, 2> table{{
      {layout::out_in, "out_in"},
      {layout::in_out, "in_out"},
  }};
};
template <>
struct enum_names<gain_convention> {
  static constexpr std::array<std::pair<gain_convention, std::string_view>, 2> table{{
      {gain_convention::forward, "forward"},
      {gain_convention::backward, "backward"},
  }};
};
}  // namespace detail

/// The recommended gain for a nonlinearity, as PyTorch's `torch.nn.init.calculate_gain`:
///   linear, conv*, conv_transpose*, sigmoid: 1;  tanh: 5/3;  relu: sqrt(2);
///   leaky_relu: sqrt(2 / (1 + slope^2)), slope = `param` (PyTorch's default slope is 0.01);
///   selu: 3/4, found empirically in PyTorch PR #50664 to keep the gradients stable.
/// `param` is read for leaky_relu only, as in PyTorch; it must be finite.
inline double calculate_gain(nonlinearity f, double param = 0.01) {
  switch (f) {
    case nonlinearity::tanh: return 5.0 / 3;
    case nonlinearity::relu: return std::sqrt(2.0);
    case nonlinearity::leaky_relu:
      if (!std::isfinite(param))
        detail::checker("calculate_gain", "").fail("param (the leaky_relu slope)", "finite", param);
      return std::sqrt(2.0 / (1 + param * param));
    case nonlinearity::selu: return 3.0 / 4;
    default: return 1.0;
  }
}

/// The same, by PyTorch's exact (case-sensitive) name; unknown names throw init_error.
inline double calculate_gain(std::string_view name, double param = 0.01) {
  for (const auto& [f, n] : detail::enum_names<nonlinearity>::table)
    if (n == name) return calculate_gain(f, param);
  detail::checker("calculate_gain", "")
      .fail("nonlinearity", detail::cat("one of ", detail::choices_of<nonlinearity>()), detail::quoted(name));
}

/// The gain of any activation from its Gaussian moments at z ~ N(0, sigma^2) (moments_of):
///   forward  (default): gain = sigma / sqrt(E[f(z)^2]), so Var(W) = gain^2 / fan_in keeps the
///            pre-activation variance at sigma^2 (Koneputugodage et al. 2025; sigma = 1 is the
///            gain PyTorch's table would need: relu sqrt(2) exactly, tanh 1.5925 (PyTorch's 5/3 is
///            a heuristic), gelu 1.5335, silu 1.6765, sine:30 sqrt(2));
///   backward: gain = 1 / sqrt(E[f'(z)^2]), for Var(W) = gain^2 / fan_out (gradients).
/// Throws init_error when the moment it divides by is 0 or sigma is not finite and > 0.
inline double calculate_gain(const activation& f, gain_convention convention = gain_convention::forward,
                             double sigma = 1.0) {
  const detail::checker check("calculate_gain", "");
  check.positive("sigma", sigma);
  const activation_moments m = detail::moments_of(check, f, sigma);
  const double moment = convention == gain_convention::forward ? m.second_moment : m.derivative_second_moment;
  if (!(moment > 0))
    check.fail("activation", convention == gain_convention::forward ? "one with E[f(z)^2] > 0" : "one with E[f'(z)^2] > 0",
               f.text());
  return convention == gain_convention::forward ? sigma / std::sqrt(moment) : 1 / std::sqrt(moment);
}

}  // namespace nninit
