// nninit::detail: PyTorch 1.13's CPU Tensor.uniform_ and Tensor.normal_, operation for operation,
// on nninit::torch_generator, so that the float32 and float64 values are PyTorch's to the bit.
//
// The references are PyTorch's aten/src/ATen/core/{TransformationHelper,DistributionsHelper}.h
// and aten/src/ATen/native/cpu/{DistributionTemplates,avx_mathfun}.h, in the build PyTorch runs
// on AVX2 CPUs: that translation unit is compiled with -mavx2 -mfma by g++ in its default
// -ffp-contract=fast, so every product whose only use is a sum became one fused multiply-add.
// The std::fma calls below are exactly those; every other product stays a product, and none
// feeds a sum, so the user's contraction flags cannot change these bits either.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "../plan.hpp"
#include "../torch_generator.hpp"
#include "math.hpp"
#include "target.hpp"

namespace nninit::detail::torch_cpu {

using math::bit_cast;

constexpr double pi = 3.14159265358979323846;

/// transformation::uniform_real: the low `digits` bits of one draw (float: random(), double:
/// random64()) scaled into [0, 1), then x * (to - from) + from, fused.
template <class T>
T uniform_real(torch_generator& gen, T from, T to) {
  if constexpr (sizeof(T) == 4) {
    const T x = static_cast<T>(gen.random() & 0xFFFFFFu) * T(0x1p-24);
    return std::fma(x, to - from, from);
  } else {
    const T x = static_cast<T>(gen.random64() & 0x1FFFFFFFFFFFFFull) * T(0x1p-53);
    return std::fma(x, to - from, from);
  }
}

/// Tensor.uniform_(from, to): from and to rounded to T first, as the CPU kernel does.
template <class T>
void uniform(torch_generator& gen, T* out, index n, double from, double to) {
  const T lo = static_cast<T>(from), hi = static_cast<T>(to);
  for (index i = 0; i < n; ++i) out[i] = uniform_real(gen, lo, hi);
}

/// log256_ps of avx_mathfun.h (Cephes' logf), one lane; x is in (0, 1] here.
inline float cephes_log(float x) {
  x = std::max(x, 0x1p-126f);  // no subnormals
  const std::uint32_t bits = bit_cast<std::uint32_t>(x);
  float e = static_cast<float>(static_cast<std::int32_t>(bits >> 23) - 0x7f) + 1.0f;
  const float m = bit_cast<float>((bits & ~0x7f800000u) | bit_cast<std::uint32_t>(0.5f));  // in [0.5, 1)
  const bool low = m < static_cast<float>(0.707106781186547524);
  x = (m - 1.0f) + (low ? m : 0.0f);
  e = e - (low ? 1.0f : 0.0f);
  const float z = x * x;
  static constexpr float p[] = {7.0376836292E-2f,  -1.1514610310E-1f, 1.1676998740E-1f,
                                -1.2420140846E-1f, 1.4249322787E-1f,  -1.6668057665E-1f,
                                2.0000714765E-1f,  -2.4999993993E-1f, 3.3333331174E-1f};
  float y = p[0];
  for (int k = 1; k < 9; ++k) y = std::fma(y, x, p[k]);
  y = std::fma(y * x, z, e * -2.12194440e-4f);
  y = y - z * 0.5f;
  return std::fma(e, 0.693359375f, x + y);
}

/// sincos256_ps of avx_mathfun.h (Cephes' sinf and cosf), one lane, for x >= 0.
inline void cephes_sincos(float x, float& sine, float& cosine) {
  const float y0 = x * 1.27323954473516f;  // 4 / pi
  const std::int32_t j = (static_cast<std::int32_t>(y0) + 1) & ~1;  // the octant, made even
  const float y = static_cast<float>(j);
  const std::uint32_t sin_sign = static_cast<std::uint32_t>(j & 4) << 29;
  const std::uint32_t cos_sign = (~static_cast<std::uint32_t>(j - 2) & 4u) << 29;
  const bool sine_first = (j & 2) == 0;
  // x - y pi/4 in three parts (Cephes' DP1-DP3)
  x = std::fma(y, -0.78515625f, x);
  x = std::fma(y, -2.4187564849853515625e-4f, x);
  x = std::fma(y, -3.77489497744594108e-8f, x);
  const float z = x * x;
  float c = std::fma(2.443315711809948E-005f, z, -1.388731625493765E-003f);
  c = std::fma(c, z, 4.166664568298827E-002f);
  c = std::fma(c * z, z, -(z * 0.5f)) + 1.0f;
  float s = std::fma(-1.9515295891E-4f, z, 8.3321608736E-3f);
  s = std::fma(s, z, -1.6666654611E-1f);
  s = std::fma(s * z, x, x);
  // The blend of the reference: one polynomial each, the other's slot an exact zero.
  const float s_part = sine_first ? s : 0.0f, c_part = sine_first ? 0.0f : c;
  const float sin_value = c_part + s_part, cos_value = (c - c_part) + (s - s_part);
  sine = bit_cast<float>(bit_cast<std::uint32_t>(sin_value) ^ sin_sign);
  cosine = bit_cast<float>(bit_cast<std::uint32_t>(cos_value) ^ cos_sign);
}

/// normal_fill_16_AVX2 (float) and normal_fill_16 (double): 16 uniforms in place become 16
/// normals, Box-Muller on the pairs (j, j + 8).
template <class T>
void box_muller_16(T* data, T mean, T std) {
  for (int j = 0; j < 8; ++j) {
    const T u1 = 1 - data[j];  // (0, 1] for the log
    const T u2 = data[j + 8];
    if constexpr (sizeof(T) == 4) {
      const float radius = std::sqrt(-2.0f * cephes_log(u1));
      float sine, cosine;
      cephes_sincos(static_cast<float>(2.0f * pi) * u2, sine, cosine);
      data[j] = std::fma(radius * cosine, std, mean);
      data[j + 8] = std::fma(radius * sine, std, mean);
    } else {
      const double radius = std::sqrt(-2 * std::log(u1));
      const double theta = 2.0f * pi * u2;
      data[j] = std::fma(radius * std::cos(theta), std, mean);
      data[j + 8] = std::fma(radius * std::sin(theta), std, mean);
    }
  }
}

/// at::normal_distribution<double>: one value, from the cache or from a new Box-Muller pair.
inline double scalar_normal(torch_generator& gen, double mean, double std) {
  std::optional<double>& cached = gen.next_double_normal();
  double z;
  if (cached) {
    z = *cached;
    cached.reset();
  } else {
    const double u1 = uniform_real(gen, 0.0, 1.0);
    const double u2 = uniform_real(gen, 0.0, 1.0);
    const double r = std::sqrt(-2.0 * std::log(1.0 - u2));
    const double theta = 2.0 * pi * u1;
    cached = r * std::sin(theta);
    z = r * std::cos(theta);
  }
  return std::fma(z, std, mean);
}

/// Tensor.normal_(mean, std) on a contiguous tensor of n elements (normal_kernel): from 16
/// elements on, n uniforms then Box-Muller in blocks of 16, the last block redrawn when n is
/// not a multiple of 16; below 16, the scalar normal, in double.
template <class T>
void normal(torch_generator& gen, T* out, index n, double mean, double std) {
  if (n < 16) {
    for (index i = 0; i < n; ++i) out[i] = static_cast<T>(scalar_normal(gen, mean, std));
    return;
  }
  const T m = static_cast<T>(mean), s = static_cast<T>(std);
  for (index i = 0; i < n; ++i) out[i] = uniform_real(gen, T(0), T(1));
  for (index i = 0; i + 16 <= n; i += 16) box_muller_16(out + i, m, s);
  if (n % 16 != 0) {
    T* last = out + n - 16;
    for (int i = 0; i < 16; ++i) last[i] = uniform_real(gen, T(0), T(1));
    box_muller_16(last, m, s);
  }
}

/// True for the plans a torch_generator reproduces.
inline bool reproduces(const plan& p) { return p.dist == distribution::uniform || p.dist == distribution::normal; }

/// Fills the whole target w with plan p's uniform_ or normal_, in the row-major order of its
/// rows x cols view: in place when w's elements lie contiguous in that order.
template <class X>
void fill(const plan& p, X& w, torch_generator& gen) {
  using T = typename X::Scalar;
  const index n = static_cast<index>(w.size());
  auto draw = [&](T* out) {
    if (p.dist == distribution::uniform) uniform(gen, out, n, p.lo, p.hi);
    else normal(gen, out, n, p.mean, p.std);
  };
  if constexpr (static_cast<bool>(Eigen::internal::traits<X>::Flags & Eigen::DirectAccessBit)) {
    const bool contiguous = (w.cols() == 1 || w.colStride() == 1) && (w.rows() == 1 || w.rowStride() == w.cols());
    if (contiguous) return draw(w.data());
  }
  std::vector<T> values(static_cast<std::size_t>(n));
  draw(values.data());
  using row_major = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  w = Eigen::Map<const row_major>(values.data(), w.rows(), w.cols());
}

}  // namespace nninit::detail::torch_cpu
