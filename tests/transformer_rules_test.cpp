// The transformer network rules (deepnet, admin): their constants against ../shared
// transformer.md's known answers (computed there in double and quoted to 6 or 7 decimals, so
// compared to half a unit of the last quoted decimal; the closed forms to 1e-12), the std or bound each role gets, the
// scalars they plan for the forward pass, and their bad input.
#include <doctest/doctest.h>
#include <nninit/nninit.hpp>

#include <cmath>
#include <string>

#include "test_util.hpp"

namespace transformer_rules_test {
using nninit::layer_role;

/// `got` rounds to the table's `text`: within half a unit of its last decimal.
bool quoted(double got, const char* text) {
  const std::string t(text);
  const auto decimals = static_cast<int>(t.size() - t.find('.') - 1);
  return std::abs(got - std::stod(t)) <= 0.5 * std::pow(10.0, -decimals);
}

nninit::layer_site site(layer_role role, nninit::index blocks, nninit::index width = 512, nninit::index ffn = 2048) {
  return nninit::layer_site{role, {}, 0, 0, nninit::transformer_structure{blocks, width, 8, ffn}};
}

}  // namespace transformer_rules_test

using transformer_rules_test::layer_role;

TEST_CASE("deepnet: alpha and beta of every row of Table 1, transformer.md §1's known answers") {
  using nninit::deepnet_architecture;
  using nninit::deepnet_stack;
  using nninit::deepnet_variant;
  using transformer_rules_test::quoted;
  // Encoder only; decoder only is the same function of M.
  const struct { nninit::index n; const char *alpha, *beta; } rows[] = {
      {6, "1.861210", "0.379918"}, {12, "2.213364", "0.319472"}, {100, "3.760603", "0.188030"}};
  for (const auto& r : rows) {
    CAPTURE(r.n);
    for (const auto arch : {deepnet_architecture::encoder, deepnet_architecture::decoder}) {
      const auto k = nninit::deepnet_coefficients(arch, arch == deepnet_architecture::encoder ? r.n : 0,
                                                  arch == deepnet_architecture::decoder ? r.n : 0);
      CHECK(quoted(k.alpha, r.alpha));
      CHECK(quoted(k.beta, r.beta));
    }
  }
  // The closed forms: N = 2 gives sqrt 2 and 16^(-1/4) = 0.5 exactly, N = 18 sqrt 6 and 1/sqrt 12.
  const auto two = nninit::deepnet_coefficients(deepnet_architecture::encoder, 2, 0);
  CHECK(std::abs(two.alpha - std::sqrt(2.0)) <= 1e-12);
  CHECK(two.beta == 0.5);
  const auto eighteen = nninit::deepnet_coefficients(deepnet_architecture::decoder, 0, 18);
  CHECK(std::abs(eighteen.alpha - std::sqrt(6.0)) <= 1e-12);
  CHECK(std::abs(eighteen.beta - 1 / std::sqrt(12.0)) <= 1e-12);
  // Encoder-decoder, N = M = 6 and N = M = 12: the encoder's alpha and beta (paper 0.87,
  // torchscale 1.15) and the decoder's.
  const auto enc = [](nninit::index n, deepnet_variant v) {
    return nninit::deepnet_coefficients(deepnet_architecture::encoder_decoder, n, n, deepnet_stack::encoder, v);
  };
  const auto dec = [](nninit::index n) {
    return nninit::deepnet_coefficients(deepnet_architecture::encoder_decoder, n, n, deepnet_stack::decoder);
  };
  CHECK(quoted(enc(6, deepnet_variant::paper).alpha, "1.417938"));
  CHECK(quoted(enc(6, deepnet_variant::paper).beta, "0.496989"));
  CHECK(quoted(enc(6, deepnet_variant::torchscale).beta, "0.656940"));
  CHECK(enc(6, deepnet_variant::torchscale).alpha == enc(6, deepnet_variant::paper).alpha);
  CHECK(quoted(dec(6).alpha, "2.059767"));
  CHECK(quoted(dec(6).beta, "0.343295"));
  CHECK(quoted(enc(12, deepnet_variant::paper).alpha, "1.760878"));
  CHECK(quoted(enc(12, deepnet_variant::paper).beta, "0.400198"));
  CHECK(quoted(enc(12, deepnet_variant::torchscale).beta, "0.528998"));
  CHECK(std::abs(dec(12).alpha - std::sqrt(6.0)) <= 1e-12);  // 36^(1/4)
  CHECK(std::abs(dec(12).beta - 1 / std::sqrt(12.0)) <= 1e-12);
}

TEST_CASE("deepnet: the std of every role, paper and torchscale, at d = 512, d_ff = 2048, N = 6 (transformer.md §1)") {
  using transformer_rules_test::quoted;
  using transformer_rules_test::site;
  const nninit::shape attn{512, 512}, fc1{2048, 512}, fc2{512, 2048};
  const auto std_of = [&](const nninit::initializer& rule, layer_role role, const nninit::shape& s) {
    return rule.for_layer(site(role, 6)).describe(s).std;
  };
  const nninit::initializer paper("deepnet");
  CHECK(paper.for_layer(site(layer_role::query, 6)).name() == "deepnet");
  CHECK(quoted(std_of(paper, layer_role::query, attn), "0.0441942"));
  CHECK(quoted(std_of(paper, layer_role::key, attn), "0.0441942"));
  CHECK(quoted(std_of(paper, layer_role::value, attn), "0.0167902"));
  CHECK(quoted(std_of(paper, layer_role::attention_out, attn), "0.0167902"));
  CHECK(quoted(std_of(paper, layer_role::ffn_in, fc1), "0.0106190"));
  CHECK(quoted(std_of(paper, layer_role::ffn_out, fc2), "0.0106190"));
  CHECK(paper.for_layer(site(layer_role::value, 6)).describe(attn).dist == nninit::distribution::normal);
  nninit::initializer torchscale("deepnet");
  torchscale.set("variant", "torchscale");
  CHECK(quoted(std_of(torchscale, layer_role::query, attn), "0.0255155"));
  CHECK(quoted(std_of(torchscale, layer_role::value, attn), "0.0096938"));
  CHECK(quoted(std_of(torchscale, layer_role::ffn_in, fc1), "0.0096938"));
  CHECK(quoted(std_of(torchscale, layer_role::ffn_out, fc2), "0.0048469"));
  const nninit::plan v = torchscale.for_layer(site(layer_role::value, 6)).describe(attn);
  CHECK(v.dist == nninit::distribution::uniform);
  CHECK(std::abs(v.hi - nninit::deepnet_coefficients(nninit::deepnet_architecture::encoder, 6, 0).beta / std::sqrt(512.0)) <= 1e-15);
  // The roles outside the blocks keep the base model's init: torch_default's rule (the token
  // table N(0, 1), positions N(0, 0.02^2)); torchscale's readout N(0, 1/d).
  CHECK(paper.for_layer(site(layer_role::embedding, 6)).name() == "normal");
  CHECK(paper.for_layer(site(layer_role::classifier, 6)).name() == "torch_default");
  CHECK(torchscale.for_layer(site(layer_role::classifier, 6)).describe({10, 512}).std == 1 / std::sqrt(512.0));
  // Biases: zero in the paper (fairseq's Linear); torchscale keeps PyTorch's default bias and its
  // name match divides v, o, fc1 and fc2's biases by 1/beta too, not q's or k's.
  CHECK_FALSE(paper.for_parameter(nninit::parameter_kind::bias, site(layer_role::value, 6)).torch_default);
  const auto bias = [&](layer_role r) { return torchscale.for_parameter(nninit::parameter_kind::bias, site(r, 6)); };
  CHECK(bias(layer_role::query).torch_default);
  CHECK(bias(layer_role::query).scale == 1);
  CHECK(bias(layer_role::ffn_out).torch_default);
  CHECK(quoted(bias(layer_role::ffn_out).scale, "0.379918"));
  CHECK(bias(layer_role::classifier).scale == 1);
}

TEST_CASE("deepnet and admin: the forward scalars they plan, post-LN, where every other scheme plans none") {
  const nninit::transformer_structure vit{12, 64, 4, 128};
  const nninit::transformer_scalars d = nninit::initializer("deepnet").scalars_for(vit);
  CHECK(d.form == nninit::block_norm::post);
  CHECK(std::abs(d.shortcut - std::pow(24.0, 0.25)) <= 1e-12);
  CHECK(d.branch == 1);
  CHECK_FALSE(d.fits("pre"));
  // Outside post-LN only when asked for explicitly (the issue's §5).
  nninit::initializer anywhere("deepnet");
  anywhere.set("any_norm", "true");
  CHECK(anywhere.scalars_for(vit).fits("pre"));
  CHECK(anywhere.scalars_for(vit).shortcut == d.shortcut);
  const nninit::transformer_scalars a = nninit::initializer("admin").scalars_for(vit);
  CHECK(a.form == nninit::block_norm::post);
  CHECK(transformer_rules_test::quoted(a.shortcut, "2.601286"));  // n = 2L = 24
  for (const char* plain : {"torch_default", "kaiming_normal", "gpt2", "fixup"}) {
    CAPTURE(plain);
    const nninit::transformer_scalars s = nninit::initializer(plain).scalars_for(vit);
    CHECK(s.form == nninit::block_norm::any);
    CHECK(s.shortcut == 1);
    CHECK(s.branch == 1);
  }
}

TEST_CASE("admin: omega for the three output-change settings, transformer.md §3's known answers") {
  using nninit::admin_output_change;
  using transformer_rules_test::quoted;
  CHECK(quoted(nninit::admin_omega(12), "2.017009"));
  CHECK(quoted(nninit::admin_omega(24), "2.601286"));
  CHECK(quoted(nninit::admin_omega(36), "3.040839"));
  CHECK(quoted(nninit::admin_omega(200), "6.074611"));
  CHECK(std::abs(nninit::admin_omega(12, admin_output_change::o_1) - std::sqrt(12.0)) <= 1e-12);
  CHECK(nninit::admin_omega(12, admin_output_change::o_n) == 1);
  nninit::initializer admin("admin");
  admin.set("sublayers", "36");
  CHECK(quoted(admin.scalars_for({6, 64, 4, 128}).shortcut, "3.040839"));  // the option wins over 2L
  // Admin keeps the base model's weights: the torch_default rule per role, its bound exact.
  const nninit::plan w = admin.for_layer(transformer_rules_test::site(layer_role::ffn_in, 6)).describe({2048, 512});
  CHECK(w.hi == doctest::Approx(1 / std::sqrt(512.0)).epsilon(1e-15));
}

TEST_CASE("deepnet and admin: bad input names the scheme, the argument and the value") {
  CHECK_THROWS_WITH_AS(nninit::deepnet_coefficients(nninit::deepnet_architecture::encoder, 0, 0),
                       doctest::Contains("encoder_layers"), nninit::init_error);
  CHECK_THROWS_WITH_AS(nninit::deepnet_coefficients(nninit::deepnet_architecture::encoder_decoder, 6, 0),
                       doctest::Contains("decoder_layers"), nninit::init_error);
  // A single weight without its depth: the plan refuses, naming the target's shape.
  CHECK_THROWS_WITH_AS(nninit::initializer("deepnet").describe({64, 64}), doctest::Contains("64x64"), nninit::init_error);
  CHECK_THROWS_WITH_AS(nninit::admin_omega(0), doctest::Contains("sublayers"), nninit::init_error);
  nninit::initializer admin("admin");
  CHECK_THROWS_WITH_AS(admin.set("output_change", "o_sqrt"), doctest::Contains("o_logn"), nninit::init_error);
  admin.set("sublayers", "-1");
  CHECK_THROWS_WITH_AS(admin.describe({8, 8}), doctest::Contains("sublayers"), nninit::init_error);
}
