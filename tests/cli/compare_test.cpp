// Tests of `nninit compare`: the table, the JSON and the report of small, fast configurations;
// byte-stable outputs whatever the thread count; overflow reported as null; bad input.
#include <doctest/doctest.h>

#include <cmath>
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
                                   "--train-batch", "50"};
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
  // Training runs under the first activation only.
  const json& train = runs.items[1]["train"];
  CHECK(train["synthetic"].flag);
  REQUIRE(train["epochs"].items.size() == 1);
  const double acc = train["epochs"].items[0]["test_accuracy"].number();
  CHECK(acc > 0.1);  // better than chance on a learnable task
  CHECK(acc <= 1);
  CHECK(train["loss_curve"].items.size() == 1);  // 12 steps, one window of 50
  CHECK_THROWS(runs.items[3]["train"]);
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
      {{"--arch", "transformer"}, "nninit::compare: arch must be one of mlp, resmlp, resnet, got 'transformer'"},
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
  };
  for (const auto& [args, message] : cases) {
    const scratch_dir dir;
    std::vector<std::string> all = {"compare", "--json", dir / "c.json", "--report", dir / "c.html"};
    all.insert(all.end(), args.begin(), args.end());
    const result r = run(all);
    INFO(joined(all), "\n", r.err);
    CHECK(r.code == 2);
    CHECK(r.err.rfind(message, 0) == 0);
    CHECK(lines_of(r.err).size() == 1);
    CHECK(r.out.empty());
    CHECK(dir.entries().empty());
  }
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
