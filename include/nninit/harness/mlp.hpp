// nninit harness: the plain MLP and the residual MLP (no normalization), with manual backprop.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "../detail/format.hpp"
#include "activation.hpp"
#include "detail/elementwise.hpp"
#include "network.hpp"

namespace nninit::harness {

namespace detail {

/// A fully connected layer z = W x (+ b), W of shape (out, in), PyTorch's nn.Linear layout.
template <class T>
struct dense {
  matrix<T> weight, weight_grad, bias, bias_grad;  // bias: out x 1, empty when absent
  layer_role role = layer_role::hidden;
  index block = -1;

  dense(index in, index out, bool with_bias, layer_role r, index b = -1)
      : weight(matrix<T>::Zero(out, in)), weight_grad(matrix<T>::Zero(out, in)), role(r), block(b) {
    if (with_bias) bias = matrix<T>::Zero(out, 1), bias_grad = matrix<T>::Zero(out, 1);
  }

  void forward(const matrix<T>& x, matrix<T>& z) const {
    z.noalias() = weight * x;
    if (bias.size()) z.colwise() += bias.col(0);
  }
  /// Given dz, sets the parameter grads and returns dx.
  matrix<T> backward(const matrix<T>& x, const matrix<T>& dz) {
    weight_grad.noalias() = dz * x.transpose();
    if (bias.size()) bias_grad = dz.rowwise().sum();
    return weight.transpose() * dz;
  }
  void add_parameters(std::vector<parameter<T>>& out, const std::string& name) {
    const nninit::shape s{weight.rows(), weight.cols()};
    out.push_back({name + ".weight", &weight, &weight_grad, parameter_kind::weight, role, s, block});
    if (bias.size()) out.push_back({name + ".bias", &bias, &bias_grad, parameter_kind::bias, role, s, block});
  }
};

/// A scalar parameter (Fixup's biases and multipliers), as a 1x1 matrix so optimizers see one kind.
template <class T>
struct scalar {
  matrix<T> value, grad;
  explicit scalar(T v = 0) : value(matrix<T>::Constant(1, 1, v)), grad(matrix<T>::Zero(1, 1)) {}
  T operator()() const { return value(0, 0); }
};

inline void check_size(const nninit::detail::checker& check, std::string_view name, index v) {
  if (v < 1) check.fail(name, ">= 1", nninit::detail::number(v));
  if (v > (index{1} << 24)) check.fail(name, "<= 16777216", nninit::detail::number(v));
}

}  // namespace detail

/// A plain MLP: `depth` layers of width `width`, each followed by the activation; then, when
/// `outputs` > 0, a linear classifier. Without a classifier the output is the last layer's
/// activation, as in the signal-propagation literature (Poole et al. 2016; Pennington et al.
/// 2017: the Jacobian is d x^L / d x^0).
struct mlp_config {
  index inputs = 512;
  index width = 512;
  index depth = 50;
  index outputs = 0;  ///< 0: no classifier
  activation act{};
  bool bias = false;
};

template <class T>
class mlp final : public network<T> {
 public:
  explicit mlp(const mlp_config& c) : config_(c) {
    const nninit::detail::checker check("mlp", "");
    detail::check_size(check, "inputs", c.inputs);
    detail::check_size(check, "width", c.width);
    detail::check_size(check, "depth", c.depth);
    if (c.outputs < 0) check.fail("outputs", ">= 0", nninit::detail::number(c.outputs));
    if (c.depth > 100000) check.fail("depth", "<= 100000", nninit::detail::number(c.depth));
    for (index l = 0; l < c.depth; ++l)
      layers_.emplace_back(l == 0 ? c.inputs : c.width, c.width, c.bias, l == 0 ? layer_role::input : layer_role::hidden);
    if (c.outputs > 0) layers_.emplace_back(c.width, c.outputs, c.bias, layer_role::classifier);
    z_.resize(layers_.size());
    a_.resize(static_cast<std::size_t>(c.depth));
    dz_.resize(layers_.size());
  }

  index input_size() const override { return config_.inputs; }
  index output_size() const override { return config_.outputs > 0 ? config_.outputs : config_.width; }

  const matrix<T>& forward(const matrix<T>& x) override {
    x_ = x;
    const matrix<T>* in = &x_;
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      layers_[l].forward(*in, z_[l]);
      if (l < a_.size()) {
        detail::activate(config_.act, z_[l], a_[l]);
        in = &a_[l];
      }
    }
    return config_.outputs > 0 ? z_.back() : a_.back();
  }

  matrix<T> backward(const matrix<T>& grad_output) override {
    matrix<T> g = grad_output;
    for (std::size_t l = layers_.size(); l-- > 0;) {
      dz_[l] = std::move(g);
      if (l < a_.size()) detail::times_derivative(config_.act, z_[l], dz_[l]);
      g = layers_[l].backward(l == 0 ? x_ : a_[l - 1], dz_[l]);
    }
    return g;
  }

  std::vector<parameter<T>> parameters() override {
    std::vector<parameter<T>> out;
    for (std::size_t l = 0; l < layers_.size(); ++l) layers_[l].add_parameters(out, layer_name(l));
    return out;
  }
  std::vector<probe<T>> probes() const override {
    std::vector<probe<T>> out;
    for (std::size_t l = 0; l < layers_.size(); ++l) out.push_back({layer_name(l), &z_[l], &dz_[l]});
    return out;
  }
  std::string summary() const override {
    return nninit::detail::cat("mlp depth ", nninit::detail::number(config_.depth), ", width ",
                               nninit::detail::number(config_.width), ", ", config_.act.text(),
                               config_.bias ? ", bias" : ", no bias", ", ", nninit::detail::number(config_.inputs),
                               " -> ", nninit::detail::number(output_size()));
  }

 private:
  std::string layer_name(std::size_t l) const {
    return l < a_.size() ? nninit::detail::cat("fc", nninit::detail::number(static_cast<index>(l + 1))) : "classifier";
  }

  mlp_config config_;
  std::vector<detail::dense<T>> layers_;
  matrix<T> x_;
  std::vector<matrix<T>> z_, a_, dz_;
};

/// A residual MLP without normalization: an input layer when `inputs` != `width`, then
/// `blocks` blocks of `layers_per_block` layers, then an optional classifier. A block is the
/// MLP form of the basic block of Fixup's official CIFAR code (Zhang et al. 2019, Fig. 1):
///   h' = f(h + beta_out + s * W_m(... f(W_1(h + beta_1in) + beta_1out) ... + beta_m_in)),
/// with the scalar biases beta and the multiplier s trainable when `scalar_params` (else fixed
/// at 0 and 1). Variance adds on every skip, so under He init the forward signal grows like
/// 2^blocks: the point of Fixup and of the zero-last-layer schemes.
struct resmlp_config {
  index inputs = 512;
  index width = 512;
  index blocks = 100;
  index layers_per_block = 2;
  index outputs = 0;  ///< 0: no classifier
  activation act{};
  bool bias = false;
  bool scalar_params = false;
};

template <class T>
class resmlp final : public network<T> {
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
    if (c.inputs != c.width) stem_.emplace_back(c.inputs, c.width, c.bias, layer_role::input);
    for (index b = 0; b < c.blocks; ++b) {
      block& blk = blocks_.emplace_back();
      for (index j = 0; j < c.layers_per_block; ++j) {
        const layer_role role = j == c.layers_per_block - 1 ? layer_role::branch_last
                                : j == 0                    ? layer_role::branch_first
                                                            : layer_role::branch_middle;
        blk.layers.emplace_back(c.width, c.width, c.bias, role, b);
        blk.bias_in.emplace_back(0);
        if (j + 1 < c.layers_per_block) blk.bias_out.emplace_back(0);
      }
      blk.z.resize(blk.layers.size());
      blk.a.resize(blk.layers.size() - 1);
      blk.dz.resize(blk.layers.size());
    }
    if (c.outputs > 0) head_.emplace_back(c.width, c.outputs, c.bias, layer_role::classifier);
  }

  index input_size() const override { return config_.inputs; }
  index output_size() const override { return config_.outputs > 0 ? config_.outputs : config_.width; }

  const matrix<T>& forward(const matrix<T>& x) override {
    x_ = x;
    const matrix<T>* h = &x_;
    if (!stem_.empty()) {
      stem_[0].forward(x_, stem_z_);
      detail::activate(config_.act, stem_z_, stem_a_);
      h = &stem_a_;
    }
    const std::size_t m = static_cast<std::size_t>(config_.layers_per_block);
    for (block& blk : blocks_) {
      blk.in = h;
      for (std::size_t j = 0; j < m; ++j) {
        layer_input(blk, j, scratch_);
        blk.layers[j].forward(scratch_, blk.z[j]);
        if (j + 1 < m) {
          blk.z[j].array() += blk.bias_out[j]();
          detail::activate(config_.act, blk.z[j], blk.a[j]);
        }
      }
      // z[m-1] is W_m t alone; the block's pre-activation is y = h + s z + beta_last.
      blk.y = *blk.in + blk.scale() * blk.z[m - 1];
      blk.y.array() += blk.bias_last();
      detail::activate(config_.act, blk.y, blk.out);
      h = &blk.out;
    }
    if (!head_.empty()) {
      head_[0].forward(*h, head_z_);
      return head_z_;
    }
    return *h;
  }

  matrix<T> backward(const matrix<T>& grad_output) override {
    matrix<T> g = grad_output;
    if (!head_.empty()) {
      head_dz_ = g;
      g = head_[0].backward(blocks_.empty() ? stem_a_ : blocks_.back().out, head_dz_);
    }
    const std::size_t m = static_cast<std::size_t>(config_.layers_per_block);
    for (std::size_t b = blocks_.size(); b-- > 0;) {
      block& blk = blocks_[b];
      blk.dy = std::move(g);
      detail::times_derivative(config_.act, blk.y, blk.dy);
      blk.bias_last.grad(0, 0) = blk.dy.sum();
      blk.scale.grad(0, 0) = (blk.dy.array() * blk.z[m - 1].array()).sum();
      matrix<T> d = blk.scale() * blk.dy;  // d loss / d z[m-1]
      for (std::size_t j = m; j-- > 0;) {
        if (j + 1 < m) {
          detail::times_derivative(config_.act, blk.z[j], d);
          blk.bias_out[j].grad(0, 0) = d.sum();
        }
        blk.dz[j] = d;
        layer_input(blk, j, scratch_);
        d = blk.layers[j].backward(scratch_, blk.dz[j]);
        blk.bias_in[j].grad(0, 0) = d.sum();
      }
      g = blk.dy + d;  // the skip and the branch
    }
    if (!stem_.empty()) {
      stem_dz_ = std::move(g);
      detail::times_derivative(config_.act, stem_z_, stem_dz_);
      g = stem_[0].backward(x_, stem_dz_);
    }
    return g;
  }

  std::vector<parameter<T>> parameters() override {
    std::vector<parameter<T>> out;
    if (!stem_.empty()) stem_[0].add_parameters(out, "stem");
    for (std::size_t b = 0; b < blocks_.size(); ++b) {
      block& blk = blocks_[b];
      const std::string name = nninit::detail::cat("block", nninit::detail::number(static_cast<index>(b + 1)));
      const auto bi = static_cast<index>(b);
      for (std::size_t j = 0; j < blk.layers.size(); ++j) {
        const std::string fc = nninit::detail::cat(name, ".fc", nninit::detail::number(static_cast<index>(j + 1)));
        if (config_.scalar_params) scalar_parameter(out, fc + ".bias_in", blk.bias_in[j], parameter_kind::scalar_bias, blk.layers[j].role, bi);
        blk.layers[j].add_parameters(out, fc);
        if (config_.scalar_params && j < blk.bias_out.size())
          scalar_parameter(out, fc + ".bias_out", blk.bias_out[j], parameter_kind::scalar_bias, blk.layers[j].role, bi);
      }
      if (config_.scalar_params) {
        scalar_parameter(out, name + ".scale", blk.scale, parameter_kind::multiplier, layer_role::branch_last, bi);
        scalar_parameter(out, name + ".bias_last", blk.bias_last, parameter_kind::scalar_bias, layer_role::branch_last, bi);
      }
    }
    if (!head_.empty()) head_[0].add_parameters(out, "classifier");
    return out;
  }

  std::vector<probe<T>> probes() const override {
    std::vector<probe<T>> out;
    if (!stem_.empty()) out.push_back({"stem", &stem_z_, &stem_dz_});
    for (std::size_t b = 0; b < blocks_.size(); ++b) {
      const block& blk = blocks_[b];
      const std::string name = nninit::detail::cat("block", nninit::detail::number(static_cast<index>(b + 1)));
      for (std::size_t j = 0; j + 1 < blk.layers.size(); ++j)
        out.push_back({nninit::detail::cat(name, ".fc", nninit::detail::number(static_cast<index>(j + 1))), &blk.z[j],
                       &blk.dz[j], true});
      out.push_back({name + ".out", &blk.y, &blk.dy});
    }
    if (!head_.empty()) out.push_back({"classifier", &head_z_, &head_dz_});
    return out;
  }

  residual_structure structure() const override { return {config_.blocks, config_.layers_per_block}; }

  std::string summary() const override {
    return nninit::detail::cat("resmlp ", nninit::detail::number(config_.blocks), " blocks x ",
                               nninit::detail::number(config_.layers_per_block), " layers, width ",
                               nninit::detail::number(config_.width), ", ", config_.act.text(),
                               config_.scalar_params ? ", scalar biases and multipliers" : "",
                               config_.bias ? ", bias" : ", no bias", ", ", nninit::detail::number(config_.inputs),
                               " -> ", nninit::detail::number(output_size()));
  }

 private:
  struct block {
    std::vector<detail::dense<T>> layers;
    std::vector<detail::scalar<T>> bias_in, bias_out;
    detail::scalar<T> scale{1}, bias_last{0};
    const matrix<T>* in = nullptr;  // the block's input h: the previous block's `out`, or the stem's
    matrix<T> y, out, dy;           // y: pre-activation of the block's output
    std::vector<matrix<T>> z, a, dz;
  };

  /// The input of layer j of a block, bias_in included. Recomputed in backward rather than
  /// kept: it would double the memory of a 100-block network.
  void layer_input(const block& blk, std::size_t j, matrix<T>& t) const {
    t = j == 0 ? *blk.in : blk.a[j - 1];
    if (blk.bias_in[j]() != T(0)) t.array() += blk.bias_in[j]();
  }

  static void scalar_parameter(std::vector<parameter<T>>& out, std::string name, detail::scalar<T>& s,
                               parameter_kind kind, layer_role role, index blk) {
    out.push_back({std::move(name), &s.value, &s.grad, kind, role, nninit::shape{1}, blk});
  }

  resmlp_config config_;
  std::vector<detail::dense<T>> stem_, head_;  // zero or one layer each
  std::vector<block> blocks_;
  matrix<T> x_, stem_z_, stem_a_, stem_dz_, head_z_, head_dz_, scratch_;
};

}  // namespace nninit::harness
