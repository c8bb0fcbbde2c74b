// libFuzzer target: the tool's file readers, on the same bytes: the .npy reader that `nninit
// fill devfly --data`, `nninit lsh`, `inspect` and `verify` use, and the safetensors header
// parser of `inspect` and `verify`. Any bytes either parse into what the format says (a matrix of
// exactly rows x cols values; tensors covering the data exactly, each its shape's bytes) or throw
// init_error.
#include <nninit/error.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "npy.hpp"
#include "safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const nninit_cli::npy_matrix m = nninit_cli::parse_npy_matrix("fuzz", "data", "input", bytes);
    if (m.values.size() != static_cast<std::size_t>(m.rows) * static_cast<std::size_t>(m.cols)) std::abort();
  } catch (const nninit::init_error&) {
  }
  try {
    const nninit_cli::safetensors_header h = nninit_cli::parse_safetensors_header("fuzz", "file", "input", bytes, size);
    std::uint64_t at = h.data_start;
    for (const auto& e : h.tensors) {
      if (e.begin != at || e.end < e.begin || e.count * nninit_cli::safetensors_dtype_size(e.dtype) != e.end - e.begin) std::abort();
      at = e.end;
    }
    if (at != size) std::abort();
  } catch (const nninit::init_error&) {
  }
  return 0;
}
