// orthogonal and delta_orthogonal: orthogonality to working precision, the documented algorithm
// (Stewart's reflectors, blocked accumulation) against an unblocked reference, the Haar
// distribution (exact marginals and the determinant's sign), and the index contract (storage
// order, blocks, repeatability).
#include <doctest/doctest.h>
#include <nninit/nninit.hpp>

#include <Eigen/LU>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "test_util.hpp"

namespace orthogonal_test {

using idx = nninit::index;
using nninit::shape;
template <class T>
using matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <class T>
using row_major = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// max |W W^T / gain^2 - I| (wide) or |W^T W / gain^2 - I| (tall), in double.
template <class D>
double orthogonality_error(const Eigen::MatrixBase<D>& w, double gain = 1.0) {
  const Eigen::MatrixXd x = w.template cast<double>() / gain;
  const Eigen::MatrixXd p =
      x.rows() >= x.cols() ? Eigen::MatrixXd(x.transpose() * x) : Eigen::MatrixXd(x * x.transpose());
  return (p - Eigen::MatrixXd::Identity(p.rows(), p.cols())).cwiseAbs().maxCoeff();
}

/// Householder products lose orthogonality like sqrt(m) eps in practice (the worst case is
/// O(mn eps)); measured: at most 0.7 sqrt(m) eps for every shape below, float and double. The
/// factor 4 leaves room for other SIMD widths' rounding, and still fails an O(m eps) regression
/// (a norm accumulated in float, say) for the larger shapes.
template <class T>
double orthogonality_tol(idx rows, idx cols) {
  return 4 * std::sqrt(static_cast<double>(std::max(rows, cols))) * std::numeric_limits<T>::epsilon();
}

/// The documented computation, written the plain way: G (rows x cols) from the normal stream of
/// T (the same draws: nninit::normal is that stream), its tall form A; reflector k of the
/// sub-column A(k:, k) by Eigen's makeHouseholder (beta = -sign(x_0) ||x||), d_k = sign(beta) (0
/// as +1); Q = H_0 ... H_{n-1} E_n D applied one reflector at a time, in double throughout.
template <class T>
Eigen::MatrixXd reference(idx rows, idx cols, const nninit::engine& eng, double gain) {
  matrix<T> g(rows, cols);
  nninit::normal(g, eng, 0.0, 1.0);
  const bool wide = rows < cols;
  const Eigen::MatrixXd a =
      wide ? Eigen::MatrixXd(g.transpose().template cast<double>()) : Eigen::MatrixXd(g.template cast<double>());
  const idx m = a.rows(), n = a.cols();
  std::vector<Eigen::VectorXd> essential(static_cast<std::size_t>(n));
  std::vector<double> tau(static_cast<std::size_t>(n));
  Eigen::MatrixXd q = Eigen::MatrixXd::Zero(m, n);
  for (idx k = 0; k < n; ++k) {
    const auto K = static_cast<std::size_t>(k);
    essential[K].resize(m - k - 1);
    double beta;
    a.col(k).tail(m - k).makeHouseholder(essential[K], tau[K], beta);
    q(k, k) = beta < 0 ? -gain : gain;
  }
  Eigen::VectorXd work(n);
  for (idx k = n - 1; k >= 0; --k) {
    const auto K = static_cast<std::size_t>(k);
    q.bottomRows(m - k).applyHouseholderOnTheLeft(essential[K], tau[K], work.data());
  }
  return wide ? Eigen::MatrixXd(q.transpose()) : q;
}

/// CDF of one entry of an m-row Haar (semi-)orthogonal matrix: a coordinate of a uniform point on
/// the unit sphere S^{m-1}, density c (1 - x^2)^((m-3)/2) on [-1, 1]; by Simpson's rule on a
/// fine grid (the test compares at a few thousand points; the rule's error is ~1e-12).
struct sphere_coordinate_cdf {
  std::vector<double> cdf;  // at x_i = -1 + 2 i / grid
  static constexpr std::size_t grid = 1 << 14;
  explicit sphere_coordinate_cdf(idx m) : cdf(grid + 1) {
    const double a = (static_cast<double>(m) - 3) / 2, h = 2.0 / static_cast<double>(grid);
    auto f = [&](double x) { return std::pow(std::max(0.0, 1 - x * x), a); };
    cdf[0] = 0;
    for (std::size_t i = 0; i < grid; ++i) {
      const double x = -1 + static_cast<double>(i) * h;
      cdf[i + 1] = cdf[i] + h / 6 * (f(x) + 4 * f(x + h / 2) + f(x + h));
    }
    const double total = cdf.back();
    for (double& c : cdf) c /= total;
  }
  double operator()(double x) const {
    const double t = std::clamp((x + 1) / 2 * static_cast<double>(grid), 0.0, static_cast<double>(grid));
    const auto i = std::min(static_cast<std::size_t>(t), grid - 1);
    const double frac = t - static_cast<double>(i);
    return cdf[i] + frac * (cdf[i + 1] - cdf[i]);  // linear between grid points: error < 1e-7
  }
};

/// The determinant's sign is +1 or -1 with probability 1/2 each: the count of +1 over n draws is
/// binomial(n, 1/2), within 5 sigma = 5 sqrt(n/4) of n/2.
inline void check_fair(int positive, int n) {
  INFO("det > 0 in " << positive << " of " << n);
  CHECK(std::fabs(positive - n / 2.0) <= test::z_bound * std::sqrt(n / 4.0));
}

TEST_CASE_TEMPLATE("orthogonal: W W^T = gain^2 I (wide) and W^T W = gain^2 I (tall) within 4 sqrt(m) eps", T, float, double) {
  // Sizes on both sides of the block of 96 reflectors, single rows and columns, and 1 x 1.
  const idx sizes[][2] = {{1, 1},     {2, 2},     {1, 50},   {50, 1},    {47, 47},   {95, 95},
                          {96, 96},   {97, 97},   {130, 70}, {70, 130},  {200, 129}, {129, 200},
                          {300, 300}, {1000, 1},  {3, 1000}, {257, 256}, {400, 193}};
  std::uint64_t stream = 0;
  for (const auto& s : sizes) {
    for (const double gain : {1.0, 0.5, 3.0}) {
      CAPTURE(s[0]);
      CAPTURE(s[1]);
      CAPTURE(gain);
      matrix<T> w(s[0], s[1]);
      nninit::orthogonal(w, nninit::engine(11, stream++), gain);
      CHECK(orthogonality_error(w, gain) <= orthogonality_tol<T>(s[0], s[1]));
    }
  }
  // A square one is orthogonal on both sides.
  matrix<T> square(300, 300);
  nninit::orthogonal(square, nninit::engine(3));
  CHECK(orthogonality_error(square) <= orthogonality_tol<T>(300, 300));
  CHECK(orthogonality_error(square.transpose()) <= orthogonality_tol<T>(300, 300));
  // 1 x 1: exactly +-gain.
  matrix<T> one(1, 1);
  nninit::orthogonal(one, nninit::engine(5), 2.0);
  CHECK(std::fabs(one(0, 0)) == T(2));
}

TEST_CASE_TEMPLATE("orthogonal: the values are the documented reflector product, checked against an unblocked double reference", T, float, double) {
  // Every element within a few eps of T times sqrt(m) of the plain computation: the blocked
  // compact-WY accumulation (blocks of 96) and the in-place storage change only rounding.
  const double eps = std::numeric_limits<T>::epsilon();
  const idx sizes[][2] = {{1, 1},     {2, 3},     {3, 2},     {96, 96}, {97, 97},
                          {200, 100}, {100, 200}, {200, 200}, {1, 9},   {9, 1}};
  std::uint64_t stream = 0;
  for (const auto& s : sizes) {
    CAPTURE(s[0]);
    CAPTURE(s[1]);
    const nninit::engine eng(21, stream++);
    matrix<T> w(s[0], s[1]);
    nninit::orthogonal(w, eng, 1.5);
    const Eigen::MatrixXd expected = reference<T>(s[0], s[1], eng, 1.5);
    const double err = (w.template cast<double>() - expected).cwiseAbs().maxCoeff();
    CHECK(err <= 8 * 1.5 * std::sqrt(static_cast<double>(std::max(s[0], s[1]))) * eps);
  }
}

TEST_CASE_TEMPLATE("orthogonal: every block size of the accumulation gives the unblocked reference's values", T, float, double) {
  // detail::haar_orthogonal_in_place with blocks of 1 (one reflector at a time), sizes that do
  // not divide n, n itself and more: the first and last blocks, partial blocks and the trailing
  // update all take part. The Gaussian is the tall form of orthogonal's (here a 150 x 40 weight).
  const double eps = std::numeric_limits<T>::epsilon();
  for (const auto& s : {std::array<idx, 2>{150, 40}, {40, 150}, {60, 60}}) {
    CAPTURE(s[0]);
    CAPTURE(s[1]);
    const nninit::engine eng(22, static_cast<std::uint64_t>(s[0]));
    const Eigen::MatrixXd expected = reference<T>(s[0], s[1], eng, 1.0);
    matrix<T> g(s[0], s[1]);
    nninit::normal(g, eng, 0.0, 1.0);
    for (const idx block : {1, 2, 7, 16, 39, 40, 96, 1000}) {
      CAPTURE(block);
      matrix<T> a = s[0] >= s[1] ? matrix<T>(g) : matrix<T>(g.transpose());
      nninit::detail::haar_orthogonal_in_place(Eigen::Map<matrix<T>>(a.data(), a.rows(), a.cols()), T(1), block);
      const Eigen::MatrixXd got = s[0] >= s[1] ? Eigen::MatrixXd(a.template cast<double>())
                                               : Eigen::MatrixXd(a.transpose().template cast<double>());
      CHECK((got - expected).cwiseAbs().maxCoeff() <= 8 * std::sqrt(static_cast<double>(std::max(s[0], s[1]))) * eps);
    }
  }
}

TEST_CASE_TEMPLATE("orthogonal: Haar-distributed: a 2x2 draw's angle is uniform and its determinant is ±1 equally", T, float, double) {
  // With the sign fix, Q = [[cos t, -s sin t], [sin t, s cos t]] has t ~ U[0, 2 pi) and s = ±1 fair.
  // Without it, diag(R) > 0 forces cos t > 0 half the time more often: the KS test catches that.
  // And s is independent of t: fixing only some of the signs (say, not the last 1 x 1 reflector's)
  // keeps both marginals right but ties s to the sign of cos t.
  std::vector<double> angles;
  int positive_det = 0, right_half = 0, positive_det_right_half = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    Eigen::Matrix<T, 2, 2> q;
    nninit::orthogonal(q, nninit::engine(77, static_cast<std::uint64_t>(i)));
    angles.push_back(std::atan2(static_cast<double>(q(1, 0)), static_cast<double>(q(0, 0))));
    positive_det += q.determinant() > 0;
    if (q(0, 0) > 0) ++right_half, positive_det_right_half += q.determinant() > 0;
  }
  const double d = test::ks_statistic(angles, [](double t) { return (t + M_PI) / (2 * M_PI); });
  CHECK(d < test::ks_critical(angles.size()));
  check_fair(positive_det, n);
  check_fair(positive_det_right_half, right_half);
}

TEST_CASE_TEMPLATE("orthogonal: Haar-distributed: every entry of a 3x3 draw is uniform on [-1, 1] and det = ±1 equally", T, float, double) {
  // A column of a Haar 3x3 is uniform on S^2, and a coordinate of a uniform point on S^2 is
  // uniform on [-1, 1] (Archimedes). Entries checked: the first (reflector 0 only), the last
  // (all reflectors and the 1 x 1 last one's sign) and two in between.
  const int n = 10000;
  std::vector<double> e00, e11, e20, e22;
  int positive_det = 0;
  for (int i = 0; i < n; ++i) {
    Eigen::Matrix<T, 3, 3> q;
    nninit::orthogonal(q, nninit::engine(78, static_cast<std::uint64_t>(i)));
    e00.push_back(q(0, 0));
    e11.push_back(q(1, 1));
    e20.push_back(q(2, 0));
    e22.push_back(q(2, 2));
    positive_det += q.determinant() > 0;
  }
  const auto uniform = [](double x) { return (x + 1) / 2; };
  for (const auto* v : {&e00, &e11, &e20, &e22}) CHECK(test::ks_statistic(*v, uniform) < test::ks_critical(v->size()));
  check_fair(positive_det, n);
}

TEST_CASE("orthogonal: Haar-distributed: a 4x4 draw's entries have mean 0 and E[q^2] = 1/4, and det = ±1 equally") {
  // q_ij^2 ~ Beta(1/2, 3/2) for n = 4: mean 1/n, variance 2(n-1)/(n^2(n+2)) = 1/16; q_ij has
  // variance 1/n. Bounds: 5 standard errors of the mean over the draws.
  const int draws = 20000;
  const double n = 4;
  Eigen::Matrix4d sum = Eigen::Matrix4d::Zero(), sum_sq = Eigen::Matrix4d::Zero();
  int positive_det = 0;
  for (int i = 0; i < draws; ++i) {
    Eigen::Matrix4d q;
    nninit::orthogonal(q, nninit::engine(79, static_cast<std::uint64_t>(i)));
    sum += q;
    sum_sq += q.cwiseAbs2();
    positive_det += q.determinant() > 0;
  }
  const double mean_bound = test::z_bound * std::sqrt(1 / n / draws);
  const double sq_bound = test::z_bound * std::sqrt(2 * (n - 1) / (n * n * (n + 2)) / draws);
  CHECK((sum / draws).cwiseAbs().maxCoeff() <= mean_bound);
  CHECK((sum_sq / draws).array().minCoeff() >= 1 / n - sq_bound);
  CHECK((sum_sq / draws).array().maxCoeff() <= 1 / n + sq_bound);
  check_fair(positive_det, draws);
}

TEST_CASE("orthogonal: Haar-distributed: the determinant of a 97x97 draw (two blocks of reflectors) is ±1 equally") {
  // The sign of det is the product of all the d_k and reflections; a lost sign anywhere would
  // bias it. 2000 LU factorisations: a Release-build test.
  if (test::skip_when_sanitized()) return;
  const int big_draws = 2000;
  int positive_big = 0;
  for (int i = 0; i < big_draws; ++i) {
    Eigen::MatrixXd q(97, 97);
    nninit::orthogonal(q, nninit::engine(80, static_cast<std::uint64_t>(i)));
    positive_big += q.partialPivLu().determinant() > 0;
  }
  check_fair(positive_big, big_draws);
}

/// KS test of entry (r, c) of `draws` rows x cols draws against the sphere-coordinate law.
template <class T>
void check_sphere_law(idx rows, idx cols, idx r, idx c, int draws, std::uint64_t stream) {
  CAPTURE(rows);
  CAPTURE(cols);
  CAPTURE(r);
  CAPTURE(c);
  std::vector<double> x;
  for (int i = 0; i < draws; ++i) {
    matrix<T> q(rows, cols);
    nninit::orthogonal(q, nninit::engine(81, stream + static_cast<std::uint64_t>(i)));
    x.push_back(static_cast<double>(q(r, c)));
  }
  const sphere_coordinate_cdf cdf(std::max(rows, cols));
  CHECK(test::ks_statistic(x, cdf) < test::ks_critical(x.size()));
}

TEST_CASE_TEMPLATE("orthogonal: Haar-distributed: entries of 5x3 and 3x5 draws have the sphere-coordinate law", T, float, double) {
  // Every entry of an m x n (m >= n) Haar semi-orthogonal matrix is a coordinate of a uniform
  // point on S^{m-1}; for m = 5 its density is (3/4)(1 - x^2). First and last entries of the
  // tall form, in both orientations.
  check_sphere_law<T>(5, 3, 4, 2, 10000, 0);
  check_sphere_law<T>(3, 5, 2, 4, 10000, 10000);
  check_sphere_law<T>(5, 3, 0, 0, 10000, 20000);
}

TEST_CASE_TEMPLATE("orthogonal: Haar-distributed: entries of 130x70 and 70x130 draws have the sphere-coordinate law", T, float, double) {
  // The law of one entry is close to N(0, 1/130) but not equal to it: the exact CDF, by
  // quadrature. 3000 draws of a 130 x 70: a Release-build test.
  if (test::skip_when_sanitized()) return;
  check_sphere_law<T>(130, 70, 129, 69, 1000, 0);
  check_sphere_law<T>(70, 130, 69, 129, 1000, 1000);
  check_sphere_law<T>(130, 70, 0, 0, 1000, 2000);
}

TEST_CASE_TEMPLATE("orthogonal: the same engine gives the same bits, storage order, Array and Map do not change them", T, float, double) {
  for (const auto& s : {std::array<idx, 2>{70, 130}, {130, 70}, {97, 97}}) {
    CAPTURE(s[0]);
    CAPTURE(s[1]);
    const nninit::engine eng(31, 2);
    matrix<T> a(s[0], s[1]), b(s[0], s[1]);
    row_major<T> r(s[0], s[1]);
    Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic> arr(s[0], s[1]);
    std::vector<T> buffer(static_cast<std::size_t>(s[0] * s[1] * 2), T(-7));
    Eigen::Map<matrix<T>, 0, Eigen::InnerStride<2>> strided(buffer.data(), s[0], s[1]);
    nninit::orthogonal(a, eng, 1.25);
    nninit::orthogonal(b, eng, 1.25);
    nninit::orthogonal(r, eng, 1.25);
    nninit::orthogonal(arr, eng, 1.25);
    nninit::orthogonal(strided, eng, 1.25);
    CHECK(a == b);
    CHECK(a == r);
    CHECK(a == arr.matrix());
    CHECK(a == matrix<T>(strided));
    CHECK(buffer[1] == T(-7));
    matrix<T> other(s[0], s[1]);
    nninit::orthogonal(other, nninit::engine(31, 3), 1.25);
    CHECK(a != other);
  }
}

TEST_CASE_TEMPLATE("orthogonal: computed in the target's memory or through a separate array, the bits are the same", T, float, double) {
  // A whole, contiguous target aligned to orthogonal_alignment, in the tall form's order (or
  // square), is computed in place; any other target through an array and a copy. Small sizes
  // run Eigen's coefficient-wise products, whose vectorised loops peel by alignment: the
  // alignment rule must make both paths agree there too.
  using nninit::detail::geometry;
  constexpr std::size_t align = nninit::detail::orthogonal_alignment<T>;
  std::vector<idx> small = {1, 2, 3, 5, 8, 13, 17};
  std::vector<std::array<idx, 2>> sizes;
  for (idx r : small)
    for (idx c : small) sizes.push_back({r, c});
  for (const auto& s : {std::array<idx, 2>{33, 33}, {97, 97}, {100, 40}, {40, 100}, {130, 70}}) sizes.push_back(s);
  std::uint64_t stream = 0;
  for (const auto& size : sizes) {
    const idx r = size[0], c = size[1];
    CAPTURE(r);
    CAPTURE(c);
    const nninit::engine eng(33, stream++);
    matrix<T> col(r, c);
    nninit::orthogonal(col, eng, 0.75);
    row_major<T> row(r, c);
    nninit::orthogonal(row, eng, 0.75);
    CHECK(col == row);
    // Maps into one buffer: at an address aligned to `align` (in place for a tall or square
    // column-major one), and one element off it (never in place).
    std::vector<T> storage(static_cast<std::size_t>(r * c) + 2 * 64);
    const auto base = (reinterpret_cast<std::uintptr_t>(storage.data()) + 63) / 64 * 64 + align;
    T* aligned = reinterpret_cast<T*>(base);
    Eigen::Map<matrix<T>> at(aligned, r, c), off(aligned + 1, r, c);
    Eigen::Map<row_major<T>> at_rows(aligned, r, c), off_rows(aligned + 1, r, c);
    const geometry whole{r, c, r, c, 0, 0, false};
    CHECK(nninit::detail::orthogonal_in_target(at, whole, eng, 0.75) == (r >= c));  // which path
    nninit::orthogonal(at, eng, 0.75);
    CHECK(at == col);
    CHECK(nninit::detail::orthogonal_in_target(at_rows, whole, eng, 0.75) == (r <= c));
    nninit::orthogonal(at_rows, eng, 0.75);
    CHECK(at_rows == col);
    CHECK_FALSE(nninit::detail::orthogonal_in_target(off, whole, eng, 0.75));
    nninit::orthogonal(off, eng, 0.75);
    CHECK(off == col);
    CHECK_FALSE(nninit::detail::orthogonal_in_target(off_rows, whole, eng, 0.75));
    nninit::orthogonal(off_rows, eng, 0.75);
    CHECK(off_rows == col);
  }
}

TEST_CASE_TEMPLATE("orthogonal: a block filled with its offset equals the same block of the whole weight", T, float, double) {
  const nninit::engine eng(32);
  for (const auto& s : {std::array<idx, 2>{70, 130}, {130, 70}, {100, 100}}) {
    CAPTURE(s[0]);
    CAPTURE(s[1]);
    matrix<T> whole(s[0], s[1]);
    nninit::orthogonal(whole, eng, 2.0, shape{s[0], s[1]});
    const std::array<idx, 4> parts[] = {{0, 0, 10, 10}, {5, 7, 20, 33}, {s[0] - 1, 0, 1, s[1]}, {0, s[1] - 1, s[0], 1}};
    for (const auto& at : parts) {
      const idx r0 = at[0], c0 = at[1], h = at[2], w = at[3];
      CAPTURE(r0);
      CAPTURE(c0);
      matrix<T> part(h, w);
      nninit::orthogonal(part, eng, 2.0, shape{s[0], s[1]}.at(r0, c0));
      CHECK(part == whole.block(r0, c0, h, w));
      row_major<T> part_rows(h, w);  // and in the other storage order
      nninit::orthogonal(part_rows, eng, 2.0, shape{s[0], s[1]}.at(r0, c0));
      CHECK(part_rows == whole.block(r0, c0, h, w));
    }
    // Shards along rows reassemble the whole weight.
    matrix<T> assembled(s[0], s[1]);
    for (idx r0 = 0; r0 < s[0]; r0 += 32) {
      const idx h = std::min<idx>(32, s[0] - r0);
      nninit::orthogonal(assembled.middleRows(r0, h), eng, 2.0, shape{s[0], s[1]}.at(r0, 0));
    }
    CHECK(assembled == whole);
  }
}

TEST_CASE("orthogonal: conv weights are flattened to (out, in*k), or to (k*in, out) in the Keras layout") {
  Eigen::MatrixXd torch(16, 8 * 9);
  nninit::orthogonal(torch, nninit::engine(4), 1.0, shape{16, 8, 3, 3});
  CHECK(orthogonality_error(torch) <= orthogonality_tol<double>(16, 72));
  Eigen::MatrixXd keras(9 * 8, 16);
  nninit::orthogonal(keras, nninit::engine(4), 1.0, shape{3, 3, 8, 16}.with_layout(nninit::layout::in_out));
  CHECK(orthogonality_error(keras) <= orthogonality_tol<double>(72, 16));
}

TEST_CASE_TEMPLATE("delta_orthogonal: orthogonal at the centre tap (k - 1) // 2, zero elsewhere", T, float, double) {
  const shape s{8, 5, 4, 3};  // out 8 >= in 5, kernel 4x3: centre tap (1, 1) = 1*3 + 1 = 4
  matrix<T> w(8, 5 * 12);
  nninit::delta_orthogonal(w, nninit::engine(5), s, 3.0);
  matrix<T> centre(8, 5);
  for (int o = 0; o < 8; ++o)
    for (int i = 0; i < 5; ++i)
      for (int t = 0; t < 12; ++t) {
        if (t == 4) centre(o, i) = w(o, i * 12 + t);
        else REQUIRE(w(o, i * 12 + t) == T(0));
      }
  CHECK(orthogonality_error(centre, 3.0) <= orthogonality_tol<T>(8, 5));
  // The centre matrix is orthogonal's (out x in) matrix with the same engine.
  matrix<T> plain(8, 5);
  nninit::orthogonal(plain, nninit::engine(5), 3.0);
  CHECK(centre == plain);
  // A column-major and a row-major target, and a block of the weight, agree.
  row_major<T> rows(8, 5 * 12);
  nninit::delta_orthogonal(rows, nninit::engine(5), s, 3.0);
  CHECK(rows == w);
  matrix<T> part(3, 20);
  nninit::delta_orthogonal(part, nninit::engine(5), shape{8, 5, 4, 3}.at(2, 10), 3.0);
  CHECK(part == w.block(2, 10, 3, 20));
  matrix<T> narrow(5, 8 * 12);
  CHECK_THROWS_WITH_AS(nninit::delta_orthogonal(narrow, nninit::engine(5), shape{5, 8, 12}),
                       "nninit::delta_orthogonal: in channels must be <= out channels 5, got 8, for a 5x8x12 target",
                       nninit::init_error);
}

}  // namespace orthogonal_test
