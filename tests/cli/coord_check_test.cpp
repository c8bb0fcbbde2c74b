// `nninit coord-check`: the μP coordinate check in width and depth and the learning-rate transfer
// grid (tools/nninit/coord_check.cpp). A small run of every output in every build; the issue's
// claims (SP flagged, μP flat, CompleteP flatter in depth, the best learning rate moving under SP
// only) on the default sweeps in the Release build; bad input (exit 2, one nninit:: line, no file).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "tool_test_util.hpp"

using namespace cli_test;

namespace coord_check_test {

/// A few KB of English, enough windows for a one-batch check.
std::string small_corpus(const scratch_dir& dir) {
  const std::string path = dir / "corpus.txt";
  std::ofstream out(path, std::ios::binary);
  for (int i = 0; i < 60; ++i) out << "The quick brown fox jumps over the lazy dog. A stitch in time saves nine.\n";
  return path;
}

json check(std::vector<std::string> args, const scratch_dir& dir) {
  args.insert(args.begin(), "coord-check");
  args.insert(args.end(), {"--json", dir / "c.json"});
  const result r = run(args);
  REQUIRE_MESSAGE(r.code == 0, r.err);
  MESSAGE(r.out);
  return parse_json(slurp(dir / "c.json"));
}

const json& scheme_of(const json& doc, const std::string& label) {
  for (const json& s : doc["schemes"].items)
    if (s["scheme"].text == label) return s;
  FAIL("no scheme " << label);
  return doc;
}

/// The largest |slope| at t >= 2 over the scheme's layers.
double largest_slope(const json& scheme) {
  double worst = 0;
  for (const json& layer : scheme["layers"].items)
    for (std::size_t t = 1; t < layer["slope"].items.size(); ++t)
      if (layer["slope"].items[t].type == json::kind::number) worst = std::max(worst, std::abs(layer["slope"].items[t].number()));
  return worst;
}

bool flagged(const json& scheme, const std::string& layer) {
  for (const json& l : scheme["layers"].items)
    if (l["layer"].text == layer) return l["flagged"].flag;
  FAIL("no layer " << layer);
  return false;
}

}  // namespace coord_check_test

namespace cc = coord_check_test;

TEST_CASE("coord-check: a small width sweep writes the table, the JSON and a report with one panel per step") {
  const scratch_dir dir;
  const std::string corpus = cc::small_corpus(dir);
  const result r = run({"coord-check", "--widths", "16,32", "--seeds", "1", "--steps", "2", "--batch", "4", "--context", "16",
                        "--corpus", corpus, "--json", dir / "c.json", "--report", dir / "c.html"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find("nninit coord-check: character LM on " + corpus) == 0);
  CHECK(r.out.find("block0.ffn_out") != std::string::npos);
  CHECK(r.out.find("torch_default: ") != std::string::npos);
  const json doc = parse_json(slurp(dir / "c.json"));
  CHECK(doc["vary"].text == "width");
  REQUIRE(doc["widths"].items.size() == 2);
  REQUIRE(doc["schemes"].items.size() == 2);
  CHECK(doc["schemes"].items[1]["scheme"].text == "mup:zero_readout=true");
  for (const json& s : doc["schemes"].items) {
    REQUIRE(s["layers"].items.size() == 18);  // embed, positions, 2 x 7 in the blocks, final norm, readout
    for (const json& layer : s["layers"].items) {
      CHECK(layer["slope"].items.size() == 2);
      REQUIRE(layer["mean_abs"].items.size() == 2);
      CHECK(layer["mean_abs"].items[1].items.size() == 2);
    }
  }
  const std::string html = slurp(dir / "c.html");
  CHECK(html.find("t = 1 (initialization)") != std::string::npos);
  CHECK(html.find("t = 2") != std::string::npos);
  CHECK(html.find("<svg") != std::string::npos);
}

TEST_CASE("coord-check: under standard parametrization with Adam the hidden layers grow with width after one step, under μP none") {
  if (test::skip_when_sanitized()) return;
  const scratch_dir dir;
  if (!std::ifstream("/usr/share/games/fortunes/fortunes")) {
    test::skip("Debian's fortunes corpus is not installed (apt install fortunes)");
    return;
  }
  // The default but for width 1024 (which costs more than the rest together): widths 64 ... 512,
  // 2 blocks, 3 steps of AdamW at 1e-2 on one batch, 3 seeds. Measured: torch_default 11 of 18
  // layers flagged (slopes up to 1.4 at t = 3; with 1024, 1.65: the attention and FFN outputs
  // grow about like width); mup with zero readout none (largest |slope| 0.08; with 1024, 0.06).
  // mup's default readout (std / width_mult, no zero init) leaves the logits at -0.22 at t = 2
  // over 64 ... 1024: its initial term shrinks like width^-1/2 (the mup README's reason to zero it).
  const json doc = cc::check({"--widths", "64,128,256,512"}, dir);
  const json& sp = cc::scheme_of(doc, "torch_default");
  for (const char* hidden : {"block0.attn.o", "block0.ffn_out", "block1.attn.o", "block1.ffn_out"}) {
    CAPTURE(hidden);
    CHECK(cc::flagged(sp, hidden));
  }
  CHECK(sp["flagged"].integer() >= 8);
  const json& mup = cc::scheme_of(doc, "mup:zero_readout=true");
  CHECK(mup["flagged"].integer() == 0);
  CHECK(cc::largest_slope(mup) < 0.15);
}

TEST_CASE("coord-check --vary depth: CompleteP's alpha = 1 is flatter in depth than alpha = 0") {
  if (test::skip_when_sanitized()) return;
  if (!std::ifstream("/usr/share/games/fortunes/fortunes")) {
    test::skip("Debian's fortunes corpus is not installed (apt install fortunes)");
    return;
  }
  // Depths 2 ... 32 at width 128. Measured: alpha = 0 largest |slope| 1.04 (ffn_out at t = 3, 5 of
  // 11 kinds flagged), alpha = 1 0.37 (2 flagged).
  const scratch_dir dir;
  const json doc = cc::check({"--vary", "depth"}, dir);
  const double flat = cc::largest_slope(cc::scheme_of(doc, "completep")), steep = cc::largest_slope(cc::scheme_of(doc, "completep:alpha=0"));
  CHECK(flat < 0.5 * steep);
  CHECK(cc::scheme_of(doc, "completep")["flagged"].integer() < cc::scheme_of(doc, "completep:alpha=0")["flagged"].integer());
}

TEST_CASE("coord-check --vary lr: the best learning rate moves with width under SP and stays put under μP") {
  if (test::skip_when_sanitized()) return;
  if (!std::ifstream("/usr/share/games/fortunes/fortunes")) {
    test::skip("Debian's fortunes corpus is not installed (apt install fortunes)");
    return;
  }
  // Widths 32, 64, 128 of the default 32 ... 256 (the widest run is half the time) and the four
  // largest of the five learning rates (1e-4 is never best), 200 steps. Measured: SP best 0.01,
  // 0.003, 0.003 (1 grid step; on the default grid 0.01, 0.003, 0.003, 0.001: 2); μP 0.003 at
  // every width.
  const scratch_dir dir;
  const json doc = cc::check({"--vary", "lr", "--widths", "32,64,128", "--lrs", "3e-4,1e-3,3e-3,1e-2"}, dir);
  CHECK(cc::scheme_of(doc, "torch_default")["grid_steps_moved"].integer() >= 1);
  CHECK(cc::scheme_of(doc, "mup:zero_readout=true")["grid_steps_moved"].integer() == 0);
}

TEST_CASE("coord-check: bad input exits with 2, one nninit:: line, and writes no file") {
  const scratch_dir data;
  const std::string corpus = cc::small_corpus(data);
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--vary", "height"}, "nninit::coord-check: vary must be width, depth or lr, got 'height'"},
      {{"--widths", "64"}, "nninit::coord-check: widths must be two or more integers separated by commas, got '64'"},
      {{"--widths", "64,0"}, "nninit::coord-check: widths must be values in [1, 4096], got 0"},
      {{"--widths", "128,64"}, "nninit::coord-check: widths must be increasing values, got '128,64'"},
      {{"--vary", "depth", "--depths", "0,2"}, "nninit::coord-check: depths must be values in [1, 256], got 0"},
      {{"--widths", "64,96", "--heads", "5"}, "nninit::coord-check: heads must be a divisor of every width (64), got 5"},
      {{"--steps", "0"}, "nninit::coord-check: steps must be an integer in [1, 1000], got 0"},
      {{"--lr", "0"}, "nninit::coord-check: lr must be finite and > 0, got 0"},
      {{"--vary", "lr", "--lrs", "0.1,x"}, "nninit::coord-check: lrs must be positive numbers separated by commas, got '0.1,x'"},
      {{"--optimizer", "adam"}, "nninit::coord-check: optimizer must be adamw or sgd, got 'adam'"},
      {{"--schemes", "torch_default,torch_default"}, "nninit::coord-check: schemes must be distinct entries, got 'torch_default'"},
      {{"--schemes", "nope"}, "nninit::initializer: scheme must be one of"},
      {{"--schemes", "completep:alpha=2"}, "nninit::completep: alpha must be in [0, 1], got 2"},
      {{"--schemes", "completep:alpha=nan"}, "nninit::completep: alpha must be in [0, 1], got nan"},
      {{"--schemes", "mup:base_width=4096"}, "nninit::mup: base_width must be <= the model's width 16"},
      {{"--vary", "depth", "--depths", "2,4", "--schemes", "completep:base_depth=3"}, "nninit::completep: base_depth must be <= the model's depth 2"},
      {{"--schemes", "deepnet"}, "nninit::deepnet: block form must be post"},
      {{"--schemes", "mimetic:alpha1=-1"}, "nninit::mimetic: alpha1 must be"},
      {{"--set", "mup.base_width"}, "nninit::coord-check: set must be SCHEME.OPTION=VALUE, got 'mup.base_width'"},
      {{"--corpus", data / "missing"}, "nninit::corpus: the corpus must be an existing file or directory"},
  };
  for (const auto& [args_, message] : cases) {
    const auto& args = args_;  // clang 14 cannot capture a structured binding in a lambda
    const scratch_dir dir;
    std::vector<std::string> all = {"coord-check", "--json", dir / "c.json", "--report", dir / "c.html"};
    all.insert(all.end(), args.begin(), args.end());
    const auto given = [&](const char* option) { return std::find(args.begin(), args.end(), option) != args.end(); };
    if (!given("--widths")) all.insert(all.end(), {"--widths", "16,32"});  // small models, a small corpus
    if (!given("--corpus")) all.insert(all.end(), {"--corpus", corpus});
    check_refuses(all, message, dir);
  }
}
