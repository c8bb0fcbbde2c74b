// nninit tool: reading the tensors of a checkpoint or .npy file, and their statistics (inspect,
// verify).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace nninit_cli {

/// Mean, std, min, max, zeros of values seen chunk by chunk; non-finite values counted apart.
struct value_stats {
  std::uint64_t count = 0, zeros = 0, non_finite = 0;
  double mean = 0, m2 = 0;
  double min = std::numeric_limits<double>::infinity(), max = -std::numeric_limits<double>::infinity();
  void add(const double* v, std::size_t n);
  double std() const;  ///< sample standard deviation of the finite values
};

/// One tensor of a file, as inspect and verify list it.
struct tensor_info {
  std::string name;  ///< "(npy)" for a .npy file
  std::string dtype;
  std::vector<std::int64_t> shape;
  std::string file;
  std::string plan;  ///< the plan nninit recorded (JSON), or empty
};

using chunk_sink = std::function<void(const double*, std::size_t)>;
using tensor_reader = std::function<void(const chunk_sink&)>;  ///< streams the tensor's values, C order
using tensor_visitor = std::function<void(const tensor_info&, const tensor_reader&)>;

/// Calls visit for every tensor of `path`: a .safetensors file, a .safetensors.index.json (every
/// shard it lists) or a 2-D .npy file; the reader streams its values. Files are read strictly
/// (safetensors.hpp, npy.hpp), and each is checked before its first tensor is visited.
void for_each_tensor(std::string_view command, const std::string& path, const tensor_visitor& visit);

bool ends_with(std::string_view text, std::string_view suffix);

/// "[24, 48]": a tensor's shape as inspect and verify print it.
std::string dims_text(const std::vector<std::int64_t>& dims);

}  // namespace nninit_cli
