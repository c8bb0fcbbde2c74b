#include <doctest/doctest.h>
#include <nninit/philox.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "test_util.hpp"

#ifdef NNINIT_HAVE_R123
#include <Random123/philox.h>
#endif

TEST_CASE("philox: Random123's known-answer vectors, 7 and 10 rounds, from tests/data/philox_kat.txt") {
  std::ifstream in(NNINIT_TEST_DATA_DIR "/philox_kat.txt");
  REQUIRE(in);
  int rows = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name;
    int rounds = 0;
    fields >> name >> std::dec >> rounds >> std::hex;
    nninit::philox4x32::counter_type ctr, expected;
    nninit::philox4x32::key_type key;
    for (auto& w : ctr) fields >> w;
    for (auto& w : key) fields >> w;
    for (auto& w : expected) fields >> w;
    REQUIRE(fields);
    REQUIRE(name == "philox4x32");
    // Random123's trick turned around: start from a poisoned output so a no-op cannot pass.
    nninit::philox4x32::counter_type got = {0xcacacacau, 0xcacacacau, 0xcacacacau, 0xcacacacau};
    if (rounds == 7) got = nninit::philox4x32_r<7>::block(ctr, key);
    else if (rounds == 10) got = nninit::philox4x32::block(ctr, key);
    else FAIL("unexpected round count " << rounds);
    INFO(line);
    CHECK(got == expected);
    ++rows;
  }
  CHECK(rows == 6);
}

TEST_CASE("philox: block() is a constant expression") {
  constexpr auto w = nninit::philox4x32::block({0, 0, 0, 0}, {0, 0});
  static_assert(w[0] == 0x6627e8d5u);
  CHECK(w[3] == 0x9b00dbd8u);
}

TEST_CASE("philox: agrees with Random123's r123::Philox4x32 on 100000 pseudo-random counters and keys") {
#ifdef NNINIT_HAVE_R123
  r123::Philox4x32 reference;
  std::uint64_t x = 0x9E3779B97F4A7C15ull;  // splitmix64 walk to generate inputs
  auto next = [&] {
    x += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return static_cast<std::uint32_t>(z ^ (z >> 31));
  };
  for (int i = 0; i < 100000; ++i) {
    const r123::Philox4x32::ctr_type c = {{next(), next(), next(), next()}};
    const r123::Philox4x32::key_type k = {{next(), next()}};
    const auto want = reference(c, k);
    const auto got = nninit::philox4x32::block({c.v[0], c.v[1], c.v[2], c.v[3]}, {k.v[0], k.v[1]});
    for (int j = 0; j < 4; ++j) REQUIRE(got[static_cast<std::size_t>(j)] == want.v[j]);
  }
#else
  test::skip("librandom123-dev is not installed");
#endif
}
