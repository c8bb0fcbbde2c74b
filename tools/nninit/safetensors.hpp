// nninit tool: reading safetensors files strictly, and the checkpoint's values as doubles.
#pragma once

#include <cstdint>
#include <algorithm>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace nninit_cli {

/// One tensor of a safetensors file: offsets are absolute, from the start of the file.
struct safetensors_entry {
  std::string name;
  std::string dtype;  // F64, F32, F16, BF16 (and the integer and bool types, which read as numbers too)
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0, end = 0;
  std::uint64_t count = 0;  // values
};

/// What a safetensors header says.
struct safetensors_header {
  std::uint64_t data_start = 0;  // 8 + header length
  std::vector<safetensors_entry> tensors;  // in the order of their offsets
  std::map<std::string, std::string> metadata;
};

/// Bytes per value of a safetensors dtype, 0 when unknown.
std::uint64_t safetensors_dtype_size(std::string_view dtype);

/// Widens `count` little-endian values of a known safetensors dtype to double, exactly.
void decode_values(std::string_view dtype, const char* bytes, std::size_t count, double* out);

/// A JSON value as messages show it: compact, at most 64 characters (the tool's JSON readers).
std::string json_excerpt(const nlohmann::json& v);

/// The whole of a small regular file (at most `max_bytes`); init_error naming `argument` and the
/// `kind` of file wanted ("JSON file") otherwise.
std::string read_small_file(std::string_view command, std::string_view argument, std::string_view kind, const std::string& path,
                            std::size_t max_bytes);

/// Parses a safetensors header from the file's first bytes (`prefix`: at least 8 bytes, and the
/// whole header when its length allows) and the file's size, as the format's reference reader
/// checks it, and stricter: the length at most 100 MB and inside the file; UTF-8 JSON, an object
/// of objects; no duplicate keys; __metadata__ an object of strings; each tensor exactly dtype (a
/// known one), shape (integers >= 0) and data_offsets ([begin, end], begin <= end); the byte size
/// equal to the shape's values times the dtype's size without overflow; the tensors, sorted by
/// offset, covering the data from 0 to the end of the file without gap or overlap. A pure
/// function, safe on any bytes. Anything else throws nninit::init_error
///   "nninit::<command>: <argument> must be a safetensors file (<what>), got <the offending field> in '<source>'".
safetensors_header parse_safetensors_header(std::string_view command, std::string_view argument, std::string_view source,
                                            std::string_view prefix, std::uint64_t file_size);

/// A safetensors file opened for reading: its header, and values read on demand.
class safetensors_file {
 public:
  safetensors_file(std::string_view command, std::string_view argument, const std::string& path);
  ~safetensors_file();
  safetensors_file(const safetensors_file&) = delete;
  safetensors_file& operator=(const safetensors_file&) = delete;

  const safetensors_header& header() const { return header_; }
  const std::string& path() const { return path_; }
  /// The entry named `name`, or nullptr.
  const safetensors_entry* find(std::string_view name) const;
  /// Reads `size` bytes at absolute offset `offset` into `out`.
  void read(std::uint64_t offset, char* out, std::size_t size) const;
  /// Calls f(values, n) with the tensor's values widened to double, in C order, chunk by chunk.
  template <class F>
  void for_each_chunk(const safetensors_entry& e, F&& f) const;

 private:
  std::string command_, path_;
  int fd_ = -1;
  safetensors_header header_;
};

template <class F>
void safetensors_file::for_each_chunk(const safetensors_entry& e, F&& f) const {
  const std::uint64_t size = safetensors_dtype_size(e.dtype);
  constexpr std::uint64_t chunk = std::uint64_t{1} << 22;  // values
  std::vector<char> raw(static_cast<std::size_t>(std::min<std::uint64_t>(chunk, e.count) * size));
  std::vector<double> values(static_cast<std::size_t>(std::min<std::uint64_t>(chunk, e.count)));
  for (std::uint64_t at = 0; at < e.count; at += chunk) {
    const std::uint64_t n = std::min(chunk, e.count - at);
    read(e.begin + at * size, raw.data(), static_cast<std::size_t>(n * size));
    decode_values(e.dtype, raw.data(), static_cast<std::size_t>(n), values.data());
    f(values.data(), static_cast<std::size_t>(n));
  }
}

/// The tensor files a checkpoint path names: the file itself, or, for a
/// STEM.safetensors.index.json, every shard its weight_map lists (in order, each once).
std::vector<std::string> checkpoint_files(std::string_view command, std::string_view argument, const std::string& path);

}  // namespace nninit_cli
