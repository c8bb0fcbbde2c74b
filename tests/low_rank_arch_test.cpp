// low_rank (Liu et al., ICLR 2024) and arch_aware (Chen et al., ICLR 2024) with its DAG utilities.
// Known answers are from ../shared/algorithms/variance.md sections 7 and 8.
#include <doctest/doctest.h>
#include <nninit/arch_aware.hpp>
#include <nninit/kaiming.hpp>
#include <nninit/low_rank.hpp>
#include <nninit/normal.hpp>

#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace lowrank_test {

using idx = nninit::index;
using matrix = Eigen::MatrixXd;
using nninit::shape;

const nninit::engine eng(20240507, 3);
const double not_a_number = std::numeric_limits<double>::quiet_NaN();

template <class T = double>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> draw_low_rank(idx rows, idx cols, idx rank, double gain = 1.0,
                                                                const shape& s = {}) {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> w(rows, cols);
  nninit::low_rank(w, eng, rank, gain, s);
  return w;
}

/// The full-rank draw W_full = gain N(0, 1)/sqrt(fan_in): nninit's normal fill from the same engine.
template <class T = double>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> full_draw(idx rows, idx cols, double std) {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> w(rows, cols);
  nninit::normal(w, eng, 0.0, std);
  return w;
}

Eigen::JacobiSVD<matrix> svd_of(const matrix& m) { return Eigen::JacobiSVD<matrix>(m, Eigen::ComputeThinU | Eigen::ComputeThinV); }

/// A target filled with NaN, the sentinel that must survive a refused call.
matrix sentinel(idx rows, idx cols) { return matrix::Constant(rows, cols, not_a_number); }

using edges = std::vector<nninit::dag_edge>;
using lengths = std::vector<idx>;

TEST_CASE("low_rank: rank r, the full draw's Frobenius norm, top-r singular vectors and rescaled singular values") {
  const idx rows = 60, cols = 40;
  const double gain = 1.25;
  const matrix full = full_draw(rows, cols, gain / std::sqrt(double(cols)));
  const auto f = svd_of(full);
  const Eigen::VectorXd s = f.singularValues();
  for (idx r : {1, 7, 39}) {
    CAPTURE(r);
    const matrix w = draw_low_rank(rows, cols, r, gain);
    const auto d = svd_of(w);
    const Eigen::VectorXd sw = d.singularValues();
    // Numerical rank exactly r.
    CHECK(sw(r - 1) > 1e-3 * sw(0));
    for (idx i = r; i < sw.size(); ++i) CHECK(sw(i) <= 1e-10 * sw(0));
    // ||W||_F = ||W_full||_F, and the kept singular values are S_r ||S|| / ||S_r||.
    CHECK(std::fabs(w.norm() - full.norm()) <= 1e-12 * full.norm());
    const double factor = s.norm() / s.head(r).norm();
    for (idx i = 0; i < r; ++i) CHECK(std::fabs(sw(i) - s(i) * factor) <= 1e-12 * s(0) * factor);
    // The top-r singular vectors are W_full's, up to sign.
    for (idx i = 0; i < r; ++i) {
      CHECK(std::fabs(std::fabs(d.matrixU().col(i).dot(f.matrixU().col(i))) - 1) <= 1e-10);
      CHECK(std::fabs(std::fabs(d.matrixV().col(i).dot(f.matrixV().col(i))) - 1) <= 1e-10);
    }
    if (r == 1) CHECK(std::fabs(sw(0) - full.norm()) <= 1e-12 * full.norm());
  }
}

TEST_CASE_TEMPLATE("low_rank: rank = min(rows, cols) is bit for bit normal with std gain/sqrt(fan_in)", T, float, double) {
  for (const auto& size : {std::pair<idx, idx>{30, 50}, {50, 30}, {1, 9}}) {
    const idx rows = size.first, cols = size.second;
    CAPTURE(rows);
    const double std = 1.25 / std::sqrt(double(cols));
    CHECK(draw_low_rank<T>(rows, cols, std::min(rows, cols), 1.25) == full_draw<T>(rows, cols, std));
  }
  // A block of the full-rank fill takes the sampler's path and still gets the whole fill's block.
  const auto whole = draw_low_rank<T>(30, 50, 30, 2.0);
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> part(7, 11);
  nninit::low_rank(part, eng, 30, 2.0, shape{30, 50}.at(4, 20));
  CHECK(part == whole.block(4, 20, 7, 11));
}

TEST_CASE("low_rank: a float target gets the double result rounded to float") {
  CHECK(draw_low_rank<float>(24, 18, 5, 1.25) == draw_low_rank<double>(24, 18, 5, 1.25).cast<float>());
}

TEST_CASE_TEMPLATE("low_rank: row-major and column-major storage and a block get the whole fill's values", T, float, double) {
  using col_major = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  using row_major = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  col_major a(24, 18);
  row_major b(24, 18);
  nninit::low_rank(a, eng, 4);
  nninit::low_rank(b, eng, 4);
  CHECK(a == b);
  col_major part(7, 9);
  nninit::low_rank(part, eng, 4, 1.0, shape{24, 18}.at(5, 3));
  CHECK(part == a.block(5, 3, 7, 9));
  row_major inside = row_major::Zero(30, 30);  // a block expression of a larger matrix as the target
  nninit::low_rank(inside.block(2, 1, 24, 18), eng, 4);
  CHECK(inside.block(2, 1, 24, 18) == a);
}

TEST_CASE("low_rank: an N-D weight uses its (out, in*k) view, fan_in = in*k, and the plan describes it") {
  const shape conv{16, 8, 3, 3};  // view 16 x 72
  const double gain = 1.25, std = gain / std::sqrt(72.0);
  matrix w(16, 72);
  nninit::low_rank(w, eng, 4, gain, conv);
  CHECK(w == nninit::low_rank_truncation(full_draw(16, 72, std), 4));
  const auto d = svd_of(w).singularValues();
  CHECK(d(3) > 1e-3 * d(0));
  CHECK(d(4) <= 1e-10 * d(0));

  nninit::scheme::low_rank s;
  s.rank = 4;
  s.gain = gain;
  const nninit::plan p = s.describe(conv);
  CHECK(p.scheme == "low_rank");
  CHECK(p.dist == nninit::distribution::low_rank);
  CHECK(p.fan_in == 72);
  CHECK(p.fan_out == 144);
  CHECK(p.gain == gain);
  CHECK(p.std == std);
  CHECK(p.output_std == std);  // the Frobenius norm is kept: the entries' RMS is the full draw's
  CHECK(p.value == 4);
  s.rank = 16;
  CHECK(s.describe(conv).dist == nninit::distribution::normal);
}

TEST_CASE("low_rank: E||W||_F^2 = g^2 N = 468.75 for the official 300x300 recurrent weight, g = 1.25") {
  // ||W||_F^2 = ||W_full||_F^2 is a sum of N^2 squares of N(0, g^2/N) draws: mean g^2 N, standard
  // deviation sqrt(2 N^2) g^2/N = sqrt(2) g^2. The mean over k streams is within z sqrt(2) g^2 / sqrt(k).
  const idx n = 300, k = 8;
  const double gain = 1.25;
  double sum = 0;
  for (idx i = 0; i < k; ++i) {
    matrix w(n, n);
    nninit::low_rank(w, nninit::engine(11, static_cast<std::uint64_t>(i)), 30, gain);
    sum += w.squaredNorm();
  }
  const double bound = test::z_bound * std::sqrt(2.0) * gain * gain / std::sqrt(double(k));
  INFO("mean " << sum / k << " expected 468.75 +- " << bound);
  CHECK(std::fabs(sum / k - 468.75) <= bound);
}

TEST_CASE("low_rank_truncation: diag(3, 2, 1) to rank 2 is diag(3, 2, 0) scaled to norm sqrt(14)") {
  const matrix m = Eigen::Vector3d(3, 2, 1).asDiagonal();
  const matrix expected = Eigen::Vector3d(3, 2, 0).asDiagonal() * std::sqrt(14.0 / 13.0);
  CHECK((nninit::low_rank_truncation(m, 2) - expected).cwiseAbs().maxCoeff() <= 1e-15);
  CHECK(nninit::low_rank_truncation(m, 3) == m);
  const matrix one = nninit::low_rank_truncation(m, 1);
  CHECK(std::fabs(one(0, 0) - std::sqrt(14.0)) <= 1e-15);
  CHECK(one.norm() == doctest::Approx(std::sqrt(14.0)).epsilon(1e-15));
  CHECK(nninit::low_rank_truncation(matrix::Zero(4, 3), 1) == matrix::Zero(4, 3));  // ||W_r|| = 0: no rescaling
}

TEST_CASE("low_rank: a missing or out-of-range rank, a bad gain or a 1-D shape throws and writes nothing") {
  struct bad {
    idx rank;
    double gain;
    shape s;
    std::string message;
  };
  const std::vector<bad> cases = {
      {0, 1.0, {100, 50},
       "nninit::low_rank: rank must be set: an integer in [1, 50] (min(rows, cols) of the 100x50 view), got 0, for a 100x50 target"},
      {51, 1.0, {100, 50},
       "nninit::low_rank: rank must be in [1, 50] (min(rows, cols) of the 100x50 view), got 51, for a 100x50 target"},
      {-2, 1.0, {100, 50},
       "nninit::low_rank: rank must be in [1, 50] (min(rows, cols) of the 100x50 view), got -2, for a 100x50 target"},
      {17, 1.0, {16, 8, 3, 3},
       "nninit::low_rank: rank must be in [1, 16] (min(rows, cols) of the 16x72 view), got 17, for a 16x8x3x3 target"},
      {5, 0.0, {100, 50}, "nninit::low_rank: gain must be finite and > 0, got 0, for a 100x50 target"},
      {5, not_a_number, {100, 50}, "nninit::low_rank: gain must be finite and > 0, got nan, for a 100x50 target"},
      {5, 1e39, {100, 50}, "nninit::low_rank: gain must be finite and within float range, got 1e+39, for a 100x50 target"},
      {1, 1.0, {5}, "nninit::low_rank: shape must be at least 2-D to define fan_in and fan_out, got 1-D, for a 5 target"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.message);
    matrix target = sentinel(c.s.rows(), c.s.cols());
    CHECK_THROWS_WITH_AS(nninit::low_rank(target, eng, c.rank, c.gain, c.s), c.message.c_str(), nninit::init_error);
    CHECK(target.array().isNaN().all());
  }
  CHECK_THROWS_WITH_AS(nninit::low_rank_truncation(matrix::Identity(3, 3), 4),
                       "nninit::low_rank_truncation: rank must be in [1, 3] (min(rows, cols) of the 3x3 view), got 4, for a 3x3 target",
                       nninit::init_error);
  // A zero-element weight is a no-op once the options are checked; rank 0 is still refused.
  Eigen::MatrixXf empty(0, 5);
  nninit::low_rank(empty, eng, 3);
  CHECK_THROWS_AS(nninit::low_rank(empty, eng, 0), nninit::init_error);
}

TEST_CASE("arch_aware: known answers: width 512 with in-degree 2 and 3, conv 3x3 with 64 channels and in-degree 2") {
  nninit::scheme::arch_aware a;
  a.degree = 2;
  const nninit::plan p2 = a.describe({512, 512});
  CHECK(p2.dist == nninit::distribution::normal);
  CHECK(p2.std == 1 / std::sqrt(512.0));  // sqrt(2)/sqrt(2) is exactly 1
  CHECK(std::fabs(p2.std - 0.0441942) < 5e-8);
  CHECK(p2.value == 2);
  a.degree = 3;
  const nninit::plan p3 = a.describe({512, 512});
  CHECK(p3.std == std::sqrt(2.0) / std::sqrt(3.0) / std::sqrt(512.0));  // critic_init_'s order of operations
  CHECK(std::fabs(p3.std - 0.0360844) < 5e-8);
  CHECK(p3.output_std == p3.std);
  a.degree = 2;
  CHECK(a.describe({64, 64, 3, 3}).std == 1.0 / 24);  // fan = 64 * 9 = 576 = 24^2
  // He's fan_in 512 gives 0.0625; with degree 1 arch_aware is kaiming_normal(relu) in either mode.
  nninit::scheme::kaiming_normal he;
  he.nonlinearity = nninit::nonlinearity::relu;
  a.degree = 1;
  CHECK(a.describe({512, 512}).std == 0.0625);
  for (auto mode : {nninit::fan_mode::fan_in, nninit::fan_mode::fan_out}) {
    a.mode = he.mode = mode;
    CHECK(a.describe({300, 200}).std == he.describe({300, 200}).std);
  }
}

TEST_CASE("arch_aware: the readout's std is 2/fan, the square of the degree-1 std, not its square root") {
  nninit::scheme::arch_aware r;
  r.readout = true;
  r.mode = nninit::fan_mode::fan_out;  // the official MLP/CNN readout: fan_out = 10 classes
  const double s10 = std::sqrt(2.0) / std::sqrt(10.0);
  CHECK(r.describe({10, 512}).std == s10 * s10);
  CHECK(std::fabs(r.describe({10, 512}).std - 0.2) <= 1e-16);
  r.mode = nninit::fan_mode::fan_in;  // NAS-Bench-201's classifier: fan_in = width 512
  CHECK(std::fabs(r.describe({10, 512}).std - 2.0 / 512) <= 1e-18);
  r.degree = 2;
  matrix target = sentinel(10, 512);
  CHECK_THROWS_WITH_AS(r(target, eng),
                       "nninit::arch_aware: degree must be 1 for the readout (the official code gives it degree 1), got 2, for a 10x512 target",
                       nninit::init_error);
  CHECK(target.array().isNaN().all());
}

TEST_CASE_TEMPLATE("arch_aware: sampled values have mean 0 and variance 2/(degree fan)", T, float, double) {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> w(512, 512);
  nninit::arch_aware(w, eng, 3);
  const double sigma = std::sqrt(2.0 / (3 * 512));
  const auto m = test::moments_of(test::values(w));
  test::check_mean(m, 0, sigma);
  test::check_variance(m, sigma);
  // fan_out mode on a conv: fan = 32 * 9.
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> conv(32, 16 * 9);
  nninit::arch_aware(conv, eng, 2, nninit::fan_mode::fan_out, shape{32, 16, 3, 3});
  const auto c = test::moments_of(test::values(conv));
  test::check_variance(c, std::sqrt(2.0 / (2 * 32 * 9)));
}

TEST_CASE("arch_aware: degree 0 throws init_error naming it and writes nothing") {
  matrix target = sentinel(512, 512);
  CHECK_THROWS_WITH_AS(
      nninit::arch_aware(target, eng, 0),
      "nninit::arch_aware: degree must be >= 1 (the in-degree of the edge's source node; the input node counts as 1), got 0, for a 512x512 target",
      nninit::init_error);
  CHECK(target.array().isNaN().all());
}

TEST_CASE("arch_aware: in-degrees, edge degrees and path lengths of a chain, a diamond and skip connections") {
  const edges chain{{0, 1}, {1, 2}, {2, 3}};
  CHECK(nninit::dag_in_degrees(4, chain) == lengths{0, 1, 1, 1});
  CHECK(nninit::dag_edge_degrees(4, chain) == lengths{1, 1, 1});
  CHECK(nninit::dag_path_lengths(4, chain) == lengths{3});

  const edges diamond{{0, 1}, {0, 2}, {1, 3}, {2, 3}};
  CHECK(nninit::dag_in_degrees(4, diamond) == lengths{0, 1, 1, 2});
  CHECK(nninit::dag_edge_degrees(4, diamond) == lengths{1, 1, 1, 1});
  CHECK(nninit::dag_path_lengths(4, diamond) == lengths{2, 2});

  // Linear edges 0->1, 1->2, 2->3 and skips 0->2, 0->3, 1->3 (the code's "2_12_112"): node 3 sums
  // three inputs, node 2 two, so the edge out of node 2 has degree 2.
  const edges skips{{0, 1}, {0, 2}, {1, 2}, {0, 3}, {1, 3}, {2, 3}};
  const lengths layers{1, 0, 1, 0, 0, 1};
  CHECK(nninit::dag_in_degrees(4, skips) == lengths{0, 1, 2, 3});
  CHECK(nninit::dag_edge_degrees(4, skips) == lengths{1, 1, 1, 1, 1, 2});
  CHECK(nninit::dag_path_lengths(4, skips, layers) == lengths{3, 1, 1, 0});
  CHECK(nninit::dag_path_lengths(4, skips) == lengths{3, 2, 2, 1});  // every edge a weight layer
  // Nodes need not be numbered in topological order; a node without outputs ends no path.
  CHECK(nninit::dag_in_degrees(4, {{0, 3}, {3, 1}, {1, 2}, {0, 2}}) == lengths{0, 1, 2, 1});
  CHECK(nninit::dag_path_lengths(4, {{0, 3}, {0, 1}, {1, 2}}) == lengths{1});
  CHECK(nninit::dag_path_lengths(1, {}) == lengths{0});
  CHECK(nninit::dag_path_lengths(4, {{0, 3}, {3, 1}, {1, 2}, {0, 1}}) == lengths{1});  // a path ends at the output

  // The degree feeds the scheme: the edge out of a node summing 2 inputs, width 512.
  nninit::scheme::arch_aware a;
  a.degree = nninit::dag_edge_degrees(4, skips).back();
  CHECK(std::fabs(a.describe({512, 512}).std - 0.0441942) < 5e-8);
}

TEST_CASE("arch_aware: path lengths of a deep chain, and a DAG with too many paths to list is refused before the walk") {
  // 200000 nodes in a chain: one path, walked without recursion.
  edges chain;
  for (idx v = 1; v < 200000; ++v) chain.emplace_back(v - 1, v);
  CHECK(nninit::dag_path_lengths(200000, chain) == lengths{199999});
  // n residual blocks (a weight layer and a skip into each node) have 2^n paths: 24 blocks are
  // listed, 25 are refused, and so are 1000 (2^1000 paths, counted in double).
  auto residual = [](idx blocks) {
    edges e;
    for (idx v = 1; v <= blocks; ++v) e.emplace_back(v - 1, v), e.emplace_back(v - 1, v);
    return e;
  };
  const lengths all = nninit::dag_path_lengths(25, residual(24));
  CHECK(all.size() == std::size_t{1} << 24);
  CHECK(std::all_of(all.begin(), all.end(), [](idx l) { return l == 24; }));
  CHECK_THROWS_WITH_AS(nninit::dag_path_lengths(26, residual(25)),
                       "nninit::arch_aware: edges must be a DAG with at most 16777216 input-output paths (each is listed), got 33554432 paths",
                       nninit::init_error);
  CHECK_THROWS_AS(nninit::dag_path_lengths(1001, residual(1000)), nninit::init_error);
}

TEST_CASE("arch_aware: the learning-rate rule sqrt(sum_base L^3 / sum_target L^3), times k_base/k for CNNs") {
  CHECK(std::fabs(nninit::arch_aware_lr_scale({3}, {4, 5}) - 1 / std::sqrt(7.0)) <= 1e-15);
  CHECK(std::fabs(nninit::arch_aware_lr_scale({3}, {4, 5}, 3, 5) - 0.6 / std::sqrt(7.0)) <= 1e-15);
  CHECK(nninit::arch_aware_lr_scale({3}, {3}) == 1.0);
  // The official MLP/CNN rule: the DAG's weight edges plus 3 on every path, base [3].
  lengths target = nninit::dag_path_lengths(4, {{0, 1}, {0, 2}, {1, 2}, {0, 3}, {1, 3}, {2, 3}}, {1, 0, 1, 0, 0, 1});
  for (idx& l : target) l += 3;  // [6, 4, 4, 3]
  CHECK(std::fabs(nninit::arch_aware_lr_scale({3}, target) - std::sqrt(27.0 / (216 + 64 + 64 + 27))) <= 1e-15);
}

TEST_CASE("arch_aware: cycles, nodes without inputs, edges outside the graph and bad lists throw the exact message") {
  struct bad {
    idx nodes;
    edges e;
    lengths layers;
    std::string message;
  };
  const std::vector<bad> cases = {
      {6, {{0, 1}, {1, 2}, {2, 3}, {3, 5}, {5, 3}, {3, 4}}, {},
       "nninit::arch_aware: edges must be acyclic, got a cycle through nodes 3 -> 5 -> 3"},
      {5, {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 2}}, {},
       "nninit::arch_aware: edges must be acyclic, got a cycle through nodes 2 -> 3 -> 4 -> 2"},
      {3, {{0, 1}, {1, 2}, {2, 2}}, {}, "nninit::arch_aware: edges must be acyclic, got a cycle through nodes 2 -> 2"},
      {4, {{0, 1}, {1, 3}}, {},
       "nninit::arch_aware: node 2 must be the target of an edge (only the input node 0 has no inputs), got none"},
      {4, {{0, 1}, {1, 7}}, {}, "nninit::arch_aware: edges must be between nodes 0 and 3, got 1 -> 7"},
      {4, {{-1, 1}}, {}, "nninit::arch_aware: edges must be between nodes 0 and 3, got -1 -> 1"},
      {4, {{0, 1}, {1, 0}}, {}, "nninit::arch_aware: edges must be into nodes 1 to 3 (node 0 is the input), got 1 -> 0"},
      {0, {}, {}, "nninit::arch_aware: nodes must be >= 1, got 0"},
      {3, {{0, 1}, {1, 2}}, {1}, "nninit::arch_aware: layers must be empty or one count per edge (2), got 1 counts"},
      {3, {{0, 1}, {1, 2}}, {1, -1},
       "nninit::arch_aware: layers must be in [0, 1073741824] on every edge (1: a weight layer, 0: a skip connection), got -1"},
      // Two edges of 2^62 layers would overflow the path's sum.
      {3, {{0, 1}, {1, 2}}, {idx{1} << 62, idx{1} << 62},
       "nninit::arch_aware: layers must be in [0, 1073741824] on every edge (1: a weight layer, 0: a skip connection), got 4611686018427387904"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.message);
    CHECK_THROWS_WITH_AS(nninit::dag_path_lengths(c.nodes, c.e, c.layers), c.message.c_str(), nninit::init_error);
    if (c.layers.empty()) {  // the graph checks are shared
      CHECK_THROWS_WITH_AS(nninit::dag_in_degrees(c.nodes, c.e), c.message.c_str(), nninit::init_error);
      CHECK_THROWS_WITH_AS(nninit::dag_edge_degrees(c.nodes, c.e), c.message.c_str(), nninit::init_error);
    }
  }
  CHECK_THROWS_WITH_AS(nninit::arch_aware_lr_scale({3}, {0, 0}),
                       "nninit::arch_aware_lr_scale: target_path_lengths must be a list with a path through at least one weight layer, got [0, 0]",
                       nninit::init_error);
  CHECK_THROWS_WITH_AS(nninit::arch_aware_lr_scale({}, {4}),
                       "nninit::arch_aware_lr_scale: base_path_lengths must be a list with a path through at least one weight layer, got []",
                       nninit::init_error);
  CHECK_THROWS_WITH_AS(nninit::arch_aware_lr_scale({3, -1}, {4}),
                       "nninit::arch_aware_lr_scale: base_path_lengths must be made of lengths >= 0, got [3, -1]",
                       nninit::init_error);
  CHECK_THROWS_WITH_AS(nninit::arch_aware_lr_scale({3}, {4}, 3, 0), "nninit::arch_aware_lr_scale: kernel must be >= 1, got 0",
                       nninit::init_error);
}

}  // namespace lowrank_test
