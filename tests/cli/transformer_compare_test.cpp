// `nninit compare --arch vit|lm`: the attention diagnostics in the table, the JSON and the report;
// the language model's corpus, split and nats per character; bad input (exit 2, one nninit::
// line, no file). Small configurations that run in seconds; the training claims of the issue are
// in trainability_test.cpp (Release only).
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "tool_test_util.hpp"

using namespace cli_test;

namespace transformer_compare_test {

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

/// About 6 KB of English with a few bytes that are not UTF-8 (0xC3 0x28): the alphabet is bytes.
std::string corpus_text() {
  std::string text;
  const char* lines[] = {"The quick brown fox jumps over the lazy dog.\n", "A stitch in time saves nine.\n",
                         "All that glitters is not gold; caf\xC3\x28 au lait.\n", "%\n"};
  for (int i = 0; i < 40; ++i)
    for (const char* l : lines) text += l;
  return text;
}

std::vector<std::string> small_vit(std::vector<std::string> extra = {}, const char* depth = "2") {
  std::vector<std::string> args = {"compare", "--arch", "vit", "--depth", depth, "--width", "16", "--heads", "2",
                                   "--batch", "16", "--seeds", "1", "--train", "synthetic", "--steps", "4",
                                   "--train-batch", "8", "--schemes", "torch_default,gpt2"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace transformer_compare_test

namespace tc = transformer_compare_test;

TEST_CASE("compare --arch vit: token cosine, residual, entropy and the q/v gradient ratio per block, in every output") {
  const scratch_dir dir;
  const result r = run(tc::small_vit({"--json", dir / "v.json", "--report", dir / "v.html"}));
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find("nninit compare: vit 2 blocks, width 16, 2 heads, ffn 32, gelu, pre-layer norm") == 0);
  CHECK(r.out.find("probed on the first 16 training images of synthetic task") != std::string::npos);
  CHECK(r.out.find("token cos 0, L") != std::string::npos);
  CHECK(r.out.find("AdamW, lr 0.001") != std::string::npos);
  const json doc = parse_json(slurp(dir / "v.json"));
  CHECK(doc["config"]["transformer"]["form"].text == "pre");
  CHECK(doc["config"]["transformer"]["patch"].integer() == 7);
  REQUIRE(doc["runs"].items.size() == 2);
  for (const json& run : doc["runs"].items) {
    const json& tokens = run["tokens"];
    REQUIRE(tokens["stream"].items.size() == 3);  // embed, block0, block1
    CHECK(tokens["stream"].items[0]["name"].text == "embed");
    REQUIRE(tokens["entropy"].items.size() == 2);
    for (const json& block : tokens["entropy"].items) {
      REQUIRE(block.items.size() == 2);
      for (const json& e : block.items) {
        CHECK(e.number() > 0);
        CHECK(e.number() <= 1 + 1e-12);
      }
    }
    for (const json& t : tokens["stream"].items) {
      CHECK(std::abs(t["mean_cosine"].number()) <= 1);
      CHECK(t["relative_residual"].number() >= 0);
      CHECK(t["rms"].number() > 0);
    }
    CHECK(tokens["qv_gradient_ratio"].number() > 0);
    CHECK(run["train"]["steps"].integer() == 4);
    CHECK(run["jacobian"]["computed"].flag);  // 784 pixels in, 10 classes out
  }
  const std::string html = slurp(dir / "v.html");
  CHECK(html.find("token cosine") != std::string::npos);
  CHECK(html.find("attention entropy") != std::string::npos);
}

TEST_CASE("compare --arch vit --norm attention_only: tokens collapse to one within three blocks") {
  const scratch_dir dir;
  const result r = run(tc::small_vit({"--norm", "attention_only", "--json", dir / "v.json"}, "3"));
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find("attention only") != std::string::npos);
  CHECK(r.out.find("tokens collapse") != std::string::npos);
  const json doc = parse_json(slurp(dir / "v.json"));
  for (const json& run : doc["runs"].items) {
    const auto& stream = run["tokens"]["stream"].items;
    CHECK(stream.back()["mean_cosine"].number() > 0.999);
    CHECK(stream.back()["relative_residual"].number() < 1e-3);
  }
}

TEST_CASE("compare --arch lm: a corpus of bytes, its split, nats per character and no Jacobian for token ids") {
  const scratch_dir data, dir;
  const std::string text = tc::corpus_text();
  tc::write_bytes(data / "corpus.txt", text);
  const result r = run({"compare", "--arch", "lm", "--corpus", data / "corpus.txt", "--context", "8", "--depth", "2",
                        "--width", "16", "--heads", "2", "--batch", "8", "--seeds", "1", "--steps", "5",
                        "--train-batch", "4", "--validation-windows", "4", "--tied", "--rms", "--json", dir / "l.json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find("tied readout") != std::string::npos);
  CHECK(r.out.find("post-rms") == std::string::npos);
  CHECK(r.out.find("pre-rms norm") != std::string::npos);
  CHECK(r.out.find(data / "corpus.txt") != std::string::npos);
  CHECK(r.out.find("val nats/char") != std::string::npos);
  const json doc = parse_json(slurp(dir / "l.json"));
  const json& cfg = doc["config"]["transformer"];
  const std::string distinct = [&] {
    std::string seen;
    for (char ch : text)
      if (seen.find(ch) == std::string::npos) seen += ch;
    return std::to_string(seen.size());
  }();
  CHECK(cfg["vocabulary"].integer() == std::stoll(distinct));
  const auto held_out = static_cast<long long>(static_cast<double>(text.size()) * 0.1);
  CHECK(cfg["split"].text == "the first " + std::to_string(text.size() - held_out) + " bytes train, the last " +
                                 std::to_string(held_out) + " validate");
  for (const json& run : doc["runs"].items) {
    CHECK(run["jacobian"]["note"].text == "not computed: the input is token ids");
    const double nats = run["train"]["epochs"].items.back()["test_loss"].number();
    CHECK(nats > 0);  // after 5 steps from N(0, 1) tables read back through the tied readout: ~13
    CHECK(std::isfinite(nats));
    CHECK(run["tokens"]["entropy"].items.size() == 2);
  }
}

TEST_CASE("compare --arch vit|lm: bad input exits with 2, one nninit:: line, and writes no file") {
  const scratch_dir data;
  tc::write_bytes(data / "empty.txt", "");
  tc::write_bytes(data / "binary.txt", std::string("abc\0def", 7));
  tc::write_bytes(data / "short.txt", std::string(100, 'x') + "y");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--arch", "vit", "--heads", "5"}, "nninit::compare: heads must be a divisor of the width 64, got 5"},
      {{"--arch", "vit", "--heads", "0"}, "nninit::compare: heads must be an integer in [1, 64], got 0"},
      {{"--arch", "vit", "--depth", "0"}, "nninit::compare: depth must be an integer in [1, 10000], got 0"},
      {{"--arch", "lm", "--width", "0"}, "nninit::compare: width must be an integer in [1, 65536], got 0"},
      {{"--arch", "vit", "--patch", "5"}, "nninit::compare: patch must be a divisor of the image side 28 (1, 2, 4, 7, 14, 28), got 5"},
      {{"--arch", "vit", "--norm", "batch"},
       "nninit::compare: norm must be one of post, pre, none, attention_only for a transformer, got 'batch'"},
      {{"--arch", "vit", "--schemes", "lsuv"},
       "nninit::compare: schemes must be schemes without data-dependent calibration for a transformer, got lsuv"},
      {{"--arch", "vit", "--schemes", "dirac"}, "nninit::dirac:"},
      {{"--arch", "vit", "--schemes", "torch_default,deepnet"}, "nninit::compare: norm must be post for scheme deepnet, got pre"},
      {{"--arch", "lm", "--norm", "none", "--schemes", "admin"}, "nninit::compare: norm must be post for scheme admin, got none"},
      {{"--arch", "vit", "--norm", "post", "--schemes", "deepnet:variant=xavier"}, "nninit::deepnet: variant must be one of"},
      {{"--arch", "lm", "--schemes", "dirac"}, "nninit::dirac:"},
      {{"--arch", "vit", "--beta2", "1"}, "nninit::compare: beta2 must be in [0, 1), got 1"},
      {{"--arch", "vit", "--eps", "0"}, "nninit::compare: eps must be finite and > 0, got 0"},
      {{"--arch", "lm", "--train-samples", "100"}, "nninit::compare: train-samples must be not given for --arch lm"},
      {{"--steps", "10"}, "nninit::compare: steps must be given only with --arch vit or lm (use --train-samples), got 10"},
      {{"--rms"}, "nninit::compare: rms must be given only with --arch vit or lm, got given"},
      {{"--arch", "lm", "--corpus", data / "missing"},
       "nninit::corpus: the corpus must be an existing file or directory, got nothing there, for " + data / "missing"},
      {{"--arch", "lm", "--corpus", data / "empty.txt"}, "nninit::corpus: the corpus must be at least 2 bytes, got 0, for "},
      {{"--arch", "lm", "--corpus", data / "binary.txt"},
       "nninit::corpus: a corpus file must be text (no NUL byte), got a NUL byte at offset 3, for "},
      {{"--arch", "lm", "--corpus", data / "short.txt"},
       "nninit::compare: context must be shorter than the corpus's smaller split (10 bytes), got 64"},
  };
  for (const auto& [args, message] : cases) check_compare_refuses(args, message);
}
