// The reproducibility contract: a value depends only on (seed, stream, logical index, options).
#include <doctest/doctest.h>
#include <nninit/nninit.hpp>

#include <functional>
#include <limits>
#include <vector>

#include "test_util.hpp"

namespace {

template <class T>
using row_major = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using col_major = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

const nninit::engine eng(20261123, 5);

// Every scheme that accepts a plain (rows x cols) 2-D weight, as (name, initializer).
std::vector<nninit::initializer> two_d_schemes() {
  std::vector<nninit::initializer> out;
  for (const auto& info : nninit::list_schemes()) {
    if (info.name == "dirac" || info.name == "delta_orthogonal") continue;  // need 3-5-D shapes
    if (info.name == "devfly") continue;  // needs data with one column per input: fly_test.cpp has its contract
    if (info.name == "mimetic") continue;  // square weights only: mimetic_test.cpp has its contract
    nninit::initializer init(info.name);
    if (info.name == "sparse") init.set("sparsity", "0.25");
    if (info.name == "fixup") init.set("branches", "9"), init.set("layers_per_branch", "2");
    if (info.name == "low_rank") init.set("rank", "5");
    if (info.name == "megatron_scaled") init.set("layers", "12");
    if (info.name == "depth_scaled_trunc_normal") init.set("layer_id", "3");
    if (info.name == "mup") init.set("base_fan_in", "7");
    if (info.name == "deepnet") init.set("encoder_layers", "6");
    if (info.name == "t_fixup") init.set("layers", "6");
    if (info.name == "wang_init") init.set("layers", "12");
    out.push_back(init);
    // The deterministic schemes' seeded noise follows the contract too.
    if (info.name == "idinit") out.push_back(init), out.back().set("loosen_std", "0.01");
    if (info.name == "constnet") out.push_back(init), out.back().set("noise_std", "0.01");
    if (info.name == "winner") out.push_back(init), out.back().set("s0", "100");
    if (info.name == "vi3nr") out.push_back(init), out.back().set("activation", "sine:30"), out.back().set("first_layer", "true");
  }
  return out;
}

}  // namespace

TEST_CASE_TEMPLATE("contract: row-major and column-major targets get the same logical values", T, float, double) {
  for (const auto& init : two_d_schemes()) {
    CAPTURE(init.name());
    row_major<T> a(13, 21);
    col_major<T> b(13, 21);
    init.fill(a, eng);
    init.fill(b, eng);
    CHECK(a == b);
  }
}

TEST_CASE_TEMPLATE("contract: a block filled with its offset equals the same block of the whole fill", T, float, double) {
  const nninit::shape whole{40, 24};
  for (const auto& init : two_d_schemes()) {
    CAPTURE(init.name());
    col_major<T> full(40, 24);
    init.fill(full, eng, whole);
    for (auto [r0, c0, rows, cols] : {std::array<int, 4>{0, 0, 40, 24}, {3, 5, 7, 11}, {39, 0, 1, 24}, {10, 23, 30, 1}}) {
      col_major<T> part(rows, cols);
      init.fill(part, eng, nninit::shape{40, 24}.at(r0, c0));
      CHECK(part == full.block(r0, c0, rows, cols));
    }
  }
}

TEST_CASE("contract: shards of a conv weight along rows and columns reassemble the whole weight") {
  const nninit::shape conv{64, 3, 3, 3};  // view 64 x 27
  Eigen::MatrixXf full(64, 27), assembled(64, 27);
  nninit::scheme::kaiming_normal{}(full, eng, conv);
  for (int r0 = 0; r0 < 64; r0 += 16)
    for (int c0 = 0; c0 < 27; c0 += 9)
      nninit::scheme::kaiming_normal{}(assembled.block(r0, c0, 16, 9), eng, nninit::shape{64, 3, 3, 3}.at(r0, c0));
  CHECK(assembled == full);
}

TEST_CASE("contract: Map with strides, Ref, Array and a block of a larger matrix get the plain matrix's values") {
  Eigen::MatrixXd plain(9, 6);
  nninit::normal(plain, eng, 0.0, 1.0);

  std::vector<double> buffer(9 * 6 * 3, -1.0);  // every third double, column-major with padding
  Eigen::Map<Eigen::MatrixXd, 0, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>> strided(
      buffer.data(), 9, 6, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(27, 3));
  nninit::normal(strided, eng, 0.0, 1.0);
  CHECK(Eigen::MatrixXd(strided) == plain);
  CHECK(buffer[1] == -1.0);  // the gaps are untouched

  Eigen::MatrixXd for_ref(9, 6);
  Eigen::Ref<Eigen::MatrixXd> ref(for_ref);
  nninit::normal(ref, eng, 0.0, 1.0);
  CHECK(for_ref == plain);

  Eigen::ArrayXXd array(9, 6);
  nninit::normal(array, eng, 0.0, 1.0);
  CHECK(array.matrix() == plain);

  Eigen::MatrixXd big = Eigen::MatrixXd::Constant(20, 20, 7.0);
  nninit::normal(big.block(4, 5, 9, 6), eng, 0.0, 1.0);
  CHECK(big.block(4, 5, 9, 6) == plain);
  CHECK((big.leftCols(5).array() == 7.0).all());
  CHECK((big.rightCols(9).array() == 7.0).all());
}

TEST_CASE("contract: a bias is the same whether stored as a row or a column vector") {
  Eigen::VectorXf column(10);
  Eigen::RowVectorXf row(10);
  nninit::uniform(column, eng, -1, 1);
  nninit::uniform(row, eng, -1, 1);
  CHECK(column.transpose() == row);
  Eigen::VectorXf part(4);
  nninit::scheme::uniform{{}, -1, 1}(part, eng, nninit::shape{10}.at(3, 0));
  CHECK(part == column.segment(3, 4));
}

TEST_CASE("contract: fixed-size matrices work and equal dynamic ones") {
  Eigen::Matrix<float, 4, 3> fixed;
  Eigen::MatrixXf dynamic(4, 3);
  nninit::xavier_uniform(fixed, eng);
  nninit::xavier_uniform(dynamic, eng);
  CHECK(Eigen::MatrixXf(fixed) == dynamic);
}
