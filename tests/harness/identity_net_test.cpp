// The identity-style schemes in networks (issue 5): Fixup in a deep residual MLP without
// normalization, ZerO and IDInit in a deep plain ReLU MLP, the per-role plans in the residual
// MLP and the ResNet, and ZerO's rank argument (identity.md section 1.8).
#include <nninit/harness/init.hpp>
#include <nninit/harness/mlp.hpp>
#include <nninit/harness/resnet.hpp>
#include <nninit/harness/signal.hpp>

#include <Eigen/SVD>
#include <cmath>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace h = nninit::harness;
using idx = nninit::index;

namespace {

h::signal_stats probe(h::network<float>& net, const nninit::initializer& init, idx batch = 256) {
  h::initialize(net, init, nninit::engine{2024});
  h::signal_options opt;
  opt.batch = batch;
  opt.jacobian_max_size = 0;
  return h::measure_signal(net, opt, nninit::engine{7});
}

const h::parameter<double>* find(const std::vector<h::parameter<double>>& ps, const std::string& name) {
  for (const auto& p : ps)
    if (p.name == name) return &p;
  FAIL("no parameter " << name);
  return nullptr;
}

}  // namespace

TEST_CASE("residual MLP, 100 blocks, relu, no normalization: Fixup keeps E[z^2] of the output at the input's, He explodes") {
  h::resmlp_config c;  // identity.md 3.6's setup: 512 inputs, a stem, width 256
  c.inputs = 512, c.width = 256, c.blocks = 100;
  h::resmlp<float> net(c);
  const auto fixup = probe(net, nninit::initializer("fixup"), 64);
  // The branches output exactly 0, so every block passes the stem's relu output on unchanged:
  // E[relu(z)^2] = E[z^2] / 2 = E[x^2] for He's stem. 64 x 256 values: the ratio is 1 within
  // a few percent.
  CHECK(fixup.finite);
  CHECK(h::second_moment_ratio(fixup) == doctest::Approx(1.0).epsilon(0.05));
  CHECK(h::second_moment_ratio(fixup) >= 0.5);
  CHECK(h::second_moment_ratio(fixup) <= 2.0);
  const auto he = probe(net, nninit::initializer("kaiming_normal"), 64);
  // Variance adds on every skip: about 2^100 in the mean field.
  CHECK((!he.finite || h::second_moment_ratio(he) > 1e20));
}

TEST_CASE("plain relu MLP, depth 64, width 256: ZerO and IDInit keep the ratio in [0.25, 4], exactly flat after layer 2") {
  h::mlp_config c;
  c.inputs = c.width = 256, c.depth = 64;
  h::mlp<float> net(c);
  for (const char* scheme : {"zero_hadamard", "idinit"}) {
    CAPTURE(scheme);
    const auto s = probe(net, nninit::initializer(scheme));
    REQUIRE(s.layers.size() == 64);
    // Layer 1 passes x ~ N(0, 1) on; the first relu leaves variance 1/2 - 1/(2 pi) = 0.34; then
    // identity layers copy relu's output, which relu leaves as it is.
    for (const auto& l : s.layers) {
      CHECK(l.forward_ratio >= 0.25);
      CHECK(l.forward_ratio <= 4);
    }
    for (std::size_t l = 2; l < s.layers.size(); ++l) CHECK(s.layers[l].forward_var == s.layers[1].forward_var);
    CHECK(s.layers[1].forward_ratio == doctest::Approx(0.5 - 1 / (2 * M_PI)).epsilon(0.03));
  }
}

TEST_CASE("Fixup's plan in the residual MLP: zero last layers and classifier, scaled He inside branches, scalars 0 and 1") {
  h::resmlp_config c;
  c.inputs = 40, c.width = 64, c.blocks = 9, c.layers_per_block = 3, c.outputs = 10, c.scalar_params = true, c.bias = true;
  h::resmlp<double> net(c);
  for (auto& p : net.parameters()) p.value->setConstant(5);  // so that every write shows
  h::initialize(net, nninit::initializer("fixup"), nninit::engine{1});
  const auto ps = net.parameters();
  for (const auto& p : ps) {
    CAPTURE(p.name);
    if (p.kind == h::parameter_kind::multiplier) CHECK((p.value->array() == 1).all());
    if (p.kind == h::parameter_kind::scalar_bias || p.kind == h::parameter_kind::bias) CHECK((p.value->array() == 0).all());
    if (p.kind != h::parameter_kind::weight) continue;
    if (p.role == h::layer_role::branch_last || p.role == h::layer_role::classifier) CHECK((p.value->array() == 0).all());
  }
  // L = 9 branches of m = 3 layers: 9^(-1/4) times He's sqrt(2 / 64), all 64 x 64 x 18 values.
  double sum_sq = 0;
  idx n = 0;
  for (const auto& p : ps)
    if (p.kind == h::parameter_kind::weight && (p.role == h::layer_role::branch_first || p.role == h::layer_role::branch_middle))
      sum_sq += p.value->squaredNorm(), n += p.value->size();
  const double sigma = std::sqrt(2.0 / 64) * std::pow(9.0, -0.25);
  test::check_variance({0, sum_sq / static_cast<double>(n), 0, 0, static_cast<std::size_t>(n)}, sigma);
  const double stem_var = find(ps, "stem.weight")->value->squaredNorm() / (64 * 40);
  test::check_variance({0, stem_var, 0, 0, 64 * 40}, std::sqrt(2.0 / 40));  // He, unscaled

  // At initialization the logits are exactly zero: the classifier is.
  h::matrix<double> x = h::matrix<double>::Random(40, 5);
  CHECK(net.forward(x).cwiseAbs().maxCoeff() == 0);
}

TEST_CASE("Fixup, ZerO and IDInit in the ResNet: per-role weights, and a block's branch adds nothing at initialization") {
  h::resnet_config c;
  c.blocks_per_stage = 2, c.base_width = 8, c.projection_shortcut = true;
  h::resnet<double> net(c);
  const idx L = net.structure().branches;
  REQUIRE(L == 6);
  h::initialize(net, nninit::initializer("fixup"), nninit::engine{3});
  for (const auto& p : net.parameters()) {
    if (p.kind != h::parameter_kind::weight) continue;
    CAPTURE(p.name);
    const bool zero = (p.value->array() == 0).all();
    CHECK(zero == (p.role == h::layer_role::branch_last || p.role == h::layer_role::classifier));
  }
  h::initialize(net, nninit::initializer("zero_hadamard"), nninit::engine{3});
  for (const auto& p : net.parameters()) {
    if (p.kind != h::parameter_kind::weight) continue;
    CAPTURE(p.name);
    if (p.role == h::layer_role::branch_last) CHECK((p.value->array() == 0).all());
    else CHECK((p.value->array() != 0).count() > 0);
  }
  h::initialize(net, nninit::initializer("idinit"), nninit::engine{3});
  for (const auto& p : net.parameters()) {
    if (p.kind != h::parameter_kind::weight || p.role != h::layer_role::branch_last) continue;
    CAPTURE(p.name);
    CHECK(p.value->cwiseAbs().maxCoeff() == 1e-6);  // IDIZ_eps
    CHECK(p.value->rowwise().sum().cwiseAbs().maxCoeff() < 1e-20);
  }
}

TEST_CASE("ZerO's rank argument: training 16-16-64-64-10, rank(W3 - I) stays at the input dimension only for a zero-padded start") {
  // identity.md 1.8: a width-increasing layer that zero-pads (the partial identity) leaves the
  // later square layer's update in a 16-dimensional subspace forever, because the padded units
  // are exactly 0 and relu'(0) = 0; ZerO's Hadamard block and IDInit's repeated identity break
  // that. Plain SGD, lr 0.05, 600 steps of batch 128 on random inputs, with labels from a fixed
  // random linear teacher so that there is something to learn.
  const std::vector<idx> widths = {16, 16, 64, 64, 10};
  auto rank_after_training = [&](const char* scheme_name) {
    nninit::initializer scheme(scheme_name);
    std::vector<Eigen::MatrixXd> w;
    for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
      w.emplace_back(widths[l + 1], widths[l]);
      scheme.fill(w.back(), nninit::engine(0, l));
    }
    Eigen::MatrixXd teacher(10, 16);
    nninit::normal(teacher, nninit::engine(1));
    const std::size_t layers = w.size();
    for (int step = 0; step < 600; ++step) {
      Eigen::MatrixXd x(16, 128);
      nninit::normal(x, nninit::engine(2, static_cast<std::uint64_t>(step)));
      std::vector<Eigen::MatrixXd> a{x}, z;
      for (std::size_t l = 0; l < layers; ++l) {
        z.push_back(w[l] * a.back());
        a.push_back(l + 1 < layers ? Eigen::MatrixXd(z.back().cwiseMax(0.0)) : z.back());
      }
      const Eigen::MatrixXd target = teacher * x;
      Eigen::MatrixXd d = a.back();  // softmax cross-entropy against the teacher's argmax
      for (idx col = 0; col < d.cols(); ++col) {
        Eigen::Index label;
        target.col(col).maxCoeff(&label);
        d.col(col) = (d.col(col).array() - d.col(col).maxCoeff()).exp();
        d.col(col) /= d.col(col).sum();
        d(label, col) -= 1;
      }
      d /= 128.0;
      for (std::size_t l = layers; l-- > 0;) {
        const Eigen::MatrixXd grad = d * a[l].transpose();
        if (l > 0) d = ((w[l].transpose() * d).array() * (z[l - 1].array() > 0).cast<double>()).matrix();
        w[l] -= 0.05 * grad;
      }
    }
    const Eigen::MatrixXd delta = w[2] - Eigen::MatrixXd::Identity(64, 64);
    const Eigen::VectorXd sv = Eigen::JacobiSVD<Eigen::MatrixXd>(delta).singularValues();
    idx rank = 0;
    for (idx i = 0; i < sv.size(); ++i) rank += sv(i) > 1e-10 * sv(0);
    MESSAGE(std::string(scheme_name) << ": rank(W3 - I) = " << rank);
    return rank;
  };
  CHECK(rank_after_training("eye") == 16);  // the partial identity: exactly the input dimension
  CHECK(rank_after_training("zero_hadamard") > 16);
  CHECK(rank_after_training("idinit") > 16);
}
