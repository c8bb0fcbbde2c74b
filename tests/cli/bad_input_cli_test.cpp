// The bad-input matrix (tests/bad_input_cases.hpp) through `nninit fill`: every registered scheme
// with each of its options at bad values, and with bad shapes. Each run exits 0 (a value the
// scheme accepts; the file is written) or 2 with one `nninit::` line on stderr and no file at
// all; never another status, a signal or a core dump.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "bad_input_cases.hpp"
#include "npy.hpp"
#include "test_util.hpp"
#include "tool_test_util.hpp"

using namespace cli_test;

namespace bad_input_cli_test {

std::string joined_dims(const std::vector<nninit::index>& dims) {
  std::string s;
  for (const auto d : dims) s += (s.empty() ? "" : ",") + std::to_string(d);
  return s;
}

/// Runs `nninit fill` for scheme b with extra arguments; checks the outcome's contract.
void check_run(const bad_input::baseline& b, const std::string& dims, const std::vector<std::string>& extra,
               const std::string& data) {
  const scratch_dir dir;
  const std::string out = dir / "w.npy";
  std::vector<std::string> args = {"fill", b.scheme, "--shape", dims, "--out", out};
  for (const auto& [option, value] : b.options) args.insert(args.end(), {"--set", option + "=" + value});
  args.insert(args.end(), extra.begin(), extra.end());
  if (!data.empty()) args.insert(args.end(), {"--data", data});
  INFO(joined(args));
  const result r = run(args);
  INFO("stderr: " << r.err);
  REQUIRE((r.code == 0 || r.code == 2));
  if (r.code == 2) {
    CHECK(r.err.rfind("nninit::", 0) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(dir.entries().empty());  // no output file, no temporary file
  } else {  // accepted: a float32 file of finite values
    const npy f = read_npy(out);
    REQUIRE(f.descr == "<f4");
    std::vector<float> v(f.data.size() / sizeof(float));
    std::memcpy(v.data(), f.data.data(), v.size() * sizeof(float));
    CHECK(std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); }));
  }
}

TEST_CASE("cli: the bad-input matrix through nninit fill: exit 0 with a finite file, or 2 with one message and no file") {
  const scratch_dir data_dir;
  const std::string data = data_dir / "x.npy";
  const auto x = bad_input::devfly_data();
  nninit_cli::write_npy<double>("test", data, {x->rows(), x->cols()}, x->data(), static_cast<std::size_t>(x->size()));
  // Under the sanitizers each run costs ~0.1 s: there, the first three bad values of each type.
  const std::size_t per_type = test::sanitized ? 3 : 100;
  int runs = 0;
  for (const auto& info : nninit::list_schemes()) {
    const bad_input::baseline b = bad_input::baseline_of(info.name);
    const std::string with_data = info.name == "devfly" ? data : "";
    const std::string dims = joined_dims(b.dims);
    for (const auto& o : info.options) {
      const auto values = bad_input::bad_values(o.type);
      for (std::size_t i = 0; i < values.size() && i < per_type; ++i, ++runs)
        check_run(b, dims, {"--set", o.name + "=" + values[i]}, with_data);
    }
    for (const auto& bad : bad_input::bad_dims()) check_run(b, joined_dims(bad), {}, with_data), ++runs;
    check_run(b, dims, {"--set", "no_such_option=1"}, with_data), ++runs;
  }
  MESSAGE(runs << " runs of nninit fill");
}

}  // namespace bad_input_cli_test
