// nninit::detail: the one sampling engine. Schemes compute a plan; this turns a plan's
// distribution into values, element by element, as a pure function of the logical index.
//
// Streams (version 1; see CHANGELOG.md). Philox block b of the values domain gives the elements
// of logical indices [b*P, b*P + P), P = 4 for float and 2 for double targets:
//  - uniform:  float: u = (w >> 8) * 2^-24 per 32-bit word; double: u = (W >> 11) * 2^-53 per
//              64-bit word W = w0 | w1 << 32; x = min(lo + (hi - lo) * u, the largest T below hi).
//  - normal:   Box-Muller on word pairs (float) or 64-bit pairs (double): u1 in (0, 1] from the
//              first as above plus one ulp, the angle 2*pi*k/2^B from the second (B = 24, 53);
//              x0 = mean + std * r cos, x1 = mean + std * r sin, r = sqrt(-2 ln u1).
//  - truncated normal: inverse CDF in double for both scalar types: v in (0, 1) from one word
//              (2w + 1) * 2^-33, or 52 bits (2k + 1) * 2^-53; U = Phi(alpha) + v * mass;
//              x = clamp(mean + std * Phi^-1(U), lo, hi), computed on the mirrored interval when
//              it lies mostly above the mean, so tails keep full relative precision.
// Box-Muller uses a fixed two uniforms per pair and the inverse CDF one per value, which is what
// a counter-based stream needs (no rejection loop) and what SIMD lanes can run side by side.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "../engine.hpp"
#include "../plan.hpp"
#include "fp.hpp"
#include "math.hpp"
#include "target.hpp"

namespace nninit::detail {

using words = philox4x32::counter_type;

template <class T>
constexpr int per_block = sizeof(T) == 4 ? 4 : 2;

inline std::uint64_t word64(const words& w, int j) {
  return static_cast<std::uint64_t>(w[2 * j]) | (static_cast<std::uint64_t>(w[2 * j + 1]) << 32);
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
  void operator()(const words& w, T* out) const {
    for (int j = 0; j < per_block<T>; ++j) {
      const T u = static_cast<T>(top_bits<T>(w, j)) * two_pow_minus_digits<T>;
      out[j] = std::min(mul_add(width, u, lo), below_hi);
    }
  }
};

template <class T>
struct normal_kernel {
  T mean, std;
  explicit normal_kernel(const plan& p) : mean(static_cast<T>(p.mean)), std(static_cast<T>(p.std)) {}
  void operator()(const words& w, T* out) const {
    for (int j = 0; j < per_block<T>; j += 2) {
      const T u1 = static_cast<T>(top_bits<T>(w, j) + 1) * two_pow_minus_digits<T>;  // (0, 1]
      const T r = std::sqrt(T(-2) * math::log(u1));
      const auto sc = math::sincos_turn<T>(top_bits<T>(w, j + 1));
      out[j] = mul_add(std, opaque(r * sc.cos), mean);
      out[j + 1] = mul_add(std, opaque(r * sc.sin), mean);
    }
  }
};

template <class T>
struct truncated_normal_kernel {
  double mean, std, lo, hi, p_lo, mass;
  bool mirrored;
  explicit truncated_normal_kernel(const plan& p) : mean(p.mean), std(p.std), lo(p.lo), hi(p.hi) {
    double alpha = (lo - mean) / std, beta = (hi - mean) / std;
    mirrored = alpha + beta > 0;
    if (mirrored) std::swap(alpha, beta), alpha = -alpha, beta = -beta;
    p_lo = math::normal_cdf(alpha);
    mass = math::normal_cdf(beta) - p_lo;
  }
  void operator()(const words& w, T* out) const {
    for (int j = 0; j < per_block<T>; ++j) {
      double v;  // in (0, 1), never an end point
      if constexpr (sizeof(T) == 4) v = static_cast<double>(2 * static_cast<std::uint64_t>(w[j]) + 1) * 0x1p-33;
      else v = static_cast<double>(2 * (word64(w, j) >> 12) + 1) * 0x1p-53;
      const double u = std::min(mul_add(v, mass, p_lo), 1.0 - 0x1p-53);
      const double z = math::normal_quantile(u);
      const double x = mul_add(std, mirrored ? -z : z, mean);
      out[j] = static_cast<T>(std::clamp(x, lo, hi));
    }
  }
};

/// Values of logical indices [first, first + count) into out.
template <class T, class Kernel>
void generate(const engine& eng, domain d, const Kernel& kernel, index first, index count, T* out) {
  constexpr index P = per_block<T>;
  T block[P];
  index b = first / P;
  index skip = first % P;
  while (count > 0) {
    kernel(eng.block(d, static_cast<std::uint64_t>(b)), block);
    const index take = std::min<index>(P - skip, count);
    std::copy(block + skip, block + skip + take, out);
    out += take;
    count -= take;
    skip = 0;
    ++b;
  }
}

/// Writes the kernel's values into every element of the target. Values are generated in
/// logical (row-major) order into a panel of up to 16 rows and copied out as a block, so a
/// column-major target is written a cache line per column rather than one element per line.
template <class X, class Kernel>
void fill_with(X& w, const geometry& g, const engine& eng, domain d, const Kernel& kernel) {
  using T = typename X::Scalar;
  if (g.numel() == 0) return;
  const index panel_rows = std::clamp<index>((index{1} << 16) / g.cols, 1, 16);
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> panel(std::min(panel_rows, g.rows), g.cols);
  for (index r = 0; r < g.rows; r += panel.rows()) {
    const index k = std::min<index>(panel.rows(), g.rows - r);
    for (index i = 0; i < k; ++i) generate(eng, d, kernel, g.row_base(r + i), g.cols, panel.row(i).data());
    w.middleRows(r, k) = panel.topRows(k);
  }
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
void sample(const plan& p, X& w, const geometry& g, const engine& eng, domain d = domain::values) {
  using T = typename X::Scalar;
  switch (p.dist) {
    case distribution::constant: w.setConstant(static_cast<T>(p.value)); break;
    case distribution::uniform: fill_with(w, g, eng, d, uniform_kernel<T>(p)); break;
    case distribution::normal: fill_with(w, g, eng, d, normal_kernel<T>(p)); break;
    case distribution::truncated_normal: fill_with(w, g, eng, d, truncated_normal_kernel<T>(p)); break;
    default: break;  // structured plans are written by their schemes
  }
}

}  // namespace nninit::detail
