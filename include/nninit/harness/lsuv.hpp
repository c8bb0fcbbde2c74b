// nninit harness: LSUV (nninit/lsuv.hpp) on a network of the harness, the library's interface
// served by the graph: the layers are the weight layers (dense and conv, classifier included) in
// execution order; layer k's output is computed from its cached input, one layer forward per
// call (the graph's resumable forward), so calibrating K layers costs O(K) layer forwards.
// Batch normalization runs in eval mode, as in every reference implementation (at
// initialization it divides by sqrt(1 + eps), so LSUV sees through it).
#pragma once

#include <string>
#include <vector>

#include "../lsuv.hpp"
#include "graph.hpp"
#include "layers/nonlinearity.hpp"

namespace nninit::harness {

/// Runs LSUV on `net` with the calibration batch `batch` (input_size x N, one example per
/// column; the reference implementations use one fixed batch, and recommend >= 256 examples).
/// `opt.preinit = orthonormal` first fills every weight semi-orthogonally (layer i from
/// eng.fork(i)) and zeroes its bias; `keep` rescales the weights the network has. Returns the
/// per-layer report; throws init_error (nothing written) for an empty or non-finite batch, or
/// for what nninit::lsuv refuses.
template <class T>
lsuv_report lsuv(graph_network<T>& net, const matrix<T>& batch, const lsuv_options& opt, const engine& eng) {
  const nninit::detail::checker check("lsuv", "");
  if (batch.cols() < 1) check.fail("calibration batch", ">= 1 example", "0");
  if (batch.rows() != net.input_size())
    check.fail("calibration batch rows", nninit::detail::number(net.input_size()),
               nninit::detail::number(static_cast<index>(batch.rows())));
  if (!batch.allFinite()) check.fail("calibration batch", "finite", "a value that is not");

  graph<T>& g = net.steps();
  struct point {
    std::size_t step, post;  // the weight layer's step, and the step whose output is after its activation
  };
  std::vector<point> points;
  std::vector<lsuv_layer> layers;
  const auto params = net.parameters();
  for (std::size_t k = 0; k < g.size(); ++k) {
    layer<T>* l = g.layer_at(k);
    matrix<T>* w = l ? l->lsuv_weight() : nullptr;
    if (!w) continue;
    // The activation that follows, through norms and scalars, before any other weight or sum.
    std::size_t post = k;
    for (std::size_t j = k + 1; j < g.size() && g.layer_at(j) && !g.layer_at(j)->lsuv_weight(); ++j)
      if (dynamic_cast<layers::nonlinearity<T>*>(g.layer_at(j))) {
        post = j;
        break;
      }
    std::string name = "step " + std::to_string(k);
    nninit::shape shape{w->rows(), w->cols()};
    for (const auto& p : params)
      if (p.value == w) name = p.name, shape = p.shape;
    matrix<T>* b = l->lsuv_bias();
    layers.push_back(b ? lsuv_target(name, *w, *b, shape) : lsuv_target(name, *w, shape));
    points.push_back({k, post});
  }

  const network_mode mode = net.mode();
  net.set_mode(network_mode::eval);
  g.set_input(batch);
  const auto output = [&](index k, lsuv_measure m) -> const matrix<T>& {
    const point& p = points[static_cast<std::size_t>(k)];
    g.run(p.step);    // the steps up to layer k's input: done once, then cached
    g.rerun(p.step);  // layer k itself, with its current weights
    if (m == lsuv_measure::post_activation && p.post != p.step) {
      g.run(p.post + 1);
      return g.value(g.output_of(p.post));
    }
    return g.value(g.output_of(p.step));
  };
  try {
    lsuv_report r = nninit::lsuv(layers, output, opt, eng);
    net.set_mode(mode);
    return r;
  } catch (...) {
    net.set_mode(mode);
    throw;
  }
}

}  // namespace nninit::harness
