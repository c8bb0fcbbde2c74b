// nninit harness: the plain MLP and the residual MLP, compositions of the shared layers
// (harness/layers/), optionally normalized after each dense layer.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../detail/format.hpp"
#include "activation.hpp"
#include "graph.hpp"
#include "layers/dense.hpp"
#include "layers/nonlinearity.hpp"
#include "layers/norm.hpp"
#include "layers/scalar.hpp"

namespace nninit::harness {

namespace detail {

inline void check_size(const nninit::detail::checker& check, std::string_view name, index v) {
  if (v < 1) check.fail(name, ">= 1", nninit::detail::number(v));
  if (v > (index{1} << 24)) check.fail(name, "<= 16777216", nninit::detail::number(v));
}

inline std::string numbered(std::string_view prefix, std::size_t i) {
  return nninit::detail::cat(prefix, nninit::detail::number(static_cast<index>(i)));
}

/// Appends the linear classifier (when outputs > 0) and its probe after buffer h, and finishes g.
template <class T>
void finish_with_classifier(graph<T>& g, typename graph<T>::id h, index width, index outputs, bool bias) {
  if (outputs > 0) {
    h = g.add(std::make_unique<layers::dense<T>>(placement{"classifier", layer_role::classifier}, width, outputs, bias), h);
    g.add_probe("classifier", h);
  }
  g.finish(h);
}

}  // namespace detail

/// A plain MLP: `depth` layers of width `width`, each followed by the normalization `norm` (if
/// any) and the activation; then, when `outputs` > 0, a linear classifier. Without a classifier
/// the output is the last layer's activation, as in the signal-propagation literature (Poole et
/// al. 2016; Pennington et al. 2017: the Jacobian is d x^L / d x^0). With batch normalization
/// the dense layers have no bias (the batch mean removes it; beta takes its place), as
/// torchvision's Linear/Conv before BatchNorm.
/// Probes: "fc<l>", what enters the activation of layer l (after the norm), and "classifier".
struct mlp_config {
  index inputs = 512;
  index width = 512;
  index depth = 50;
  index outputs = 0;  ///< 0: no classifier
  activation act{};
  bool bias = false;
  norm_kind norm = norm_kind::none;
};

template <class T>
class mlp final : public graph_network<T> {
 public:
  explicit mlp(const mlp_config& c) : config_(c) {
    const nninit::detail::checker check("mlp", "");
    detail::check_size(check, "inputs", c.inputs);
    detail::check_size(check, "width", c.width);
    detail::check_size(check, "depth", c.depth);
    if (c.outputs < 0) check.fail("outputs", ">= 0", nninit::detail::number(c.outputs));
    if (c.depth > 100000) check.fail("depth", "<= 100000", nninit::detail::number(c.depth));
    graph<T>& g = this->graph_;
    auto h = graph<T>::input;
    for (std::size_t l = 1; l <= static_cast<std::size_t>(c.depth); ++l) {
      const layer_role role = l == 1 ? layer_role::input : layer_role::hidden;
      auto z = g.add(std::make_unique<layers::dense<T>>(placement{detail::numbered("fc", l), role}, l == 1 ? c.inputs : c.width,
                                                        c.width, c.bias && c.norm != norm_kind::batch),
                     h);
      z = layers::add_norm(g, c.norm, placement{detail::numbered("norm", l), role}, c.width, 1, z);
      g.add_probe(detail::numbered("fc", l), z);
      h = g.add(std::make_unique<layers::nonlinearity<T>>(c.act), z);
    }
    detail::finish_with_classifier(g, h, c.width, c.outputs, c.bias);
  }

  index input_size() const override { return config_.inputs; }
  index output_size() const override { return config_.outputs > 0 ? config_.outputs : config_.width; }
  const mlp_config& config() const { return config_; }

  std::string summary() const override {
    return nninit::detail::cat("mlp depth ", nninit::detail::number(config_.depth), ", width ",
                               nninit::detail::number(config_.width), ", ", config_.act.text(),
                               norm_summary(config_.norm), config_.bias ? ", bias" : ", no bias", ", ",
                               nninit::detail::number(config_.inputs), " -> ", nninit::detail::number(output_size()));
  }

 private:
  const char* name() const override { return "mlp"; }
  mlp_config config_;
};

/// A residual MLP: an input layer (the stem) when `inputs` != `width`, then `blocks` blocks of
/// `layers_per_block` layers, then an optional classifier. A block is the MLP form of the basic
/// block of Fixup's official CIFAR code (Zhang et al. 2019, Fig. 1) and of the ResNet v1 block:
///   h' = f(h + beta_out + s * N_m(W_m(... f(N_1(W_1(h + beta_1in)) + beta_1out) ... + beta_m_in))),
/// N_j the normalization `norm` (none by default: Fixup's form), placed after every dense layer
/// as in ResNet v1 (Linear -> BN -> ReLU -> Linear -> BN, add, ReLU). The scalar biases beta
/// exist with `scalar_params` (Fixup's), the multiplier s with `scalar_params` or
/// `branch_multiplier` (SkipInit's and ReZero's alpha); absent, they are the constants 0 and 1.
/// Without normalization variance adds on every skip, so under He init the forward signal grows
/// like 2^blocks: the point of Fixup and of the zero-last-layer schemes.
/// Probes: "stem", "block<b>.fc<j>" (inside the branch, j < m) and "block<b>.out" (the sum
/// entering the block's activation), "classifier".
struct resmlp_config {
  index inputs = 512;
  index width = 512;
  index blocks = 100;
  index layers_per_block = 2;
  index outputs = 0;  ///< 0: no classifier
  activation act{};
  bool bias = false;
  bool scalar_params = false;      ///< Fixup's scalar biases and multiplier
  bool branch_multiplier = false;  ///< the multiplier alone
  norm_kind norm = norm_kind::none;
};

template <class T>
class resmlp final : public graph_network<T> {
 public:
  explicit resmlp(const resmlp_config& c) : config_(c) {
    const nninit::detail::checker check("resmlp", "");
    detail::check_size(check, "inputs", c.inputs);
    detail::check_size(check, "width", c.width);
    detail::check_size(check, "blocks", c.blocks);
    detail::check_size(check, "layers_per_block", c.layers_per_block);
    if (c.outputs < 0) check.fail("outputs", ">= 0", nninit::detail::number(c.outputs));
    if (c.blocks > 100000 || c.layers_per_block > 1000)
      check.fail("blocks x layers_per_block", "<= 100000 x 1000",
                 nninit::detail::cat(nninit::detail::number(c.blocks), " x ", nninit::detail::number(c.layers_per_block)));
    graph<T>& g = this->graph_;
    const bool dense_bias = c.bias && c.norm != norm_kind::batch;
    auto h = graph<T>::input;
    if (c.inputs != c.width) {
      auto z = g.add(std::make_unique<layers::dense<T>>(placement{"stem", layer_role::input}, c.inputs, c.width, dense_bias), h);
      z = layers::add_norm(g, c.norm, placement{"stem.norm", layer_role::input}, c.width, 1, z);
      g.add_probe("stem", z);
      h = g.add(std::make_unique<layers::nonlinearity<T>>(c.act), z);
    }
    const std::size_t m = static_cast<std::size_t>(c.layers_per_block);
    for (std::size_t b = 1; b <= static_cast<std::size_t>(c.blocks); ++b) {
      const std::string name = detail::numbered("block", b);
      const auto blk = static_cast<index>(b - 1);
      auto t = h;
      for (std::size_t j = 1; j <= m; ++j) {
        const layer_role role = j == m ? layer_role::branch_last : j == 1 ? layer_role::branch_first : layer_role::branch_middle;
        const std::string fc = detail::numbered(name + ".fc", j);
        if (c.scalar_params) t = scalar(placement{fc + ".bias_in", role, blk}, t);
        t = g.add(std::make_unique<layers::dense<T>>(placement{fc, role, blk}, c.width, c.width, dense_bias), t);
        t = layers::add_norm(g, c.norm, placement{detail::numbered(name + ".norm", j), role, blk}, c.width, 1, t);
        if (j == m) break;
        if (c.scalar_params) t = scalar(placement{fc + ".bias_out", role, blk}, t);
        g.add_probe(fc, t, true);
        t = g.add(std::make_unique<layers::nonlinearity<T>>(c.act), t);
      }
      if (c.scalar_params || c.branch_multiplier)
        t = g.add(std::make_unique<layers::multiplier<T>>(placement{name + ".scale", layer_role::branch_last, blk}), t);
      auto y = g.sum(h, t);  // the skip and the branch
      if (c.scalar_params) y = scalar(placement{name + ".bias_last", layer_role::branch_last, blk}, y);
      g.add_probe(name + ".out", y);
      h = g.add(std::make_unique<layers::nonlinearity<T>>(c.act), y);
    }
    detail::finish_with_classifier(g, h, c.width, c.outputs, c.bias);
  }

  index input_size() const override { return config_.inputs; }
  index output_size() const override { return config_.outputs > 0 ? config_.outputs : config_.width; }
  residual_structure structure() const override { return {config_.blocks, config_.layers_per_block}; }
  const resmlp_config& config() const { return config_; }

  std::string summary() const override {
    const char* scalars = config_.scalar_params       ? ", scalar biases and multipliers"
                          : config_.branch_multiplier ? ", branch multipliers"
                                                      : "";
    return nninit::detail::cat("resmlp ", nninit::detail::number(config_.blocks), " blocks x ",
                               nninit::detail::number(config_.layers_per_block), " layers, width ",
                               nninit::detail::number(config_.width), ", ", config_.act.text(),
                               norm_summary(config_.norm), scalars, config_.bias ? ", bias" : ", no bias", ", ",
                               nninit::detail::number(config_.inputs), " -> ", nninit::detail::number(output_size()));
  }

 private:
  const char* name() const override { return "resmlp"; }
  typename graph<T>::id scalar(placement where, typename graph<T>::id x) {
    return this->graph_.add(std::make_unique<layers::scalar_bias<T>>(std::move(where)), x);
  }

  resmlp_config config_;
};

}  // namespace nninit::harness
