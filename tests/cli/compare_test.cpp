// Tests of `nninit compare`: the table, the JSON and the report of small, fast configurations;
// byte-stable outputs whatever the thread count; overflow reported as null; bad input.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "chromium_screenshot.hpp"
#include "tool_test_util.hpp"

using namespace cli_test;

namespace {

/// A configuration small enough to run in a second: two activations, three schemes, a short
/// training run on the synthetic task.
std::vector<std::string> small(std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"compare", "--depth", "6", "--width", "24", "--batch", "32", "--activation",
                                   "relu,tanh", "--schemes", "xavier_normal,kaiming_normal,orthogonal:gain=1.5",
                                   "--train", "synthetic", "--train-width", "16", "--train-samples", "600",
                                   "--train-batch", "50", "--lr", "0.05"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

/// The text of every <th> (or <td>) of each row of the report's first table, the summary.
std::vector<std::vector<std::string>> summary_cells(const std::string& html, const std::string& tag) {
  std::vector<std::vector<std::string>> rows;
  const std::size_t end = html.find("</table>");
  for (std::size_t tr = html.find("<tr>"); tr < end; tr = html.find("<tr>", tr + 1)) {
    std::vector<std::string> cells;
    const std::size_t tr_end = html.find("</tr>", tr);
    for (std::size_t at = html.find("<" + tag, tr); at < tr_end; at = html.find("<" + tag, at + 1)) {
      const std::size_t text = html.find('>', at) + 1;
      cells.push_back(html.substr(text, html.find("</" + tag + ">", text) - text));
    }
    if (!cells.empty()) rows.push_back(cells);
  }
  return rows;
}

}  // namespace

TEST_CASE("compare: the table names every run, and the JSON holds every layer, the Jacobian and training") {
  const scratch_dir dir;
  const result r = run(small({"--json", dir / "c.json", "--seeds", "2"}));
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find("nninit compare: mlp depth 6, width 24, relu") == 0);
  CHECK(r.out.find("synthetic task") != std::string::npos);  // said clearly
  CHECK(r.out.find("orthogonal:gain=1.5") != std::string::npos);
  CHECK(r.out.find("command: nninit compare --depth 6") != std::string::npos);

  const json doc = parse_json(slurp(dir / "c.json"));
  CHECK(doc["config"]["seeds"].integer() == 2);
  const json& runs = doc["runs"];
  REQUIRE(runs.items.size() == 6);
  for (const json& run : runs.items) {
    CHECK(run["finite"].flag);
    REQUIRE(run["layers"].items.size() == 6);
    CHECK(run["layers"].items[0]["forward_ratio"].number() == 1);
    CHECK(run["jacobian"]["computed"].flag);
    CHECK(run["jacobian"]["singular_values"].items.size() == 24);
    CHECK(run["weights"].items.size() == 6);
  }
  CHECK(runs.items[2]["options"]["gain"].text == "1.5");
  // Every (activation, scheme) trains the network it probed: same depth and activation, the
  // data in, a classifier out.
  for (const json& run : runs.items) {
    const json& train = run["train"];
    CHECK(train["synthetic"].flag);
    CHECK(train["model"].text.rfind("mlp depth 6, width 16, " + run["activation"].text + ", bias, 784 -> 10", 0) == 0);
    REQUIRE(train["epochs"].items.size() == 1);
    // 12 steps: a point each (compare asks for about 60 points a curve); the final train loss is
    // the mean of the last 50 steps, here all 12.
    const auto& curve = train["loss_curve"].items;
    REQUIRE(curve.size() == 12);
    double sum = 0;
    for (const json& p : curve) sum += p["loss"].number();
    CHECK(train["final_train_loss"].number() == doctest::Approx(sum / 12).epsilon(1e-12));
    CHECK(train["steps"].integer() == 12);
    CHECK(train["lsuv"].is_null());
  }
  const double acc = runs.items[1]["train"]["epochs"].items[0]["test_accuracy"].number();
  CHECK(acc > 0.1);  // better than chance on a learnable task
  CHECK(acc <= 1);
  CHECK(doc["config"]["training"]["examples"].integer() == 600);
  CHECK(doc["config"]["training"]["optimizer"].text == "sgd");
  CHECK(doc["config"]["training"]["lr"].number() == 0.05);
  CHECK(r.out.find("the first 600 of 12000 training examples") != std::string::npos);
}

TEST_CASE("compare: lsuv, skipinit, fixup and zero_gamma on a residual MLP with batch norm, lsuv's calibration in the JSON") {
  const scratch_dir dir;
  const result r = run({"compare", "--arch", "resmlp", "--depth", "4", "--width", "16", "--batch", "32", "--norm", "batch",
                        "--activation", "relu", "--schemes", "lsuv,skipinit,fixup,zero_gamma", "--train", "synthetic",
                        "--train-samples", "600", "--train-batch", "50", "--calibration-batch", "100", "--json", dir / "r.json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find("resmlp 4 blocks x 2 layers, width 16, relu, batch norm") != std::string::npos);
  CHECK(r.out.find("lsuv calibration (relu, trained network): 10 layers") != std::string::npos);
  CHECK(r.out.find("lsuv calibrated on the first 100 training examples") != std::string::npos);
  const json doc = parse_json(slurp(dir / "r.json"));
  CHECK(doc["config"]["norm"].text == "batch");
  CHECK(doc["config"]["calibration_batch"].integer() == 100);
  CHECK(doc["config"]["training"]["lr"].number() == 0.01);  // the residual MLP's default SGD rate
  const json& lsuv = doc["runs"].items[0];
  REQUIRE_FALSE(lsuv["lsuv"].is_null());  // the probed network's calibration, on N(0, 1) inputs
  CHECK(lsuv["lsuv"]["layers"].items.size() == 9);  // stem and 4 x 2 branch layers
  for (const json& layer : lsuv["train"]["lsuv"]["layers"].items) {
    CHECK(layer["converged"].flag);
    CHECK(std::abs(layer["variance"].number() - 1) < 0.1);
  }
  // skipinit's and fixup's networks carry their branch scalars; zero_gamma's does not need them.
  CHECK(doc["runs"].items[1]["model"].text.find("branch multipliers") != std::string::npos);
  CHECK(doc["runs"].items[2]["model"].text.find("scalar biases and multipliers") != std::string::npos);
  CHECK(doc["runs"].items[3]["model"].text.find("multiplier") == std::string::npos);
  // skipinit: every block starts as the identity, so the stream keeps the stem's second moment.
  CHECK(doc["runs"].items[1]["verdict"].text == "stable");
}

TEST_CASE("compare: AdamW with warm-up, cosine decay, clipping and weight decay, recorded in the outputs") {
  const scratch_dir dir;
  const result r = run(small({"--optimizer", "adamw", "--warmup", "3", "--cosine", "--clip", "1", "--weight-decay", "0.01",
                              "--activation", "relu", "--json", dir / "a.json"}));
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find("AdamW, lr 0.05, betas 0.9/0.999, eps 1e-08, weight decay 0.01 (weights), 3 warm-up steps, cosine "
                   "decay, gradients clipped to norm 1") != std::string::npos);
  const json t = parse_json(slurp(dir / "a.json"))["config"]["training"];
  CHECK(t["optimizer"].text == "adamw");
  CHECK(t["warmup"].integer() == 3);
  CHECK(t["cosine"].flag);
  CHECK(t["clip"].number() == 1);
  CHECK(t["weight_decay"].number() == 0.01);
}

TEST_CASE("compare: a diverging run is marked with its step and stops alone, a dead network is stuck at chance") {
  const scratch_dir dir;
  const result r = run({"compare", "--depth", "6", "--width", "64", "--batch", "16", "--activation", "relu", "--schemes",
                        "normal:std=0.001,kaiming_normal,normal:std=3", "--train", "synthetic", "--train-samples", "2000",
                        "--train-batch", "50", "--lr", "0.05", "--json", dir / "d.json", "--report", dir / "d.html"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  const json doc = parse_json(slurp(dir / "d.json"));
  const json& dead = doc["runs"].items[0]["train"];   // std 0.001: (0.001^2 * 64 / 2)^6 of the signal reaches the top
  const json& he = doc["runs"].items[1]["train"];     // 37 % after 40 steps
  const json& blown = doc["runs"].items[2]["train"];  // std 3: 5e14 times the signal, the logits overflow float at once
  CHECK(dead["outcome"].text == "stuck at chance");
  CHECK(std::abs(dead["final_train_loss"].number() - std::log(10.0)) <= 0.01 * std::log(10.0));
  CHECK(he["outcome"].text.empty());
  CHECK(he["steps"].integer() == 40);
  CHECK(he["epochs"].items[0]["test_accuracy"].number() > 0.25);
  CHECK(blown["diverged"].flag);
  CHECK(blown["outcome"].text == "diverged at step " + std::to_string(blown["diverged_step"].integer()));
  CHECK(blown["final_train_loss"].is_null());
  CHECK(r.out.find("diverged at step") != std::string::npos);
  CHECK(r.out.find("stuck at chance") != std::string::npos);
  // The report plots each activation's training losses, the diverged line ending in a cross.
  const std::string html = slurp(dir / "d.html");
  CHECK(html.find("relu: training") != std::string::npos);
  CHECK(html.find("training loss") != std::string::npos);
}

TEST_CASE("compare: sine and gaussian INR activations, with the variance map of every scheme") {
  const scratch_dir dir;
  result r = run({"compare", "--activation", "sine", "--schemes", "siren,vi3nr,xavier_uniform", "--depth", "6", "--width",
                  "32", "--batch", "32", "--train", "none", "--json", dir / "s.json", "--report", dir / "s.html"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find("map slope") != std::string::npos);
  json doc = parse_json(slurp(dir / "s.json"));
  REQUIRE(doc["runs"].items.size() == 3);
  for (const json& run : doc["runs"].items) CHECK(run["activation"].text == "sine:30");
  // vi3nr takes the run's activation and keeps sigma_p = 1 at a stable fixed point; its first
  // layer reads the N(0, 1) inputs, so E[z_1^2] = 1.
  const json& vi3nr = doc["runs"].items[1];
  CHECK(vi3nr["variance_map"]["verdict"].text == "stable");
  CHECK(vi3nr["variance_map"]["fixed_point_std"].number() == 1);
  CHECK(vi3nr["variance_map"]["gradient_growth"].number() == doctest::Approx(900).epsilon(1e-9));
  CHECK(vi3nr["layers"].items[0]["forward_second_moment"].number() == doctest::Approx(1).epsilon(0.25));
  CHECK(doc["runs"].items[0]["variance_map"]["verdict"].text == "stable");  // siren: sin is bounded
  CHECK(slurp(dir / "s.html").find("map slope") != std::string::npos);

  r = run({"compare", "--activation", "gaussian,gelu", "--schemes", "vi3nr,xavier_normal", "--depth", "6", "--width", "32",
           "--batch", "32", "--train", "none", "--json", dir / "g.json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  doc = parse_json(slurp(dir / "g.json"));
  REQUIRE(doc["runs"].items.size() == 4);
  CHECK(doc["runs"].items[0]["variance_map"]["verdict"].text == "stable");    // vi3nr, gaussian: slope -1/3
  CHECK(doc["runs"].items[0]["variance_map"]["slope"].number() == doctest::Approx(-1.0 / 3).epsilon(1e-9));
  CHECK(doc["runs"].items[2]["variance_map"]["verdict"].text == "unstable");  // vi3nr, gelu: 1.144
  CHECK(doc["runs"].items[3]["variance_map"]["verdict"].text == "decays");    // xavier, gelu
  CHECK(r.out.find("1.14 unstable") != std::string::npos);
}

TEST_CASE("compare: the report and the JSON are byte-stable and do not depend on the thread count") {
  const scratch_dir dir;
  const result a = run(small({"--report", dir / "a.html", "--threads", "1"}));
  const result b = run(small({"--report", dir / "b.html", "--threads", "3"}));
  REQUIRE_MESSAGE(a.code == 0, a.err);
  REQUIRE_MESSAGE(b.code == 0, b.err);
  const std::string ha = slurp(dir / "a.html"), hb = slurp(dir / "b.html");
  // The command differs (the file name and --threads); everything else is identical.
  const auto without_command = [](std::string html) {
    const auto pre = html.find("nninit compare --depth");
    const auto end = html.find('<', pre);
    return html.erase(pre, end - pre);
  };
  CHECK(without_command(ha) == without_command(hb));
  CHECK(ha.find("<svg") != std::string::npos);
  CHECK(ha.find("<script") == std::string::npos);
  CHECK(ha.find("forward variance") != std::string::npos);
  CHECK(ha.find("training loss") != std::string::npos);
  CHECK(dir.entries() == std::vector<std::string>{"a.html", "b.html"});
  // The summary: one non-empty heading per column, as many as every row has cells.
  const auto heads = summary_cells(ha, "th"), rows = summary_cells(ha, "td");
  REQUIRE(heads.size() == 1);
  CHECK(rows.size() == 6);  // 2 activations x 3 schemes
  for (const auto& h : heads[0]) CHECK_FALSE(h.empty());
  for (const auto& row : rows) CHECK(row.size() == heads[0].size());
}

TEST_CASE("compare: a residual MLP of 100 blocks explodes under kaiming_normal and keeps its input's second moment under fixup") {
  const scratch_dir dir;
  const result r = run({"compare", "--arch", "resmlp", "--depth", "100", "--width", "32", "--batch", "16", "--activation",
                        "relu", "--schemes", "kaiming_normal,fixup", "--train", "none", "--json", dir / "r.json",
                        "--report", dir / "r.html"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find("signal and gradient explode") != std::string::npos);
  const json doc = parse_json(slurp(dir / "r.json"));
  const json& he = doc["runs"].items[0];
  const json& fixup = doc["runs"].items[1];
  REQUIRE(he["layers"].items.size() == 201);  // the stem, then fc1 and the output of each block
  CHECK(he["layers"].items.back()["forward_ratio"].number() > 1e20);
  CHECK(he["second_moment_ratio"].number() > 1e20);
  CHECK(fixup["verdict"].text == "stable");
  CHECK(fixup["second_moment_ratio"].number() >= 0.5);
  CHECK(fixup["second_moment_ratio"].number() <= 2);
  CHECK(fixup["layers"].items[1]["in_branch"].flag);
  const std::string html = slurp(dir / "r.html");
  CHECK(html.find("fixup") != std::string::npos);
  CHECK(html.find("kaiming_normal") != std::string::npos);
}

TEST_CASE("compare: an overflowing signal is null in the JSON, flagged, and named in the table") {
  const scratch_dir dir;
  const result r = run({"compare", "--depth", "120", "--width", "8", "--batch", "8", "--activation", "linear",
                        "--schemes", "normal:std=100", "--train", "none", "--json", dir / "o.json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find("overflow at fc") != std::string::npos);
  const std::string text = slurp(dir / "o.json");
  CHECK(text.find("NaN") == std::string::npos);
  CHECK(text.find("inf") == std::string::npos);
  const json run0 = parse_json(text)["runs"].items[0];
  CHECK_FALSE(run0["finite"].flag);
  CHECK(run0["first_non_finite"].text.rfind("fc", 0) == 0);
  CHECK(run0["layers"].items.back()["forward_var"].is_null());
  CHECK(run0["layers"].items[0]["forward_var"].number() > 0);
  CHECK_FALSE(run0["jacobian"]["computed"].flag);
}

TEST_CASE("compare: bad input exits with 2, one nninit:: line, and writes no file") {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--arch", "transformer"}, "nninit::compare: arch must be one of mlp, resmlp, resnet, vit, lm, got 'transformer'"},
      {{"--depth", "0"}, "nninit::compare: depth must be an integer in [1, 10000], got 0"},
      {{"--width", "0"}, "nninit::compare: width must be an integer in [1, 65536], got 0"},
      {{"--schemes", "kaiming_gaussian"}, "nninit::initializer: scheme must be one of constant"},
      {{"--activation", "swish"}, "nninit::activation: name must be one of linear"},
      {{"--schemes", "dirac"}, "nninit::dirac:"},
      {{"--schemes", "xavier_normal:gain"}, "nninit::compare: schemes must be SCHEME[:OPTION=VALUE]..."},
      {{"--schemes", "xavier_normal:gian=2"}, "nninit::xavier_normal: option must be one of gain, got 'gian'"},
      {{"--set", "he_normal.mode=fan_out"}, "nninit::compare: set must be for a scheme in --schemes"},
      {{"--schemes", "kaiming_normal", "--set", "kaiming_normal.mode=fan_sideways"}, "nninit::kaiming_normal: mode must be one of"},
      {{"--seeds", "0"}, "nninit::compare: seeds must be an integer in [1, 1000], got 0"},
      {{"--lr", "nan"}, "nninit::compare: lr must be in (0, 100], got nan"},
      {{"--seed", "-1"}, "nninit::compare: seed must be an integer in [0, 2^64), got '-1'"},
      {{"--schemes", "orthogonal,orthogonal"}, "nninit::compare: schemes must be distinct entries"},
      {{"--depth", "x"}, "nninit::"},
      {{"--train", "imagenet"}, "nninit::compare: train must be one of fashion-mnist, synthetic, none, got 'imagenet'"},
      {{"--norm", "group"}, "nninit::compare: norm must be one of none, batch, layer, rms, got 'group'"},
      {{"--optimizer", "adam"}, "nninit::compare: optimizer must be sgd or adamw, got 'adam'"},
      {{"--lr", "-0.1"}, "nninit::compare: lr must be in (0, 100], got -0.1"},
      {{"--lr", "inf"}, "nninit::compare: lr must be in (0, 100], got inf"},
      {{"--warmup", "-1"}, "nninit::compare: warmup must be an integer in [0, 2147483648], got -1"},
      {{"--warmup", "nan"}, "nninit::"},
      {{"--clip", "nan"}, "nninit::compare: clip must be finite and >= 0 (0: no clipping), got nan"},
      {{"--clip", "-1"}, "nninit::compare: clip must be finite and >= 0 (0: no clipping), got -1"},
      {{"--weight-decay", "-0.01"}, "nninit::compare: weight-decay must be finite and >= 0, got -0.01"},
      {{"--weight-decay", "inf"}, "nninit::compare: weight-decay must be finite and >= 0, got inf"},
      {{"--calibration-batch", "0"}, "nninit::compare: calibration-batch must be an integer in [1, 65536], got 0"},
      {{"--train", "synthetic", "--calibration-batch", "20000"},
       "nninit::compare: calibration-batch must be at most the 12000 training examples, got 20000"},
      {{"--train", "synthetic", "--train-samples", "300", "--schemes", "lsuv"},
       "nninit::compare: calibration-batch must be at most the 300 training examples, got 512"},
      {{"--schemes", "lsuv:preinit=keep", "--train", "none", "--depth", "3", "--width", "8"},
       "nninit::lsuv: layers must be not all zero (preinit=keep rescales the weights the network has), got every layer zero"},
      {{"--norm", "batch", "--train-batch", "1"},
       "nninit::compare: train-batch must be >= 2 with batch normalization (statistics of one example per channel), got 1"},
      {{"--norm", "batch", "--batch", "1", "--train", "none"},
       "nninit::compare: batch must be >= 2 with batch normalization (statistics of one example per channel), got 1"},
  };
  for (const auto& [args, message] : cases) check_compare_refuses(args, message);
  // An output in a missing directory is refused before the runs, not after them.
  const result r = run({"compare", "--train", "none", "--report", "/nonexistent/dir/r.html"});
  CHECK(r.code == 2);
  CHECK(r.err == "nninit::compare: report must be a file in an existing directory, got '/nonexistent/dir/r.html'\n");
}

TEST_CASE("compare: headless Chromium renders the report") {
  if (!test::chromium_available()) {
    std::puts("SKIPPED: chromium not installed");
    return;
  }
  const scratch_dir dir;
  const result r = run(small({"--report", dir / "c.html"}));
  REQUIRE_MESSAGE(r.code == 0, r.err);
  const std::string blank = dir / "blank.html";
  std::ofstream(blank) << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>x</title></head><body></body></html>\n";
  REQUIRE(test::chromium_screenshot(dir.path(), blank, dir / "blank.png", "blank"));
  REQUIRE(test::chromium_screenshot(dir.path(), dir / "c.html", dir / "c.png", "report"));
  const auto size = fs::file_size(dir / "c.png"), blank_size = fs::file_size(dir / "blank.png");
  MESSAGE("report screenshot: ", size, " bytes; blank page: ", blank_size, " bytes");
  CHECK(slurp(dir / "c.png").rfind("\x89PNG\r\n\x1a\n", 0) == 0);
  CHECK(size > blank_size + 50000);  // tables and plots, not an empty or error page
}
