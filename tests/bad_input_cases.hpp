// The bad-input matrix shared by the library's test (bad_input_test.cpp) and the tool's
// (cli/bad_input_cli_test.cpp): for every registered scheme, a valid baseline (the options it
// requires and a shape it accepts), and the classes of bad values each option type is tried with.
#pragma once

#include <nninit/nninit.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace bad_input {

/// A scheme's valid baseline: options it requires and a weight shape it accepts.
struct baseline {
  std::string scheme;
  std::vector<std::pair<std::string, std::string>> options;
  std::vector<nninit::index> dims;
};

inline baseline baseline_of(std::string_view scheme) {
  baseline b{std::string(scheme), {}, {12, 8}};
  if (scheme == "dirac" || scheme == "delta_orthogonal") b.dims = {8, 4, 3};
  if (scheme == "flyhash" || scheme == "devfly") b.dims = {12, 20};  // alpha 0.1 of 20 inputs: 2 each
  if (scheme == "sparse") b.options = {{"sparsity", "0.25"}};
  if (scheme == "fixup") b.options = {{"branches", "9"}, {"layers_per_branch", "2"}};
  if (scheme == "low_rank") b.options = {{"rank", "3"}};
  if (scheme == "megatron_scaled") b.options = {{"layers", "12"}};
  if (scheme == "depth_scaled_trunc_normal") b.options = {{"layer_id", "3"}};
  if (scheme == "mup") b.options = {{"base_fan_in", "7"}};
  if (scheme == "deepnet") b.options = {{"encoder_layers", "6"}};
  if (scheme == "t_fixup") b.options = {{"layers", "6"}};
  if (scheme == "wang_init") b.options = {{"layers", "12"}};
  if (scheme == "mimetic") b.dims = {8, 8}, b.options = {{"heads", "2"}};
  return b;
}

/// The data devfly develops from: 40 samples of the baseline's 20 inputs.
inline std::shared_ptr<const Eigen::MatrixXd> devfly_data() {
  Eigen::MatrixXd x(40, 20);
  std::uint32_t state = 12345;  // a fixed LCG: samples with distinct top inputs
  for (Eigen::Index r = 0; r < x.rows(); ++r)
    for (Eigen::Index c = 0; c < x.cols(); ++c) {
      state = state * 1664525u + 1013904223u;
      x(r, c) = static_cast<double>(state >> 8) / 16777216.0;
    }
  return std::make_shared<const Eigen::MatrixXd>(x);
}

/// The bad values an option of this type (nninit list's "type") is tried with: NaN, infinities,
/// negative, zero, huge, out of the type's range, the wrong type and empty text.
inline std::vector<std::string> bad_values(const std::string& type) {
  if (type == "number") return {"nan", "inf", "-inf", "-1", "0", "1e300", "-1e300", "1e999", "abc", "", "0x1p-1074"};
  if (type == "integer")
    return {"-1", "0", "-9223372036854775808", "9223372036854775807", "99999999999999999999", "4611686018427387904",
            "1.5", "abc", ""};
  if (type == "bool") return {"maybe", "2", ""};
  if (type == "activation") return {"no_such_activation", "", "sine:nan", "sine:-inf", "leaky_relu:1e300", "relu:abc"};
  return {"no_such_choice", ""};  // choice
}

/// Shapes no scheme may accept: negative dimensions and element counts beyond 2^63 or 2^58.
inline std::vector<std::vector<nninit::index>> bad_dims() {
  return {{-3, 8}, {12, -1}, {std::int64_t{1} << 62, std::int64_t{1} << 62}, {std::int64_t{1} << 40, std::int64_t{1} << 40}};
}

}  // namespace bad_input
