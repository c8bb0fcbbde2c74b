#include <doctest/doctest.h>
#include <nninit/nninit.hpp>

#include "test_util.hpp"

using nninit::layout;
using nninit::shape;

static nninit::fans fans_of(const shape& s) {
  const auto p = nninit::scheme::kaiming_normal{}.describe(s);
  return {p.fan_in, p.fan_out};
}

TEST_CASE("fans: PyTorch's rule for dense and conv weights (verified values from classic.md)") {
  CHECK(fans_of(shape{3, 5}).in == 5);
  CHECK(fans_of(shape{3, 5}).out == 3);
  CHECK(fans_of(shape{8, 4, 3, 3}).in == 36);
  CHECK(fans_of(shape{8, 4, 3, 3}).out == 72);
  CHECK(fans_of(shape{6, 4, 3, 3, 3}).in == 108);
  CHECK(fans_of(shape{6, 4, 3, 3, 3}).out == 162);
  // The 2-D view of a conv weight is (out, in*k).
  CHECK(shape{8, 4, 3, 3}.rows() == 8);
  CHECK(shape{8, 4, 3, 3}.cols() == 36);
}

TEST_CASE("fans: Keras/JAX layout (*k, in, out) gives the same fans as the PyTorch layout") {
  const auto torch = fans_of(shape{8, 4, 3, 3});
  const auto keras = fans_of(shape{3, 3, 4, 8}.with_layout(layout::in_out));
  CHECK(torch.in == keras.in);
  CHECK(torch.out == keras.out);
  CHECK(shape{3, 3, 4, 8}.with_layout(layout::in_out).rows() == 36);
  CHECK(shape{3, 3, 4, 8}.with_layout(layout::in_out).cols() == 8);
  CHECK(fans_of(shape{5, 3}.with_layout(layout::in_out)).in == 5);
}

TEST_CASE("fans: grouped conv divides fan_out by groups only when asked (pytorch/pytorch#23854)") {
  // Depthwise Conv2d(4, 4, 3, groups=4): weight (4, 1, 3, 3). PyTorch says (9, 36); per group (9, 9).
  CHECK(fans_of(shape{4, 1, 3, 3}).out == 36);
  CHECK(fans_of(shape{4, 1, 3, 3}.with_groups(4)).in == 9);
  CHECK(fans_of(shape{4, 1, 3, 3}.with_groups(4)).out == 9);
}

TEST_CASE("fans: transposed conv weights (in, out/groups, *k) get their true fans when marked") {
  // ConvTranspose2d(16, 8, 3): weight (16, 8, 3, 3). PyTorch computes fan_in = 8*9 = 72.
  CHECK(fans_of(shape{16, 8, 3, 3}).in == 72);
  CHECK(fans_of(shape{16, 8, 3, 3}.as_transposed()).in == 144);
  CHECK(fans_of(shape{16, 8, 3, 3}.as_transposed()).out == 72);
  CHECK(fans_of(shape{16, 4, 3, 3}.as_transposed().with_groups(2)).in == 72);
}

TEST_CASE("fans: a shard uses the whole weight's fans (the Megatron-Bridge #5840 case)") {
  Eigen::MatrixXf shard(256, 1024);  // a row shard of a 1024x1024 weight, TP=4
  const auto whole = nninit::scheme::xavier_normal{}.describe(shape{1024, 1024});
  nninit::scheme::xavier_normal{}(shard, nninit::engine(3), shape{1024, 1024}.at(512, 0));
  const auto m = test::moments_of(test::values(shard));
  test::check_variance(m, whole.std);
  CHECK(whole.std == doctest::Approx(std::sqrt(2.0 / 2048)).epsilon(1e-15));
}

TEST_CASE("fans: errors name the scheme, the argument, the value and the shape") {
  const nninit::scheme::kaiming_normal k;
  CHECK_THROWS_WITH_AS(k.describe(shape{7}),
                       "nninit::kaiming_normal: shape must be at least 2-D to define fan_in and fan_out, got 1-D, for a 7 target",
                       nninit::init_error);
  CHECK_THROWS_WITH_AS(k.describe(shape{6, 4, 3}.with_groups(4)),
                       "nninit::kaiming_normal: groups must be a divisor of the grouped dimension 6, got 4, for a 6x4x3 target",
                       nninit::init_error);
  CHECK_THROWS_WITH_AS(k.describe(shape{6, -4}),
                       "nninit::kaiming_normal: shape must be made of dimensions >= 0, got 6x-4, for a 6x-4 target",
                       nninit::init_error);
  CHECK_THROWS_AS(k.describe(shape{6, 4}.with_groups(0)), nninit::init_error);
}
