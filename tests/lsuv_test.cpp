// LSUV through the library's interface (nninit/lsuv.hpp), on a small network written here: the
// calibration's properties (every layer within tol, exact in one rescale with a fixed batch,
// idempotent, invariant to the pre-init's scale), degenerate layers, the call order that lets a
// forward cache its inputs, presets and registry options, and bad input with nothing written.
#include <doctest/doctest.h>
#include <nninit/nninit.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace {

using mat = Eigen::MatrixXd;

/// A tanh MLP z_k = W_k h_{k-1} + b_k, h_k = tanh(z_k), with a forward that caches each layer's
/// input and resumes from it, as the interface allows.
struct tiny_mlp {
  std::vector<mat> w, b;
  mat x;
  std::vector<mat> in, z, h;  // in[k]: the input of layer k
  int layer_forwards = 0;

  tiny_mlp(std::vector<nninit::index> widths, nninit::index batch) {
    for (std::size_t k = 0; k + 1 < widths.size(); ++k) {
      w.push_back(mat::Zero(widths[k + 1], widths[k]));
      b.push_back(mat::Zero(widths[k + 1], 1));
    }
    x.resize(widths[0], batch);
    nninit::normal(x, nninit::engine{5, 1}, 0.3, 2.0);
    in.resize(w.size()), z.resize(w.size()), h.resize(w.size());
  }
  std::vector<nninit::lsuv_layer> layers() {
    std::vector<nninit::lsuv_layer> out;
    for (std::size_t k = 0; k < w.size(); ++k) out.push_back(nninit::lsuv_target("fc" + std::to_string(k + 1), w[k], b[k]));
    return out;
  }
  /// Layer k's output for the current weights, from its cached input.
  const mat& output(nninit::index k, nninit::lsuv_measure m) {
    const auto i = static_cast<std::size_t>(k);
    in[i] = i == 0 ? x : h[i - 1];
    z[i] = (w[i] * in[i]).colwise() + b[i].col(0);
    h[i] = z[i].array().tanh();
    ++layer_forwards;
    return m == nninit::lsuv_measure::pre_activation ? z[i] : h[i];
  }
  /// A whole forward from the input: every layer's pre-activation.
  std::vector<mat> forward() const {
    std::vector<mat> zs;
    mat a = x;
    for (std::size_t k = 0; k < w.size(); ++k) {
      zs.push_back((w[k] * a).colwise() + b[k].col(0));
      a = zs.back().array().tanh();
    }
    return zs;
  }
  void he(std::uint64_t seed) {
    for (std::size_t k = 0; k < w.size(); ++k) nninit::kaiming_normal(w[k], nninit::engine{seed, k});
  }
};

double variance(const mat& m) { return (m.array() - m.mean()).square().mean(); }

nninit::lsuv_report run(tiny_mlp& net, const nninit::lsuv_options& o) {
  auto layers = net.layers();
  return nninit::lsuv(layers, [&](nninit::index k, nninit::lsuv_measure m) -> const mat& { return net.output(k, m); }, o,
                      nninit::engine{11});
}

}  // namespace

TEST_CASE("lsuv: every layer's output ends within tol of target_var, exactly after one rescale (fixed batch, zero bias)") {
  tiny_mlp net({20, 30, 30, 30, 10}, 64);
  const nninit::lsuv_report r = run(net, {});
  REQUIRE(r.layers.size() == 4);
  const auto zs = net.forward();
  for (std::size_t k = 0; k < 4; ++k) {
    CAPTURE(k);
    const auto& L = r.layers[k];
    CHECK(L.converged);
    CHECK_FALSE(L.degenerate);
    CHECK(std::abs(variance(zs[k]) - 1) < 0.1);
    CHECK(L.variance == doctest::Approx(variance(zs[k])).epsilon(1e-12));
    // With zero biases the variance is quadratic in the scale: one rescale lands on 1.
    if (L.iterations > 0) CHECK(variance(zs[k]) == doctest::Approx(1).epsilon(1e-12));
    CHECK(net.b[k].isZero());  // the orthonormal pre-init zeroes biases; nothing else touches them
  }
  // The orthonormal pre-init: each weight semi-orthogonal times the one scalar LSUV applied.
  for (std::size_t k = 0; k < 4; ++k) {
    const mat& w = net.w[k];
    const mat g = w.rows() <= w.cols() ? mat(w * w.transpose()) : mat(w.transpose() * w);
    const double s = r.layers[k].scale;
    CHECK((g - s * s * mat::Identity(g.rows(), g.cols())).cwiseAbs().maxCoeff() < 1e-12 * s * s);
  }
  // One layer forward per call: K first calls plus one per rescale, not the O(K^2) of re-running the prefix.
  CHECK(net.layer_forwards == 4 + r.rescales());
  CHECK(r.text().rfind("4 layers, ", 0) == 0);
}

TEST_CASE("lsuv: running it twice rescales nothing the second time, scaling a pre-init weight by c > 0 changes nothing") {
  nninit::lsuv_options keep;
  keep.preinit = nninit::lsuv_preinit::keep;
  tiny_mlp a({16, 24, 24, 8}, 50), b({16, 24, 24, 8}, 50);
  a.he(3), b.he(3);
  b.w[0] *= 3.7;
  b.w[1] *= 0.21;
  const auto ra = run(a, keep), rb = run(b, keep);
  for (std::size_t k = 0; k < a.w.size(); ++k) {
    CAPTURE(k);
    CHECK(ra.layers[k].iterations >= 1);  // every layer needed a rescale: the invariance is then exact
    CHECK((a.w[k] - b.w[k]).cwiseAbs().maxCoeff() < 1e-12 * a.w[k].cwiseAbs().maxCoeff());
  }
  const auto again = run(a, keep);
  CHECK(again.rescales() == 0);
  CHECK(again.all_converged());
}

TEST_CASE("lsuv: adjust_mean shifts biases so that the mean is within tol too (scale first, then shift)") {
  tiny_mlp net({12, 20, 20, 6}, 80);
  nninit::lsuv_options o = nninit::lsuv_options::preset(nninit::lsuv_preset::fastai);
  o.measure = nninit::lsuv_measure::pre_activation;
  const auto r = run(net, o);
  const auto zs = net.forward();
  for (std::size_t k = 0; k < zs.size(); ++k) {
    CAPTURE(k);
    CHECK(r.layers[k].converged);
    CHECK(std::abs(zs[k].mean()) < 1e-3);
    CHECK(std::abs(variance(zs[k]) - 1) < 1e-3);
  }
}

TEST_CASE("lsuv: post-activation measure (fastai) brings tanh outputs to the target") {
  tiny_mlp net({12, 20, 20}, 100);
  nninit::lsuv_options o;
  o.measure = nninit::lsuv_measure::post_activation;
  o.target_var = 0.25, o.tol = 1e-3, o.max_iter = 50;  // tanh's output variance is below 1
  const auto r = run(net, o);
  mat a = net.x;
  for (std::size_t k = 0; k < net.w.size(); ++k) {
    a = ((net.w[k] * a).colwise() + net.b[k].col(0)).array().tanh();
    CHECK(r.layers[k].converged);
    CHECK(std::abs(variance(a) - 0.25) < 1e-3);
  }
}

TEST_CASE("lsuv: a zero layer is degenerate, skipped and reported, never divided by") {
  nninit::lsuv_options keep;
  keep.preinit = nninit::lsuv_preinit::keep;
  tiny_mlp net({10, 12, 12, 12}, 30);
  net.he(4);
  net.w[1].setZero();  // what Fixup or ZerO leave on a branch's last layer
  const auto r = run(net, keep);
  CHECK_FALSE(r.layers[0].degenerate);
  CHECK(r.layers[1].degenerate);
  CHECK(r.layers[1].iterations == 0);
  CHECK(r.layers[2].degenerate);  // its input is tanh(0) = 0
  CHECK(net.w[1].isZero());
  for (const mat& w : net.w) CHECK(w.allFinite());
  CHECK(r.degenerate() == 2);
  CHECK(r.all_converged());  // degenerate layers are not counted as unconverged
  CHECK(r.text().find("fc2: degenerate (skipped)") != std::string::npos);
}

TEST_CASE("lsuv: any writable Eigen weight, e.g. a row-major Map over a framework's buffer, and a bias Map") {
  std::vector<float> buffer(40 * 30), bias(40, 0.5f);
  Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> w(buffer.data(), 40, 30);
  Eigen::Map<Eigen::VectorXf> b(bias.data(), 40);
  Eigen::MatrixXf x(30, 200);
  nninit::normal(x, nninit::engine{8}, 0.0, 3.0);
  std::vector<nninit::lsuv_layer> layers = {nninit::lsuv_target("q", w, b)};
  Eigen::MatrixXf z;
  const auto r = nninit::lsuv(layers, [&](nninit::index, nninit::lsuv_measure) -> const Eigen::MatrixXf& {
    z = (w * x).colwise() + b;
    return z;
  });
  CHECK(r.layers[0].converged);
  CHECK(b.isZero());  // zeroed by the orthonormal pre-init, through the Map
  const Eigen::MatrixXd zd = ((w * x).colwise() + b).cast<double>();
  CHECK(std::abs(variance(zd) - 1) < 0.1);
}

TEST_CASE("lsuv: presets and the registry's options") {
  const auto caffe = nninit::lsuv_options::preset(nninit::lsuv_preset::caffe);
  CHECK(caffe.tol == 0.02);
  CHECK(caffe.max_iter == 20);
  const auto fastai = nninit::lsuv_options::preset(nninit::lsuv_preset::fastai);
  CHECK(fastai.measure == nninit::lsuv_measure::post_activation);
  CHECK(fastai.adjust_mean);
  CHECK(fastai.max_iter == 50);
  nninit::initializer init("lsuv");
  init.set("preset", "caffe");
  init.set("max_iter", "3");
  const nninit::lsuv_options o = init.get_if<nninit::scheme::lsuv>()->options();
  CHECK(o.tol == 0.02);  // the preset's
  CHECK(o.max_iter == 3);  // given: overrides the preset
  CHECK(o.measure == nninit::lsuv_measure::pre_activation);
  // Its single-weight form is the orthonormal pre-init, in orthogonal's own bits.
  Eigen::MatrixXf a(12, 20), b(12, 20);
  init.fill(a, nninit::engine{2});
  nninit::scheme::orthogonal{}(b, nninit::engine{2});
  CHECK(a == b);
  CHECK(init.describe(nninit::shape{12, 20}).scheme == "lsuv");
  init.set("preinit", "keep");
  Eigen::MatrixXf c = Eigen::MatrixXf::Constant(4, 4, 7);
  CHECK_THROWS_WITH_AS(init.fill(c, nninit::engine{2}),
                       doctest::Contains("nninit::lsuv: preinit must be orthonormal to fill a weight alone"), nninit::init_error);
  CHECK((c.array() == 7).all());
  // In a network, keep leaves the caller's weights: the rule plans zeros, for them to be replaced.
  CHECK(init.for_layer(nninit::layer_role::hidden).name() == "zeros");
}

TEST_CASE("lsuv: bad input is an init_error before anything is written") {
  tiny_mlp net({6, 8, 4}, 20);
  net.he(9);
  const std::vector<mat> before = net.w;
  const auto refused = [&](const nninit::lsuv_options& o, const char* text) {
    const std::vector<mat> given = net.w;
    CHECK_THROWS_WITH_AS(run(net, o), doctest::Contains(text), nninit::init_error);
    for (std::size_t k = 0; k < net.w.size(); ++k)  // unchanged, NaN included
      CHECK(((net.w[k].array() == given[k].array()) || (net.w[k].array().isNaN() && given[k].array().isNaN())).all());
    CHECK(net.layer_forwards == 0);
  };
  nninit::lsuv_options o;
  o.tol = 0;
  refused(o, "nninit::lsuv: tol must be finite and > 0, got 0");
  o = {}, o.target_var = std::nan("");
  refused(o, "target_var must be finite and > 0, got nan");
  o = {}, o.max_iter = -1;
  refused(o, "max_iter must be in [0, 1000], got -1");
  o = {}, o.preinit = nninit::lsuv_preinit::keep;
  for (mat& w : net.w) w.setZero();
  refused(o, "layers must be not all zero (preinit=keep rescales the weights the network has), got every layer zero");
  net.w = before;
  net.w[1](0, 0) = std::nan("");
  refused(o, "weights must be finite, got a non-finite value in layer 'fc2'");
  net.w = before;
  std::vector<nninit::lsuv_layer> twice = {nninit::lsuv_target("a", net.w[0]), nninit::lsuv_target("b", net.w[0])};
  CHECK_THROWS_WITH_AS(nninit::lsuv(twice, [&](nninit::index k, nninit::lsuv_measure m) -> const mat& { return net.output(k, m); }),
                       doctest::Contains("layers must be each weight once"), nninit::init_error);
  std::vector<nninit::lsuv_layer> none;
  CHECK_THROWS_WITH_AS(nninit::lsuv(none, [&](nninit::index k, nninit::lsuv_measure m) -> const mat& { return net.output(k, m); }),
                       "nninit::lsuv: layers must be at least one, got none", nninit::init_error);
}
