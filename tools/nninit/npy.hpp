// nninit tool: writing a .npy file (NumPy format 1.0), atomically, and reading a 2-D one strictly.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace nninit_cli {

/// The NumPy dtype of a scalar type, little-endian: "<f2" (Eigen::half), "<f4", "<f8".
template <class T>
constexpr std::string_view npy_descr() {
  static_assert(sizeof(T) == 2 || std::is_same_v<T, float> || std::is_same_v<T, double>,
                "nninit tool: half, float or double only");
  return sizeof(T) == 2 ? "<f2" : std::is_same_v<T, float> ? "<f4" : "<f8";
}

/// Everything a .npy file holds before its data: the magic string, version 1.0, the header
/// length (16 bits, little-endian) and the header, a Python dict literal
///   {'descr': '<f4', 'fortran_order': False, 'shape': (64, 3, 3, 3), }
/// padded with spaces and ended with '\n' so that the data starts at a multiple of 64 bytes.
/// Throws init_error (as `command`) when the header would not fit in format 1.0.
std::string npy_preamble(std::string_view command, std::string_view descr, const std::vector<std::int64_t>& shape);

/// Bytes to write, not owned.
struct byte_span {
  const char* data;
  std::size_t size;
};

/// Writes `parts` one after the other to the output `path` names (check_outputs, errors.hpp):
/// - a regular file, new or existing: atomically, into a new temporary file in the file's
///   directory, which is flushed to disk (fsync), closed and then renamed over the file. A
///   symlink (chains and relative links too) is followed to the file it names, which is replaced
///   beside itself, so the link stays a link; a dangling symlink's target is created. On any
///   error the temporary file is removed, the file is left as it was, and std::system_error is
///   thrown (exit code 1);
/// - `-`, or standard output's own file: through descriptor 1;
/// - a character device, FIFO or socket: in place (opened for writing, never created, truncated
///   or replaced), every byte written, fsync'ed where that applies. A refusal (ENOSPC from
///   /dev/full, no reader) throws init_error (exit code 2): it is what the user named.
/// A path that cannot name an output (empty, a directory, a block device, a symlink loop) throws
/// init_error. Messages are in the tool's form and name `argument` and the path.
void write_file_atomically(std::string_view command, const std::string& path, const std::vector<byte_span>& parts,
                           std::string_view argument = "out");

/// Writes `count` values (C order, logical shape `shape`) as a .npy file at `path`, atomically.
template <class T>
void write_npy(std::string_view command, const std::string& path, const std::vector<std::int64_t>& shape,
               const T* values, std::size_t count) {
  const std::string preamble = npy_preamble(command, npy_descr<T>(), shape);
  const std::size_t bytes = count * sizeof(T);
  if constexpr (std::endian::native == std::endian::little) {
    const char* raw = reinterpret_cast<const char*>(values);
    write_file_atomically(command, path, {{preamble.data(), preamble.size()}, {raw, bytes}});
  } else {
    // .npy data is little-endian as the header says: swap each value's bytes on other hosts.
    std::vector<char> swapped(bytes);
    for (std::size_t i = 0; i < count; ++i) {
      char one[sizeof(T)];
      std::memcpy(one, values + i, sizeof(T));
      for (std::size_t b = 0; b < sizeof(T); ++b) swapped[i * sizeof(T) + b] = one[sizeof(T) - 1 - b];
    }
    write_file_atomically(command, path, {{preamble.data(), preamble.size()}, {swapped.data(), swapped.size()}});
  }
}

/// A 2-D matrix read from a .npy file: samples as rows.
struct npy_matrix {
  std::int64_t rows = 0, cols = 0;
  std::vector<double> values;  // row-major, rows * cols (a Fortran-order file is transposed into it)
  std::string dtype;           // "float32" or "float64", as the file stored it
};

/// Parses the bytes of a whole .npy file holding a 2-D float32 or float64 array: NumPy format 1.0,
/// 2.0 or 3.0; a header dict with exactly 'descr', 'fortran_order' and 'shape'; descr '<f4',
/// '<f8', '>f4', '>f8', '=f4' or '=f8'; C or Fortran order; and exactly rows * cols values after
/// the header. Values are widened to double exactly; NaN and infinities are kept.
/// A pure function of its input, safe on any bytes (no recursion, allocation bounded by the
/// input's size). Anything else throws nninit::init_error
///   "nninit::<command>: <argument> must be a 2-D float32 or float64 .npy file ..., got ... in '<source>'"
/// where `source` names the file.
npy_matrix parse_npy_matrix(std::string_view command, std::string_view argument, std::string_view source,
                            std::string_view bytes);

/// Reads the .npy file at `path` and parses it (parse_npy_matrix). A path that is missing,
/// unreadable, not a regular file or larger than 2^34 bytes throws nninit::init_error naming
/// `argument` and the path, before anything is read.
npy_matrix read_npy_matrix(std::string_view command, std::string_view argument, const std::string& path);

}  // namespace nninit_cli
