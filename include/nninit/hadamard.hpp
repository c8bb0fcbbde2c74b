// nninit: Sylvester-Hadamard matrices without storing them, and the fast Walsh-Hadamard transform.
#pragma once

#include <Eigen/Core>
#include <array>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <utility>

#include "detail/enum_names.hpp"
#include "detail/format.hpp"
#include "detail/target.hpp"
#include "shape.hpp"

namespace nninit {

/// The factor c of a scaled Hadamard matrix c * H_m (H_m is 2^m x 2^m with entries +-1).
enum class hadamard_scale {
  orthonormal,  ///< c = 2^(-m/2): c * H_m is orthogonal (ZerO's official code, the default)
  paper,        ///< c = 2^(-(m-1)/2): ZerO's paper, Algorithms 1 and 2
  none,         ///< c = 1: the +-1 matrix itself
};

namespace detail {
template <>
struct enum_names<hadamard_scale> {
  static constexpr std::array<std::pair<hadamard_scale, std::string_view>, 3> table{{
      {hadamard_scale::orthonormal, "orthonormal"},
      {hadamard_scale::paper, "paper"},
      {hadamard_scale::none, "none"},
  }};
};

/// popcount(x) mod 2, without relying on a compiler builtin.
constexpr int parity(std::uint64_t x) noexcept {
  x ^= x >> 32;
  x ^= x >> 16;
  x ^= x >> 8;
  x ^= x >> 4;
  x ^= x >> 2;
  x ^= x >> 1;
  return static_cast<int>(x & 1);
}
}  // namespace detail

/// Entry (i, j) of the Sylvester-Hadamard matrix of any order > max(i, j):
/// H_0 = [1], H_m = [[H_{m-1}, H_{m-1}], [H_{m-1}, -H_{m-1}]] gives H[i][j] = (-1)^popcount(i & j)
/// (equal to scipy.linalg.hadamard). A top-left block of H_m does not depend on m.
constexpr int hadamard_entry(index i, index j) noexcept {
  return detail::parity(static_cast<std::uint64_t>(i) & static_cast<std::uint64_t>(j)) ? -1 : 1;
}

/// The smallest m with 2^m >= n (n >= 1), in integer arithmetic, so exact for every n.
constexpr int hadamard_order(index n) noexcept {
  int m = 0;
  while ((index{1} << m) < n) ++m;
  return m;
}

/// c for c * H_m, computed exactly: 2^(-m/2) is 2^(-m/2) for even m and the correctly rounded
/// 1/sqrt(2) times an exact power of two for odd m (never pow(2, -m/2.), whose last bit varies
/// between libms). Rounding the double to float gives PyTorch's `H / 2**(m/2)` constants.
inline double hadamard_constant(int m, hadamard_scale scale) {
  if (scale == hadamard_scale::none) return 1.0;
  const int halvings = scale == hadamard_scale::paper ? m - 1 : m;  // c = 2^(-halvings/2)
  constexpr double inv_sqrt2 = 0.70710678118654752440;
  return halvings % 2 == 0 ? std::ldexp(1.0, -halvings / 2) : std::ldexp(inv_sqrt2, -(halvings - 1) / 2);
}

/// In place, every column x of `v` becomes c * H_m x, where v has 2^m rows and c is `scale`'s
/// factor (orthonormal: the transform is its own inverse; none: the +-1 transform). The fast
/// Walsh-Hadamard transform, m * 2^m additions per column, natural (Sylvester) order, the same
/// as multiplying by the matrix of `hadamard_entry`. Accepts any writable Eigen dense
/// expression (a vector, a matrix of columns, a Map, a block); throws init_error when the
/// number of rows is not a power of two.
template <class Target>
void fwht(Target&& v, hadamard_scale scale = hadamard_scale::orthonormal) {
  auto& x = detail::writable(std::forward<Target>(v));
  using T = typename detail::target_type<Target>::Scalar;
  const index n = x.rows();
  if (n < 1 || (n & (n - 1)) != 0)
    detail::checker("fwht", detail::cat(detail::number(n), "x", detail::number(static_cast<index>(x.cols()))))
        .fail("rows", "a power of two", detail::number(n));
  for (index c = 0; c < x.cols(); ++c) {
    for (index h = 1; h < n; h *= 2)
      for (index i = 0; i < n; i += 2 * h)
        for (index j = i; j < i + h; ++j) {
          const T a = x.coeff(j, c), b = x.coeff(j + h, c);
          x.coeffRef(j, c) = a + b;
          x.coeffRef(j + h, c) = a - b;
        }
  }
  const double factor = hadamard_constant(hadamard_order(n), scale);
  if (factor != 1.0) x *= static_cast<T>(factor);
}

}  // namespace nninit
