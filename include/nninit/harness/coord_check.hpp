// nninit harness: the μP coordinate check (Yang et al. 2022, "Tensor Programs V", §7 and its
// Figure 5; microsoft/mup's coord_check.py, ../shared transformer.md §7): the mean |x| of every
// layer's output over a few optimizer steps on one fixed batch, for models that differ only in
// width (or depth). Under a parametrization with a width limit that learns features (μP) every
// curve is flat in width; under the standard one with Adam the hidden layers' outputs grow with
// width after the first update. The slope of log2 mean|x| against log2 width is the test
// (a design choice, not mup's: mup only plots).
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "graph.hpp"
#include "layers/attention.hpp"

namespace nninit::harness {

/// One layer's output statistic after a forward pass.
struct coordinate {
  std::string layer;  ///< the layer's parameter name without its suffix ("block0.ffn_in"), or "blockN.attention"
  double mean_abs = 0;
};

/// The mean |x| of every layer's output of `net`'s last forward pass, in forward order: every
/// layer with parameters (named after its first parameter, ".weight"/".gain"/... dropped) and
/// every attention (softmax(QK^T)V, "blockN.attention"); not the activations, the residual sums
/// or the scalings, which follow from those, except that the last layer (the readout) is taken
/// after the network's output multiplier (μP's MuReadout, CompleteP's alpha_out/m_d), as mup's
/// MuReadout module returns it. What mup records with its forward hooks on every module,
/// restricted to the modules that are layers here.
template <class T>
double mean_abs(const matrix<T>& y) {
  return static_cast<double>(y.cwiseAbs().template cast<double>().mean());
}

template <class T>
std::vector<coordinate> layer_coordinates(graph_network<T>& net) {
  graph<T>& g = net.steps();
  std::vector<coordinate> out;
  index attention = 0;
  for (std::size_t k = 0; k < g.size(); ++k) {
    layer<T>* l = g.layer_at(k);
    if (l == nullptr) continue;
    std::string name;
    if (dynamic_cast<layers::attention<T>*>(l) != nullptr) {
      name = nninit::detail::cat("block", nninit::detail::number(attention++), ".attention");
    } else {
      std::vector<parameter<T>> ps;
      l->add_parameters(ps);
      if (ps.empty()) continue;
      name = ps.front().name.substr(0, ps.front().name.rfind('.'));
    }
    out.push_back({std::move(name), mean_abs(g.value(g.output_of(k)))});
  }
  if (!out.empty()) out.back().mean_abs = mean_abs(g.value(g.output()));
  return out;
}

/// The least-squares slope of log2 y against log2 x (NaN with fewer than two usable points: a
/// y <= 0, as a zero-initialized layer's output at step 1, is left out).
inline double log2_slope(const std::vector<double>& x, const std::vector<double>& y) {
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (!(x[i] > 0 && y[i] > 0) || !std::isfinite(y[i])) continue;
    const double u = std::log2(x[i]), v = std::log2(y[i]);
    n += 1, sx += u, sy += v, sxx += u * u, sxy += u * v;
  }
  const double det = n * sxx - sx * sx;
  if (n < 2 || det <= 0) return std::numeric_limits<double>::quiet_NaN();
  return (n * sxy - sx * sy) / det;
}

}  // namespace nninit::harness
