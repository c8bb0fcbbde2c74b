// Transformer presets (gpt2, megatron_scaled, depth_scaled_trunc_normal, mup) and packed weights
// (fill_packed, qkv_blocks, gate_up_blocks). Known stds are the references' own arithmetic,
// printed by Python: nanoGPT model.py, Megatron-LM megatron/core/utils.py, torchtitan
// models/common/param_init.py, microsoft/mup mup/init.py (Megatron-LM's sqrt for the hidden μP std).
#include <doctest/doctest.h>
#include <nninit/llm_presets.hpp>
#include <nninit/packed.hpp>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace llm_test {

using idx = nninit::index;
using matrix = Eigen::MatrixXd;
template <class T>
using row_major = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

const double nan = std::numeric_limits<double>::quiet_NaN();

/// Each block of `packed` equals, byte for byte, a separate tensor of the block's shape filled
/// with the block's scheme and engine; the blocks cover the whole weight.
template <class M>
void check_separate(const M& packed, const nninit::shape& whole, const std::vector<nninit::packed_block>& blocks) {
  using plain = typename M::PlainObject;
  const bool keras = whole.order == nninit::layout::in_out && whole.dims.size() >= 2;
  const bool along_cols = keras || (whole.dims.size() == 1 && packed.rows() == 1 && packed.cols() != 1);
  idx first = 0;
  for (const auto& b : blocks) {
    CAPTURE(b.name);
    nninit::shape s = whole;
    s.dims[keras ? s.dims.size() - 1 : 0] = b.rows;
    plain separate(along_cols ? packed.rows() : b.rows, along_cols ? b.rows : packed.cols());
    b.scheme.fill(separate, b.eng, s);
    const plain part = along_cols ? plain(packed.middleCols(first, b.rows)) : plain(packed.middleRows(first, b.rows));
    REQUIRE(part.size() == separate.size());
    CHECK(std::memcmp(part.data(), separate.data(), sizeof(typename M::Scalar) * static_cast<std::size_t>(part.size())) == 0);
    first += b.rows;
  }
  CHECK(first == (along_cols ? packed.cols() : packed.rows()));
}

nninit::initializer scheme_with(const char* name, std::vector<std::pair<const char*, const char*>> options = {}) {
  nninit::initializer init(name);
  for (const auto& [k, v] : options) init.set(k, v);
  return init;
}

struct bad_fill {
  std::function<void(matrix&)> fill;
  idx rows, cols;
  std::string message;  // the whole expected message
};

}  // namespace llm_test

TEST_CASE("gpt2: std 0.02, and c_proj at 0.02/sqrt(2 n_layer) to the bit (nanoGPT model.py)") {
  nninit::scheme::gpt2 g;
  const nninit::plan p = g.describe({768, 3072});
  CHECK(p.scheme == "gpt2");
  CHECK(p.dist == nninit::distribution::normal);
  CHECK(p.mean == 0);
  CHECK(p.std == 0.02);
  CHECK(p.output_std == 0.02);
  CHECK(p.fan_in == -1);  // fans play no part
  CHECK(std::isnan(p.lo));
  CHECK(g.describe({50304, 768}).std == 0.02);  // the (tied) token embedding
  CHECK(g.describe({3072}).std == 0.02);        // any rank
  g.residual_projection = true;
  g.layers = 12;
  CHECK(g.describe({768, 3072}).std == 0.004082482904638631);  // 0.02/math.sqrt(2 * 12)
  CHECK(g.describe({768, 3072}).output_std == 0.004082482904638631);
  g.layers = 48;
  CHECK(g.describe({1600, 6400}).std == 0.0020412414523193153);  // gpt2-xl
  g.std = 0.01;
  CHECK(g.describe({4, 4}).std == 0.01 / std::sqrt(96.0));
  g.residual_projection = false;  // layers is then unused
  CHECK(g.describe({4, 4}).std == 0.01);
}

TEST_CASE("gpt2: a fill is the library's normal with the preset's std, bit for bit, and has that std") {
  nninit::scheme::gpt2 g;
  g.residual_projection = true;
  g.layers = 12;
  Eigen::MatrixXf w(96, 384), same(96, 384);
  g(w, nninit::engine(7, 1));
  nninit::scheme::normal{{}, 0.0, 0.004082482904638631}(same, nninit::engine(7, 1));
  CHECK(w == same);
  llm_test::matrix big(1024, 1024);
  nninit::gpt2(big, nninit::engine(8));
  const auto m = test::moments_of(test::values(big));
  test::check_mean(m, 0, 0.02);
  test::check_variance(m, 0.02);
}

TEST_CASE("megatron_scaled: sigma/sqrt(multiplier layers) as Megatron-LM computes it, and init_method_normal unscaled") {
  nninit::scheme::megatron_scaled s;
  s.layers = 24;
  const nninit::plan p = s.describe({1024, 4096});
  CHECK(p.scheme == "megatron_scaled");
  CHECK(p.dist == nninit::distribution::normal);
  CHECK(p.mean == 0);
  CHECK(p.std == 0.002886751345948129);  // 0.02 / math.sqrt(2.0 * 24)
  s.multiplier = 1;                      // hybrid models
  CHECK(s.describe({1024, 4096}).std == 0.004082482904638631);
  s.multiplier = 2;
  s.sigma = 0.006;
  s.layers = 40;
  CHECK(s.describe({8, 8}).std == 0.0006708203932499369);  // 0.006 / math.sqrt(2.0 * 40)
  s.scaled = false;
  CHECK(s.describe({8, 8}).std == 0.006);
  // With multiplier 2 it is GPT-2's residual projection, to the bit.
  nninit::scheme::megatron_scaled m;
  m.layers = 12;
  nninit::scheme::gpt2 g;
  g.residual_projection = true;
  g.layers = 12;
  CHECK(m.describe({8, 8}).std == g.describe({8, 8}).std);
  Eigen::MatrixXf a(16, 48), b(16, 48);
  nninit::megatron_scaled(a, nninit::engine(3), 12);
  nninit::gpt2(b, nninit::engine(3), true, 12);
  CHECK(a == b);
}

TEST_CASE("depth_scaled_trunc_normal: torchtitan's depth_init and n_layers stds with absolute bounds of 2") {
  nninit::scheme::depth_scaled_trunc_normal t;
  t.layer_id = 0;
  const nninit::plan p = t.describe({4096, 4096});
  CHECK(p.scheme == "depth_scaled_trunc_normal");
  CHECK(p.dist == nninit::distribution::truncated_normal);
  CHECK(p.mean == 0);
  CHECK(p.std == 0.014142135623730949);  // 0.02 / (2 * (0 + 1)) ** 0.5
  CHECK(p.lo == -2);                     // PyTorch's trunc_normal_ defaults, absolute
  CHECK(p.hi == 2);
  CHECK(p.bound == 2);
  CHECK(p.output_std == doctest::Approx(p.std).epsilon(1e-12));  // ±141 std truncate nothing
  t.layer_id = 5;
  CHECK(t.describe({8, 8}).std == 0.005773502691896258);  // 0.02 / (2 * 6) ** 0.5
  t.layers = 32;
  t.layer_id = 31;
  CHECK(t.describe({8, 8}).std == 0.0025);  // 0.02 / (2 * 32) ** 0.5
  t.depth_init = false;
  t.layers = 16;
  CHECK(t.describe({8, 8}).std == 0.0035355339059327372);  // 0.02 / (2 * 16) ** 0.5
  // Python's ** 0.5 is glibc's pow, which first differs from the correctly rounded sqrt nninit uses
  // at 2 (layer_id + 1) = 8414 (pow gives 0.00021803626898918234).
  t.depth_init = true;
  t.layers = 0;
  t.layer_id = 4206;
  CHECK(t.describe({8, 8}).std == 0.02 / std::sqrt(8414.0));
  CHECK(t.describe({8, 8}).std == 0.00021803626898918237);
  // The torchtitan output head's convention: bounds in units of the std.
  t.layer_id = 1;
  t.bounds = nninit::trunc_bounds::std_units;
  t.a = -3;
  t.b = 3;
  const nninit::plan head = t.describe({8, 8});
  CHECK(head.std == 0.01);
  CHECK(head.lo == -3 * 0.01);
  CHECK(head.hi == 3 * 0.01);
  // The plan is trunc_normal's, under this name.
  const nninit::plan same = nninit::scheme::trunc_normal{{}, 0.0, 0.01, -3, 3, nninit::trunc_bounds::std_units}.describe({8, 8});
  CHECK(head.lo == same.lo);
  CHECK(head.output_std == same.output_std);
}

TEST_CASE("depth_scaled_trunc_normal: samples stay inside the bounds, with the truncated normal's std") {
  nninit::scheme::depth_scaled_trunc_normal t;
  t.layer_id = 1;  // std 0.01
  t.bounds = nninit::trunc_bounds::std_units;
  t.a = -1.5;
  t.b = 1.5;
  llm_test::matrix w(512, 512);
  t(w, nninit::engine(21));
  const nninit::plan p = t.describe({512, 512});
  CHECK(w.minCoeff() >= p.lo);
  CHECK(w.maxCoeff() <= p.hi);
  CHECK(w.minCoeff() < 0.99 * p.lo);  // the mass reaches the bounds
  CHECK(w.maxCoeff() > 0.99 * p.hi);
  const auto m = test::moments_of(test::values(w));
  test::check_mean(m, 0, p.output_std);
  test::check_variance(m, p.output_std);
  CHECK(p.output_std < 0.8 * p.std);  // really truncated
  // Absolute bounds inside the bulk are respected too; the default fill is trunc_normal's.
  t.bounds = nninit::trunc_bounds::absolute;
  t.a = -0.004;
  t.b = 0.012;
  t(w, nninit::engine(22));
  CHECK(w.minCoeff() >= -0.004);
  CHECK(w.maxCoeff() <= 0.012);
  Eigen::MatrixXf a(64, 64), b(64, 64);
  nninit::depth_scaled_trunc_normal(a, nninit::engine(23), 3);
  nninit::trunc_normal(b, nninit::engine(23), 0.0, 0.02 / std::sqrt(8.0), -2.0, 2.0);
  CHECK(a == b);
}

TEST_CASE("mup: every role equals the base std at the base shape") {
  using nninit::mup_role;
  for (auto d : {nninit::variance_distribution::normal, nninit::variance_distribution::uniform,
                 nninit::variance_distribution::truncated_normal}) {
    for (auto role : {mup_role::input, mup_role::hidden, mup_role::query, mup_role::readout}) {
      for (bool multiplier : {false, true}) {
        CAPTURE(nninit::detail::name_of(role));
        nninit::scheme::mup m;
        m.role = role;
        m.base_fan_in = 256;
        m.std = 0.02;
        m.zero_query = false;
        m.readout_multiplier = multiplier;
        m.distribution = d;
        const nninit::plan p = m.describe(role == mup_role::readout ? nninit::shape{1000, 256} : nninit::shape{256, 256});
        CHECK(p.scheme == "mup");
        CHECK(p.output_std == 0.02);  // exactly: width_mult is exactly 1
        if (d == nninit::variance_distribution::normal) CHECK(p.std == 0.02);
      }
    }
  }
  nninit::scheme::mup conv;  // a conv's fan_in includes its kernel: 16 * 9 at the base
  conv.base_fan_in = 144;
  CHECK(conv.describe({16, 16, 3, 3}).std == 0.02);
  CHECK(conv.describe({16, 16, 3, 3}).fan_in == 144);
}

TEST_CASE("mup: hidden and readout scale as width_mult^-1/2 and 1/width_mult at 2x and 4x width") {
  using nninit::mup_role;
  nninit::scheme::mup m;
  m.base_fan_in = 256;
  m.role = mup_role::hidden;
  CHECK(m.describe({512, 512}).std == 0.014142135623730949);  // 0.02 / math.sqrt(512 / 256), Megatron's μP
  CHECK(m.describe({1024, 1024}).std == 0.01);
  CHECK(m.describe({4096, 1024}).std == 0.01);  // the MLP's up projection: fan_in decides
  CHECK(m.describe({1024, 4096}).std == 0.005);  // its down projection (base fan_in 256, now 4096)
  m.role = mup_role::query;
  m.zero_query = false;
  CHECK(m.describe({1024, 1024}).std == 0.01);
  m.role = mup_role::readout;
  CHECK(m.describe({50304, 512}).std == 0.01);  // Var ∝ 1/fan_in^2
  CHECK(m.describe({50304, 1024}).std == 0.005);
  CHECK(m.describe({50304, 1024}).fan_in == 1024);
  m.readout_multiplier = true;  // MuReadout divides by width_mult in its forward
  CHECK(m.describe({50304, 1024}).std == 0.02);
  m.role = mup_role::input;  // embeddings and biases: constant; base_fan_in is not needed
  m.base_fan_in = 0;
  CHECK(m.describe({50304, 1024}).std == 0.02);
  CHECK(m.describe({1024}).std == 0.02);
  nninit::scheme::mup conv;
  conv.base_fan_in = 144;
  CHECK(conv.describe({64, 64, 3, 3}).std == 0.01);  // 4x width
}

TEST_CASE("mup: zero query and readout, the uniform form, and a 4x-width fill with the scaled std") {
  using nninit::mup_role;
  nninit::scheme::mup m;
  m.role = mup_role::query;  // zero_query by default; base_fan_in then unused
  const nninit::plan q = m.describe({1024, 1024});
  CHECK(q.dist == nninit::distribution::constant);
  CHECK(q.value == 0);
  CHECK(q.scheme == "mup");
  llm_test::matrix w = llm_test::matrix::Constant(8, 8, 5);
  m(w, nninit::engine(1));
  CHECK(w.isZero(0));
  m.role = mup_role::readout;
  m.zero_readout = true;
  CHECK(m.describe({10, 1024}).value == 0);

  nninit::scheme::mup u;
  u.base_fan_in = 256;
  u.distribution = nninit::variance_distribution::uniform;
  const nninit::plan p = u.describe({1024, 1024});
  CHECK(p.dist == nninit::distribution::uniform);
  CHECK(p.bound == std::sqrt(3.0) * 0.01);

  llm_test::matrix big(1024, 1024);
  nninit::mup(big, nninit::engine(31), mup_role::hidden, 256);
  const auto s = test::moments_of(test::values(big));
  test::check_mean(s, 0, 0.01);
  test::check_variance(s, 0.01);
}

TEST_CASE_TEMPLATE("packed: QKV equals three separate projections bit for bit, row-major, column-major and a raw-buffer Map",
                   T, float, double) {
  const nninit::engine eng(2026, 4);
  const auto blocks = nninit::qkv_blocks(4, 4, 16, llm_test::scheme_with("kaiming_uniform"), eng);
  REQUIRE(blocks.size() == 3);
  CHECK(blocks[0].name == "q");
  CHECK(blocks[2].name == "v");
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(blocks[i].rows == 64);
    CHECK(blocks[i].eng == eng.fork(i));
  }
  const nninit::shape whole{192, 64};
  llm_test::row_major<T> rm(192, 64);
  nninit::fill_packed(rm, blocks);
  llm_test::check_separate(rm, whole, blocks);
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> cm(192, 64);
  nninit::fill_packed(cm, blocks, whole);
  llm_test::check_separate(cm, whole, blocks);
  CHECK(cm == rm);
  std::vector<T> buffer(192 * 64);
  Eigen::Map<llm_test::row_major<T>> map(buffer.data(), 192, 64);
  nninit::fill_packed(map, blocks);
  llm_test::check_separate(map, whole, blocks);
  CHECK(std::memcmp(buffer.data(), rm.data(), sizeof(T) * buffer.size()) == 0);
}

TEST_CASE("packed: grouped-query attention with 8 query heads and 2 key-value heads") {
  const nninit::engine eng(5);
  const auto blocks = nninit::qkv_blocks(8, 2, 8, llm_test::scheme_with("xavier_normal"), eng);
  CHECK(blocks[0].rows == 64);
  CHECK(blocks[1].rows == 16);
  CHECK(blocks[2].rows == 16);
  Eigen::MatrixXf w(96, 64);
  nninit::fill_packed(w, blocks);
  llm_test::check_separate(w, {96, 64}, blocks);
  // Each block's own fans: K is a 16x64 projection, not a slice of a 96x64 one.
  CHECK(blocks[1].scheme.describe({16, 64}).std == std::sqrt(2.0 / (64 + 16)));
  const auto mqa = nninit::qkv_blocks(8, 1, 8, llm_test::scheme_with("xavier_normal"), eng);  // multi-query
  Eigen::MatrixXf w2(80, 64);
  nninit::fill_packed(w2, mqa);
  llm_test::check_separate(w2, {80, 64}, mqa);
}

TEST_CASE("packed: gate-up with a per-block scheme (torchtitan's w1 and w3) is bit-identical to separate fills") {
  const nninit::engine eng(9, 2);
  auto blocks = nninit::gate_up_blocks(172, llm_test::scheme_with("trunc_normal", {{"std", "0.02"}}), eng);
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[0].name == "gate");
  CHECK(blocks[1].name == "up");
  CHECK(blocks[1].eng == eng.fork(1));
  blocks[1].scheme.set("std", "0.0025");  // the up projection's depth-scaled std
  llm_test::row_major<float> w(344, 64);
  nninit::fill_packed(w, blocks);
  llm_test::check_separate(w, {344, 64}, blocks);
  CHECK(w.topRows(172).cwiseAbs().maxCoeff() > 4 * w.bottomRows(172).cwiseAbs().maxCoeff());
}

TEST_CASE("packed: each block gets its own fans, the fix for xavier_uniform on in_proj_weight (pytorch#166378)") {
  const llm_test::idx e = 256;
  const auto xavier = llm_test::scheme_with("xavier_uniform");
  const nninit::plan fused = xavier.describe({3 * e, e});
  const nninit::plan separate = xavier.describe({e, e});
  CHECK(fused.fan_out == 3 * e);
  CHECK(separate.fan_out == e);
  CHECK(separate.output_std * separate.output_std == doctest::Approx(2.0 / (2 * e)).epsilon(1e-14));
  CHECK(fused.output_std * fused.output_std == doctest::Approx(2.0 / (4 * e)).epsilon(1e-14));  // half
  llm_test::matrix w(3 * e, e);
  nninit::fill_packed(w, nninit::qkv_blocks(4, 4, 64, xavier, nninit::engine(44)));
  for (llm_test::idx b = 0; b < 3; ++b) {
    const auto m = test::moments_of(test::values(w.middleRows(b * e, e)));
    test::check_variance(m, separate.output_std, 1.8);  // uniform: kurtosis 1.8
    CHECK(m.var > 1.5 * fused.output_std * fused.output_std);
  }
}

TEST_CASE("packed: conv kernels split along dimension 0, Keras in_out weights along columns, fused biases along elements") {
  const nninit::engine eng(77);
  const auto he = llm_test::scheme_with("kaiming_normal");
  std::vector<nninit::packed_block> two = {{8, he, eng.fork(0), "a"}, {8, he, eng.fork(1), "b"}};
  const nninit::shape conv{16, 8, 3, 3};
  Eigen::MatrixXd k(16, 72);
  nninit::fill_packed(k, two, conv);
  llm_test::check_separate(k, conv, two);
  CHECK(two[0].scheme.describe({8, 8, 3, 3}).fan_out == 72);

  // Keras/JAX (in, out): the outputs are the columns; (in, 3E) splits into three (in, E).
  const auto blocks = nninit::qkv_blocks(2, 2, 16, llm_test::scheme_with("glorot_uniform"), eng);
  const nninit::shape keras = nninit::shape{24, 96}.with_layout(nninit::layout::in_out);
  Eigen::MatrixXf kernel(24, 96);
  nninit::fill_packed(kernel, blocks, keras);
  llm_test::check_separate(kernel, keras, blocks);
  const nninit::shape hwio = nninit::shape{3, 3, 4, 96}.with_layout(nninit::layout::in_out);
  Eigen::MatrixXf conv_kernel(36, 96);
  nninit::fill_packed(conv_kernel, blocks, hwio);
  llm_test::check_separate(conv_kernel, hwio, blocks);

  // A fused (3E) bias, in a column or a row vector: the same values.
  const auto bias = nninit::qkv_blocks(2, 1, 4, llm_test::scheme_with("uniform", {{"a", "-0.1"}, {"b", "0.1"}}), eng);
  Eigen::VectorXd column(16);
  Eigen::RowVectorXd row(16);
  nninit::fill_packed(column, bias, nninit::shape{16});
  nninit::fill_packed(row, bias, nninit::shape{16});
  llm_test::check_separate(column, nninit::shape{16}, bias);
  llm_test::check_separate(row, nninit::shape{16}, bias);
  CHECK(column == row.transpose());
}

TEST_CASE("llm presets: every bad option throws init_error with the exact message and leaves the target untouched") {
  using nninit::scheme::depth_scaled_trunc_normal;
  using nninit::scheme::gpt2;
  using nninit::scheme::megatron_scaled;
  using nninit::scheme::mup;
  const nninit::engine eng(1);
  auto with = [&](auto scheme, auto set) {
    set(scheme);
    return [scheme, eng](llm_test::matrix& w) { scheme(w, eng); };
  };
  const std::vector<llm_test::bad_fill> cases = {
      {with(gpt2{}, [](gpt2& g) { g.std = -1; }), 768, 768,
       "nninit::gpt2: std must be finite and >= 0, got -1, for a 768x768 target"},
      {with(gpt2{}, [](gpt2& g) { g.std = llm_test::nan; }), 768, 768,
       "nninit::gpt2: std must be finite and >= 0, got nan, for a 768x768 target"},
      {with(gpt2{}, [](gpt2& g) { g.residual_projection = true; }), 768, 768,
       "nninit::gpt2: layers must be >= 1 (the number of transformer layers) when residual_projection is true, got 0, "
       "for a 768x768 target"},
      {with(gpt2{}, [](gpt2& g) { g.layers = -1; }), 768, 768,
       "nninit::gpt2: layers must be >= 0 (0: unset), got -1, for a 768x768 target"},
      {with(megatron_scaled{}, [](megatron_scaled&) {}), 64, 32,
       "nninit::megatron_scaled: layers must be >= 1 (the number of transformer layers) when scaled is true, got 0, "
       "for a 64x32 target"},
      {with(megatron_scaled{}, [](megatron_scaled& m) { m.layers = 4, m.sigma = HUGE_VAL; }), 64, 32,
       "nninit::megatron_scaled: sigma must be finite and >= 0, got inf, for a 64x32 target"},
      {with(megatron_scaled{}, [](megatron_scaled& m) { m.layers = 4, m.multiplier = 0; }), 64, 32,
       "nninit::megatron_scaled: multiplier must be finite and > 0, got 0, for a 64x32 target"},
      {with(depth_scaled_trunc_normal{}, [](depth_scaled_trunc_normal&) {}), 64, 32,
       "nninit::depth_scaled_trunc_normal: layer_id must be >= 0 (the 0-based block index) when depth_init is true, "
       "got -1, for a 64x32 target"},
      {with(depth_scaled_trunc_normal{}, [](depth_scaled_trunc_normal& t) { t.depth_init = false; }), 64, 32,
       "nninit::depth_scaled_trunc_normal: layers must be >= 1 (n_layers) when depth_init is false, got 0, for a 64x32 target"},
      {with(depth_scaled_trunc_normal{}, [](depth_scaled_trunc_normal& t) { t.layer_id = 32, t.layers = 32; }), 64, 32,
       "nninit::depth_scaled_trunc_normal: layer_id must be < layers = 32, got 32, for a 64x32 target"},
      {with(depth_scaled_trunc_normal{}, [](depth_scaled_trunc_normal& t) { t.layer_id = 0, t.std = 0; }), 64, 32,
       "nninit::depth_scaled_trunc_normal: std must be finite and > 0, got 0, for a 64x32 target"},
      {with(depth_scaled_trunc_normal{}, [](depth_scaled_trunc_normal& t) { t.layer_id = 0, t.a = 1, t.b = 1; }), 64, 32,
       "nninit::depth_scaled_trunc_normal: b must be > a = 1, got 1, for a 64x32 target"},
      {with(mup{}, [](mup&) {}), 64, 32,
       "nninit::mup: base_fan_in must be >= 1 (this weight's fan_in in the base model) for role hidden, got 0, "
       "for a 64x32 target"},
      {with(mup{}, [](mup& m) { m.role = nninit::mup_role::readout; }), 64, 32,
       "nninit::mup: base_fan_in must be >= 1 (this weight's fan_in in the base model) for role readout, got 0, "
       "for a 64x32 target"},
      {with(mup{}, [](mup& m) { m.std = -0.5, m.role = nninit::mup_role::input; }), 64, 32,
       "nninit::mup: std must be finite and >= 0, got -0.5, for a 64x32 target"},
      {with(mup{}, [](mup& m) { m.base_fan_in = -4, m.role = nninit::mup_role::input; }), 64, 32,
       "nninit::mup: base_fan_in must be >= 0 (0: unset), got -4, for a 64x32 target"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.message);
    llm_test::matrix target = llm_test::matrix::Constant(c.rows, c.cols, llm_test::nan);
    CHECK_THROWS_WITH_AS(c.fill(target), c.message.c_str(), nninit::init_error);
    CHECK(target.array().isNaN().all());  // the sentinel survives: validated before any write
  }
  nninit::scheme::mup hidden;  // a hidden weight needs fans, so 2-D at least
  hidden.base_fan_in = 32;
  Eigen::VectorXd v = Eigen::VectorXd::Constant(64, llm_test::nan);
  CHECK_THROWS_WITH_AS(hidden(v, eng, nninit::shape{64}),
                       "nninit::mup: shape must be at least 2-D to define fan_in and fan_out, got 1-D, for a 64 target",
                       nninit::init_error);
  CHECK(v.array().isNaN().all());
  // Zero-element targets: a no-op, after the options are checked.
  Eigen::MatrixXf empty(0, 16);
  nninit::depth_scaled_trunc_normal(empty, eng, 2);
  CHECK_THROWS_AS(nninit::megatron_scaled(empty, eng, 0), nninit::init_error);
}

TEST_CASE("packed: bad blocks and targets throw init_error naming the block, with nothing written") {
  const nninit::engine eng(3);
  const auto normal = llm_test::scheme_with("normal", {{"std", "0.02"}});
  auto bad_std = normal;
  bad_std.set("std", "-1");
  const auto make = [&](std::vector<llm_test::idx> rows, const nninit::initializer& last) {
    std::vector<nninit::packed_block> b;
    const char* names[] = {"q", "k", "v"};
    for (std::size_t i = 0; i < rows.size(); ++i)
      b.push_back({rows[i], i + 1 == rows.size() ? last : normal, eng.fork(i), names[i]});
    return b;
  };
  struct packed_case {
    std::vector<nninit::packed_block> blocks;
    nninit::shape shape;
    std::string message;
  };
  const std::vector<packed_case> cases = {
      {make({16, 16, 8}, normal), {48, 64},
       "nninit::fill_packed: the sum of the blocks' rows must be 48, the weight's dimension 0, got 16 (q) + 16 (k) + 8 (v) "
       "= 40, for a 48x64 target"},
      {make({16, 16, 32}, normal), {48, 64},
       "nninit::fill_packed: the sum of the blocks' rows must be 48, the weight's dimension 0, got 16 (q) + 16 (k) + 32 (v) "
       "= 64, for a 48x64 target"},
      {make({16, 0, 32}, normal), {48, 64}, "nninit::fill_packed: rows of block 1 'k' must be >= 1, got 0, for a 48x64 target"},
      {{}, {48, 64}, "nninit::fill_packed: blocks must be at least one block, got none, for a 48x64 target"},
      {make({16, 16, 16}, bad_std), {48, 64},
       "nninit::normal: std must be finite and >= 0, got -1, for a 16x64 target (block 2 'v' of the packed 48x64 weight)"},
      {make({16, 16, 16}, llm_test::scheme_with("dirac")), {48, 64},
       "nninit::dirac: shape must be 3-, 4- or 5-D, got 2-D, for a 16x64 target (block 2 'v' of the packed 48x64 weight)"},
      {make({16, 16, 16}, normal), {48, 32}, "nninit::fill_packed: target must be 48x32, the weight's 2-D view, got 48x64, for a 48x32 target"},
      {make({16, 16, 16}, normal), nninit::shape{48, 64}.with_groups(2),
       "nninit::fill_packed: groups must be 1 (the blocks of a grouped conv are not separate tensors), got 2, for a 48x64 target"},
      {make({16, 16, 16}, normal), nninit::shape{48, 64}.as_transposed(),
       "nninit::fill_packed: transposed must be false (a transposed conv's dimension 0 is its input), got true, for a 48x64 target"},
      {make({16, 16, 16}, normal), nninit::shape{96, 64}.at(48, 0),
       "nninit::fill_packed: target must be the whole weight (fill_packed does not fill a shard), got a block at (48, 0), "
       "for a 96x64 target"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.message);
    llm_test::matrix target = llm_test::matrix::Constant(48, 64, llm_test::nan);
    CHECK_THROWS_WITH_AS(nninit::fill_packed(target, c.blocks, c.shape), c.message.c_str(), nninit::init_error);
    CHECK(target.array().isNaN().all());  // not even the blocks before the bad one were written
  }
  std::vector<nninit::packed_block> unnamed = {{40, normal, eng, ""}};
  llm_test::matrix target = llm_test::matrix::Constant(48, 64, llm_test::nan);
  CHECK_THROWS_WITH_AS(nninit::fill_packed(target, unnamed),
                       "nninit::fill_packed: the sum of the blocks' rows must be 48, the weight's dimension 0, got 40 = 40, "
                       "for a 48x64 target",
                       nninit::init_error);
}

TEST_CASE("packed: qkv_blocks and gate_up_blocks refuse impossible head counts") {
  const auto s = llm_test::scheme_with("normal");
  const nninit::engine eng(1);
  CHECK_THROWS_WITH_AS(nninit::qkv_blocks(8, 3, 64, s, eng), "nninit::qkv_blocks: n_kv_heads must be a divisor of n_heads = 8, got 3",
                       nninit::init_error);
  CHECK_THROWS_WITH_AS(nninit::qkv_blocks(8, 0, 64, s, eng), "nninit::qkv_blocks: n_kv_heads must be >= 1, got 0",
                       nninit::init_error);
  CHECK_THROWS_WITH_AS(nninit::qkv_blocks(8, 8, 0, s, eng), "nninit::qkv_blocks: head_dim must be >= 1, got 0", nninit::init_error);
  CHECK_THROWS_WITH_AS(nninit::qkv_blocks(8, 8, llm_test::idx{1} << 57, s, eng),
                       "nninit::qkv_blocks: head_dim must be at most 2^58 / n_heads, got 144115188075855872", nninit::init_error);
  CHECK_THROWS_WITH_AS(nninit::gate_up_blocks(0, s, eng), "nninit::gate_up_blocks: d_ff must be >= 1, got 0", nninit::init_error);
}

TEST_CASE("llm presets: registered by name, an initializer plans exactly like the policy type") {
  std::set<std::string> names;
  for (const auto& info : nninit::list_schemes()) names.insert(std::string(info.name));
  std::string missing;
  auto check_named = [&](const char* name, std::vector<std::pair<const char*, const char*>> options,
                         const nninit::shape& s, const nninit::plan& expected) {
    if (!names.count(name)) return void(missing.append(missing.empty() ? "" : ", ").append(name));
    CAPTURE(name);
    const nninit::plan p = llm_test::scheme_with(name, options).describe(s);
    CHECK(p.scheme == expected.scheme);
    CHECK(p.std == expected.std);
    CHECK(p.dist == expected.dist);
  };
  nninit::scheme::gpt2 g{{}, 0.02, true, 12};
  check_named("gpt2", {{"residual_projection", "true"}, {"layers", "12"}}, {768, 768}, g.describe({768, 768}));
  check_named("megatron_scaled", {{"layers", "24"}, {"multiplier", "1"}}, {64, 64},
              nninit::scheme::megatron_scaled{{}, 0.02, 24, 1.0}.describe({64, 64}));
  nninit::scheme::depth_scaled_trunc_normal t;
  t.layer_id = 5;
  check_named("depth_scaled_trunc_normal", {{"layer_id", "5"}}, {64, 64}, t.describe({64, 64}));
  check_named("mup", {{"role", "readout"}, {"base_fan_in", "256"}}, {1000, 1024},
              nninit::scheme::mup{{}, nninit::mup_role::readout, 256}.describe({1000, 1024}));
  if (!missing.empty()) test::skip("not in the registry yet: " + missing);
}
