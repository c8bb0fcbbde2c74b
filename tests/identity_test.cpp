// Identity-style schemes: ZerO (zero_hadamard), IDInit (idinit), Fixup (fixup), ConstNet (constnet),
// the Hadamard utilities, and the network rule that assigns a scheme per layer role. Known
// answers are from ../shared/algorithms/identity.md (sections 1.7, 2.3, 2.4, 2.6, 3.5) and
// variance.md section 9.
#include <doctest/doctest.h>
#include <nninit/nninit.hpp>

#include <Eigen/SVD>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace {

using matrix = Eigen::MatrixXd;
using idx = nninit::index;
using nninit::layer_role;

matrix rows_of(idx r, idx c, std::initializer_list<double> v) {
  matrix m(r, c);
  auto it = v.begin();
  for (idx i = 0; i < r; ++i)
    for (idx j = 0; j < c; ++j) m(i, j) = *it++;
  return m;
}

matrix zero_hadamard(idx out, idx in, nninit::hadamard_scale scale = nninit::hadamard_scale::orthonormal) {
  matrix w(out, in);
  nninit::scheme::zero_hadamard z;
  z.scale = scale;
  z(w);
  return w;
}

matrix idinit(idx out, idx in, nninit::idinit_form form = nninit::idinit_form::identity, double value = 1.0) {
  matrix w(out, in);
  nninit::scheme::idinit s;
  s.form = form;
  (form == nninit::idinit_form::zero ? s.eps : s.tau) = value;
  s(w);
  return w;
}

/// Nonzero entries of a (o, i, y, x) kernel filled through its (out, in*kh*kw) view.
std::vector<std::array<idx, 4>> nonzeros(const matrix& view, idx kh, idx kw) {
  std::vector<std::array<idx, 4>> out;
  for (idx o = 0; o < view.rows(); ++o)
    for (idx c = 0; c < view.cols(); ++c)
      if (view(o, c) != 0) out.push_back({o, c / (kh * kw), c % (kh * kw) / kw, c % kw});
  return out;
}

idx rank_of(const matrix& m, double tol = 1e-9) {
  const Eigen::JacobiSVD<matrix> svd(m);
  idx r = 0;
  for (idx i = 0; i < svd.singularValues().size(); ++i) r += svd.singularValues()(i) > tol * svd.singularValues()(0);
  return r;
}

}  // namespace

TEST_CASE("hadamard: the popcount entries are Sylvester's recursion, and fwht multiplies by that matrix") {
  matrix h = matrix::Ones(1, 1);
  for (int m = 1; m <= 6; ++m) {
    const idx n = h.rows();
    matrix next(2 * n, 2 * n);
    next << h, h, h, -h;
    h = next;
    for (idx i = 0; i < 2 * n; ++i)
      for (idx j = 0; j < 2 * n; ++j) REQUIRE(nninit::hadamard_entry(i, j) == h(i, j));
  }
  CHECK(nninit::hadamard_order(1) == 0);
  CHECK(nninit::hadamard_order(5) == 3);
  CHECK(nninit::hadamard_order(64) == 6);
  CHECK(nninit::hadamard_order(65) == 7);
  CHECK(nninit::hadamard_order(idx{1} << 62) == 62);

  matrix x(64, 3);
  nninit::normal(x, nninit::engine(3), 0.0, 1.0);
  matrix y = x;
  nninit::fwht(y, nninit::hadamard_scale::none);
  CHECK((y - h * x).cwiseAbs().maxCoeff() < 1e-12);
  nninit::fwht(y.col(1));  // orthonormal, on a column block: its own inverse up to the factor
  nninit::fwht(y.col(1));
  CHECK((y.col(1) - h * x.col(1)).cwiseAbs().maxCoeff() < 1e-12);
  Eigen::VectorXf bad(12);
  CHECK_THROWS_WITH_AS(nninit::fwht(bad), "nninit::fwht: rows must be a power of two, got 12, for a 12x1 target",
                       nninit::init_error);
}

TEST_CASE("hadamard: the constants are exact powers of two times the correctly rounded 1/sqrt(2)") {
  using nninit::hadamard_scale;
  CHECK(test::bits(static_cast<float>(nninit::hadamard_constant(1, hadamard_scale::orthonormal))) == 0x3F3504F3u);
  CHECK(test::bits(static_cast<float>(nninit::hadamard_constant(3, hadamard_scale::orthonormal))) == 0x3EB504F3u);
  CHECK(nninit::hadamard_constant(2, hadamard_scale::orthonormal) == 0.5);
  CHECK(nninit::hadamard_constant(3, hadamard_scale::paper) == 0.5);
  CHECK(nninit::hadamard_constant(1, hadamard_scale::paper) == 1.0);
  for (int m = 1; m <= 11; m += 2)  // PyTorch's float32 H / 2**(m/2)
    CHECK(static_cast<float>(nninit::hadamard_constant(m, hadamard_scale::orthonormal)) ==
          static_cast<float>(1.0 / std::pow(2.0, m / 2.0)));
}

TEST_CASE("zero_hadamard: Algorithm 1's known answers, with the code's and the paper's constant") {
  using nninit::hadamard_scale;
  const double r2 = 0.70710678118654752440;
  CHECK(zero_hadamard(4, 4) == matrix::Identity(4, 4));
  CHECK(zero_hadamard(2, 4) == rows_of(2, 4, {1, 0, 0, 0, 0, 1, 0, 0}));
  CHECK(zero_hadamard(3, 5) == rows_of(3, 5, {1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0}));
  CHECK(zero_hadamard(1, 3) == rows_of(1, 3, {1, 0, 0}));
  CHECK(zero_hadamard(1, 1) == rows_of(1, 1, {1}));
  for (auto scale : {hadamard_scale::orthonormal, hadamard_scale::paper}) {
    const bool code = scale == hadamard_scale::orthonormal;
    CAPTURE(code);
    CHECK(zero_hadamard(4, 4, scale) == matrix::Identity(4, 4));  // P <= Q is never scaled
    CHECK(zero_hadamard(4, 2, scale) == (code ? 0.5 : r2) * rows_of(4, 2, {1, 1, 1, -1, 1, 1, 1, -1}));
    CHECK(zero_hadamard(3, 2, scale) == (code ? 0.5 : r2) * rows_of(3, 2, {1, 1, 1, -1, 1, 1}));
    CHECK(zero_hadamard(2, 1, scale) == (code ? r2 : 1.0) * rows_of(2, 1, {1, 1}));
    const matrix h53 = rows_of(5, 3, {1, 1, 1, 1, -1, 1, 1, 1, -1, 1, -1, -1, 1, 1, 1});
    CHECK(zero_hadamard(5, 3, scale) == (code ? 0.5 * r2 : 0.5) * h53);
    matrix h83(8, 3);
    h83 << h53, rows_of(3, 3, {1, -1, 1, 1, 1, -1, 1, -1, -1});
    CHECK(zero_hadamard(8, 3, scale) == (code ? 0.5 * r2 : 0.5) * h83);
  }
  Eigen::MatrixXf f(2, 1);
  nninit::zero_hadamard(f);
  CHECK(test::bits(f(0, 0)) == 0x3F3504F3u);
}

TEST_CASE("zero_hadamard: isometry for out = 2^m, the stated Gram matrices otherwise, full column rank") {
  auto gram_error = [](idx p, idx q, const matrix& expected) {
    const matrix w = zero_hadamard(p, q);
    return (w.transpose() * w - expected).cwiseAbs().maxCoeff();
  };
  // Exact for even m; for odd m, c = 2^(-m/2) is rounded, so c^2 * 2^m is 1 within a few ulp.
  CHECK(gram_error(4, 2, matrix::Identity(2, 2)) == 0);
  CHECK(gram_error(64, 16, matrix::Identity(16, 16)) == 0);
  CHECK(gram_error(8, 3, matrix::Identity(3, 3)) <= 4e-16);
  CHECK(gram_error(5, 3, rows_of(3, 3, {.625, .125, .125, .125, .625, .125, .125, .125, .625})) <= 4e-16);
  CHECK(gram_error(3, 2, rows_of(2, 2, {.75, .25, .25, .75})) == 0);
  for (idx p = 2; p <= 40; ++p)
    for (idx q = 1; q < p; ++q) REQUIRE(rank_of(zero_hadamard(p, q)) == q);
}

TEST_CASE("zero_hadamard: the conv form is Algorithm 1 at the centre tap and zero elsewhere") {
  matrix k(4, 18);
  nninit::zero_hadamard(k, nninit::shape{4, 2, 3, 3});
  CHECK((k.array() != 0).count() == 8);
  for (idx t = 0; t < 9; ++t) {
    const matrix tap = k(Eigen::all, Eigen::seqN(t, 2, 9));
    CHECK(tap == (t == 4 ? zero_hadamard(4, 2) : matrix::Zero(4, 2)));
  }
  matrix wide(2, 36);
  nninit::zero_hadamard(wide, nninit::shape{2, 4, 3, 3});
  CHECK(wide(Eigen::all, Eigen::seqN(4, 4, 9)) == zero_hadamard(2, 4));
  CHECK((wide.array() != 0).count() == 2);
  matrix one(3, 3);
  nninit::zero_hadamard(one, nninit::shape{3, 3, 1, 1});
  CHECK(one == matrix::Identity(3, 3));

  // Even kernels: refused by default (the paper defines odd ones), or centred as asked.
  matrix even(4, 8);
  even.setConstant(7);
  CHECK_THROWS_WITH_AS(nninit::zero_hadamard(even, nninit::shape{4, 2, 2, 2}),
                       "nninit::zero_hadamard: kernel must be odd on every axis (set even_kernel=upper or lower to "
                       "pick a centre), got 4x2x2x2, for a 4x2x2x2 target",
                       nninit::init_error);
  CHECK((even.array() == 7).all());
  nninit::scheme::zero_hadamard upper, lower;
  upper.even_kernel = nninit::kernel_centre::upper;
  lower.even_kernel = nninit::kernel_centre::lower;
  upper(even, nninit::shape{4, 2, 2, 2});
  CHECK(even(Eigen::all, Eigen::seqN(3, 2, 4)) == zero_hadamard(4, 2));  // tap (1, 1) = 3
  lower(even, nninit::shape{4, 2, 2, 2});
  CHECK(even(Eigen::all, Eigen::seqN(0, 2, 4)) == zero_hadamard(4, 2));  // tap (0, 0)

  // Groups: Algorithm 1 per group, as dirac_ stacks its identities.
  matrix grouped(6, 2);
  nninit::zero_hadamard(grouped, nninit::shape{6, 2, 1}.with_groups(2));
  matrix two(6, 2);
  two << zero_hadamard(3, 2), zero_hadamard(3, 2);
  CHECK(grouped == two);
}

TEST_CASE("zero_hadamard and idinit: a transposed call is a different matrix, equal to the in_out layout") {
  for (const auto& dims : {std::pair<idx, idx>{5, 3}, {3, 5}, {8, 2}}) {
    const idx out = dims.first, in = dims.second;  // not a structured binding: CAPTURE's lambda takes it (clang 14)
    CAPTURE(out);
    matrix keras(in, out);  // Keras/JAX (in, out) storage of an (out, in) layer
    nninit::zero_hadamard(keras.transpose());
    CHECK(keras == zero_hadamard(out, in).transpose());
    CHECK(keras != zero_hadamard(in, out));  // not transpose-symmetric: the layout matters
    matrix by_layout(in, out);
    nninit::zero_hadamard(by_layout, nninit::shape{in, out}.with_layout(nninit::layout::in_out));
    CHECK(by_layout == keras);

    nninit::idinit(keras.transpose());
    CHECK(keras == idinit(out, in).transpose());
    CHECK(keras != idinit(in, out));
    nninit::idinit(by_layout, 1.0, nninit::shape{in, out}.with_layout(nninit::layout::in_out));
    CHECK(by_layout == keras);
  }
  // A Keras (kh, kw, in, out) conv gets the same kernel as PyTorch's (out, in, kh, kw).
  matrix torch(4, 18), keras(18, 4);
  nninit::zero_hadamard(torch, nninit::shape{4, 2, 3, 3});
  nninit::zero_hadamard(keras, nninit::shape{3, 3, 2, 4}.with_layout(nninit::layout::in_out));
  for (idx o = 0; o < 4; ++o)
    for (idx i = 0; i < 2; ++i)
      for (idx t = 0; t < 9; ++t) REQUIRE(keras(t * 2 + i, o) == torch(o, i * 9 + t));
}

TEST_CASE("idinit: IDI_tau's known answers, exactly out nonzeros and W^T W = diag(copies)") {
  CHECK(idinit(3, 5) == rows_of(3, 5, {1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0}));
  CHECK(idinit(5, 3) == rows_of(5, 3, {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0}));
  CHECK(idinit(4, 4) == matrix::Identity(4, 4));
  CHECK(idinit(2, 4) == rows_of(2, 4, {1, 0, 0, 0, 0, 1, 0, 0}));
  CHECK(idinit(4, 2) == rows_of(4, 2, {1, 0, 0, 1, 1, 0, 0, 1}));
  matrix i73(7, 3);
  i73 << matrix::Identity(3, 3), matrix::Identity(3, 3), rows_of(1, 3, {1, 0, 0});
  CHECK(idinit(7, 3) == i73);
  CHECK(idinit(1, 4) == rows_of(1, 4, {1, 0, 0, 0}));
  CHECK(idinit(4, 1) == matrix::Ones(4, 1));
  CHECK(idinit(5, 3, nninit::idinit_form::identity, 0.5) == 0.5 * idinit(5, 3));
  for (auto [p, q] : {std::pair<idx, idx>{5, 3}, {7, 3}, {3, 5}, {6, 6}}) {
    const matrix w = idinit(p, q);
    CHECK((w.array() != 0).count() == p);
    matrix copies = matrix::Zero(q, q);
    for (idx j = 0; j < q; ++j) copies(j, j) = static_cast<double>(p / q + (j < p % q ? 1 : 0)) * (p >= q || j < p);
    CHECK(w.transpose() * w == copies);
    if (p <= q) CHECK(w == zero_hadamard(p, q));  // ZerO and IDI agree where neither pads
  }
}

TEST_CASE("idinit: IDIC, the patch-maintaining conv form, in PyTorch's and the channel-fastest flatten order") {
  using pos = std::array<idx, 4>;
  matrix k(4, 18);
  nninit::idinit(k, 1.0, nninit::shape{4, 2, 3, 3});
  CHECK(nonzeros(k, 3, 3) == std::vector<pos>{{0, 0, 0, 0}, {1, 0, 0, 1}, {2, 0, 0, 2}, {3, 0, 1, 0}});
  matrix k4(4, 36);
  nninit::idinit(k4, 1.0, nninit::shape{4, 4, 3, 3});
  CHECK(nonzeros(k4, 3, 3) == std::vector<pos>{{0, 0, 0, 0}, {1, 0, 0, 1}, {2, 0, 0, 2}, {3, 0, 1, 0}});
  matrix k20(20, 18);
  nninit::idinit(k20, 1.0, nninit::shape{20, 2, 3, 3});
  const auto nz = nonzeros(k20, 3, 3);
  REQUIRE(nz.size() == 20);
  for (idx o = 0; o < 18; ++o) CHECK(nz[static_cast<std::size_t>(o)] == pos{o, o / 9, o % 9 / 3, o % 3});
  CHECK(nz[18] == pos{18, 0, 0, 0});
  CHECK(nz[19] == pos{19, 0, 0, 1});

  nninit::scheme::idinit tap_major;
  tap_major.order = nninit::patch_order::tap_major;
  tap_major(k, nninit::shape{4, 2, 3, 3});
  CHECK(nonzeros(k, 3, 3) == std::vector<pos>{{0, 0, 0, 0}, {1, 1, 0, 0}, {2, 0, 0, 1}, {3, 1, 0, 1}});
}

TEST_CASE("idinit: IDIZ_eps, rows summing to zero with +-eps, eps = 0 is the exact zero") {
  using nninit::idinit_form;
  CHECK(idinit(3, 5, idinit_form::zero, 1) == rows_of(3, 5, {1, 0, 0, -1, 0, 0, 1, 0, 0, -1, 0, 0, 1, -1, 0}));
  CHECK(idinit(5, 3, idinit_form::zero, 1) == rows_of(5, 3, {1, -1, 0, 0, 1, -1, -1, 0, 1, 1, -1, 0, 0, 1, -1}));
  CHECK(idinit(4, 4, idinit_form::zero, 1) ==
        rows_of(4, 4, {1, -1, 0, 0, 0, 1, -1, 0, 0, 0, 1, -1, -1, 0, 0, 1}));
  CHECK(idinit(4, 1, idinit_form::zero, 1) == rows_of(4, 1, {1, -1, 1, -1}));
  matrix w(16, 48);
  nninit::scheme::idinit iz;  // the default eps, 1e-6
  iz.form = idinit_form::zero;
  iz(w);
  CHECK(w.rowwise().sum().cwiseAbs().maxCoeff() == 0);
  CHECK(w.cwiseAbs().maxCoeff() == 1e-6);
  CHECK(idinit(6, 4, idinit_form::zero, 0) == matrix::Zero(6, 4));
}

TEST_CASE("idinit: loosening noise is seeded, on the nonzero entries only (or all), and needs an engine") {
  nninit::scheme::idinit loose;
  loose.loosen_std = 1e-3;
  matrix w(600, 200);
  loose(w, nninit::engine(8));
  const matrix base = idinit(600, 200);
  CHECK(((base.array() == 0) == (w.array() == 0)).all());  // zeros stay exactly zero
  std::vector<double> noise;
  for (idx r = 0; r < w.rows(); ++r)
    for (idx c = 0; c < w.cols(); ++c)
      if (base(r, c) != 0) noise.push_back(w(r, c) - base(r, c));
  const auto m = test::moments_of(noise);
  test::check_mean(m, 0, 1e-3);
  test::check_variance(m, 1e-3);
  matrix again(600, 200);
  loose(again, nninit::engine(8));
  CHECK(again == w);
  loose(again, nninit::engine(9));
  CHECK(again != w);

  loose.loosen = nninit::loosen_entries::all;
  loose(w, nninit::engine(8));
  CHECK((w.array() == 0).count() == 0);

  matrix untouched = matrix::Constant(3, 3, 7);
  CHECK_THROWS_WITH_AS(loose(untouched),
                       "nninit::idinit: loosen_std must be 0 when no engine is passed (the noise is seeded: pass an "
                       "nninit::engine), got 0.001, for a 3x3 target",
                       nninit::init_error);
  CHECK((untouched.array() == 7).all());
}

TEST_CASE("fixup: L^(-1/(2m-2)) and the He fan_out stds of the official ResNets") {
  CHECK(nninit::fixup_scale(9, 2) == doctest::Approx(1.0 / 3).epsilon(1e-15));
  CHECK(nninit::fixup_scale(27, 2) == doctest::Approx(0.1924500897).epsilon(1e-9));
  CHECK(nninit::fixup_scale(54, 2) == doctest::Approx(0.1360827635).epsilon(1e-9));
  CHECK(nninit::fixup_scale(600, 2) == doctest::Approx(0.0408248290).epsilon(1e-9));
  CHECK(nninit::fixup_scale(8, 2) == doctest::Approx(0.3535533906).epsilon(1e-9));  // ResNet-18
  CHECK(nninit::fixup_scale(16, 2) == 0.25);                                          // ResNet-34
  CHECK(nninit::fixup_scale(16, 3) == 0.5);
  CHECK(nninit::fixup_scale(33, 3) == doctest::Approx(0.4172261449).epsilon(1e-9));
  CHECK(nninit::fixup_scale(50, 3) == doctest::Approx(0.3760603093).epsilon(1e-9));
  CHECK(nninit::fixup_scale(30, 2) == doctest::Approx(0.1825741858).epsilon(1e-9));  // Transformer FFN
  CHECK(nninit::fixup_scale(30, 4) == doctest::Approx(0.5673004450).epsilon(1e-9));  // attention, L^(-1/6)
  CHECK(nninit::fixup_scale(12, 4) == doctest::Approx(0.6609010761).epsilon(1e-9));  // the cross-attention quirk
  CHECK(nninit::fixup_scale(1, 2) == 1);

  nninit::scheme::fixup f;
  f.mode = nninit::fan_mode::fan_out;
  f.layers_per_branch = 2;
  f.branches = 9;
  CHECK(f.describe({16, 16, 3, 3}).std == doctest::Approx(0.0392837101).epsilon(1e-9));
  f.branches = 27;
  CHECK(f.describe({16, 16, 3, 3}).std == doctest::Approx(0.0226804606).epsilon(1e-9));
  f.branches = 600;
  CHECK(f.describe({16, 16, 3, 3}).std == doctest::Approx(0.0048112522).epsilon(1e-9));
  f.branches = 54;
  CHECK(f.describe({16, 16, 3, 3}).std == doctest::Approx(0.0160375075).epsilon(1e-9));
  CHECK(f.describe({32, 16, 3, 3}).std == doctest::Approx(0.0113402303).epsilon(1e-9));
  CHECK(f.describe({64, 32, 3, 3}).std == doctest::Approx(0.0080187537).epsilon(1e-9));
  CHECK(f.describe({32, 16, 3, 3}).std == std::sqrt(2.0 / 288) * std::pow(54.0, -0.5));  // one std, in double
  f.mode = nninit::fan_mode::fan_in;  // the paper's He: 16 -> 32 uses fan_in 144, not fan_out 288
  CHECK(f.describe({32, 16, 3, 3}).std == std::sqrt(2.0 / 144) * std::pow(54.0, -0.5));
}

TEST_CASE("fixup: a branch layer is the library's normal with Fixup's std, to the bit, and has that std") {
  nninit::scheme::fixup f;
  f.branches = 54;
  f.layers_per_branch = 2;
  f.mode = nninit::fan_mode::fan_out;
  const nninit::shape conv{16, 16, 3, 3};
  Eigen::MatrixXf w(16, 144), same(16, 144);
  f(w, nninit::engine(11, 3), conv);
  nninit::scheme::normal{{}, 0.0, f.describe(conv).std}(same, nninit::engine(11, 3), conv);
  CHECK(w == same);
  Eigen::MatrixXd big(512, 1440);  // enough draws for a tight bound on the std
  f(big, nninit::engine(12), nninit::shape{512, 160, 3, 3});
  const auto m = test::moments_of(test::values(big));
  test::check_mean(m, 0, f.describe({512, 160, 3, 3}).std);
  test::check_variance(m, f.describe({512, 160, 3, 3}).std);
}

TEST_CASE("constnet: ConstAvg's centre is 1/in (each output the channel mean), the zero form is zero") {
  matrix stem(16, 27);
  nninit::constnet(stem, nninit::shape{16, 3, 3, 3});
  for (idx t = 0; t < 9; ++t) CHECK(stem(Eigen::all, Eigen::seqN(t, 3, 9)) == matrix::Constant(16, 3, t == 4 ? 1.0 / 3 : 0.0));
  CHECK((stem.rowwise().sum().array() == 1).all());
  for (auto [out, in] : {std::pair<idx, idx>{160, 16}, {320, 160}, {640, 320}}) {
    matrix shortcut(out, in);
    nninit::constnet(shortcut, nninit::shape{out, in, 1, 1});
    CHECK((shortcut.array() == 1.0 / static_cast<double>(in)).all());
  }
  nninit::scheme::constnet zero;
  zero.form = nninit::constnet_form::zero;
  matrix z = matrix::Ones(10, 64);
  zero(z);
  CHECK(z == matrix::Zero(10, 64));
}

TEST_CASE("constnet: the symmetry breaking is explicit, seeded noise on every entry") {
  nninit::scheme::constnet c;
  c.noise_std = 1e-4;
  matrix w(256, 256);
  c(w, nninit::engine(2));
  const auto m = test::moments_of(test::values((w.array() - 1.0 / 256).matrix()));
  test::check_mean(m, 0, 1e-4);
  test::check_variance(m, 1e-4);
  matrix identical(256, 256);
  nninit::constnet(identical);
  CHECK(rank_of(identical) == 1);  // without noise every channel is the same
  CHECK(rank_of(w) == 256);
}

TEST_CASE("network rule: each role gets its scheme, and a ResNet-110's plan is Fixup's") {
  const nninit::residual_structure resnet110{54, 2};
  auto scheme_of = [&](const char* name, layer_role role) {
    return std::string(nninit::initializer(name).for_layer(role, resnet110).name());
  };
  for (auto role : {layer_role::input, layer_role::hidden, layer_role::branch_first, layer_role::branch_last,
                    layer_role::classifier})
    CHECK(scheme_of("kaiming_normal", role) == "kaiming_normal");
  CHECK(scheme_of("fixup", layer_role::input) == "kaiming_normal");
  CHECK(scheme_of("fixup", layer_role::shortcut) == "kaiming_normal");
  CHECK(scheme_of("fixup", layer_role::branch_first) == "fixup");
  CHECK(scheme_of("fixup", layer_role::branch_middle) == "fixup");
  CHECK(scheme_of("fixup", layer_role::branch_last) == "zeros");
  CHECK(scheme_of("fixup", layer_role::classifier) == "zeros");
  CHECK(scheme_of("zero_hadamard", layer_role::branch_last) == "zeros");
  CHECK(scheme_of("zero_hadamard", layer_role::classifier) == "zero_hadamard");

  nninit::initializer fixup("fixup");
  fixup.set("mode", "fan_out");
  const std::vector<nninit::layer_spec> layers = {
      {"conv1", layer_role::input, {16, 3, 3, 3}},
      {"layer2.0.conv1", layer_role::branch_first, {32, 16, 3, 3}},
      {"layer2.0.conv2", layer_role::branch_last, {32, 32, 3, 3}},
      {"fc", layer_role::classifier, {10, 64}},
  };
  const auto plans = nninit::plan_network(fixup, layers, resnet110);
  REQUIRE(plans.size() == 4);
  CHECK(plans[0].plan.std == std::sqrt(2.0) / std::sqrt(16.0 * 9));  // He fan_out, unscaled
  CHECK(plans[1].plan.std == std::sqrt(2.0 / 288) * std::pow(54.0, -0.5));
  CHECK(plans[1].plan.value == nninit::fixup_scale(54, 2));
  CHECK(plans[2].plan.dist == nninit::distribution::constant);
  CHECK(plans[2].plan.value == 0);
  CHECK(plans[3].scheme.name() == "zeros");

  // idinit: IDIZ on the last branch layers, and the classifier is the caller's choice.
  nninit::initializer id("idinit");
  CHECK(id.for_layer(layer_role::branch_last).describe({8, 8}).dist == nninit::distribution::zero_sum_identity);
  CHECK(id.for_layer(layer_role::classifier).describe({10, 8}).dist == nninit::distribution::padded_identity);
  id.set("zero_classifier", "true");
  CHECK(id.for_layer(layer_role::classifier).name() == "zeros");
  // constnet: branches and the classifier are zero, the rest averages.
  nninit::initializer cn("constnet");
  CHECK(cn.for_layer(layer_role::branch_first).describe({8, 8}).value == 0);
  CHECK(cn.for_layer(layer_role::classifier).describe({10, 8}).value == 0);
  CHECK(cn.for_layer(layer_role::shortcut).describe({16, 8, 1, 1}).value == 0.125);
}

TEST_CASE("network rule: a layer the scheme cannot fill is named, and nothing is planned") {
  const std::vector<nninit::layer_spec> layers = {{"fc1", layer_role::branch_first, {8, 8}}};
  CHECK_THROWS_WITH_AS(nninit::plan_network(nninit::initializer("fixup"), layers, {}),
                       "nninit::fixup: branches must be >= 1 (L, the number of residual branches in the network), "
                       "got 0, for a 8x8 target (layer fc1, branch_first)",
                       nninit::init_error);
  nninit::initializer fixed("fixup");
  fixed.set("branches", "4");
  fixed.set("layers_per_branch", "3");  // options set by the user win over the network's structure
  CHECK(nninit::plan_network(fixed, layers, {100, 2})[0].plan.value == nninit::fixup_scale(4, 3));
}

TEST_CASE("zero-size weights: a no-op for every identity-style scheme, with the options still checked") {
  std::vector<double> buffer(8, 7.0);
  Eigen::Map<matrix> none(buffer.data(), 0, 8), also_none(buffer.data(), 8, 0);
  for (const char* name : {"zero_hadamard", "idinit", "constnet"}) {
    nninit::initializer init(name);
    init.fill(none, nninit::engine(1));
    init.fill(also_none, nninit::engine(1), nninit::shape{8, 0, 3, 3});
  }
  nninit::initializer fixup("fixup");
  CHECK_THROWS_AS(fixup.fill(none, nninit::engine(1)), nninit::init_error);  // L unset, even with nothing to fill
  fixup.set("branches", "3");
  fixup.set("layers_per_branch", "2");
  fixup.fill(none, nninit::engine(1));
  nninit::initializer bad("idinit");
  bad.set("tau", "nan");
  CHECK_THROWS_AS(bad.fill(none, nninit::engine(1)), nninit::init_error);
  CHECK(buffer == std::vector<double>(8, 7.0));
}
