// LSUV on the harness's networks (harness/lsuv.hpp): the layers in execution order, each
// calibrated from its cached input (the graph's resumable forward: O(K) layer forwards), the
// statistic over every element (also of a conv's N*C*H*W output), degenerate zero layers of
// Fixup's start kept as they are, eval-mode batch norm, and bad input with nothing written.
#include <nninit/harness/dataset.hpp>
#include <nninit/harness/init.hpp>
#include <nninit/harness/lsuv.hpp>
#include <nninit/harness/mlp.hpp>
#include <nninit/harness/resnet.hpp>
#include <nninit/normal.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace h = nninit::harness;

namespace lsuv_test {

using dmat = h::matrix<double>;

double variance_of(const dmat& m) { return (m.array() - m.mean()).square().mean(); }

dmat gaussian_batch(nninit::index rows, nninit::index cols, std::uint64_t seed) {
  dmat x(rows, cols);
  nninit::normal(x, nninit::engine{seed, 9}, 0.2, 1.5);
  return x;
}

/// The variance of every probe's buffer after a fresh eval-mode forward on `x`.
std::vector<double> probe_variances(h::network<double>& net, const dmat& x) {
  net.set_mode(h::network_mode::eval);
  net.forward(x);
  std::vector<double> v;
  for (const auto& p : net.probes()) v.push_back(variance_of(*p.pre_activation));
  net.set_mode(h::network_mode::train);
  return v;
}

}  // namespace lsuv_test

using namespace lsuv_test;

TEST_CASE("harness lsuv: a relu MLP's every layer within tol of 1 on the batch, one layer forward per call") {
  h::mlp_config c;
  c.inputs = 40, c.width = 64, c.depth = 12, c.outputs = 10, c.bias = true;
  h::mlp<double> net(c);
  const dmat x = gaussian_batch(40, 256, 1);
  const std::size_t before = net.steps().steps_run();
  const nninit::lsuv_report r = h::lsuv(net, x, nninit::lsuv_options{}, nninit::engine{3});
  const std::size_t used = net.steps().steps_run() - before;
  REQUIRE(r.layers.size() == 13);  // 12 hidden layers and the classifier, in execution order
  CHECK(r.layers.front().name == "fc1.weight");
  CHECK(r.layers.back().name == "classifier.weight");
  CHECK(r.all_converged());
  // Pre-activation: dense outputs (the probes, no norm here) within tol, exactly 1 when rescaled.
  const auto v = probe_variances(net, x);
  for (std::size_t k = 0; k < v.size(); ++k) {
    CAPTURE(k);
    CHECK(std::abs(v[k] - 1) < 0.1);
    CHECK(r.layers[k].variance == doctest::Approx(v[k]).epsilon(1e-12));
    if (r.layers[k].iterations > 0) CHECK(v[k] == doctest::Approx(1).epsilon(1e-12));
  }
  // Every step once to reach the last layer, and one more layer forward per rescale: O(K).
  CHECK(used == net.steps().size() + static_cast<std::size_t>(r.rescales()));
  // Running it again on the calibrated network (keep) rescales nothing.
  nninit::lsuv_options keep;
  keep.preinit = nninit::lsuv_preinit::keep;
  CHECK(h::lsuv(net, x, keep, nninit::engine{3}).rescales() == 0);
}

TEST_CASE("harness lsuv: post-activation measure and scale invariance of the pre-init") {
  h::mlp_config c;
  c.inputs = 20, c.width = 32, c.depth = 5, c.outputs = 4;
  c.act = h::activation(h::activation_kind::tanh);
  h::mlp<double> a(c), b(c);
  h::initialize(a, nninit::initializer("kaiming_normal"), nninit::engine{4});
  h::initialize(b, nninit::initializer("kaiming_normal"), nninit::engine{4});
  *b.parameters()[2].value *= 5.5;  // fc3.weight
  nninit::lsuv_options o;
  o.preinit = nninit::lsuv_preinit::keep;
  o.measure = nninit::lsuv_measure::post_activation;
  o.target_var = 0.3, o.tol = 1e-6, o.max_iter = 100;
  const dmat x = gaussian_batch(20, 128, 2);
  const auto ra = h::lsuv(a, x, o, nninit::engine{1});
  const auto rb = h::lsuv(b, x, o, nninit::engine{1});
  CHECK(ra.all_converged());
  const auto pa = a.parameters(), pb = b.parameters();
  for (std::size_t i = 0; i < pa.size(); ++i)
    CHECK((*pa[i].value - *pb[i].value).cwiseAbs().maxCoeff() < 1e-5 * pa[i].value->cwiseAbs().maxCoeff());
  // the tanh outputs at 0.3 (the classifier has no activation: its own output)
  a.set_mode(h::network_mode::eval);
  a.forward(x);
  const auto probes = a.probes();
  for (std::size_t k = 0; k + 1 < probes.size(); ++k)
    CHECK(variance_of(probes[k].pre_activation->array().tanh().matrix()) == doctest::Approx(0.3).epsilon(1e-5));
}

TEST_CASE("harness lsuv: a conv's statistic is over all N*C*H*W elements, Fixup's zero layers stay zero, reported degenerate") {
  h::resnet_config c;
  c.channels = 2, c.height = c.width = 8, c.base_width = 4, c.stages = 2, c.classes = 3;
  h::resnet<double> net(c);
  h::initialize(net, nninit::initializer("fixup"), nninit::engine{5});
  const dmat x = gaussian_batch(net.input_size(), 6, 3);
  nninit::lsuv_options keep;
  keep.preinit = nninit::lsuv_preinit::keep;
  const auto r = h::lsuv(net, x, keep, nninit::engine{1});
  // stem, conv1 and conv2 of two blocks, classifier: execution order
  REQUIRE(r.layers.size() == 6);
  CHECK(r.layers[1].name == "stage0.block0.conv1.weight");
  CHECK(r.layers[2].degenerate);  // conv2: Fixup's zero last layer
  CHECK(r.layers[4].degenerate);
  CHECK(r.layers[5].degenerate);  // the classifier: zero too
  CHECK(r.degenerate() == 3);
  for (const auto& p : net.parameters())
    if (p.role == nninit::layer_role::branch_last && p.kind == nninit::parameter_kind::weight) CHECK(p.value->isZero());
  // conv1 of block 0 (bias-free, no norm): its probe is its output, (C, H*W*N) = every element.
  const auto v = probe_variances(net, x);
  const auto probes = net.probes();
  for (std::size_t k = 0; k < probes.size(); ++k)
    if (probes[k].name == "stage0.block0.conv1") {
      CHECK(probes[k].pre_activation->size() == 4 * 64 * 6);
      CHECK(v[k] == doctest::Approx(r.layers[1].variance).epsilon(1e-12));
      CHECK(std::abs(v[k] - 1) < 0.1);
    }
}

TEST_CASE("harness lsuv: batch norm is calibrated through in eval mode, the network's mode restored") {
  h::mlp_config c;
  c.inputs = 16, c.width = 24, c.depth = 4, c.outputs = 5, c.norm = h::norm_kind::batch;
  h::mlp<double> net(c);
  const dmat x = gaussian_batch(16, 64, 4);
  const auto r = h::lsuv(net, x, nninit::lsuv_options{}, nninit::engine{2});
  CHECK(r.all_converged());
  CHECK(net.mode() == h::network_mode::train);
  // Running statistics untouched (eval mode): still 0 and 1.
  for (std::size_t k = 0; k < net.steps().size(); ++k)
    if (auto* bn = dynamic_cast<h::layers::batch_norm<double>*>(net.steps().layer_at(k))) {
      CHECK(bn->running_mean.isZero());
      CHECK(bn->running_var.isOnes());
    }
}

TEST_CASE("harness lsuv: Fashion-MNIST's first 512 images through a 784-256x10-10 relu MLP (data_dependent.md §A1.6)") {
  if (!h::fashion_mnist_available()) {
    test::skip("Fashion-MNIST is not installed (apt install dataset-fashion-mnist)");
    return;
  }
  const h::dataset data = h::load_fashion_mnist();
  h::mlp_config c;
  c.inputs = 784, c.width = 256, c.depth = 10, c.outputs = 10, c.bias = true;
  h::mlp<float> net(c);
  const auto r = h::lsuv(net, data.train_x.leftCols(512).eval(), nninit::lsuv_options{}, nninit::engine{0});
  // The first layer reads standardized pixels through orthonormal rows: already near 1, no rescale.
  CHECK(r.layers[0].iterations == 0);
  CHECK(r.layers[0].variance > 0.9);
  CHECK(r.layers[0].variance < 1.1);
  for (std::size_t k = 1; k < 10; ++k) {
    CAPTURE(k);
    CHECK(r.layers[k].iterations == 1);
    CHECK(r.layers[k].scale > 1.25);  // about sqrt(2), the He gain: relu halves the second moment
    CHECK(r.layers[k].scale < 1.6);
  }
  CHECK(r.layers[10].scale > 1.5);  // the 10x256 classifier: reference 1.76
  CHECK(r.layers[10].scale < 2.1);
  MESSAGE("classifier scale ", r.layers[10].scale, ", hidden scales ", r.layers[1].scale, " .. ", r.layers[9].scale);
}

TEST_CASE("harness lsuv: bad calibration batches are init_errors before anything is written") {
  h::mlp_config c;
  c.inputs = 8, c.width = 8, c.depth = 2;
  h::mlp<double> net(c);
  h::initialize(net, nninit::initializer("kaiming_normal"), nninit::engine{1});
  const dmat w = *net.parameters()[0].value;
  CHECK_THROWS_WITH_AS(h::lsuv(net, dmat(8, 0), {}, nninit::engine{1}),
                       "nninit::lsuv: calibration batch must be >= 1 example, got 0", nninit::init_error);
  CHECK_THROWS_WITH_AS(h::lsuv(net, dmat(dmat::Zero(7, 4)), {}, nninit::engine{1}),
                       "nninit::lsuv: calibration batch rows must be 8, got 7", nninit::init_error);
  dmat bad = gaussian_batch(8, 4, 1);
  bad(3, 2) = std::nan("");
  CHECK_THROWS_WITH_AS(h::lsuv(net, bad, {}, nninit::engine{1}), doctest::Contains("calibration batch must be finite"),
                       nninit::init_error);
  CHECK(*net.parameters()[0].value == w);
  // A network whose every layer is zero, kept: refused, nothing written.
  h::mlp<double> zero(c);
  nninit::lsuv_options keep;
  keep.preinit = nninit::lsuv_preinit::keep;
  CHECK_THROWS_WITH_AS(h::lsuv(zero, gaussian_batch(8, 4, 1), keep, nninit::engine{1}),
                       doctest::Contains("got every layer zero"), nninit::init_error);
  for (const auto& p : zero.parameters()) CHECK(p.value->isZero());
}
