// Tests of the `nninit` tool: it runs the built binary (NNINIT_CLI_PATH) in a scratch directory
// and checks what it prints and writes against the library, to the bit.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <stdlib.h>  // mkdtemp
#include <sys/wait.h>

#include <Eigen/Core>
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nninit/nninit.hpp>

#include "tool_test_util.hpp"
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#ifndef NNINIT_CLI_PATH
#error "NNINIT_CLI_PATH must name the nninit binary"
#endif

namespace {

using namespace cli_test;

// ---------------------------------------------------------------------------------------------
// The same computations through the library.

using options = std::vector<std::pair<std::string, std::string>>;

struct weight_spec {
  std::string scheme;
  std::vector<nninit::index> dims;
  options sets;
  nninit::layout order = nninit::layout::out_in;
  nninit::index groups = 1;
  bool transposed = false;

  nninit::shape shape() const {
    nninit::shape s(dims);
    s.order = order;
    s.groups = groups;
    s.transposed = transposed;
    return s;
  }
  nninit::initializer initializer() const {
    nninit::initializer init(scheme);
    for (const auto& [k, v] : sets) init.set(k, v);
    return init;
  }
  /// The tool's arguments for this weight (after the subcommand).
  std::vector<std::string> args() const {
    std::string dims_text;
    for (std::size_t i = 0; i < dims.size(); ++i) dims_text.append(i ? "," : "").append(std::to_string(dims[i]));
    std::vector<std::string> a{scheme, "--shape", dims_text};
    for (const auto& [k, v] : sets) a.insert(a.end(), {"--set", k + "=" + v});
    if (order == nninit::layout::in_out) a.insert(a.end(), {"--layout", "in_out"});
    if (groups != 1) a.insert(a.end(), {"--groups", std::to_string(groups)});
    if (transposed) a.push_back("--transposed");
    return a;
  }
  std::string name() const { return joined(args()); }
};

/// The library's fill of rows x cols of the view at (row0, col0), as bit patterns.
template <class T>
std::vector<std::uint64_t> library_bits(const weight_spec& w, std::uint64_t seed, std::uint64_t stream,
                                        nninit::index row0, nninit::index col0, nninit::index rows,
                                        nninit::index cols) {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m(rows, cols);
  nninit::shape s = w.shape();
  s.at(row0, col0);
  w.initializer().fill(m, nninit::engine(seed, stream), s);
  std::vector<std::uint64_t> out;
  for (Eigen::Index i = 0; i < m.size(); ++i) out.push_back(bits_of(m.data()[i]));
  return out;
}

template <class T>
std::vector<std::uint64_t> library_bits(const weight_spec& w, std::uint64_t seed, std::uint64_t stream) {
  const nninit::shape s = w.shape();
  return library_bits<T>(w, seed, stream, 0, 0, s.rows(), s.cols());
}

/// A spread of schemes, layouts and ranks.
std::vector<weight_spec> fill_cases() {
  using nninit::layout;
  return {
      {"kaiming_normal", {64, 3, 3, 3}, {}},
      {"kaiming_uniform", {16, 4, 3, 3}, {{"mode", "fan_out"}}, layout::out_in, 2, true},
      {"xavier_uniform", {30, 20}, {{"gain", "2"}}},
      {"trunc_normal", {7, 9}, {{"std", "0.02"}, {"bounds", "std_units"}}},
      {"variance_scaling", {3, 3, 8, 16}, {{"mode", "fan_avg"}, {"distribution", "uniform"}}, layout::in_out},
      {"he_normal", {40, 10}, {}},
      {"uniform", {17}, {{"a", "-3"}, {"b", "5"}}},
      {"normal", {5, 6}, {{"mean", "1"}, {"std", "0.5"}}},
      {"sparse", {30, 20}, {{"sparsity", "0.25"}}},
      {"orthogonal", {12, 20}, {{"gain", "0.5"}}},
      {"delta_orthogonal", {8, 4, 3, 3}, {}},
      {"eye", {5, 7}, {}},
      {"dirac", {8, 4, 3, 3}, {}, layout::out_in, 2},
      {"constant", {4, 4}, {{"val", "0.25"}}},
      {"zero_hadamard", {12, 5, 3, 3}, {{"scale", "paper"}}},
      {"zero_hadamard", {3, 3, 5, 12}, {}, layout::in_out},
      {"idinit", {20, 2, 3, 3}, {{"loosen_std", "0.01"}}},
      {"idinit", {5, 7}, {{"form", "zero"}, {"eps", "0.5"}}},
      {"fixup", {16, 16, 3, 3}, {{"branches", "54"}, {"layers_per_branch", "2"}, {"mode", "fan_out"}}},
      {"constnet", {16, 3, 3, 3}, {{"noise_std", "0.001"}}},
      {"torch_default", {10, 6}, {}},
      {"vi3nr", {32, 16}, {{"activation", "tanh"}, {"distribution", "uniform"}}},
      {"vi3nr", {32, 2}, {{"activation", "sine:30"}, {"first_layer", "true"}, {"sigma_p", "0.03"}}},
      {"kumar", {20, 10}, {{"activation", "sigmoid"}}},
      {"maxout", {8, 4, 3, 3}, {{"pieces", "3"}}},
      {"small_init", {50, 5}, {{"gamma", "1"}, {"width", "50"}}},
      {"siren", {16, 2}, {{"first_layer", "true"}}},
      {"winner", {16, 16}, {{"layer", "1"}, {"s1", "1.5"}}},
      {"low_rank", {12, 9}, {{"rank", "3"}, {"gain", "1.25"}}},
      {"arch_aware", {24, 24}, {{"degree", "2"}}},
      {"gpt2", {48, 16}, {{"residual_projection", "true"}, {"layers", "12"}}},
      {"megatron_scaled", {16, 16}, {{"layers", "24"}}},
      {"depth_scaled_trunc_normal", {16, 16}, {{"layer_id", "3"}}},
      {"mup", {16, 64}, {{"role", "readout"}, {"base_fan_in", "16"}}},
      {"deepnet", {64, 32}, {{"decoder_layers", "12"}, {"architecture", "decoder"}}},
      {"deepnet", {32, 32}, {{"encoder_layers", "6"}, {"variant", "torchscale"}, {"scaled", "false"}}},
      {"admin", {32, 16}, {}},
      {"t_fixup", {32, 24}, {{"role", "ffn_out"}, {"layers", "6"}, {"stack", "decoder"}}},
      {"t_fixup", {40, 16}, {{"role", "embedding"}, {"layers", "9"}}},
      {"neox_small_init", {24, 16}, {}},
      {"wang_init", {16, 48}, {{"layers", "4"}}},
      {"neox", {16, 48}, {{"output_layer", "true"}, {"layers", "6"}}},
      {"olmo_mitchell", {16, 48}, {{"role", "ffn_out"}, {"block", "2"}}},
      {"olmo_full_megatron", {16, 16}, {{"role", "attention_out"}, {"layers", "12"}}},
      {"olmo_normal", {24, 16}, {}},
      {"depth_mup", {32, 32}, {{"width_mult", "4"}}},
      {"completep", {32, 32}, {{"role", "embedding"}, {"alpha", "0.5"}}},
      {"mimetic", {32, 32}, {{"heads", "4"}, {"part", "key"}}},
      {"mimetic", {24, 24}, {{"part", "out"}, {"alpha2", "0.5"}}},
  };
}

}  // namespace

// =============================================================================================

TEST_CASE("cli: list names every scheme of the registry with its reference") {
  const result r = run({"list"});
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  const auto lines = lines_of(r.out);
  for (const auto& s : nninit::list_schemes()) {
    INFO(s.name);
    const bool named = std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
      return l.rfind(std::string(s.name) + " ", 0) == 0;
    });
    CHECK(named);
    CHECK(r.out.find(std::string(s.reference)) != std::string::npos);
    for (const auto& o : s.options) CHECK(r.out.find(o.name + "=") != std::string::npos);
  }
}

TEST_CASE("cli: list --json matches the registry option by option") {
  const result r = run({"list", "--json"});
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  json doc;
  REQUIRE_NOTHROW(doc = parse_json(r.out));
  REQUIRE(doc.type == json::kind::array);
  const auto schemes = nninit::list_schemes();
  REQUIRE(doc.items.size() == schemes.size());
  for (std::size_t i = 0; i < schemes.size(); ++i) {
    const auto& s = schemes[i];
    const json& j = doc.items[i];
    INFO(s.name);
    CHECK(j["name"].text == s.name);
    CHECK(j["reference"].text == s.reference);
    CHECK(j["random"].flag == s.is_random);
    REQUIRE(j["options"].items.size() == s.options.size());
    for (std::size_t k = 0; k < s.options.size(); ++k) {
      const auto& o = s.options[k];
      const json& jo = j["options"].items[k];
      INFO(o.name);
      CHECK(jo["name"].text == o.name);
      CHECK(jo["type"].text == o.type);
      CHECK(jo["doc"].text == o.doc);
      std::string choices;
      for (const auto& c : jo["choices"].items) choices += (choices.empty() ? "" : ", ") + c.text;
      CHECK(choices == o.choices);
      const json& d = jo["default"];
      if (o.type == "number" && o.default_value == "nan") {
        CHECK(d.is_null());
        CHECK(jo["required"].flag);
      } else if (o.type == "number") {
        CHECK(bits_of(d.number()) == bits_of(std::strtod(o.default_value.c_str(), nullptr)));
        CHECK_FALSE(jo["required"].flag);
      } else if (o.type == "integer") {
        CHECK(std::to_string(d.integer()) == o.default_value);
      } else if (o.type == "bool") {
        CHECK(d.type == json::kind::boolean);
        CHECK((d.flag ? "true" : "false") == o.default_value);
      } else {
        CHECK(d.text == o.default_value);
      }
    }
  }
}

namespace {

/// Checks one JSON plan field against the library's double: null exactly when NaN, else the same bits.
void check_real(const json& plan, const char* key, double expected) {
  INFO(std::string(key));
  const json& v = plan[key];
  if (std::isnan(expected)) {
    CHECK(v.is_null());
  } else {
    REQUIRE(v.type == json::kind::number);
    CHECK(bits_of(v.number()) == bits_of(expected));
  }
}
/// Fans and counts: null exactly when -1 (does not apply).
void check_count(const json& plan, const char* key, nninit::index expected) {
  INFO(std::string(key));
  const json& v = plan[key];
  if (expected < 0) CHECK(v.is_null());
  else CHECK(v.integer() == expected);
}

}  // namespace

TEST_CASE("cli: describe --json equals initializer::describe to the bit") {
  using nninit::layout;
  std::vector<weight_spec> cases = fill_cases();
  cases.push_back({"kaiming_normal", {64, 3, 3, 3}, {{"mode", "fan_out"}}});
  cases.push_back({"kaiming_normal", {64, 3, 3, 3}, {{"mode", "fan_out"}, {"nonlinearity", "tanh"}}});
  cases.push_back({"trunc_normal", {10, 5}, {{"a", "-inf"}, {"b", "0.5"}}});  // lo = -inf
  cases.push_back({"uniform", {3, 3}, {{"a", "-0"}, {"b", "0"}}});           // lo = -0: the sign survives
  cases.push_back({"xavier_normal", {3, 3, 8, 16}, {{"gain", "0.1"}}, layout::in_out, 1, false});
  cases.push_back({"dirac", {6, 4, 3, 3}, {{"groups", "3"}, {"gain", "2.5"}}});
  cases.push_back({"sparse", {100, 50}, {{"sparsity", "0.3"}, {"std", "0.1"}}});

  for (const auto& w : cases) {
    INFO(w.name());
    std::vector<std::string> args{"describe"};
    for (const auto& a : w.args()) args.push_back(a);
    args.push_back("--json");
    const result r = run(args);
    REQUIRE(r.code == 0);
    CHECK(r.err.empty());
    json j;
    REQUIRE_NOTHROW(j = parse_json(r.out));
    const nninit::plan p = w.initializer().describe(w.shape());

    CHECK(j["scheme"].text == p.scheme);
    REQUIRE(j["shape"].items.size() == p.shape.dims.size());
    for (std::size_t i = 0; i < p.shape.dims.size(); ++i) CHECK(j["shape"].items[i].integer() == p.shape.dims[i]);
    CHECK(j["layout"].text == nninit::detail::name_of(p.shape.order));
    CHECK(j["shape_groups"].integer() == p.shape.groups);
    CHECK(j["transposed"].flag == p.shape.transposed);
    CHECK(j["distribution"].text == nninit::detail::name_of(p.dist));
    check_count(j, "fan_in", p.fan_in);
    check_count(j, "fan_out", p.fan_out);
    check_real(j, "gain", p.gain);
    check_real(j, "mean", p.mean);
    check_real(j, "std", p.std);
    check_real(j, "bound", p.bound);
    check_real(j, "lo", p.lo);
    check_real(j, "hi", p.hi);
    check_real(j, "value", p.value);
    check_real(j, "output_std", p.output_std);
    CHECK(j["groups"].integer() == p.groups);
    check_count(j, "zeros_per_column", p.zeros_per_column);
  }

  SUBCASE("kaiming_normal on 64x3x3x3 with mode fan_out has PyTorch's fans and std") {
    const result r = run({"describe", "kaiming_normal", "--shape", "64,3,3,3", "--set", "mode=fan_out", "--json"});
    REQUIRE(r.code == 0);
    const json j = parse_json(r.out);
    CHECK(j["fan_in"].integer() == 27);
    CHECK(j["fan_out"].integer() == 576);
    CHECK(bits_of(j["std"].number()) == bits_of(std::sqrt(2.0) / std::sqrt(576.0)));
    CHECK(j["distribution"].text == "normal");
    CHECK(j["bound"].is_null());
  }
}

TEST_CASE("cli: describe --activation gives the variance map of a deep stack, and sets a scheme's own activation") {
  // vi3nr on gelu: its fixed point sigma_p = 1 is unstable (slope 1.144), the gradients grow by 1.072.
  result r = run({"describe", "vi3nr", "--shape", "512,512", "--activation", "gelu", "--json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  json j = parse_json(r.out);
  nninit::initializer vi3nr("vi3nr");
  vi3nr.set("activation", "gelu");
  const nninit::plan p = vi3nr.describe(nninit::shape{512, 512});
  CHECK(j["propagation"].text == "unstable");
  CHECK(bits_of(j["fixed_point_slope"].number()) == bits_of(p.fixed_point_slope));
  CHECK(j["fixed_point_slope"].number() == doctest::Approx(1.14406319687).epsilon(1e-9));
  CHECK(j["fixed_point_std"].number() == 1);
  CHECK(j["gradient_growth"].number() == doctest::Approx(1.07203159844).epsilon(1e-9));
  CHECK(j["note"].is_null());
  // --set wins over --activation.
  r = run({"describe", "vi3nr", "--shape", "512,512", "--activation", "gelu", "--set", "activation=tanh", "--json"});
  CHECK(parse_json(r.out)["propagation"].text == "stable");
  // A fan-based scheme: Xavier on tanh decays (no fixed point above 0), He on relu is neutral.
  r = run({"describe", "xavier_normal", "--shape", "512,512", "--activation", "tanh", "--json"});
  j = parse_json(r.out);
  CHECK(j["propagation"].text == "decays");
  CHECK(j["fixed_point_slope"].is_null());
  r = run({"describe", "kaiming_normal", "--shape", "256,256", "--activation", "relu"});
  CHECK(r.out.find("propagation: neutral\n") != std::string::npos);
  // Without --activation there is no map to report.
  r = run({"describe", "xavier_normal", "--shape", "512,512"});
  CHECK(r.out.find("propagation: null\n") != std::string::npos);
  // No root: vi3nr says so in its note.
  r = run({"describe", "vi3nr", "--shape", "64,64", "--set", "activation=sine:30", "--set", "solve_backward=true"});
  CHECK(r.out.find("note: backward condition: no root for sigma_p in [0.001, 10]; best at the boundary sigma_p = 0.001") !=
        std::string::npos);
}

TEST_CASE("cli: describe prints one key: value line per plan field") {
  const result r = run({"describe", "kaiming_normal", "--shape", "64,3,3,3", "--set", "mode=fan_out"});
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  std::map<std::string, std::string> fields;
  for (const auto& line : lines_of(r.out)) {
    const auto at = line.find(": ");
    REQUIRE(at != std::string::npos);
    fields[line.substr(0, at)] = line.substr(at + 2);
  }
  const nninit::plan p = weight_spec{"kaiming_normal", {64, 3, 3, 3}, {{"mode", "fan_out"}}}.initializer().describe(
      nninit::shape{64, 3, 3, 3});
  CHECK(fields["scheme"] == "kaiming_normal");
  CHECK(fields["shape"] == "64x3x3x3");
  CHECK(fields["distribution"] == "normal");
  CHECK(fields["fan_in"] == "27");
  CHECK(fields["fan_out"] == "576");
  CHECK(fields["std"] == nninit::detail::number(p.std));
  CHECK(fields["gain"] == nninit::detail::number(p.gain));
  CHECK(fields["bound"] == "null");
  CHECK(fields["zeros_per_column"] == "null");
  for (const char* key : {"mean", "lo", "hi", "value", "output_std", "groups"}) CHECK(fields.count(key) == 1);
}

namespace {

/// Fills through the tool and checks the file against the library's fill of the whole weight.
template <class T>
void check_full_fill(const weight_spec& w, std::uint64_t seed, std::uint64_t stream) {
  INFO(w.name() << " seed " << seed << " stream " << stream);
  const scratch_dir dir;
  const std::string out = dir / "w.npy";
  std::vector<std::string> args{"fill"};
  for (const auto& a : w.args()) args.push_back(a);
  args.insert(args.end(), {"--seed", std::to_string(seed), "--stream", std::to_string(stream), "--out", out});
  if (sizeof(T) == 8) args.insert(args.end(), {"--dtype", "float64"});
  const result r = run(args);
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  CHECK(dir.entries() == std::vector<std::string>{"w.npy"});
  const npy f = read_npy(out);
  CHECK(f.descr == (sizeof(T) == 4 ? "<f4" : "<f8"));
  CHECK_FALSE(f.fortran_order);
  CHECK(f.shape == std::vector<std::int64_t>(w.dims.begin(), w.dims.end()));
  const auto expected = library_bits<T>(w, seed, stream);
  REQUIRE(f.data.size() == expected.size() * sizeof(T));
  CHECK(npy_bits<T>(f) == expected);
}

}  // namespace

TEST_CASE("cli: fill writes a float32 npy equal to the library fill bit for bit") {
  for (const auto& w : fill_cases()) check_full_fill<float>(w, 42, 0);
  check_full_fill<float>({"kaiming_normal", {64, 3, 3, 3}, {}}, 18446744073709551615ULL, 7);
}

TEST_CASE("cli: fill --dtype float64 writes an f8 npy equal to the library fill bit for bit") {
  for (const auto& w : fill_cases()) check_full_fill<double>(w, 3, 11);
}

TEST_CASE("cli: fill --threads N writes the same bytes for every N") {
  const scratch_dir dir;
  std::string first;
  for (const char* threads : {"1", "2", "3", "7", "all"}) {
    const std::string out = dir / (std::string("w") + threads + ".npy");
    const result r = run({"fill", "kaiming_uniform", "--shape", "700,300", "--threads", threads, "--out", out});
    INFO(threads << " threads: " << r.err);
    REQUIRE(r.code == 0);
    const std::string bytes = slurp(out);
    if (first.empty()) first = bytes;
    CHECK(bytes == first);
  }
  CHECK(npy_bits<float>(read_npy(dir / "w1.npy")) ==
        library_bits<float>({"kaiming_uniform", {700, 300}, {}}, 0, 0));
}

TEST_CASE("cli: fill --engine torch writes the library's torch_generator fill (PyTorch's bytes)") {
  const scratch_dir dir;
  const weight_spec w{"kaiming_normal", {20, 3, 3}, {{"mode", "fan_out"}}};
  auto check = [&](auto zero, const char* dtype) {
    using T = decltype(zero);
    const std::string out = dir / (std::string(dtype) + ".npy");
    const result r = run({"fill", "kaiming_normal", "--shape", "20,3,3", "--set", "mode=fan_out", "--engine", "torch",
                          "--seed", "77", "--dtype", dtype, "--threads", "3", "--out", out});
    INFO(dtype << ": " << r.err);
    REQUIRE(r.code == 0);
    nninit::torch_generator gen(77);
    Eigen::Matrix<T, 20, 9, Eigen::RowMajor> m;
    w.initializer().fill(m, gen, w.shape());
    std::vector<std::uint64_t> expected;
    for (Eigen::Index i = 0; i < m.size(); ++i) expected.push_back(bits_of(m.data()[i]));
    CHECK(npy_bits<T>(read_npy(out)) == expected);
  };
  check(0.0f, "float32");
  check(0.0, "float64");
}

TEST_CASE("cli: fill --dtype float16 writes an f2 npy holding the float32 fill rounded once") {
  const scratch_dir dir;
  const std::string out = dir / "w.npy";
  const result r = run({"fill", "normal", "--shape", "33,65", "--set", "std=0.02", "--seed", "5", "--dtype", "float16",
                        "--out", out});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const npy f = read_npy(out);
  CHECK(f.descr == "<f2");
  CHECK(f.shape == std::vector<std::int64_t>{33, 65});
  const auto floats = library_bits<float>({"normal", {33, 65}, {{"std", "0.02"}}}, 5, 0);
  std::vector<std::uint64_t> rounded;
  for (std::uint64_t b : floats) {
    float v;
    const auto u = static_cast<std::uint32_t>(b);
    std::memcpy(&v, &u, sizeof v);
    rounded.push_back(Eigen::numext::bit_cast<std::uint16_t>(Eigen::half(v)));
  }
  CHECK(npy_bits<Eigen::half>(f) == rounded);
}

TEST_CASE("cli: fill --block writes the same block as the full fill bit for bit") {
  struct block_case {
    weight_spec w;
    nninit::index row0, col0, rows, cols;
  };
  const std::vector<block_case> cases = {
      {{"kaiming_normal", {64, 3, 3, 3}, {}}, 8, 3, 10, 5},
      {{"kaiming_normal", {64, 3, 3, 3}, {}}, 0, 0, 64, 27},  // the whole view
      {{"trunc_normal", {33, 17}, {{"std", "0.02"}}}, 31, 16, 2, 1},
      {{"sparse", {40, 30}, {{"sparsity", "0.5"}}}, 5, 7, 20, 9},
      {{"orthogonal", {12, 20}, {}}, 3, 4, 5, 6},
      {{"variance_scaling", {3, 3, 8, 16}, {}, nninit::layout::in_out}, 10, 3, 30, 7},
      {{"dirac", {8, 4, 3, 3}, {}}, 2, 5, 4, 20},
      {{"uniform", {17}, {}}, 5, 0, 9, 1},
  };
  for (const auto& c : cases) {
    for (const bool f64 : {false, true}) {
      const std::string dtype = f64 ? "float64" : "float32";
      const std::string block = std::to_string(c.row0) + "," + std::to_string(c.col0) + "," + std::to_string(c.rows) +
                                "," + std::to_string(c.cols);
      INFO(c.w.name() << " --block " << block << " --dtype " << dtype);
      const scratch_dir dir;
      std::vector<std::string> common{"fill"};
      for (const auto& a : c.w.args()) common.push_back(a);
      common.insert(common.end(), {"--seed", "5", "--stream", "2", "--dtype", dtype});
      auto whole_args = common;
      whole_args.insert(whole_args.end(), {"--out", dir / "whole.npy"});
      auto block_args = common;
      block_args.insert(block_args.end(), {"--block", block, "--out", dir / "block.npy"});
      REQUIRE(run(whole_args).code == 0);
      const result r = run(block_args);
      INFO(r.err);
      REQUIRE(r.code == 0);

      const npy whole = read_npy(dir / "whole.npy");
      const npy part = read_npy(dir / "block.npy");
      CHECK(part.shape == std::vector<std::int64_t>{c.rows, c.cols});
      const nninit::shape s = c.w.shape();
      const auto whole_bits = f64 ? npy_bits<double>(whole) : npy_bits<float>(whole);
      const auto part_bits = f64 ? npy_bits<double>(part) : npy_bits<float>(part);
      REQUIRE(part_bits.size() == static_cast<std::size_t>(c.rows * c.cols));
      std::vector<std::uint64_t> expected;
      for (nninit::index r0 = 0; r0 < c.rows; ++r0)
        for (nninit::index c0 = 0; c0 < c.cols; ++c0)
          expected.push_back(whole_bits[static_cast<std::size_t>((c.row0 + r0) * s.cols() + c.col0 + c0)]);
      CHECK(part_bits == expected);
      // And the library's own block fill agrees.
      CHECK(part_bits == (f64 ? library_bits<double>(c.w, 5, 2, c.row0, c.col0, c.rows, c.cols)
                              : library_bits<float>(c.w, 5, 2, c.row0, c.col0, c.rows, c.cols)));
    }
  }
}

TEST_CASE("cli: fill prints a one-line summary and replaces an existing file") {
  const scratch_dir dir;
  const std::string out = dir / "w.npy";
  { std::ofstream(out) << "old contents"; }
  const result r = run({"fill", "kaiming_normal", "--shape", "64,3,3,3", "--seed", "42", "--out", out});
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  CHECK(r.out == "wrote " + out + ": float32 64x3x3x3, kaiming_normal, seed 42, stream 0\n");
  CHECK(dir.entries() == std::vector<std::string>{"w.npy"});
  CHECK(read_npy(out).shape == std::vector<std::int64_t>{64, 3, 3, 3});

  const result b = run({"fill", "kaiming_normal", "--shape", "64,3,3,3", "--block", "8,3,10,5", "--dtype", "float64",
                        "--stream", "9", "--out", out});
  REQUIRE(b.code == 0);
  CHECK(b.out == "wrote " + out + ": float64 10x5 block at (8, 3) of a 64x3x3x3, kaiming_normal, seed 0, stream 9\n");
}

TEST_CASE("cli: seed and stream select the values and default to 0") {
  const scratch_dir dir;
  const auto fill = [&](const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> args{"fill", "normal", "--shape", "8,8", "--out", dir / name};
    args.insert(args.end(), extra.begin(), extra.end());
    REQUIRE(run(args).code == 0);
    return read_npy(dir / name).data;
  };
  const std::string defaults = fill("a.npy", {});
  CHECK(defaults == fill("b.npy", {"--seed", "0", "--stream", "0"}));
  CHECK(defaults != fill("c.npy", {"--seed", "1"}));
  CHECK(defaults != fill("d.npy", {"--stream", "1"}));
  CHECK(npy_bits<float>(read_npy(dir / "a.npy")) == library_bits<float>({"normal", {8, 8}, {}}, 0, 0));
}

TEST_CASE("cli: bad input exits with 2 and one nninit:: line and writes nothing") {
  struct bad {
    std::vector<std::string> args;  // "OUT" stands for the output path
    std::string needle;             // the argument the message must name
  };
  const std::vector<bad> cases = {
      {{"fill", "no_such_scheme", "--shape", "3,4", "--out", "OUT"}, "scheme"},
      {{"fill", "kaiming_normal", "--shape", "3,4", "--set", "no_such_option=1", "--out", "OUT"}, "option"},
      {{"fill", "uniform", "--shape", "3,,4", "--out", "OUT"}, "shape"},
      {{"fill", "uniform", "--shape", "a,b", "--out", "OUT"}, "shape"},
      {{"fill", "uniform", "--shape", "3,4,", "--out", "OUT"}, "shape"},
      {{"fill", "uniform", "--shape", "", "--out", "OUT"}, "shape"},
      {{"fill", "uniform", "--shape", "3,0", "--out", "OUT"}, "shape"},
      {{"fill", "uniform", "--shape=-3,4", "--out", "OUT"}, "shape"},
      {{"fill", "uniform", "--shape", "99999999999999999999,2", "--out", "OUT"}, "shape"},
      {{"fill", "uniform", "--shape", "1099511627776,1099511627776", "--out", "OUT"}, "shape"},
      {{"fill", "sparse", "--shape", "100,50", "--set", "sparsity=1.5", "--out", "OUT"}, "sparsity"},
      {{"fill", "sparse", "--shape", "100,50", "--out", "OUT"}, "sparsity"},
      {{"fill", "sparse", "--shape", "100,50", "--set", "sparsity=abc", "--out", "OUT"}, "sparsity"},
      {{"fill", "kaiming_normal", "--shape", "10,5", "--set", "mode=sideways", "--out", "OUT"}, "mode"},
      {{"fill", "normal", "--shape", "10,5", "--threads", "0", "--out", "OUT"}, "threads"},
      {{"fill", "normal", "--shape", "10,5", "--threads", "many", "--out", "OUT"}, "threads"},
      {{"fill", "normal", "--shape", "10,5", "--threads", "2000", "--out", "OUT"}, "threads"},
      {{"fill", "normal", "--shape", "10,5", "--dtype", "bfloat16", "--out", "OUT"}, "dtype"},
      {{"fill", "xavier_uniform", "--shape", "10,5", "--set", "gain=nan", "--out", "OUT"}, "gain"},
      {{"fill", "normal", "--shape", "10,5", "--set", "std=inf", "--out", "OUT"}, "std"},
      {{"fill", "constant", "--shape", "10,5", "--set", "val=1e39", "--out", "OUT"}, "val"},
      {{"fill", "eye", "--shape", "3,4,5", "--out", "OUT"}, "shape"},
      {{"fill", "kaiming_normal", "--shape", "10", "--out", "OUT"}, "shape"},
      {{"fill", "dirac", "--shape", "4,4", "--out", "OUT"}, "shape"},
      {{"fill", "zero_hadamard", "--shape", "4,2,2,2", "--out", "OUT"}, "kernel"},
      {{"fill", "idinit", "--shape", "4,4", "--set", "eps=-1", "--out", "OUT"}, "eps"},
      {{"fill", "idinit", "--shape", "4,4", "--set", "tau=nan", "--out", "OUT"}, "tau"},
      {{"fill", "fixup", "--shape", "4,4", "--set", "branches=10", "--set", "layers_per_branch=1", "--out", "OUT"},
       "layers_per_branch"},
      {{"fill", "fixup", "--shape", "4,4", "--out", "OUT"}, "branches"},
      {{"fill", "constnet", "--shape", "4,4", "--set", "noise_std=-inf", "--out", "OUT"}, "noise_std"},
      {{"fill", "kaiming_normal", "--shape", "10,5", "--groups", "3", "--out", "OUT"}, "groups"},
      {{"fill", "kaiming_normal", "--shape", "10,5", "--groups", "0", "--out", "OUT"}, "groups"},
      {{"fill", "uniform", "--shape", "10,5", "--block", "8,0,3,5", "--out", "OUT"}, "block"},
      {{"fill", "uniform", "--shape", "10,5", "--block", "0,4,1,2", "--out", "OUT"}, "block"},
      {{"fill", "uniform", "--shape", "10,5", "--block", "0,0,0,5", "--out", "OUT"}, "block"},
      {{"fill", "uniform", "--shape", "10,5", "--block", "1,2,3", "--out", "OUT"}, "block"},
      {{"fill", "uniform", "--shape", "10,5", "--dtype", "float8", "--out", "OUT"}, "dtype"},
      {{"fill", "uniform", "--shape", "10,5", "--engine", "mt19937", "--out", "OUT"}, "engine"},
      {{"fill", "uniform", "--shape", "10,5", "--engine", "torch", "--dtype", "float16", "--out", "OUT"}, "dtype"},
      {{"fill", "uniform", "--shape", "10,5", "--engine", "torch", "--block", "0,0,2,5", "--out", "OUT"}, "block"},
      {{"fill", "uniform", "--shape", "10,5", "--engine", "torch", "--stream", "3", "--out", "OUT"}, "stream"},
      {{"fill", "orthogonal", "--shape", "10,5", "--engine", "torch", "--out", "OUT"}, "engine"},
      {{"fill", "he_normal", "--shape", "10,5", "--engine", "torch", "--out", "OUT"}, "engine"},
      {{"fill", "uniform", "--shape", "10,5", "--layout", "nchw", "--out", "OUT"}, "layout"},
      {{"fill", "uniform", "--shape", "10,5", "--seed", "abc", "--out", "OUT"}, "seed"},
      {{"fill", "uniform", "--shape", "10,5", "--seed=-1", "--out", "OUT"}, "seed"},
      {{"fill", "uniform", "--shape", "10,5", "--stream", "18446744073709551616", "--out", "OUT"}, "stream"},
      {{"fill", "uniform", "--shape", "10,5", "--set", "a", "--out", "OUT"}, "set"},
      {{"fill", "uniform", "--shape", "10,5", "--no-such-flag", "--out", "OUT"}, "--no-such-flag"},
      {{"fill", "uniform", "extra", "--shape", "10,5", "--out", "OUT"}, "extra"},
      {{"fill", "uniform", "--out", "OUT", "--shape"}, "--shape"},
      {{"fill", "uniform", "--shape", "10,5"}, "out"},
      {{"fill", "--shape", "10,5", "--out", "OUT"}, "scheme"},
      {{"fill", "uniform", "--out", "OUT"}, "shape"},
      {{"fill", "vi3nr", "--shape", "8,8", "--set", "sigma_p=0", "--out", "OUT"}, "sigma_p"},
      {{"fill", "vi3nr", "--shape", "8,8", "--set", "activation=swish", "--out", "OUT"}, "activation"},
      {{"fill", "kumar", "--shape", "8,8", "--set", "activation=gaussian", "--out", "OUT"}, "activation"},
      {{"fill", "maxout", "--shape", "8,8", "--set", "pieces=1", "--out", "OUT"}, "pieces"},
      {{"fill", "small_init", "--shape", "8,8", "--set", "gamma=-1", "--out", "OUT"}, "gamma"},
      {{"fill", "siren", "--shape", "8,8", "--set", "omega0=inf", "--out", "OUT"}, "omega0"},
      {{"fill", "low_rank", "--shape", "8,8", "--set", "rank=9", "--out", "OUT"}, "rank"},
      {{"fill", "low_rank", "--shape", "8,8", "--out", "OUT"}, "rank"},
      {{"describe", "kaiming_normal", "--shape", "8,8", "--activation", "swish"}, "name"},
      {{"describe", "orthogonal", "--shape", "8,8", "--activation", "tanh"}, "orthogonal"},
      {{"describe", "sparse", "--shape", "100,50", "--set", "sparsity=1.5"}, "sparsity"},
      {{"describe", "kaiming_normal", "--shape", "3,,4"}, "shape"},
      {{"describe", "kaiming_normal", "--shape", "10,5", "--set", "mode"}, "set"},
      {{"describe", "kaiming_normal", "--shape", "10,5", "--dtype", "float32"}, "--dtype"},
      {{"list", "--bogus"}, "--bogus"},
      {{"no_such_command"}, "no_such_command"},
      {{}, "command"},
  };
  for (const auto& c : cases) {
    const scratch_dir dir;
    std::vector<std::string> args = c.args;
    for (auto& a : args)
      if (a == "OUT") a = dir / "o.npy";
    INFO(joined(args));
    const result r = run(args);
    INFO("stderr: " << r.err);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("nninit::", 0) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.back() == '\n');
    CHECK(r.err.find(c.needle) != std::string::npos);
    CHECK(dir.entries().empty());  // no output file and no temporary file
  }

  SUBCASE("the library's own message passes through unchanged") {
    const scratch_dir dir;
    const result r = run({"fill", "sparse", "--shape", "100,50", "--set", "sparsity=1.5", "--out", dir / "o.npy"});
    CHECK(r.code == 2);
    CHECK(r.err == "nninit::sparse: sparsity must be in [0, 1), got 1.5, for a 100x50 target\n");
    const result s = run({"fill", "uniform", "--shape", "3,,4", "--out", dir / "o.npy"});
    CHECK(s.err == "nninit::fill: shape must be positive integers separated by commas, got '3,,4'\n");
  }
}

TEST_CASE("cli: a failed fill leaves an existing output file untouched") {
  const scratch_dir dir;
  const std::string out = dir / "w.npy";
  { std::ofstream(out) << "old contents"; }
  const result r = run({"fill", "sparse", "--shape", "100,50", "--set", "sparsity=1.5", "--out", out});
  CHECK(r.code == 2);
  CHECK(slurp(out) == "old contents");
  CHECK(dir.entries() == std::vector<std::string>{"w.npy"});
}

TEST_CASE("cli: an unwritable output path exits with 2 before the fill and leaves no temporary file") {
  const scratch_dir dir;
  SUBCASE("a missing directory is refused up front, as bad input: exit 2") {
    const result r = run({"fill", "uniform", "--shape", "4,4", "--out", dir / "missing/w.npy"});
    CHECK(r.code == 2);
    CHECK(r.err == "nninit::fill: out must be a file in an existing directory, got '" + (dir / "missing/w.npy") + "'\n");
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(dir.entries().empty());
  }
  SUBCASE("a directory is not a file path: exit 2") {
    fs::create_directory(dir.path() / "sub");
    const result r = run({"fill", "uniform", "--shape", "4,4", "--out", dir / "sub"});
    CHECK(r.code == 2);
    CHECK(r.err.rfind("nninit::fill: out must be", 0) == 0);
    CHECK(dir.entries() == std::vector<std::string>{"sub"});
    CHECK(fs::is_empty(dir.path() / "sub"));
  }
}

TEST_CASE("cli: --help and --version exit with 0") {
  const result version = run({"--version"});
  CHECK(version.code == 0);
  CHECK(version.out == std::string(NNINIT_VERSION_STRING) + "\n");
  const result help = run({"--help"});
  CHECK(help.code == 0);
  for (const char* command : {"list", "describe", "fill"}) CHECK(help.out.find(command) != std::string::npos);
  const result fill_help = run({"fill", "--help"});
  CHECK(fill_help.code == 0);
  for (const char* option : {"--shape", "--set", "--seed", "--stream", "--dtype", "--block", "--out", "--layout",
                             "--groups", "--transposed"})
    CHECK(fill_help.out.find(option) != std::string::npos);
  CHECK(run({"describe", "-h"}).code == 0);
}
