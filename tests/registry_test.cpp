#include <doctest/doctest.h>
#include <nninit/nninit.hpp>

#include <set>
#include <string>

#include "test_util.hpp"

TEST_CASE("registry: lists every scheme the issue names, with options and PyTorch defaults") {
  std::set<std::string> names;
  for (const auto& info : nninit::list_schemes()) {
    names.insert(std::string(info.name));
    CHECK(!info.reference.empty());
  }
  for (const char* required : {"constant", "zeros", "ones", "uniform", "normal", "trunc_normal", "xavier_uniform",
                               "xavier_normal", "kaiming_uniform", "kaiming_normal", "lecun_uniform", "lecun_normal",
                               "variance_scaling", "eye", "dirac", "sparse", "orthogonal", "delta_orthogonal",
                               "torch_default", "zero_hadamard", "idinit", "fixup", "constnet", "siren", "winner", "vi3nr",
                               "kumar", "maxout", "small_init", "low_rank", "arch_aware", "gpt2", "megatron_scaled",
                               "depth_scaled_trunc_normal", "mup", "flyhash", "devfly", "skipinit", "rezero", "zero_gamma", "lsuv",
                               "deepnet", "admin", "t_fixup", "neox_small_init", "wang_init", "neox", "olmo_mitchell",
                               "olmo_full_megatron", "olmo_normal", "depth_mup", "completep", "mimetic"})
    CHECK(names.count(required) == 1);
  for (const auto& info : nninit::list_schemes())
    if (info.name == "kaiming_normal") {
      REQUIRE(info.options.size() == 3);
      CHECK(info.options[0].name == "a");
      CHECK(info.options[0].default_value == "0");
      CHECK(info.options[1].default_value == "fan_in");
      CHECK(info.options[2].default_value == "leaky_relu");
      CHECK(info.options[2].type == "choice");
    }
}

TEST_CASE("registry: an initializer set from text fills exactly like the policy type") {
  nninit::initializer init("kaiming_uniform");
  init.set("mode", "FAN_OUT");  // case-insensitive, as PyTorch lower-cases mode
  init.set("nonlinearity", "relu");
  Eigen::MatrixXf a(12, 18), b(12, 18);
  init.fill(a, nninit::engine(4), nninit::shape{12, 2, 9});
  nninit::scheme::kaiming_uniform{{{}, 0.0, nninit::fan_mode::fan_out, nninit::nonlinearity::relu}}(
      b, nninit::engine(4), nninit::shape{12, 2, 9});
  CHECK(a == b);
  CHECK(init.describe(nninit::shape{12, 2, 9}).fan_out == 108);
}

TEST_CASE("registry: unknown options and malformed values throw init_error naming them") {
  nninit::initializer init("kaiming_normal");
  CHECK_THROWS_WITH_AS(init.set("gian", "1"), "nninit::kaiming_normal: option must be one of a, mode, nonlinearity, got 'gian'",
                       nninit::init_error);
  CHECK_THROWS_WITH_AS(init.set("a", "0.2x", "64x3"), "nninit::kaiming_normal: a must be a number, got '0.2x', for a 64x3 target",
                       nninit::init_error);
  CHECK_THROWS_WITH_AS(init.set("nonlinearity", "gelu"),
                       "nninit::kaiming_normal: nonlinearity must be one of linear, conv1d, conv2d, conv3d, "
                       "conv_transpose1d, conv_transpose2d, conv_transpose3d, sigmoid, tanh, relu, leaky_relu, selu, got 'gelu'",
                       nninit::init_error);
  nninit::initializer dirac("dirac");
  CHECK_THROWS_WITH_AS(dirac.set("groups", "2.5"), "nninit::dirac: groups must be an integer, got '2.5'", nninit::init_error);
  nninit::initializer zeros("zeros");
  CHECK_THROWS_WITH_AS(zeros.set("val", "1"), "nninit::zeros: option must be absent (this scheme has no options), got 'val'",
                       nninit::init_error);
}
