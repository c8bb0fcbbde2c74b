// The transformer (harness/transformer.hpp, layers/attention.hpp, layers/tokens.hpp): gradients of
// every parameter role against central differences in every block form, the causal mask, the
// attention's rows, PyTorch's default rule per role, packed QKV filled block by block, and bad
// configurations.
#include <Eigen/SVD>
#include <nninit/harness/init.hpp>
#include <nninit/harness/transformer.hpp>
#include <nninit/normal.hpp>
#include <nninit/uniform.hpp>

#include <cmath>
#include <set>
#include <string>

#include "gradient_check.hpp"
#include "test_util.hpp"

namespace h = nninit::harness;
using mat = h::matrix<double>;
using idx = nninit::index;

namespace transformer_test {

/// Every parameter random: gains near 1, everything else around 0 with std 0.5, so attention
/// weights are far from uniform and norms far from the identity.
void randomize(h::network<double>& net, std::uint64_t seed = 7) {
  auto params = net.parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (params[i].kind == h::parameter_kind::norm_gain) nninit::uniform(*params[i].value, nninit::engine{seed, i}, 0.5, 1.5);
    else nninit::normal(*params[i].value, nninit::engine{seed, i}, 0.0, 0.35);
  }
}

h::transformer_stack small_stack(h::block_form form) {
  h::transformer_stack s;
  s.blocks = 2, s.width = 6, s.heads = 2, s.ffn_width = 5, s.form = form;
  return s;
}

mat images(idx batch, idx side, std::uint64_t stream) {
  mat x(side * side, batch);
  nninit::uniform(x, nninit::engine{11, stream}, -1.0, 1.0);
  return x;
}

mat ids(idx vocabulary, idx count, std::uint64_t stream) {
  mat u(1, count);
  nninit::uniform(u, nninit::engine{12, stream}, 0.0, 1.0);
  return (u.array() * static_cast<double>(vocabulary)).floor().cwiseMin(static_cast<double>(vocabulary - 1)).matrix();
}

/// The relative error the gradient checks allow: the difference quotients' round-off reaches
/// ~1e-9 absolute through two blocks of attention and norms (the key biases' exact-zero gradients
/// show it), 1e-5 of the check's floor; a wrong entry is off by its own size.
constexpr double tolerance = 1e-5;

constexpr h::block_form all_forms[] = {h::block_form::post_norm, h::block_form::pre_norm, h::block_form::no_norm,
                                       h::block_form::attention_only};

}  // namespace transformer_test

namespace tt = transformer_test;

TEST_CASE("vit: gradients of every role match central differences in every block form") {
  for (const auto form : tt::all_forms)
    for (const bool packed : {false, true}) {
      h::vit_config c;
      c.stack = tt::small_stack(form);
      c.stack.packed_qkv = packed;
      c.stack.bias = !packed;  // both with and without biases, across the two layouts
      c.stack.norm = packed ? h::norm_kind::rms : h::norm_kind::layer;
      c.stack.shortcut_scale = {1.7, 0.8};
      c.stack.branch_scale = {0.5, 1.3};
      c.side = 4, c.patch = 2, c.classes = 3;
      h::vit<double> net(c);
      tt::randomize(net);
      INFO(net.summary());
      const auto rep = test::check_gradients(net, tt::images(3, 4, 1));
      INFO(rep.where);
      CHECK(rep.worst < tt::tolerance);
      std::set<nninit::layer_role> roles;
      for (const auto& p : net.parameters()) roles.insert(p.role);
      CHECK(roles.count(nninit::layer_role::query));
      CHECK(roles.count(nninit::layer_role::attention_out));
      CHECK(roles.count(nninit::layer_role::cls));
      CHECK(roles.count(nninit::layer_role::position));
      CHECK(roles.count(nninit::layer_role::input));
      CHECK(roles.count(nninit::layer_role::classifier));
      CHECK(roles.count(nninit::layer_role::ffn_in) == (form != h::block_form::attention_only));
      CHECK(roles.count(nninit::layer_role::key) == !packed);
    }
}

TEST_CASE("lm: gradients match central differences, tied and untied, with the causal mask") {
  for (const auto form : tt::all_forms)
    for (const bool tied : {false, true}) {
      h::lm_config c;
      c.stack = tt::small_stack(form);
      c.vocabulary = 7, c.context = 4, c.tied = tied;
      h::char_lm<double> net(c);
      tt::randomize(net);
      INFO(net.summary());
      const auto rep = test::check_gradients(net, tt::ids(7, 8, 1), false);
      INFO(rep.where);
      CHECK(rep.worst < tt::tolerance);
      CHECK(rep.checked > 0);
    }
}

TEST_CASE("lm: the causal mask, each position's logits depend only on the tokens up to it") {
  h::lm_config c;
  c.stack = tt::small_stack(h::block_form::pre_norm);
  c.vocabulary = 9, c.context = 6;
  h::char_lm<double> net(c);
  tt::randomize(net);
  mat x = tt::ids(9, 12, 2);
  const mat before = net.forward(x);
  x(0, 4) = std::fmod(x(0, 4) + 1, 9.0);  // example 0, position 4
  const mat after = net.forward(x);
  CHECK((after.leftCols(4) - before.leftCols(4)).cwiseAbs().maxCoeff() == 0.0);
  CHECK((after.col(4) - before.col(4)).cwiseAbs().maxCoeff() > 1e-6);
  CHECK((after.rightCols(6) - before.rightCols(6)).cwiseAbs().maxCoeff() == 0.0);  // example 1 untouched
  for (const auto* attn : net.attention_layers()) {
    const mat& p = attn->probabilities();
    CHECK(p.rows() == 6);
    CHECK(p.cols() == 6 * 2 * 2);
    for (idx col = 0; col < p.cols(); ++col) {
      const idx query = col % 6;
      CHECK(p.col(col).sum() == doctest::Approx(1.0).epsilon(1e-12));
      if (query < 5) CHECK(p.col(col).tail(5 - query).cwiseAbs().maxCoeff() == 0.0);
    }
  }
}

TEST_CASE("vit: patches are the conv's, a token per patch in grid order, plus the class token") {
  h::vit_config c;
  c.stack = tt::small_stack(h::block_form::pre_norm);
  c.side = 4, c.patch = 2, c.classes = 3;
  h::vit<double> net(c);
  CHECK(net.tokens() == 5);
  auto& g = net.steps();
  mat x(16, 1);
  for (idx i = 0; i < 16; ++i) x(i, 0) = static_cast<double>(i);
  g.set_input(x);
  g.run(1);
  const mat& patches = g.value(g.output_of(0));
  REQUIRE(patches.rows() == 4);
  REQUIRE(patches.cols() == 4);
  // Patch 1 (top right) holds pixels (0,2) (0,3) (1,2) (1,3) = 2, 3, 6, 7.
  CHECK(patches.col(1) == (mat(4, 1) << 2, 3, 6, 7).finished());
  CHECK(patches.col(2) == (mat(4, 1) << 8, 9, 12, 13).finished());
}

TEST_CASE("transformer torch_default rule: nn.TransformerEncoderLayer's init per role, packed or not") {
  for (const bool packed : {false, true}) {
    h::vit_config c;
    c.stack.blocks = 2, c.stack.width = 32, c.stack.heads = 4, c.stack.ffn_width = 64, c.stack.packed_qkv = packed;
    h::vit<double> net(c);
    nninit::initializer torch("torch_default");
    h::initialize(net, torch, nninit::engine{3});
    const double d = 32;
    for (const auto& p : net.parameters()) {
      INFO(p.name);
      const mat& v = *p.value;
      const double largest = v.cwiseAbs().maxCoeff();
      if (p.kind == h::parameter_kind::norm_gain) CHECK(v.isOnes());
      else if (p.kind == h::parameter_kind::norm_bias) CHECK(v.isZero());
      else if (p.kind == h::parameter_kind::bias && p.role != nninit::layer_role::ffn_in && p.role != nninit::layer_role::ffn_out &&
               p.role != nninit::layer_role::input && p.role != nninit::layer_role::classifier)
        CHECK(v.isZero());  // nn.MultiheadAttention's _reset_parameters
      else if (p.role == nninit::layer_role::query || p.role == nninit::layer_role::key || p.role == nninit::layer_role::value) {
        // xavier_uniform_ over the packed (3d, d): U(+-sqrt(6 / (4d))); 96 or 32 rows.
        CHECK(largest <= std::sqrt(6 / (4 * d)));
        CHECK(largest > 0.9 * std::sqrt(6 / (4 * d)));
      } else if (p.role == nninit::layer_role::position) {
        CHECK(largest > 0.03);  // N(0, 0.02^2), torchvision's ViT: 17 x 32 values reach 2 sigma
        CHECK(largest < 0.1);
      } else if (p.role == nninit::layer_role::cls) {
        CHECK(v.isZero());
      } else if (p.kind == h::parameter_kind::weight) {
        const double bound = 1 / std::sqrt(static_cast<double>(v.cols()));  // nn.Linear: U(+-1/sqrt(fan_in))
        CHECK(largest <= bound);
        CHECK(largest > 0.8 * bound);
      }
    }
    const auto plans = h::plan_weights(net, torch);
    std::set<std::string> names;
    for (const auto& pl : plans) names.insert(pl.name);
    CHECK(names.count(packed ? "block0.attn.in_proj.weight[key]" : "block0.attn.k.weight") == 1);
  }
}

TEST_CASE("transformer rules: deepnet's alpha and admin's omega reach every block's shortcut, and torchscale's biases are scaled") {
  h::vit_config c;
  c.stack.blocks = 6, c.stack.width = 32, c.stack.heads = 4, c.stack.ffn_width = 64, c.stack.form = h::block_form::post_norm;
  nninit::initializer deepnet("deepnet");
  deepnet.set("variant", "torchscale");
  h::apply_scalars(c.stack, deepnet);
  const double alpha = std::pow(12.0, 0.25), beta = std::pow(48.0, -0.25);  // encoder N = 6
  REQUIRE(c.stack.shortcut_scale.size() == 6);
  for (double a : c.stack.shortcut_scale) CHECK(a == doctest::Approx(alpha).epsilon(1e-15));
  for (double s : c.stack.branch_scale) CHECK(s == 1);
  h::vit<double> net(c);
  CHECK(net.summary().find("shortcut x1.86") != std::string::npos);
  h::initialize(net, deepnet, nninit::engine{4});
  for (const auto& p : net.parameters()) {
    INFO(p.name);
    if (p.kind != h::parameter_kind::bias || p.block < 0) continue;
    const double torch_bound = 1 / std::sqrt(static_cast<double>(p.shape.dims[1]));  // U(+-1/sqrt(fan_in))
    const bool scaled = p.role == nninit::layer_role::value || p.role == nninit::layer_role::attention_out ||
                        p.role == nninit::layer_role::ffn_in || p.role == nninit::layer_role::ffn_out;
    const double bound = scaled ? beta * torch_bound : torch_bound, largest = p.value->cwiseAbs().maxCoeff();
    CHECK(largest <= bound);
    CHECK(largest > 0.5 * bound);  // 32 or 64 values: the max of |U| reaches half the bound
  }
  // A rule for post-LN refuses another form, before anything is built.
  for (const char* scheme : {"deepnet", "admin"}) {
    CAPTURE(scheme);
    h::transformer_stack pre;
    pre.form = h::block_form::pre_norm;
    const std::string expected = std::string(scheme) + ": block form must be post";
    CHECK_THROWS_WITH_AS(h::apply_scalars(pre, nninit::initializer(scheme)), doctest::Contains(expected.c_str()), nninit::init_error);
  }
  h::transformer_stack post;
  post.form = h::block_form::post_norm;
  h::apply_scalars(post, nninit::initializer("admin"));
  CHECK(post.shortcut_scale.front() == doctest::Approx(std::sqrt(25 / std::log(25.0) - 1)).epsilon(1e-15));  // n = 24
}

TEST_CASE("transformer rules: mimetic fills each block's q, k, v and output projections as pairs from one engine") {
  for (const bool packed : {false, true}) {
    CAPTURE(packed);
    h::vit_config c;
    c.stack.blocks = 2, c.stack.width = 8, c.stack.heads = 2, c.stack.ffn_width = 8, c.stack.packed_qkv = packed;
    h::vit<double> net(c);
    const nninit::initializer rule("mimetic");
    h::initialize(net, rule, nninit::engine{5});
    auto params = net.parameters();
    for (idx block = 0; block < 2; ++block) {
      CAPTURE(block);
      // The block's projections, and the engine of its first (the stream they share).
      mat wq, wk, wv, wo;
      std::size_t first = params.size();
      for (std::size_t i = 0; i < params.size(); ++i) {
        const auto& p = params[i];
        if (p.kind != h::parameter_kind::weight || p.block != block) continue;
        const mat& w = *p.value;
        if (!p.packed_roles.empty()) wq = w.topRows(8), wk = w.middleRows(8, 8), wv = w.bottomRows(8);
        else if (p.role == nninit::layer_role::query) wq = w;
        else if (p.role == nninit::layer_role::key) wk = w;
        else if (p.role == nninit::layer_role::value) wv = w;
        else if (p.role == nninit::layer_role::attention_out) wo = w;
        else continue;
        first = std::min(first, i);
      }
      REQUIRE(wo.size() == 64);
      const nninit::engine shared = nninit::engine{5}.fork(first);
      nninit::scheme::mimetic vo;
      vo.part = nninit::mimetic_part::value;
      CHECK((wo * wv - vo.target(shared, 8).transpose()).cwiseAbs().maxCoeff() <= 1e-12);
      // Each head's W_Q^T W_K is the best rank-4 approximation of its A_j (Eckart-Young).
      nninit::scheme::mimetic qk;
      qk.heads = 2;
      for (idx j = 0; j < 2; ++j) {
        const mat a = qk.target(shared, 8, j);
        const mat product = wq.middleRows(4 * j, 4).transpose() * wk.middleRows(4 * j, 4);
        const Eigen::VectorXd sv = Eigen::JacobiSVD<mat>(a).singularValues();
        CHECK((a - product).squaredNorm() == doctest::Approx(sv.tail(4).squaredNorm()).epsilon(1e-10));
      }
    }
  }
}

TEST_CASE("transformer: a packed in-projection is three tensors filled as fill_packed fills them") {
  h::vit_config c;
  c.stack.blocks = 1, c.stack.width = 8, c.stack.heads = 2, c.stack.ffn_width = 8, c.stack.packed_qkv = true;
  h::vit<double> net(c);
  nninit::initializer scheme("kaiming_normal");
  h::initialize(net, scheme, nninit::engine{9});
  auto params = net.parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (params[i].packed_roles.empty() || params[i].kind != h::parameter_kind::weight) continue;
    mat expect(24, 8);
    for (int j = 0; j < 3; ++j) {
      mat block(8, 8);
      scheme.fill(block, nninit::engine{9}.fork(i).fork(static_cast<std::uint64_t>(j)), nninit::shape{8, 8});
      expect.middleRows(8 * j, 8) = block;
    }
    CHECK(*params[i].value == expect);
  }
}

TEST_CASE("transformer: bad configurations and inputs are init_errors naming the argument") {
  h::vit_config v;
  v.stack.heads = 5;
  CHECK_THROWS_WITH_AS(h::vit<double>{v}, doctest::Contains("heads must be a divisor of the width 64, got 5"), nninit::init_error);
  v = {};
  v.patch = 5;
  CHECK_THROWS_WITH_AS(h::vit<double>{v}, doctest::Contains("patch must be a divisor of the image side 28, got 5"),
                       nninit::init_error);
  v = {};
  v.stack.blocks = 0;
  CHECK_THROWS_WITH_AS(h::vit<double>{v}, doctest::Contains("depth must be >= 1, got 0"), nninit::init_error);
  v = {};
  v.stack.norm = h::norm_kind::batch;
  CHECK_THROWS_WITH_AS(h::vit<double>{v}, doctest::Contains("norm must be layer or rms"), nninit::init_error);
  v = {};
  v.stack.branch_scale = {1.0, 2.0};
  CHECK_THROWS_WITH_AS(h::vit<double>{v}, doctest::Contains("branch_scale must be one value per block (12) or none, got 2"),
                       nninit::init_error);
  h::lm_config l;
  l.stack.width = 0;
  CHECK_THROWS_WITH_AS(h::char_lm<double>{l}, doctest::Contains("width must be >= 1, got 0"), nninit::init_error);
  l = {};
  l.stack.blocks = 1, l.stack.width = 8, l.stack.heads = 2, l.context = 4, l.vocabulary = 5;
  h::char_lm<double> lm(l);
  CHECK_THROWS_WITH_AS(lm.forward(mat::Zero(1, 6)), doctest::Contains("input columns must be a multiple of the context 4, got 6"),
                       nninit::init_error);
  mat bad = mat::Zero(1, 4);
  bad(0, 2) = 5;
  CHECK_THROWS_WITH_AS(lm.forward(bad), doctest::Contains("token id must be an integer in [0, 5), got 5"), nninit::init_error);
  nninit::initializer dirac("dirac");
  CHECK_THROWS_WITH_AS(h::initialize(lm, dirac, nninit::engine{1}), doctest::Contains("embed.weight"), nninit::init_error);
}
