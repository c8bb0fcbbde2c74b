// nninit harness layers for images: the 2-D convolution (im2col and one Eigen GEMM per chunk of
// examples), the reshape of a batch of images into feature maps, global average pooling and the
// option-A shortcut of the CIFAR ResNet (He et al. 2016, §4.2).
//
// Layout. A batch of images enters as (channels*height*width) x batch, each column one image
// flattened C, H, W (PyTorch's NCHW per example). Inside, every feature map is a (C, H*W*batch)
// column-major matrix: column n*H*W + y*W + x holds the C channels of pixel (y, x) of example n.
// A conv builds the im2col matrix (k*k*C, H'*W'*batch) with rows ordered tap-major (row t*C + c),
// so that each tap of each output pixel is one contiguous copy of C values, and multiplies it by
// the weight with its columns permuted to the same order. The weight itself, as the parameters
// expose it, is (out, in*k*k) in PyTorch's flattening order (in, kh, kw): the library's fill of
// nninit::shape{out, in, k, k} gives PyTorch-layout values. The im2col matrix is never kept: it is
// built a few examples at a time into a scratch buffer small enough to stay in cache (a
// `workspace` shared by the network's convolutions), multiplied, and rebuilt in backward.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "../graph.hpp"

namespace nninit::harness::layers {

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

/// A 2-D convolution, optionally with a per-channel bias (nn.Conv2d).
template <class T>
class conv final : public layer<T> {
 public:
  matrix<T> weight, weight_grad;  ///< (cout, cin*k*k), column c*k*k + t
  matrix<T> bias, bias_grad;      ///< (cout, 1); empty without a bias

  conv(placement where, const conv_geometry& g, bool with_bias, workspace<T>& ws)
      : weight(matrix<T>::Zero(g.cout, g.patch())), weight_grad(matrix<T>::Zero(g.cout, g.patch())), g_(g), ws_(&ws),
        where_(std::move(where)) {
    if (with_bias) bias = matrix<T>::Zero(g.cout, 1), bias_grad = matrix<T>::Zero(g.cout, 1);
  }

  const conv_geometry& geometry() const { return g_; }
  nninit::shape shape() const { return {g_.cout, g_.cin, g_.k, g_.k}; }

  void forward(const matrix<T>& x, matrix<T>& y) override {
    const index kk = g_.taps(), P = g_.patch(), O = g_.out_pixels(), batch = x.cols() / g_.in_pixels();
    wt_.resize(g_.cout, P);
    for (index c = 0; c < g_.cin; ++c)
      for (index t = 0; t < kk; ++t) wt_.col(t * g_.cin + c) = weight.col(c * kk + t);
    y.resize(g_.cout, O * batch);
    const index chunk = ws_->chunk(P * O, batch);
    for (index n0 = 0; n0 < batch; n0 += chunk) {
      const index nb = std::min(chunk, batch - n0);
      T* col = ws_->get(P * O * nb);
      im2col(g_, x.data(), n0, nb, col);
      const Eigen::Map<const matrix<T>> cm(col, P, O * nb);
      y.middleCols(n0 * O, nb * O).noalias() = wt_ * cm;
    }
    if (bias.size()) y.colwise() += bias.col(0);
  }

  void backward(const matrix<T>& x, const matrix<T>&, const matrix<T>& dy, const input_gradient<T>& dx) override {
    const index kk = g_.taps(), P = g_.patch(), O = g_.out_pixels(), batch = x.cols() / g_.in_pixels();
    if (bias.size()) bias_grad = dy.rowwise().sum();
    gwt_.setZero(g_.cout, P);
    if (dx.dx && !dx.accumulate) dx.dx->setZero(x.rows(), x.cols());
    const index chunk = ws_->chunk(P * O, batch);
    for (index n0 = 0; n0 < batch; n0 += chunk) {
      const index nb = std::min(chunk, batch - n0);
      T* col = ws_->get(P * O * nb);
      im2col(g_, x.data(), n0, nb, col);
      Eigen::Map<matrix<T>> cm(col, P, O * nb);
      const auto go = dy.middleCols(n0 * O, nb * O);
      gwt_.noalias() += go * cm.transpose();
      if (dx.dx) {
        cm.noalias() = wt_.transpose() * go;
        col2im_add(g_, col, n0, nb, dx.dx->data());
      }
    }
    weight_grad.resize(g_.cout, P);
    for (index c = 0; c < g_.cin; ++c)
      for (index t = 0; t < kk; ++t) weight_grad.col(c * kk + t) = gwt_.col(t * g_.cin + c);
  }

  void add_parameters(std::vector<parameter<T>>& out) override {
    out.push_back({where_.name + ".weight", &weight, &weight_grad, parameter_kind::weight, where_.role, shape(), where_.block});
    if (bias.size())
      out.push_back({where_.name + ".bias", &bias, &bias_grad, parameter_kind::bias, where_.role, shape(), where_.block});
  }
  double macs_per_example() const override { return static_cast<double>(weight.size()) * static_cast<double>(g_.out_pixels()); }
  matrix<T>* lsuv_weight() override { return &weight; }
  matrix<T>* lsuv_bias() override { return bias.size() ? &bias : nullptr; }

 private:
  conv_geometry g_;
  workspace<T>* ws_;
  placement where_;
  matrix<T> wt_;   // the weight as the forward pass used it, columns tap-major (t*cin + c)
  matrix<T> gwt_;  // its gradient in the same order
};

/// (C*H*W, batch), one image per column, to feature maps (C, H*W*batch), and back in backward.
template <class T>
class to_feature_maps final : public layer<T> {
 public:
  to_feature_maps(index channels, index pixels) : C_(channels), HW_(pixels) {}
  void forward(const matrix<T>& x, matrix<T>& y) override {
    const index B = x.cols();
    y.resize(C_, HW_ * B);
    for (index n = 0; n < B; ++n) {
      const T* src = x.data() + n * C_ * HW_;
      T* dst = y.data() + n * HW_ * C_;
      for (index c = 0; c < C_; ++c)
        for (index p = 0; p < HW_; ++p) dst[p * C_ + c] = src[c * HW_ + p];
    }
  }
  void backward(const matrix<T>& x, const matrix<T>&, const matrix<T>& dy, const input_gradient<T>& dx) override {
    if (!dx.dx) return;
    if (!dx.accumulate) dx.dx->resize(x.rows(), x.cols());
    for (index n = 0; n < x.cols(); ++n) {
      const T* src = dy.data() + n * HW_ * C_;
      T* dst = dx.dx->data() + n * C_ * HW_;
      for (index c = 0; c < C_; ++c)
        for (index p = 0; p < HW_; ++p) dst[c * HW_ + p] = (dx.accumulate ? dst[c * HW_ + p] : T(0)) + src[p * C_ + c];
    }
  }

 private:
  index C_, HW_;
};

/// Feature maps (C, pixels*batch) to their mean over each example's pixels, (C, batch).
template <class T>
class global_average_pool final : public layer<T> {
 public:
  explicit global_average_pool(index pixels) : HW_(pixels) {}
  void forward(const matrix<T>& x, matrix<T>& y) override {
    const index B = x.cols() / HW_;
    y.resize(x.rows(), B);
    const T inv = T(1) / static_cast<T>(HW_);
    for (index n = 0; n < B; ++n) y.col(n) = x.middleCols(n * HW_, HW_).rowwise().sum() * inv;
  }
  void backward(const matrix<T>& x, const matrix<T>&, const matrix<T>& dy, const input_gradient<T>& dx) override {
    if (!dx.dx) return;
    const T inv = T(1) / static_cast<T>(HW_);
    if (!dx.accumulate) dx.dx->resize(x.rows(), x.cols());
    for (index n = 0; n < dy.cols(); ++n) {
      if (dx.accumulate) dx.dx->middleCols(n * HW_, HW_).colwise() += dy.col(n) * inv;
      else dx.dx->middleCols(n * HW_, HW_).colwise() = dy.col(n) * inv;
    }
  }

 private:
  index HW_;
};

/// Fixup's and the CIFAR ResNet's "option A" shortcut where a block halves the size and widens
/// the channels: every other pixel (AvgPool2d(1, stride)), the new channels zero.
template <class T>
class subsample_shortcut final : public layer<T> {
 public:
  /// `g`: the geometry of the block's first conv (its stride, input and output sizes).
  explicit subsample_shortcut(const conv_geometry& g) : g_(g) {}
  void forward(const matrix<T>& x, matrix<T>& y) override {
    const index B = x.cols() / g_.in_pixels(), cin = g_.cin, cout = g_.cout, s = g_.stride;
    y.setZero(cout, g_.out_pixels() * B);
    for (index n = 0; n < B; ++n)
      for (index oy = 0; oy < g_.hout; ++oy)
        for (index ox = 0; ox < g_.wout; ++ox) {
          const T* src = x.data() + (n * g_.in_pixels() + oy * s * g_.win + ox * s) * cin;
          T* dst = y.data() + (n * g_.out_pixels() + oy * g_.wout + ox) * cout;
          vec_map<T>(dst, cin) = const_vec_map<T>(src, cin);
        }
  }
  void backward(const matrix<T>& x, const matrix<T>&, const matrix<T>& dy, const input_gradient<T>& dx) override {
    if (!dx.dx) return;
    if (!dx.accumulate) dx.dx->setZero(x.rows(), x.cols());
    const index B = x.cols() / g_.in_pixels(), cin = g_.cin, cout = g_.cout, s = g_.stride;
    for (index n = 0; n < B; ++n)
      for (index oy = 0; oy < g_.hout; ++oy)
        for (index ox = 0; ox < g_.wout; ++ox) {
          T* dst = dx.dx->data() + (n * g_.in_pixels() + oy * s * g_.win + ox * s) * cin;
          const T* src = dy.data() + (n * g_.out_pixels() + oy * g_.wout + ox) * cout;
          vec_map<T>(dst, cin) += const_vec_map<T>(src, cin);
        }
  }

 private:
  conv_geometry g_;
};

}  // namespace nninit::harness::layers
