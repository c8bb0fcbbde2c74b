// nninit harness: signal propagation at initialization. Per-layer forward and backward
// variances, the input-output Jacobian's singular values, and the weights' own moments.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "../detail/svd.hpp"
#include "../engine.hpp"
#include "../normal.hpp"
#include "../uniform.hpp"
#include "network.hpp"

namespace nninit::harness {

/// Statistics of one probe (a layer's pre-activation) over all its entries. A value that is
/// not finite (the signal overflowed) is NaN here; `signal_stats::finite` says so.
struct layer_stats {
  std::string name;
  double forward_mean = 0;
  double forward_var = 0;
  double backward_var = 0;   ///< of d loss / d pre-activation
  double forward_ratio = 0;  ///< forward_var / forward_var of the first main-path probe
  double backward_ratio = 0; ///< backward_var / backward_var of the first main-path probe
  double forward_second_moment = 0;  ///< E[z^2] = forward_var + forward_mean^2
  bool in_branch = false;    ///< inside a residual branch (see probe::in_branch)
};

/// Singular values of d output / d input at one or more inputs (Pennington et al. 2017:
/// dynamical isometry is all of them near 1).
struct jacobian_stats {
  bool computed = false;
  std::string note;                    ///< why it was not computed, when it was not
  double mean_sq_singular = std::numeric_limits<double>::quiet_NaN();  ///< mean of sigma^2 = tr(J J^T) / min(rows, cols)
  double max_singular = std::numeric_limits<double>::quiet_NaN();
  double min_singular = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> singular_values;  ///< at the first input, largest first
};

struct weight_moments {
  std::string name;
  index rows = 0, cols = 0;
  double mean = 0, var = 0;
};

struct signal_stats {
  std::vector<layer_stats> layers;
  double input_second_moment = 0;  ///< E[x^2] of the probing batch
  jacobian_stats jacobian;
  std::vector<weight_moments> weights;
  bool finite = true;             ///< false when some forward or backward value overflowed
  std::string first_non_finite;   ///< the first probe where it did
};

/// Where the backward pass starts: i.i.d. N(0, 1) at the output (the mean-field convention), or
/// the gradient of softmax cross-entropy against uniformly random labels.
enum class gradient_source { random, loss };

struct signal_options {
  index batch = 256;
  gradient_source gradient = gradient_source::random;
  index jacobian_max_size = 1024;  ///< skip the Jacobian when input or output is larger
  index jacobian_inputs = 1;       ///< inputs the Jacobian's statistics are averaged over
  /// Called after the batch's forward and backward pass, before the Jacobian's: what reads the
  /// network's caches (measure_tokens of transformer_signal.hpp) reads them here.
  std::function<void()> at_batch = {};
};

namespace detail {

struct entry_moments {
  double mean = 0, var = 0;
  bool finite = true;
};

/// Two-pass mean and variance in double; NaN when any entry is not finite.
template <class T>
entry_moments moments_of(const matrix<T>& m) {
  entry_moments r;
  if (m.size() == 0) return r;
  double sum = 0;
  for (Eigen::Index i = 0; i < m.size(); ++i) sum += static_cast<double>(m.data()[i]);
  if (!std::isfinite(sum)) {
    r.finite = false;
    r.mean = r.var = std::numeric_limits<double>::quiet_NaN();
    return r;
  }
  r.mean = sum / static_cast<double>(m.size());
  double ss = 0;
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    const double d = static_cast<double>(m.data()[i]) - r.mean;
    ss += d * d;
  }
  r.var = ss / static_cast<double>(m.size());
  r.finite = std::isfinite(r.var);
  if (!r.finite) r.var = std::numeric_limits<double>::quiet_NaN();
  return r;
}

/// d loss / d logits of mean softmax cross-entropy against `labels`.
template <class T>
matrix<T> cross_entropy_gradient(const matrix<T>& logits, const Eigen::VectorXi& labels) {
  matrix<T> p = logits;
  for (Eigen::Index c = 0; c < p.cols(); ++c) {
    auto col = p.col(c);
    col.array() -= col.maxCoeff();
    col = col.array().exp().matrix();
    col /= col.sum();
    col(labels(c)) -= T(1);
  }
  return p / static_cast<T>(p.cols());
}

}  // namespace detail

/// The first probe on the main path: the reference of the ratios. A residual branch's inner
/// layers are not one (Fixup scales them down by design, and zero-last-layer schemes give
/// them no gradient at initialization); the stem or the first block's output is.
inline const layer_stats* first_main_layer(const signal_stats& s) {
  for (const auto& l : s.layers)
    if (!l.in_branch) return &l;
  return nullptr;
}
/// The last probe of the body on the main path: not a branch's inner layer, and not the
/// classifier, which reads a ResNet's global average pool, whose 1/positions scaling is not
/// signal propagation.
inline const layer_stats* last_main_layer(const signal_stats& s) {
  for (auto it = s.layers.rbegin(); it != s.layers.rend(); ++it)
    if (!it->in_branch && it->name != "classifier") return &*it;
  return nullptr;
}

/// E[z^2] at the last main-path probe over E[x^2] of the input: what a residual stream keeps.
/// NaN when the network has no main-path probe.
inline double second_moment_ratio(const signal_stats& s) {
  const layer_stats* last = last_main_layer(s);
  return last ? last->forward_second_moment / s.input_second_moment : std::numeric_limits<double>::quiet_NaN();
}

/// Runs one forward and one backward pass on an N(0, 1) batch and measures every probe, then
/// the Jacobian at the first `jacobian_inputs` inputs (the probes are then the Jacobian
/// pass's, not the batch's), then the weights. Everything random is
/// drawn from `eng` (input from fork 0, output gradient from fork 1), so a measurement is a
/// function of (network, eng, options). The network must be initialized already.
template <class T>
signal_stats measure_signal(network<T>& net, const matrix<T>& x, const signal_options& opt, const engine& eng);

template <class T>
signal_stats measure_signal(network<T>& net, const signal_options& opt, const engine& eng) {
  matrix<T> x(net.input_size(), opt.batch);
  nninit::normal(x, eng.fork(0));
  return measure_signal(net, x, opt, eng);
}

/// The same on a given batch x (real images; a language model's token ids): opt.batch is unused,
/// the Jacobian's inputs are x's first columns, and a network whose input is not differentiable
/// (token ids) has none.
template <class T>
signal_stats measure_signal(network<T>& net, const matrix<T>& x, const signal_options& opt, const engine& eng) {
  signal_stats out;
  const matrix<T> y = net.forward(x);
  matrix<T> g(y.rows(), y.cols());
  if (opt.gradient == gradient_source::random) {
    nninit::normal(g, eng.fork(1));
  } else {
    Eigen::VectorXd u(y.cols());
    nninit::uniform(u, eng.fork(1));
    Eigen::VectorXi labels(y.cols());
    for (Eigen::Index c = 0; c < y.cols(); ++c)
      labels(c) = std::min(static_cast<int>(u(c) * static_cast<double>(y.rows())), static_cast<int>(y.rows() - 1));
    g = detail::cross_entropy_gradient(y, labels);
  }
  net.backward(g);

  const auto in = detail::moments_of(x);
  out.input_second_moment = in.var + in.mean * in.mean;
  for (const auto& p : net.probes()) {
    const auto f = detail::moments_of(*p.pre_activation);
    const auto b = detail::moments_of(*p.gradient);
    if ((!f.finite || !b.finite) && out.finite) out.finite = false, out.first_non_finite = p.name;
    out.layers.push_back({p.name, f.mean, f.var, b.var, 0, 0, f.var + f.mean * f.mean, p.in_branch});
  }
  if (opt.at_batch) opt.at_batch();
  if (const layer_stats* first = first_main_layer(out)) {
    const double forward = first->forward_var, backward = first->backward_var;
    for (auto& l : out.layers) l.forward_ratio = l.forward_var / forward, l.backward_ratio = l.backward_var / backward;
  }

  jacobian_stats& jac = out.jacobian;
  const index n_in = net.input_size(), n_out = net.output_size();
  if (!out.finite) {
    jac.note = "not computed: the signal is not finite";
  } else if (!net.differentiable_input()) {
    jac.note = "not computed: the input is token ids";
  } else if (std::max(n_in, n_out) > opt.jacobian_max_size) {
    jac.note = nninit::detail::cat("not computed: ", nninit::detail::number(n_in), " inputs and ",
                                   nninit::detail::number(n_out), " outputs, above the limit of ",
                                   nninit::detail::number(opt.jacobian_max_size));
  } else {
    // Reverse mode, batched: n_out copies of one input, and the identity as output gradient;
    // backward then returns J^T, one output's gradient per column.
    // Batch normalization makes one example's output depend on the batch: the Jacobian is taken
    // with the probing batch's statistics held constant.
    const network_mode mode = net.mode();
    net.set_mode(network_mode::frozen);
    const index inputs = std::min(std::max<index>(opt.jacobian_inputs, 1), static_cast<index>(x.cols()));
    const matrix<T> identity = matrix<T>::Identity(n_out, n_out);
    double mean_sq = 0, max_sv = 0, min_sv = std::numeric_limits<double>::infinity();
    bool finite = true;
    for (index e = 0; e < inputs && finite; ++e) {
      net.forward(x.col(e).replicate(1, n_out));
      const Eigen::MatrixXd jt = net.backward(identity).template cast<double>();
      if (!jt.allFinite()) {
        finite = false;
        break;
      }
      const Eigen::VectorXd sv = Eigen::BDCSVD<Eigen::MatrixXd>(jt).singularValues();
      mean_sq += sv.squaredNorm() / static_cast<double>(sv.size());
      max_sv = std::max(max_sv, sv(0));
      min_sv = std::min(min_sv, sv(sv.size() - 1));
      if (e == 0) jac.singular_values.assign(sv.data(), sv.data() + sv.size());
    }
    net.set_mode(mode);
    if (finite) {
      jac.computed = true;
      jac.mean_sq_singular = mean_sq / static_cast<double>(inputs);
      jac.max_singular = max_sv;
      jac.min_singular = min_sv;
    } else {
      jac.note = "not computed: the Jacobian is not finite";
      jac.singular_values.clear();
    }
  }

  for (const auto& p : net.parameters()) {
    if (p.kind != parameter_kind::weight) continue;
    const auto m = detail::moments_of(*p.value);
    out.weights.push_back({p.name, p.value->rows(), p.value->cols(), m.mean, m.var});
  }
  return out;
}

/// The mean over seeds of every per-layer and Jacobian figure (the spectrum is the first
/// seed's). A field that is not finite in some seed is NaN in the mean.
inline signal_stats average(const std::vector<signal_stats>& runs) {
  if (runs.empty()) return {};
  signal_stats out = runs.front();
  if (runs.size() == 1) return out;
  const double k = static_cast<double>(runs.size());
  for (std::size_t s = 1; s < runs.size(); ++s) {
    const signal_stats& r = runs[s];
    if (!r.finite && out.finite) out.finite = false, out.first_non_finite = r.first_non_finite;
    for (std::size_t l = 0; l < out.layers.size() && l < r.layers.size(); ++l) {
      out.layers[l].forward_mean += r.layers[l].forward_mean;
      out.layers[l].forward_var += r.layers[l].forward_var;
      out.layers[l].backward_var += r.layers[l].backward_var;
      out.layers[l].forward_ratio += r.layers[l].forward_ratio;
      out.layers[l].backward_ratio += r.layers[l].backward_ratio;
      out.layers[l].forward_second_moment += r.layers[l].forward_second_moment;
    }
    out.input_second_moment += r.input_second_moment;
    out.jacobian.mean_sq_singular += r.jacobian.mean_sq_singular;
    out.jacobian.max_singular += r.jacobian.max_singular;
    out.jacobian.min_singular += r.jacobian.min_singular;
    out.jacobian.computed = out.jacobian.computed && r.jacobian.computed;
    if (!r.jacobian.computed && out.jacobian.note.empty()) out.jacobian.note = r.jacobian.note;
  }
  for (auto& l : out.layers) {
    l.forward_mean /= k, l.forward_var /= k, l.backward_var /= k;
    l.forward_ratio /= k, l.backward_ratio /= k, l.forward_second_moment /= k;
  }
  out.input_second_moment /= k;
  out.jacobian.mean_sq_singular /= k;
  out.jacobian.max_singular /= k;
  out.jacobian.min_singular /= k;
  return out;
}

}  // namespace nninit::harness
