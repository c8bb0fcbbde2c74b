// Eigen::Tensor and TensorMap targets (nninit/tensor.hpp): every element gets the value of the
// same logical element of the matrix form, in both layouts, both storage orders, ranks 1 to 5.
#include <doctest/doctest.h>

#include <nninit/tensor.hpp>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace tensor_test {

using idx = nninit::index;
using row_major = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// The C-order (logical) index of a tensor element.
template <int Rank>
idx c_order_index(const std::array<idx, Rank>& dims, const std::array<idx, Rank>& at) {
  idx i = 0;
  for (int k = 0; k < Rank; ++k) i = i * dims[k] + at[k];
  return i;
}

/// True when tensor element `at` equals element c_order_index(at) of the matrix form, for all.
template <int Rank, class Tensor>
bool same_as_matrix(const Tensor& t, const row_major& m) {
  std::array<idx, Rank> dims{}, at{};
  for (int k = 0; k < Rank; ++k) dims[k] = t.dimension(k);
  for (idx n = 0; n < m.size(); ++n) {
    idx rest = n;
    for (int k = Rank - 1; k >= 0; --k) at[k] = rest % dims[k], rest /= dims[k];
    Eigen::array<Eigen::Index, Rank> e{};
    for (int k = 0; k < Rank; ++k) e[k] = at[k];
    const float x = t(e), y = m.data()[c_order_index<Rank>(dims, at)];
    if (std::memcmp(&x, &y, sizeof x) != 0) return false;
  }
  return true;
}

template <class Tensor>
bool all_equal(const Tensor& t, float value) {
  for (Eigen::Index i = 0; i < t.size(); ++i)
    if (t.data()[i] != value) return false;
  return true;
}

/// The matrix form of a weight of these dimensions in this layout, filled by `fill`.
template <class Fill>
row_major matrix_form(const std::vector<idx>& dims, nninit::layout order, Fill&& fill) {
  const nninit::shape s = nninit::shape(dims).with_layout(order);
  row_major m(s.rows(), s.cols());
  fill(m, s);
  return m;
}

template <int Options, int Rank, class... Dims>
void check_scheme_on(nninit::layout order, Dims... d) {
  const nninit::engine eng(2026, 5);
  Eigen::Tensor<float, Rank, Options> t(d...);
  const nninit::shape layout_only = nninit::shape{}.with_layout(order);
  const std::string what = std::string(Options == Eigen::RowMajor ? "row-major" : "column-major") +
                           (order == nninit::layout::in_out ? ", (k..., in, out)" : ", (out, in, k...)");
  INFO("rank " << Rank << ", " << what);
  const std::vector<idx> dims{static_cast<idx>(d)...};

  nninit::scheme::kaiming_normal{}(t, eng, layout_only);
  CHECK(same_as_matrix<Rank>(t, matrix_form(dims, order, [&](row_major& m, const nninit::shape& s) {
          nninit::scheme::kaiming_normal{}(m, eng, s);
        })));
  nninit::scheme::xavier_uniform{}(t, eng, layout_only, nninit::parallel{3});
  CHECK(same_as_matrix<Rank>(t, matrix_form(dims, order, [&](row_major& m, const nninit::shape& s) {
          nninit::scheme::xavier_uniform{}(m, eng, s);
        })));
  nninit::scheme::trunc_normal{{}, 0.0, 0.02}(t, eng, layout_only);
  CHECK(same_as_matrix<Rank>(t, matrix_form(dims, order, [&](row_major& m, const nninit::shape& s) {
          nninit::scheme::trunc_normal{{}, 0.0, 0.02}(m, eng, s);
        })));
  if constexpr (Rank >= 3) {  // deterministic and structured conv forms
    nninit::scheme::dirac{}(t, layout_only);
    CHECK(same_as_matrix<Rank>(t, matrix_form(dims, order, [&](row_major& m, const nninit::shape& s) {
            nninit::scheme::dirac{}(m, s);
          })));
    nninit::scheme::delta_orthogonal{}(t, eng, layout_only);
    CHECK(same_as_matrix<Rank>(t, matrix_form(dims, order, [&](row_major& m, const nninit::shape& s) {
            nninit::scheme::delta_orthogonal{}(m, eng, s);
          })));
  }
}

TEST_CASE("tensor targets: every element is the matrix form's, for ranks 1 to 5, both layouts and storage orders") {
  for (const auto order : {nninit::layout::out_in, nninit::layout::in_out}) {
    check_scheme_on<Eigen::RowMajor, 2>(order, 6, 5);
    check_scheme_on<Eigen::ColMajor, 2>(order, 6, 5);
  }
  check_scheme_on<Eigen::RowMajor, 3>(nninit::layout::out_in, 8, 4, 3);  // (out, in, k)
  check_scheme_on<Eigen::ColMajor, 3>(nninit::layout::out_in, 8, 4, 3);
  check_scheme_on<Eigen::RowMajor, 3>(nninit::layout::in_out, 3, 4, 8);  // (k, in, out)
  check_scheme_on<Eigen::ColMajor, 3>(nninit::layout::in_out, 3, 4, 8);
  check_scheme_on<Eigen::RowMajor, 4>(nninit::layout::out_in, 16, 8, 3, 3);  // (out, in, kH, kW)
  check_scheme_on<Eigen::ColMajor, 4>(nninit::layout::out_in, 16, 8, 3, 3);
  check_scheme_on<Eigen::RowMajor, 4>(nninit::layout::in_out, 3, 3, 8, 16);  // (kH, kW, in, out)
  check_scheme_on<Eigen::ColMajor, 4>(nninit::layout::in_out, 3, 3, 8, 16);
  check_scheme_on<Eigen::RowMajor, 5>(nninit::layout::out_in, 8, 4, 3, 3, 3);
  check_scheme_on<Eigen::ColMajor, 5>(nninit::layout::in_out, 3, 3, 3, 4, 8);
  // A 1-D tensor is a bias or a vector: it reads as an (n, 1) view.
  const nninit::engine eng(3);
  Eigen::Tensor<float, 1> bias(10);
  nninit::uniform(bias, eng, -0.5, 0.5);
  row_major column(10, 1);
  nninit::uniform(column, eng, -0.5, 0.5);
  CHECK(same_as_matrix<1>(bias, column));
}

TEST_CASE("tensor targets: fans come from the tensor's dimensions in the shape's layout") {
  // kaiming_normal's std is sqrt(2 / fan_in): 8 * 9 = 72 in either layout, for the same weight.
  const nninit::engine eng(11);
  Eigen::Tensor<float, 4, Eigen::RowMajor> oihw(256, 8, 3, 3);
  Eigen::Tensor<float, 4> hwio(3, 3, 8, 256);
  nninit::kaiming_normal(oihw, eng);
  nninit::scheme::kaiming_normal{}(hwio, eng, nninit::shape{}.with_layout(nninit::layout::in_out));
  for (const float* data : {oihw.data(), hwio.data()}) {
    const Eigen::Map<const Eigen::VectorXf> v(data, oihw.size());
    const double sd = std::sqrt(v.cast<double>().squaredNorm() / static_cast<double>(v.size()));
    // 2^16 + values: the sample sd is within 1 % of sqrt(2 / 72) with overwhelming probability.
    CHECK(sd == doctest::Approx(std::sqrt(2.0 / 72.0)).epsilon(0.01));
  }
}

TEST_CASE("tensor targets: a TensorMap over a foreign buffer, and a shard of a larger weight") {
  const nninit::engine eng(21, 2);
  std::vector<float> buffer(32 * 4 * 3 * 3);
  Eigen::TensorMap<Eigen::Tensor<float, 4, Eigen::RowMajor>> mapped(buffer.data(), 32, 4, 3, 3);
  nninit::kaiming_uniform(mapped, eng);
  row_major whole(32, 36);
  nninit::kaiming_uniform(whole, eng, 0.0, nninit::fan_mode::fan_in, nninit::nonlinearity::leaky_relu,
                          nninit::shape{32, 4, 3, 3});
  CHECK(std::memcmp(buffer.data(), whole.data(), buffer.size() * sizeof(float)) == 0);

  // Output channels [8, 16) of the same weight, as a tensor of its own: the whole weight's fans
  // and values, column-major storage included.
  Eigen::Tensor<float, 4> shard(8, 4, 3, 3);
  nninit::scheme::kaiming_uniform{}(shard, eng, nninit::shape{32, 4, 3, 3}.at(8, 0));
  const row_major rows = whole.middleRows(8, 8);
  CHECK(same_as_matrix<4>(shard, rows));
}

TEST_CASE("tensor targets: a torch_generator fills a conv weight in PyTorch's (out, in, kh, kw) C order") {
  nninit::torch_generator g1(4), g2(4), g3(4);
  Eigen::Tensor<float, 4, Eigen::RowMajor> row_stored(6, 3, 3, 3);
  Eigen::Tensor<float, 4> col_stored(6, 3, 3, 3);
  row_major whole(6, 27);
  nninit::scheme::kaiming_normal{}(row_stored, g1);
  nninit::scheme::kaiming_normal{}(col_stored, g2);
  nninit::scheme::kaiming_normal{}(whole, g3, nninit::shape{6, 3, 3, 3});
  CHECK(std::memcmp(row_stored.data(), whole.data(), sizeof(float) * 162) == 0);
  CHECK(same_as_matrix<4>(col_stored, whole));
}

TEST_CASE("tensor targets: a bad argument is an init_error naming the scheme and shape, and nothing is written") {
  const nninit::engine eng(1);
  Eigen::Tensor<float, 4, Eigen::RowMajor> row(6, 4, 3, 3);
  Eigen::Tensor<float, 4> column(6, 4, 3, 3);
  row.setConstant(-7.0f);
  column.setConstant(-7.0f);
  const nninit::scheme::kaiming_normal grouped_by_4{};
  const nninit::shape bad_groups = nninit::shape{}.with_groups(4);  // 6 output channels
  CHECK_THROWS_WITH_AS(grouped_by_4(row, eng, bad_groups), doctest::Contains("nninit::kaiming_normal: groups"),
                       nninit::init_error);
  CHECK_THROWS_WITH_AS(grouped_by_4(column, eng, bad_groups), doctest::Contains("6x4x3x3"), nninit::init_error);
  const nninit::scheme::dirac too_many_groups{{}, 5};
  CHECK_THROWS_AS(too_many_groups(column), nninit::init_error);
  CHECK(all_equal(row, -7.0f));
  CHECK(all_equal(column, -7.0f));
  // A shard that does not fit in the weight it names.
  CHECK_THROWS_WITH_AS(nninit::scheme::normal{}(column, eng, nninit::shape{8, 4, 3, 3}.at(4, 0)),
                       doctest::Contains("block"), nninit::init_error);
  CHECK(all_equal(column, -7.0f));
}

TEST_CASE("tensor targets: Eigen::bfloat16 tensors hold the float fill's values, rounded once") {
  const nninit::engine eng(9);
  Eigen::Tensor<Eigen::bfloat16, 3> t(16, 8, 5);
  Eigen::Tensor<float, 3> f(16, 8, 5);
  nninit::kaiming_normal(t, eng);
  nninit::kaiming_normal(f, eng);
  const Eigen::Tensor<Eigen::bfloat16, 3> rounded = f.cast<Eigen::bfloat16>();
  CHECK(std::memcmp(t.data(), rounded.data(), static_cast<std::size_t>(t.size()) * sizeof(Eigen::bfloat16)) == 0);
}

}  // namespace tensor_test
