// nninit::torch_generator: PyTorch's CPU values, pinned by values PyTorch 1.13.1 printed (the
// whole grid against a live PyTorch is tests/torch_parity/torch_stream.py), and the rules of a
// stateful generator: row-major order whatever the storage, whole tensors, refusals that
// neither write nor draw.
#include <doctest/doctest.h>

#include <nninit/nninit.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace torch_generator_test {

using idx = nninit::index;
using row_major = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

TEST_CASE("torch_generator: PyTorch 1.13.1's values after torch.manual_seed(0), to the bit") {
  nninit::torch_generator gen(0);
  // torch.empty(4).uniform_()
  Eigen::VectorXf u(4);
  nninit::uniform(u, gen);
  CHECK(u(0) == 0x1.fc2abp-2f);
  CHECK(u(1) == 0x1.89545ep-1f);
  CHECK(u(2) == 0x1.6a675p-4f);
  CHECK(u(3) == 0x1.0e66p-3f);
  // then torch.empty(20).normal_(): the vectorised path (16 at a time, the last 16 redrawn)
  Eigen::VectorXf n(20);
  nninit::normal(n, gen);
  CHECK(n(0) == 0x1.b28a2ap-1f);
  CHECK(n(7) == 0x1.106f42p-2f);
  CHECK(n(8) == 0x1.54e68ap-3f);
  CHECK(n(15) == 0x1.b83674p-5f);
  CHECK(n(16) == 0x1.3c71ecp-1f);
  CHECK(n(19) == -0x1.28741p+1f);
  // then torch.empty(3, dtype=float64).normal_(1, 2): the scalar path, in double
  Eigen::VectorXd d(3);
  nninit::normal(d, gen, 1.0, 2.0);
  CHECK(d(0) == 0x1.bda438a0fb188p+0);
  CHECK(d(1) == 0x1.f4dd5ad6b407cp+1);
  CHECK(d(2) == 0x1.709761d31dfe6p+1);
  // then init.kaiming_uniform_(torch.empty(2, 3), a=math.sqrt(5)), PyTorch's nn.Linear(3, 2) weight
  row_major w(2, 3);
  nninit::kaiming_uniform(w, gen, std::sqrt(5.0));
  const float expected[] = {-0x1.06327ep-2f, -0x1.55507ap-6f, 0x1.7a1cdp-2f, 0x1.25de7ap-1f, 0x1.d5475ep-3f, 0x1.3f78ap-4f};
  for (int i = 0; i < 6; ++i) CHECK(w.data()[i] == expected[i]);
}

TEST_CASE("torch_generator: the seed's low 32 bits, as torch.manual_seed") {
  Eigen::VectorXf a(1), b(1);
  nninit::torch_generator high((std::uint64_t{1} << 40) + 77), low(77);
  nninit::uniform(a, high);
  nninit::uniform(b, low);
  CHECK(a(0) == 0x1.2aeb5cp-2f);  // torch.manual_seed(2**40 + 77); torch.rand(1)
  CHECK(a(0) == b(0));
}

TEST_CASE("torch_generator: the scalar normal's second value waits in the generator for the next call") {
  // Below 16 elements each Box-Muller pair gives a value and keeps the other for the next draw,
  // even in another tensor: two fills of one element are one fill of two.
  nninit::torch_generator one_by_one(3), together(3);
  Eigen::VectorXd a(1), b(1), both(2);
  nninit::normal(a, one_by_one);
  nninit::normal(b, one_by_one);
  nninit::normal(both, together);
  CHECK(a(0) == both(0));
  CHECK(b(0) == both(1));
  CHECK(a(0) != b(0));
}

TEST_CASE("torch_generator: row-major order of the target's shape, whatever its storage") {
  for (idx rows : {1, 3, 7}) {
    for (idx cols : {1, 5, 16}) {
      CAPTURE(rows);
      CAPTURE(cols);
      row_major expected(rows, cols);
      Eigen::MatrixXf col_major(rows, cols);
      std::vector<float> foreign(static_cast<std::size_t>(rows * cols));
      Eigen::Map<row_major> mapped(foreign.data(), rows, cols);
      Eigen::MatrixXf larger = Eigen::MatrixXf::Zero(rows + 2, cols + 3);
      nninit::torch_generator g1(11), g2(11), g3(11), g4(11);
      nninit::kaiming_normal(expected, g1);
      nninit::kaiming_normal(col_major, g2);
      nninit::kaiming_normal(mapped, g3);
      nninit::kaiming_normal(larger.block(1, 2, rows, cols), g4);
      CHECK(col_major == expected);
      CHECK(mapped == expected);
      CHECK(larger.block(1, 2, rows, cols) == expected);
      CHECK(larger.row(0).isZero());  // nothing written outside the block
    }
  }
}

TEST_CASE("torch_generator: weight then bias, as nn.Linear's reset_parameters") {
  nninit::torch_generator pair(9), by_hand(9);
  row_major w(4, 6), w_by_hand(4, 6);
  Eigen::VectorXf b(4), b_by_hand(4);
  nninit::torch_default(w, b, pair);
  nninit::kaiming_uniform(w_by_hand, by_hand, std::sqrt(5.0));
  nninit::uniform(b_by_hand, by_hand, -1 / std::sqrt(6.0), 1 / std::sqrt(6.0));
  CHECK(w == w_by_hand);
  CHECK(b == b_by_hand);
}

TEST_CASE("torch_generator: deterministic schemes draw nothing, refusals write nothing and draw nothing") {
  nninit::torch_generator gen(5), fresh(5);
  Eigen::MatrixXf eye(3, 3);
  nninit::scheme::eye{}(eye, gen);
  CHECK(eye.isIdentity());

  Eigen::MatrixXf target = Eigen::MatrixXf::Constant(4, 4, 7.0f);
  CHECK_THROWS_WITH_AS(nninit::orthogonal(target, gen),
                       "nninit::orthogonal: engine must be an nninit::engine for this orthogonal plan (torch_generator "
                       "reproduces PyTorch's uniform_ and normal_ only), got torch_generator, for a 4x4 target",
                       nninit::init_error);
  CHECK_THROWS_WITH_AS(nninit::trunc_normal(target, gen),
                       "nninit::trunc_normal: engine must be an nninit::engine for this truncated_normal plan "
                       "(torch_generator reproduces PyTorch's uniform_ and normal_ only), got torch_generator, for a "
                       "4x4 target",
                       nninit::init_error);
  nninit::shape shard{8, 4};
  shard.at(4, 0);
  CHECK_THROWS_WITH_AS(nninit::kaiming_uniform(target, gen, 0.0, nninit::fan_mode::fan_in,
                                               nninit::nonlinearity::leaky_relu, shard),
                       "nninit::kaiming_uniform: engine must be an nninit::engine for a block of a weight "
                       "(torch_generator draws whole tensors in order), got torch_generator, for a 4x4 block at (4, "
                       "0) of a 8x4 target",
                       nninit::init_error);
  CHECK_THROWS_AS(nninit::normal(target, gen, 0.0, -1.0), nninit::init_error);
  CHECK((target.array() == 7.0f).all());

  Eigen::VectorXf after(3), expected(3);
  nninit::uniform(after, gen);
  nninit::uniform(expected, fresh);
  CHECK(after == expected);
}

TEST_CASE("torch_generator: through the registry, as `nninit fill --engine torch` uses it") {
  nninit::torch_generator by_name(21), direct(21);
  row_major a(5, 40), b(5, 40);
  nninit::initializer init("xavier_normal");
  init.set("gain", "1.5");
  init.fill(a, by_name);
  nninit::xavier_normal(b, direct, 1.5);
  CHECK(a == b);
  Eigen::MatrixXf target(4, 4);
  CHECK_THROWS_AS(nninit::initializer("sparse").fill(target, by_name), nninit::init_error);
}

}  // namespace torch_generator_test
