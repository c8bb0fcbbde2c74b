// The transformer schemes beyond DeepNet and Admin: T-Fixup, GPT-NeoX, OLMo, depth-μP, CompleteP
// and the GPT-2-family rules (gpt2, megatron_scaled, depth_scaled_trunc_normal, mup) over a
// transformer's roles. Known answers from ../shared transformer.md §2, §5, §6 and §10 (quoted
// there to 6 or 7 digits: compared to half a unit of the last quoted decimal), closed forms to
// 1e-12, the forward scalars and optimizer multipliers each rule plans, and bad input.
#include <doctest/doctest.h>
#include <nninit/nninit.hpp>

#include <cmath>
#include <string>

#include "test_util.hpp"

namespace transformer_schemes_test {
using nninit::layer_role;
using nninit::parameter_kind;

bool quoted(double got, const char* text) {
  const std::string t(text);
  const auto decimals = static_cast<int>(t.size() - t.find('.') - 1);
  return std::abs(got - std::stod(t)) <= 0.5 * std::pow(10.0, -decimals);
}

/// A weight at `role` in block `block` of a stack of `blocks` blocks, width d, d_ff.
nninit::layer_site at(layer_role role, nninit::index blocks, nninit::index d, nninit::index ffn, nninit::index block = 0,
                      nninit::index heads = 8) {
  return nninit::layer_site{role, {}, 0, block, nninit::transformer_structure{blocks, d, heads, ffn}};
}

/// The (out, in) shape of `role` in a stack of width d, FFN width ffn, vocabulary vocab.
nninit::shape shape_of(layer_role role, nninit::index d, nninit::index ffn, nninit::index vocab = 1000) {
  switch (role) {
    case layer_role::ffn_in: return {ffn, d};
    case layer_role::ffn_out: return {d, ffn};
    case layer_role::embedding:
    case layer_role::classifier: return {vocab, d};
    default: return {d, d};
  }
}

double std_of(const nninit::initializer& rule, const nninit::layer_site& s, nninit::index vocab = 1000) {
  return rule.for_layer(s).describe(shape_of(s.role, s.transformer.width, s.transformer.ffn_width, vocab)).std;
}

}  // namespace transformer_schemes_test

using transformer_schemes_test::at;
using transformer_schemes_test::layer_role;
using transformer_schemes_test::parameter_kind;
using transformer_schemes_test::quoted;
using transformer_schemes_test::std_of;

TEST_CASE("t_fixup: the scales and every role's std of transformer.md §2's known answers, biases, and its scalars") {
  using nninit::t_fixup_stack;
  const struct { nninit::index n; const char *encoder, *decoder; } rows[] = {
      {6, "0.428092", "0.368894"}, {12, "0.359981", "0.310202"}, {18, "0.325279", "0.280299"}, {100, "0.211873", "0.182574"}};
  for (const auto& r : rows) {
    CAPTURE(r.n);
    CHECK(quoted(nninit::t_fixup_block_scale(t_fixup_stack::encoder, r.n), r.encoder));
    CHECK(quoted(nninit::t_fixup_block_scale(t_fixup_stack::decoder, r.n), r.decoder));
    CHECK(nninit::t_fixup_embedding_scale(r.n) == nninit::t_fixup_block_scale(t_fixup_stack::decoder, r.n));
  }
  CHECK(std::abs(nninit::t_fixup_embedding_scale(9) - 1.0 / 3) <= 1e-12);  // (81)^(-1/4)
  // Encoder, d = 512, N = 6 (transformer_iwslt_de_en): q, k keep fairseq's gain 1/sqrt(2).
  const nninit::initializer rule("t_fixup");
  CHECK(std::abs(std_of(rule, at(layer_role::query, 6, 512, 1024)) - 0.03125) <= 1e-12);
  CHECK(std::abs(std_of(rule, at(layer_role::key, 6, 512, 1024)) - 0.03125) <= 1e-12);
  CHECK(quoted(std_of(rule, at(layer_role::value, 6, 512, 1024)), "0.0189192"));
  CHECK(quoted(std_of(rule, at(layer_role::attention_out, 6, 512, 1024)), "0.0189192"));
  CHECK(quoted(std_of(rule, at(layer_role::ffn_in, 6, 512, 1024)), "0.0154474"));
  CHECK(quoted(std_of(rule, at(layer_role::ffn_out, 6, 512, 1024)), "0.0154474"));
  CHECK(quoted(std_of(rule, at(layer_role::ffn_out, 6, 512, 2048)), "0.0119655"));
  CHECK(quoted(std_of(rule, at(layer_role::embedding, 6, 512, 1024)), "0.0163030"));
  CHECK(rule.for_layer(at(layer_role::value, 6, 512, 1024)).describe({512, 512}).dist == nninit::distribution::uniform);
  CHECK(rule.for_layer(at(layer_role::embedding, 6, 512, 1024)).describe({1000, 512}).dist == nninit::distribution::normal);
  // The readout and positions: fairseq's N(0, 1/d); a class token zeros.
  CHECK(std_of(rule, at(layer_role::classifier, 6, 512, 1024)) == 1 / std::sqrt(512.0));
  CHECK(rule.for_layer(at(layer_role::cls, 6, 512, 1024)).name() == "zeros");
  // Biases: q, k, v nn.Linear's default; o, fc1, fc2 zero (fairseq's Linear).
  for (layer_role r : {layer_role::query, layer_role::key, layer_role::value})
    CHECK(rule.for_parameter(parameter_kind::bias, at(r, 6, 512, 1024)).torch_default);
  for (layer_role r : {layer_role::attention_out, layer_role::ffn_in, layer_role::ffn_out})
    CHECK_FALSE(rule.for_parameter(parameter_kind::bias, at(r, 6, 512, 1024)).torch_default);
  // No norms; the token table read times sqrt(d): tokens enter with per-entry std (9N)^(-1/4).
  const nninit::transformer_scalars k = rule.scalars_for({6, 512, 4, 1024});
  CHECK(k.form == nninit::block_norm::none);
  CHECK(quoted(k.embedding * std_of(rule, at(layer_role::embedding, 6, 512, 1024)), "0.368894"));
  CHECK(k.fits("none"));
  CHECK_FALSE(k.fits("pre"));
}

TEST_CASE("neox: small_init and wang_init of transformer.md §5.1, and the Pythia rule's two slots") {
  const struct { nninit::index d; const char* std; } small[] = {
      {64, "0.0790569"}, {128, "0.0559017"}, {256, "0.0395285"}, {512, "0.0279508"}, {768, "0.0228218"}};
  for (const auto& r : small) {
    CAPTURE(r.d);
    CHECK(quoted(nninit::scheme::neox_small_init{}.describe({r.d, r.d}).std, r.std));
    CHECK(quoted(nninit::scheme::neox_small_init{{}, r.d}.describe({3 * r.d, r.d}).std, r.std));  // d set: any shape
  }
  const struct { nninit::index L, d; const char* std; } wang[] = {
      {4, 128, "0.0441942"}, {6, 512, "0.0147314"}, {12, 768, "0.0060141"}, {24, 1024, "0.0026042"}, {32, 4096, "0.0009766"}};
  for (const auto& r : wang) {
    CAPTURE(r.L);
    CHECK(quoted(nninit::scheme::wang_init{{}, r.L, 0}.describe({r.d, 4 * r.d}).std, r.std));  // d: the fan_out
  }
  CHECK(std::abs(nninit::scheme::wang_init{{}, 16, 0}.describe({64, 256}).std - 2.0 / 16 / 8) <= 1e-15);
  // The rule: wang_init on the output layers, small_init elsewhere (Pythia-160M: L 12, d 768).
  const nninit::initializer rule("neox");
  CHECK(quoted(std_of(rule, at(layer_role::attention_out, 12, 768, 3072)), "0.0060141"));
  CHECK(quoted(std_of(rule, at(layer_role::ffn_out, 12, 768, 3072)), "0.0060141"));
  for (layer_role r : {layer_role::query, layer_role::value, layer_role::ffn_in, layer_role::embedding, layer_role::classifier})
    CHECK(quoted(std_of(rule, at(r, 12, 768, 3072)), "0.0228218"));
  // NeoX's own defaults, normal and scaled_normal: GPT-2's 0.02 and 0.02/sqrt(2L).
  nninit::initializer plain("neox");
  plain.set("init_method", "normal");
  plain.set("output_layer_init_method", "scaled_normal");
  CHECK(std_of(plain, at(layer_role::query, 12, 768, 3072)) == 0.02);
  CHECK(std::abs(std_of(plain, at(layer_role::ffn_out, 12, 768, 3072)) - 0.02 / std::sqrt(24.0)) <= 1e-15);
}

TEST_CASE("olmo: mitchell and full_megatron of transformer.md §5.2, truncated at 3 std, and OLMo 2's normal") {
  nninit::scheme::olmo_mitchell m;
  m.role = layer_role::attention_out, m.block = 0;
  CHECK(quoted(m.describe({4096, 4096}).std, "0.0110485"));
  m.block = 1;
  CHECK(m.describe({4096, 4096}).std == 0.0078125);  // 1/sqrt(2 4096 2) = 1/128
  m.block = 31;
  CHECK(m.describe({4096, 4096}).std == 1.0 / 512);
  m.role = layer_role::ffn_out, m.block = 0;
  CHECK(quoted(m.describe({4096, 11008}).std, "0.0067395"));
  // Truncation at +-3 std, absolute bounds as OLMo's trunc_normal_ call.
  const nninit::plan p = m.describe({4096, 11008});
  CHECK(p.dist == nninit::distribution::truncated_normal);
  CHECK(std::abs(p.hi - 3 * p.std) <= 1e-18);
  CHECK(p.lo == -p.hi);
  // As a rule: each output layer's own block.
  const nninit::initializer mitchell("olmo_mitchell");
  CHECK(std_of(mitchell, at(layer_role::attention_out, 32, 4096, 11008, 31)) == 1.0 / 512);
  CHECK(std_of(mitchell, at(layer_role::query, 32, 4096, 11008, 31)) == 1.0 / 64);
  CHECK(std_of(mitchell, at(layer_role::classifier, 32, 4096, 11008)) == 1.0 / 64);
  const nninit::initializer megatron("olmo_full_megatron");
  const struct { nninit::index n; const char* std; } rows[] = {{12, "0.0040825"}, {16, "0.0035355"}, {32, "0.0025"}};
  for (const auto& r : rows) {
    CAPTURE(r.n);
    CHECK(quoted(std_of(megatron, at(layer_role::ffn_out, r.n, 2048, 8192)), r.std));
  }
  CHECK(std_of(megatron, at(layer_role::query, 12, 2048, 8192)) == 0.02);
  CHECK(std_of(megatron, at(layer_role::classifier, 12, 2048, 8192)) == 1 / std::sqrt(2048.0));
  // OLMo 2: 0.02 everywhere, cut at +-0.06; cutoff 0 is OLMo's untruncated default.
  nninit::initializer normal("olmo_normal");
  for (layer_role r : {layer_role::query, layer_role::ffn_out, layer_role::embedding, layer_role::classifier}) {
    const nninit::plan q = normal.for_layer(at(r, 16, 2048, 8192)).describe(transformer_schemes_test::shape_of(r, 2048, 8192));
    CHECK(q.std == 0.02);
    CHECK(std::abs(q.hi - 0.06) <= 1e-17);
  }
  normal.set("cutoff", "0");
  CHECK(normal.describe({8, 8}).dist == nninit::distribution::normal);
}

TEST_CASE("completep and depth_mup: transformer.md §6's multipliers, the init without depth, and the AdamW groups") {
  using nninit::optimizer_family;
  using nninit::depth_branch_multiplier;
  CHECK(depth_branch_multiplier(8, 2, 1.0) == 0.25);
  CHECK(depth_branch_multiplier(8, 2, 0.5) == 0.5);
  CHECK(depth_branch_multiplier(32, 4, 1.0) == 0.125);
  CHECK(quoted(depth_branch_multiplier(32, 4, 0.5), "0.353553"));
  // L_base 2, L 8 (m_L = 4), d_base 256, d 1024 (m_d = 4).
  const nninit::transformer_structure net{8, 1024, 16, 4096};
  nninit::initializer completep("completep");
  completep.set("base_depth", "2");
  completep.set("base_width", "256");
  nninit::initializer depth_mup("depth_mup");
  depth_mup.set("base_depth", "2");
  depth_mup.set("base_width", "256");
  const nninit::transformer_scalars c = completep.scalars_for(net), h = depth_mup.scalars_for(net);
  CHECK(c.form == nninit::block_norm::pre);
  CHECK(c.branch == 0.25);
  CHECK(h.branch == 0.5);
  CHECK(c.attention_scale == 1.0 / 64);  // 1/d_head
  CHECK(c.output == 0.25);               // alpha_out / m_d
  const nninit::layer_site q{layer_role::query, {}, 0, 3, net}, emb{layer_role::embedding, {}, 0, -1, net};
  CHECK(std::abs(completep.for_layer(q).describe({1024, 1024}).std - 0.01) <= 1e-17);  // 0.02 / sqrt(4): no depth factor
  CHECK(completep.for_layer(emb).describe({256, 1024}).std == 0.02);
  const auto group = [&](const nninit::initializer& rule, parameter_kind kind, const nninit::layer_site& s) {
    return rule.optimizer_for(kind, s, optimizer_family::adam);
  };
  // alpha = 1: hidden lr x m_d^-1 m_L^0 = 0.25, weight decay x m_d, eps x m_d^-1 m_L^-1 = 1/16.
  CHECK(group(completep, parameter_kind::weight, q).learning_rate == 0.25);
  CHECK(group(completep, parameter_kind::weight, q).weight_decay == 4);
  CHECK(group(completep, parameter_kind::weight, q).eps == 1.0 / 16);
  CHECK(group(completep, parameter_kind::norm_gain, q).learning_rate == 1);  // m_L^(alpha - 1) = 1
  CHECK(group(completep, parameter_kind::weight, emb).learning_rate == 1);
  // alpha = 1/2: hidden lr x 0.5 / m_d, the blocks' norms x 0.5, eps x 0.5 / m_d.
  CHECK(group(depth_mup, parameter_kind::weight, q).learning_rate == 0.125);
  CHECK(group(depth_mup, parameter_kind::norm_bias, q).learning_rate == 0.5);
  CHECK(group(depth_mup, parameter_kind::weight, q).eps == 0.125);
  const nninit::layer_site final_norm{layer_role::hidden, {}, 0, -1, net};
  CHECK(group(depth_mup, parameter_kind::norm_gain, final_norm).learning_rate == 1);
  // depth_mup's default base depth 1: branches times 1/sqrt(L).
  CHECK(std::abs(nninit::initializer("depth_mup").scalars_for({16, 64, 4, 128}).branch - 0.25) <= 1e-15);
  // SGD: μP's MuSGD width factors, no depth factor.
  CHECK(completep.optimizer_for(parameter_kind::weight, q, optimizer_family::sgd).learning_rate == 1);
  CHECK(completep.optimizer_for(parameter_kind::bias, q, optimizer_family::sgd).learning_rate == 4);
  // Plain schemes ask nothing of the optimizer.
  CHECK(nninit::initializer("gpt2").optimizer_for(parameter_kind::weight, q, optimizer_family::adam).learning_rate == 1);
}

TEST_CASE("gpt2, megatron_scaled, depth_scaled_trunc_normal and mup over a transformer's roles") {
  // GPT-2 small (L 12, d 768): c_proj 0.02/sqrt(24), everything else 0.02.
  const nninit::initializer gpt2("gpt2");
  for (layer_role r : {layer_role::attention_out, layer_role::ffn_out})
    CHECK(std_of(gpt2, at(r, 12, 768, 3072)) == 0.02 / std::sqrt(24.0));
  for (layer_role r : {layer_role::query, layer_role::ffn_in, layer_role::embedding, layer_role::position, layer_role::classifier})
    CHECK(std_of(gpt2, at(r, 12, 768, 3072)) == 0.02);
  const nninit::initializer megatron("megatron_scaled");
  CHECK(std_of(megatron, at(layer_role::ffn_out, 12, 768, 3072)) == 0.02 / std::sqrt(24.0));
  CHECK(std_of(megatron, at(layer_role::value, 12, 768, 3072)) == 0.02);
  // torchtitan's Llama: wo and w2 by their block's depth, q trunc_normal(0.02, +-2), the token
  // table N(0, 1), the readout d^-1/2 cut at 3 std.
  const nninit::initializer titan("depth_scaled_trunc_normal");
  CHECK(std_of(titan, at(layer_role::attention_out, 12, 768, 3072, 5)) == 0.02 / std::sqrt(12.0));
  const nninit::plan tq = titan.for_layer(at(layer_role::query, 12, 768, 3072)).describe({768, 768});
  CHECK(tq.std == 0.02);
  CHECK(tq.hi == 2);
  CHECK(std_of(titan, at(layer_role::embedding, 12, 768, 3072)) == 1);
  const nninit::plan readout = titan.for_layer(at(layer_role::classifier, 12, 768, 3072)).describe({1000, 768});
  CHECK(readout.std == 1 / std::sqrt(768.0));
  CHECK(std::abs(readout.hi - 3 / std::sqrt(768.0)) <= 1e-16);
  // μP at 4x the base width: hidden std / 2, readout std / 4 (no multiplier), q zero, embeddings std.
  nninit::initializer mup("mup");
  mup.set("base_width", "64");
  const nninit::transformer_structure net{4, 256, 4, 1024};
  const auto mup_std = [&](layer_role r) { return std_of(mup, nninit::layer_site{r, {}, 0, 0, net}); };
  CHECK(mup_std(layer_role::key) == 0.01);
  CHECK(mup_std(layer_role::ffn_out) == 0.01);
  CHECK(mup_std(layer_role::classifier) == 0.005);
  CHECK(mup.for_layer({layer_role::query, {}, 0, 0, net}).describe({256, 256}).dist == nninit::distribution::constant);
  CHECK(mup_std(layer_role::embedding) == 0.02);
  CHECK(mup.scalars_for(net).attention_scale == 1.0 / 64);
  CHECK(mup.scalars_for(net).output == 1);
  const auto lr = [&](layer_role r, nninit::optimizer_family f) {
    return mup.optimizer_for(parameter_kind::weight, {r, {}, 0, 0, net}, f).learning_rate;
  };
  CHECK(lr(layer_role::key, nninit::optimizer_family::adam) == 0.25);       // MuAdam: hidden / width_mult
  CHECK(lr(layer_role::classifier, nninit::optimizer_family::adam) == 0.25);  // Table 3's readout, no multiplier
  CHECK(lr(layer_role::embedding, nninit::optimizer_family::adam) == 1);
  CHECK(lr(layer_role::embedding, nninit::optimizer_family::sgd) == 4);  // MuSGD: vector-like x width_mult
  CHECK(lr(layer_role::key, nninit::optimizer_family::sgd) == 1);
  mup.set("readout_multiplier", "true");
  CHECK(mup.scalars_for(net).output == 0.25);
  CHECK(mup_std(layer_role::classifier) == 0.02);
  CHECK(lr(layer_role::classifier, nninit::optimizer_family::adam) == 1);
  // Outside a transformer the plain schemes are what they were (a single weight's options).
  CHECK(nninit::initializer("gpt2").for_layer(layer_role::hidden).describe({8, 8}).std == 0.02);
}

TEST_CASE("transformer schemes: bad input names the scheme, the argument and the value, before any write") {
  CHECK_THROWS_WITH_AS(nninit::t_fixup_block_scale(nninit::t_fixup_stack::encoder, 0), doctest::Contains("layers"), nninit::init_error);
  nninit::initializer t_fixup("t_fixup");
  CHECK_THROWS_WITH_AS(t_fixup.describe({16, 16}), doctest::Contains("layers"), nninit::init_error);
  t_fixup.set("layers", "6");
  t_fixup.set("role", "classifier");
  CHECK_THROWS_WITH_AS(t_fixup.describe({16, 16}), doctest::Contains("role"), nninit::init_error);
  CHECK_THROWS_WITH_AS(nninit::initializer("wang_init").describe({16, 16}), doctest::Contains("16x16"), nninit::init_error);
  nninit::initializer mitchell("olmo_mitchell");
  mitchell.set("role", "ffn_out");
  CHECK_THROWS_WITH_AS(mitchell.describe({16, 64}), doctest::Contains("block"), nninit::init_error);
  nninit::initializer completep("completep");
  completep.set("alpha", "1.5");
  CHECK_THROWS_WITH_AS(completep.describe({8, 8}), doctest::Contains("alpha must be in [0, 1]"), nninit::init_error);
  CHECK_THROWS_WITH_AS(completep.scalars_for({4, 64, 4, 128}), doctest::Contains("alpha"), nninit::init_error);
  completep.set("alpha", "nan");
  CHECK_THROWS_WITH_AS(completep.scalars_for({4, 64, 4, 128}), doctest::Contains("nan"), nninit::init_error);
  // A base larger than the model: m_L, m_d below 1.
  nninit::initializer deep("completep");
  deep.set("base_depth", "8");
  CHECK_THROWS_WITH_AS(deep.scalars_for({4, 64, 4, 128}), doctest::Contains("base_depth"), nninit::init_error);
  nninit::initializer wide("mup");
  wide.set("base_width", "128");
  CHECK_THROWS_WITH_AS(wide.scalars_for({4, 64, 4, 128}), doctest::Contains("base_width"), nninit::init_error);
  CHECK_THROWS_WITH_AS(nninit::depth_branch_multiplier(0, 1, 1.0), doctest::Contains("layers"), nninit::init_error);
  // A rule's plan refuses before anything is written: plan_network names the layer.
  nninit::initializer bad_depth("depth_mup");
  bad_depth.set("base_width", "1024");
  const std::vector<nninit::layer_spec> layers{{"block0.attn.q", layer_role::query, {64, 64}, 0}};
  CHECK_THROWS_WITH_AS(nninit::plan_network(bad_depth, layers, {}, {4, 64, 4, 128}), doctest::Contains("base_width"),
                       nninit::init_error);
}
