// nninit: the logical shape of a weight, its 2-D view, and its fans.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "detail/format.hpp"

namespace nninit {

using index = std::int64_t;

/// How a weight's dimensions are ordered.
enum class layout {
  out_in,  ///< PyTorch: (out, in, *kernel); the 2-D view is (out, in*k). The default.
  in_out,  ///< Keras/JAX/Haiku: (*kernel, in, out); the 2-D view is (k*in, out).
};

/// fan_in and fan_out of a weight.
struct fans {
  index in = 0;
  index out = 0;
};

/// The logical shape of the whole weight a target belongs to, and where the target sits in it.
///
/// Every target is a 2-D Eigen expression seen as a block of the weight's 2-D view: for the
/// default layout, rows are outputs (y = W x) and columns are in*kernel, so a (64, 3, 3, 3)
/// conv kernel is filled as a 64x27 matrix. Element (r, c) of the view has the logical index
/// r * view_cols + c, the C order of the logical shape; random values are a function of that
/// index only. Leave `dims` empty to mean "the target itself".
///
/// Fans follow PyTorch's `_calculate_fan_in_and_fan_out` unless asked otherwise:
///   fan_in = dims[1] * k, fan_out = dims[0] * k, k = prod(dims[2:]) (layout::out_in);
///   fan_in = dims[-2] * k, fan_out = dims[-1] * k, k = prod(dims[:-2]) (layout::in_out, as Keras).
/// `groups` > 1 divides fan_out by the group count: the per-group fan of a grouped conv, the fix
/// proposed in pytorch/pytorch#23854 and never merged. `transposed` reads the weight of a
/// transposed conv, stored (in, out/groups, *k), with its true fans (fan_in = in/groups * k,
/// fan_out = out/groups * k); PyTorch instead swaps them. A shard of a tensor-parallel weight
/// gives the whole weight's `dims` and its own offset (`row0`, `col0`), so it gets the whole
/// weight's fans and exactly the values of the whole fill (the Megatron-Bridge #5840 bug).
struct shape {
  std::vector<index> dims;
  layout order = layout::out_in;
  index groups = 1;
  bool transposed = false;
  index row0 = 0;  ///< first row of the target in the 2-D view
  index col0 = 0;  ///< first column of the target in the 2-D view

  shape() = default;
  shape(std::initializer_list<index> d) : dims(d) {}
  explicit shape(std::vector<index> d) : dims(std::move(d)) {}

  /// Fluent setters, for one-line calls in C++17.
  shape& with_layout(layout l) { order = l; return *this; }
  shape& with_groups(index g) { groups = g; return *this; }
  shape& as_transposed(bool t = true) { transposed = t; return *this; }
  shape& at(index r0, index c0) { row0 = r0; col0 = c0; return *this; }

  index numel() const {
    index n = 1;
    for (index d : dims) n *= d;
    return n;
  }
  /// Product of the kernel dimensions (1 for a dense weight).
  index receptive_field() const {
    index k = 1;
    if (dims.size() > 2) {
      const std::size_t first = order == layout::out_in ? 2 : 0;
      for (std::size_t i = 0; i < dims.size() - 2; ++i) k *= dims[first + i];
    }
    return k;
  }
  /// Rows of the 2-D view.
  index rows() const {
    if (dims.empty()) return 1;
    if (dims.size() == 1 || order == layout::out_in) return dims[0];
    return numel_except_last();
  }
  /// Columns of the 2-D view.
  index cols() const {
    if (dims.size() < 2) return 1;
    if (order == layout::out_in) return numel_except_first();
    return dims.back();
  }
  /// The output-channel and input-channel dimensions as stored (before `transposed`).
  std::pair<index, index> channel_dims() const {
    if (order == layout::out_in) return {dims[0], dims[1]};
    return {dims[dims.size() - 1], dims[dims.size() - 2]};
  }

  /// Fans under the rules above. Needs at least two dimensions; checked by the caller.
  nninit::fans fans() const {
    const auto [first, second] = channel_dims();
    const index k = receptive_field();
    if (transposed) return {first / groups * k, second * k};
    return {second * k, first / groups * k};
  }

  std::string text() const { return detail::dims_text(dims); }

 private:
  index numel_except_last() const {
    index n = 1;
    for (std::size_t i = 0; i + 1 < dims.size(); ++i) n *= dims[i];
    return n;
  }
  index numel_except_first() const {
    index n = 1;
    for (std::size_t i = 1; i < dims.size(); ++i) n *= dims[i];
    return n;
  }
};

/// How a scheme turns fans into the n of Var[w] = scale / n.
enum class fan_mode {
  fan_in,       ///< n = fan_in: preserves the forward signal's variance
  fan_out,      ///< n = fan_out: preserves the backward gradient's variance
  fan_avg,      ///< n = (fan_in + fan_out) / 2: Glorot's compromise
  fan_geo_avg,  ///< n = sqrt(fan_in * fan_out): JAX only
};

}  // namespace nninit
