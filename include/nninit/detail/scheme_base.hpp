// nninit::detail: what every initializer policy shares: describe, validate, then write.
#pragma once

#include <type_traits>
#include <utility>

#include "../engine.hpp"
#include "../parallel.hpp"
#include "../plan.hpp"
#include "../shape.hpp"
#include "sample.hpp"
#include "target.hpp"
#include "torch_cpu.hpp"

namespace nninit::detail {

/// True when scheme D writes its plans itself (structured plans: eye, dirac, orthogonal, sparse).
template <class D, class X, class = void>
struct writes_itself : std::false_type {};
template <class D, class X>
struct writes_itself<D, X,
                     std::void_t<decltype(std::declval<const D&>().write(std::declval<const plan&>(), std::declval<X&>(),
                                                                         std::declval<const context&>(),
                                                                         std::declval<const engine&>()))>>
    : std::true_type {};

/// True when scheme D is deterministic but can add seeded noise: `noise()` returns the noise
/// option's name and value (idinit's loosen_std, constnet's noise_std).
template <class D, class = void>
struct has_noise : std::false_type {};
template <class D>
struct has_noise<D, std::void_t<decltype(std::declval<const D&>().noise())>> : std::true_type {};

/// Base of the policy types (CRTP). A scheme provides
///   static constexpr std::string_view name;  static constexpr bool is_random;
///   plan make_plan(const context&) const;      // validates its options, then plans
/// and, when its plan is not an independent per-element distribution,
///   template <class X> void write(const plan&, X& w, const context&, const engine&) const;
/// Calling it validates everything before the first write, so a bad argument leaves the target
/// untouched; a target with no elements is a documented no-op (after the options are checked).
template <class Derived>
struct scheme_base {
  /// The plan for a whole weight of shape `s`, without any target.
  plan describe(const shape& s) const { return self().make_plan(resolve(Derived::name, s)); }

  /// Fills `w` (any writable Eigen dense expression: Matrix, Array, Map, Ref, block; with
  /// nninit/tensor.hpp, an Eigen::Tensor or TensorMap) using
  /// `rng` (an nninit::engine, or any standard URBG, which then supplies the seed).
  template <class Target, class Rng, std::enable_if_t<is_random_source<Rng>, int> = 0>
  void operator()(Target&& w, Rng&& rng, const shape& s = {}) const {
    (*this)(std::forward<Target>(w), rng, s, parallel{});
  }

  /// The same, split over `par.threads` tasks: the same bits for every thread count. Schemes
  /// whose values are independent per element use the threads; the others run on the caller.
  template <class Target, class Rng, std::enable_if_t<is_random_source<Rng>, int> = 0>
  void operator()(Target&& w, Rng&& rng, const parallel& par) const {
    (*this)(std::forward<Target>(w), rng, shape{}, par);
  }
  template <class Target, class Rng, std::enable_if_t<is_random_source<Rng>, int> = 0>
  void operator()(Target&& w, Rng&& rng, const shape& s, const parallel& par) const {
    if constexpr (tensor_target<target_type<Target>>::value) {  // nninit/tensor.hpp
      fill_tensor(Derived::name, std::forward<Target>(w), s, [&](auto& view, const shape& vs) { (*this)(view, rng, vs, par); });
    } else {
      auto& target = writable(std::forward<Target>(w));
      const context ctx = resolve(Derived::name, s, target.rows(), target.cols());
      if (par.threads < 1) ctx.check.fail("threads", ">= 1", number(static_cast<std::int64_t>(par.threads)));
      const plan p = self().make_plan(ctx);
      if (ctx.empty()) return;
      write_plan(p, target, ctx, to_engine(rng), par);
    }
  }

  /// Fills `w` with PyTorch's own values (nninit/torch_generator.hpp): the scheme's uniform or
  /// normal plan drawn as PyTorch's Tensor.uniform_ / normal_ draw it from `gen`, which they
  /// advance; a deterministic scheme draws nothing. Whole float or double tensors only.
  template <class Target>
  void operator()(Target&& w, torch_generator& gen, const shape& s = {}) const {
    if constexpr (tensor_target<target_type<Target>>::value) {
      fill_tensor(Derived::name, std::forward<Target>(w), s, [&](auto& view, const shape& vs) { (*this)(view, gen, vs); });
    } else if constexpr (!Derived::is_random) {
      (*this)(std::forward<Target>(w), s);
    } else {
      auto& target = writable(std::forward<Target>(w));
      using X = std::remove_reference_t<decltype(target)>;
      static_assert(!is_half_precision<typename X::Scalar>,
                    "nninit: torch_generator fills float and double targets (PyTorch's 16-bit draws are not reproduced)");
      const context ctx = resolve(Derived::name, s, target.rows(), target.cols());
      const plan p = self().make_plan(ctx);
      if (!torch_cpu::reproduces(p) || writes_itself<Derived, X>::value)
        ctx.check.fail("engine", cat("an nninit::engine for this ", name_of(p.dist),
                                     " plan (torch_generator reproduces PyTorch's uniform_ and normal_ only)"),
                       "torch_generator");
      if (!ctx.geom.whole())
        ctx.check.fail("engine", "an nninit::engine for a block of a weight (torch_generator draws whole tensors in order)",
                       "torch_generator");
      if (ctx.empty()) return;
      torch_cpu::fill(p, target, gen);
    }
  }

  /// Deterministic schemes need no engine (unless their optional noise is switched on).
  template <class Target>
  void operator()(Target&& w, const shape& s = {}) const {
    static_assert(!Derived::is_random, "nninit: this scheme is random; pass an nninit::engine or a URBG");
    if constexpr (tensor_target<target_type<Target>>::value) {
      fill_tensor(Derived::name, std::forward<Target>(w), s, [&](auto& view, const shape& vs) { (*this)(view, vs); });
    } else {
      if constexpr (has_noise<Derived>::value) {
        const auto [option, value] = self().noise();
        if (value != 0) {
          const auto& target = writable(std::forward<Target>(w));
          resolve(Derived::name, s, target.rows(), target.cols())
              .check.fail(option, "0 when no engine is passed (the noise is seeded: pass an nninit::engine)", value);
        }
      }
      (*this)(std::forward<Target>(w), engine(0), s);
    }
  }

 private:
  const Derived& self() const { return static_cast<const Derived&>(*this); }

  template <class X>
  void write_plan(const plan& p, X& w, const context& ctx, const engine& eng, const parallel& par) const {
    using T = typename X::Scalar;
    using float_panel = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    if constexpr (is_half_precision<T> && writes_itself<Derived, float_panel>::value) {
      // A structured scheme writes a float copy of the target, rounded once into it.
      float_panel values(w.rows(), w.cols());
      self().write(p, values, ctx, eng);
      w = values.template cast<T>();
    } else if constexpr (writes_itself<Derived, X>::value) {
      self().write(p, w, ctx, eng);
    } else {
      if constexpr (is_half_precision<T>) {
        if (p.dist == distribution::truncated_normal &&
            !(representable_within<T>(p.lo, true) <= representable_within<T>(p.hi, false)))
          ctx.check.fail("[a, b]", "an interval holding at least one value of the 16-bit target type",
                         cat("[", number(p.lo), ", ", number(p.hi), "]"));
      }
      sample(p, w, ctx.geom, eng, domain::values, par);
    }
  }
};

}  // namespace nninit::detail
