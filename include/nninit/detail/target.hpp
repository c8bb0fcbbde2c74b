// nninit::detail: accepting any writable Eigen dense expression, and placing it in its weight.
#pragma once

#include <algorithm>
#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>

#include "../engine.hpp"
#include "../shape.hpp"
#include "format.hpp"

namespace nninit::detail {

/// True for the 16-bit target types: their values are computed in float and rounded once.
template <class S>
inline constexpr bool is_half_precision = std::is_same_v<S, Eigen::half> || std::is_same_v<S, Eigen::bfloat16>;

/// The type a target's values are computed in: float for Eigen::half and Eigen::bfloat16
/// targets ("sample in float, round once"), the target's own type otherwise.
template <class S>
using compute_t = std::conditional_t<is_half_precision<S>, float, S>;

/// The Eigen type behind a forwarded target argument.
template <class Target>
using target_type = std::remove_cv_t<std::remove_reference_t<Target>>;

/// True for the Eigen::Tensor and Eigen::TensorMap targets that nninit/tensor.hpp adds (which
/// defines fill_tensor: it fills the tensor's 2-D view through fill(view, shape)).
template <class X>
struct tensor_target : std::false_type {};
template <class Target, class Fill>
void fill_tensor(std::string_view scheme, Target&& t, shape s, Fill&& fill);

/// Checks at compile time that `Target` can be filled, then returns it as a writable reference.
/// Follows Eigen's own `const_cast_derived` idiom (STYLE.md §1.2-1.3, §8.2): blocks, maps and
/// other lvalue expressions arrive as temporaries, so the target is taken by forwarding
/// reference, and everything that would be a write into something const is refused here.
template <class Target>
auto& writable(Target&& w) {
  using X = target_type<Target>;
  static_assert(std::is_base_of_v<Eigen::DenseBase<X>, X>,
                "nninit: the target must be an Eigen dense matrix, array or expression (Matrix, Array, Map, Ref, block)");
  static_assert(!std::is_const_v<std::remove_reference_t<Target>> || !X::IsPlainObjectBase,
                "nninit: the target is a const matrix; pass a non-const one");
  static_assert(Eigen::internal::is_lvalue<X>::value,
                "nninit: the target is read-only (a const Map or block, or an expression such as a + b)");
  using S = typename X::Scalar;
  static_assert(std::is_same_v<S, float> || std::is_same_v<S, double> || is_half_precision<S>,
                "nninit: the target's scalar type must be float, double, Eigen::half or Eigen::bfloat16");
  return const_cast<X&>(static_cast<const X&>(w));
}

/// A target resolved against its weight: where it sits in the 2-D view.
struct geometry {
  index rows = 0, cols = 0;            ///< the target's extent
  index view_rows = 0, view_cols = 0;  ///< the whole weight's 2-D view
  index row0 = 0, col0 = 0;            ///< the target's first element in the view
  /// A 1 x n row vector filling a 1-D weight (an (n, 1) view): its element c is view row row0 + c.
  bool row_vector_of_1d = false;

  index numel() const { return rows * cols; }
  /// True when the target is the whole weight rather than a block of it.
  bool whole() const {
    return row0 == 0 && col0 == 0 && view_rows == (row_vector_of_1d ? cols : rows) &&
           view_cols == (row_vector_of_1d ? 1 : cols);
  }
  /// Logical index of the first element of target row r; the row's indices are contiguous.
  index row_base(index r) const { return row_vector_of_1d ? row0 : (row0 + r) * view_cols + col0; }
  /// View coordinates of target element (r, c).
  index view_row(index r, index c) const { return row_vector_of_1d ? row0 + c : row0 + r; }
  index view_col(index /*r*/, index c) const { return row_vector_of_1d ? 0 : col0 + c; }
};

/// "100x50", or "10x50 block at (20, 0) of a 100x50" when the target is part of a larger weight.
inline std::string target_text(const shape& s, const geometry& g) {
  if (g.whole()) return s.text();
  return cat(number(g.rows), "x", number(g.cols), " block at (", number(g.row0), ", ", number(g.col0), ") of a ",
             s.text());
}

/// The validated facts a scheme plans from.
struct context {
  checker check;
  nninit::shape shape;
  geometry geom;

  /// True when nothing will be written: options are still validated, fans are not required.
  bool empty() const { return geom.numel() == 0; }

  /// Requires a rank in [lo, hi]; `rule` names it for the message ("2-D", "3-, 4- or 5-D").
  void require_rank(std::size_t lo, std::size_t hi, std::string_view rule) const {
    const std::size_t rank = shape.dims.size();
    if (rank < lo || rank > hi) check.fail("shape", rule, cat(number(static_cast<std::int64_t>(rank)), "-D"));
  }

  /// Requires `groups` >= 1 dividing the stored output channels; returns out / groups.
  index out_per_group(index groups) const {
    check.positive_count("groups", groups);
    const index out = shape.channel_dims().first;
    if (out % groups != 0) check.fail("groups", cat("a divisor of the ", number(out), " output channels"), number(groups));
    return out / groups;
  }

  /// For schemes whose every value depends on a whole (rows x cols) matrix they factorise
  /// (orthogonal, delta_orthogonal, low_rank): requires the factorisation, ~rows cols min(rows,
  /// cols) flops, to be at most 1e14 (under an hour on one core), so that a huge shape given
  /// for a small block is refused at once instead of running for days or failing to allocate.
  void require_dense_work(index rows, index cols) const {
    const double work = static_cast<double>(rows) * static_cast<double>(cols) * static_cast<double>(std::min(rows, cols));
    if (work > 1e14)
      check.fail("shape", cat("small enough to factorise its whole ", number(rows), "x", number(cols),
                              " matrix, which every value depends on (rows x cols x min(rows, cols) <= 1e14)"),
                 shape.text());
  }

  /// Runs `compute`, which builds the whole weight's matrix before anything is written, and turns
  /// a failure to allocate it into an init_error (the target untouched).
  template <class Compute>
  auto whole_matrix(Compute&& compute) const {
    try {
      return compute();
    } catch (const std::bad_alloc&) {
      check.fail("shape", "small enough for its whole matrix, which every value depends on, to fit in memory",
                 shape.text());
    }
  }

  /// The weight's fans; requires >= 2 dimensions, groups dividing the grouped dimension, and
  /// (for a non-empty target) non-zero fans, since every fan-based formula divides by them.
  nninit::fans fans() const {
    require_rank(2, SIZE_MAX, "at least 2-D to define fan_in and fan_out");
    const index grouped = shape.channel_dims().first;  // out (or in, when transposed): the dimension groups divide
    if (grouped % shape.groups != 0)
      check.fail("groups", cat("a divisor of the grouped dimension ", number(grouped)), number(shape.groups));
    const nninit::fans f = shape.fans();
    if (!empty() && (f.in == 0 || f.out == 0))
      check.fail("fans", "non-zero", cat("fan_in ", number(f.in), " and fan_out ", number(f.out)));
    return f;
  }
};

/// Dimensions >= 0 and at most 2^58 elements, checked before anything multiplies them, so every
/// later product (rows, cols, logical indices) fits in 64 bits.
inline void check_dims(std::string_view scheme, const shape& s) {
  const checker check(scheme, s.text());
  constexpr index limit = index{1} << 58;
  index n = 1;
  for (index d : s.dims) {
    if (d < 0) check.fail("shape", "made of dimensions >= 0", s.text());
    if (d != 0 && n > limit / d) check.fail("shape", "at most 2^58 elements", s.text());
    n *= d;
  }
}

/// Places a (rows x cols) target in the weight of shape `s`, whose dims are already checked.
inline context place(std::string_view scheme, shape s, index rows, index cols) {
  geometry g;
  g.rows = rows;
  g.cols = cols;
  g.view_rows = s.rows();
  g.view_cols = s.cols();
  g.row0 = s.row0;
  g.col0 = s.col0;
  g.row_vector_of_1d = s.dims.size() == 1 && rows == 1 && cols != 1;
  // Until the block is known to fit, messages name the target without its position.
  const checker early(scheme, g.whole() ? s.text() : cat(number(rows), "x", number(cols), " block of a ", s.text()));
  if (s.groups < 1) early.fail("groups", ">= 1", number(s.groups));
  const index along_rows = g.row_vector_of_1d ? cols : rows;
  const index along_cols = g.row_vector_of_1d ? 1 : cols;
  if (s.row0 < 0 || s.col0 < 0 || s.row0 > g.view_rows - along_rows || s.col0 > g.view_cols - along_cols)
    early.fail("block", cat("inside the ", number(g.view_rows), "x", number(g.view_cols), " view of the weight"),
               cat(number(rows), "x", number(cols), " at (", number(s.row0), ", ", number(s.col0), ")"));
  std::string text = target_text(s, g);
  return context{checker(scheme, std::move(text)), std::move(s), g};
}

/// Checks the shape (and where the target sits in it) and builds the context of one call.
/// An empty `s.dims` means the target is the whole weight, (rows, cols).
inline context resolve(std::string_view scheme, shape s, index rows, index cols) {
  if (s.dims.empty()) s.dims = {rows, cols};
  check_dims(scheme, s);
  return place(scheme, std::move(s), rows, cols);
}

/// The context of a plan for the whole weight (describe), dimensions checked before use.
inline context resolve(std::string_view scheme, const shape& s) {
  check_dims(scheme, s);
  return place(scheme, s, s.rows(), s.cols());
}

}  // namespace nninit::detail
