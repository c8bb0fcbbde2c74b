// nninit: the plan of a fill, what `describe` returns and the one sampler executes.
#pragma once

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "detail/enum_names.hpp"
#include "shape.hpp"

namespace nninit {

/// What a plan draws or writes.
enum class distribution {
  constant,          ///< every element = value
  uniform,           ///< U[lo, hi): never hi
  normal,            ///< N(mean, std^2)
  truncated_normal,  ///< N(mean, std^2) conditioned on [lo, hi] (std is the pre-truncation one)
  identity,          ///< value on the view's diagonal, 0 elsewhere (eye)
  dirac,             ///< value at the centre tap of each group's in/out pair (dirac)
  orthogonal,        ///< value * Q, Q with orthonormal rows or columns (orthogonal)
  delta_orthogonal,  ///< value * Q at the centre tap, 0 elsewhere (delta_orthogonal)
  sparse_normal,     ///< N(0, std^2) with `zeros_per_column` zeros in each column (sparse)
  hadamard,          ///< value * the top-left (out x in) block of H_m, at the centre tap of a conv (ZerO)
  padded_identity,   ///< value at (o, o mod in) of the (out, in*k) view (IDInit's IDI_tau)
  zero_sum_identity, ///< +-value in every row, rows summing to 0 (IDInit's IDIZ_eps)
  channel_mean,      ///< value = 1/in at the centre tap of every (out, in) pair (ConstNet's ConstAvg)
  uniform_plus_normal,  ///< U[lo, hi) plus N(0, std^2) noise from an independent stream (WINNER)
  low_rank,          ///< the rank-`value` truncated SVD of a N(0, std^2) draw, at the draw's Frobenius norm (low_rank)
  binary_wiring,     ///< 1 at `connections` inputs of every row, 0 elsewhere (flyhash, devfly)
  mimetic,           ///< per head, W_Q^T W_K = the rank-d/h truncated SVD of alpha Z + beta I; W_O W_V = (alpha Z' - beta I)^T (mimetic)
};

namespace detail {
template <>
struct enum_names<distribution> {
  static constexpr std::array<std::pair<distribution, std::string_view>, 17> table{{
      {distribution::constant, "constant"},
      {distribution::uniform, "uniform"},
      {distribution::normal, "normal"},
      {distribution::truncated_normal, "truncated_normal"},
      {distribution::identity, "identity"},
      {distribution::dirac, "dirac"},
      {distribution::orthogonal, "orthogonal"},
      {distribution::delta_orthogonal, "delta_orthogonal"},
      {distribution::sparse_normal, "sparse_normal"},
      {distribution::hadamard, "hadamard"},
      {distribution::padded_identity, "padded_identity"},
      {distribution::zero_sum_identity, "zero_sum_identity"},
      {distribution::channel_mean, "channel_mean"},
      {distribution::uniform_plus_normal, "uniform_plus_normal"},
      {distribution::low_rank, "low_rank"},
      {distribution::binary_wiring, "binary_wiring"},
      {distribution::mimetic, "mimetic"},
  }};
};
}  // namespace detail

/// Everything a fill will do, computed without touching the target. Fields that do not apply
/// are NaN (numbers) or -1 (fans) and print as null.
struct plan {
  static constexpr double none = std::numeric_limits<double>::quiet_NaN();

  std::string_view scheme;
  nninit::shape shape;
  distribution dist = distribution::constant;
  index fan_in = -1;
  index fan_out = -1;
  double gain = none;
  double mean = none;
  double std = none;    ///< std of the normal sampled (before truncation), or of the uniform, or
                        ///< of the noise added to a deterministic construction (idinit, constnet)
  double bound = none;  ///< half-width of a symmetric uniform, or |truncation bound| when symmetric
  double lo = none;     ///< lower end of the support (uniform, truncated_normal)
  double hi = none;     ///< upper end of the support
  double value = none;  ///< constant value, the scale of identity/dirac/orthogonal, ZerO's Hadamard
                        ///< factor, IDInit's tau or eps, ConstNet's 1/in, Fixup's L^(-1/(2m-2)),
                        ///< low_rank's rank, arch_aware's degree, vi3nr's sigma_p, maxout's 1/M_K or small_init's width
  double output_std = none;  ///< standard deviation of the values written, where it is known
  index groups = 1;                ///< dirac
  index zeros_per_column = -1;     ///< sparse
  index connections = -1;          ///< flyhash, devfly: inputs each row (coding unit) reads
  /// Schemes planned for an activation (vi3nr, kumar), or any fan-based plan given one
  /// (with_propagation): the pre-activation std a deep stack's variance map holds, the map's
  /// slope there (< 1 stable, > 1 unstable), the gradient variance's growth per layer, and the
  /// verdict ("stable", "unstable", "neutral", "decays", "grows"; empty when not computed).
  double fixed_point_std = none;
  double fixed_point_slope = none;
  double gradient_growth = none;
  std::string propagation{};
  std::string note{};  ///< a remark on the plan (vi3nr: "backward condition: no root ...")

  /// The same plan under another scheme's name (for schemes defined through another).
  plan named(std::string_view n) const {
    plan p = *this;
    p.scheme = n;
    return p;
  }
};

}  // namespace nninit
