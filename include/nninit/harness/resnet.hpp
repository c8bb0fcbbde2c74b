// nninit harness: a small CIFAR-style convolutional ResNet (He, Zhang, Ren & Sun 2016, §4.2) in
// the Fixup form (Zhang, Dauphin & Ma 2019, the official fixup resnet_cifar code), with manual
// backpropagation. A convolution is im2col and one Eigen GEMM per chunk of examples.
//
//   stem:    conv3x3 (channels -> base_width, stride 1, pad 1) + bias, act
//   stage s: blocks_per_stage basic blocks of width base_width * 2^s; the first block of every
//            stage s > 0 has stride 2 (spatial size ceil(n / 2)). A basic block is
//              out = act(shortcut + bias2b + scale * conv2(act(conv1(x + bias1a) + bias1b) + bias2a))
//            with 3x3 convs without bias vectors; the four scalar biases and `scale` exist only with
//            `scalar_params` (else they are the constants 0 and 1). The shortcut is x where the
//            shape stays; where it changes it is Fixup's "option A" (every other pixel, i.e.
//            AvgPool2d(1, stride 2), new channels zero), or with `projection_shortcut` a 1x1 conv
//            of stride 2 without bias, and, as in the official Fixup code
//            (`identity = self.downsample(x + self.bias1a)`), it reads x + bias1a.
//   head:    global average pooling, linear classifier + bias.
//
// Parameters, in the order of Fixup's named_parameters: stem.weight, stem.bias; per block
// "stage<s>.block<b>." + bias1a, conv1.weight, bias1b, bias2a, conv2.weight, scale, bias2b (the
// scalars only with scalar_params), shortcut.weight (projections only); classifier.weight,
// classifier.bias. Roles: stem input, conv1 (and bias1a, bias1b) branch_first, conv2 (and bias2a,
// scale, bias2b) branch_last, projection shortcut, head classifier; `block` is the block's index
// over the whole net (0-based) for everything inside a block, shortcut included.
// Probes: "stem" (conv + bias), "<block>.conv1" (conv1(x + bias1a) + bias1b), "<block>.conv2"
// (the sum entering the block's last act), "classifier" (the output).
//
// Layout. forward's x is (channels*height*width) x batch, each column one image flattened C, H, W
// (PyTorch's NCHW per example). Inside, every feature map is a (C, H*W*batch) column-major matrix
// (column n*H*W + y*W + x holds the C channels of pixel (y, x) of example n), which is also the
// layout of the probes. A conv builds the im2col matrix (k*k*C, H'*W'*batch) with rows ordered
// tap-major (row t*C + c), so that each tap of each output pixel is one contiguous copy of C
// values, and multiplies it by the weight with its columns permuted to the same order. The weight
// itself, as `parameters()` exposes it, is (out, in*k*k) in PyTorch's flattening order (in, kh, kw):
// the library's fill of nninit::shape{out, in, k, k} gives PyTorch-layout values. The im2col
// matrix is never kept: it is built a few examples at a time into a scratch buffer small enough to
// stay in cache (set_workspace_limit), multiplied, and rebuilt in backward.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../detail/format.hpp"
#include "../error.hpp"
#include "../shape.hpp"
#include "activation.hpp"
#include "detail/elementwise.hpp"
#include "network.hpp"

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
  bool projection_shortcut = false;  ///< 1x1 conv shortcuts instead of option A
};

namespace resnet_detail {

/// A 2-D convolution's sizes: square kernel k, one stride and one zero padding for both axes.
struct conv_geometry {
  index cin = 0, cout = 0, k = 1, stride = 1, pad = 0;
  index hin = 0, win = 0, hout = 0, wout = 0;

  conv_geometry() = default;
  conv_geometry(index in, index out, index kernel, index s, index p, index h, index w)
      : cin(in), cout(out), k(kernel), stride(s), pad(p), hin(h), win(w),
        hout((h + 2 * p - kernel) / s + 1), wout((w + 2 * p - kernel) / s + 1) {}

  index taps() const { return k * k; }
  index patch() const { return k * k * cin; }
  index in_pixels() const { return hin * win; }
  index out_pixels() const { return hout * wout; }
};

template <class T>
using vec_map = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>;
template <class T>
using const_vec_map = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>;

/// im2col of examples [n0, n0 + nb) of `in` (cin x in_pixels*batch, column-major) into `col`
/// (patch x nb*out_pixels, column-major), row t*cin + c for tap t = ky*k + kx. A kernel row
/// inside the image is one contiguous copy of k*cin values.
template <class T>
void im2col(const conv_geometry& g, const T* in, index n0, index nb, T* col) {
  const index cin = g.cin, row = g.k * cin;
  T* dst = col;
  for (index n = n0; n < n0 + nb; ++n) {
    const T* img = in + n * g.in_pixels() * cin;
    for (index oy = 0; oy < g.hout; ++oy) {
      for (index ox = 0; ox < g.wout; ++ox) {
        const index ix0 = ox * g.stride - g.pad;
        const bool cols_in = ix0 >= 0 && ix0 + g.k <= g.win;
        for (index ky = 0; ky < g.k; ++ky, dst += row) {
          const index iy = oy * g.stride + ky - g.pad;
          if (iy < 0 || iy >= g.hin) {
            vec_map<T>(dst, row).setZero();
          } else if (cols_in) {
            vec_map<T>(dst, row) = const_vec_map<T>(img + (iy * g.win + ix0) * cin, row);
          } else {
            for (index kx = 0; kx < g.k; ++kx) {
              const index ix = ix0 + kx;
              if (ix >= 0 && ix < g.win)
                vec_map<T>(dst + kx * cin, cin) = const_vec_map<T>(img + (iy * g.win + ix) * cin, cin);
              else
                vec_map<T>(dst + kx * cin, cin).setZero();
            }
          }
        }
      }
    }
  }
}

/// The adjoint of im2col: adds every entry of `col` into the input pixel it was copied from.
template <class T>
void col2im_add(const conv_geometry& g, const T* col, index n0, index nb, T* in) {
  const index cin = g.cin, row = g.k * cin;
  const T* src = col;
  for (index n = n0; n < n0 + nb; ++n) {
    T* img = in + n * g.in_pixels() * cin;
    for (index oy = 0; oy < g.hout; ++oy) {
      for (index ox = 0; ox < g.wout; ++ox) {
        const index ix0 = ox * g.stride - g.pad;
        const bool cols_in = ix0 >= 0 && ix0 + g.k <= g.win;
        for (index ky = 0; ky < g.k; ++ky, src += row) {
          const index iy = oy * g.stride + ky - g.pad;
          if (iy < 0 || iy >= g.hin) continue;
          if (cols_in) {
            vec_map<T>(img + (iy * g.win + ix0) * cin, row) += const_vec_map<T>(src, row);
          } else {
            for (index kx = 0; kx < g.k; ++kx) {
              const index ix = ix0 + kx;
              if (ix >= 0 && ix < g.win)
                vec_map<T>(img + (iy * g.win + ix) * cin, cin) += const_vec_map<T>(src + kx * cin, cin);
            }
          }
        }
      }
    }
  }
}

/// Scratch memory for im2col, reused by every conv; `limit` caps its size in elements (at least
/// one example's im2col matrix is always built, whatever the limit).
template <class T>
class workspace {
 public:
  index limit = index{1} << 17;

  /// How many examples fit the limit, between 1 and batch.
  index chunk(index per_example, index batch) const {
    if (batch < 1) return 1;
    const index fit = per_example > 0 ? limit / per_example : batch;
    return std::max<index>(1, std::min(batch, fit));
  }
  T* get(index n) {
    if (buf_.size() < n) buf_.resize(n);
    return buf_.data();
  }

 private:
  Eigen::Matrix<T, Eigen::Dynamic, 1> buf_;
};

/// A bias-free convolution with its weight in PyTorch's (out, in*k*k) view and its gradient.
template <class T>
struct conv {
  conv_geometry g;
  matrix<T> weight;  ///< (cout, cin*k*k), column c*k*k + t
  matrix<T> grad;    ///< same size
  matrix<T> wt;      ///< the weight as the forward pass used it, columns tap-major (t*cin + c)
  matrix<T> gwt;     ///< gradient in the tap-major order

  void init(const conv_geometry& geo) {
    g = geo;
    weight.setZero(g.cout, g.patch());
    grad.setZero(g.cout, g.patch());
  }

  /// out (cout x out_pixels*batch) = conv(in), or += with `accumulate`.
  void forward(const matrix<T>& in, index batch, matrix<T>& out, bool accumulate, workspace<T>& ws) {
    const index kk = g.taps(), P = g.patch(), O = g.out_pixels();
    wt.resize(g.cout, P);
    for (index c = 0; c < g.cin; ++c)
      for (index t = 0; t < kk; ++t) wt.col(t * g.cin + c) = weight.col(c * kk + t);
    const index chunk = ws.chunk(P * O, batch);
    for (index n0 = 0; n0 < batch; n0 += chunk) {
      const index nb = std::min(chunk, batch - n0);
      T* col = ws.get(P * O * nb);
      im2col(g, in.data(), n0, nb, col);
      const Eigen::Map<const matrix<T>> cm(col, P, O * nb);
      auto o = out.middleCols(n0 * O, nb * O);
      if (accumulate)
        o.noalias() += wt * cm;
      else
        o.noalias() = wt * cm;
    }
  }

  /// Sets `grad` from the forward input `in` and d loss / d out; adds d loss / d in to *gin
  /// unless it is null.
  void backward(const matrix<T>& in, index batch, const matrix<T>& gout, matrix<T>* gin, workspace<T>& ws) {
    const index kk = g.taps(), P = g.patch(), O = g.out_pixels();
    gwt.setZero(g.cout, P);
    const index chunk = ws.chunk(P * O, batch);
    for (index n0 = 0; n0 < batch; n0 += chunk) {
      const index nb = std::min(chunk, batch - n0);
      T* col = ws.get(P * O * nb);
      im2col(g, in.data(), n0, nb, col);
      Eigen::Map<matrix<T>> cm(col, P, O * nb);
      const auto go = gout.middleCols(n0 * O, nb * O);
      gwt.noalias() += go * cm.transpose();
      if (gin) {
        cm.noalias() = wt.transpose() * go;
        col2im_add(g, col, n0, nb, gin->data());
      }
    }
    grad.resize(g.cout, P);
    for (index c = 0; c < g.cin; ++c)
      for (index t = 0; t < kk; ++t) grad.col(c * kk + t) = gwt.col(t * g.cin + c);
  }
};

}  // namespace resnet_detail

/// The ResNet described at the top of this file. Every weight and bias starts at zero, the
/// scalar biases at 0 and the multipliers at 1: fill them through parameters().
template <class T>
class resnet final : public network<T> {
  static_assert(std::is_floating_point_v<T>, "resnet<T>: T must be float or double");

 public:
  explicit resnet(const resnet_config& config) : cfg_(validated(config)) { build(); }

  index input_size() const override { return cfg_.channels * cfg_.height * cfg_.width; }
  index output_size() const override { return cfg_.classes; }
  const resnet_config& config() const { return cfg_; }

  /// Number of residual blocks (stages * blocks_per_stage).
  index blocks() const { return static_cast<index>(blocks_.size()); }
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

  const matrix<T>& forward(const matrix<T>& x) override {
    using nninit::detail::cat, nninit::detail::number;
    const nninit::detail::checker check("resnet", "");
    if (x.rows() != input_size())
      check.fail("input rows", cat("channels*height*width = ", number(input_size())), number(index{x.rows()}));
    const index B = x.cols();
    batch_ = B;
    const index C = cfg_.channels, HW = cfg_.height * cfg_.width;
    // (C*HW, B) -> (C, HW*B)
    input_.resize(C, HW * B);
    for (index n = 0; n < B; ++n) {
      const T* src = x.data() + n * C * HW;
      T* dst = input_.data() + n * HW * C;
      for (index c = 0; c < C; ++c)
        for (index p = 0; p < HW; ++p) dst[p * C + c] = src[c * HW + p];
    }
    // stem
    stem_z_.resize(cfg_.base_width, HW * B);
    stem_.forward(input_, B, stem_z_, false, ws_);
    stem_z_.colwise() += stem_bias_.col(0);
    detail::activate(cfg_.act, stem_z_, stem_out_);
    // blocks
    const matrix<T>* x_in = &stem_out_;
    for (auto& blk : blocks_) {
      block_forward(blk, *x_in, B);
      x_in = &blk.out;
    }
    // head
    const index CL = blocks_.back().conv2.g.cout, HWL = blocks_.back().conv2.g.out_pixels();
    pooled_.resize(CL, B);
    const T inv = T(1) / static_cast<T>(HWL);
    for (index n = 0; n < B; ++n) pooled_.col(n) = x_in->middleCols(n * HWL, HWL).rowwise().sum() * inv;
    output_.resize(cfg_.classes, B);
    output_.noalias() = classifier_w_ * pooled_;
    output_.colwise() += classifier_b_.col(0);
    return output_;
  }

  matrix<T> backward(const matrix<T>& grad_output) override {
    using nninit::detail::cat, nninit::detail::number;
    const nninit::detail::checker check("resnet", "");
    if (batch_ < 0) check.fail("backward", "preceded by forward", "no forward pass");
    if (grad_output.rows() != cfg_.classes || grad_output.cols() != batch_)
      check.fail("grad_output", cat(number(cfg_.classes), "x", number(batch_), " (classes x batch of the forward)"),
                 cat(number(index{grad_output.rows()}), "x", number(index{grad_output.cols()})));
    const index B = batch_;
    output_grad_ = grad_output;
    // head
    classifier_w_grad_.noalias() = grad_output * pooled_.transpose();
    classifier_b_grad_ = grad_output.rowwise().sum();
    const matrix<T> g_pooled = classifier_w_.transpose() * grad_output;
    const index CL = blocks_.back().conv2.g.cout, HWL = blocks_.back().conv2.g.out_pixels();
    matrix<T> g(CL, HWL * B);
    const T inv = T(1) / static_cast<T>(HWL);
    for (index n = 0; n < B; ++n) g.middleCols(n * HWL, HWL).colwise() = g_pooled.col(n) * inv;
    // blocks
    for (std::size_t i = blocks_.size(); i-- > 0;) {
      const matrix<T>& x_in = i == 0 ? stem_out_ : blocks_[i - 1].out;
      g = block_backward(blocks_[i], x_in, std::move(g), B);
    }
    // stem
    stem_grad_ = std::move(g);
    detail::times_derivative(cfg_.act, stem_z_, stem_grad_);
    stem_bias_grad_ = stem_grad_.rowwise().sum();
    matrix<T> g_in = matrix<T>::Zero(cfg_.channels, input_.cols());
    stem_.backward(input_, B, stem_grad_, &g_in, ws_);
    // (C, HW*B) -> (C*HW, B)
    const index C = cfg_.channels, HW = cfg_.height * cfg_.width;
    matrix<T> gx(C * HW, B);
    for (index n = 0; n < B; ++n) {
      const T* src = g_in.data() + n * HW * C;
      T* dst = gx.data() + n * C * HW;
      for (index c = 0; c < C; ++c)
        for (index p = 0; p < HW; ++p) dst[c * HW + p] = src[p * C + c];
    }
    return gx;
  }

  std::vector<parameter<T>> parameters() override {
    std::vector<parameter<T>> ps;
    const auto pk = parameter_kind::weight;
    const nninit::shape stem_shape{cfg_.base_width, cfg_.channels, 3, 3};
    ps.push_back({"stem.weight", &stem_.weight, &stem_.grad, pk, layer_role::input, stem_shape, -1});
    ps.push_back({"stem.bias", &stem_bias_, &stem_bias_grad_, parameter_kind::bias, layer_role::input, stem_shape, -1});
    for (auto& blk : blocks_) {
      const std::string& p = blk.prefix;
      const index b = blk.id;
      const nninit::shape s1 = conv_shape(blk.conv1.g), s2 = conv_shape(blk.conv2.g);
      const auto sb = parameter_kind::scalar_bias;
      const auto first = layer_role::branch_first, last = layer_role::branch_last;
      if (cfg_.scalar_params) ps.push_back({p + ".bias1a", &blk.bias1a, &blk.bias1a_grad, sb, first, s1, b});
      ps.push_back({p + ".conv1.weight", &blk.conv1.weight, &blk.conv1.grad, pk, first, s1, b});
      if (cfg_.scalar_params) {
        ps.push_back({p + ".bias1b", &blk.bias1b, &blk.bias1b_grad, sb, first, s1, b});
        ps.push_back({p + ".bias2a", &blk.bias2a, &blk.bias2a_grad, sb, last, s2, b});
      }
      ps.push_back({p + ".conv2.weight", &blk.conv2.weight, &blk.conv2.grad, pk, last, s2, b});
      if (cfg_.scalar_params) {
        ps.push_back({p + ".scale", &blk.scale, &blk.scale_grad, parameter_kind::multiplier, last, s2, b});
        ps.push_back({p + ".bias2b", &blk.bias2b, &blk.bias2b_grad, sb, last, s2, b});
      }
      if (blk.shortcut == shortcut_kind::projection)
        ps.push_back({p + ".shortcut.weight", &blk.projection.weight, &blk.projection.grad, pk, layer_role::shortcut,
                      conv_shape(blk.projection.g), b});
    }
    const nninit::shape cls_shape{cfg_.classes, classifier_w_.cols()};
    ps.push_back({"classifier.weight", &classifier_w_, &classifier_w_grad_, pk, layer_role::classifier, cls_shape, -1});
    ps.push_back({"classifier.bias", &classifier_b_, &classifier_b_grad_, parameter_kind::bias, layer_role::classifier,
                  cls_shape, -1});
    return ps;
  }

  std::vector<probe<T>> probes() const override {
    std::vector<probe<T>> ps;
    ps.push_back({"stem", &stem_z_, &stem_grad_});
    for (const auto& blk : blocks_) {
      ps.push_back({blk.prefix + ".conv1", &blk.z1, &blk.g_z1, true});
      ps.push_back({blk.prefix + ".conv2", &blk.z2, &blk.g_z2});
    }
    ps.push_back({"classifier", &output_, &output_grad_});
    return ps;
  }

  residual_structure structure() const override { return {blocks(), 2}; }

  /// "resnet 3 stages x 1 blocks, width 16, relu, 28x28x1 -> 10", then ", scalar params" and
  /// ", projection shortcuts" when set.
  std::string summary() const override {
    using nninit::detail::cat, nninit::detail::number;
    std::string s = cat("resnet ", number(cfg_.stages), " stages x ", number(cfg_.blocks_per_stage),
                        " blocks, width ", number(cfg_.base_width), ", ", cfg_.act.text(), ", ",
                        number(cfg_.height), "x", number(cfg_.width), "x", number(cfg_.channels), " -> ",
                        number(cfg_.classes));
    if (cfg_.scalar_params) s += ", scalar params";
    if (cfg_.projection_shortcut) s += ", projection shortcuts";
    return s;
  }

 private:
  enum class shortcut_kind { identity, option_a, projection };

  struct block {
    std::string prefix;  // "stage1.block0"
    index id = 0;        // 0-based over the whole net
    shortcut_kind shortcut = shortcut_kind::identity;
    resnet_detail::conv<T> conv1, conv2, projection;
    matrix<T> bias1a, bias1b, bias2a, bias2b, scale;  // 1x1
    matrix<T> bias1a_grad, bias1b_grad, bias2a_grad, bias2b_grad, scale_grad;
    // forward caches (feature maps (C, pixels*batch)) and the probes' gradients
    matrix<T> u;    // x + bias1a (scalar_params only)
    matrix<T> z1;   // conv1(u) + bias1b
    matrix<T> v;    // act(z1) + bias2a
    matrix<T> c2;   // conv2(v) (scalar_params only)
    matrix<T> z2;   // shortcut(x) + bias2b + scale * conv2(v)
    matrix<T> out;  // act(z2)
    matrix<T> g_z1, g_z2;
  };

  static nninit::shape conv_shape(const resnet_detail::conv_geometry& g) { return {g.cout, g.cin, g.k, g.k}; }

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

  void build() {
    const index C = cfg_.channels, H = cfg_.height, W = cfg_.width;
    stem_.init(resnet_detail::conv_geometry(C, cfg_.base_width, 3, 1, 1, H, W));
    stem_bias_.setZero(cfg_.base_width, 1);
    stem_bias_grad_.setZero(cfg_.base_width, 1);
    blocks_.resize(static_cast<std::size_t>(cfg_.stages * cfg_.blocks_per_stage));
    index cin = cfg_.base_width, h = H, w = W, i = 0;
    for (index s = 0; s < cfg_.stages; ++s) {
      const index cout = stage_width(s);
      for (index b = 0; b < cfg_.blocks_per_stage; ++b, ++i) {
        block& blk = blocks_[static_cast<std::size_t>(i)];
        const index stride = (s > 0 && b == 0) ? 2 : 1;
        blk.prefix = nninit::detail::cat("stage", nninit::detail::number(s), ".block", nninit::detail::number(b));
        blk.id = i;
        blk.conv1.init(resnet_detail::conv_geometry(cin, cout, 3, stride, 1, h, w));
        const index ho = blk.conv1.g.hout, wo = blk.conv1.g.wout;
        blk.conv2.init(resnet_detail::conv_geometry(cout, cout, 3, 1, 1, ho, wo));
        if (stride == 1 && cin == cout) {
          blk.shortcut = shortcut_kind::identity;
        } else if (cfg_.projection_shortcut) {
          blk.shortcut = shortcut_kind::projection;
          blk.projection.init(resnet_detail::conv_geometry(cin, cout, 1, stride, 0, h, w));
        } else {
          blk.shortcut = shortcut_kind::option_a;
        }
        for (matrix<T>* m : {&blk.bias1a, &blk.bias1b, &blk.bias2a, &blk.bias2b, &blk.bias1a_grad, &blk.bias1b_grad,
                             &blk.bias2a_grad, &blk.bias2b_grad, &blk.scale_grad})
          m->setZero(1, 1);
        blk.scale.setOnes(1, 1);
        cin = cout, h = ho, w = wo;
      }
    }
    classifier_w_.setZero(cfg_.classes, cin);
    classifier_w_grad_.setZero(cfg_.classes, cin);
    classifier_b_.setZero(cfg_.classes, 1);
    classifier_b_grad_.setZero(cfg_.classes, 1);
  }

  // z2 += shortcut(x)
  void shortcut_forward(block& blk, const matrix<T>& x, index B) {
    switch (blk.shortcut) {
      case shortcut_kind::identity: blk.z2 += x; return;
      case shortcut_kind::projection: blk.projection.forward(x, B, blk.z2, true, ws_); return;
      case shortcut_kind::option_a: {
        const auto& g = blk.conv1.g;
        const index cin = g.cin, cout = g.cout, s = g.stride;
        for (index n = 0; n < B; ++n)
          for (index oy = 0; oy < g.hout; ++oy)
            for (index ox = 0; ox < g.wout; ++ox) {
              const T* src = x.data() + (n * g.in_pixels() + oy * s * g.win + ox * s) * cin;
              T* dst = blk.z2.data() + (n * g.out_pixels() + oy * g.wout + ox) * cout;
              resnet_detail::vec_map<T>(dst, cin) += resnet_detail::const_vec_map<T>(src, cin);
            }
        return;
      }
    }
  }

  // d loss / d x through the shortcut, given d loss / d z2
  matrix<T> shortcut_backward(block& blk, const matrix<T>& x, index B) {
    switch (blk.shortcut) {
      case shortcut_kind::identity: return blk.g_z2;
      case shortcut_kind::projection: {
        matrix<T> gx = matrix<T>::Zero(x.rows(), x.cols());
        blk.projection.backward(x, B, blk.g_z2, &gx, ws_);
        return gx;
      }
      case shortcut_kind::option_a: break;
    }
    matrix<T> gx = matrix<T>::Zero(x.rows(), x.cols());
    const auto& g = blk.conv1.g;
    const index cin = g.cin, cout = g.cout, s = g.stride;
    for (index n = 0; n < B; ++n)
      for (index oy = 0; oy < g.hout; ++oy)
        for (index ox = 0; ox < g.wout; ++ox) {
          T* dst = gx.data() + (n * g.in_pixels() + oy * s * g.win + ox * s) * cin;
          const T* src = blk.g_z2.data() + (n * g.out_pixels() + oy * g.wout + ox) * cout;
          resnet_detail::vec_map<T>(dst, cin) = resnet_detail::const_vec_map<T>(src, cin);
        }
    return gx;
  }

  void block_forward(block& blk, const matrix<T>& x, index B) {
    const bool sp = cfg_.scalar_params;
    const index cout = blk.conv1.g.cout, cols = blk.conv1.g.out_pixels() * B;
    const matrix<T>* in1 = &x;
    if (sp) {
      blk.u = x.array() + blk.bias1a(0, 0);
      in1 = &blk.u;
    }
    blk.z1.resize(cout, cols);
    blk.conv1.forward(*in1, B, blk.z1, false, ws_);
    if (sp) blk.z1.array() += blk.bias1b(0, 0);
    detail::activate(cfg_.act, blk.z1, blk.v);
    if (sp) {
      blk.v.array() += blk.bias2a(0, 0);
      blk.c2.resize(cout, cols);
      blk.conv2.forward(blk.v, B, blk.c2, false, ws_);
      blk.z2 = (blk.c2.array() * blk.scale(0, 0) + blk.bias2b(0, 0)).matrix();
    } else {
      blk.z2.resize(cout, cols);
      blk.conv2.forward(blk.v, B, blk.z2, false, ws_);
    }
    shortcut_forward(blk, shortcut_input(blk, x), B);
    detail::activate(cfg_.act, blk.z2, blk.out);
  }

  // What the shortcut reads: x, but x + bias1a for a downsampling shortcut with scalar_params, as
  // the official Fixup code (`identity = self.downsample(x + self.bias1a)`).
  const matrix<T>& shortcut_input(const block& blk, const matrix<T>& x) const {
    return cfg_.scalar_params && blk.shortcut != shortcut_kind::identity ? blk.u : x;
  }

  // Takes d loss / d out, returns d loss / d x.
  matrix<T> block_backward(block& blk, const matrix<T>& x, matrix<T>&& g_out, index B) {
    const bool sp = cfg_.scalar_params;
    blk.g_z2 = std::move(g_out);
    detail::times_derivative(cfg_.act, blk.z2, blk.g_z2);
    matrix<T> g_sc = shortcut_backward(blk, shortcut_input(blk, x), B);  // d loss / d shortcut input
    // conv2
    blk.g_z1.setZero(blk.conv1.g.cout, blk.z1.cols());
    if (sp) {
      blk.scale_grad(0, 0) = blk.g_z2.cwiseProduct(blk.c2).sum();
      blk.bias2b_grad(0, 0) = blk.g_z2.sum();
      const matrix<T> g_c2 = blk.g_z2 * blk.scale(0, 0);
      blk.conv2.backward(blk.v, B, g_c2, &blk.g_z1, ws_);
      blk.bias2a_grad(0, 0) = blk.g_z1.sum();
    } else {
      blk.conv2.backward(blk.v, B, blk.g_z2, &blk.g_z1, ws_);
    }
    detail::times_derivative(cfg_.act, blk.z1, blk.g_z1);
    // conv1
    if (!sp) {
      blk.conv1.backward(x, B, blk.g_z1, &g_sc, ws_);
      return g_sc;
    }
    blk.bias1b_grad(0, 0) = blk.g_z1.sum();
    if (blk.shortcut != shortcut_kind::identity) {  // the shortcut read u = x + bias1a too
      blk.conv1.backward(blk.u, B, blk.g_z1, &g_sc, ws_);
      blk.bias1a_grad(0, 0) = g_sc.sum();
      return g_sc;
    }
    matrix<T> g_u = matrix<T>::Zero(x.rows(), x.cols());
    blk.conv1.backward(blk.u, B, blk.g_z1, &g_u, ws_);
    blk.bias1a_grad(0, 0) = g_u.sum();
    g_sc += g_u;
    return g_sc;
  }

  resnet_config cfg_;
  resnet_detail::workspace<T> ws_;
  index batch_ = -1;

  resnet_detail::conv<T> stem_;
  matrix<T> stem_bias_, stem_bias_grad_;
  std::vector<block> blocks_;
  matrix<T> classifier_w_, classifier_w_grad_, classifier_b_, classifier_b_grad_;

  matrix<T> input_;      // (channels, pixels*batch)
  matrix<T> stem_z_;     // probe "stem"
  matrix<T> stem_out_;   // act(stem_z_)
  matrix<T> stem_grad_;  // d loss / d stem_z_
  matrix<T> pooled_;     // (last width, batch)
  matrix<T> output_;     // (classes, batch), probe "classifier"
  matrix<T> output_grad_;
};

}  // namespace nninit::harness
