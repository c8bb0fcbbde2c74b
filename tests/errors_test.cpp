// Bad input: init_error naming the scheme, the argument, the value and the shape, and nothing written.
#include <doctest/doctest.h>
#include <nninit/nninit.hpp>

#include <limits>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace {

struct bad_case {
  std::string scheme;
  std::vector<std::pair<std::string, std::string>> options;
  nninit::shape shape;
  std::string message;  // the whole expected message
};

}  // namespace

TEST_CASE("errors: every bad argument throws init_error with the exact message and leaves the target untouched") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<bad_case> cases = {
      {"sparse", {{"sparsity", "1.5"}}, {100, 50}, "nninit::sparse: sparsity must be in [0, 1), got 1.5, for a 100x50 target"},
      {"sparse", {{"sparsity", "-0.5"}}, {100, 50}, "nninit::sparse: sparsity must be in [0, 1), got -0.5, for a 100x50 target"},
      {"sparse", {}, {100, 50}, "nninit::sparse: sparsity must be set (a fraction in [0, 1)), got nothing, for a 100x50 target"},
      {"sparse", {{"sparsity", "0.1"}}, {4, 5, 3}, "nninit::sparse: shape must be 2-D, got 3-D, for a 4x5x3 target"},
      {"normal", {{"std", "-1"}}, {3, 4}, "nninit::normal: std must be finite and >= 0, got -1, for a 3x4 target"},
      {"normal", {{"mean", "nan"}}, {3, 4}, "nninit::normal: mean must be finite and within float range, got nan, for a 3x4 target"},
      {"uniform", {{"a", "2"}, {"b", "1"}}, {3, 4}, "nninit::uniform: b must be >= a = 2, got 1, for a 3x4 target"},
      {"uniform", {{"b", "inf"}}, {3, 4}, "nninit::uniform: b must be finite, got inf, for a 3x4 target"},
      {"uniform", {{"a", "-3e38"}, {"b", "3e38"}}, {3, 4}, "nninit::uniform: b - a must be finite in float, got 6e+38, for a 3x4 target"},
      {"trunc_normal", {{"std", "0"}}, {3, 4}, "nninit::trunc_normal: std must be finite and > 0, got 0, for a 3x4 target"},
      {"trunc_normal", {{"a", "1"}, {"b", "1"}}, {3, 4}, "nninit::trunc_normal: b must be > a = 1, got 1, for a 3x4 target"},
      {"trunc_normal", {{"a", "50"}, {"b", "60"}}, {3, 4},
       "nninit::trunc_normal: [a, b] must be an interval with probability mass under N(mean, std^2), got [50, 60] for mean 0, std 1, for a 3x4 target"},
      {"kaiming_normal", {{"a", "inf"}}, {3, 4}, "nninit::kaiming_normal: a must be finite and within float range, got inf, for a 3x4 target"},
      {"kaiming_uniform", {}, {5}, "nninit::kaiming_uniform: shape must be at least 2-D to define fan_in and fan_out, got 1-D, for a 5 target"},
      {"xavier_normal", {{"gain", "nan"}}, {3, 4}, "nninit::xavier_normal: gain must be finite and within float range, got nan, for a 3x4 target"},
      {"variance_scaling", {{"scale", "0"}}, {3, 4}, "nninit::variance_scaling: scale must be finite and > 0, got 0, for a 3x4 target"},
      {"eye", {}, {2, 3, 4}, "nninit::eye: shape must be 2-D, got 3-D, for a 2x3x4 target"},
      {"dirac", {}, {3, 4}, "nninit::dirac: shape must be 3-, 4- or 5-D, got 2-D, for a 3x4 target"},
      {"dirac", {{"groups", "4"}}, {6, 4, 3}, "nninit::dirac: groups must be a divisor of the 6 output channels, got 4, for a 6x4x3 target"},
      {"dirac", {{"groups", "0"}}, {6, 4, 3}, "nninit::dirac: groups must be >= 1, got 0, for a 6x4x3 target"},
      {"orthogonal", {{"gain", "-inf"}}, {3, 4}, "nninit::orthogonal: gain must be finite and within float range, got -inf, for a 3x4 target"},
      {"constant", {{"val", "1e39"}}, {3, 4}, "nninit::constant: val must be finite and within float range, got 1e+39, for a 3x4 target"},
      {"zero_hadamard", {}, {5}, "nninit::zero_hadamard: shape must be 2-D (dense) or 3-, 4- or 5-D (conv), got 1-D, for a 5 target"},
      {"zero_hadamard", {}, {4, 2, 3, 4},
       "nninit::zero_hadamard: kernel must be odd on every axis (set even_kernel=upper or lower to pick a centre), got 4x2x3x4, for a 4x2x3x4 target"},
      {"zero_hadamard", {}, nninit::shape{6, 4, 3}.with_groups(4), "nninit::zero_hadamard: groups must be a divisor of the 6 output channels, got 4, for a 6x4x3 target"},
      {"idinit", {{"tau", "nan"}}, {3, 4}, "nninit::idinit: tau must be finite and within float range, got nan, for a 3x4 target"},
      {"idinit", {{"tau", "-inf"}}, {3, 4}, "nninit::idinit: tau must be finite and within float range, got -inf, for a 3x4 target"},
      {"idinit", {{"eps", "-1e-06"}}, {3, 4}, "nninit::idinit: eps must be finite and >= 0, got -1e-06, for a 3x4 target"},
      {"idinit", {{"eps", "inf"}}, {3, 4}, "nninit::idinit: eps must be finite and >= 0, got inf, for a 3x4 target"},
      {"idinit", {{"loosen_std", "-0.1"}}, {3, 4}, "nninit::idinit: loosen_std must be finite and >= 0, got -0.1, for a 3x4 target"},
      {"idinit", {{"loosen_std", "nan"}}, {3, 4}, "nninit::idinit: loosen_std must be finite and >= 0, got nan, for a 3x4 target"},
      {"idinit", {}, {2, 3, 4, 5, 6, 7}, "nninit::idinit: shape must be 2-D (dense) or 3-, 4- or 5-D (conv), got 6-D, for a 2x3x4x5x6x7 target"},
      {"fixup", {}, {16, 16, 3, 3},
       "nninit::fixup: branches must be >= 1 (L, the number of residual branches in the network), got 0, for a 16x16x3x3 target"},
      {"fixup", {{"branches", "-3"}, {"layers_per_branch", "2"}}, {3, 4},
       "nninit::fixup: branches must be >= 1 (L, the number of residual branches in the network), got -3, for a 3x4 target"},
      {"fixup", {{"branches", "54"}, {"layers_per_branch", "1"}}, {3, 4},
       "nninit::fixup: layers_per_branch must be >= 2 (m, weight layers per branch; L^(-1/(2m-2)) needs m >= 2), got 1, for a 3x4 target"},
      {"constnet", {{"noise_std", "-1"}}, {3, 4}, "nninit::constnet: noise_std must be finite and >= 0, got -1, for a 3x4 target"},
      {"constnet", {{"noise_std", "inf"}}, {3, 4}, "nninit::constnet: noise_std must be finite and >= 0, got inf, for a 3x4 target"},
      {"constnet", {}, {8, 8, 2, 2},
       "nninit::constnet: kernel must be odd on every axis (set even_kernel=upper or lower to pick a centre), got 8x8x2x2, for a 8x8x2x2 target"},
      {"siren", {{"omega0", "0"}}, {3, 4}, "nninit::siren: omega0 must be finite and > 0, got 0, for a 3x4 target"},
      {"vi3nr", {{"sigma_p", "0"}}, {3, 4}, "nninit::vi3nr: sigma_p must be finite and > 0, got 0, for a 3x4 target"},
      {"vi3nr", {{"sigma_p", "-1"}}, {3, 4}, "nninit::vi3nr: sigma_p must be finite and > 0, got -1, for a 3x4 target"},
      {"vi3nr", {{"sigma_p", "inf"}}, {3, 4}, "nninit::vi3nr: sigma_p must be finite and > 0, got inf, for a 3x4 target"},
      {"vi3nr", {{"sigma_p", "nan"}}, {3, 4}, "nninit::vi3nr: sigma_p must be finite and > 0, got nan, for a 3x4 target"},
      {"vi3nr", {{"first_layer", "true"}, {"data_std", "-1"}}, {3, 4},
       "nninit::vi3nr: data_std must be finite and >= 0, got -1, for a 3x4 target"},
      {"vi3nr", {{"first_layer", "true"}, {"data_mean", "nan"}}, {3, 4}, "nninit::vi3nr: data_mean must be finite, got nan, for a 3x4 target"},
      {"vi3nr", {{"first_layer", "true"}, {"data_std", "0"}}, {3, 4},
       "nninit::vi3nr: data_mean^2 + data_std^2 must be > 0 (the first layer divides by the input's second moment), got 0, for a 3x4 target"},
      {"vi3nr", {{"sigma_p", "1e300"}}, {3, 4},
       "nninit::vi3nr: activation must be finite on N(0, sigma^2), got a non-finite moment at sigma 1e+300, for a 3x4 target"},
      {"vi3nr", {}, {5}, "nninit::vi3nr: shape must be at least 2-D to define fan_in and fan_out, got 1-D, for a 5 target"},
      {"kumar", {{"activation", "gaussian"}}, {3, 4}, "nninit::kumar: activation must be one with f'(0) != 0, got gaussian:1, for a 3x4 target"},
      {"kumar", {{"activation", "selu"}}, {3, 4}, "nninit::kumar: activation must be differentiable at 0, got selu, for a 3x4 target"},
      {"kumar", {{"activation", "elu:0.5"}}, {3, 4},
       "nninit::kumar: activation must be differentiable at 0 (elu needs alpha = 1), got elu:0.5, for a 3x4 target"},
      {"maxout", {{"pieces", "1"}}, {3, 4}, "nninit::maxout: pieces must be >= 2 (K, the pieces of each maxout unit), got 1, for a 3x4 target"},
      {"maxout", {{"pool", "0"}}, {3, 4}, "nninit::maxout: pool must be >= 1, got 0, for a 3x4 target"},
      {"small_init", {{"gamma", "0"}}, {3, 4}, "nninit::small_init: gamma must be finite and > 0, got 0, for a 3x4 target"},
      {"small_init", {{"gamma", "nan"}}, {3, 4}, "nninit::small_init: gamma must be finite and > 0, got nan, for a 3x4 target"},
      {"small_init", {{"width", "-2"}}, {3, 4}, "nninit::small_init: width must be >= 0 (0: the fan_in), got -2, for a 3x4 target"},
      {"winner", {{"layer", "-1"}}, {3, 4},
       "nninit::winner: layer must be >= 0 (0: the first weight matrix, 1: the second, 2 or more: a later one), got -1, for a 3x4 target"},
      {"winner", {{"s1", "-0.5"}}, {3, 4}, "nninit::winner: s1 must be finite and >= 0, got -0.5, for a 3x4 target"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.message);
    nninit::initializer init(c.scheme);
    for (const auto& [k, v] : c.options) init.set(k, v);
    Eigen::MatrixXd target = Eigen::MatrixXd::Constant(c.shape.rows(), c.shape.cols(), nan);
    CHECK_THROWS_WITH_AS(init.fill(target, nninit::engine(1), c.shape), c.message.c_str(), nninit::init_error);
    CHECK(target.array().isNaN().all());  // the sentinel survives: validated before any write
  }
}

TEST_CASE("errors: an activation option that does not parse names the scheme, the option and the accepted names") {
  nninit::initializer init("vi3nr");
  CHECK_THROWS_WITH_AS(init.set("activation", "swish", "3x4"),
                       "nninit::vi3nr: activation must be an activation NAME[:PARAM], NAME one of linear, relu, leaky_relu, "
                       "tanh, sigmoid, selu, gelu, silu, elu, sine, gaussian, got 'swish', for a 3x4 target",
                       nninit::init_error);
  CHECK_THROWS_AS(init.set("activation", "sine:-3"), nninit::init_error);
  CHECK_THROWS_AS(init.set("activation", "gaussian:1e-200"), nninit::init_error);
  CHECK_THROWS_AS(init.set("activation", "tanh:2"), nninit::init_error);
}

TEST_CASE("errors: a block outside the weight is refused, naming the block and the weight") {
  Eigen::MatrixXf part(10, 10);
  CHECK_THROWS_WITH_AS(nninit::scheme::normal{}(part, nninit::engine(1), nninit::shape{20, 20}.at(15, 0)),
                       "nninit::normal: block must be inside the 20x20 view of the weight, got 10x10 at (15, 0), "
                       "for a 10x10 block of a 20x20 target",
                       nninit::init_error);
  CHECK_THROWS_AS(nninit::scheme::normal{}(part, nninit::engine(1), nninit::shape{20, 20}.at(-1, 0)), nninit::init_error);
}

TEST_CASE("errors: fixup_scale refuses L < 1 and m < 2") {
  CHECK_THROWS_WITH_AS(nninit::fixup_scale(0, 2),
                       "nninit::fixup_scale: branches must be >= 1 (L, the number of residual branches in the network), got 0",
                       nninit::init_error);
  CHECK_THROWS_WITH_AS(nninit::fixup_scale(10, 1),
                       "nninit::fixup_scale: layers_per_branch must be >= 2 (m, weight layers per branch; L^(-1/(2m-2)) "
                       "needs m >= 2), got 1",
                       nninit::init_error);
}

TEST_CASE("errors: init_error is a std::invalid_argument") {
  CHECK_THROWS_AS(nninit::calculate_gain("gelu"), std::invalid_argument);
}

TEST_CASE("errors: torch_default validates the weight before writing the bias") {
  Eigen::MatrixXf weight(5, 6);  // does not fit the declared 4x7 weight
  Eigen::VectorXf bias = Eigen::VectorXf::Constant(4, 7);
  CHECK_THROWS_AS(nninit::torch_default(weight, bias, nninit::engine(1), nninit::shape{4, 7}), nninit::init_error);
  CHECK((bias.array() == 7).all());
}
