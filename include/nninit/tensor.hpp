// nninit: Eigen::Tensor and Eigen::TensorMap targets (Eigen's unsupported Tensor module).
//
// Include this header (it includes nninit.hpp and the Tensor module) and every scheme fills a
// tensor as it fills a matrix: the tensor's dimensions are the weight's shape, read in the
// shape's layout, PyTorch's (out, in, k...) by default or Keras/JAX's (k..., in, out) with
// `layout::in_out`, and each element gets the value of the same logical (C-order) element of the
// 2-D view: exactly the values of the matrix form, whatever the tensor's storage order.
//
//   Eigen::Tensor<float, 4, Eigen::RowMajor> conv(64, 3, 3, 3);        // (out, in, kH, kW)
//   nninit::kaiming_normal(conv, nninit::engine{1});                    // fan_in = 27
//   Eigen::Tensor<float, 4> hwio(3, 3, 3, 64);                          // (kH, kW, in, out)
//   nninit::scheme::glorot_uniform{}(hwio, nninit::engine{1}, nninit::shape{}.with_layout(nninit::layout::in_out));
//
// A shape passed with the call keeps its meaning: empty dims mean "the tensor's own dimensions";
// given dims describe the whole weight, and the tensor is the block of its 2-D view at
// (row0, col0) (a shard), as for a matrix. Row-major tensors are filled in place through a
// matrix map of their memory; column-major ones (Eigen's default) through a row-major copy of
// the view, written into the tensor only after the fill succeeded.
#pragma once

#include <unsupported/Eigen/CXX11/Tensor>

#include <string_view>
#include <type_traits>
#include <vector>

#include "nninit.hpp"

namespace nninit::detail {

template <class S, int Rank, int Options, class I>
struct tensor_target<Eigen::Tensor<S, Rank, Options, I>> : std::true_type {};
template <class S, int Rank, int Options, class I, int MapOptions, template <class> class Pointer>
struct tensor_target<Eigen::TensorMap<Eigen::Tensor<S, Rank, Options, I>, MapOptions, Pointer>> : std::true_type {};

template <class Target, class Fill>
void fill_tensor(std::string_view scheme, Target&& t, shape s, Fill&& fill) {
  using X = target_type<Target>;
  using S = typename X::Scalar;
  constexpr int rank = X::NumDimensions;
  static_assert(!std::is_const_v<std::remove_reference_t<Target>>, "nninit: the target is a const tensor; pass a non-const one");
  static_assert(!std::is_const_v<S>, "nninit: the target is a map over const data; map writable memory");
  static_assert(rank >= 1, "nninit: a tensor target needs at least one dimension");
  using matrix = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  auto& tensor = const_cast<X&>(static_cast<const X&>(t));

  std::vector<index> dims(static_cast<std::size_t>(rank));
  for (int k = 0; k < rank; ++k) dims[static_cast<std::size_t>(k)] = static_cast<index>(tensor.dimension(k));
  shape own(dims);
  own.order = s.order;
  check_dims(scheme, own);  // before its view's rows() and cols() multiply them
  if (s.dims.empty()) s.dims = dims;
  if constexpr (static_cast<int>(X::Layout) == static_cast<int>(Eigen::RowMajor)) {
    // The memory is the C order of the dimensions: the 2-D view, row-major, in place.
    Eigen::Map<matrix> view(tensor.data(), own.rows(), own.cols());
    fill(view, s);
  } else {
    matrix view(own.rows(), own.cols());
    fill(view, s);
    // view holds the row-major tensor of these dimensions; swap_layout reverses its dimensions
    // into a column-major one, and shuffling them back gives element (i0, ..., iR-1) its value.
    Eigen::array<Eigen::Index, rank> extent, reversed;
    for (int k = 0; k < rank; ++k) {
      extent[static_cast<std::size_t>(k)] = static_cast<Eigen::Index>(dims[static_cast<std::size_t>(k)]);
      reversed[static_cast<std::size_t>(k)] = rank - 1 - k;
    }
    const Eigen::TensorMap<const Eigen::Tensor<S, rank, Eigen::RowMajor, Eigen::Index>> c_order(view.data(), extent);
    tensor = c_order.swap_layout().shuffle(reversed);
  }
}

}  // namespace nninit::detail
