// The shared layer set (include/nninit/harness/layers/) and the graph that runs it: every layer's
// gradients against central differences, alone and where a buffer feeds two layers; the
// normalization layers' known answers (batch statistics, running averages, invariances); and the
// graph's resumable forward.
#include <nninit/harness/graph.hpp>
#include <nninit/harness/layers/conv.hpp>
#include <nninit/harness/layers/dense.hpp>
#include <nninit/harness/layers/nonlinearity.hpp>
#include <nninit/harness/layers/norm.hpp>
#include <nninit/harness/layers/scalar.hpp>
#include <nninit/normal.hpp>
#include <nninit/uniform.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <tuple>

#include "gradient_check.hpp"
#include "test_util.hpp"

namespace h = nninit::harness;
namespace L = nninit::harness::layers;
using mat = h::matrix<double>;
using idx = nninit::index;
using graph = h::graph<double>;

namespace layers_test {

/// A network made of whatever `build` appends to its graph.
class test_net final : public h::graph_network<double> {
 public:
  test_net(idx in, idx out, const std::function<graph::id(graph&)>& build) : in_(in), out_(out) {
    graph_.finish(build(graph_));
  }
  idx input_size() const override { return in_; }
  idx output_size() const override { return out_; }
  std::string summary() const override { return "test"; }

 private:
  const char* name() const override { return "test"; }
  idx in_, out_;
};

/// Every parameter uniform in [lo, hi] (gains and multipliers near 1, the rest around 0).
void randomize_all(h::network<double>& net, std::uint64_t seed) {
  auto params = net.parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    const bool near_one = params[i].kind == h::parameter_kind::norm_gain || params[i].kind == h::parameter_kind::multiplier;
    nninit::uniform(*params[i].value, nninit::engine{seed, i}, near_one ? 0.5 : -0.6, near_one ? 1.5 : 0.6);
  }
}

mat sample(idx rows, idx cols, std::uint64_t stream, double mean = 0) {
  mat x(rows, cols);
  nninit::normal(x, nninit::engine{31, stream}, mean, 1.0);
  return x;
}

void check_layers(test_net& net, const mat& x, const char* what) {
  randomize_all(net, 3);
  const auto rep = test::check_gradients(net, x);
  INFO(what, ": ", rep.where);
  CHECK(rep.checked > 0);
  CHECK(rep.worst < 1e-6);
}

h::placement at(const char* name) { return h::placement{name, h::layer_role::hidden, -1}; }

}  // namespace layers_test

using namespace layers_test;

TEST_CASE("layers: dense, with and without bias, matches central differences") {
  for (bool bias : {false, true}) {
    test_net net(5, 3, [&](graph& g) { return g.add(std::make_unique<L::dense<double>>(at("fc"), 5, 3, bias), graph::input); });
    check_layers(net, sample(5, 4, 1), bias ? "dense with bias" : "dense");
  }
}

TEST_CASE("layers: nonlinearities match central differences") {
  for (const auto kind : {h::activation_kind::tanh, h::activation_kind::silu, h::activation_kind::gelu,
                          h::activation_kind::sine, h::activation_kind::linear}) {
    test_net net(4, 4, [&](graph& g) {
      const auto z = g.add(std::make_unique<L::dense<double>>(at("fc"), 4, 4, true), graph::input);
      return g.add(std::make_unique<L::nonlinearity<double>>(h::activation(kind, kind == h::activation_kind::sine ? 2.0 : h::activation::default_param(kind))), z);
    });
    check_layers(net, sample(4, 3, 2), std::string(nninit::detail::name_of(kind)).c_str());
  }
}

TEST_CASE("layers: scalar multiplier and scalar bias match central differences") {
  test_net net(3, 3, [&](graph& g) {
    auto t = g.add(std::make_unique<L::scalar_bias<double>>(at("b")), graph::input);
    t = g.add(std::make_unique<L::dense<double>>(at("fc"), 3, 3, false), t);
    return g.add(std::make_unique<L::multiplier<double>>(at("s")), t);
  });
  check_layers(net, sample(3, 5, 3), "scalars");
}

TEST_CASE("layers: a buffer read by two layers gets the sum of their gradients (residual sum, fan-out)") {
  // y = x + s * W2 tanh(W1 x), then a second use of x through W3: x feeds three steps.
  test_net net(4, 4, [&](graph& g) {
    auto t = g.add(std::make_unique<L::dense<double>>(at("fc1"), 4, 4, true), graph::input);
    t = g.add(std::make_unique<L::nonlinearity<double>>(h::activation(h::activation_kind::tanh)), t);
    t = g.add(std::make_unique<L::dense<double>>(at("fc2"), 4, 4, false), t);
    t = g.add(std::make_unique<L::multiplier<double>>(at("s")), t);
    const auto y = g.sum(graph::input, t);
    const auto w3 = g.add(std::make_unique<L::dense<double>>(at("fc3"), 4, 4, false), graph::input);
    return g.sum(y, w3);
  });
  check_layers(net, sample(4, 3, 4), "residual");
}

TEST_CASE("layers: batch norm matches central differences in train, eval and frozen modes") {
  for (const auto mode : {h::network_mode::train, h::network_mode::eval, h::network_mode::frozen}) {
    test_net net(4, 3, [&](graph& g) {
      const auto z = g.add(std::make_unique<L::dense<double>>(at("fc"), 4, 3, false), graph::input);
      return g.add(std::make_unique<L::batch_norm<double>>(at("bn"), 3), z);
    });
    const mat x = sample(4, 6, 5, 0.7);
    randomize_all(net, 3);
    net.forward(x);  // train: the batch statistics that frozen mode holds
    net.set_mode(mode);
    const auto rep = test::check_gradients(net, x);
    INFO("mode ", static_cast<int>(mode), ": ", rep.where);
    CHECK(rep.worst < 1e-6);
  }
}

TEST_CASE("layers: batch norm over feature maps (conv, per channel over positions and batch) matches central differences") {
  const L::conv_geometry geo(2, 3, 3, 1, 1, 4, 4);
  L::workspace<double> ws;
  test_net net(2 * 16, 3, [&](graph& g) {
    auto t = g.add(std::make_unique<L::to_feature_maps<double>>(2, 16), graph::input);
    t = g.add(std::make_unique<L::conv<double>>(at("conv"), geo, false, ws), t);
    t = g.add(std::make_unique<L::batch_norm<double>>(at("bn"), 3, 16), t);
    t = g.add(std::make_unique<L::nonlinearity<double>>(h::activation(h::activation_kind::tanh)), t);
    return g.add(std::make_unique<L::global_average_pool<double>>(16), t);
  });
  check_layers(net, sample(32, 2, 6), "batch norm on maps");
  CHECK(net.min_training_batch() == 1);  // 16 positions per example: one image has a variance
}

TEST_CASE("layers: layer norm and RMS norm match central differences") {
  for (const auto kind : {h::norm_kind::layer, h::norm_kind::rms}) {
    test_net net(4, 5, [&](graph& g) {
      const auto z = g.add(std::make_unique<L::dense<double>>(at("fc"), 4, 5, true), graph::input);
      return L::add_norm(g, kind, at("norm"), 5, 1, z);
    });
    check_layers(net, sample(4, 3, 7, 0.4), std::string(nninit::detail::name_of(kind)).c_str());
  }
}

TEST_CASE("layers: convolutions (strides, padding, 1x1, bias), the map reshape, pooling and the option-A shortcut") {
  L::workspace<double> ws;
  ws.limit = 40;  // several chunks of examples
  for (const auto& c : {std::tuple<idx, idx, idx, bool>{3, 1, 1, true}, {3, 2, 1, false}, {1, 2, 0, false}, {2, 1, 0, true}}) {
    const L::conv_geometry geo(2, 3, std::get<0>(c), std::get<1>(c), std::get<2>(c), 5, 5);
    const bool bias = std::get<3>(c);  // not a structured binding: the lambda captures it (clang 14)
    test_net net(50, 3, [&](graph& g) {
      auto t = g.add(std::make_unique<L::to_feature_maps<double>>(2, 25), graph::input);
      t = g.add(std::make_unique<L::conv<double>>(at("conv"), geo, bias, ws), t);
      t = g.add(std::make_unique<L::nonlinearity<double>>(h::activation(h::activation_kind::tanh)), t);
      return g.add(std::make_unique<L::global_average_pool<double>>(geo.out_pixels()), t);
    });
    check_layers(net, sample(50, 3, 8), "conv");
  }
  const L::conv_geometry down(2, 4, 3, 2, 1, 5, 5);
  test_net net(50, 4, [&](graph& g) {
    const auto maps = g.add(std::make_unique<L::to_feature_maps<double>>(2, 25), graph::input);
    auto branch = g.add(std::make_unique<L::conv<double>>(at("conv"), down, false, ws), maps);
    branch = g.add(std::make_unique<L::nonlinearity<double>>(h::activation(h::activation_kind::tanh)), branch);
    const auto shortcut = g.add(std::make_unique<L::subsample_shortcut<double>>(down), maps);
    const auto sum = g.sum(branch, shortcut);
    const auto squashed = g.add(std::make_unique<L::nonlinearity<double>>(h::activation(h::activation_kind::tanh)), sum);
    return g.add(std::make_unique<L::global_average_pool<double>>(down.out_pixels()), squashed);
  });
  check_layers(net, sample(50, 2, 9), "option-A shortcut");
}

TEST_CASE("batch norm: PyTorch's known answers for statistics and running averages") {
  L::batch_norm<double> bn(at("bn"), 3);
  nninit::uniform(bn.gamma, nninit::engine{4}, 0.5, 2.0);
  nninit::uniform(bn.beta, nninit::engine{5}, -1.0, 1.0);
  const mat x = sample(3, 10, 10, 2.0);
  mat y;
  bn.forward(x, y);
  for (idx c = 0; c < 3; ++c) {
    const double mu = x.row(c).mean();
    const double var = (x.row(c).array() - mu).square().mean();  // biased
    const double ymean = y.row(c).mean();
    const double yvar = (y.row(c).array() - ymean).square().mean();
    CHECK(ymean == doctest::Approx(bn.beta(c, 0)).epsilon(1e-12));
    CHECK(yvar == doctest::Approx(bn.gamma(c, 0) * bn.gamma(c, 0) * var / (var + 1e-5)).epsilon(1e-12));
    // running averages from 0 and 1, momentum 0.1, the unbiased variance
    CHECK(bn.running_mean(c, 0) == doctest::Approx(0.1 * mu).epsilon(1e-14));
    CHECK(bn.running_var(c, 0) == doctest::Approx(0.9 + 0.1 * var * 10.0 / 9.0).epsilon(1e-14));
  }
  // train-mode dx sums to zero per channel (the mean is subtracted)
  mat dy = sample(3, 10, 11), dx;
  bn.backward(x, y, dy, h::input_gradient<double>{&dx, false});
  for (idx c = 0; c < 3; ++c) CHECK(std::abs(dx.row(c).sum()) < 1e-12);
  // eval mode uses the running averages
  bn.set_mode(h::network_mode::eval);
  mat ye;
  bn.forward(x, ye);
  for (idx c = 0; c < 3; ++c)
    CHECK(ye(c, 4) == doctest::Approx(bn.gamma(c, 0) * (x(c, 4) - bn.running_mean(c, 0)) /
                                          std::sqrt(bn.running_var(c, 0) + 1e-5) + bn.beta(c, 0)).epsilon(1e-14));
  // a training batch of one vector per channel is refused, naming the layer
  bn.set_mode(h::network_mode::train);
  CHECK_THROWS_WITH_AS(bn.forward(sample(3, 1, 12), y),
                       "nninit::batch_norm: batch must be at least two values per channel in training mode, got 1 (layer bn)",
                       nninit::init_error);
  L::batch_norm<double> fresh(at("bn2"), 3);
  fresh.set_mode(h::network_mode::frozen);
  CHECK_THROWS_AS(fresh.forward(x, y), nninit::init_error);
}

TEST_CASE("layer norm and RMS norm: PyTorch's formulas per example, and scaling the input changes only the eps term") {
  for (const auto kind : {h::norm_kind::layer, h::norm_kind::rms}) {
    graph g;
    g.finish(L::add_norm(g, kind, at("n"), 6, 1, graph::input));
    const double eps = kind == h::norm_kind::layer ? 1e-5 : std::numeric_limits<double>::epsilon();
    const mat x = sample(6, 4, 13, 0.5);
    for (const double c : {1.0, 1000.0}) {
      const mat y = g.forward(c * x);
      for (idx j = 0; j < 4; ++j) {
        const Eigen::VectorXd col = c * x.col(j);
        const double mean = kind == h::norm_kind::layer ? col.mean() : 0.0;
        const double second = (col.array() - mean).square().mean();  // biased variance, or mean square
        const Eigen::VectorXd expected = (col.array() - mean) / std::sqrt(second + eps);
        CHECK((y.col(j) - expected).cwiseAbs().maxCoeff() < 1e-13);
      }
    }
    // one column's output does not depend on another column
    mat x3 = x;
    x3.col(3) *= -7;
    CHECK(g.forward(x3).leftCols(3) == g.forward(x).leftCols(3));
  }
}

TEST_CASE("graph: a forward run step by step, resumed and re-run, equals the whole forward") {
  graph g;
  auto t = g.add(std::make_unique<L::dense<double>>(at("fc1"), 3, 4, true), graph::input);
  t = g.add(std::make_unique<L::nonlinearity<double>>(h::activation(h::activation_kind::tanh)), t);
  auto& fc2 = [&]() -> L::dense<double>& {
    graph::id out = 0;
    auto& layer = g.emplace<L::dense<double>>(t, out, at("fc2"), 4, 2, false);
    t = out;
    return layer;
  }();
  g.finish(t);
  auto params = g.parameters();
  for (std::size_t i = 0; i < params.size(); ++i) nninit::normal(*params[i].value, nninit::engine{14, i});
  const mat x = sample(3, 5, 15);
  g.set_input(x);
  g.run(1);
  g.run(2);
  fc2.weight *= 3;
  g.run(3);
  const mat resumed = g.value(g.output());
  fc2.weight /= 3;
  g.rerun(2);
  const mat rerun = g.value(g.output());
  const mat whole = g.forward(x);
  CHECK(rerun == whole);
  CHECK(resumed.isApprox(3 * whole, 1e-14));
}
