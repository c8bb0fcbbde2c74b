// nninit: LSUV, layer-sequential unit-variance initialization (Mishkin & Matas, "All you need is
// a good init", ICLR 2016, arXiv 1511.06422), the data-dependent scheme: an orthonormal
// pre-init, then, layer by layer in execution order, the weight rescaled until the layer's output
// on a fixed batch has variance target_var (within tol, at most max_iter rescales).
//
// LSUV needs the network's forward pass, which nninit does not have: your network gives it.
//
//   std::vector<nninit::lsuv_layer> layers = {nninit::lsuv_target("fc1", w1, b1),
//                                             nninit::lsuv_target("fc2", w2, b2), ...};
//   auto report = nninit::lsuv(layers, [&](nninit::index k, nninit::lsuv_measure m) -> const Eigen::MatrixXf& {
//     ...  // the output of layer k on the calibration batch for the current weights: before its
//     ...  // activation, or after it for lsuv_measure::post_activation
//   }, nninit::lsuv_options{}, nninit::engine{42});
//
// `output(k, m)` is called for k = 0, 1, ..., K-1 in that order, once, then once more after each
// rescale of layer k; layers before k never change again, so a forward that caches each layer's
// input costs one layer per call, O(K) layer forwards in all (nninit/harness/lsuv.hpp does so).
// The result depends only on the pre-init bits (layer i's orthonormal matrix from eng.fork(i))
// and the batch.
//
// What the reference implementations do, and where they differ (../shared data_dependent.md
// §A1): the statistic is the population variance (ddof 0) of every element of the layer's
// output (batch x channels x positions; one scalar per layer, also for convolutions); the
// defaults are the paper's and the PyTorch ports' (pre-activation, var 1, tol 0.1, 10
// iterations); presets give Caffe's (tol 0.02, 20) and fastai's (post-activation, the bias
// shifted by the mean as well, tol 1e-3, 50: fastai's GeneralRelu has negative outputs; after a
// plain relu, shifting by the post-activation mean kills units). A zero or degenerate layer
// (variance not finite or below min_var: Fixup's, ZerO's and IDInit's zero last layers) is
// skipped and reported, never divided by.
#pragma once

#include <Eigen/Core>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/format.hpp"
#include "engine.hpp"
#include "orthogonal.hpp"
#include "shape.hpp"

namespace nninit {

enum class lsuv_measure { pre_activation, post_activation };
enum class lsuv_preinit { orthonormal, keep };
enum class lsuv_preset { paper, caffe, fastai };
/// The registry's form of two options, whose default is "whatever the preset says".
enum class lsuv_measure_choice { preset, pre_activation, post_activation };
enum class lsuv_toggle { preset, off, on };

namespace detail {
template <>
struct enum_names<lsuv_measure> {
  static constexpr std::array<std::pair<lsuv_measure, std::string_view>, 2> table{{
      {lsuv_measure::pre_activation, "pre_activation"},
      {lsuv_measure::post_activation, "post_activation"},
  }};
};
template <>
struct enum_names<lsuv_preinit> {
  static constexpr std::array<std::pair<lsuv_preinit, std::string_view>, 2> table{{
      {lsuv_preinit::orthonormal, "orthonormal"},
      {lsuv_preinit::keep, "keep"},
  }};
};
template <>
struct enum_names<lsuv_measure_choice> {
  static constexpr std::array<std::pair<lsuv_measure_choice, std::string_view>, 3> table{{
      {lsuv_measure_choice::preset, "preset"},
      {lsuv_measure_choice::pre_activation, "pre_activation"},
      {lsuv_measure_choice::post_activation, "post_activation"},
  }};
};
template <>
struct enum_names<lsuv_toggle> {
  static constexpr std::array<std::pair<lsuv_toggle, std::string_view>, 3> table{{
      {lsuv_toggle::preset, "preset"},
      {lsuv_toggle::off, "off"},
      {lsuv_toggle::on, "on"},
  }};
};
template <>
struct enum_names<lsuv_preset> {
  static constexpr std::array<std::pair<lsuv_preset, std::string_view>, 3> table{{
      {lsuv_preset::paper, "paper"},
      {lsuv_preset::caffe, "caffe"},
      {lsuv_preset::fastai, "fastai"},
  }};
};
}  // namespace detail

struct lsuv_options {
  double target_var = 1;  ///< the variance every layer's output is brought to
  double tol = 0.1;       ///< done when |var - target_var| < tol (and |mean| < tol with adjust_mean)
  index max_iter = 10;    ///< rescales per layer at most
  lsuv_measure measure = lsuv_measure::pre_activation;
  bool adjust_mean = false;  ///< after each rescale, bias <- bias - mean of the output (fastai)
  lsuv_preinit preinit = lsuv_preinit::orthonormal;
  double min_var = 1e-12;    ///< below this (or not finite) a layer is degenerate and skipped

  /// The paper's (and the PyTorch ports') defaults, Caffe's script's, or fastai's.
  static lsuv_options preset(lsuv_preset p) {
    lsuv_options o;
    if (p == lsuv_preset::caffe) o.tol = 0.02, o.max_iter = 20;
    if (p == lsuv_preset::fastai)
      o.tol = 1e-3, o.max_iter = 50, o.measure = lsuv_measure::post_activation, o.adjust_mean = true;
    return o;
  }

  void validate(const detail::checker& check) const {
    check.positive("target_var", target_var);
    check.positive("tol", tol);
    if (max_iter < 0 || max_iter > 1000) check.fail("max_iter", "in [0, 1000]", detail::number(max_iter));
    if (!(min_var >= 0) || !std::isfinite(min_var)) check.fail("min_var", "finite and >= 0", min_var);
  }
};

/// One layer LSUV calibrates: what it can do to the layer's weight and bias. Make one with
/// `lsuv_target`, which works on any writable Eigen dense weight (Matrix, Map over a framework's
/// buffer, block) and an optional bias.
struct lsuv_layer {
  std::string name;
  nninit::shape shape;                                  ///< the weight's logical shape
  const void* identity = nullptr;                       ///< the weight's storage: a layer may appear once
  std::function<void(double)> scale;                    ///< weight *= c
  std::function<void(const engine&)> orthonormal;       ///< weight = a semi-orthogonal matrix, bias = 0
  std::function<void(double)> shift_bias;               ///< bias += d; empty without a bias
  std::function<double()> max_abs;                      ///< max |weight| (0: zero; inf or NaN: not finite)
};

/// What LSUV did to one layer.
struct lsuv_layer_report {
  std::string name;
  double variance = 0;  ///< of the layer's output at the end (the last measurement)
  double mean = 0;      ///< likewise
  double scale = 1;     ///< the product of the rescales
  index iterations = 0; ///< rescales done
  bool converged = false;
  bool degenerate = false;  ///< variance not finite or below min_var: skipped, nothing divided
};

struct lsuv_report {
  std::vector<lsuv_layer_report> layers;

  index rescales() const {
    index n = 0;
    for (const auto& l : layers) n += l.iterations;
    return n;
  }
  index degenerate() const {
    index n = 0;
    for (const auto& l : layers) n += l.degenerate;
    return n;
  }
  bool all_converged() const {
    for (const auto& l : layers)
      if (!l.converged && !l.degenerate) return false;
    return true;
  }
  /// "50 layers, 49 rescales, 0 degenerate, all within tol", then one line per degenerate or
  /// unconverged layer.
  std::string text() const {
    const auto count = [](index n, const char* noun) { return detail::cat(detail::number(n), " ", noun, n == 1 ? "" : "s"); };
    std::string s = detail::cat(count(static_cast<index>(layers.size()), "layer"), ", ", count(rescales(), "rescale"), ", ",
                                detail::number(degenerate()), " degenerate, ", all_converged() ? "all within tol" : "some not within tol");
    for (const auto& l : layers)
      if (l.degenerate || !l.converged)
        s += detail::cat("\n  ", l.name, l.degenerate ? ": degenerate (skipped), variance " : ": not within tol, variance ",
                         detail::significant(l.variance, 4), ", mean ", detail::significant(l.mean, 4));
    return s;
  }
};

namespace detail {

/// A weight or bias kept by lsuv_target: a pointer to a matrix the caller owns, or a copy of a
/// view (Map, block), which writes through to the caller's memory.
template <class Target>
auto keep_target(Target&& t) {
  using X = target_type<Target>;
  static_assert(std::is_lvalue_reference_v<Target> || !X::IsPlainObjectBase,
                "nninit::lsuv_target: a temporary matrix would be lost; pass the network's own matrix or a Map");
  if constexpr (std::is_lvalue_reference_v<Target>) return &writable(t);
  else return X(t);
}
template <class Kept>
auto& deref(Kept& k) {
  if constexpr (std::is_pointer_v<Kept>) return *k;
  else return k;
}

/// Population mean and variance (ddof 0) of every entry, in double, two passes.
template <class Derived>
std::pair<double, double> mean_and_variance(const Eigen::DenseBase<Derived>& z) {
  const index n = z.size();
  if (n == 0) return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  double sum = 0;
  for (index c = 0; c < z.cols(); ++c)
    for (index r = 0; r < z.rows(); ++r) sum += static_cast<double>(z(r, c));
  const double mean = sum / static_cast<double>(n);
  double ss = 0;
  for (index c = 0; c < z.cols(); ++c)
    for (index r = 0; r < z.rows(); ++r) {
      const double d = static_cast<double>(z(r, c)) - mean;
      ss += d * d;
    }
  return {mean, ss / static_cast<double>(n)};
}

}  // namespace detail

/// The LSUV layer of a weight (and bias): any writable Eigen dense weight, viewed as (out, in*k);
/// `s` its logical shape when it is a convolution's (default: its rows x cols).
template <class Weight>
lsuv_layer lsuv_target(std::string name, Weight&& weight, nninit::shape s = {}) {
  auto w = detail::keep_target(std::forward<Weight>(weight));
  auto& ref = detail::deref(w);
  lsuv_layer l;
  l.name = std::move(name);
  l.shape = s.dims.empty() ? nninit::shape{ref.rows(), ref.cols()} : std::move(s);
  l.identity = ref.data();
  const nninit::shape shape = l.shape;
  l.scale = [w](double c) mutable {
    auto& m = detail::deref(w);
    m *= static_cast<typename std::decay_t<decltype(m)>::Scalar>(c);
  };
  l.orthonormal = [w, shape](const engine& eng) mutable { scheme::orthogonal{}(detail::deref(w), eng, shape); };
  l.max_abs = [w]() mutable {
    auto& m = detail::deref(w);
    return m.size() ? static_cast<double>(m.cwiseAbs().maxCoeff()) : 0.0;
  };
  return l;
}

template <class Weight, class Bias>
lsuv_layer lsuv_target(std::string name, Weight&& weight, Bias&& bias, nninit::shape s = {}) {
  lsuv_layer l = lsuv_target(std::move(name), std::forward<Weight>(weight), std::move(s));
  auto b = detail::keep_target(std::forward<Bias>(bias));
  auto pre = std::move(l.orthonormal);
  l.orthonormal = [pre, b](const engine& eng) mutable {
    pre(eng);
    detail::deref(b).setZero();
  };
  l.shift_bias = [b](double d) mutable {
    auto& v = detail::deref(b);
    v.array() += static_cast<typename std::decay_t<decltype(v)>::Scalar>(d);
  };
  return l;
}

/// Runs LSUV on `layers` (in execution order) with the network's forward `output(k, measure)`
/// (see the top of this file). Everything is checked before anything is written: the options,
/// the layers (at least one; none twice; each weight's shape one the orthonormal pre-init can
/// fill; with preinit = keep, not every weight zero and none non-finite). Throws init_error
/// otherwise, naming the argument and the layer. A layer whose output is degenerate is reported
/// and left as it is; so is one still outside tol after max_iter rescales.
template <class Output>
lsuv_report lsuv(std::vector<lsuv_layer>& layers, Output&& output, const lsuv_options& opt = {},
                 const engine& eng = engine{0}) {
  const detail::checker check("lsuv", "");
  opt.validate(check);
  if (layers.empty()) check.fail("layers", "at least one", "none");
  std::set<const void*> seen;
  bool any_nonzero = false;
  for (const lsuv_layer& l : layers) {
    if (!l.scale || !l.orthonormal || !l.max_abs)
      check.fail("layer", "made by lsuv_target", detail::cat("an incomplete lsuv_layer (", l.name, ")"));
    if (l.identity && !seen.insert(l.identity).second)
      check.fail("layers", "each weight once (LSUV scales a layer by its one output)", detail::cat("'", l.name, "' twice"));
    if (opt.preinit == lsuv_preinit::orthonormal) {
      try {
        (void)scheme::orthogonal{}.describe(l.shape);
      } catch (const init_error& e) {
        throw init_error(detail::cat(e.what(), " (lsuv layer ", l.name, ")"));
      }
    } else {
      const double m = l.max_abs();
      if (!std::isfinite(m)) check.fail("weights", "finite", detail::cat("a non-finite value in layer '", l.name, "'"));
      any_nonzero = any_nonzero || m > 0;
    }
  }
  if (opt.preinit == lsuv_preinit::keep && !any_nonzero)
    check.fail("layers", "not all zero (preinit=keep rescales the weights the network has)", "every layer zero");

  if (opt.preinit == lsuv_preinit::orthonormal)
    for (std::size_t i = 0; i < layers.size(); ++i) layers[i].orthonormal(eng.fork(static_cast<std::uint64_t>(i)));

  lsuv_report report;
  for (std::size_t k = 0; k < layers.size(); ++k) {
    lsuv_layer& l = layers[k];
    lsuv_layer_report r;
    r.name = l.name;
    const bool shift = opt.adjust_mean && static_cast<bool>(l.shift_bias);
    for (;;) {
      std::tie(r.mean, r.variance) = detail::mean_and_variance(output(static_cast<index>(k), opt.measure));
      if (!std::isfinite(r.variance) || !(r.variance > opt.min_var)) {
        r.degenerate = true;
        break;
      }
      if (std::abs(r.variance - opt.target_var) < opt.tol && (!shift || std::abs(r.mean) < opt.tol)) {
        r.converged = true;
        break;
      }
      if (r.iterations == opt.max_iter) break;
      // Scale first, then shift (fastai course-v3 #395: the other order leaves means of 0.04-0.3).
      const double c = std::sqrt(opt.target_var / r.variance);
      l.scale(c);
      r.scale *= c;
      if (shift) l.shift_bias(-detail::mean_and_variance(output(static_cast<index>(k), opt.measure)).first);
      ++r.iterations;
    }
    report.layers.push_back(std::move(r));
  }
  return report;
}

namespace scheme {

/// LSUV as a scheme of the registry (`nninit compare --schemes lsuv`, `initializer("lsuv")`): its
/// single-weight form is the orthonormal pre-init (orthogonal with gain 1: PyTorch's
/// orthogonal_, which LSUV-pytorch and the `lsuv` package use); the data-dependent rescaling needs
/// the network and a batch (nninit::lsuv above; the harness calls it with `options()`). With
/// preinit = keep there is nothing to fill a new weight with: a single fill is an error, and a
/// network rule leaves the weights at zero for the caller's own initialization. Options left at
/// their "preset" value take the preset's.
struct lsuv : detail::scheme_base<lsuv> {
  static constexpr std::string_view name = "lsuv";
  static constexpr std::string_view reference = "LSUV (Mishkin & Matas 2016): orthonormal pre-init; rescaling by nninit::lsuv on data";
  static constexpr bool is_random = true;
  lsuv_preset preset = lsuv_preset::paper;
  double target_var = 1;
  double tol = 0;        ///< 0: the preset's (paper 0.1, caffe 0.02, fastai 1e-3)
  index max_iter = -1;   ///< -1: the preset's (10, 20, 50)
  lsuv_measure_choice measure = lsuv_measure_choice::preset;
  lsuv_toggle adjust_mean = lsuv_toggle::preset;
  lsuv_preinit preinit = lsuv_preinit::orthonormal;

  template <class V> void visit_options(V&& v) {
    v("preset", preset, "paper (tol 0.1, 10 rescales, pre-activation), caffe (0.02, 20) or fastai (1e-3, 50, post-activation, mean shifted)");
    v("target_var", target_var, "variance of every layer's output on the calibration batch");
    v("tol", tol, "stop when |var - target_var| < tol (0: the preset's)");
    v("max_iter", max_iter, "rescales per layer at most (-1: the preset's)");
    v("measure", measure, "where the variance is taken: before the activation or after it");
    v("adjust_mean", adjust_mean, "on: also shift the bias by the output's mean after each rescale");
    v("preinit", preinit, "orthonormal (the paper) or keep (rescale the weights the network has)");
  }

  /// The options nninit::lsuv runs with: the preset's, with every option given here applied.
  lsuv_options options() const {
    lsuv_options o = lsuv_options::preset(preset);
    o.target_var = target_var;
    if (tol != 0) o.tol = tol;
    if (max_iter >= 0) o.max_iter = max_iter;
    if (measure != lsuv_measure_choice::preset)
      o.measure = measure == lsuv_measure_choice::post_activation ? lsuv_measure::post_activation : lsuv_measure::pre_activation;
    if (adjust_mean != lsuv_toggle::preset) o.adjust_mean = adjust_mean == lsuv_toggle::on;
    o.preinit = preinit;
    return o;
  }
  void validate(const detail::checker& check) const {
    if (tol < 0 || !std::isfinite(tol)) check.fail("tol", "finite and > 0 (0: the preset's)", tol);
    if (max_iter < -1) check.fail("max_iter", ">= 0 (-1: the preset's)", detail::number(max_iter));
    options().validate(check);
  }

  plan make_plan(const detail::context& ctx) const {
    validate(ctx.check);
    if (preinit == lsuv_preinit::keep)
      ctx.check.fail("preinit", "orthonormal to fill a weight alone (keep rescales a network's own weights: nninit::lsuv)", "keep");
    plan p = orthogonal{}.make_plan(ctx);
    p.scheme = name;
    return p;
  }
  template <class X>
  void write(const plan& p, X& w, const detail::context& ctx, const engine& eng) const {
    orthogonal{}.write(p, w, ctx, eng);
  }
};

}  // namespace scheme

}  // namespace nninit
