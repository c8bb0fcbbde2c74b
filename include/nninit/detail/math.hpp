// nninit::detail::math — the transcendental functions the samplers need, written here so that
// their bits do not depend on libm, Eigen's packet math, the compiler or its flags (STYLE.md §7).
//
// Every routine is straight-line IEEE arithmetic (+, -, *, /, sqrt and exact integer <-> float
// conversions), with each product that feeds a sum rounded on its own (detail::mul_add). The
// polynomials are Taylor series of the functions on reduced ranges, so every coefficient is an
// exact rational (1/n!, 2/(2k+1)) rounded once; they are a few ulp from the correctly rounded
// result (tests/math_test.cpp measures the error against libm), and, more to the point, the same
// few ulp on every machine.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "fp.hpp"

namespace nninit::detail::math {

template <class T>
using bits_t = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

template <class To, class From>
inline To bit_cast(From from) noexcept {
  static_assert(sizeof(To) == sizeof(From));
  To to;
  std::memcpy(&to, &from, sizeof to);
  return to;
}

/// 1/n!, correctly rounded: n! is exact in double up to 22!.
constexpr double inv_factorial(int n) {
  double f = 1;
  for (int k = 2; k <= n; ++k) f *= k;
  return 1.0 / f;
}

/// Horner's rule, highest coefficient first, each step rounded as mul then add.
template <class T, std::size_t N>
inline T horner(T x, const T (&c)[N]) noexcept {
  T p = c[0];
  for (std::size_t k = 1; k < N; ++k) p = mul_add(p, x, c[k]);
  return p;
}

// ln 2 split so that e * ln2_hi is exact for every binary exponent e (Cody & Waite reduction).
template <class T> struct ln2_parts;
template <> struct ln2_parts<float> {
  static constexpr float hi = 0.693145751953125f;  // 15 significant bits
  static constexpr float lo = static_cast<float>(0.69314718055994530942 - 0.693145751953125);
};
template <> struct ln2_parts<double> {
  static constexpr double hi = 6.93147180369123816490e-01;  // 0x3FE62E42FEE00000: 32 significant bits
  static constexpr double lo = 1.90821492927058770002e-10;
};

template <class T> struct log_series;  // 2/(2k+1) for k = 1.., highest first: ln m = 2 atanh(s)
template <> struct log_series<float> {
  static constexpr float c[] = {2.0f / 11, 2.0f / 9, 2.0f / 7, 2.0f / 5, 2.0f / 3};
};
template <> struct log_series<double> {
  static constexpr double c[] = {2.0 / 23, 2.0 / 21, 2.0 / 19, 2.0 / 17, 2.0 / 15, 2.0 / 13,
                                 2.0 / 11, 2.0 / 9,  2.0 / 7,  2.0 / 5,  2.0 / 3};
};

/// Natural logarithm of a finite x > 0 (subnormals included).
/// x = 2^e * m with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172.
template <class T>
inline T log(T x) noexcept {
  using U = bits_t<T>;
  constexpr int mant = std::numeric_limits<T>::digits - 1;
  constexpr int bias = std::numeric_limits<T>::max_exponent - 1;
  int e = 0;
  if (x < std::numeric_limits<T>::min()) {  // subnormal: scale up by 2^mant, exactly
    x = x * static_cast<T>(static_cast<U>(1) << mant);
    e = -mant;
  }
  U bits = bit_cast<U>(x);
  e += static_cast<int>(bits >> mant) - bias;
  bits = (bits & ((static_cast<U>(1) << mant) - 1)) | (static_cast<U>(bias) << mant);  // m in [1, 2)
  // m > sqrt(2): halve m and count the factor 2 in e. Compared and halved on the bit pattern, so
  // the random mantissa never feeds a branch the CPU would mispredict half the time.
  const U above = bits > bit_cast<U>(static_cast<T>(1.41421356237309504880)) ? 1 : 0;
  bits -= above << mant;
  e += static_cast<int>(above);
  const T m = bit_cast<T>(bits);
  const T s = (m - T(1)) / (m + T(1));  // m - 1 is exact (Sterbenz)
  const T s2 = s * s;
  const T log_m = mul_add(opaque(s * s2), horner(s2, log_series<T>::c), s + s);
  const T te = static_cast<T>(e);
  return mul_add(te, ln2_parts<T>::hi, mul_add(te, ln2_parts<T>::lo, log_m));
}

template <class T> struct trig_series;  // Taylor coefficients on |x| <= pi/4, highest first
template <> struct trig_series<float> {
  static constexpr float sin_c[] = {static_cast<float>(-inv_factorial(11)), static_cast<float>(inv_factorial(9)),
                                    static_cast<float>(-inv_factorial(7)), static_cast<float>(inv_factorial(5)),
                                    static_cast<float>(-inv_factorial(3))};
  static constexpr float cos_c[] = {static_cast<float>(inv_factorial(12)), static_cast<float>(-inv_factorial(10)),
                                    static_cast<float>(inv_factorial(8)),  static_cast<float>(-inv_factorial(6)),
                                    static_cast<float>(inv_factorial(4)),  -0.5f};
};
template <> struct trig_series<double> {
  static constexpr double sin_c[] = {-inv_factorial(19), inv_factorial(17), -inv_factorial(15), inv_factorial(13),
                                     -inv_factorial(11), inv_factorial(9),  -inv_factorial(7),  inv_factorial(5),
                                     -inv_factorial(3)};
  static constexpr double cos_c[] = {inv_factorial(20),  -inv_factorial(18), inv_factorial(16), -inv_factorial(14),
                                     inv_factorial(12),  -inv_factorial(10), inv_factorial(8),  -inv_factorial(6),
                                     inv_factorial(4),   -0.5};
};

template <class T>
struct sin_cos {
  T sin, cos;
};

/// sin and cos of the angle 2*pi*k/2^B, for a B-bit integer k (B = 24 for float, 53 for double).
/// The quadrant comes from the top two bits, so the reduction is exact; the remaining angle
/// lies in [-pi/4, pi/4) and is evaluated by Taylor series.
template <class T>
inline sin_cos<T> sincos_turn(bits_t<T> k) noexcept {
  using S = std::make_signed_t<bits_t<T>>;
  constexpr int B = std::numeric_limits<T>::digits;  // 24 or 53
  constexpr bits_t<T> quarter = static_cast<bits_t<T>>(1) << (B - 2);
  // Centre the remainder on [-1/8, 1/8) of a turn: when the bit below the quadrant is set, move
  // to the next quadrant. Integer arithmetic only: no branch on random bits.
  const bits_t<T> upper_half = (k >> (B - 3)) & 1;
  const unsigned quadrant = static_cast<unsigned>((k >> (B - 2)) + upper_half);
  const S rem = static_cast<S>(k & (quarter - 1)) - static_cast<S>(upper_half * quarter);
  // pi/2 / 2^(B-2), rounded once to T; rem has at most B-3 bits, so T(rem) is exact.
  constexpr T step = static_cast<T>(1.57079632679489661923 / static_cast<double>(quarter));
  const T x = static_cast<T>(rem) * step;
  const T x2 = x * x;
  const T s = mul_add(opaque(x * x2), horner(x2, trig_series<T>::sin_c), x);
  const T c = mul_add(x2, horner(x2, trig_series<T>::cos_c), T(1));
  // Quadrant q: (sin, cos) = (s, c), (c, -s), (-s, -c), (-c, s); selected and sign-flipped on bits.
  using U = bits_t<T>;
  const U swap = static_cast<U>(0) - static_cast<U>(quadrant & 1u);  // all ones when q is odd
  constexpr int sign_bit = static_cast<int>(sizeof(U)) * 8 - 1;
  const U sin_sign = static_cast<U>((quadrant >> 1) & 1u) << sign_bit;        // q = 2, 3
  const U cos_sign = static_cast<U>(((quadrant + 1) >> 1) & 1u) << sign_bit;  // q = 1, 2
  const U sin_bits = (bit_cast<U>(c) & swap) | (bit_cast<U>(s) & ~swap);
  const U cos_bits = (bit_cast<U>(s) & swap) | (bit_cast<U>(c) & ~swap);
  return {bit_cast<T>(sin_bits ^ sin_sign), bit_cast<T>(cos_bits ^ cos_sign)};
}

/// e^x in double, for the one-off computations of a plan (truncation masses). Cody & Waite
/// reduction x = k ln2 + r, |r| <= ln2/2, then the Taylor series of e^r to r^16/16!.
inline double exp(double x) noexcept {
  if (x != x) return x;
  if (x > 709.782712893384) return std::numeric_limits<double>::infinity();
  if (x < -745.2) return 0.0;
  const double k = std::nearbyint(x * 1.44269504088896340736);
  const double r = mul_add(-k, ln2_parts<double>::lo, mul_add(-k, ln2_parts<double>::hi, x));
  double p = inv_factorial(16);
  for (int n = 15; n >= 0; --n) p = mul_add(p, r, inv_factorial(n));
  return std::ldexp(p, static_cast<int>(k));  // exact scaling (correctly rounded if subnormal)
}

/// Complementary error function in double, for plans. For |x| < 2.5 the series
/// erf x = (2/sqrt pi) e^{-x^2} sum_n 2^n x^{2n+1} / (2n+1)!!  (Abramowitz & Stegun 7.1.6),
/// whose terms are all positive; beyond, the continued fraction of A&S 7.1.14 evaluated
/// backwards from a fixed depth. Relative error below 1e-13 (tests/math_test.cpp).
inline double erfc(double x) noexcept {
  if (x != x) return x;
  const double ax = x < 0 ? -x : x;
  double tail;  // erfc(|x|)
  if (ax < 2.5) {
    double term = ax, sum = ax;
    for (int n = 1; n < 120; ++n) {
      term = term * (2.0 * ax * ax) / (2 * n + 1);
      sum += term;
    }
    tail = 1.0 - opaque(1.12837916709551257390 * exp(-ax * ax) * sum);
  } else {
    double t = ax;
    for (int k = 160; k >= 1; --k) t = ax + (0.5 * k) / t;
    tail = exp(-ax * ax) / t * 0.56418958354775628695;  // 1/sqrt(pi)
  }
  return x < 0 ? 2.0 - tail : tail;
}

/// The standard normal CDF, Phi(x) = erfc(-x/sqrt 2)/2.
inline double normal_cdf(double x) noexcept { return 0.5 * erfc(-x * 0.70710678118654752440); }

/// The standard normal density.
inline double normal_pdf(double x) noexcept { return 0.39894228040143267794 * exp(-0.5 * x * x); }

/// Wichura (1988), Algorithm AS 241 "The percentage points of the normal distribution",
/// Applied Statistics 37(3):477-484: PPND16, Phi^{-1}(p) to about 1e-16 relative, for
/// 0 < p < 1. Coefficients from the paper (tests check them against its hash sums).
struct as241 {
  static constexpr double a[] = {2.5090809287301226727e+3, 3.3430575583588128105e+4, 6.7265770927008700853e+4,
                                 4.5921953931549871457e+4, 1.3731693765509461125e+4, 1.9715909503065514427e+3,
                                 1.3314166789178437745e+2, 3.3871328727963666080e+0};
  static constexpr double b[] = {5.2264952788528545610e+3, 2.8729085735721942674e+4, 3.9307895800092710610e+4,
                                 2.1213794301586595867e+4, 5.3941960214247511077e+3, 6.8718700749205790830e+2,
                                 4.2313330701600911252e+1, 1.0};
  static constexpr double c[] = {7.74545014278341407640e-4, 2.27238449892691845833e-2, 2.41780725177450611770e-1,
                                 1.27045825245236838258e+0, 3.64784832476320460504e+0, 5.76949722146069140550e+0,
                                 4.63033784615654529590e+0, 1.42343711074968357734e+0};
  static constexpr double d[] = {1.05075007164441684324e-9, 5.47593808499534494600e-4, 1.51986665636164571966e-2,
                                 1.48103976427480074590e-1, 6.89767334985100004550e-1, 1.67638483018380384940e+0,
                                 2.05319162663775882187e+0, 1.0};
  static constexpr double e[] = {2.01033439929228813265e-7, 2.71155556874348757815e-5, 1.24266094738807843860e-3,
                                 2.65321895265761230930e-2, 2.96560571828504891230e-1, 1.78482653991729133580e+0,
                                 5.46378491116411436990e+0, 6.65790464350110377720e+0};
  static constexpr double f[] = {2.04426310338993978564e-15, 1.42151175831644588870e-7, 1.84631831751005468180e-5,
                                 7.86869131145613259100e-4,  1.48753612908506148525e-2, 1.36929880922735805310e-1,
                                 5.99832206555887937690e-1,  1.0};
};

/// Phi^{-1}(p) for 0 < p < 1 (AS 241, PPND16). p must not be 0 or 1: callers keep p in (0, 1).
inline double normal_quantile(double p) noexcept {
  const double q = p - 0.5;
  if ((q < 0 ? -q : q) <= 0.425) {
    const double r = mul_add(-q, q, 0.180625);
    return q * horner(r, as241::a) / horner(r, as241::b);
  }
  double r = q < 0 ? p : 1.0 - p;
  r = std::sqrt(-log(r));
  double z;
  if (r <= 5.0) {
    r -= 1.6;
    z = horner(r, as241::c) / horner(r, as241::d);
  } else {
    r -= 5.0;
    z = horner(r, as241::e) / horner(r, as241::f);
  }
  return q < 0 ? -z : z;
}

}  // namespace nninit::detail::math
