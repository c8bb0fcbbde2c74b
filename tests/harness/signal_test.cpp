// Signal propagation at initialization: the figures `nninit compare` must show (issue 4), with
// fixed seeds. Bounds: a width-n layer multiplies the variance by a random factor whose log has
// a standard deviation of about sqrt(3/n) (a chi-square over n units, and the share of active
// relu units), so over L layers the log of the final ratio spreads by sigma = sqrt(3 L / n):
// 0.54 (0.77 in log2) for L = 49, n = 512. One seed's ratio under He init is thus within
// [0.5, 2] only at ~1.3 sigma; the test averages 16 seeds (the mean of the ratio is 1 in the
// mean field, its relative spread sqrt(e^{sigma^2} - 1) / 4 = 0.15, so [0.5, 2] is > 3 sigma).
#include <nninit/harness/init.hpp>
#include <nninit/harness/mlp.hpp>
#include <nninit/harness/signal.hpp>

#include <cmath>

#include "test_util.hpp"

namespace h = nninit::harness;

namespace {

template <class Net>
h::signal_stats probe(Net& net, const char* scheme, std::vector<std::pair<const char*, const char*>> options = {},
                      nninit::index jacobian_max = 0) {
  nninit::initializer init(scheme);
  for (const auto& [k, v] : options) init.set(k, v);
  h::initialize(net, init, nninit::engine{2024});
  h::signal_options opt;
  opt.jacobian_max_size = jacobian_max;
  return h::measure_signal(net, opt, nninit::engine{7});
}

h::mlp_config deep(h::activation_kind f, nninit::index width = 512) {
  h::mlp_config c;
  c.inputs = c.width = width, c.depth = 50;
  c.act = h::activation(f);
  return c;
}

double var_at(const h::signal_stats& s, std::size_t layer) { return s.layers.at(layer - 1).forward_var; }

}  // namespace

TEST_CASE("signal: relu MLP depth 50 width 512, kaiming_normal keeps the forward variance, xavier_normal halves it per layer") {
  if (test::skip_when_sanitized()) return;
  h::mlp<float> net(deep(h::activation_kind::relu));
  std::vector<h::signal_stats> seeds;
  nninit::initializer kaiming("kaiming_normal");
  h::signal_options opt;
  opt.batch = 64, opt.jacobian_max_size = 0;
  for (std::uint64_t k = 0; k < 16; ++k) {
    h::initialize(net, kaiming, nninit::engine{2024, k});
    seeds.push_back(h::measure_signal(net, opt, nninit::engine{7, k}));
  }
  const auto he = h::average(seeds);
  REQUIRE(he.layers.size() == 50);
  CHECK(he.finite);
  CHECK(he.layers.back().forward_ratio >= 0.5);
  CHECK(he.layers.back().forward_ratio <= 2.0);
  CHECK(he.layers.front().forward_ratio == 1.0);
  const auto glorot = probe(net, "xavier_normal");
  const double log2_ratio = std::log2(glorot.layers.back().forward_ratio);
  INFO("log2 ratio ", log2_ratio);
  CHECK(std::abs(log2_ratio + 49) < 4.5);  // 2^-49: relu halves the second moment, Var(W) = 1/n
  // The gradient goes the same way backwards.
  CHECK(std::log2(glorot.layers.back().backward_var / glorot.layers.front().backward_var) == doctest::Approx(49).epsilon(0.1));
}

TEST_CASE("signal: orthogonal weights in a linear MLP are an isometry, every Jacobian singular value 1 within 1e-4") {
  if (test::skip_when_sanitized()) return;
  h::mlp<float> net(deep(h::activation_kind::linear));  // float: 50 products of rounding stay < 1e-5
  const auto s = probe(net, "orthogonal", {}, 1024);
  REQUIRE(s.jacobian.computed);
  REQUIRE(s.jacobian.singular_values.size() == 512);
  for (double sv : s.jacobian.singular_values) REQUIRE(std::abs(sv - 1) < 1e-4);
  CHECK(s.jacobian.mean_sq_singular == doctest::Approx(1).epsilon(1e-4));
  CHECK(s.layers.back().forward_ratio == doctest::Approx(1).epsilon(1e-3));  // batch of 256, exactly norm-preserving
}

TEST_CASE("signal: tanh MLP depth 50, xavier_normal decays, PyTorch's tanh gain 5/3 holds a fixed point") {
  if (test::skip_when_sanitized()) return;
  h::mlp<float> net(deep(h::activation_kind::tanh));
  const auto glorot = probe(net, "xavier_normal");
  CHECK(glorot.layers.back().forward_ratio < 0.05);
  CHECK(var_at(glorot, 50) / var_at(glorot, 25) < 0.75);  // still falling (like 1/l)
  const auto torch_gain = probe(net, "xavier_normal", {{"gain", "1.6666666666666667"}});
  CHECK(var_at(torch_gain, 50) / var_at(torch_gain, 25) == doctest::Approx(1).epsilon(0.1));
  CHECK(torch_gain.layers.back().forward_ratio > 0.3);
  const auto kaiming_tanh = probe(net, "kaiming_normal", {{"nonlinearity", "tanh"}});
  CHECK(var_at(kaiming_tanh, 50) / var_at(kaiming_tanh, 25) == doctest::Approx(1).epsilon(0.1));
}

TEST_CASE("signal: a residual MLP of 100 blocks under plain kaiming_normal explodes, and a float one overflows visibly") {
  h::resmlp_config c;
  c.inputs = c.width = 128, c.blocks = 100;
  h::resmlp<double> net(c);
  const auto s = probe(net, "kaiming_normal");
  REQUIRE(s.finite);
  REQUIRE(s.layers.size() == 200);
  // Each block adds the branch's variance to the skip's: about x2 per block in the mean field.
  CHECK(s.layers.back().forward_ratio > 1e20);

  c.blocks = 400, c.width = c.inputs = 64;  // std 2^200: beyond float
  h::resmlp<float> wide(c);
  const auto f = probe(wide, "kaiming_normal", {}, 1024);
  CHECK_FALSE(f.finite);
  CHECK(f.first_non_finite.rfind("block", 0) == 0);
  CHECK(std::isnan(f.layers.back().forward_var));
  CHECK_FALSE(f.jacobian.computed);
  CHECK(f.jacobian.note == "not computed: the signal is not finite");
}

TEST_CASE("signal: a measurement is a function of (network, engine, options)") {
  h::mlp<float> net(deep(h::activation_kind::gelu, 64));
  const auto a = probe(net, "kaiming_uniform", {}, 64);
  const auto b = probe(net, "kaiming_uniform", {}, 64);
  REQUIRE(a.layers.size() == b.layers.size());
  for (std::size_t l = 0; l < a.layers.size(); ++l) {
    CHECK(a.layers[l].forward_var == b.layers[l].forward_var);
    CHECK(a.layers[l].backward_var == b.layers[l].backward_var);
  }
  CHECK(a.jacobian.singular_values == b.jacobian.singular_values);
  CHECK(a.weights.size() == 50);
  CHECK(a.weights[3].var == doctest::Approx(2.0 / 64).epsilon(0.15));  // He: 2 / fan_in, 4096 samples
}

TEST_CASE("signal: the loss gradient and the Jacobian of a classifier network") {
  h::mlp_config c;
  c.inputs = 20, c.width = 32, c.depth = 3, c.outputs = 5;
  h::mlp<double> net(c);
  nninit::initializer init("kaiming_normal");
  h::initialize(net, init, nninit::engine{1});
  h::signal_options opt;
  opt.gradient = h::gradient_source::loss;
  opt.jacobian_inputs = 3;
  const auto s = h::measure_signal(net, opt, nninit::engine{2});
  REQUIRE(s.jacobian.computed);
  CHECK(s.jacobian.singular_values.size() == 5);  // min(20 inputs, 5 outputs)
  CHECK(s.layers.size() == 4);
  CHECK(s.layers.back().name == "classifier");
  // Cross-entropy's gradient columns sum to zero, so the classifier's gradient has mean 0.
  CHECK(s.layers.back().backward_var > 0);
}

TEST_CASE("signal: average over seeds") {
  h::signal_stats a, b;
  a.layers = {{"fc1", 0, 1, 2, 1, 1}};
  b.layers = {{"fc1", 0, 3, 4, 1, 1}};
  b.finite = false, b.first_non_finite = "fc1";
  const auto m = h::average({a, b});
  CHECK(m.layers[0].forward_var == 2);
  CHECK(m.layers[0].backward_var == 3);
  CHECK_FALSE(m.finite);
  CHECK(m.first_non_finite == "fc1");
}
