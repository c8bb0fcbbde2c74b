// nninit::detail: reading a view element of a conv weight as (output channel, input channel, tap).
#pragma once

#include "../shape.hpp"

namespace nninit::detail {

struct conv_coord {
  index out, in, tap;
};

/// The kernel dimensions of a conv weight, whichever the layout.
inline std::vector<index> kernel_dims(const shape& s) {
  const auto first = s.dims.begin() + (s.order == layout::out_in ? 2 : 0);
  return std::vector<index>(first, first + static_cast<std::ptrdiff_t>(s.dims.size() - 2));
}

/// (out, in, tap) of view element (R, C); tap is the C-order index within the kernel.
inline conv_coord conv_coord_of(const shape& s, index R, index C) {
  const index k = s.receptive_field();
  if (s.order == layout::out_in) return {R, C / k, C % k};  // view (out, in*k)
  const index in = s.dims[s.dims.size() - 2];
  return {C, R % in, R / in};  // view (k*in, out)
}

/// C-order index of the tap at (d_1, ..., d_n) = centre(kernel size) on every kernel axis.
template <class Centre>
index centre_tap(const shape& s, Centre centre) {
  index tap = 0;
  for (index k : kernel_dims(s)) tap = tap * k + centre(k);
  return tap;
}

}  // namespace nninit::detail
