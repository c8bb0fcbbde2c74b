// nninit harness: the signal-propagation diagnostics of attention, per block of a transformer at
// initialization (../shared transformer.md §8):
//   - the residual stream's RMS;
//   - rank collapse: the mean pairwise cosine between the token representations of an example
//     (Noci et al. 2022, Fig. 1) and the relative residual ||X - 1 xbar^T||_F / ||X||_F, xbar the
//     tokens' mean (Dong et al. 2021's res(X) in the Frobenius norm, whose minimizer is the mean);
//     both averaged over the examples of the batch;
//   - attention entropy per head, -sum_j A_ij log A_ij over the keys a query sees, divided by
//     the log of their number (0: one key takes all, 1: uniform; Zhai et al. 2023), averaged
//     over queries and examples; a causal model's first query, which sees one key, is left out;
//   - ||d loss / d W_Q|| / ||d loss / d W_V|| in the first block: query and key gradients vanish
//     under rank collapse (Noci et al. 2022).
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "signal.hpp"
#include "transformer.hpp"

namespace nninit::harness {

/// One probe of the stream ("embed", "block<b>").
struct token_stats {
  std::string name;
  double rms = 0;
  double mean_cosine = 0;        ///< mean over examples of the mean cosine over token pairs i < j
  double relative_residual = 0;  ///< mean over examples of ||X - 1 xbar^T||_F / ||X||_F
};

struct transformer_signal {
  std::vector<token_stats> stream;              ///< embed, then after each block
  std::vector<std::vector<double>> entropy;     ///< [block][head], normalized to [0, 1]
  double qv_gradient_ratio = std::numeric_limits<double>::quiet_NaN();  ///< first block
};

namespace detail {

/// Mean pairwise cosine and relative residual of the n tokens (columns) of each example of x.
template <class T>
void token_geometry(const matrix<T>& x, index n, double& cosine, double& residual) {
  const index examples = x.cols() / n;
  cosine = residual = 0;
  Eigen::MatrixXd tokens, gram;
  for (index b = 0; b < examples; ++b) {
    tokens = x.middleCols(b * n, n).template cast<double>();
    const Eigen::VectorXd norms = tokens.colwise().norm().transpose();
    gram.noalias() = tokens.transpose() * tokens;
    double sum = 0;
    for (index j = 1; j < n; ++j)
      for (index i = 0; i < j; ++i) sum += gram(i, j) / (norms(i) * norms(j));
    cosine += n > 1 ? 2 * sum / (static_cast<double>(n) * static_cast<double>(n - 1)) : 1.0;
    const double total = tokens.norm();
    residual += (tokens.colwise() - tokens.rowwise().mean()).norm() / total;
  }
  cosine /= static_cast<double>(examples);
  residual /= static_cast<double>(examples);
}

/// Mean normalized entropy per head of one attention layer's last forward.
template <class T>
std::vector<double> attention_entropy(const layers::attention<T>& a) {
  const matrix<T>& p = a.probabilities();
  const index n = a.tokens(), heads = a.heads(), examples = p.cols() / (n * heads);
  std::vector<double> out(static_cast<std::size_t>(heads), 0.0);
  for (index h = 0; h < heads; ++h) {
    double sum = 0;
    index count = 0;
    for (index b = 0; b < examples; ++b)
      for (index i = 0; i < n; ++i) {
        const index keys = a.causal() ? i + 1 : n;
        if (keys < 2) continue;
        double ent = 0;
        for (index j = 0; j < keys; ++j) {
          const double v = static_cast<double>(p(j, (b * heads + h) * n + i));
          if (v > 0) ent -= v * std::log(v);
        }
        sum += ent / std::log(static_cast<double>(keys)), ++count;
      }
    out[static_cast<std::size_t>(h)] = count ? sum / static_cast<double>(count) : std::numeric_limits<double>::quiet_NaN();
  }
  return out;
}

/// The first block's ||grad W_Q|| / ||grad W_V||, from separate or packed projections.
template <class T>
double qv_ratio(const std::vector<parameter<T>>& params, index width) {
  const matrix<T>*q = nullptr, *v = nullptr;
  for (const auto& p : params) {
    if (p.block != 0 || p.kind != parameter_kind::weight) continue;
    if (!p.packed_roles.empty()) {
      const double gq = static_cast<double>(p.grad->topRows(width).norm());
      return gq / static_cast<double>(p.grad->bottomRows(width).norm());
    }
    if (p.role == layer_role::query) q = p.grad;
    if (p.role == layer_role::value) v = p.grad;
  }
  return q && v ? static_cast<double>(q->norm()) / static_cast<double>(v->norm()) : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace detail

/// The diagnostics above from the last forward and backward pass of `net` (measure_signal's on
/// its batch: call it first with the same network).
template <class T>
transformer_signal measure_tokens(detail::transformer_network<T>& net) {
  transformer_signal out;
  for (const auto& p : net.probes()) {
    if (p.name == "classifier") continue;
    token_stats t;
    t.name = p.name;
    const matrix<T>& x = *p.pre_activation;
    t.rms = std::sqrt(x.template cast<double>().squaredNorm() / static_cast<double>(x.size()));
    detail::token_geometry(x, net.tokens(), t.mean_cosine, t.relative_residual);
    out.stream.push_back(t);
  }
  for (const auto* a : net.attention_layers()) out.entropy.push_back(detail::attention_entropy(*a));
  out.qv_gradient_ratio = detail::qv_ratio(net.parameters(), net.stack().width);
  return out;
}

/// The mean over seeds of every figure (runs of the same network: the same probes and blocks).
inline transformer_signal average(const std::vector<transformer_signal>& runs) {
  if (runs.empty()) return {};
  transformer_signal out = runs.front();
  const double k = static_cast<double>(runs.size());
  for (std::size_t r = 1; r < runs.size(); ++r) {
    for (std::size_t i = 0; i < out.stream.size(); ++i) {
      out.stream[i].rms += runs[r].stream[i].rms;
      out.stream[i].mean_cosine += runs[r].stream[i].mean_cosine;
      out.stream[i].relative_residual += runs[r].stream[i].relative_residual;
    }
    for (std::size_t b = 0; b < out.entropy.size(); ++b)
      for (std::size_t h = 0; h < out.entropy[b].size(); ++h) out.entropy[b][h] += runs[r].entropy[b][h];
    out.qv_gradient_ratio += runs[r].qv_gradient_ratio;
  }
  for (auto& t : out.stream) t.rms /= k, t.mean_cosine /= k, t.relative_residual /= k;
  for (auto& block : out.entropy)
    for (double& e : block) e /= k;
  out.qv_gradient_ratio /= k;
  return out;
}

/// The mean over heads of block b's entropy.
inline double mean_entropy(const transformer_signal& s, std::size_t b) {
  double sum = 0;
  for (double e : s.entropy[b]) sum += e;
  return s.entropy[b].empty() ? std::numeric_limits<double>::quiet_NaN() : sum / static_cast<double>(s.entropy[b].size());
}

}  // namespace nninit::harness
