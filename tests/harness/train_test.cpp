// Training: SGD with momentum on softmax cross-entropy. The figure (a 2-hidden-layer relu
// MLP with kaiming_uniform reaches >= 84 % on Fashion-MNIST in one epoch), determinism, and bad
// options.
#include <nninit/harness/dataset.hpp>
#include <nninit/harness/init.hpp>
#include <nninit/harness/mlp.hpp>
#include <nninit/harness/train.hpp>

#include <algorithm>

#include "test_util.hpp"

namespace h = nninit::harness;

namespace {

h::mlp<float> classifier(nninit::index inputs, nninit::index width, nninit::index depth = 2) {
  h::mlp_config c;
  c.inputs = inputs, c.width = width, c.depth = depth, c.outputs = 10, c.bias = true;
  return h::mlp<float>(c);
}

}  // namespace

TEST_CASE("train: Fashion-MNIST, 784-256-256-10 relu MLP under kaiming_uniform, >= 84 percent after one epoch") {
  if (test::skip_when_sanitized()) return;
  if (!h::fashion_mnist_available()) {
    test::skip("Fashion-MNIST is not installed (apt install dataset-fashion-mnist)");
    return;
  }
  const h::dataset data = h::load_fashion_mnist();
  auto net = classifier(784, 256);
  h::initialize(net, nninit::initializer("kaiming_uniform"), nninit::engine{0, 2});
  const auto r = h::train(net, data.train_x, data.train_y, data.test_x, data.test_y, h::train_options{}, nninit::engine{0, 3});
  REQUIRE(r.epochs.size() == 1);
  MESSAGE("test accuracy ", r.epochs[0].test_accuracy, " in ", r.seconds, " s");
  CHECK_FALSE(r.diverged);
  CHECK(r.epochs[0].test_accuracy >= 0.84);
  CHECK(r.steps == 469);  // ceil(60000 / 128)
  CHECK(r.curve.size() == 10);  // nine windows of 50 steps and the last 19
  CHECK(r.curve.back().loss < r.curve.front().loss);
}

TEST_CASE("train: the synthetic task is learnt, and a run is bit-reproducible") {
  const h::dataset data = h::synthetic_task(3000, 1000, 5);
  h::train_options opt;
  opt.epochs = 2;
  auto run = [&] {
    auto net = classifier(784, 64);
    h::initialize(net, nninit::initializer("kaiming_uniform"), nninit::engine{1});
    const auto r = h::train(net, data.train_x, data.train_y, data.test_x, data.test_y, opt, nninit::engine{2});
    return std::make_pair(r, net.parameters()[0].value->eval());
  };
  const auto [a, wa] = run();
  const auto [b, wb] = run();
  REQUIRE(a.epochs.size() == 2);
  CHECK(a.epochs[1].test_accuracy > 0.5);  // chance is 0.1
  CHECK(a.epochs[1].train_loss < a.epochs[0].train_loss);
  CHECK(a.epochs[1].test_accuracy == b.epochs[1].test_accuracy);
  CHECK(wa == wb);
}

TEST_CASE("train: a diverging run stops and says so") {
  const h::dataset data = h::synthetic_task(1000, 200, 1);
  auto net = classifier(784, 32);
  h::initialize(net, nninit::initializer("kaiming_uniform"), nninit::engine{1});
  h::train_options opt;
  opt.learning_rate = 1e6;
  const auto r = h::train(net, data.train_x, data.train_y, data.test_x, data.test_y, opt, nninit::engine{2});
  CHECK(r.diverged);
  CHECK(r.epochs.empty());
  CHECK(r.steps < 8);
}

TEST_CASE("train: the batch order is a permutation, fixed by the engine") {
  const auto p = h::detail::permutation(1000, nninit::engine{4});
  auto sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (nninit::index i = 0; i < 1000; ++i) REQUIRE(sorted[static_cast<std::size_t>(i)] == i);
  CHECK(p == h::detail::permutation(1000, nninit::engine{4}));
  CHECK(p != h::detail::permutation(1000, nninit::engine{5}));
  CHECK(h::detail::permutation(1, nninit::engine{4}) == std::vector<nninit::index>{0});
}

TEST_CASE("train: softmax cross-entropy is stable for huge logits and its gradient sums to zero") {
  h::matrix<double> logits(3, 2);
  logits << 1000, -1000, 0, 0, -1000, 1000;
  const int labels[] = {0, 2};
  h::matrix<double> grad;
  nninit::index correct = 0;
  const double loss = h::detail::softmax_cross_entropy(logits, labels, &grad, &correct);
  CHECK(loss == doctest::Approx(0).epsilon(1e-12));
  CHECK(correct == 2);
  CHECK(std::abs(grad.colwise().sum().sum()) < 1e-15);
}

TEST_CASE("train: bad options and data throw init_error naming them") {
  const h::dataset data = h::synthetic_task(100, 50, 1);
  auto net = classifier(784, 8);
  h::train_options opt;
  const auto fails = [&](const h::train_options& o, const char* text) {
    CHECK_THROWS_WITH_AS(h::train(net, data.train_x, data.train_y, data.test_x, data.test_y, o, nninit::engine{1}),
                         doctest::Contains(text), nninit::init_error);
  };
  opt.learning_rate = -1;
  fails(opt, "nninit::train: learning_rate must be finite and > 0, got -1");
  opt = {}, opt.momentum = 1;
  fails(opt, "momentum must be in [0, 1), got 1");
  opt = {}, opt.epochs = 0;
  fails(opt, "epochs must be >= 1, got 0");
  opt = {}, opt.batch = 0;
  fails(opt, "batch must be >= 1, got 0");
  auto narrow = classifier(100, 8);
  CHECK_THROWS_WITH_AS(h::train(narrow, data.train_x, data.train_y, data.test_x, data.test_y, {}, nninit::engine{1}),
                       doctest::Contains("data features must be the network's 100 inputs, got 784"), nninit::init_error);
}

TEST_CASE("train: the learning-rate schedule: linear warm-up, then constant or half a cosine to 0") {
  using h::scheduled_rate;
  CHECK(scheduled_rate(0.1, 1, 100, 0, false) == 0.1);
  CHECK(scheduled_rate(0.1, 1, 100, 10, false) == doctest::Approx(0.01).epsilon(1e-15));
  CHECK(scheduled_rate(0.1, 10, 100, 10, true) == doctest::Approx(0.1).epsilon(1e-15));
  CHECK(scheduled_rate(0.1, 55, 100, 10, true) == doctest::Approx(0.05).epsilon(1e-15));  // halfway down
  CHECK(scheduled_rate(0.1, 100, 100, 10, true) == doctest::Approx(0.0).epsilon(1e-15));
  CHECK(scheduled_rate(0.1, 80, 100, 10, false) == 0.1);
}

TEST_CASE("train: AdamW with warm-up, cosine decay and clipping learns the synthetic task, the final loss is the last steps' mean") {
  const h::dataset data = h::synthetic_task(2000, 500, 3);
  auto net = classifier(784, 32);
  h::initialize(net, nninit::initializer("kaiming_normal"), nninit::engine{1});
  h::train_options opt;
  opt.algorithm = h::optimizer_kind::adamw;
  opt.learning_rate = 3e-3, opt.warmup = 5, opt.cosine = true, opt.clip_norm = 1, opt.weight_decay = 0.01;
  opt.epochs = 2, opt.loss_window = 1, opt.final_window = 10;
  const auto r = h::train(net, data.train_x, data.train_y, data.test_x, data.test_y, opt, nninit::engine{2});
  REQUIRE(r.curve.size() == 32);  // 16 steps per epoch, a point per step
  double last10 = 0;
  for (std::size_t i = 22; i < 32; ++i) last10 += r.curve[i].loss;
  CHECK(r.final_train_loss == doctest::Approx(last10 / 10).epsilon(1e-12));
  CHECK(r.epochs.back().test_accuracy > 0.3);
  CHECK(r.final_train_loss < r.curve.front().loss);
}

TEST_CASE("train: under batch norm a batch of one is refused, and a last batch of one example is dropped") {
  const h::dataset data = h::synthetic_task(129, 50, 4);
  h::mlp_config c;
  c.inputs = 784, c.width = 16, c.depth = 2, c.outputs = 10, c.bias = true, c.norm = h::norm_kind::batch;
  h::mlp<float> net(c);
  h::initialize(net, nninit::initializer("kaiming_normal"), nninit::engine{1});
  h::train_options opt;
  opt.batch = 1;
  CHECK_THROWS_WITH_AS(h::train(net, data.train_x, data.train_y, data.test_x, data.test_y, opt, nninit::engine{2}),
                       "nninit::train: batch must be >= 2 with batch normalization, got 1", nninit::init_error);
  opt.batch = 128;  // 129 examples: one batch of 128 and a remainder of 1, dropped
  const auto r = h::train(net, data.train_x, data.train_y, data.test_x, data.test_y, opt, nninit::engine{2});
  CHECK(r.steps == 1);
  CHECK_FALSE(r.diverged);
  CHECK(net.mode() == h::network_mode::train);
  opt = {}, opt.warmup = -1;
  CHECK_THROWS_WITH_AS(h::train(net, data.train_x, data.train_y, data.test_x, data.test_y, opt, nninit::engine{2}),
                       "nninit::train: warmup must be >= 0, got -1", nninit::init_error);
  opt = {}, opt.clip_norm = std::nan("");
  CHECK_THROWS_AS(h::train(net, data.train_x, data.train_y, data.test_x, data.test_y, opt, nninit::engine{2}), nninit::init_error);
  opt = {}, opt.algorithm = h::optimizer_kind::adamw, opt.beta2 = 1;
  CHECK_THROWS_WITH_AS(h::train(net, data.train_x, data.train_y, data.test_x, data.test_y, opt, nninit::engine{2}),
                       "nninit::train: beta2 must be in [0, 1), got 1", nninit::init_error);
}
