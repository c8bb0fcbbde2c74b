// The fast paths of the sampling engine give the bits of the plain one: the AVX2 path (at every
// offset and length), fills split over threads or handed to an executor, and 16-bit targets
// (each value the float fill's, rounded once). tests/cross_build compares whole builds with and
// without the vector path; this file checks the same inside one build, case by case.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include <nninit/nninit.hpp>

#include "test_util.hpp"

namespace sampling_paths_test {

using idx = nninit::index;
using row_major = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class A, class B>
bool same_bits(const A& a, const B& b) {
  using T = typename A::Scalar;
  static_assert(std::is_same_v<T, typename B::Scalar>);
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (idx r = 0; r < a.rows(); ++r)
    for (idx c = 0; c < a.cols(); ++c) {
      const T x = a(r, c), y = b(r, c);
      if (std::memcmp(&x, &y, sizeof(T)) != 0) return false;
    }
  return true;
}

/// Values [first, first + count) block by block through the kernel's scalar operator().
template <class Kernel>
std::vector<float> scalar_reference(const nninit::engine& eng, const Kernel& kernel, idx first, idx count) {
  std::vector<float> out;
  float block[4];
  for (idx i = first; i < first + count; ++i) {
    if (out.empty() || i % 4 == 0) kernel(eng, nninit::detail::domain::values, static_cast<std::uint64_t>(i / 4), block);
    out.push_back(block[i % 4]);
  }
  return out;
}

template <class Kernel>
void check_every_offset(const Kernel& kernel) {
  const nninit::engine eng(20261124, 11);
  for (idx first : {0, 1, 2, 3, 4, 5, 15, 16, 17, 31, 63, 64, 65})
    for (idx count : {0, 1, 3, 15, 16, 17, 47, 48, 64, 65, 127, 200, 1000, 2500}) {
      std::vector<float> fast(static_cast<std::size_t>(count) + 1, -7.0f);
      nninit::detail::generate(eng, nninit::detail::domain::values, kernel, first, count, fast.data());
      const std::vector<float> slow = scalar_reference(eng, kernel, first, count);
      INFO("first " << first << ", count " << count);
      // std::equal, not memcmp: an empty vector's data() may be null. Compared as bit patterns, so
      // a NaN or a signed zero would still have to match exactly.
      CHECK(std::equal(slow.begin(), slow.end(), fast.begin(),
                       [](float x, float y) { return std::bit_cast<std::uint32_t>(x) == std::bit_cast<std::uint32_t>(y); }));
      CHECK(fast.back() == -7.0f);  // nothing written past the end
    }
}

nninit::plan plan_of(nninit::distribution dist, double a, double b) {
  nninit::plan p;
  p.dist = dist;
  p.lo = a;
  p.hi = b;
  p.mean = dist == nninit::distribution::truncated_normal ? 0.0 : a;
  p.std = dist == nninit::distribution::truncated_normal ? 1.0 : b;
  return p;
}

TEST_CASE("sampling paths: the vector path gives the scalar bits at every offset and length") {
  using nninit::distribution;
  using namespace nninit::detail;
  check_every_offset(uniform_kernel<float>(plan_of(distribution::uniform, -0.25, 3.5)));
  check_every_offset(normal_kernel<float>(plan_of(distribution::normal, 0.5, 0.02)));
  check_every_offset(truncated_normal_kernel<float>(plan_of(distribution::truncated_normal, -2.0, 2.0)));
  // Accept or redraw with about half the values redrawn (one-sided, and two-sided), and the
  // inverse CDF just below the switch (45 % of the mass).
  check_every_offset(truncated_normal_kernel<float>(plan_of(distribution::truncated_normal, 0.0, INFINITY)));
  check_every_offset(truncated_normal_kernel<float>(plan_of(distribution::truncated_normal, -0.6745, 0.6745)));
  check_every_offset(truncated_normal_kernel<float>(plan_of(distribution::truncated_normal, -0.6, 0.6)));
  check_every_offset(truncated_normal_kernel<float>(plan_of(distribution::truncated_normal, 3.0, 9.0)));    // tails
  check_every_offset(truncated_normal_kernel<float>(plan_of(distribution::truncated_normal, -40.0, -8.0)));  // far tail
  // Probabilities below 2^-1022: the vector log hands these lanes back to the scalar one.
  check_every_offset(truncated_normal_kernel<float>(plan_of(distribution::truncated_normal, -38.5, -37.0)));
}

TEST_CASE("sampling paths: the same bits for 1, 2, 3 and 7 threads, and through an executor") {
  const nninit::engine eng(7, 3);
  auto check_target = [&](auto make, const nninit::shape& s) {
    auto reference = make();
    nninit::scheme::kaiming_normal{}(reference, eng, s, nninit::parallel{1});
    for (int threads : {2, 3, 7}) {
      auto m = make();
      nninit::scheme::kaiming_normal{}(m, eng, s, nninit::parallel{threads});
      INFO(threads << " threads, " << m.rows() << "x" << m.cols());
      CHECK(same_bits(m, reference));
    }
    // An executor that runs the tasks last to first on the calling thread.
    int tasks_seen = 0;
    nninit::parallel reversed{5, [&](int tasks, const std::function<void(int)>& task) {
                                tasks_seen = tasks;
                                for (int t = tasks - 1; t >= 0; --t) task(t);
                              }};
    auto m = make();
    nninit::scheme::kaiming_normal{}(m, eng, s, reversed);
    CHECK(same_bits(m, reference));
    // Tasks of at least 2^16 elements each: never more than the target holds.
    const idx most = std::max<idx>(1, m.size() / nninit::detail::min_elements_per_task);
    CHECK(tasks_seen == (std::min<idx>(5, most) > 1 ? std::min<idx>(5, most) : 0));
  };
  check_target([] { return row_major(300, 517); }, nninit::shape{300, 517});
  check_target([] { return Eigen::MatrixXf(517, 300); }, nninit::shape{517, 300});
  check_target([] { return row_major(3, 100003); }, nninit::shape{3, 100003});  // fewer rows than tasks: columns split
  check_target([] { return Eigen::MatrixXd(400, 333); }, nninit::shape{400, 333});
  check_target([] { return row_major(200, 700); }, nninit::shape{1000, 2000}.at(130, 901));  // a block
}

TEST_CASE("sampling paths: threads reach every element-wise scheme through the registry, with the same bits") {
  const nninit::engine eng(99);
  for (const char* name : {"uniform", "normal", "trunc_normal", "kaiming_uniform", "xavier_normal", "torch_default",
                           "he_normal", "orthogonal", "sparse"}) {
    nninit::initializer init(name);
    if (init.has_option("sparsity")) init.set("sparsity", "0.5");
    row_major one(640, 300), many(640, 300);
    init.fill(one, eng, nninit::shape{640, 300});
    init.fill(many, eng, nninit::shape{640, 300}, nninit::parallel{3});
    INFO(name);
    CHECK(same_bits(one, many));
  }
}

TEST_CASE("sampling paths: a thread count below 1 is an init_error naming it, and nothing is written") {
  row_major m = row_major::Constant(4, 5, 42.0f);
  for (int threads : {0, -3}) {
    try {
      nninit::scheme::normal{}(m, nninit::engine(1), nninit::parallel{threads});
      FAIL("no error");
    } catch (const nninit::init_error& e) {
      const std::string msg = e.what();
      CHECK(msg.find("nninit::normal: threads must be >= 1, got " + std::to_string(threads)) == 0);
      CHECK(msg.find("4x5") != std::string::npos);
    }
  }
  CHECK((m.array() == 42.0f).all());
}

TEST_CASE("sampling paths: a 16-bit target holds the float fill's values, rounded once") {
  const nninit::engine eng(2026, 1);
  auto check = [&](auto scheme, const char* what) {
    Eigen::MatrixXf f(97, 131);
    Eigen::Matrix<Eigen::half, Eigen::Dynamic, Eigen::Dynamic> h(97, 131);
    Eigen::Matrix<Eigen::bfloat16, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> b(97, 131);
    scheme(f, eng, nninit::shape{});
    scheme(h, eng, nninit::shape{});
    scheme(b, eng, nninit::shape{});
    INFO(what);
    CHECK(same_bits(h, Eigen::MatrixXf(f).cast<Eigen::half>().eval()));
    CHECK(same_bits(b, Eigen::MatrixXf(f).cast<Eigen::bfloat16>().eval()));
  };
  check(nninit::scheme::normal{{}, 0.0, 0.02}, "normal");
  check(nninit::scheme::uniform{{}, -0.5, 0.5}, "uniform");
  check(nninit::scheme::kaiming_uniform{}, "kaiming_uniform");
  check(nninit::scheme::torch_default{}, "torch_default");
  check(nninit::scheme::orthogonal{}, "orthogonal (written through a float copy)");
  check(nninit::scheme::trunc_normal{{}, 0.0, 1.0, -2.0, 2.0}, "trunc_normal with bounds every type holds");
  Eigen::Matrix<Eigen::bfloat16, Eigen::Dynamic, Eigen::Dynamic> e(3, 5);
  nninit::eye(e);
  CHECK(e.cast<float>().isApprox(Eigen::MatrixXf::Identity(3, 5)));
}

TEST_CASE("sampling paths: bf16 truncated normal, std 0.02 in [-2, 2] (the torchtitan pattern), has nothing at the bounds") {
  // PyTorch before 2.12 computed this in bf16 and put about 0.4% of the samples on -2
  // (ECOSYSTEM.md §2 item 4: mean -0.008, std 0.127 instead of 0.02).
  Eigen::Matrix<Eigen::bfloat16, Eigen::Dynamic, Eigen::Dynamic> w(1000, 1000);
  nninit::scheme::trunc_normal{{}, 0.0, 0.02, -2.0, 2.0}(w, nninit::engine(42));
  const auto v = test::values(w);
  const auto m = test::moments_of(v);
  CHECK(m.min > -0.2);
  CHECK(m.max < 0.2);
  test::check_mean(m, 0.0, 0.02);
  // bf16 rounding adds at most (ulp/2)^2 / 3 relative variance, 2^-18: inside the 5-sigma bound.
  test::check_variance(m, 0.02);
}

TEST_CASE("sampling paths: a 16-bit truncated normal puts no mass outside its bounds and none piled on them") {
  // +-2 sigma at std 0.02: neither bound is a bf16 or half value. A clamp after rounding would
  // put on the largest value inside the mass of every value that rounds past 0.04 (1.34 times a
  // regular rounding interval in bf16); here each value gets its rounding interval's mass.
  auto check = [](auto sample_type, const char* what) {
    using T = decltype(sample_type);
    const double sd = 0.02, lo = -0.04, hi = 0.04;
    Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> w(2000, 2000);
    nninit::scheme::trunc_normal{{}, 0.0, sd, lo, hi}(w, nninit::engine(8));
    const Eigen::ArrayXXf x = w.template cast<float>().array();
    const double top = nninit::detail::representable_within<T>(hi, false);
    const double below_top = static_cast<double>(static_cast<float>(nninit::detail::next_toward(static_cast<T>(static_cast<float>(top)), false)));
    const double cut = std::min(hi, nninit::detail::rounding_boundary<T>(top, true));
    const double bottom_cut = std::max(lo, nninit::detail::rounding_boundary<T>(-top, false));
    auto Phi = [&](double t) { return nninit::detail::math::normal_cdf(t / sd); };
    const double p_top = (Phi(cut) - Phi(0.5 * (below_top + top))) / (Phi(cut) - Phi(bottom_cut));
    const double n = static_cast<double>(x.size());
    const double at_top = static_cast<double>((x == static_cast<float>(top)).count());
    INFO(what << ": " << at_top << " values at " << top << ", expected " << n * p_top);
    CHECK(x.minCoeff() >= static_cast<float>(lo));
    CHECK(x.maxCoeff() <= static_cast<float>(hi));
    CHECK(std::fabs(at_top - n * p_top) <= test::z_bound * std::sqrt(n * p_top));
  };
  check(Eigen::bfloat16(), "bfloat16");
  check(Eigen::half(), "half");
}

TEST_CASE("sampling paths: a truncation interval with no 16-bit value in it is an init_error, and nothing is written") {
  Eigen::Matrix<Eigen::bfloat16, Eigen::Dynamic, Eigen::Dynamic> w =
      Eigen::Matrix<Eigen::bfloat16, Eigen::Dynamic, Eigen::Dynamic>::Constant(4, 4, Eigen::bfloat16(42.0f));
  // bf16 values next to 1 are 1 and 1.0078125: (1.001, 1.002) holds none.
  const nninit::scheme::trunc_normal between{{}, 1.0, 1.0, 1.001, 1.002};
  CHECK_THROWS_WITH_AS(between(w, nninit::engine(1)),
                       doctest::Contains("nninit::trunc_normal: [a, b] must be an interval holding at least one value "
                                         "of the 16-bit target type, got [1.001, 1.002], for a 4x4 target"),
                       nninit::init_error);
  CHECK((w.cast<float>().array() == 42.0f).all());
}

}  // namespace sampling_paths_test
