// The MLP and residual MLP: gradients against finite differences, activations' derivatives,
// initialization through the library, and bad configurations.
#include <nninit/harness/init.hpp>
#include <nninit/harness/mlp.hpp>
#include <nninit/normal.hpp>

#include <cmath>
#include <functional>

#include "gradient_check.hpp"
#include "test_util.hpp"

namespace h = nninit::harness;
using mat = h::matrix<double>;
using idx = nninit::index;

namespace {

void randomize(h::network<double>& net) {
  auto params = net.parameters();
  for (std::size_t i = 0; i < params.size(); ++i) nninit::normal(*params[i].value, nninit::engine{5, i}, 0.1, 0.4);
}

}  // namespace

TEST_CASE("activations: derivative matches a central difference for every kind") {
  for (const auto& entry : nninit::detail::enum_names<h::activation_kind>::table) {
    const h::activation a(entry.first);
    const std::string_view name = entry.second;  // not a structured binding: INFO's lambda takes it (clang 14)
    for (double x : {-2.3, -0.7, 0.31, 1.9}) {
      const double eps = 1e-6;
      const double numeric = (a.value(x + eps) - a.value(x - eps)) / (2 * eps);
      INFO(name, " at ", x);
      CHECK(a.derivative(x) == doctest::Approx(numeric).epsilon(1e-7));
    }
  }
}

TEST_CASE("activations: known values") {
  using k = h::activation_kind;
  CHECK(h::activation(k::relu).value(-1.0) == 0.0);
  CHECK(h::activation(k::relu).derivative(0.0) == 0.0);  // autograd's relu'(0)
  CHECK(h::activation(k::leaky_relu).value(-2.0) == -0.02);
  CHECK(h::activation(k::selu).value(1.0) == doctest::Approx(1.0507009873554805));
  CHECK(h::activation(k::selu).value(-1.0) == doctest::Approx(-1.1113307378125628));  // torch.selu(-1)
  CHECK(h::activation(k::gelu).value(1.0) == doctest::Approx(0.8413447460685429));    // torch gelu, exact
  CHECK(h::activation(k::silu).value(1.0) == doctest::Approx(0.7310585786300049));
  CHECK(h::activation(k::sine).value(0.01) == doctest::Approx(std::sin(0.3)));
  CHECK(h::activation(k::gaussian, 0.5).value(0.5) == doctest::Approx(std::exp(-0.5)));
  CHECK(h::activation(k::sigmoid).value(-800.0) == 0.0);  // no inf/inf
  CHECK(h::activation(k::sigmoid).value(800.0) == 1.0);
}

TEST_CASE("activations: parse and text round trip, bad names and parameters") {
  CHECK(h::activation::parse("sine:30").param == 30);
  CHECK(h::activation::parse("leaky_relu:0.2").text() == "leaky_relu:0.2");
  CHECK(h::activation::parse("TANH").kind == h::activation_kind::tanh);
  CHECK(h::activation::parse("elu").text() == "elu:1");
  CHECK_THROWS_WITH_AS(h::activation::parse("swish"), doctest::Contains("nninit::activation: name must be one of linear"),
                       nninit::init_error);
  CHECK_THROWS_WITH_AS(h::activation::parse("relu:2"), doctest::Contains("relu parameter must be absent"), nninit::init_error);
  CHECK_THROWS_WITH_AS(h::activation::parse("sine:0"), doctest::Contains("sine parameter must be in [1e-100, 1e100], got 0"),
                       nninit::init_error);
  CHECK_THROWS_WITH_AS(h::activation::parse("gaussian:nan"), doctest::Contains("must be finite"), nninit::init_error);
  CHECK_THROWS_AS(h::activation::parse("elu:1x"), nninit::init_error);
}

TEST_CASE("mlp: gradients match finite differences, with and without bias and classifier") {
  for (bool bias : {false, true})
    for (nninit::index outputs : {0, 3}) {
      h::mlp_config c;
      c.inputs = 5, c.width = 6, c.depth = 3, c.outputs = outputs, c.bias = bias;
      c.act = h::activation(h::activation_kind::tanh);
      h::mlp<double> net(c);
      randomize(net);
      mat x(5, 4);
      nninit::normal(x, nninit::engine{3});
      INFO("bias ", bias, " outputs ", outputs);
      const auto rep = test::check_gradients(net, x);
      INFO(rep.where);
      CHECK(rep.worst < 1e-6);
    }
}

TEST_CASE("resmlp: gradients match finite differences, scalar parameters included") {
  for (nninit::index m : {1, 2, 3})
    for (bool scalars : {false, true}) {
      h::resmlp_config c;
      c.inputs = 4, c.width = 5, c.blocks = 2, c.layers_per_block = m, c.outputs = 3, c.bias = true;
      c.scalar_params = scalars;
      c.act = h::activation(h::activation_kind::silu);
      h::resmlp<double> net(c);
      randomize(net);
      mat x(4, 3);
      nninit::normal(x, nninit::engine{4});
      INFO("layers per block ", m, " scalars ", scalars);
      const auto rep = test::check_gradients(net, x);
      INFO(rep.where);
      CHECK(rep.worst < 1e-6);
    }
}

TEST_CASE("mlp and resmlp: gradients match finite differences with batch, layer and RMS norm") {
  for (const auto norm : {h::norm_kind::batch, h::norm_kind::layer, h::norm_kind::rms}) {
    h::mlp_config c;
    c.inputs = 5, c.width = 6, c.depth = 3, c.outputs = 3, c.bias = true, c.norm = norm;
    c.act = h::activation(h::activation_kind::tanh);
    h::mlp<double> net(c);
    randomize(net);
    mat x(5, 4);
    nninit::normal(x, nninit::engine{3});
    auto rep = test::check_gradients(net, x);
    INFO(net.summary(), ": ", rep.where);
    CHECK(rep.worst < 1e-6);
    // batch norm replaces the dense layers' biases (its beta does their work); the classifier keeps its own
    idx biases = 0;
    for (const auto& p : net.parameters()) biases += p.kind == h::parameter_kind::bias;
    CHECK(biases == (norm == h::norm_kind::batch ? 1 : 4));

    h::resmlp_config r;
    r.inputs = 4, r.width = 5, r.blocks = 2, r.outputs = 3, r.bias = true, r.norm = norm, r.branch_multiplier = true;
    r.act = h::activation(h::activation_kind::silu);
    h::resmlp<double> res(r);
    randomize(res);
    mat xr(4, 3);
    nninit::normal(xr, nninit::engine{4});
    rep = test::check_gradients(res, xr);
    INFO(res.summary(), ": ", rep.where);
    CHECK(rep.worst < 1e-6);
  }
}

TEST_CASE("resmlp: a zero last branch layer makes every block act(h + 0): the identity under relu of relu") {
  h::resmlp_config c;
  c.inputs = 8, c.width = 8, c.blocks = 3, c.layers_per_block = 2;
  h::resmlp<double> net(c);
  nninit::initializer init("kaiming_normal");
  h::initialize(net, init, nninit::engine{1});
  for (auto& p : net.parameters())
    if (p.role == h::layer_role::branch_last && p.kind == h::parameter_kind::weight) p.value->setZero();
  mat x(8, 5);
  nninit::normal(x, nninit::engine{2});
  const mat relu_x = x.cwiseMax(0.0);
  CHECK(net.forward(x) == relu_x);
}

TEST_CASE("initialize: weights by the scheme at their shapes, biases zero, torch_default biases, streams per parameter") {
  h::mlp_config c;
  c.inputs = 7, c.width = 6, c.depth = 2, c.outputs = 3, c.bias = true;
  h::mlp<float> net(c);
  h::initialize(net, nninit::initializer("kaiming_uniform"), nninit::engine{11});
  auto params = net.parameters();
  REQUIRE(params.size() == 6);
  Eigen::MatrixXf expected(6, 7);
  nninit::kaiming_uniform(expected, nninit::engine{11}.fork(0));
  CHECK(*params[0].value == expected);
  CHECK(params[1].value->isZero());
  CHECK(params[2].value->topRows(3) != *params[4].value);  // own streams

  h::initialize(net, nninit::initializer("torch_default"), nninit::engine{11});
  Eigen::MatrixXf bias(6, 1);
  nninit::torch_default_bias(bias, nninit::engine{11}.fork(1), nninit::shape{6, 7});
  CHECK(*params[1].value == bias);
  CHECK(params[1].value->cwiseAbs().maxCoeff() <= 1 / std::sqrt(7.0f));
  CHECK_FALSE(params[1].value->isZero());
}

TEST_CASE("initialize: a scheme that does not fit leaves the network unchanged") {
  h::mlp_config c;
  c.inputs = 4, c.width = 4, c.depth = 2;
  h::mlp<double> net(c);
  h::initialize(net, nninit::initializer("ones"), nninit::engine{1});
  CHECK_THROWS_WITH_AS(h::initialize(net, nninit::initializer("dirac"), nninit::engine{1}),
                       doctest::Contains("nninit::dirac:"), nninit::init_error);
  for (auto& p : net.parameters()) CHECK(p.value->isOnes());
}

TEST_CASE("mlp and resmlp: bad configurations throw init_error naming the argument") {
  h::mlp_config c;
  c.depth = 0;
  CHECK_THROWS_WITH_AS(h::mlp<float>{c}, "nninit::mlp: depth must be >= 1, got 0", nninit::init_error);
  c.depth = 2, c.width = -3;
  CHECK_THROWS_WITH_AS(h::mlp<float>{c}, "nninit::mlp: width must be >= 1, got -3", nninit::init_error);
  h::resmlp_config r;
  r.layers_per_block = 0;
  CHECK_THROWS_WITH_AS(h::resmlp<float>{r}, "nninit::resmlp: layers_per_block must be >= 1, got 0", nninit::init_error);
}
