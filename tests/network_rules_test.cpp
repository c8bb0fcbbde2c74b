// Network rules for the parameters that are not weights (initializer::for_parameter) and the
// residual scalars a rule needs (initializer::residual_parameters): SkipInit, ReZero and
// zero-gamma, against the defaults every other scheme keeps.
#include <doctest/doctest.h>
#include <nninit/nninit.hpp>

#include "test_util.hpp"

namespace {
using nninit::layer_role;
using nninit::parameter_kind;

double value_of(const char* scheme, parameter_kind kind, layer_role role = layer_role::branch_last) {
  const nninit::parameter_value v = nninit::initializer(scheme).for_parameter(kind, role);
  CHECK_FALSE(v.torch_default);
  return v.value;
}
}  // namespace

TEST_CASE("network rules: biases 0, multipliers 1, norm gains 1 and norm biases 0 unless a scheme says otherwise") {
  for (const char* scheme : {"kaiming_normal", "xavier_uniform", "fixup", "zero_hadamard", "lsuv", "orthogonal"}) {
    CAPTURE(scheme);
    CHECK(value_of(scheme, parameter_kind::bias) == 0);
    CHECK(value_of(scheme, parameter_kind::scalar_bias) == 0);
    CHECK(value_of(scheme, parameter_kind::multiplier) == 1);
    CHECK(value_of(scheme, parameter_kind::norm_gain) == 1);
    CHECK(value_of(scheme, parameter_kind::norm_bias) == 0);
  }
  CHECK(nninit::initializer("torch_default").for_parameter(parameter_kind::bias, layer_role::hidden).torch_default);
}

TEST_CASE("network rules: skipinit's and rezero's branch multipliers start at 0 (skipinit's alpha when set), zero_gamma zeroes the last norm gain of each branch") {
  CHECK(value_of("skipinit", parameter_kind::multiplier) == 0);
  nninit::initializer skip("skipinit");
  skip.set("alpha", "0.05");
  CHECK(skip.for_parameter(parameter_kind::multiplier, layer_role::branch_last).value == 0.05);
  CHECK(value_of("rezero", parameter_kind::multiplier) == 0);
  CHECK(value_of("rezero", parameter_kind::norm_gain) == 1);
  CHECK(value_of("zero_gamma", parameter_kind::norm_gain, layer_role::branch_last) == 0);
  CHECK(value_of("zero_gamma", parameter_kind::norm_gain, layer_role::branch_first) == 1);
  CHECK(value_of("zero_gamma", parameter_kind::norm_gain, layer_role::input) == 1);
  CHECK(value_of("zero_gamma", parameter_kind::multiplier) == 1);
}

TEST_CASE("network rules: the residual scalars each rule puts around its branches") {
  const auto scalars = [](const char* s) { return nninit::initializer(s).residual_parameters(); };
  CHECK(scalars("fixup").multiplier);
  CHECK(scalars("fixup").scalar_biases);  // Fixup's rule 3
  CHECK(scalars("skipinit").multiplier);
  CHECK_FALSE(scalars("skipinit").scalar_biases);
  CHECK(scalars("rezero").multiplier);
  CHECK_FALSE(scalars("kaiming_normal").multiplier);
  CHECK_FALSE(scalars("zero_gamma").multiplier);
}

TEST_CASE("network rules: skipinit, rezero and zero_gamma fill every weight with He normal, PyTorch's kaiming_normal_ for relu, bit for bit") {
  const nninit::shape s{24, 8, 3, 3};
  Eigen::MatrixXf he(s.rows(), s.cols());
  nninit::scheme::kaiming_normal k;
  k.nonlinearity = nninit::nonlinearity::relu;
  k(he, nninit::engine{6}, s);
  for (const char* scheme : {"skipinit", "rezero", "zero_gamma"}) {
    CAPTURE(scheme);
    const nninit::initializer init(scheme);
    for (const auto role : {layer_role::input, layer_role::branch_first, layer_role::branch_last, layer_role::classifier}) {
      Eigen::MatrixXf w(s.rows(), s.cols());
      init.for_layer(role, {16, 2}).fill(w, nninit::engine{6}, s);
      CHECK(w == he);
    }
    CHECK(init.describe(s).std == doctest::Approx(std::sqrt(2.0 / 72)).epsilon(1e-15));
  }
  nninit::initializer fan_out("zero_gamma");
  fan_out.set("mode", "fan_out");
  CHECK(fan_out.describe(s).std == doctest::Approx(std::sqrt(2.0 / 216)).epsilon(1e-15));
}
