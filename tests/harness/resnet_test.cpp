// The convolutional ResNet: gradients against central differences, convolutions against a direct
// loop, shapes and strides, Fixup's zero branch, and bad configurations.
#include <nninit/harness/resnet.hpp>
#include <nninit/kaiming.hpp>
#include <nninit/normal.hpp>
#include <nninit/uniform.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "gradient_check.hpp"
#include "test_util.hpp"

namespace h = nninit::harness;
using mat = h::matrix<double>;
using idx = nninit::index;

namespace {

h::resnet_config tiny_config(h::activation act, bool scalar_params, bool projection) {
  h::resnet_config c;
  c.channels = 2, c.height = 7, c.width = 7, c.classes = 4;
  c.base_width = 3, c.stages = 2, c.blocks_per_stage = 1;
  c.act = act;
  c.scalar_params = scalar_params;
  c.projection_shortcut = projection;
  return c;
}

/// Weights by kaiming_normal, biases and scalar biases small and nonzero, multipliers and norm gains near 1.
template <class T>
void randomize(h::network<T>& net, std::uint64_t seed) {
  auto params = net.parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    const nninit::engine eng{seed, i};
    switch (p.kind) {
      case h::parameter_kind::weight: nninit::scheme::kaiming_normal{}(*p.value, eng, p.shape); break;
      case h::parameter_kind::bias:
      case h::parameter_kind::norm_bias:
      case h::parameter_kind::scalar_bias: nninit::uniform(*p.value, eng, -0.3, 0.3); break;
      case h::parameter_kind::norm_gain:
      case h::parameter_kind::multiplier: nninit::uniform(*p.value, eng, 0.6, 1.4); break;
    }
  }
}

mat random_input(idx rows, idx cols, std::uint64_t stream) {
  mat x(rows, cols);
  nninit::normal(x, nninit::engine{77, stream});
  return x;
}

/// The smallest |pre-activation| over every probe but the classifier: the distance to a kink.
double kink_distance(const h::network<double>& net) {
  double m = INFINITY;
  for (const auto& p : net.probes())
    if (p.name != "classifier") m = std::min(m, p.pre_activation->cwiseAbs().minCoeff());
  return m;
}

/// Feature map in the probes' layout (C, pixels*batch) from a batch (C*H*W, batch).
mat to_maps(const mat& x, idx channels, idx pixels) {
  mat m(channels, pixels * x.cols());
  for (idx n = 0; n < x.cols(); ++n)
    for (idx c = 0; c < channels; ++c)
      for (idx p = 0; p < pixels; ++p) m(c, n * pixels + p) = x(c * pixels + p, n);
  return m;
}

/// Direct convolution of maps (cin, h*w*batch) with a PyTorch-layout weight (cout, cin*k*k),
/// zero padding `pad`, stride `stride`; returns (cout, ho*wo*batch).
mat direct_conv(const mat& in, idx h, idx w, const mat& weight, idx k, idx stride, idx pad) {
  const idx cin = in.rows(), cout = weight.rows(), batch = in.cols() / (h * w);
  const idx ho = (h + 2 * pad - k) / stride + 1, wo = (w + 2 * pad - k) / stride + 1;
  mat out = mat::Zero(cout, ho * wo * batch);
  for (idx n = 0; n < batch; ++n)
    for (idx o = 0; o < cout; ++o)
      for (idx oy = 0; oy < ho; ++oy)
        for (idx ox = 0; ox < wo; ++ox) {
          double s = 0;
          for (idx c = 0; c < cin; ++c)
            for (idx ky = 0; ky < k; ++ky)
              for (idx kx = 0; kx < k; ++kx) {
                const idx iy = oy * stride + ky - pad, ix = ox * stride + kx - pad;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                s += weight(o, (c * k + ky) * k + kx) * in(c, n * h * w + iy * w + ix);
              }
          out(o, n * ho * wo + oy * wo + ox) = s;
        }
  return out;
}

/// Fixup's option A: every other pixel, the new channels zero.
mat option_a(const mat& in, idx h, idx w, idx cout) {
  const idx cin = in.rows(), batch = in.cols() / (h * w);
  const idx ho = (h + 1) / 2, wo = (w + 1) / 2;
  mat out = mat::Zero(cout, ho * wo * batch);
  for (idx n = 0; n < batch; ++n)
    for (idx oy = 0; oy < ho; ++oy)
      for (idx ox = 0; ox < wo; ++ox)
        for (idx c = 0; c < cin; ++c) out(c, n * ho * wo + oy * wo + ox) = in(c, n * h * w + 2 * oy * w + 2 * ox);
  return out;
}

mat act_of(const h::activation& a, const mat& z) { return z.unaryExpr([&](double v) { return a.value(v); }); }

const h::probe<double>& probe_named(const std::vector<h::probe<double>>& ps, const std::string& name) {
  for (const auto& p : ps)
    if (p.name == name) return p;
  FAIL("no probe " << name);
  return ps.front();
}

h::parameter<double> param_named(h::network<double>& net, const std::string& name) {
  for (auto& p : net.parameters())
    if (p.name == name) return p;
  FAIL("no parameter " << name);
  return {};
}

std::string error_of(const h::resnet_config& c) {
  try {
    h::resnet<double> net(c);
  } catch (const nninit::init_error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("resnet: gradients match central differences (tanh and silu, all block variants)") {
  for (const auto kind : {h::activation_kind::tanh, h::activation_kind::silu}) {
    for (const bool scalar_params : {false, true}) {
      for (const bool projection : {false, true}) {
        h::resnet<double> net(tiny_config(h::activation(kind), scalar_params, projection));
        randomize(net, 3);
        const mat x = random_input(net.input_size(), 2, 1);
        const test::grad_report rep = test::check_gradients(net, x);
        INFO(net.summary(), ": worst ", rep.worst, " at ", rep.where);
        CHECK(rep.checked > 500);
        CHECK(rep.worst < 1e-6);
      }
    }
  }
}

TEST_CASE("resnet: gradients match central differences with every normalization, at the CIFAR ResNet's positions") {
  for (const auto norm : {h::norm_kind::batch, h::norm_kind::layer, h::norm_kind::rms}) {
    for (const bool projection : {false, true}) {
      auto c = tiny_config(h::activation(h::activation_kind::tanh), false, projection);
      c.norm = norm, c.branch_multiplier = true;
      h::resnet<double> net(c);
      randomize(net, 5);
      const mat x = random_input(net.input_size(), 2, 2);
      const test::grad_report rep = test::check_gradients(net, x);
      INFO(net.summary(), ": worst ", rep.worst, " at ", rep.where);
      CHECK(rep.worst < 1e-6);
      // one norm after the stem, after each conv and after each projection; the stem's conv then
      // has no bias under batch norm
      idx norms = 0;
      for (const auto& p : net.parameters()) norms += p.kind == h::parameter_kind::norm_gain;
      CHECK(norms == 1 + 2 * 2 + (projection ? 1 : 0));
      CHECK((param_named(net, "stem.norm.weight").kind == h::parameter_kind::norm_gain));
    }
  }
}

TEST_CASE("resnet: gradients match central differences with relu away from its kink") {
  for (const bool scalar_params : {false, true}) {
    for (const bool projection : {false, true}) {
      h::resnet<double> net(tiny_config(h::activation(h::activation_kind::relu), scalar_params, projection));
      // The first seed whose pre-activations all keep 1e-4 from 0: a step of 1e-6 moves them by
      // far less, so no difference quotient straddles the kink.
      mat x;
      for (std::uint64_t seed = 0;; ++seed) {
        REQUIRE(seed < 100);
        randomize(net, 100 + seed);
        x = random_input(net.input_size(), 2, 100 + seed);
        net.forward(x);
        if (kink_distance(net) > 1e-4) break;
      }
      const test::grad_report rep = test::check_gradients(net, x);
      INFO(net.summary(), ": worst ", rep.worst, " at ", rep.where);
      CHECK(rep.worst < 1e-6);
    }
  }
}

TEST_CASE("resnet: probe gradients are d loss / d pre-activation") {
  h::resnet<double> net(tiny_config(h::activation(h::activation_kind::tanh), true, false));
  randomize(net, 5);
  const mat x = random_input(net.input_size(), 3, 3);
  mat r(net.output_size(), x.cols());
  nninit::normal(r, nninit::engine{99, 2});
  const auto loss = [&] { return net.forward(x).cwiseProduct(r).sum(); };
  net.forward(x);
  net.backward(r);
  const auto probes = net.probes();
  // A bias added to a pre-activation moves every entry of it alike, so d loss / d bias is the sum
  // of the probe's gradient (per channel for the stem's bias vector).
  const auto numeric = [&](mat& value, idx k) {
    const double keep = value.data()[k], step = 1e-6;
    value.data()[k] = keep + step;
    const double up = loss();
    value.data()[k] = keep - step;
    const double down = loss();
    value.data()[k] = keep;
    return (up - down) / (2 * step);
  };
  const mat stem_grad = *probe_named(probes, "stem").gradient;
  const mat conv1_grad = *probe_named(probes, "stage1.block0.conv1").gradient;
  const mat conv2_grad = *probe_named(probes, "stage0.block0.conv2").gradient;
  const mat cls_grad = *probe_named(probes, "classifier").gradient;
  auto stem_bias = param_named(net, "stem.bias");
  for (idx c = 0; c < stem_bias.value->rows(); ++c) {
    INFO("stem channel ", c);
    CHECK(stem_grad.row(c).sum() == doctest::Approx(numeric(*stem_bias.value, c)).epsilon(1e-7));
  }
  CHECK(conv1_grad.sum() == doctest::Approx(numeric(*param_named(net, "stage1.block0.bias1b").value, 0)).epsilon(1e-7));
  CHECK(conv2_grad.sum() == doctest::Approx(numeric(*param_named(net, "stage0.block0.bias2b").value, 0)).epsilon(1e-7));
  CHECK(cls_grad == r);
  // and every probe's gradient has its pre-activation's size
  for (const auto& p : probes) {
    INFO(p.name);
    CHECK(p.gradient->rows() == p.pre_activation->rows());
    CHECK(p.gradient->cols() == p.pre_activation->cols());
  }
}

TEST_CASE("resnet: stem, stride-2 and 1x1 convolutions match a direct convolution") {
  for (const bool projection : {false, true}) {
    auto c = tiny_config(h::activation(h::activation_kind::tanh), false, projection);
    c.height = 7, c.width = 5, c.base_width = 4;
    h::resnet<double> net(c);
    randomize(net, 8);
    const mat x = random_input(net.input_size(), 3, 4);
    net.forward(x);
    const auto probes = net.probes();
    // stem: conv3x3 stride 1 pad 1 + bias
    const mat maps = to_maps(x, 2, 35);
    mat expected = direct_conv(maps, 7, 5, *param_named(net, "stem.weight").value, 3, 1, 1);
    expected.colwise() += param_named(net, "stem.bias").value->col(0);
    const mat& stem = *probe_named(probes, "stem").pre_activation;
    REQUIRE(stem.rows() == 4);
    REQUIRE(stem.cols() == 35 * 3);
    CHECK((stem - expected).cwiseAbs().maxCoeff() < 1e-12);
    // stage1.block0.conv1: conv3x3 stride 2 pad 1 of the block's input, 7x5 -> 4x3
    const mat block_in = act_of(c.act, *probe_named(probes, "stage0.block0.conv2").pre_activation);
    const mat conv1 = direct_conv(block_in, 7, 5, *param_named(net, "stage1.block0.conv1.weight").value, 3, 2, 1);
    const mat& z1 = *probe_named(probes, "stage1.block0.conv1").pre_activation;
    REQUIRE(z1.rows() == 8);
    REQUIRE(z1.cols() == 12 * 3);
    CHECK((z1 - conv1).cwiseAbs().maxCoeff() < 1e-12);
    // the block's sum: shortcut + conv2(act(z1)) (no scalar parameters here)
    const mat& w2 = *param_named(net, "stage1.block0.conv2.weight").value;
    const mat conv2 = direct_conv(act_of(c.act, z1), 4, 3, w2, 3, 1, 1);
    const mat shortcut =
        projection ? direct_conv(block_in, 7, 5, *param_named(net, "stage1.block0.shortcut.weight").value, 1, 2, 0)
                   : option_a(block_in, 7, 5, 8);
    const mat& z2 = *probe_named(probes, "stage1.block0.conv2").pre_activation;
    CHECK((z2 - (conv2 + shortcut)).cwiseAbs().maxCoeff() < 1e-12);
    // head: global average pooling and the classifier
    const mat last = act_of(c.act, z2);
    mat pooled(8, 3);
    for (idx n = 0; n < 3; ++n) pooled.col(n) = last.middleCols(n * 12, 12).rowwise().mean();
    mat out = *param_named(net, "classifier.weight").value * pooled;
    out.colwise() += param_named(net, "classifier.bias").value->col(0);
    CHECK((net.forward(x) - out).cwiseAbs().maxCoeff() < 1e-12);
  }
}

TEST_CASE("resnet: with a linear activation the input gradient is the adjoint of the network") {
  // Every im2col has its col2im: for an affine network, <x, d loss / d x> = loss(x) - loss(0).
  auto c = tiny_config(h::activation(h::activation_kind::linear), false, false);
  c.height = 5, c.width = 6;
  h::resnet<double> net(c);
  randomize(net, 21);
  const mat x = random_input(net.input_size(), 2, 5);
  mat r(net.output_size(), 2);
  nninit::normal(r, nninit::engine{99, 3});
  // linear network: loss(x) = <A x, r> + const, so loss(x) - loss(0) = <x, dx>
  const double l1 = net.forward(x).cwiseProduct(r).sum();
  const mat dx = net.backward(r);
  const double l0 = net.forward(mat::Zero(x.rows(), x.cols())).cwiseProduct(r).sum();
  CHECK(l1 - l0 == doctest::Approx(x.cwiseProduct(dx).sum()).epsilon(1e-12));
}

TEST_CASE("resnet: shapes, strides, names, roles and the summary") {
  h::resnet<float> net(h::resnet_config{});
  CHECK(net.input_size() == 784);
  CHECK(net.output_size() == 10);
  CHECK(net.summary() == "resnet 3 stages x 1 blocks, width 16, relu, 28x28x1 -> 10");
  CHECK(net.structure().branches == 3);
  CHECK(net.structure().layers_per_branch == 2);
  CHECK(net.stage_size(0) == std::pair<idx, idx>{28, 28});
  CHECK(net.stage_size(1) == std::pair<idx, idx>{14, 14});
  CHECK(net.stage_size(2) == std::pair<idx, idx>{7, 7});
  const h::matrix<float> x = h::matrix<float>::Random(784, 5);
  const auto& y = net.forward(x);
  CHECK(y.rows() == 10);
  CHECK(y.cols() == 5);
  const auto probes = net.probes();
  std::vector<std::string> names;
  for (const auto& p : probes) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"stem", "stage0.block0.conv1", "stage0.block0.conv2", "stage1.block0.conv1",
                                          "stage1.block0.conv2", "stage2.block0.conv1", "stage2.block0.conv2",
                                          "classifier"});
  const idx rows[] = {16, 16, 16, 32, 32, 64, 64, 10};
  const idx cols[] = {784 * 5, 784 * 5, 784 * 5, 196 * 5, 196 * 5, 49 * 5, 49 * 5, 5};
  for (std::size_t i = 0; i < probes.size(); ++i) {
    INFO(probes[i].name);
    CHECK(probes[i].pre_activation->rows() == rows[i]);
    CHECK(probes[i].pre_activation->cols() == cols[i]);
  }
  const auto params = net.parameters();
  std::vector<std::string> pnames;
  for (const auto& p : params) pnames.push_back(p.name);
  CHECK(pnames == std::vector<std::string>{"stem.weight", "stem.bias", "stage0.block0.conv1.weight",
                                           "stage0.block0.conv2.weight", "stage1.block0.conv1.weight",
                                           "stage1.block0.conv2.weight", "stage2.block0.conv1.weight",
                                           "stage2.block0.conv2.weight", "classifier.weight", "classifier.bias"});
  CHECK(params[0].shape.dims == std::vector<idx>{16, 1, 3, 3});
  CHECK(params[0].role == h::layer_role::input);
  CHECK(params[1].kind == h::parameter_kind::bias);
  CHECK(params[1].shape.dims == std::vector<idx>{16, 1, 3, 3});
  CHECK(params[4].shape.dims == std::vector<idx>{32, 16, 3, 3});
  CHECK(params[4].role == h::layer_role::branch_first);
  CHECK(params[4].block == 1);
  CHECK(params[5].shape.dims == std::vector<idx>{32, 32, 3, 3});
  CHECK(params[5].role == h::layer_role::branch_last);
  CHECK(params[8].shape.dims == std::vector<idx>{10, 64});
  CHECK(params[8].role == h::layer_role::classifier);
  CHECK(params[8].block == -1);
  for (const auto& p : params) {
    INFO(p.name);
    CHECK(p.value->rows() == p.shape.rows());
    if (p.kind == h::parameter_kind::weight) CHECK(p.value->cols() == p.shape.cols());
    CHECK(p.grad->rows() == p.value->rows());
    CHECK(p.grad->cols() == p.value->cols());
  }
}

TEST_CASE("resnet: scalar parameters and projection shortcuts") {
  h::resnet_config c;
  c.blocks_per_stage = 2, c.scalar_params = true, c.projection_shortcut = true;
  c.act = h::activation(h::activation_kind::leaky_relu, 0.2);
  h::resnet<double> net(c);
  CHECK(net.summary() == "resnet 3 stages x 2 blocks, width 16, leaky_relu:0.2, 28x28x1 -> 10, scalar params, "
                         "projection shortcuts");
  CHECK(net.structure().branches == 6);
  std::vector<std::string> block3;
  for (const auto& p : net.parameters())
    if (p.block == 2) block3.push_back(p.name);
  CHECK(block3 == std::vector<std::string>{"stage1.block0.bias1a", "stage1.block0.conv1.weight",
                                           "stage1.block0.bias1b", "stage1.block0.bias2a",
                                           "stage1.block0.conv2.weight", "stage1.block0.scale",
                                           "stage1.block0.bias2b", "stage1.block0.shortcut.weight"});
  const auto scale = param_named(net, "stage1.block1.scale");
  CHECK(scale.kind == h::parameter_kind::multiplier);
  CHECK((*scale.value)(0, 0) == 1.0);
  CHECK(scale.value->size() == 1);
  CHECK(scale.block == 3);
  const auto b1a = param_named(net, "stage1.block1.bias1a");
  CHECK(b1a.kind == h::parameter_kind::scalar_bias);
  CHECK(b1a.role == h::layer_role::branch_first);
  CHECK(b1a.shape.dims == std::vector<idx>{32, 32, 3, 3});
  const auto sc = param_named(net, "stage2.block0.shortcut.weight");
  CHECK(sc.role == h::layer_role::shortcut);
  CHECK(sc.shape.dims == std::vector<idx>{64, 32, 1, 1});
  CHECK(sc.value->rows() == 64);
  CHECK(sc.value->cols() == 32);
  // no projection where the shape does not change
  for (const auto& p : net.parameters()) CHECK(p.name.find("block1.shortcut") == std::string::npos);
  CHECK(net.probes().size() == 1 + 2 * 6 + 1);
}

TEST_CASE("resnet: odd sizes halve by ceiling") {
  auto c = tiny_config(h::activation(h::activation_kind::relu), false, false);
  c.height = 5, c.width = 5, c.stages = 3;
  h::resnet<double> net(c);
  randomize(net, 2);
  CHECK(net.stage_size(1) == std::pair<idx, idx>{3, 3});
  CHECK(net.stage_size(2) == std::pair<idx, idx>{2, 2});
  net.forward(random_input(net.input_size(), 2, 6));
  const auto probes = net.probes();
  CHECK(probe_named(probes, "stage1.block0.conv1").pre_activation->cols() == 9 * 2);
  CHECK(probe_named(probes, "stage2.block0.conv2").pre_activation->cols() == 4 * 2);
  CHECK(probe_named(probes, "stage2.block0.conv2").pre_activation->rows() == 12);
}

TEST_CASE("resnet: a zero branch_last conv makes each block act(shortcut)") {
  for (const bool projection : {false, true}) {
    auto c = tiny_config(h::activation(h::activation_kind::relu), true, projection);
    c.stages = 3, c.blocks_per_stage = 2, c.height = 9, c.width = 8;
    h::resnet<double> net(c);
    randomize(net, 4);
    for (auto& p : net.parameters())
      if (p.role == h::layer_role::branch_last && p.kind != h::parameter_kind::multiplier &&
          p.name.find("bias2a") == std::string::npos)
        p.value->setZero();  // conv2 and bias2b as Fixup starts them; bias2a and scale stay random
    const mat x = random_input(net.input_size(), 2, 7);
    net.forward(x);
    const auto probes = net.probes();
    mat in = act_of(c.act, *probe_named(probes, "stem").pre_activation);
    for (idx s = 0; s < 3; ++s) {
      for (idx b = 0; b < 2; ++b) {
        const std::string prefix = "stage" + std::to_string(s) + ".block" + std::to_string(b);
        INFO(prefix);
        const mat& z2 = *probe_named(probes, prefix + ".conv2").pre_activation;
        const auto [hi, wi] = net.stage_size(s > 0 && b == 0 ? s - 1 : s);
        mat expected;
        if (s > 0 && b == 0) {
          // a downsampling shortcut reads x + bias1a, as the official Fixup code
          const mat shifted = in.array() + (*param_named(net, prefix + ".bias1a").value)(0, 0);
          expected = projection
                         ? direct_conv(shifted, hi, wi, *param_named(net, prefix + ".shortcut.weight").value, 1, 2, 0)
                         : option_a(shifted, hi, wi, net.stage_width(s));
        } else
          expected = in;
        REQUIRE(z2.rows() == expected.rows());
        REQUIRE(z2.cols() == expected.cols());
        if (projection && s > 0 && b == 0)
          CHECK((z2 - expected).cwiseAbs().maxCoeff() < 1e-12);
        else
          CHECK(z2 == expected);  // exactly: the branch adds 0 + 0
        in = act_of(c.act, z2);
      }
    }
  }
}

TEST_CASE("resnet: results do not depend on the workspace limit beyond rounding") {
  auto c = tiny_config(h::activation(h::activation_kind::tanh), true, true);
  c.stages = 3;
  // 1: one example at a time; 2700: two at a time in stage 0 (27 x 49 per example), more later,
  // so that batches of 5 end on a partial chunk.
  for (const idx limit : {idx{1}, idx{2700}}) {
    INFO("limit ", limit);
    h::resnet<double> a(c), b(c);
    randomize(a, 6);
    randomize(b, 6);
    b.set_workspace_limit(limit);
    const mat x = random_input(a.input_size(), 5, 8);
    mat r(a.output_size(), 5);
    nninit::normal(r, nninit::engine{99, 4});
    CHECK((a.forward(x) - b.forward(x)).cwiseAbs().maxCoeff() < 1e-13);
    const mat ga = a.backward(r), gb = b.backward(r);
    CHECK((ga - gb).cwiseAbs().maxCoeff() < 1e-13);
    const auto pa = a.parameters(), pb = b.parameters();
    for (std::size_t i = 0; i < pa.size(); ++i) {
      INFO(pa[i].name);
      CHECK((*pa[i].grad - *pb[i].grad).cwiseAbs().maxCoeff() < 1e-12);
    }
    CHECK_THROWS_AS(b.set_workspace_limit(0), nninit::init_error);
  }
}

TEST_CASE("resnet: float agrees with double") {
  auto c = tiny_config(h::activation(h::activation_kind::relu), true, false);
  h::resnet<double> d(c);
  h::resnet<float> f(c);
  randomize(d, 9);
  auto pd = d.parameters();
  auto pf = f.parameters();
  for (std::size_t i = 0; i < pd.size(); ++i) *pf[i].value = pd[i].value->cast<float>();
  const mat x = random_input(d.input_size(), 3, 9);
  mat r(d.output_size(), 3);
  nninit::normal(r, nninit::engine{99, 5});
  const mat yd = d.forward(x);
  const mat yf = f.forward(x.cast<float>()).cast<double>();
  CHECK((yd - yf).cwiseAbs().maxCoeff() < 1e-4 * (1 + yd.cwiseAbs().maxCoeff()));
  const mat gd = d.backward(r);
  const mat gf = f.backward(r.cast<float>()).cast<double>();
  CHECK((gd - gf).cwiseAbs().maxCoeff() < 1e-4 * (1 + gd.cwiseAbs().maxCoeff()));
}

TEST_CASE("resnet: invalid configurations and calls throw init_error") {
  const auto starts = [](const std::string& msg, const std::string& what) {
    INFO(msg);
    CHECK(msg.rfind("nninit::resnet: ", 0) == 0);
    CHECK(msg.find(what) != std::string::npos);
  };
  h::resnet_config c;
  c.channels = 0;
  starts(error_of(c), "channels must be between 1 and 16777216, got 0");
  c = {};
  c.base_width = -3;
  starts(error_of(c), "base_width must be between 1 and 16777216, got -3");
  c = {};
  c.classes = 0;
  starts(error_of(c), "classes");
  c = {};
  c.blocks_per_stage = 0;
  starts(error_of(c), "blocks_per_stage");
  c = {};
  c.stages = 0;
  starts(error_of(c), "stages must be between 1 and 24, got 0");
  c = {};
  c.height = 2;  // 3 stages: 2 -> 1, and the third stage has nothing to halve
  starts(error_of(c), "height must be >= 3 for 3 stages");
  c = {};
  c.width = 4, c.stages = 4;
  starts(error_of(c), "width must be >= 5 for 4 stages");
  c = {};
  c.height = 3;
  CHECK(error_of(c) == "(no error)");  // 3 -> 2 -> 1
  c = {};
  c.act = h::activation(h::activation_kind::leaky_relu, NAN);
  starts(error_of(c), "act parameter must be finite");

  h::resnet<double> net(tiny_config(h::activation(h::activation_kind::relu), false, false));
  try {
    net.backward(mat::Zero(4, 2));
    FAIL("no throw");
  } catch (const nninit::init_error& e) {
    starts(e.what(), "backward");
  }
  try {
    net.forward(mat::Zero(97, 2));
    FAIL("no throw");
  } catch (const nninit::init_error& e) {
    starts(e.what(), "input rows must be channels*height*width = 98, got 97");
  }
  net.forward(mat::Zero(98, 2));
  CHECK_THROWS_AS(net.backward(mat::Zero(4, 3)), nninit::init_error);
  CHECK_THROWS_AS(net.backward(mat::Zero(5, 2)), nninit::init_error);
  CHECK_NOTHROW(net.backward(mat::Zero(4, 2)));
}
