// Tests of `nninit lsh` and of `nninit fill` for the fly wirings (flyhash, devfly --data): the
// table, the JSON and the report; the written wiring equals the library's, byte for byte; bad
// input exits 2 with the message and writes nothing; on Fashion-MNIST, DevFly's gain at small k.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <nninit/devfly.hpp>
#include <nninit/flyhash.hpp>
#include <nninit/harness/dataset.hpp>

#include "npy.hpp"
#include "test_util.hpp"
#include "tool_test_util.hpp"

using namespace cli_test;

namespace lsh_cli_test {

using idx = nninit::index;
using row_major = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Clustered data: 4 prototypes, each sample one of them plus its own pseudo-random pattern.
row_major clustered(idx n, idx d) {
  row_major x(n, d);
  for (idx s = 0; s < n; ++s)
    for (idx i = 0; i < d; ++i)
      x(s, i) = static_cast<double>(((s % 4) * 7 + i * 13) % 17) + static_cast<double>((s * 7919 + i * 104729) % 1009) / 100;
  return x;
}

void write_data(const std::string& path, const row_major& x) {
  nninit_cli::write_npy<double>("test", path, {x.rows(), x.cols()}, x.data(), static_cast<std::size_t>(x.size()));
}

/// The wiring the tool wrote (float32), as a row-major matrix.
Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> written(const std::string& path) {
  const npy f = read_npy(path);
  REQUIRE(f.descr == "<f4");
  REQUIRE(f.shape.size() == 2);
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> w(f.shape[0], f.shape[1]);
  REQUIRE(f.data.size() == static_cast<std::size_t>(w.size()) * sizeof(float));
  std::memcpy(w.data(), f.data.data(), f.data.size());
  return w;
}

}  // namespace lsh_cli_test

using namespace lsh_cli_test;

TEST_CASE("lsh: fill devfly --data writes the library's developed wiring, and flyhash its random one") {
  const scratch_dir dir;
  const row_major x = clustered(40, 12);
  write_data(dir / "x.npy", x);
  for (const char* method : {"1", "2", "3"}) {
    CAPTURE(method);
    const result r = run({"fill", "devfly", "--shape", "9,12", "--data", dir / "x.npy", "--set", "connections=3",
                          "--set", std::string("method=") + method, "--seed", "5", "--out", dir / "w.npy"});
    REQUIRE_MESSAGE(r.code == 0, r.err);
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> expected(9, 12);
    nninit::scheme::devfly s;
    s.connections = 3;
    s.method = method[0] - '0';
    s(expected, x, nninit::engine(5));
    CHECK(written(dir / "w.npy") == expected);
  }
  const result r = run({"fill", "flyhash", "--shape", "16,40", "--set", "connections=5", "--seed", "3", "--out",
                        dir / "f.npy"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> expected(16, 40);
  nninit::flyhash(expected, nninit::engine(3), 5);
  CHECK(written(dir / "f.npy") == expected);
}

TEST_CASE("lsh: fill devfly refuses missing, misplaced, malformed and non-finite data and writes nothing") {
  const scratch_dir dir;
  row_major x = clustered(40, 12);
  write_data(dir / "x.npy", x);
  x(3, 5) = std::numeric_limits<double>::quiet_NaN();
  write_data(dir / "nan.npy", x);
  write_data(dir / "few.npy", clustered(5, 12));
  std::vector<double> flat(12, 1.0);
  nninit_cli::write_npy<double>("test", dir / "flat.npy", {12}, flat.data(), flat.size());
  const std::string out = dir / "w.npy";
  struct bad {
    std::vector<std::string> args;
    std::vector<std::string> message_parts;
  };
  const std::vector<bad> cases = {
      {{"fill", "devfly", "--shape", "9,12", "--out", out}, {"nninit::fill: data must be given", "--data"}},
      {{"fill", "normal", "--shape", "9,12", "--data", dir / "x.npy", "--out", out}, {"data", "devfly", "normal"}},
      {{"fill", "devfly", "--shape", "9,11", "--data", dir / "x.npy", "--out", out},
       {"nninit::devfly: data must be a matrix with one column per input (11)", "40x12", "9x11"}},
      {{"fill", "devfly", "--shape", "9,12", "--data", dir / "nan.npy", "--out", out},
       {"nninit::devfly: data must be finite", "nan at sample 3, input 5"}},
      {{"fill", "devfly", "--shape", "9,12", "--data", dir / "few.npy", "--out", out},
       {"nninit::devfly: data must be a matrix with at least as many samples (rows) as the 9 coding units", "got 5 samples"}},
      {{"fill", "devfly", "--shape", "9,12", "--data", dir / "flat.npy", "--out", out}, {"data", "2-D", "flat.npy"}},
      {{"fill", "devfly", "--shape", "9,12", "--data", dir / "missing.npy", "--out", out}, {"data", "missing.npy"}},
      {{"fill", "devfly", "--shape", "9,12", "--data", dir / "x.npy", "--set", "connections=13", "--out", out},
       {"nninit::devfly: connections must be at most the 12 inputs", "13"}},
      {{"fill", "devfly", "--shape", "9,12", "--data", dir / "x.npy", "--set", "method=4", "--out", out},
       {"nninit::devfly: method must be 1, 2 or 3", "got 4"}},
      {{"fill", "devfly", "--shape", "9,12", "--data", dir / "x.npy", "--set", "growth=1", "--out", out},
       {"nninit::devfly: growth must be finite and > 1", "got 1"}},
      {{"fill", "flyhash", "--shape", "9,12", "--set", "connections=0", "--out", out},
       {"nninit::flyhash: connections must be >= 1", "got 0", "9x12"}},
  };
  for (const auto& c : cases) {
    INFO(joined(c.args));
    const result r = run(c.args);
    CHECK(r.code == 2);
    for (const auto& part : c.message_parts) CHECK_MESSAGE(r.err.find(part) != std::string::npos, r.err);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK_FALSE(fs::exists(out));
  }
}

TEST_CASE("lsh: a small run prints the table and writes the JSON and the report") {
  const scratch_dir dir;
  write_data(dir / "x.npy", clustered(300, 20));
  const result r = run({"lsh", "--dataset", dir / "x.npy", "--queries", "40", "--neighbours", "10", "--k", "2,4",
                        "--expansion", "5", "--alpha", "0.25", "--seeds", "2", "--novelty-threshold", "1", "--json",
                        dir / "l.json", "--report", dir / "l.html"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find("the first 300 of 300 rows (float64, 20 inputs)") != std::string::npos);
  CHECK(r.out.find("5 connections each") != std::string::npos);
  for (const char* m : {"flyhash", "devfly1", "devfly2", "devfly3", "devfly1 / flyhash", "AP@10"})
    CHECK(r.out.find(m) != std::string::npos);

  const json doc = parse_json(slurp(dir / "l.json"));
  CHECK(doc["config"]["samples"].integer() == 300);
  CHECK(doc["config"]["connections"].integer() == 5);
  const auto& results = doc["results"].items;
  REQUIRE(results.size() == 8);  // 2 k x 4 methods
  for (const auto& cell : results) {
    const std::string method = cell["method"].text;
    CAPTURE(method);
    CHECK(cell["units"].integer() == 5 * cell["k"].integer());
    CHECK(cell["runs"].integer() == (method == "flyhash" || method == "devfly3" ? 2 : 1));
    CHECK(cell["map"].items.size() == static_cast<std::size_t>(cell["runs"].integer()));
    CHECK(cell["map_mean"].number() > 0);
    CHECK(cell["map_mean"].number() <= 1);
    CHECK(cell["ap_mean"].number() > 0);
    CHECK(cell["ap_mean"].number() <= 1);
  }
  const std::string html = slurp(dir / "l.html");
  CHECK(html.find("mAP against k") != std::string::npos);
  CHECK(html.find("<svg") != std::string::npos);
  CHECK(dir.entries() == std::vector<std::string>{"l.html", "l.json", "x.npy"});
}

TEST_CASE("lsh: bad arguments exit 2 with one message and no output files") {
  const scratch_dir dir;
  write_data(dir / "x.npy", clustered(50, 20));
  row_major bad = clustered(50, 20);
  bad(7, 2) = std::numeric_limits<double>::infinity();
  write_data(dir / "inf.npy", bad);
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--k", "0"}, "nninit::lsh: k must be a list of integers in [1, 4096], got '0'"},
      {{"--k", "2,x"}, "nninit::lsh: k must be a comma-separated list"},
      {{"--methods", "flyhash,simhash"}, "nninit::lsh: methods must be a list of flyhash, devfly1, devfly2, devfly3, got 'simhash'"},
      {{"--dataset", dir / "x.txt"}, "nninit::lsh: dataset must be fashion-mnist, synthetic or a FILE.npy"},
      {{"--dataset", dir / "inf.npy", "--neighbours", "5"}, "nninit::lsh: dataset must be finite"},
      {{"--dataset", dir / "x.npy", "--neighbours", "50"}, "nninit::lsh: neighbours must be at most the samples - 1 (49)"},
      {{"--dataset", dir / "x.npy", "--neighbours", "5", "--alpha", "0.01"}, "nninit::lsh: alpha must be large enough"},
      {{"--seeds", "0"}, "nninit::lsh: seeds must be an integer in [1, 1000], got 0"},
      {{"--novelty-threshold", "-1"}, "nninit::lsh: novelty-threshold must be finite and > 0"},
  };
  for (const auto& [extra, message] : cases) {
    std::vector<std::string> args = {"lsh", "--json", dir / "o.json", "--report", dir / "o.html"};
    args.insert(args.end(), extra.begin(), extra.end());
    INFO(joined(args));
    const result r = run(args);
    CHECK(r.code == 2);
    CHECK_MESSAGE(r.err.find(message) != std::string::npos, r.err);
    CHECK_FALSE(fs::exists(dir / "o.json"));
    CHECK_FALSE(fs::exists(dir / "o.html"));
  }
}

TEST_CASE("lsh: on Fashion-MNIST, DevFly method 1 beats FlyHash by 1.3x at k = 2 and at k = 4") {
  if (test::skip_when_sanitized()) return;
  if (!nninit::harness::fashion_mnist_available()) {
    MESSAGE("SKIPPED: Fashion-MNIST is not installed (apt install dataset-fashion-mnist)");
    return;
  }
  const scratch_dir dir;
  // devfly.md §9's protocol: 10 000 training images, 1000 queries, 200 neighbours, alpha 0.1, m = 20 k.
  const result r = run({"lsh", "--k", "2,4", "--methods", "flyhash,devfly1", "--json", dir / "l.json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  const json doc = parse_json(slurp(dir / "l.json"));
  double fly[2] = {0, 0}, dev[2] = {0, 0};
  for (const auto& cell : doc["results"].items) {
    const int at = cell["k"].integer() == 2 ? 0 : 1;
    (cell["method"].text == "flyhash" ? fly : dev)[at] = cell["map_mean"].number();
  }
  MESSAGE("mAP k=2: devfly1 ", dev[0], " flyhash ", fly[0], "; k=4: devfly1 ", dev[1], " flyhash ", fly[1]);
  CHECK(dev[0] >= 1.3 * fly[0]);
  CHECK(dev[1] > fly[1]);
}
