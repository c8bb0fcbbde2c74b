// nninit harness: a small CIFAR-style convolutional ResNet (He, Zhang, Ren & Sun 2016, §4.2) in
// the Fixup form (Zhang, Dauphin & Ma 2019, the official fixup resnet_cifar code), a composition
// of the shared layers (harness/layers/; convolutions by im2col, layers/conv.hpp).
//
//   stem:    conv3x3 (channels -> base_width, stride 1, pad 1) + bias, [norm], act
//   stage s: blocks_per_stage basic blocks of width base_width * 2^s; the first block of every
//            stage s > 0 has stride 2 (spatial size ceil(n / 2)). A basic block is
//              out = act(shortcut + bias2b + scale * N2(conv2(act(N1(conv1(x + bias1a)) + bias1b) + bias2a)))
//            with 3x3 convs without bias vectors; the four scalar biases exist only with
//            `scalar_params`, `scale` with `scalar_params` or `branch_multiplier` (else they are
//            the constants 0 and 1); N1, N2 the normalization `norm`, at the CIFAR ResNet's BN
//            positions (after each conv; the stem's conv then has no bias). The shortcut is x
//            where the shape stays; where it changes it is Fixup's "option A" (every other pixel,
//            i.e. AvgPool2d(1, stride 2), new channels zero), or with `projection_shortcut` a 1x1
//            conv of stride 2 without bias (and its norm), and, as in the official Fixup code
//            (`identity = self.downsample(x + self.bias1a)`), it reads x + bias1a.
//   head:    global average pooling, linear classifier + bias.
//
// Parameters, in the order of Fixup's named_parameters: stem.weight, stem.bias; per block
// "stage<s>.block<b>." + bias1a, conv1.weight, bias1b, bias2a, conv2.weight, scale, bias2b (the
// scalars only with scalar_params), shortcut.weight (projections only); classifier.weight,
// classifier.bias; each norm's weight and bias right after the conv it follows. Roles: stem
// input, conv1 (and bias1a, bias1b, norm1) branch_first, conv2 (and bias2a, norm2, scale, bias2b)
// branch_last, projection shortcut, head classifier; `block` is the block's index over the whole
// net (0-based) for everything inside a block, shortcut included.
// Probes: "stem" (conv + bias, or its norm), "<block>.conv1" (what enters the first act),
// "<block>.conv2" (the sum entering the block's last act), "classifier" (the output). Every
// feature map is (C, H*W*batch), one column per pixel (layers/conv.hpp).
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../detail/format.hpp"
#include "../error.hpp"
#include "../shape.hpp"
#include "activation.hpp"
#include "graph.hpp"
#include "layers/conv.hpp"
#include "layers/dense.hpp"
#include "layers/nonlinearity.hpp"
#include "layers/norm.hpp"
#include "layers/scalar.hpp"

namespace nninit::harness {

/// The shape of a resnet. Every size must be >= 1; height and width must survive the stride-2
/// stages (each stage after the first needs an input of at least 2 pixels on each side).
struct resnet_config {
  index channels = 1, height = 28, width = 28, classes = 10;
  index base_width = 16;        ///< width of the stem and of stage 0; stage s has base_width * 2^s
  index blocks_per_stage = 1;
  index stages = 3;
  activation act;
  bool scalar_params = false;        ///< Fixup's scalar biases and multiplier in every block
  bool branch_multiplier = false;    ///< the multiplier alone (SkipInit, ReZero)
  bool projection_shortcut = false;  ///< 1x1 conv shortcuts instead of option A
  norm_kind norm = norm_kind::none;
};

/// The ResNet described at the top of this file. Every weight and bias starts at zero, the
/// scalar biases at 0, the multipliers at 1 and norms at gamma 1, beta 0: fill them through
/// parameters() (harness/init.hpp).
template <class T>
class resnet final : public graph_network<T> {
  static_assert(std::is_floating_point_v<T>, "resnet<T>: T must be float or double");

 public:
  explicit resnet(const resnet_config& config) : cfg_(validated(config)) { build(); }

  index input_size() const override { return cfg_.channels * cfg_.height * cfg_.width; }
  index output_size() const override { return cfg_.classes; }
  const resnet_config& config() const { return cfg_; }

  /// Number of residual blocks (stages * blocks_per_stage).
  index blocks() const { return cfg_.stages * cfg_.blocks_per_stage; }
  /// Channels of stage s (base_width * 2^s).
  index stage_width(index s) const { return cfg_.base_width << s; }
  /// Spatial size (height, width) of the feature maps of stage s.
  std::pair<index, index> stage_size(index s) const {
    index h = cfg_.height, w = cfg_.width;
    for (index i = 1; i <= s; ++i) h = (h + 1) / 2, w = (w + 1) / 2;
    return {h, w};
  }
  /// Caps the im2col scratch memory at `elements` values of T (default 2^17, which keeps
  /// the chunk in a core's L2 cache); the im2col matrix is built for as many examples at a time
  /// as fit, at least one. Results depend on it only through rounding.
  void set_workspace_limit(index elements) {
    if (elements < 1)
      nninit::detail::checker("resnet", "").fail("workspace limit", ">= 1", nninit::detail::number(elements));
    ws_.limit = elements;
  }

  residual_structure structure() const override { return {blocks(), 2}; }

  /// "resnet 3 stages x 1 blocks, width 16, relu, 28x28x1 -> 10", then ", batch norm",
  /// ", scalar params" and ", projection shortcuts" when set.
  std::string summary() const override {
    using nninit::detail::cat, nninit::detail::number;
    std::string s = cat("resnet ", number(cfg_.stages), " stages x ", number(cfg_.blocks_per_stage),
                        " blocks, width ", number(cfg_.base_width), ", ", cfg_.act.text(), ", ",
                        number(cfg_.height), "x", number(cfg_.width), "x", number(cfg_.channels), " -> ",
                        number(cfg_.classes));
    s += norm_summary(cfg_.norm);
    if (cfg_.scalar_params) s += ", scalar params";
    else if (cfg_.branch_multiplier) s += ", branch multipliers";
    if (cfg_.projection_shortcut) s += ", projection shortcuts";
    return s;
  }

 private:
  using id = typename graph<T>::id;

  const char* name() const override { return "resnet"; }
  std::string input_rule() const override {
    return nninit::detail::cat("channels*height*width = ", nninit::detail::number(input_size()));
  }

  static resnet_config validated(const resnet_config& c) {
    using nninit::detail::cat, nninit::detail::number;
    const nninit::detail::checker check("resnet", "");
    constexpr index max_size = index{1} << 24;
    const auto size = [&](const char* name, index v) {
      if (v < 1 || v > max_size) check.fail(name, cat("between 1 and ", number(max_size)), number(v));
    };
    size("channels", c.channels);
    size("height", c.height);
    size("width", c.width);
    size("classes", c.classes);
    size("base_width", c.base_width);
    size("blocks_per_stage", c.blocks_per_stage);
    if (c.stages < 1 || c.stages > 24) check.fail("stages", "between 1 and 24", number(c.stages));
    if ((c.base_width << (c.stages - 1)) > max_size)
      check.fail("base_width",
                 cat("<= ", number(max_size >> (c.stages - 1)), " for ", number(c.stages),
                     " stages (the last stage is base_width * 2^(stages-1) wide)"),
                 number(c.base_width));
    const double inputs =
        static_cast<double>(c.channels) * static_cast<double>(c.height) * static_cast<double>(c.width);
    if (inputs > 1099511627776.0) check.fail("channels*height*width", "<= 2^40", inputs);
    // Each stage after the first halves the size (ceil); its input must have at least 2 pixels.
    const index min_size = c.stages < 2 ? 1 : (index{1} << (c.stages - 2)) + 1;
    const auto spatial = [&](const char* name, index v) {
      if (v < min_size)
        check.fail(name, cat(">= ", number(min_size), " for ", number(c.stages),
                             " stages (every stage after the first halves it)"),
                   number(v));
    };
    spatial("height", c.height);
    spatial("width", c.width);
    if (nninit::detail::name_of(c.act.kind) == "?")
      check.fail("act", "a known activation", number(static_cast<index>(c.act.kind)));
    if (!std::isfinite(c.act.param)) check.fail("act parameter", "finite", c.act.param);
    return c;
  }

  id conv(placement where, const layers::conv_geometry& g, bool bias, id x) {
    return this->graph_.add(std::make_unique<layers::conv<T>>(std::move(where), g, bias, ws_), x);
  }
  id norm(placement where, const layers::conv_geometry& g, id x) {
    return layers::add_norm(this->graph_, cfg_.norm, std::move(where), g.cout, g.out_pixels(), x);
  }
  id act(id x) { return this->graph_.add(std::make_unique<layers::nonlinearity<T>>(cfg_.act), x); }
  id scalar(placement where, const nninit::shape& of, id x) {
    return this->graph_.add(std::make_unique<layers::scalar_bias<T>>(std::move(where), of), x);
  }

  void build() {
    using nninit::detail::cat, nninit::detail::number;
    graph<T>& g = this->graph_;
    const bool sp = cfg_.scalar_params;
    const index C = cfg_.channels, H = cfg_.height, W = cfg_.width;
    id x = g.add(std::make_unique<layers::to_feature_maps<T>>(C, H * W), graph<T>::input);
    const layers::conv_geometry stem(C, cfg_.base_width, 3, 1, 1, H, W);
    x = conv(placement{"stem", layer_role::input}, stem, cfg_.norm != norm_kind::batch, x);
    x = norm(placement{"stem.norm", layer_role::input}, stem, x);
    g.add_probe("stem", x);
    x = act(x);
    index cin = cfg_.base_width, h = H, w = W, i = 0;
    for (index s = 0; s < cfg_.stages; ++s) {
      const index cout = stage_width(s);
      for (index b = 0; b < cfg_.blocks_per_stage; ++b, ++i) {
        const std::string p = cat("stage", number(s), ".block", number(b));
        const index stride = (s > 0 && b == 0) ? 2 : 1;
        const layers::conv_geometry g1(cin, cout, 3, stride, 1, h, w);
        const layers::conv_geometry g2(cout, cout, 3, 1, 1, g1.hout, g1.wout);
        const nninit::shape s1{cout, cin, 3, 3}, s2{cout, cout, 3, 3};
        const auto first = layer_role::branch_first, last = layer_role::branch_last;
        const bool same_shape = stride == 1 && cin == cout;
        id u = x;  // x + bias1a: what conv1 reads, and a changing shortcut
        if (sp) u = scalar(placement{p + ".bias1a", first, i}, s1, x);
        id t = conv(placement{p + ".conv1", first, i}, g1, false, u);
        t = norm(placement{p + ".norm1", first, i}, g1, t);
        if (sp) t = scalar(placement{p + ".bias1b", first, i}, s1, t);
        g.add_probe(p + ".conv1", t, true);
        t = act(t);
        if (sp) t = scalar(placement{p + ".bias2a", last, i}, s2, t);
        t = conv(placement{p + ".conv2", last, i}, g2, false, t);
        t = norm(placement{p + ".norm2", last, i}, g2, t);
        if (sp || cfg_.branch_multiplier)
          t = g.add(std::make_unique<layers::multiplier<T>>(placement{p + ".scale", last, i}), t);
        if (sp) t = scalar(placement{p + ".bias2b", last, i}, s2, t);
        id shortcut = x;
        if (!same_shape && cfg_.projection_shortcut) {
          const layers::conv_geometry gp(cin, cout, 1, stride, 0, h, w);
          shortcut = conv(placement{p + ".shortcut", layer_role::shortcut, i}, gp, false, u);
          shortcut = norm(placement{p + ".shortcut.norm", layer_role::shortcut, i}, gp, shortcut);
        } else if (!same_shape) {
          shortcut = g.add(std::make_unique<layers::subsample_shortcut<T>>(g1), u);
        }
        const id z2 = g.sum(t, shortcut);
        g.add_probe(p + ".conv2", z2);
        x = act(z2);
        cin = cout, h = g1.hout, w = g1.wout;
      }
    }
    x = g.add(std::make_unique<layers::global_average_pool<T>>(h * w), x);
    x = g.add(std::make_unique<layers::dense<T>>(placement{"classifier", layer_role::classifier}, cin, cfg_.classes, true), x);
    g.add_probe("classifier", x);
    g.finish(x);
  }

  resnet_config cfg_;
  layers::workspace<T> ws_;
};

}  // namespace nninit::harness
