#include <doctest/doctest.h>
#include <nninit/gain.hpp>

#include <cmath>

TEST_CASE("calculate_gain: PyTorch's table, exactly") {
  for (const char* one : {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                          "conv_transpose3d", "sigmoid"})
    CHECK(nninit::calculate_gain(one) == 1.0);
  CHECK(nninit::calculate_gain("tanh") == 5.0 / 3);
  CHECK(nninit::calculate_gain("relu") == 1.4142135623730951);
  CHECK(nninit::calculate_gain("selu") == 0.75);
  // Values verified with PyTorch 1.13 (classic.md §2).
  CHECK(nninit::calculate_gain("leaky_relu") == 1.4141428569978354);
  CHECK(nninit::calculate_gain("leaky_relu", 0) == 1.4142135623730951);
  CHECK(nninit::calculate_gain("leaky_relu", std::sqrt(5.0)) == 0.5773502691896257);
  CHECK(nninit::calculate_gain("leaky_relu", -0.2) == nninit::calculate_gain("leaky_relu", 0.2));
  CHECK(nninit::calculate_gain("relu", 0.2) == 1.4142135623730951);  // param ignored, as in PyTorch
}

TEST_CASE("calculate_gain: unknown names and non-finite slopes throw init_error with the choices") {
  CHECK_THROWS_WITH_AS(nninit::calculate_gain("gelu"),
                       "nninit::calculate_gain: nonlinearity must be one of linear, conv1d, conv2d, conv3d, "
                       "conv_transpose1d, conv_transpose2d, conv_transpose3d, sigmoid, tanh, relu, leaky_relu, "
                       "selu, got 'gelu'",
                       nninit::init_error);
  CHECK_THROWS_AS(nninit::calculate_gain("Tanh"), nninit::init_error);  // case-sensitive, as PyTorch
  CHECK_THROWS_WITH_AS(nninit::calculate_gain("leaky_relu", NAN),
                       "nninit::calculate_gain: param (the leaky_relu slope) must be finite, got nan",
                       nninit::init_error);
}
