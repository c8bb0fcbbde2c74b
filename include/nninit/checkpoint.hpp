// nninit: seed checkpoints. A whole model's initial weights written straight into safetensors
// files, chunk by chunk (memory bounded whatever the model's size), the same bits for every
// tensor-parallel layout: a rank's file holds exactly its slices of the whole tensors, each
// value a function of (seed, tensor name, logical index) only.
//
// Not included by nninit.hpp: it uses POSIX I/O (open, write, fsync, rename).
//
//   std::vector<nninit::checkpoint_tensor> tensors = {
//       {"embed.weight", nninit::shape{32000, 4096}, nninit::initializer("normal")},
//       {"norm.weight", nninit::shape{4096}, nninit::initializer("ones")}};
//   nninit::checkpoint_options o;
//   o.seed = 1;
//   nninit::write_checkpoint("seed", tensors, o);   // seed/model.safetensors
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "model.hpp"
#include "version.hpp"

namespace nninit {

/// How a checkpoint stores a tensor's values. Values are computed in float (double for float64)
/// and rounded once, to nearest even (Eigen::bfloat16, Eigen::half).
enum class storage_type { float32, bfloat16, float16, float64 };

namespace detail {
template <>
struct enum_names<storage_type> {
  static constexpr std::array<std::pair<storage_type, std::string_view>, 4> table{{
      {storage_type::float32, "float32"},
      {storage_type::bfloat16, "bfloat16"},
      {storage_type::float16, "float16"},
      {storage_type::float64, "float64"},
  }};
};
}  // namespace detail

/// The safetensors name of a storage type: F32, BF16, F16, F64.
constexpr std::string_view safetensors_dtype(storage_type t) {
  switch (t) {
    case storage_type::bfloat16: return "BF16";
    case storage_type::float16: return "F16";
    case storage_type::float64: return "F64";
    case storage_type::float32: break;
  }
  return "F32";
}

/// Bytes per value.
constexpr std::uint64_t storage_bytes(storage_type t) {
  return t == storage_type::float64 ? 8 : t == storage_type::float32 ? 4 : 2;
}

/// Which rank of how many a checkpoint is written for.
struct tensor_parallel {
  index size = 1;  ///< ranks, >= 1
  index rank = 0;  ///< in [0, size)
};

/// How tensor parallelism splits one tensor, as Megatron-LM does: column-parallel weights (q, k,
/// v, gate, up) along their output dimension, row-parallel ones (o, down) along their input
/// dimension, the vocabulary-parallel embedding and readout along the vocabulary.
struct tp_split {
  int dim = -1;       ///< the logical dimension split (0 or 1 of a 1-D or 2-D tensor); -1: every rank holds it whole
  index granule = 1;  ///< each rank's share is whole granules (a head's rows: GQA heads stay whole per rank)
  bool even = true;   ///< the granules of each piece must divide by the ranks (Megatron); false: the first
                      ///< (n mod R) ranks get one granule more (numpy.array_split, DTensor-like uneven shards)
};

/// One block of a packed tensor (GPT-2's c_attn: q, k, v) along its output dimension, planned
/// and drawn as a tensor of its own: its own shape (the output dimension replaced by `size`), so
/// its own fans (the pytorch #166378 trap), and stream tensor_engine(seed, name).fork(i).
struct checkpoint_piece {
  std::string name;  ///< for the metadata and messages ("q")
  index size;        ///< extent along the output dimension
  initializer scheme;
};

/// One tensor of a checkpoint: its name (its stream, tensor_engine(seed, name)), the WHOLE
/// tensor's logical shape and layout (every rank gives the same), the scheme, how it is stored,
/// and how tensor parallelism splits it.
struct checkpoint_tensor {
  std::string name;
  nninit::shape shape;
  initializer scheme{"zeros"};               ///< every value, unless `pieces` is given
  storage_type type = storage_type::float32;
  tp_split split{};
  std::vector<checkpoint_piece> pieces{};    ///< a packed tensor's blocks along its output dimension, in order
  index zero_row = -1;                       ///< a row of the 2-D view set to 0 after the fill (an embedding's padding_idx); -1: none
};

/// Where and how a checkpoint is written.
struct checkpoint_options {
  std::uint64_t seed = 0;
  tensor_parallel tp{};
  std::uint64_t max_shard_bytes = 0;  ///< > 0: files of at most this many tensor bytes (a larger tensor alone), as Hugging Face shards
  parallel par{};                     ///< threads per fill; the bytes do not depend on it
  std::string stem = "model";         ///< file names: STEM.safetensors, or STEM-0000i-of-0000N.safetensors and STEM.safetensors.index.json
  index chunk_values = index{1} << 24;  ///< values filled and written at a time (memory: about this times the storage size)
  std::vector<std::pair<std::string, std::string>> metadata{};  ///< more __metadata__ entries (string values)
};

/// One file written.
struct checkpoint_file {
  std::string path;
  std::uint64_t bytes = 0;  ///< the whole file
  std::vector<std::string> tensors;
};

/// What write_checkpoint wrote: the files, the index (empty for one file) and the tensor bytes.
struct checkpoint_result {
  std::vector<checkpoint_file> files;
  std::string index_path;
  std::uint64_t tensor_bytes = 0;
};

namespace detail {

/// JSON string literal of UTF-8 text, control characters escaped.
inline std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') out.append(1, '\\').append(1, c);
    else if (u < 0x20) {
      static constexpr char hex[] = "0123456789abcdef";
      out.append("\\u00").append(1, hex[u >> 4]).append(1, hex[u & 15]);
    } else out.append(1, c);
  }
  return out.append("\"");
}

inline std::string json_dims(const std::vector<index>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s.append(i ? "," : "").append(std::to_string(dims[i]));
  return s.append("]");
}

/// A plan's number for JSON: shortest round-trip text, null when not set or not finite.
inline std::string json_number(double v) { return std::isfinite(v) ? number(v) : std::string("null"); }

/// The part of one piece a rank holds along the split dimension, in the piece's own coordinates.
struct piece_range {
  index begin = 0, end = 0;
};

/// Where the packed pieces of a tensor lie: dimension 0 (out_in, 1-D) or the last (in_out).
inline int piece_dim(const shape& s) { return s.order == layout::in_out && s.dims.size() >= 2 ? static_cast<int>(s.dims.size()) - 1 : 0; }

/// The pieces of a tensor, one when it is not packed.
inline std::vector<checkpoint_piece> pieces_of(const checkpoint_tensor& t) {
  if (!t.pieces.empty()) return t.pieces;
  const index extent = t.shape.dims.empty() ? 1 : t.shape.dims[static_cast<std::size_t>(piece_dim(t.shape))];
  return {{"", extent, t.scheme}};
}

/// Piece i's own shape: the whole shape with the packed dimension replaced by its size.
inline shape piece_shape(const checkpoint_tensor& t, const checkpoint_piece& p) {
  shape s = t.shape;
  s.row0 = s.col0 = 0;
  if (!t.pieces.empty()) s.dims[static_cast<std::size_t>(piece_dim(t.shape))] = p.size;
  return s;
}

inline engine piece_engine(const checkpoint_tensor& t, std::uint64_t seed, std::size_t i) {
  const engine e = tensor_engine(seed, t.name);
  return t.pieces.empty() ? e : e.fork(i);
}

/// Rank r's range of n granules split over `ranks` (even: n / ranks each; else numpy.array_split).
inline piece_range share(index n, index ranks, index r) {
  const index base = n / ranks, extra = n % ranks;
  const index begin = r * base + std::min(r, extra);
  return {begin, begin + base + (r < extra ? 1 : 0)};
}

}  // namespace detail

/// A tensor as one rank holds it: its dimensions, and per piece the range it holds along the
/// split dimension (the whole piece when the tensor is not split).
struct tensor_slice {
  std::vector<index> dims;
  std::vector<detail::piece_range> ranges;  ///< per piece, in the piece's coordinates along `dim`
  int dim = -1;                             ///< the split dimension, -1: whole
};

/// Checks one tensor for writing at rank `tp` and returns its slice. Throws init_error, in the
/// words of "checkpoint" and ending with " (tensor 'NAME')", for a bad name, shape, scheme,
/// split or padding row.
inline tensor_slice slice_of(const checkpoint_tensor& t, const tensor_parallel& tp) {
  const detail::checker check("checkpoint", t.shape.text());
  try {
    if (t.name.empty() || t.name == "__metadata__")
      check.fail("name", "non-empty and not __metadata__", detail::quoted(t.name));
    if (tp.size < 1) check.fail("tp", ">= 1", detail::number(tp.size));
    if (tp.rank < 0 || tp.rank >= tp.size) check.fail("rank", detail::cat("in [0, ", detail::number(tp.size), ")"), detail::number(tp.rank));
    for (const index d : t.shape.dims)
      if (d < 0) check.fail("shape", "dimensions >= 0", t.shape.text());
    if (t.shape.row0 != 0 || t.shape.col0 != 0)
      check.fail("shape", "the whole tensor (the rank's slice comes from split)", detail::cat("an offset (", detail::number(t.shape.row0), ", ", detail::number(t.shape.col0), ")"));
    // numel * 8 must fit in 63 bits before anything multiplies it.
    std::uint64_t numel = 1;
    for (const index d : t.shape.dims) {
      if (d != 0 && numel > (std::uint64_t{1} << 59) / static_cast<std::uint64_t>(d))
        check.fail("shape", "at most 2^59 values", t.shape.text());
      numel *= static_cast<std::uint64_t>(d);
    }
    const auto pieces = detail::pieces_of(t);
    const int pdim = detail::piece_dim(t.shape);
    if (!t.pieces.empty()) {
      if (t.shape.dims.empty()) check.fail("pieces", "absent for a scalar", "pieces");
      index total = 0;
      for (const auto& p : pieces) {
        if (p.size < 1) check.fail(detail::cat("size of piece ", detail::quoted(p.name)), ">= 1", detail::number(p.size));
        total += p.size;
      }
      if (total != t.shape.dims[static_cast<std::size_t>(pdim)])
        check.fail("pieces", detail::cat("sizes summing to dimension ", detail::number(static_cast<index>(pdim)), ", ",
                                         detail::number(t.shape.dims[static_cast<std::size_t>(pdim)])),
                   detail::number(total));
    }
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      const initializer& s = pieces[i].scheme;
      if (s.takes_data()) check.fail("scheme", "one drawn from the seed (devfly develops from data)", std::string(s.name()));
      s.describe(detail::piece_shape(t, pieces[i]));  // the options and the shape, in the scheme's words
    }
    if (t.zero_row != -1 && (t.zero_row < 0 || t.zero_row >= t.shape.rows()))
      check.fail("zero_row", detail::cat("-1 or a row in [0, ", detail::number(t.shape.rows()), ")"), detail::number(t.zero_row));

    tensor_slice out{t.shape.dims, {}, t.split.dim};
    const tp_split& sp = t.split;
    if (sp.dim < 0 || tp.size == 1) {
      for (const auto& p : pieces) out.ranges.push_back({0, p.size});
      out.dim = -1;
      return out;
    }
    if (t.shape.dims.size() > 2 || sp.dim >= static_cast<int>(t.shape.dims.size()))
      check.fail("split", "dimension 0 or 1 of a 1-D or 2-D tensor", detail::number(static_cast<index>(sp.dim)));
    if (sp.granule < 1) check.fail("granule", ">= 1", detail::number(sp.granule));
    const bool packed_along_split = sp.dim == pdim;
    if (!packed_along_split && pieces.size() > 1)
      check.fail("split", detail::cat("dimension ", detail::number(static_cast<index>(pdim)), ", the packed pieces' dimension"),
                 detail::number(static_cast<index>(sp.dim)));
    const index extent = t.shape.dims[static_cast<std::size_t>(sp.dim)];
    index held = 0;
    for (const auto& p : pieces) {
      const index along = packed_along_split ? p.size : extent;
      if (along % sp.granule != 0)
        check.fail("split", detail::cat("granules of ", detail::number(sp.granule), " dividing ", detail::number(along)), detail::number(along));
      const index granules = along / sp.granule;
      if (sp.even && granules % tp.size != 0)
        check.fail("tp", detail::cat("a divisor of the ", detail::number(granules), granules == along ? " entries" : " groups of " + detail::number(sp.granule),
                                     " along dimension ", detail::number(static_cast<index>(sp.dim))),
                   detail::number(tp.size));
      const detail::piece_range r = detail::share(granules, tp.size, tp.rank);
      out.ranges.push_back({r.begin * sp.granule, r.end * sp.granule});
      held += (r.end - r.begin) * sp.granule;
    }
    out.dims[static_cast<std::size_t>(sp.dim)] = held;
    return out;
  } catch (const init_error& e) {
    throw init_error(detail::cat(e.what(), " (tensor ", detail::quoted(t.name), ")"));
  }
}

namespace detail {

template <class T>
T* typed(std::vector<unsigned char>& buffer) {
  return reinterpret_cast<T*>(buffer.data());
}

/// Fills rows [r0, r1) of the rank's slice (its 2-D view, C order) into `out` (row-major, the
/// slice's columns wide), piece by piece, each piece's values those of its whole fill. Pieces lie
/// along the view's rows (out_in, 1-D) or columns (in_out); a split cuts rows (dimension 0) or
/// columns (dimension 1), the pieces' axis or the other one.
template <class T>
void fill_slice_rows(const checkpoint_tensor& t, const std::vector<checkpoint_piece>& pieces, const tensor_slice& sl,
                     std::uint64_t seed, const parallel& par, index r0, index r1, T* out) {
  using map = nninit::tensor_target::map<T>;
  using stride = Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>;
  const bool pieces_on_rows = piece_dim(t.shape) == 0;
  const bool split_on_pieces = sl.dim >= 0 && (sl.dim == 0) == pieces_on_rows;
  shape slice_shape(sl.dims);
  slice_shape.order = t.shape.order;
  const index cols = sl.dims.empty() ? 1 : slice_shape.cols();
  index at = 0;     // where the piece starts along the pieces' axis, in the slice
  index whole = 0;  // where it starts in the whole tensor
  index zero_at = -1;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    shape ps = piece_shape(t, pieces[i]);
    const piece_range along = split_on_pieces ? sl.ranges[i] : piece_range{0, pieces[i].size};
    const index other = pieces_on_rows ? (ps.dims.empty() ? 1 : ps.cols()) : ps.rows();
    const piece_range across = sl.dim >= 0 && !split_on_pieces ? sl.ranges[0] : piece_range{0, other};
    const index held = along.end - along.begin;
    const engine eng = piece_engine(t, seed, i);
    if (pieces_on_rows) {
      const index lo = std::max(r0, at), hi = std::min(r1, at + held);
      if (lo < hi)
        pieces[i].scheme.fill(map(out + (lo - r0) * cols, hi - lo, across.end - across.begin, stride(cols, 1)), eng,
                              ps.at(along.begin + lo - at, across.begin), par);
      if (t.zero_row >= whole + along.begin && t.zero_row < whole + along.end) zero_at = at + t.zero_row - whole - along.begin;
    } else if (held > 0) {
      pieces[i].scheme.fill(map(out + at, r1 - r0, held, stride(cols, 1)), eng, ps.at(across.begin + r0, along.begin), par);
      if (t.zero_row >= across.begin && t.zero_row < across.end) zero_at = t.zero_row - across.begin;
    }
    at += held;
    whole += pieces[i].size;
  }
  if (t.zero_row >= 0 && zero_at >= r0 && zero_at < r1)
    std::fill(out + (zero_at - r0) * cols, out + (zero_at - r0 + 1) * cols, T(0));
}

template <class T>
void swap_to_little_endian(T* values, std::size_t count) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  for (std::size_t i = 0; i < count; ++i) {
    auto* b = reinterpret_cast<unsigned char*>(values + i);
    std::reverse(b, b + sizeof(T));
  }
#else
  (void)values, (void)count;
#endif
}

/// True when a plan's values are drawn element by element, so any block of rows costs only its
/// own values; the others (orthogonal, low_rank, ...) are filled as the whole slice at once.
inline bool fills_by_rows(const initializer& s, const shape& whole) {
  switch (s.describe(whole).dist) {
    case distribution::constant:
    case distribution::uniform:
    case distribution::normal:
    case distribution::truncated_normal:
    case distribution::identity:
    case distribution::uniform_plus_normal: return true;
    default: return false;
  }
}

}  // namespace detail

/// Calls sink(bytes, size) with the rank's slice of `t`, little-endian, in C order, chunk by
/// chunk (about `chunk_values` values each; a scheme that is not drawn element by element, such
/// as orthogonal, in one chunk). What write_checkpoint writes and what verify compares with.
/// `t` must have passed slice_of.
template <class Sink>
void generate_tensor(const checkpoint_tensor& t, const tensor_slice& sl, std::uint64_t seed, const parallel& par,
                     index chunk_values, Sink&& sink) {
  const auto pieces = detail::pieces_of(t);
  shape slice_shape(sl.dims);
  slice_shape.order = t.shape.order;
  const index rows = sl.dims.empty() ? 1 : slice_shape.rows(), cols = sl.dims.empty() ? 1 : slice_shape.cols();
  if (rows == 0 || cols == 0) return;
  bool by_rows = true;
  for (std::size_t i = 0; i < pieces.size(); ++i) by_rows = by_rows && detail::fills_by_rows(pieces[i].scheme, detail::piece_shape(t, pieces[i]));
  const index step = by_rows ? std::max<index>(1, chunk_values / cols) : rows;
  std::vector<unsigned char> buffer(static_cast<std::size_t>(std::min(step, rows) * cols) * storage_bytes(t.type));
  const auto run = [&](auto* out) {
    using T = std::remove_pointer_t<decltype(out)>;
    for (index r0 = 0; r0 < rows; r0 += step) {
      const index r1 = std::min(rows, r0 + step);
      detail::fill_slice_rows<T>(t, pieces, sl, seed, par, r0, r1, out);
      const auto count = static_cast<std::size_t>((r1 - r0) * cols);
      detail::swap_to_little_endian(out, count);
      sink(reinterpret_cast<const char*>(out), count * sizeof(T));
    }
  };
  switch (t.type) {
    case storage_type::float32: run(detail::typed<float>(buffer)); break;
    case storage_type::float64: run(detail::typed<double>(buffer)); break;
    case storage_type::bfloat16: run(detail::typed<Eigen::bfloat16>(buffer)); break;
    case storage_type::float16: run(detail::typed<Eigen::half>(buffer)); break;
  }
}

/// The plan of one tensor as the checkpoint's metadata records it: a JSON object with the
/// scheme, its options, the whole shape and layout, fans, std or bound, the stream, and the
/// rank's slice. Packed tensors list their pieces.
inline std::string tensor_plan_json(const checkpoint_tensor& t, const tensor_slice& sl, std::uint64_t seed) {
  using detail::json_number;
  using detail::json_string;
  const auto pieces = detail::pieces_of(t);
  const auto piece_json = [&](std::size_t i) {
    const initializer& s = pieces[i].scheme;
    const shape ps = detail::piece_shape(t, pieces[i]);
    const plan p = s.describe(ps);
    std::string o = "{\"scheme\":" + json_string(s.name()) + ",\"options\":{";
    bool first = true;
    for (const auto& [name, value] : s.options()) {
      o.append(first ? "" : ",").append(json_string(name)).append(":").append(json_string(value));
      first = false;
    }
    o.append("},\"stream\":").append(json_string(std::to_string(detail::piece_engine(t, seed, i).stream())));
    o.append(",\"fan_in\":").append(p.fan_in >= 0 ? std::to_string(p.fan_in) : "null");
    o.append(",\"fan_out\":").append(p.fan_out >= 0 ? std::to_string(p.fan_out) : "null");
    o.append(",\"std\":").append(json_number(p.std)).append(",\"bound\":").append(json_number(p.bound));
    if (!t.pieces.empty()) o.append(",\"name\":").append(json_string(pieces[i].name)).append(",\"size\":").append(std::to_string(pieces[i].size));
    return o.append("}");
  };
  std::string o = "{\"shape\":" + detail::json_dims(t.shape.dims) + ",\"layout\":" +
                  json_string(t.shape.order == layout::in_out ? "in_out" : "out_in");
  if (t.pieces.empty()) {
    const std::string p = piece_json(0);
    o.append(",").append(p.substr(1, p.size() - 2));
  } else {
    o.append(",\"pieces\":[");
    for (std::size_t i = 0; i < pieces.size(); ++i) o.append(i ? "," : "").append(piece_json(i));
    o.append("]");
  }
  if (t.zero_row >= 0) o.append(",\"zero_row\":").append(std::to_string(t.zero_row));
  if (sl.dim >= 0) {
    o.append(",\"split\":{\"dim\":").append(std::to_string(sl.dim)).append(",\"ranges\":[");
    for (std::size_t i = 0; i < sl.ranges.size(); ++i)
      o.append(i ? "," : "").append("[").append(std::to_string(sl.ranges[i].begin)).append(",").append(std::to_string(sl.ranges[i].end)).append("]");
    o.append("]}");
  }
  return o.append("}");
}

namespace detail {

/// An open temporary file beside its final name, removed unless committed.
///
/// A large file (`expected` >= 64 MB) is written with O_DIRECT where the file system allows it:
/// the bytes go through two 32 MB aligned buffers, each written by a background thread while the
/// caller fills the other, straight to the disk (no page-cache copy competing with the
/// generator for the CPU); the last partial block is padded, written, and cut off with
/// ftruncate. Elsewhere (tmpfs, small files) it writes through the page cache and streams the
/// writeback (write_behind).
class temp_file {
 public:
  temp_file(const checker& check, const std::string& dir, const std::string& final_name, std::uint64_t expected)
      : final_(dir + "/" + final_name) {
    std::string pattern = dir + "/." + final_name + ".nninit-XXXXXX";
    fd_ = ::mkstemp(pattern.data());
    if (fd_ < 0) check.fail("out", "a writable directory", detail::cat(detail::quoted(dir), " (", std::strerror(errno), ")"));
    path_ = pattern;
    const mode_t mask = ::umask(0);  // mkstemp makes 0600; a checkpoint is as readable as any file
    ::umask(mask);
    ::fchmod(fd_, 0666 & ~mask);
#if defined(__linux__) && defined(O_DIRECT)
    if (expected >= 2 * buffer_bytes) {
      direct_fd_ = ::open(path_.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
      if (direct_fd_ >= 0)
        for (auto& b : buffers_) b.reset(static_cast<char*>(std::aligned_alloc(block, buffer_bytes)));
      if (direct_fd_ >= 0 && (!buffers_[0] || !buffers_[1])) {  // no memory for them: through the page cache
        ::close(direct_fd_);
        direct_fd_ = -1;
      }
    }
#else
    (void)expected;
#endif
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  ~temp_file() {
    if (pending_.valid()) pending_.wait();
    if (direct_fd_ >= 0) ::close(direct_fd_);
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }

  void write(const checker& check, const char* data, std::size_t size) {
    if (direct_fd_ >= 0) {
      while (size > 0) {
        const std::size_t n = std::min(size, buffer_bytes - filled_);
        std::memcpy(buffers_[current_].get() + filled_, data, n);
        data += n, size -= n, filled_ += n, written_ += n;
        if (filled_ == buffer_bytes) submit(check, buffer_bytes);
      }
      return;
    }
    while (size > 0) {
      const ssize_t n = ::write(fd_, data, std::min<std::size_t>(size, std::size_t{1} << 30));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail(check, errno);
      data += n, size -= static_cast<std::size_t>(n), written_ += static_cast<std::uint64_t>(n);
    }
    write_behind();
  }
  /// Flushes to disk and closes; the file keeps its temporary name until commit.
  void finish(const checker& check) {
    if (direct_fd_ >= 0) {
      const std::size_t tail = filled_;
      if (tail > 0) {  // padded to a whole block, then cut back to the file's size
        const std::size_t padded = (tail + block - 1) / block * block;
        std::memset(buffers_[current_].get() + tail, 0, padded - tail);
        submit(check, padded);
      }
      wait(check);
      for (auto& b : buffers_) b.reset();  // the other files of the checkpoint need them no more
      if (::ftruncate(fd_, static_cast<off_t>(written_)) != 0) fail(check, errno);
    }
    if (::fsync(fd_) != 0) fail(check, errno);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail(check, errno);
  }
  /// Renames it to its final name.
  void commit(const checker& check) {
    if (::rename(path_.c_str(), final_.c_str()) != 0) fail(check, errno);
    path_.clear();
  }
  std::uint64_t written() const { return written_; }
  const std::string& final_path() const { return final_; }

 private:
  static constexpr std::size_t block = 4096, buffer_bytes = std::size_t{32} << 20;

  [[noreturn]] void fail(const checker& check, int err) const {
    check.fail("out", "written in full", detail::cat(detail::quoted(final_), ": ", std::strerror(err)));
  }
  /// Waits for the background write; its error, if any, is this write's.
  void wait(const checker& check) {
    if (!pending_.valid()) return;
    const int err = pending_.get();
    if (err != 0) fail(check, err);
  }
  /// Hands the current buffer (`n` bytes) to a background write at the next offset, and goes on
  /// with the other buffer once its own write has finished.
  void submit(const checker& check, std::size_t n) {
    wait(check);
    const char* data = buffers_[current_].get();
    pending_ = std::async(std::launch::async, [fd = direct_fd_, data, n, at = offset_] {
      for (std::size_t done = 0; done < n;) {
        const ssize_t k = ::pwrite(fd, data + done, n - done, static_cast<off_t>(at + done));
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return k == 0 ? EIO : errno;
        done += static_cast<std::size_t>(k);
      }
      return 0;
    });
    offset_ += n;
    current_ ^= 1;
    filled_ = 0;
  }
  /// Streams to the disk as it goes (Linux): starts the writeback of each 64 MB written, and
  /// once four such windows are in flight waits for the oldest and drops it from the page cache.
  /// Without this the kernel holds gigabytes of dirty pages and then throttles the writer while
  /// reclaiming them: a 13.5 GB checkpoint was written at a third of the disk's rate. Errors
  /// surface at fsync.
  void write_behind() {
#if defined(__linux__)
    constexpr std::uint64_t window = std::uint64_t{64} << 20, in_flight = 4 * window;
    if (written_ - started_ < window) return;
    ::sync_file_range(fd_, static_cast<off_t>(started_), static_cast<off_t>(written_ - started_), SYNC_FILE_RANGE_WRITE);
    started_ = written_;
    if (started_ - dropped_ > in_flight) {
      const std::uint64_t until = started_ - in_flight;
      ::sync_file_range(fd_, static_cast<off_t>(dropped_), static_cast<off_t>(until - dropped_),
                        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
      ::posix_fadvise(fd_, static_cast<off_t>(dropped_), static_cast<off_t>(until - dropped_), POSIX_FADV_DONTNEED);
      dropped_ = until;
    }
#endif
  }

  struct free_deleter {
    void operator()(char* p) const { std::free(p); }
  };
  std::string final_, path_;
  int fd_ = -1, direct_fd_ = -1;
  std::uint64_t written_ = 0, started_ = 0, dropped_ = 0, offset_ = 0;
  std::unique_ptr<char, free_deleter> buffers_[2];
  std::size_t filled_ = 0;
  int current_ = 0;
  std::future<int> pending_;  // last: destroyed (waited for) before the buffers it writes from
};

inline std::string shard_name(const std::string& stem, std::size_t i, std::size_t n) {
  char buf[64];
  (void)std::snprintf(buf, sizeof buf, "-%05zu-of-%05zu.safetensors", i + 1, n);
  return stem + buf;
}

/// True for a file an earlier checkpoint of `stem` may have left: STEM.safetensors,
/// STEM.safetensors.index.json, STEM-#####-of-#####.safetensors.
inline bool checkpoint_file_name(std::string_view file, std::string_view stem) {
  if (file.substr(0, stem.size()) != stem) return false;
  const std::string_view rest = file.substr(stem.size());
  if (rest == ".safetensors" || rest == ".safetensors.index.json") return true;
  if (rest.size() != std::string_view("-00001-of-00002.safetensors").size()) return false;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    const char want = "-#####-of-#####.safetensors"[i];
    if (want == '#' ? rest[i] < '0' || rest[i] > '9' : rest[i] != want) return false;
  }
  return true;
}

/// Removes what an earlier checkpoint of `stem` left in `dir` and this one did not write (a
/// sharded write after a single file, fewer shards than before), as save_pretrained does, so
/// that a loader never mixes two checkpoints.
inline void remove_stale(const std::string& dir, const std::string& stem, const std::vector<std::string>& written) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  std::vector<std::string> stale;
  while (const dirent* e = ::readdir(d)) {
    const std::string path = dir + "/" + e->d_name;
    if (checkpoint_file_name(e->d_name, stem) && std::find(written.begin(), written.end(), path) == written.end()) stale.push_back(path);
  }
  ::closedir(d);
  for (const auto& path : stale) ::unlink(path.c_str());
}

}  // namespace detail

/// Writes the rank's checkpoint of `tensors` into `directory` (which must exist): one
/// safetensors file STEM.safetensors, or, when `max_shard_bytes` splits it, files
/// STEM-00001-of-0000N.safetensors (tensors in order, a new file when the next tensor would
/// exceed the size, a larger tensor alone) and STEM.safetensors.index.json, as Hugging Face
/// names them. Each header's __metadata__ holds "format": "pt" (what transformers checks), the
/// options' metadata, and "nninit": a JSON text with the library and stream versions, the seed,
/// the tensor-parallel rank, and every tensor's plan (tensor_plan_json).
///
/// Validate everything, then write: every tensor (slice_of), unique names, byte sizes and the
/// directory are checked before the first byte. Values are filled chunk by chunk and written as
/// they are filled, so memory stays about `chunk_values` values whatever the model's size. Each
/// file goes to a hidden temporary name beside its final one, is fsynced, and is renamed only when
/// every file is complete: an interrupted or failed run (a full disk, a file-size limit) leaves
/// no file under a final name, and a failure removes the temporary files and throws init_error.
/// Files of an earlier checkpoint of the same stem that this one does not replace (other shard
/// counts, a single file) are then removed, as transformers' save_pretrained does.
/// A template only so that the fills are compiled where it is called (as init_model).
template <int = 0>
checkpoint_result write_checkpoint(const std::string& directory, const std::vector<checkpoint_tensor>& tensors,
                                   const checkpoint_options& o) {
  const detail::checker check("checkpoint", "");
  if (o.par.threads < 1) check.fail("threads", ">= 1", detail::number(static_cast<index>(o.par.threads)));
  if (o.chunk_values < 1) check.fail("chunk_values", ">= 1", detail::number(o.chunk_values));
  if (o.stem.empty() || o.stem.find('/') != std::string::npos) check.fail("stem", "a file name without '/'", detail::quoted(o.stem));
  std::vector<tensor_slice> slices;
  std::unordered_set<std::string_view> names;
  std::vector<std::uint64_t> sizes;
  std::uint64_t total = 0;
  for (const auto& t : tensors) {
    slices.push_back(slice_of(t, o.tp));
    if (!names.insert(t.name).second) check.fail("name", "unique", detail::cat(detail::quoted(t.name), " twice"));
    std::uint64_t n = storage_bytes(t.type);
    for (const index d : slices.back().dims) n *= static_cast<std::uint64_t>(d);  // <= 2^62: slice_of's bound
    if (total > (std::uint64_t{1} << 62) - n)
      check.fail("tensors", "at most 2^62 bytes in all", detail::cat("more, at tensor ", detail::quoted(t.name)));
    total += n;
    sizes.push_back(n);
  }
  struct stat st {};
  if (::stat(directory.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    check.fail("out", "an existing directory", detail::quoted(directory));
  if (::access(directory.c_str(), W_OK | X_OK) != 0) check.fail("out", "a writable directory", detail::quoted(directory));

  // Files: tensors in order, a new file when the next would pass the limit.
  std::vector<std::vector<std::size_t>> groups(1);
  std::uint64_t in_group = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    if (o.max_shard_bytes > 0 && !groups.back().empty() && in_group + sizes[i] > o.max_shard_bytes) groups.emplace_back(), in_group = 0;
    groups.back().push_back(i);
    in_group += sizes[i];
  }

  std::string nninit_meta = "{\"library\":\"nninit\",\"version\":\"" NNINIT_VERSION_STRING "\",\"stream_version\":" +
                            std::to_string(stream_version) + ",\"seed\":\"" + std::to_string(o.seed) +
                            "\",\"tensor_parallel\":{\"size\":" + std::to_string(o.tp.size) + ",\"rank\":" +
                            std::to_string(o.tp.rank) + "},\"tensors\":{";
  for (std::size_t i = 0; i < tensors.size(); ++i)
    nninit_meta.append(i ? "," : "").append(detail::json_string(tensors[i].name)).append(":").append(tensor_plan_json(tensors[i], slices[i], o.seed));
  nninit_meta.append("}}");
  std::string metadata = "{\"format\":\"pt\"";
  std::unordered_set<std::string_view> keys;
  for (const auto& [k, v] : o.metadata) {
    if (k == "format" || k == "nninit" || !keys.insert(k).second)
      check.fail("metadata", "distinct keys other than format and nninit", detail::quoted(k));
    metadata.append(",").append(detail::json_string(k)).append(":").append(detail::json_string(v));
  }
  metadata.append(",\"nninit\":").append(detail::json_string(nninit_meta)).append("}");

  checkpoint_result result;
  std::vector<std::unique_ptr<detail::temp_file>> files;
  const bool sharded = groups.size() > 1;
  std::string weight_map;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const std::string name = sharded ? detail::shard_name(o.stem, g, groups.size()) : o.stem + ".safetensors";
    std::string header = "{\"__metadata__\":" + metadata;
    std::uint64_t offset = 0;
    checkpoint_file file;
    for (const std::size_t i : groups[g]) {
      const checkpoint_tensor& t = tensors[i];
      header.append(",").append(detail::json_string(t.name)).append(":{\"dtype\":\"").append(safetensors_dtype(t.type));
      header.append("\",\"shape\":").append(detail::json_dims(slices[i].dims)).append(",\"data_offsets\":[");
      header.append(std::to_string(offset)).append(",").append(std::to_string(offset + sizes[i])).append("]}");
      offset += sizes[i];
      file.tensors.push_back(t.name);
      weight_map.append(weight_map.empty() ? "" : ",\n    ").append(detail::json_string(t.name)).append(": ").append(detail::json_string(name));
    }
    header.append("}");
    header.append((8 - header.size() % 8) % 8, ' ');  // the data starts 8-byte aligned, as safetensors pads
    char length[8];
    for (int b = 0; b < 8; ++b) length[b] = static_cast<char>((static_cast<std::uint64_t>(header.size()) >> (8 * b)) & 0xFF);

    files.push_back(std::make_unique<detail::temp_file>(check, directory, name, 8 + header.size() + offset));
    detail::temp_file& f = *files.back();
    f.write(check, length, 8);
    f.write(check, header.data(), header.size());
    for (const std::size_t i : groups[g])
      generate_tensor(tensors[i], slices[i], o.seed, o.par, o.chunk_values,
                      [&](const char* data, std::size_t size) { f.write(check, data, size); });
    f.finish(check);
    file.path = f.final_path();
    file.bytes = f.written();
    result.tensor_bytes += offset;
    result.files.push_back(std::move(file));
  }
  if (sharded) {
    // The index, as transformers' save_pretrained writes it (weight_map in tensor order here).
    const std::string index = "{\n  \"metadata\": {\n    \"total_size\": " + std::to_string(result.tensor_bytes) +
                              "\n  },\n  \"weight_map\": {\n    " + weight_map + "\n  }\n}\n";
    const std::string name = o.stem + ".safetensors.index.json";
    files.push_back(std::make_unique<detail::temp_file>(check, directory, name, index.size()));
    files.back()->write(check, index.data(), index.size());
    files.back()->finish(check);
    result.index_path = files.back()->final_path();
  }
  std::vector<std::string> written;
  for (auto& f : files) {
    f->commit(check);
    written.push_back(f->final_path());
  }
  detail::remove_stale(directory, o.stem, written);
  // The directory entries themselves, so the renames survive a crash.
  const int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return result;
}

}  // namespace nninit
