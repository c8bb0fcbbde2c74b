// `nninit describe SCHEME --arch vit|lm`: a transformer's whole plan under a network rule, from
// its structure alone (tools/nninit/describe.cpp): every role's std per block, the forward
// scalars and the optimizer multipliers, in text and JSON, equal to the library's own answers;
// bad input.
#include <doctest/doctest.h>

#include <cmath>
#include <nninit/nninit.hpp>
#include <string>
#include <vector>

#include "tool_test_util.hpp"

using namespace cli_test;

TEST_CASE("describe --arch lm: every role's plan, the scalars and the AdamW multipliers, as the library plans them") {
  const result r = run({"describe", "completep", "--arch", "lm", "--depth", "8", "--width", "256", "--heads", "4", "--set",
                        "base_depth=2", "--set", "base_width=64", "--json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  const json doc = parse_json(r.out);
  CHECK(doc["scheme"].text == "completep");
  CHECK(doc["scalars"]["form"].text == "pre");
  CHECK(doc["scalars"]["branch"].number() == 0.25);           // (8/2)^-1
  CHECK(doc["scalars"]["attention_scale"].number() == 1.0 / 64);  // 1/d_head
  CHECK(doc["scalars"]["logits"].number() == 0.25);           // 1/m_d
  nninit::initializer rule("completep");
  rule.set("base_depth", "2");
  rule.set("base_width", "64");
  const nninit::transformer_structure net{8, 256, 4, 512};
  bool saw_ffn_out = false;
  for (const json& p : doc["parameters"].items) {
    if (p["kind"].text != "weight" || p["blocks"].type == json::kind::null) continue;
    CAPTURE(p["role"].text);
    // One row for blocks 0-7: completep's plan does not depend on the block.
    CHECK(p["blocks"].items[0].integer() == 0);
    CHECK(p["blocks"].items[1].integer() == 7);
    const auto role = nninit::detail::parse_enum<nninit::layer_role>(p["role"].text);
    REQUIRE(role);
    const nninit::layer_site site{*role, {16, 2}, 0, 0, net};
    const nninit::shape s{p["shape"].items[0].integer(), p["shape"].items[1].integer()};
    CHECK(p["std"].number() == rule.for_layer(site).describe(s).std);
    const auto g = rule.optimizer_for(nninit::parameter_kind::weight, site, nninit::optimizer_family::adam);
    CHECK(p["lr"].number() == g.learning_rate);
    CHECK(p["eps"].number() == g.eps);
    CHECK(p["weight_decay"].number() == g.weight_decay);
    saw_ffn_out = saw_ffn_out || *role == nninit::layer_role::ffn_out;
  }
  CHECK(saw_ffn_out);
}

TEST_CASE("describe --arch vit: a rule that depends on the block gets a row per block in the text table") {
  const result r = run({"describe", "olmo_mitchell", "--arch", "vit", "--depth", "3", "--width", "32", "--heads", "2"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find("vit, 3 blocks, width 32, 2 heads, ffn 64, pre norm, under olmo_mitchell's rule") == 0);
  // attention_out: 1/sqrt(2 d (l+1)) per block l, so blocks 0, 1 and 2 are separate rows.
  for (const char* block : {"attention_out  weight     0 ", "attention_out  weight     1 ", "attention_out  weight     2 "})
    CHECK(r.out.find(block) != std::string::npos);
  CHECK(r.out.find("query          weight     0-2") != std::string::npos);
  CHECK(r.out.find("forward: block form any, shortcut x1, branch x1, attention scale 1/sqrt(d_head)") != std::string::npos);
}

TEST_CASE("describe --arch: bad input exits with 2 and one nninit:: line") {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"describe", "gpt2", "--arch", "cnn"}, "nninit::describe: arch must be vit or lm, got 'cnn'"},
      {{"describe", "gpt2", "--arch", "lm", "--shape", "4,4"}, "nninit::describe: shape must be not given with --arch"},
      {{"describe", "gpt2", "--arch", "lm", "--depth", "0"}, "nninit::describe: depth must be an integer in [1, 10000], got 0"},
      {{"describe", "gpt2", "--arch", "lm", "--heads", "3"}, "nninit::describe: heads must be a divisor of the width 64, got 3"},
      {{"describe", "deepnet", "--arch", "vit"}, "nninit::describe: norm must be post for scheme deepnet, got pre"},
      {{"describe", "completep", "--arch", "lm", "--set", "alpha=-0.5"}, "nninit::completep: alpha must be in [0, 1], got -0.5"},
      {{"describe", "completep", "--arch", "lm", "--set", "base_width=128"}, "nninit::completep: base_width must be <= the model's width 64"},
      {{"describe", "mimetic", "--arch", "lm", "--set", "beta2=inf"}, "nninit::mimetic: beta2 must be"},
      {{"describe", "t_fixup", "--arch", "lm", "--norm", "pre"}, "nninit::describe: norm must be none for scheme t_fixup, got pre"},
  };
  for (const auto& [args_, message] : cases) {
    const auto& args = args_;  // clang 14 cannot capture a structured binding (INFO does)
    const result r = run(args);
    INFO(joined(args), "\n", r.err);
    CHECK(r.code == 2);
    CHECK(r.err.rfind(message, 0) == 0);
    CHECK(lines_of(r.err).size() == 1);
    CHECK(r.out.empty());
  }
}
