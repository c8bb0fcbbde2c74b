// nninit: constant, zeros, ones.
#pragma once

#include <string_view>
#include <utility>

#include "detail/scheme_base.hpp"

namespace nninit {
namespace scheme {

/// Fills every element with `val` (PyTorch `constant_`, Keras `Constant`, JAX `constant`).
/// `val` must be finite and within float range.
struct constant : detail::scheme_base<constant> {
  static constexpr std::string_view name = "constant";
  static constexpr std::string_view reference = "PyTorch constant_ / Keras Constant / JAX constant (exact)";
  static constexpr bool is_random = false;
  double val = 0.0;  ///< the value written

  template <class V> void visit_options(V&& v) { v("val", val, "the value written"); }

  plan make_plan(const detail::context& ctx) const {
    ctx.check.representable("val", val);
    plan p{name, ctx.shape, distribution::constant};
    p.value = val;
    p.output_std = 0;
    return p;
  }
};

/// Fills with 0 (PyTorch `zeros_`, Keras `Zeros`, JAX `zeros`).
struct zeros : detail::scheme_base<zeros> {
  static constexpr std::string_view name = "zeros";
  static constexpr std::string_view reference = "PyTorch zeros_ / Keras Zeros / JAX zeros (exact)";
  static constexpr bool is_random = false;
  template <class V> void visit_options(V&&) {}
  plan make_plan(const detail::context& ctx) const { return constant{{}, 0.0}.make_plan(ctx).named(name); }
};

/// Fills with 1 (PyTorch `ones_`, Keras `Ones`, JAX `ones`).
struct ones : detail::scheme_base<ones> {
  static constexpr std::string_view name = "ones";
  static constexpr std::string_view reference = "PyTorch ones_ / Keras Ones / JAX ones (exact)";
  static constexpr bool is_random = false;
  template <class V> void visit_options(V&&) {}
  plan make_plan(const detail::context& ctx) const { return constant{{}, 1.0}.make_plan(ctx).named(name); }
};

}  // namespace scheme

template <class Target>
void constant(Target&& w, double val) { scheme::constant{{}, val}(std::forward<Target>(w)); }
template <class Target>
void zeros(Target&& w) { scheme::zeros{}(std::forward<Target>(w)); }
template <class Target>
void ones(Target&& w) { scheme::ones{}(std::forward<Target>(w)); }

}  // namespace nninit
