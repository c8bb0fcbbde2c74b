// nninit: calculate_gain, PyTorch's table of recommended gains.
#pragma once

#include <array>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>

#include "detail/enum_names.hpp"
#include "detail/format.hpp"
#include "shape.hpp"

namespace nninit {

/// The nonlinearities of PyTorch's `calculate_gain` table (torch/nn/init.py, 1.13 and 2.x).
enum class nonlinearity {
  linear, conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d,
  sigmoid, tanh, relu, leaky_relu, selu,
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

}  // namespace nninit
