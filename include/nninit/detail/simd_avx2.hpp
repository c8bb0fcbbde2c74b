// nninit::detail: the AVX2 path of the sampling engine. Same bits as the scalar path.
//
// Every function here repeats, lane by lane, exactly the IEEE operations of the scalar code in
// sample.hpp and math.hpp: the same products (each rounded on its own, behind `opaque`, so no
// FMA contraction), sums, quotients, square roots and exact integer <-> float conversions, in
// the same order. Those operations are correctly rounded in both paths, so the values are
// identical bit for bit (tests/cross_build builds the streams with and without this file and at
// -O0 and -O3 -march=native, and compares them with the published ones).
//
// Selection: compiled in on x86-64 with GCC or Clang unless NNINIT_NO_SIMD is defined. When the
// user's flags already enable AVX2 the code is used unconditionally; otherwise the functions
// carry __attribute__((target("avx2"))) and run only when the CPU reports AVX2 at run time.
//
// Philox4x32-10 runs on four blocks at once, one block per 64-bit lane: `_mm256_mul_epu32`
// gives the full 64-bit product of each lane's low words, so the high half is one shift away
// and the low half is already in place (the lanes' upper words carry bits nobody reads). The
// lanes hold blocks (b, b+2, b+1, b+3), the order in which two in-lane unpacks put the words of
// blocks b..b+3 back in logical order.
#pragma once

#if !defined(NNINIT_NO_SIMD) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NNINIT_DETAIL_AVX2 1
#endif

#ifdef NNINIT_DETAIL_AVX2

#include <cpuid.h>
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "../engine.hpp"
#include "math.hpp"

#if defined(__AVX2__)
#define NNINIT_DETAIL_AVX2_FN inline
#define NNINIT_DETAIL_AVX2_INLINE inline __attribute__((always_inline))
#else
#define NNINIT_DETAIL_AVX2_FN inline __attribute__((target("avx2")))
#define NNINIT_DETAIL_AVX2_INLINE inline __attribute__((target("avx2"), always_inline))
#endif

namespace nninit::detail::avx2 {

/// True when the AVX2 path may run: always when compiled for AVX2, else when the CPU has it.
inline bool available() noexcept {
#if defined(__AVX2__)
  return true;
#else
  return __builtin_cpu_supports("avx2");
#endif
}

// Vector counterparts of detail::opaque: the value is hidden from the optimiser, so a product
// is rounded on its own and never fused into an FMA under -ffp-contract=fast.
NNINIT_DETAIL_AVX2_INLINE __m256 opaque(__m256 v) {
  __asm__("" : "+x"(v));
  return v;
}
NNINIT_DETAIL_AVX2_INLINE __m256d opaque(__m256d v) {
  __asm__("" : "+x"(v));
  return v;
}
NNINIT_DETAIL_AVX2_INLINE __m256 mul_add(__m256 a, __m256 b, __m256 c) {
  return _mm256_add_ps(opaque(_mm256_mul_ps(a, b)), c);
}
NNINIT_DETAIL_AVX2_INLINE __m256d mul_add(__m256d a, __m256d b, __m256d c) {
  return _mm256_add_pd(opaque(_mm256_mul_pd(a, b)), c);
}

template <std::size_t N>
NNINIT_DETAIL_AVX2_INLINE __m256 horner(__m256 x, const float (&c)[N]) {
  __m256 p = _mm256_set1_ps(c[0]);
  for (std::size_t k = 1; k < N; ++k) p = mul_add(p, x, _mm256_set1_ps(c[k]));
  return p;
}
template <std::size_t N>
NNINIT_DETAIL_AVX2_INLINE __m256d horner(__m256d x, const double (&c)[N]) {
  __m256d p = _mm256_set1_pd(c[0]);
  for (std::size_t k = 1; k < N; ++k) p = mul_add(p, x, _mm256_set1_pd(c[k]));
  return p;
}

/// The words of four consecutive Philox blocks, in logical order: blocks b, b+1 in `first`,
/// b+2, b+3 in `second`, four 32-bit words per block.
struct block_words {
  __m256i first, second;
};

/// The key schedule and fixed counter words of one (engine, domain): computed once per call,
/// the round keys already broadcast to every lane.
struct philox_setup {
  __m256i keys[10][2] = {};
  std::uint32_t domain_bits, stream_lo, stream_hi;
  NNINIT_DETAIL_AVX2_INLINE philox_setup(const engine& eng, domain d)
      : domain_bits(static_cast<std::uint32_t>(d) << 24),
        stream_lo(static_cast<std::uint32_t>(eng.stream())),
        stream_hi(static_cast<std::uint32_t>(eng.stream() >> 32)) {
    std::uint32_t k0 = static_cast<std::uint32_t>(eng.seed()), k1 = static_cast<std::uint32_t>(eng.seed() >> 32);
    for (int r = 0; r < 10; ++r) {
      keys[r][0] = _mm256_set1_epi64x(k0);
      keys[r][1] = _mm256_set1_epi64x(k1);
      k0 += philox4x32::weyl0;
      k1 += philox4x32::weyl1;
    }
  }
};

/// The four 64-bit-lane counter words of blocks (b, b+2, b+1, b+3) after Philox4x32-10
/// (engine.hpp: word 0 the low 32 bits of the block index, word 1 its next 24 bits and the
/// domain, words 2-3 the stream).
struct lanes {
  __m256i c0, c1, c2, c3;
};

/// The counter words of the four blocks whose indices are the 64-bit lanes of `index`.
NNINIT_DETAIL_AVX2_INLINE lanes counters(const philox_setup& s, __m256i index) {
  return {index,
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi64(index, 32), _mm256_set1_epi64x(0x00FFFFFF)),
                          _mm256_set1_epi64x(s.domain_bits)),
          _mm256_set1_epi64x(s.stream_lo), _mm256_set1_epi64x(s.stream_hi)};
}

/// Philox4x32-10's rounds on N sets of counters, interleaved so that the multiplier's latency is
/// hidden behind the other sets' work.
template <int N>
NNINIT_DETAIL_AVX2_INLINE void philox_rounds(const philox_setup& s, lanes (&x)[N]) {
  const __m256i m0 = _mm256_set1_epi64x(philox4x32::multiplier0), m1 = _mm256_set1_epi64x(philox4x32::multiplier1);
  // Unrolled whatever the optimisation level, so that the words stay in registers.
#pragma GCC unroll 10
  for (int r = 0; r < 10; ++r) {
    const __m256i k0 = s.keys[r][0], k1 = s.keys[r][1];
#pragma GCC unroll 4
    for (int g = 0; g < N; ++g) {
      const __m256i p0 = _mm256_mul_epu32(x[g].c0, m0);  // full 64-bit products of the low words
      const __m256i p1 = _mm256_mul_epu32(x[g].c2, m1);
      x[g].c0 = _mm256_xor_si256(_mm256_srli_epi64(p1, 32), _mm256_xor_si256(x[g].c1, k0));
      x[g].c1 = p1;
      x[g].c2 = _mm256_xor_si256(_mm256_srli_epi64(p0, 32), _mm256_xor_si256(x[g].c3, k1));
      x[g].c3 = p0;
    }
  }
}

/// Philox4x32-10 on groups b, b + 4, ..., b + 4(N - 1) of four blocks.
template <int N>
NNINIT_DETAIL_AVX2_INLINE void philox(const philox_setup& s, std::uint64_t b, lanes (&x)[N]) {
#pragma GCC unroll 4
  for (int g = 0; g < N; ++g) {
    const std::uint64_t first = b + 4 * static_cast<std::uint64_t>(g);
    x[g] = counters(s, _mm256_add_epi64(_mm256_set1_epi64x(static_cast<long long>(first)), _mm256_setr_epi64x(0, 2, 1, 3)));
  }
  philox_rounds(s, x);
}

/// Runs body(lanes, group offset) over `groups` groups of four blocks from block b, `Width`
/// groups at a time and then one at a time.
template <int Width, class Body>
NNINIT_DETAIL_AVX2_INLINE void for_groups(const philox_setup& s, std::uint64_t b, std::uint64_t groups, Body&& body) {
  std::uint64_t g = 0;
  for (; g + Width <= groups; g += Width) {
    lanes x[Width];
    philox(s, b + 4 * g, x);
#pragma GCC unroll 4
    for (int k = 0; k < Width; ++k) body(x[k], g + static_cast<std::uint64_t>(k));
  }
  for (; g < groups; ++g) {
    lanes x[1];
    philox(s, b + 4 * g, x);
    body(x[0], g);
  }
}

/// The low words of two lane vectors side by side: (a, b) per 64-bit lane.
NNINIT_DETAIL_AVX2_INLINE __m256i pair_words(__m256i a, __m256i b) {
  return _mm256_blend_epi32(a, _mm256_slli_epi64(b, 32), 0xAA);
}

NNINIT_DETAIL_AVX2_INLINE block_words in_order(const lanes& x) {
  const __m256i w01 = pair_words(x.c0, x.c1), w23 = pair_words(x.c2, x.c3);
  return {_mm256_unpacklo_epi64(w01, w23), _mm256_unpackhi_epi64(w01, w23)};
}

// ---- float transforms (sample.hpp's uniform_kernel<float>, normal_kernel<float>) ----------

NNINIT_DETAIL_AVX2_INLINE __m256 top_bits_unit(__m256i w) {  // (w >> 8) * 2^-24
  return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(w, 8)), _mm256_set1_ps(0x1p-24f));
}

/// math::log<float> for normal positive x (the samplers never pass a subnormal).
NNINIT_DETAIL_AVX2_INLINE __m256 log(__m256 x) {
  __m256i bits = _mm256_castps_si256(x);
  __m256i e = _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127));
  bits = _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x7FFFFF)), _mm256_set1_epi32(127 << 23));
  const __m256i above = _mm256_cmpgt_epi32(bits, _mm256_set1_epi32(math::bit_cast<std::int32_t>(1.41421356237309504880f)));
  bits = _mm256_sub_epi32(bits, _mm256_and_si256(above, _mm256_set1_epi32(1 << 23)));
  e = _mm256_sub_epi32(e, above);  // above is -1 where m was halved
  const __m256 m = _mm256_castsi256_ps(bits), one = _mm256_set1_ps(1.0f);
  const __m256 s = _mm256_div_ps(_mm256_sub_ps(m, one), _mm256_add_ps(m, one));
  const __m256 s2 = _mm256_mul_ps(s, s);
  const __m256 log_m = mul_add(opaque(_mm256_mul_ps(s, s2)), horner(s2, math::log_series<float>::c), _mm256_add_ps(s, s));
  const __m256 te = _mm256_cvtepi32_ps(e);
  return mul_add(te, _mm256_set1_ps(math::ln2_parts<float>::hi),
                 mul_add(te, _mm256_set1_ps(math::ln2_parts<float>::lo), log_m));
}

/// math::sincos_turn<float>: sin and cos of 2*pi*k/2^24 for 24-bit k.
NNINIT_DETAIL_AVX2_INLINE void sincos_turn(__m256i k, __m256& sin_out, __m256& cos_out) {
  constexpr std::int32_t quarter = 1 << 22;
  const __m256i upper_half = _mm256_and_si256(_mm256_srli_epi32(k, 21), _mm256_set1_epi32(1));
  const __m256i quadrant = _mm256_add_epi32(_mm256_srli_epi32(k, 22), upper_half);
  const __m256i rem = _mm256_sub_epi32(_mm256_and_si256(k, _mm256_set1_epi32(quarter - 1)),
                                       _mm256_slli_epi32(upper_half, 22));
  const float step = static_cast<float>(1.57079632679489661923 / static_cast<double>(quarter));
  const __m256 x = _mm256_mul_ps(_mm256_cvtepi32_ps(rem), _mm256_set1_ps(step));
  const __m256 x2 = _mm256_mul_ps(x, x);
  const __m256 s = mul_add(opaque(_mm256_mul_ps(x, x2)), horner(x2, math::trig_series<float>::sin_c), x);
  const __m256 c = mul_add(x2, horner(x2, math::trig_series<float>::cos_c), _mm256_set1_ps(1.0f));
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i swap = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_and_si256(quadrant, one));
  const __m256i sin_sign = _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(quadrant, 1), one), 31);
  const __m256i cos_sign =
      _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(_mm256_add_epi32(quadrant, one), 1), one), 31);
  const __m256i si = _mm256_castps_si256(s), ci = _mm256_castps_si256(c);
  const __m256i sin_bits = _mm256_or_si256(_mm256_and_si256(ci, swap), _mm256_andnot_si256(swap, si));
  const __m256i cos_bits = _mm256_or_si256(_mm256_and_si256(si, swap), _mm256_andnot_si256(swap, ci));
  sin_out = _mm256_castsi256_ps(_mm256_xor_si256(sin_bits, sin_sign));
  cos_out = _mm256_castsi256_ps(_mm256_xor_si256(cos_bits, cos_sign));
}

/// Blocks [b, b + 4n) of uniform_kernel<float> into out (16 floats per group of four blocks).
NNINIT_DETAIL_AVX2_FN void uniform_blocks(const engine& eng, domain d, std::uint64_t b, std::uint64_t groups, float lo,
                                          float width, float below_hi, float* out) {
  struct body {
    __m256 lo, width, below_hi;
    float* out;
    NNINIT_DETAIL_AVX2_INLINE void operator()(const lanes& x, std::uint64_t g) const {
      const block_words w = in_order(x);
      // std::min(x, below_hi) is (below_hi < x ? below_hi : x): _mm256_min_ps(below_hi, x).
      _mm256_storeu_ps(out + 16 * g, _mm256_min_ps(below_hi, mul_add(width, top_bits_unit(w.first), lo)));
      _mm256_storeu_ps(out + 16 * g + 8, _mm256_min_ps(below_hi, mul_add(width, top_bits_unit(w.second), lo)));
    }
  };
  for_groups<3>(philox_setup(eng, d), b, groups,
                body{_mm256_set1_ps(lo), _mm256_set1_ps(width), _mm256_set1_ps(below_hi), out});
}

/// Blocks [b, b + 4n) of normal_kernel<float> (Box-Muller on the word pairs (w0, w1), (w2, w3)),
/// from a philox_setup the caller keeps (truncated_normal_accept_blocks reuses it per chunk).
NNINIT_DETAIL_AVX2_INLINE void normal_groups(const philox_setup& s, std::uint64_t b, std::uint64_t groups, float mean,
                                             float std_dev, float* out) {
  struct body {
    __m256 mean, std_dev;
    float* out;
    NNINIT_DETAIL_AVX2_INLINE void operator()(const lanes& x, std::uint64_t g) const {
      // Lane i of the radii and angles: pair (i & 1) of block (b, b+2, b+1, b+3)[i / 2].
      const __m256i radius_words = pair_words(x.c0, x.c2), angle_words = pair_words(x.c1, x.c3);
      const __m256 u1 = _mm256_mul_ps(
          _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_srli_epi32(radius_words, 8), _mm256_set1_epi32(1))),
          _mm256_set1_ps(0x1p-24f));
      const __m256 r = _mm256_sqrt_ps(_mm256_mul_ps(_mm256_set1_ps(-2.0f), log(u1)));
      __m256 sin_v, cos_v;
      sincos_turn(_mm256_srli_epi32(angle_words, 8), sin_v, cos_v);
      const __m256 x0 = mul_add(std_dev, opaque(_mm256_mul_ps(r, cos_v)), mean);
      const __m256 x1 = mul_add(std_dev, opaque(_mm256_mul_ps(r, sin_v)), mean);
      _mm256_storeu_ps(out + 16 * g, _mm256_unpacklo_ps(x0, x1));  // blocks b, b+1
      _mm256_storeu_ps(out + 16 * g + 8, _mm256_unpackhi_ps(x0, x1));  // blocks b+2, b+3
    }
  };
  for_groups<2>(s, b, groups, body{_mm256_set1_ps(mean), _mm256_set1_ps(std_dev), out});
}

/// normal_groups of (eng, d).
NNINIT_DETAIL_AVX2_FN void normal_blocks(const engine& eng, domain d, std::uint64_t b, std::uint64_t groups, float mean,
                                         float std_dev, float* out) {
  normal_groups(philox_setup(eng, d), b, groups, mean, std_dev, out);
}

// ---- double transforms (truncated_normal_kernel<float>'s inverse CDF) ----------------------

/// math::log<double> for normal positive x.
NNINIT_DETAIL_AVX2_INLINE __m256d log(__m256d x) {
  const __m256i raw = _mm256_castpd_si256(x);
  const __m256i biased = _mm256_srli_epi64(raw, 52);
  __m256i bits = _mm256_or_si256(_mm256_and_si256(raw, _mm256_set1_epi64x(0x000FFFFFFFFFFFFFLL)),
                                 _mm256_set1_epi64x(0x3FF0000000000000LL));
  // m > sqrt(2), compared as values (for positive doubles, the same order as their bits).
  const __m256d above = _mm256_cmp_pd(_mm256_castsi256_pd(bits), _mm256_set1_pd(1.41421356237309504880), _CMP_GT_OQ);
  bits = _mm256_sub_epi64(bits, _mm256_and_si256(_mm256_castpd_si256(above), _mm256_set1_epi64x(1LL << 52)));
  // e = biased - 1023 + above, in double: small integers, so every step is exact.
  const __m256d magic = _mm256_set1_pd(0x1p52);
  const __m256d biased_d = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(biased, _mm256_castpd_si256(magic))), magic);
  const __m256d te = _mm256_add_pd(_mm256_sub_pd(biased_d, _mm256_set1_pd(1023.0)), _mm256_and_pd(above, _mm256_set1_pd(1.0)));
  const __m256d m = _mm256_castsi256_pd(bits), one = _mm256_set1_pd(1.0);
  const __m256d s = _mm256_div_pd(_mm256_sub_pd(m, one), _mm256_add_pd(m, one));
  const __m256d s2 = _mm256_mul_pd(s, s);
  const __m256d log_m = mul_add(opaque(_mm256_mul_pd(s, s2)), horner(s2, math::log_series<double>::c), _mm256_add_pd(s, s));
  return mul_add(te, _mm256_set1_pd(math::ln2_parts<double>::hi),
                 mul_add(te, _mm256_set1_pd(math::ln2_parts<double>::lo), log_m));
}

NNINIT_DETAIL_AVX2_INLINE __m256d negate_where(__m256d v, __m256d mask) {
  return _mm256_xor_pd(v, _mm256_and_pd(mask, _mm256_set1_pd(-0.0)));
}

/// math::normal_quantile's tail branches, for p with |p - 0.5| > 0.425 in every lane. Lanes
/// whose log argument would be subnormal (p or 1 - p below 2^-1022) are reported in
/// `scalar_lanes` for the caller to redo with the scalar log.
NNINIT_DETAIL_AVX2_INLINE __m256d normal_quantile_tail(__m256d p, int& scalar_lanes) {
  using math::as241;
  const __m256d negative = _mm256_cmp_pd(_mm256_sub_pd(p, _mm256_set1_pd(0.5)), _mm256_setzero_pd(), _CMP_LT_OQ);
  const __m256d side = _mm256_blendv_pd(_mm256_sub_pd(_mm256_set1_pd(1.0), p), p, negative);
  scalar_lanes = _mm256_movemask_pd(_mm256_cmp_pd(side, _mm256_set1_pd(0x1p-1022), _CMP_LT_OQ));
  const __m256d r = _mm256_sqrt_pd(_mm256_xor_pd(log(side), _mm256_set1_pd(-0.0)));
  const __m256d near = _mm256_cmp_pd(r, _mm256_set1_pd(5.0), _CMP_LE_OQ);
  const __m256d rn = _mm256_sub_pd(r, _mm256_set1_pd(1.6));
  __m256d z = _mm256_div_pd(horner(rn, as241::c), horner(rn, as241::d));
  if (_mm256_movemask_pd(near) != 0xF) {
    const __m256d rf = _mm256_sub_pd(r, _mm256_set1_pd(5.0));
    z = _mm256_blendv_pd(_mm256_div_pd(horner(rf, as241::e), horner(rf, as241::f)), z, near);
  }
  return negate_where(z, negative);
}

/// Parameters of truncated_normal_kernel, as the kernel holds them.
struct truncated_normal_params {
  double mean, std_dev, lo, hi, p_lo, mass;
  bool mirrored;
};

/// Four words (as uint32) to the kernel's v = (2w + 1) 2^-33, exactly.
NNINIT_DETAIL_AVX2_INLINE __m256d odd_unit(__m128i w) {
  const __m256d wd = _mm256_add_pd(_mm256_cvtepi32_pd(_mm_xor_si128(w, _mm_set1_epi32(INT32_MIN))), _mm256_set1_pd(0x1p31));
  return _mm256_mul_pd(_mm256_add_pd(_mm256_add_pd(wd, wd), _mm256_set1_pd(1.0)), _mm256_set1_pd(0x1p-33));
}

/// truncated_normal_kernel<float>'s inverse-CDF constants, broadcast.
struct inverse_cdf_constants {
  __m256d mass, p_lo, below_one, std_dev, mean, lo, hi;
  NNINIT_DETAIL_AVX2_INLINE explicit inverse_cdf_constants(const truncated_normal_params& t)
      : mass(_mm256_set1_pd(t.mass)),
        p_lo(_mm256_set1_pd(t.p_lo)),
        below_one(_mm256_set1_pd(1.0 - 0x1p-53)),
        std_dev(_mm256_set1_pd(t.mirrored ? -t.std_dev : t.std_dev)),  // std * (-z) == (-std) * z exactly
        mean(_mm256_set1_pd(t.mean)),
        lo(_mm256_set1_pd(t.lo)),
        hi(_mm256_set1_pd(t.hi)) {}
};

/// For each 8-bit mask, the positions of its set bits in increasing order (then zeros): lets a
/// loop append the lanes a comparison selects without a branch on the data.
struct set_lane_table {
  alignas(16) std::uint16_t of[256][8];
  constexpr set_lane_table() : of{} {
    for (int m = 0; m < 256; ++m)
      for (int lane = 0, n = 0; lane < 8; ++lane)
        if (m & (1 << lane)) of[m][n++] = static_cast<std::uint16_t>(lane);
  }
};
inline constexpr set_lane_table set_lanes{};

/// Most values inverse_cdf_batch takes at once.
constexpr int batch_values = 256;

/// values[i] = truncated_normal_kernel<float>::value of words[i], i < n (n a multiple of 4, at
/// most batch_values). Every value goes through AS 241's central branch, then only the tail values
/// (about one in ten for [-2, 2]) through the tail branch, gathered four to a vector: no branch
/// depends on the data, so batches overlap in the pipeline instead of waiting on mispredictions.
/// The positions of values whose tail needs the scalar log's subnormal branch go to redo;
/// returns how many.
NNINIT_DETAIL_AVX2_INLINE int inverse_cdf_batch(const inverse_cdf_constants& c, const std::uint32_t* words, int n,
                                                float* values, std::uint16_t* redo) {
  using math::as241;
  alignas(32) double u[batch_values], z[batch_values];
  alignas(16) std::uint16_t tail[batch_values + 8];
  int tails = 0;
  for (int i = 0; i < n; i += 4) {
    // u = std::min(v * mass + p_lo, 1 - 2^-53): (c < u ? c : u) is _mm256_min_pd(c, u).
    const __m256d ui = _mm256_min_pd(
        c.below_one, mul_add(odd_unit(_mm_loadu_si128(reinterpret_cast<const __m128i*>(words + i))), c.mass, c.p_lo));
    const __m256d q = _mm256_sub_pd(ui, _mm256_set1_pd(0.5));
    const __m256d r = mul_add(_mm256_xor_pd(q, _mm256_set1_pd(-0.0)), q, _mm256_set1_pd(0.180625));
    _mm256_store_pd(u + i, ui);
    _mm256_store_pd(z + i, _mm256_div_pd(_mm256_mul_pd(q, horner(r, as241::a)), horner(r, as241::b)));
    const __m256d abs_q = _mm256_andnot_pd(_mm256_set1_pd(-0.0), q);
    const int is_tail = _mm256_movemask_pd(_mm256_cmp_pd(abs_q, _mm256_set1_pd(0.425), _CMP_GT_OQ));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(tail + tails),
                     _mm_add_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(set_lanes.of[is_tail])),
                                   _mm_set1_epi16(static_cast<short>(i))));
    tails += __builtin_popcount(static_cast<unsigned>(is_tail));
  }
  int redos = 0;
  for (int t = 0; t < tails; t += 4) {
    int at[4];  // a short last vector repeats its last value, which computes the same z again
    for (int k = 0; k < 4; ++k) at[k] = tail[std::min(t + k, tails - 1)];
    int scalar_lanes = 0;
    alignas(32) double zt[4];
    _mm256_store_pd(zt, normal_quantile_tail(_mm256_setr_pd(u[at[0]], u[at[1]], u[at[2]], u[at[3]]), scalar_lanes));
    for (int k = 0; k < 4; ++k) z[at[k]] = zt[k];
    for (int k = 0; k < 4 && t + k < tails; ++k)
      if (scalar_lanes & (1 << k)) redo[redos++] = static_cast<std::uint16_t>(at[k]);
  }
  for (int i = 0; i < n; i += 4) {
    const __m256d v = mul_add(c.std_dev, _mm256_load_pd(z + i), c.mean);
    // std::clamp(v, lo, hi) = v < lo ? lo : (hi < v ? hi : v).
    _mm_storeu_ps(values + i, _mm256_cvtpd_ps(_mm256_min_pd(c.hi, _mm256_max_pd(c.lo, v))));
  }
  return redos;
}

/// Blocks [b, b + 4n) of truncated_normal_kernel<float>'s inverse-CDF sampler. `scalar` redoes
/// a value whose tail computation needs the scalar log's subnormal branch: scalar(word, slot).
template <class Scalar>
NNINIT_DETAIL_AVX2_FN void truncated_normal_blocks(const engine& eng, domain d, std::uint64_t b, std::uint64_t groups,
                                                   const truncated_normal_params& t, float* out, const Scalar& scalar) {
  struct store_words {
    std::uint32_t* words;
    NNINIT_DETAIL_AVX2_INLINE void operator()(const lanes& x, std::uint64_t g) const {
      const block_words w = in_order(x);
      _mm256_store_si256(reinterpret_cast<__m256i*>(words + 16 * g), w.first);
      _mm256_store_si256(reinterpret_cast<__m256i*>(words + 16 * g + 8), w.second);
    }
  };
  const philox_setup s(eng, d);
  const inverse_cdf_constants c(t);
  constexpr std::uint64_t batch_groups = batch_values / 16;
  for (std::uint64_t g0 = 0; g0 < groups; g0 += batch_groups) {
    const std::uint64_t n = std::min(batch_groups, groups - g0);
    alignas(32) std::uint32_t words[batch_values];
    for_groups<2>(s, b + 4 * g0, n, store_words{words});
    float* const batch_out = out + 16 * g0;
    std::uint16_t redo[batch_values];
    const int redos = inverse_cdf_batch(c, words, static_cast<int>(16 * n), batch_out, redo);
    for (int k = 0; k < redos; ++k) scalar(words[redo[k]], batch_out + redo[k]);
  }
}

/// truncated_normal_kernel<float>'s accept-or-redraw sampler, as the kernel holds it.
struct accept_params {
  float mean, std_dev, accept_lo, accept_hi, lo, hi;
};

/// Blocks [b, b + 4n) of truncated_normal_kernel<float>'s accept-or-redraw sampler: a chunk of
/// normal values, checked while it is in L1, then the rejected ones redrawn by the inverse CDF
/// from their blocks of the redraw domain (`scalar` as for truncated_normal_blocks).
template <class Scalar>
NNINIT_DETAIL_AVX2_FN void truncated_normal_accept_blocks(const engine& eng, domain d, std::uint64_t b,
                                                          std::uint64_t groups, const accept_params& a,
                                                          const truncated_normal_params& t, float* out,
                                                          const Scalar& scalar) {
  const philox_setup normal_setup(eng, d), redraw_setup(eng, redraw_domain(d));
  const inverse_cdf_constants c(t);
  const __m256 accept_lo = _mm256_set1_ps(a.accept_lo), accept_hi = _mm256_set1_ps(a.accept_hi);
  const __m256 lo = _mm256_set1_ps(a.lo), hi = _mm256_set1_ps(a.hi);
  constexpr std::uint64_t chunk_groups = 64;
  alignas(16) std::uint16_t rejected[16 * chunk_groups + 16];  // offsets in the chunk, and room to pad
  for (std::uint64_t g0 = 0; g0 < groups; g0 += chunk_groups) {
    const int values = static_cast<int>(16 * std::min(chunk_groups, groups - g0));
    const std::uint64_t chunk_block = b + 4 * g0;
    float* const chunk = out + 16 * g0;
    normal_groups(normal_setup, chunk_block, static_cast<std::uint64_t>(values / 16), a.mean, a.std_dev, chunk);
    int count = 0;
    for (int i = 0; i < values; i += 8) {
      const __m256 x = _mm256_loadu_ps(chunk + i);
      const __m256 inside =
          _mm256_and_ps(_mm256_cmp_ps(x, accept_lo, _CMP_GE_OQ), _mm256_cmp_ps(x, accept_hi, _CMP_LE_OQ));
      _mm256_storeu_ps(chunk + i, _mm256_min_ps(hi, _mm256_max_ps(lo, x)));  // kept(x) = std::clamp(x, lo, hi)
      const int outside = ~_mm256_movemask_ps(inside) & 0xFF;
      _mm_storeu_si128(reinterpret_cast<__m128i*>(rejected + count),
                       _mm_add_epi16(_mm_load_si128(reinterpret_cast<const __m128i*>(set_lanes.of[outside])),
                                     _mm_set1_epi16(static_cast<short>(i))));
      count += __builtin_popcount(static_cast<unsigned>(outside));
    }
    for (int r = 0; r < count; r += batch_values) {
      const int n = std::min(batch_values, count - r), padded = (n + 15) & ~15;
      std::uint16_t* const offset = rejected + r;
      for (int i = n; i < padded; ++i) offset[i] = offset[n - 1];  // spare lanes redo the last value
      alignas(32) std::uint32_t words[batch_values];
      for (int i = 0; i < padded; i += 16) {
        lanes x[4];
        __m256i at[4];
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) {
          at[k] = _mm256_cvtepu16_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(offset + i + std::ptrdiff_t{4} * k)));
          x[k] = counters(redraw_setup, _mm256_add_epi64(_mm256_set1_epi64x(static_cast<long long>(chunk_block)),
                                                        _mm256_srli_epi64(at[k], 2)));
        }
        philox_rounds(redraw_setup, x);
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) {  // word (offset % 4) of each lane's block
          const __m256i word = _mm256_and_si256(at[k], _mm256_set1_epi64x(3));
          __m256i w = x[k].c0;
          w = _mm256_blendv_epi8(w, x[k].c1, _mm256_cmpeq_epi64(word, _mm256_set1_epi64x(1)));
          w = _mm256_blendv_epi8(w, x[k].c2, _mm256_cmpeq_epi64(word, _mm256_set1_epi64x(2)));
          w = _mm256_blendv_epi8(w, x[k].c3, _mm256_cmpeq_epi64(word, _mm256_set1_epi64x(3)));
          _mm_store_si128(reinterpret_cast<__m128i*>(words + i + std::ptrdiff_t{4} * k),
                          _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(w, _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6))));
        }
      }
      alignas(32) float redrawn[batch_values];
      std::uint16_t redo[batch_values];
      const int redos = inverse_cdf_batch(c, words, padded, redrawn, redo);
      for (int i = 0; i < n; ++i) chunk[offset[i]] = redrawn[i];
      for (int k = 0; k < redos; ++k)
        if (redo[k] < n) scalar(words[redo[k]], chunk + offset[redo[k]]);
    }
  }
}

// ---- float -> IEEE half (F16C) -----------------------------------------------------------

#if defined(__F16C__)
#define NNINIT_DETAIL_F16C_FN inline
#else
#define NNINIT_DETAIL_F16C_FN inline __attribute__((target("avx2,f16c")))
#endif

/// True when floats_to_half may run: always when compiled for F16C, else when the CPU has it.
inline bool f16c_available() noexcept {
#if defined(__F16C__)
  return available();
#else
  // cpuid leaf 1, ECX bit 29 (clang 14's __builtin_cpu_supports does not know "f16c"); the
  // AVX2 check already covers the operating system's support of the YMM registers.
  // cpuid traps to the hypervisor on a virtual machine: asked once per process, the answer
  // kept in a constant.
  static const bool has_f16c = [] {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    return available() && __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & (1u << 29)) != 0;
  }();
  return has_f16c;
#endif
}

/// The IEEE binary16 bits of n floats, rounded to nearest even: vcvtps2ph, whose rounding of
/// normals, subnormals, infinities and NaNs is the one Eigen::half(float) computes in software.
NNINIT_DETAIL_F16C_FN void floats_to_half(const float* in, std::uint16_t* out, std::int64_t n) {
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT));
  if (i < n) {
    alignas(32) float rest[8] = {};
    alignas(16) std::uint16_t halves[8];
    std::memcpy(rest, in + i, sizeof(float) * static_cast<std::size_t>(n - i));
    _mm_store_si128(reinterpret_cast<__m128i*>(halves), _mm256_cvtps_ph(_mm256_load_ps(rest), _MM_FROUND_TO_NEAREST_INT));
    std::memcpy(out + i, halves, sizeof(std::uint16_t) * static_cast<std::size_t>(n - i));
  }
}

}  // namespace nninit::detail::avx2

#endif  // NNINIT_DETAIL_AVX2
