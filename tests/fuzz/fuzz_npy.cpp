// libFuzzer target: the .npy reader that `nninit fill devfly --data` and `nninit lsh` use. Any
// bytes either parse into a matrix of exactly rows x cols values or throw init_error.
#include <nninit/error.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const nninit_cli::npy_matrix m =
        nninit_cli::parse_npy_matrix("fuzz", "data", "input", std::string_view(reinterpret_cast<const char*>(data), size));
    if (m.values.size() != static_cast<std::size_t>(m.rows) * static_cast<std::size_t>(m.cols)) std::abort();
  } catch (const nninit::init_error&) {
  }
  return 0;
}
