// nninit: which tap is the centre of a conv kernel, for the schemes that write one (ZerO,
// ConstNet). An odd kernel has one centre, size // 2; an even one has none.
#pragma once

#include <array>
#include <string_view>
#include <utility>

#include "detail/conv.hpp"
#include "detail/enum_names.hpp"
#include "detail/format.hpp"
#include "shape.hpp"

namespace nninit {

/// What to do with an even kernel dimension k, which has no centre tap.
enum class kernel_centre {
  odd_only,  ///< refuse even kernels (init_error): the papers define odd kernels only
  upper,     ///< k / 2, as PyTorch `dirac_` (a half-pixel shift towards the end)
  lower,     ///< (k - 1) / 2, as JAX `delta_orthogonal`
};

namespace detail {
template <>
struct enum_names<kernel_centre> {
  static constexpr std::array<std::pair<kernel_centre, std::string_view>, 3> table{{
      {kernel_centre::odd_only, "odd_only"},
      {kernel_centre::upper, "upper"},
      {kernel_centre::lower, "lower"},
  }};
};

/// Checks the kernel against `rule` (argument `option` in messages) and returns the C-order
/// index of the centre tap.
inline index centre_tap(const checker& check, const shape& s, kernel_centre rule, std::string_view option) {
  for (index k : kernel_dims(s))
    if (k % 2 == 0 && rule == kernel_centre::odd_only)
      check.fail("kernel", cat("odd on every axis (set ", option, "=upper or lower to pick a centre)"), s.text());
  return centre_tap(s, [&](index k) { return rule == kernel_centre::lower ? (k - 1) / 2 : k / 2; });
}
}  // namespace detail

}  // namespace nninit
