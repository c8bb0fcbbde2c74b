// nninit: the Philox4x32 counter-based generator.
//
// Salmon, Moraes, Dror, Shaw (2011), "Parallel Random Numbers: As Easy as 1, 2, 3", SC'11.
// A Philox generator is a keyed bijection of a 128-bit counter: block(ctr, key) is a pure
// function with no state, so any element of any stream can be produced on its own, in any
// order, on any thread. Checked against Random123's known-answer vectors
// (tests/data/philox_kat.txt) and, when installed, against r123::Philox4x32 itself.
#pragma once

#include <array>
#include <cstdint>

namespace nninit {

template <int Rounds>
struct philox4x32_r {
  static_assert(Rounds >= 1 && Rounds <= 16, "nninit: Philox4x32 takes 1 to 16 rounds");
  using counter_type = std::array<std::uint32_t, 4>;
  using key_type = std::array<std::uint32_t, 2>;
  static constexpr int rounds = Rounds;

  // Round multipliers chosen by Salmon et al. (2011), Table 2.
  static constexpr std::uint32_t multiplier0 = 0xD2511F53u;
  static constexpr std::uint32_t multiplier1 = 0xCD9E8D57u;
  // Key schedule (Weyl sequence) increments: the golden ratio and sqrt(3) - 1, in 32-bit fixed point.
  static constexpr std::uint32_t weyl0 = 0x9E3779B9u;
  static constexpr std::uint32_t weyl1 = 0xBB67AE85u;

  static constexpr counter_type block(counter_type ctr, key_type key) noexcept {
    for (int r = 0; r < Rounds; ++r) {
      if (r > 0) key = bump_key(key);
      ctr = round(ctr, key);
    }
    return ctr;
  }

 private:
  struct hilo { std::uint32_t hi, lo; };
  static constexpr hilo mulhilo(std::uint32_t a, std::uint32_t b) noexcept {
    const std::uint64_t p = static_cast<std::uint64_t>(a) * b;
    return {static_cast<std::uint32_t>(p >> 32), static_cast<std::uint32_t>(p)};
  }
  static constexpr key_type bump_key(key_type k) noexcept {
    return {static_cast<std::uint32_t>(k[0] + weyl0), static_cast<std::uint32_t>(k[1] + weyl1)};
  }
  // One round: two 32x32->64 products; the high halves are mixed with the other words and the
  // key, and the words are permuted (Salmon et al. 2011, §3.3).
  static constexpr counter_type round(counter_type c, key_type k) noexcept {
    const hilo p0 = mulhilo(multiplier0, c[0]);
    const hilo p1 = mulhilo(multiplier1, c[2]);
    return {p1.hi ^ c[1] ^ k[0], p1.lo, p0.hi ^ c[3] ^ k[1], p0.lo};
  }
};

/// Philox4x32-10: ten rounds, Random123's default margin over the eight with no known flaws.
using philox4x32 = philox4x32_r<10>;

}  // namespace nninit
