// nninit::detail: the one sampling engine. Schemes compute a plan; this turns a plan's
// distribution into values, element by element, as a pure function of the logical index.
//
// Streams (version 2; see CHANGELOG.md). Philox block b of the values domain gives the elements
// of logical indices [b*P, b*P + P), P = 4 for float and 2 for double targets:
//  - uniform:  float: u = (w >> 8) * 2^-24 per 32-bit word; double: u = (W >> 11) * 2^-53 per
//              64-bit word W = w0 | w1 << 32; x = min(lo + (hi - lo) * u, the largest T below hi).
//  - normal:   Box-Muller on word pairs (float) or 64-bit pairs (double): u1 in (0, 1] from the
//              first as above plus one ulp, the angle 2*pi*k/2^B from the second (B = 24, 53);
//              x0 = mean + std * r cos, x1 = mean + std * r sin, r = sqrt(-2 ln u1).
//  - truncated normal, inverse CDF (in double for both scalar types): v in (0, 1) from one word
//              (2w + 1) * 2^-33, or 52 bits (2k + 1) * 2^-53; U = Phi(alpha) + v * mass;
//              x = clamp(mean + std * Phi^-1(U), lo, hi), computed on the mirrored interval when
//              it lies mostly above the mean, so tails keep full relative precision.
//  - truncated normal, when the interval holds at least half the mass (version 2): the normal
//              value x at the same index where lo <= x <= hi, else the inverse-CDF value from
//              the same index of the redraw domain (truncated_normal_kernel).
// Every value is a function of its own index: a fixed number of words per value, and at most one
// redraw, from a counter of its own, instead of a rejection loop. That is what a counter-based
// stream needs, and what lets SIMD lanes run side by side.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "../engine.hpp"
#include "../parallel.hpp"
#include "../plan.hpp"
#include "fp.hpp"
#include "math.hpp"
#include "simd_avx2.hpp"
#include "target.hpp"

namespace nninit::detail {

using words = philox4x32::counter_type;

template <class T>
constexpr int per_block = sizeof(T) == 4 ? 4 : 2;

inline std::uint64_t word64(const words& w, int j) {
  const auto i = static_cast<std::size_t>(j) * 2;
  return static_cast<std::uint64_t>(w[i]) | (static_cast<std::uint64_t>(w[i + 1]) << 32);
}

/// The B-bit integer (B = digits of T) behind each uniform of a block: bits are taken from the top.
template <class T>
inline math::bits_t<T> top_bits(const words& w, int j) {
  if constexpr (sizeof(T) == 4) return w[j] >> 8;
  else return word64(w, j) >> 11;
}

template <class T>
constexpr T two_pow_minus_digits = T(1) / static_cast<T>(math::bits_t<T>{1} << std::numeric_limits<T>::digits);

template <class T>
struct uniform_kernel {
  T lo, width, below_hi;
  explicit uniform_kernel(const plan& p)
      : lo(static_cast<T>(p.lo)),
        width(static_cast<T>(p.hi) - static_cast<T>(p.lo)),
        below_hi(p.lo < p.hi ? std::nextafter(static_cast<T>(p.hi), static_cast<T>(p.lo)) : static_cast<T>(p.hi)) {}
  void operator()(const engine& eng, domain d, std::uint64_t b, T* out) const {
    const words w = eng.block(d, b);
    for (int j = 0; j < per_block<T>; ++j) {
      const T u = static_cast<T>(top_bits<T>(w, j)) * two_pow_minus_digits<T>;
      out[j] = std::min(mul_add(width, u, lo), below_hi);
    }
  }
#ifdef NNINIT_DETAIL_AVX2
  void simd(const engine& eng, domain d, std::uint64_t b, std::uint64_t groups, T* out) const {
    avx2::uniform_blocks(eng, d, b, groups, lo, width, below_hi, out);
  }
#endif
};

template <class T>
struct normal_kernel {
  T mean, std;
  explicit normal_kernel(const plan& p) : mean(static_cast<T>(p.mean)), std(static_cast<T>(p.std)) {}
  void operator()(const engine& eng, domain d, std::uint64_t b, T* out) const {
    const words w = eng.block(d, b);
    for (int j = 0; j < per_block<T>; j += 2) {
      const T u1 = static_cast<T>(top_bits<T>(w, j) + 1) * two_pow_minus_digits<T>;  // (0, 1]
      const T r = std::sqrt(T(-2) * math::log(u1));
      const auto sc = math::sincos_turn<T>(top_bits<T>(w, j + 1));
      out[j] = mul_add(std, opaque(r * sc.cos), mean);
      out[j + 1] = mul_add(std, opaque(r * sc.sin), mean);
    }
  }
#ifdef NNINIT_DETAIL_AVX2
  void simd(const engine& eng, domain d, std::uint64_t b, std::uint64_t groups, T* out) const {
    avx2::normal_blocks(eng, d, b, groups, mean, std, out);
  }
#endif
};

/// The T next to v towards +inf (up) or -inf, for the 16-bit types; -0 and +0 both step to
/// the smallest subnormal of the direction.
template <class T>
T next_toward(T v, bool up) {
  auto bits = Eigen::numext::bit_cast<std::uint16_t>(v);
  const bool negative = (bits & 0x8000u) != 0, zero = (bits & 0x7FFFu) == 0;
  if (zero) bits = up ? 0x0001u : 0x8001u;
  else bits = static_cast<std::uint16_t>(negative == up ? bits - 1 : bits + 1);
  return Eigen::numext::bit_cast<T>(bits);
}

/// The smallest T >= x (up) or the largest T <= x, as a double; infinities stay as they are.
template <class T>
double representable_within(double x, bool up) {
  if (!std::isfinite(x)) return x;
  if constexpr (is_half_precision<T>) {
    T t = static_cast<T>(static_cast<float>(x));
    while (up ? static_cast<double>(static_cast<float>(t)) < x : static_cast<double>(static_cast<float>(t)) > x)
      t = next_toward(t, up);
    return static_cast<double>(static_cast<float>(t));
  } else {
    const T t = static_cast<T>(x);
    if (up ? static_cast<double>(t) >= x : static_cast<double>(t) <= x) return static_cast<double>(t);
    return static_cast<double>(std::nextafter(t, up ? std::numeric_limits<T>::infinity() : -std::numeric_limits<T>::infinity()));
  }
}

/// The point between T value t and its neighbour towards +inf (up) or -inf: where rounding to
/// T moves from one to the other.
template <class T>
double rounding_boundary(double t, bool up) {
  const double next = static_cast<double>(static_cast<float>(next_toward(static_cast<T>(static_cast<float>(t)), up)));
  return 0.5 * (t + next);
}

/// Truncated normal values of type T. For a 16-bit Target (values computed in float, T) the
/// truncation is moved inwards to where rounding to the target stays inside [lo, hi]: to the
/// rounding boundary below the nearest target value within each bound. Each target value then
/// gets the mass of its rounding interval, renormalised: nothing lands outside the bounds, and
/// the mass that rounding would push past a bound is not piled onto it (ECOSYSTEM.md §2 item 4).
///
/// Two samplers, chosen by the interval's mass Z under N(mean, std^2) (stream version 2):
///  - Z >= 1/2, accept or redraw: the normal stream's value at the same index (normal_kernel<T>
///    with this mean and std) where it lies in the (cut) interval, else the inverse-CDF value
///    drawn from the same index of the redraw domain. The result has exactly the truncated law:
///    P(A) = P(N in A) + (1 - Z) P(N in A) / Z = P(N in A) / Z for A inside the interval. It
///    costs a normal value plus, 1 - Z of the time, an inverse CDF: at +-2 std, 4.6 % of values.
///  - Z < 1/2: the inverse CDF for every value, whose cost does not grow as Z shrinks and which
///    keeps full relative precision in far tails.
template <class T, class Target = T>
struct truncated_normal_kernel {
  double mean, std, lo, hi, p_lo, mass;
  bool mirrored;
  bool accept_first;      ///< the accept-or-redraw sampler
  T accept_lo, accept_hi;  ///< the T values in the cut interval: a normal value is kept within them
  normal_kernel<T> normal;
  explicit truncated_normal_kernel(const plan& p) : mean(p.mean), std(p.std), lo(p.lo), hi(p.hi), normal(p) {
    double cut_lo = lo, cut_hi = hi;
    if constexpr (is_half_precision<Target>) {
      lo = representable_within<Target>(p.lo, true);
      hi = representable_within<Target>(p.hi, false);
      if (std::isfinite(lo)) cut_lo = std::max(p.lo, rounding_boundary<Target>(lo, false));
      if (std::isfinite(hi)) cut_hi = std::min(p.hi, rounding_boundary<Target>(hi, true));
    }
    accept_lo = static_cast<T>(representable_within<T>(cut_lo, true));
    accept_hi = static_cast<T>(representable_within<T>(cut_hi, false));
    double alpha = (cut_lo - mean) / std, beta = (cut_hi - mean) / std;
    mirrored = alpha + beta > 0;
    if (mirrored) std::swap(alpha, beta), alpha = -alpha, beta = -beta;
    p_lo = math::normal_cdf(alpha);
    mass = math::normal_cdf(beta) - p_lo;
    accept_first = mass >= 0.5;
  }
  void operator()(const engine& eng, domain d, std::uint64_t b, T* out) const {
    if (!accept_first) return inverse_cdf(eng.block(d, b), out, 0, per_block<T>);
    normal(eng, d, b, out);
    words redraw{};
    bool drawn = false;
    for (int j = 0; j < per_block<T>; ++j) {
      if (accepted(out[j])) {
        out[j] = kept(out[j]);
        continue;
      }
      if (!drawn) redraw = eng.block(redraw_domain(d), b), drawn = true;
      inverse_cdf(redraw, out, j, j + 1);
    }
  }
  bool accepted(T x) const { return accept_lo <= x && x <= accept_hi; }
  /// An accepted value, clamped to the target values within the bounds: a no-op but for a
  /// 16-bit target's value on a rounding boundary, which rounding to even could push outside.
  T kept(T x) const { return std::clamp(x, static_cast<T>(lo), static_cast<T>(hi)); }
  /// Values [j0, j1) of a block by the inverse CDF, from the block's words.
  void inverse_cdf(const words& w, T* out, int j0, int j1) const {
    for (int j = j0; j < j1; ++j) {
      double v;  // in (0, 1), never an end point
      if constexpr (sizeof(T) == 4) v = static_cast<double>(2 * static_cast<std::uint64_t>(w[j]) + 1) * 0x1p-33;
      else v = static_cast<double>(2 * (word64(w, j) >> 12) + 1) * 0x1p-53;
      out[j] = value(v);
    }
  }
  T value(double v) const {
    const double u = std::min(mul_add(v, mass, p_lo), 1.0 - 0x1p-53);
    const double z = math::normal_quantile(u);
    const double x = mul_add(std, mirrored ? -z : z, mean);
    return static_cast<T>(std::clamp(x, lo, hi));
  }
#ifdef NNINIT_DETAIL_AVX2
  void simd(const engine& eng, domain d, std::uint64_t b, std::uint64_t groups, T* out) const {
    const avx2::truncated_normal_params t{mean, std, lo, hi, p_lo, mass, mirrored};
    auto scalar = [this](std::uint32_t word, T* slot) {
      *slot = value(static_cast<double>(2 * static_cast<std::uint64_t>(word) + 1) * 0x1p-33);
    };
    if (!accept_first) return avx2::truncated_normal_blocks(eng, d, b, groups, t, out, scalar);
    const avx2::accept_params a{normal.mean, normal.std, accept_lo, accept_hi, static_cast<T>(lo), static_cast<T>(hi)};
    avx2::truncated_normal_accept_blocks(eng, d, b, groups, a, t, out, scalar);
  }
#endif
};

#ifdef NNINIT_DETAIL_AVX2
/// True when Kernel has an AVX2 path for targets of type T (float: four blocks fill 16 values).
template <class Kernel, class T, class = void>
struct has_simd : std::false_type {};
template <class Kernel, class T>
struct has_simd<Kernel, T,
                std::void_t<decltype(std::declval<const Kernel&>().simd(std::declval<const engine&>(), domain::values,
                                                                        std::uint64_t{}, std::uint64_t{},
                                                                        std::declval<T*>()))>>
    : std::bool_constant<std::is_same_v<T, float>> {};
#endif

/// Values of logical indices [first, first + count) into out: whole groups of four blocks on
/// the AVX2 path when there is one, the rest (and everything without it) block by block.
template <class T, class Kernel>
void generate(const engine& eng, domain d, const Kernel& kernel, index first, index count, T* out) {
  constexpr index P = per_block<T>;
  T block[P];
  index b = first / P;
  index skip = first % P;
  auto one_block = [&] {  // block b's values from `skip` on, as many as are still wanted
    kernel(eng, d, static_cast<std::uint64_t>(b), block);
    const index take = std::min<index>(P - skip, count);
    std::copy(block + skip, block + skip + take, out);
    out += take;
    count -= take;
    skip = 0;
    ++b;
  };
#ifdef NNINIT_DETAIL_AVX2
  if constexpr (has_simd<Kernel, T>::value) {
    if (skip != 0 && count > 0) one_block();  // the partial first block
    const index groups = count / (4 * P);
    if (groups > 0 && avx2::available()) {
      kernel.simd(eng, d, static_cast<std::uint64_t>(b), static_cast<std::uint64_t>(groups), out);
      b += 4 * groups;
      out += 4 * P * groups;
      count -= 4 * P * groups;
    }
  }
#endif
  while (count > 0) one_block();  // NOLINT(bugprone-infinite-loop): one_block decreases count
}

/// out[0, n) = in[0, n) rounded to the 16-bit type T (to nearest even): with F16C for
/// Eigen::half when the CPU has it (Eigen's scalar conversion is a software routine), with
/// Eigen's vectorised cast otherwise. The same bits either way.
template <class T>
void round_row(const float* in, T* out, index n) {
#ifdef NNINIT_DETAIL_AVX2
  if constexpr (std::is_same_v<T, Eigen::half>) {
    if (avx2::f16c_available()) return avx2::floats_to_half(in, reinterpret_cast<std::uint16_t*>(out), n);
  }
#endif
  Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>>(out, n) = Eigen::Map<const Eigen::RowVectorXf>(in, n).cast<T>();
}

/// Smallest number of elements worth a task of its own: below it a thread costs more to start
/// than it saves.
constexpr index min_elements_per_task = index{1} << 16;

/// Writes the kernel's values into rows [r0, r1) x columns [c0, c1) of the target. Values are
/// generated in logical (row-major) order: straight into a row-major target's rows, or into a
/// panel of up to 16 rows copied out as a block, so a column-major target is written a cache
/// line per column rather than one element per line.
template <class X, class Kernel>
void fill_range(X& w, const geometry& g, const engine& eng, domain d, const Kernel& kernel, index r0, index r1,
                index c0, index c1) {
  using T = typename X::Scalar;
  using C = compute_t<T>;
  const index width = c1 - c0;
  if constexpr (X::IsRowMajor && (Eigen::internal::traits<X>::Flags & Eigen::DirectAccessBit) != 0) {
    if (w.innerStride() == 1) {
      if constexpr (std::is_same_v<T, C>) {
        for (index r = r0; r < r1; ++r) generate(eng, d, kernel, g.row_base(r) + c0, width, &w.coeffRef(r, c0));
      } else {  // a 16-bit target: a cache-resident chunk of floats, rounded once into the row
        constexpr index chunk = 2048;
        C values[chunk];
        for (index r = r0; r < r1; ++r)
          for (index c = c0; c < c1; c += chunk) {
            const index n = std::min(chunk, c1 - c);
            generate(eng, d, kernel, g.row_base(r) + c, n, values);
            round_row(values, &w.coeffRef(r, c), n);
          }
      }
      return;
    }
  }
  const index panel_rows = std::clamp<index>((index{1} << 16) / width, 1, 16);
  Eigen::Matrix<C, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> panel(std::min(panel_rows, r1 - r0), width);
  for (index r = r0; r < r1; r += panel.rows()) {
    const index k = std::min<index>(panel.rows(), r1 - r);
    for (index i = 0; i < k; ++i) generate(eng, d, kernel, g.row_base(r + i) + c0, width, panel.row(i).data());
    if constexpr (std::is_same_v<T, C>) {
      w.block(r, c0, k, width) = panel.topRows(k);
    } else {  // a 16-bit target: rounded once, here
      Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rounded(k, width);
      for (index i = 0; i < k; ++i) round_row(panel.row(i).data(), rounded.row(i).data(), width);
      w.block(r, c0, k, width) = rounded;
    }
  }
}

/// Writes the kernel's values into every element of the target, split into `par.threads` tasks
/// over contiguous ranges of rows (or of columns, for a target with fewer rows than tasks).
template <class X, class Kernel>
void fill_with(X& w, const geometry& g, const engine& eng, domain d, const Kernel& kernel, const parallel& par = {}) {
  if (g.numel() == 0) return;
  const index most_tasks = std::max<index>(1, g.numel() / min_elements_per_task);
  const int tasks = static_cast<int>(std::min<index>(std::max(par.threads, 1), most_tasks));
  const bool by_rows = g.rows >= tasks;
  const index extent = by_rows ? g.rows : g.cols;
  run_tasks(par, tasks, [&](int t) {
    const index lo = extent * t / tasks, hi = extent * (t + 1) / tasks;
    if (by_rows) fill_range(w, g, eng, d, kernel, lo, hi, 0, g.cols);
    else fill_range(w, g, eng, d, kernel, 0, g.rows, lo, hi);
  });
}

/// Writes value(view_row, view_col) into every element: the deterministic schemes.
template <class X, class F>
void fill_by_position(X& w, const geometry& g, F&& value) {
  using T = typename X::Scalar;
  for (index r = 0; r < g.rows; ++r)
    for (index c = 0; c < g.cols; ++c) w.coeffRef(r, c) = static_cast<T>(value(g.view_row(r, c), g.view_col(r, c)));
}

/// value(view_row, view_col) plus N(0, noise_std^2) noise, each element's noise drawn from its
/// own logical index (so a block gets the whole fill's block): on every element when
/// `everywhere`, else only where value != 0. Deterministic schemes' optional symmetry breaking.
template <class X, class F>
void fill_by_position(X& w, const geometry& g, F&& value, const engine& eng, double noise_std, bool everywhere) {
  using T = typename X::Scalar;
  if (noise_std == 0) return fill_by_position(w, g, value);
  plan noise;
  noise.mean = 0;
  noise.std = noise_std;
  fill_with(w, g, eng, domain::values, normal_kernel<T>(noise));
  for (index r = 0; r < g.rows; ++r)
    for (index c = 0; c < g.cols; ++c) {
      const T base = static_cast<T>(value(g.view_row(r, c), g.view_col(r, c)));
      w.coeffRef(r, c) = everywhere || base != T(0) ? base + w.coeff(r, c) : T(0);
    }
}

/// Executes the plans whose values are independent per element.
template <class X>
void sample(const plan& p, X& w, const geometry& g, const engine& eng, domain d = domain::values,
            const parallel& par = {}) {
  using T = typename X::Scalar;
  using C = compute_t<T>;
  switch (p.dist) {
    case distribution::constant: w.setConstant(static_cast<T>(p.value)); break;
    case distribution::uniform: fill_with(w, g, eng, d, uniform_kernel<C>(p), par); break;
    case distribution::normal: fill_with(w, g, eng, d, normal_kernel<C>(p), par); break;
    case distribution::truncated_normal: fill_with(w, g, eng, d, truncated_normal_kernel<C, T>(p), par); break;
    default: break;  // structured plans are written by their schemes
  }
}

}  // namespace nninit::detail
