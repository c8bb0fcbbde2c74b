#include <doctest/doctest.h>
#include <nninit/nninit.hpp>

#include <random>

#include "test_util.hpp"

TEST_CASE("engine: a standard URBG supplies the seed and then takes exactly the seed's path") {
  std::mt19937 g1(123), g2(123);
  const nninit::engine from_urbg = nninit::detail::to_engine(g1);
  const std::uint64_t seed = (static_cast<std::uint64_t>(g2()) | (static_cast<std::uint64_t>(g2()) << 32));
  CHECK(from_urbg == nninit::engine(seed, 0));

  std::mt19937 g3(123);
  Eigen::MatrixXf a(7, 9), b(7, 9);
  nninit::kaiming_normal(a, g3);
  nninit::kaiming_normal(b, nninit::engine(seed));
  CHECK(a == b);
  // The URBG advanced, so the next fill differs.
  nninit::kaiming_normal(a, g3);
  CHECK(a != b);
}

TEST_CASE("engine: draw_u64 uses every bit of 32-, 64-bit and non-power-of-two URBGs") {
  std::mt19937_64 g64(5);
  std::mt19937_64 ref64(5);
  CHECK(nninit::detail::draw_u64(g64) == ref64());
  std::minstd_rand lcg(9);  // range [1, 2^31 - 2]: 30 whole bits per accepted draw
  std::uint64_t all = 0;
  for (int i = 0; i < 64; ++i) all |= nninit::detail::draw_u64(lcg);
  CHECK(all == ~std::uint64_t{0});
}

TEST_CASE("engine: fork is deterministic, distinct per child, and keeps the seed") {
  const nninit::engine base(42, 0);
  CHECK(base.fork(1) == base.fork(1));
  CHECK(base.fork(1) != base.fork(2));
  CHECK(base.fork(1).seed() == 42);
  CHECK(base.fork(1) != nninit::engine(43, 0).fork(1));
}

TEST_CASE("engine: different streams and seeds give different values, the same engine the same ones") {
  Eigen::MatrixXd a(5, 5), b(5, 5), c(5, 5), d(5, 5);
  nninit::normal(a, nninit::engine(1, 0));
  nninit::normal(b, nninit::engine(1, 1));
  nninit::normal(c, nninit::engine(2, 0));
  nninit::normal(d, nninit::engine(1, 0));
  CHECK(a != b);
  CHECK(a != c);
  CHECK(a == d);
}
