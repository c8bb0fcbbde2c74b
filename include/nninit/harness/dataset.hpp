// nninit harness: the training data: Fashion-MNIST read from its IDX files, or a built-in synthetic task.
//
// Requires zlib (link with -lz, or ZLIB::ZLIB): the IDX files are read with gzread, which also
// reads uncompressed files.
#pragma once

#include <zlib.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "../detail/format.hpp"
#include "../engine.hpp"
#include "../error.hpp"
#include "../normal.hpp"
#include "../uniform.hpp"
#include "network.hpp"

namespace nninit::harness {

/// A labelled image classification task, in the harness's layout: one example per column.
struct dataset {
  /// features x N, features = channels * height * width, flattened channel-major (C, H, W).
  /// Pixels are scaled to [0, 1], then standardized with the training set's overall mean and
  /// standard deviation (one scalar each, applied to both sets, so the test set sees no
  /// statistics of its own).
  matrix<float> train_x, test_x;
  Eigen::VectorXi train_y, test_y;  ///< labels in [0, classes)
  index classes = 10, channels = 1, height = 28, width = 28;
  /// Where the data came from, for reports: "Fashion-MNIST (/usr/share/datasets/fashion-mnist)"
  /// or "synthetic task (Fashion-MNIST not installed: apt install dataset-fashion-mnist)".
  std::string source;
  bool synthetic = false;
};

/// Where Debian's dataset-fashion-mnist package installs the four gzipped IDX files.
inline std::string default_fashion_mnist_dir() { return "/usr/share/datasets/fashion-mnist"; }

// Not `detail`: activation.hpp calls `detail::cat` etc. unqualified, meaning nninit::detail, so a
// nninit::harness::detail declared before it is included would hide those.
namespace dataset_detail {

/// File names of the original distribution (Xiao, Rasul & Vollgraf 2017), as Debian ships them.
inline constexpr std::array<const char*, 4> fashion_mnist_files = {
    "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz"};

inline std::string join_path(const std::string& dir, const char* name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? nninit::detail::cat(dir, name) : nninit::detail::cat(dir, "/", name);
}

/// The loader's messages take the library's form, with the file in place of the target:
///   nninit::fashion_mnist: <what> must be <rule>, got <value>, for <path>
/// (checker's ", for a <shape> target" suffix names a tensor, which a file is not).
[[noreturn]] inline void idx_fail(const std::string& path, std::string_view what, std::string_view rule,
                                  std::string_view got) {
  throw init_error(nninit::detail::cat("nninit::fashion_mnist: ", what, " must be ", rule, ", got ", got, ", for ", path));
}

inline std::string hex32(std::uint32_t v) {
  std::string s = "0x00000000";
  for (int i = 0; i < 8; ++i) s[static_cast<std::size_t>(9 - i)] = "0123456789ABCDEF"[(v >> (4 * i)) & 0xFu];
  return s;
}

inline std::string count_text(std::uint64_t v) { return std::to_string(v); }

/// An open gzFile, closed on every path out (the loader throws on the first bad byte).
class gz_reader {
 public:
  explicit gz_reader(std::string path) : path_(std::move(path)) {
    errno = 0;
    file_ = gzopen(path_.c_str(), "rb");
    if (!file_) {
      const int e = errno;
      idx_fail(path_, "file", "present and readable",
               nninit::detail::quoted(e ? std::generic_category().message(e) : std::string("zlib cannot open it")));
    }
    // A large buffer: the default 8 KiB costs a syscall per 8 KiB of a 26 MB file.
    gzbuffer(file_, 1u << 18);
  }
  ~gz_reader() {
    if (file_) gzclose(file_);
  }
  gz_reader(const gz_reader&) = delete;
  gz_reader& operator=(const gz_reader&) = delete;

  /// Reads up to n bytes; fewer only at the end of the data (a truncated gzip stream also ends
  /// the data: zlib reports it through gzerror, which `error_text` returns).
  std::size_t read(unsigned char* out, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      const auto chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, std::size_t{1} << 30));
      const int got = gzread(file_, out + done, chunk);
      if (got < 0) idx_fail(path_, "file", "a readable gzip or plain IDX file", nninit::detail::quoted(error_text()));
      if (got == 0) break;
      done += static_cast<std::size_t>(got);
    }
    return done;
  }

  /// zlib's description of the last error, or "" when there was none (without the "<path>: "
  /// zlib puts first: the message names the file once, at its end).
  std::string error_text() {
    int code = Z_OK;
    const char* msg = gzerror(file_, &code);
    if (code == Z_OK || !msg) return {};
    std::string text = msg;
    const std::string prefix = path_ + ": ";
    if (text.compare(0, prefix.size(), prefix) == 0) text.erase(0, prefix.size());
    return text;
  }

 private:
  std::string path_;
  gzFile file_ = nullptr;
};

inline std::uint32_t big_endian32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

/// One IDX file of unsigned bytes: its dimensions and its payload.
struct idx_file {
  std::vector<std::uint32_t> dims;
  std::vector<unsigned char> bytes;
};

/// Refuses payloads above 2^31 bytes before allocating: real IDX files are far smaller, and a
/// corrupt header would otherwise ask for up to 2^96 bytes.
inline constexpr std::uint64_t idx_max_bytes = std::uint64_t{1} << 31;

/// Reads an IDX file of `rank` dimensions of unsigned bytes (magic 0x00000800 | rank), strictly:
/// the payload must be exactly what the header announces, with nothing after it.
inline idx_file read_idx(const std::string& path, std::size_t rank, std::string_view kind) {
  gz_reader in(path);
  idx_file f;
  // The magic first, so that a wrong kind of file is named as such even when it is short.
  const std::size_t header_size = 4 + 4 * rank;
  std::array<unsigned char, 16> header{};
  std::size_t got_header = in.read(header.data(), 4);
  const std::uint32_t magic = big_endian32(header.data());
  const std::uint32_t expected = 0x00000800u | static_cast<std::uint32_t>(rank);
  if (got_header == 4 && magic != expected)
    idx_fail(path, "magic number", nninit::detail::cat(hex32(expected), " (", kind, ")"), hex32(magic));
  if (got_header == 4) got_header += in.read(header.data() + 4, header_size - 4);
  if (got_header < header_size) {
    const std::string why = in.error_text();
    idx_fail(path, "header", nninit::detail::cat(count_text(header_size), " bytes (IDX ", kind, ")"),
             nninit::detail::cat(count_text(got_header), " (file truncated", why.empty() ? "" : ": ", why, ")"));
  }
  std::uint64_t total = 1;
  std::string dims_text;
  for (std::size_t i = 0; i < rank; ++i) {
    const std::uint32_t d = big_endian32(header.data() + 4 + 4 * i);
    f.dims.push_back(d);
    dims_text.append(i ? "x" : "").append(count_text(d));
    // Each factor is < 2^32 and the running product stays <= 2^31, so this never overflows.
    if (total <= idx_max_bytes) total *= d;
  }
  for (std::size_t i = 0; i < rank; ++i)
    if (f.dims[i] == 0)
      idx_fail(path, "every dimension", nninit::detail::cat(">= 1 (", kind, ")"), dims_text);
  if (total > idx_max_bytes)
    idx_fail(path, "size", nninit::detail::cat("<= 2147483648 bytes (", kind, ")"), dims_text);
  f.bytes.resize(static_cast<std::size_t>(total));
  const std::size_t got = in.read(f.bytes.data(), f.bytes.size());
  if (got < f.bytes.size()) {
    const std::string why = in.error_text();
    idx_fail(path, "data", nninit::detail::cat(count_text(total), " bytes (", dims_text, " ", kind, ")"),
             nninit::detail::cat(count_text(got), " (file truncated", why.empty() ? "" : ": ", why, ")"));
  }
  unsigned char extra = 0;
  if (in.read(&extra, 1) != 0)
    idx_fail(path, "data", nninit::detail::cat(count_text(total), " bytes (", dims_text, " ", kind, ")"),
             "more (trailing bytes after the last entry)");
  return f;
}

struct idx_pair {
  idx_file images, labels;
};

/// Images and their labels, checked against each other.
inline idx_pair read_idx_pair(const std::string& images_path, const std::string& labels_path, index classes) {
  idx_pair p{read_idx(images_path, 3, "images"), read_idx(labels_path, 1, "labels")};
  if (p.labels.dims[0] != p.images.dims[0])
    idx_fail(labels_path, "label count",
             nninit::detail::cat(count_text(p.images.dims[0]), " (the image count of ", images_path, ")"),
             count_text(p.labels.dims[0]));
  for (std::size_t i = 0; i < p.labels.bytes.size(); ++i)
    if (p.labels.bytes[i] >= classes)
      idx_fail(labels_path, "every label", nninit::detail::cat("< ", count_text(static_cast<std::uint64_t>(classes))),
               nninit::detail::cat(count_text(p.labels.bytes[i]), " at example ", count_text(i)));
  return p;
}

inline Eigen::VectorXi to_labels(const std::vector<unsigned char>& bytes) {
  Eigen::VectorXi y(static_cast<Eigen::Index>(bytes.size()));
  for (std::size_t i = 0; i < bytes.size(); ++i) y(static_cast<Eigen::Index>(i)) = bytes[i];
  return y;
}

/// Pixels through a 256-entry table: one lookup per pixel is the whole conversion.
inline matrix<float> to_features(const idx_file& images, const std::array<float, 256>& table) {
  const auto features = static_cast<Eigen::Index>(images.dims[1]) * static_cast<Eigen::Index>(images.dims[2]);
  matrix<float> x(features, static_cast<Eigen::Index>(images.dims[0]));
  float* out = x.data();  // column-major: example i's pixels are contiguous, in file order
  const unsigned char* in = images.bytes.data();
  const std::size_t n = images.bytes.size();
  for (std::size_t i = 0; i < n; ++i) out[i] = table[in[i]];
  return x;
}

/// Standardizes in place with one mean and one standard deviation (population, over every
/// entry of `train`), applied to both. A constant training set keeps its scale (std taken as 1).
inline void standardize(matrix<float>& train, matrix<float>& test) {
  const auto n = static_cast<double>(train.size());
  const double mean = train.cast<double>().sum() / n;
  const double var = (train.cast<double>().array() - mean).square().sum() / n;
  const double sd = var > 0 ? std::sqrt(var) : 1.0;
  const auto m = static_cast<float>(mean), s = static_cast<float>(1.0 / sd);
  train.array() = (train.array() - m) * s;
  test.array() = (test.array() - m) * s;
}

}  // namespace dataset_detail

/// True when `dir` holds all four Fashion-MNIST files (not whether they are valid).
inline bool fashion_mnist_available(const std::string& dir = default_fashion_mnist_dir()) {
  for (const char* name : dataset_detail::fashion_mnist_files) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(dataset_detail::join_path(dir, name), ec)) return false;
  }
  return true;
}

/// Fashion-MNIST from the four IDX files in `dir` (gzipped or not; the names keep ".gz").
/// Every file is validated strictly (magic, header sizes, exact payload length, labels < 10,
/// label count = image count, train and test images of one size); any failure throws
/// init_error naming the file, the rule and what was found.
inline dataset load_fashion_mnist(const std::string& dir = default_fashion_mnist_dir()) {
  constexpr index classes = 10;
  std::array<std::string, 4> path;
  for (std::size_t i = 0; i < 4; ++i) path[i] = dataset_detail::join_path(dir, dataset_detail::fashion_mnist_files[i]);

  dataset d;
  std::array<float, 256> table{};
  {
    auto train = dataset_detail::read_idx_pair(path[0], path[1], classes);
    // Mean and variance of the training pixels, exactly, from their histogram (in [0, 1] units).
    std::array<std::uint64_t, 256> histogram{};
    for (const unsigned char v : train.images.bytes) ++histogram[v];
    const auto n = static_cast<double>(train.images.bytes.size());
    double mean = 0, var = 0;
    for (int v = 0; v < 256; ++v) mean += static_cast<double>(histogram[static_cast<std::size_t>(v)]) * (v / 255.0);
    mean /= n;
    for (int v = 0; v < 256; ++v) {
      const double dv = v / 255.0 - mean;
      var += static_cast<double>(histogram[static_cast<std::size_t>(v)]) * dv * dv;
    }
    var /= n;
    const double sd = var > 0 ? std::sqrt(var) : 1.0;  // constant images: keep the scale
    for (int v = 0; v < 256; ++v) table[static_cast<std::size_t>(v)] = static_cast<float>((v / 255.0 - mean) / sd);

    d.train_x = dataset_detail::to_features(train.images, table);
    d.train_y = dataset_detail::to_labels(train.labels.bytes);
    d.height = static_cast<index>(train.images.dims[1]);
    d.width = static_cast<index>(train.images.dims[2]);
  }  // the training bytes go before the test set is read
  {
    auto test = dataset_detail::read_idx_pair(path[2], path[3], classes);
    if (static_cast<index>(test.images.dims[1]) != d.height || static_cast<index>(test.images.dims[2]) != d.width)
      dataset_detail::idx_fail(
          path[2], "image size",
          nninit::detail::cat(std::to_string(d.height), "x", std::to_string(d.width), " (as in ", path[0], ")"),
          nninit::detail::cat(std::to_string(test.images.dims[1]), "x", std::to_string(test.images.dims[2])));
    d.test_x = dataset_detail::to_features(test.images, table);
    d.test_y = dataset_detail::to_labels(test.labels.bytes);
  }
  d.classes = classes;
  d.channels = 1;
  d.source = nninit::detail::cat("Fashion-MNIST (", dir, ")");
  d.synthetic = false;
  return d;
}

namespace dataset_detail {

/// The knobs of the synthetic task; `synthetic_task` uses the defaults. Measured with seeds 0-3
/// (12000 training examples, one epoch of SGD, lr 0.05, momentum 0.9, batch 128): a relu MLP
/// 784-256-256-10 with Kaiming init reaches 87-90% test accuracy (width 128: 85-89%, width 512:
/// 89-92%), a linear classifier 58-61% (65-69% after five epochs). Fewer prototypes or less
/// spread make it easier.
struct synthetic_recipe {
  index classes = 10;
  index height = 28, width = 28;
  index latent = 20;             ///< dimension of the latent space
  index prototypes = 8;          ///< cluster centres per class, N(0, I) in the latent space
  double latent_spread = 0.75;   ///< std of an example around its centre, per latent dimension
  double gain = 2.0;             ///< std of the pre-tanh image
  double pixel_noise = 0.35;     ///< std of the white noise added to every pixel
  double blur = 1.5;             ///< Gaussian blur (pixels) of the basis images
};

/// Basis images: white noise blurred by a Gaussian, so that the task has the local spatial
/// structure convolutions exploit; each scaled to unit RMS. Column j is basis image j.
inline matrix<float> synthetic_basis(const synthetic_recipe& r, const engine& eng) {
  const index h = r.height, w = r.width, pixels = h * w;
  matrix<double> white(pixels, r.latent);
  nninit::normal(white, eng);
  const auto radius = static_cast<index>(std::ceil(3 * r.blur));
  std::vector<double> kernel(static_cast<std::size_t>(2 * radius + 1));
  for (index k = -radius; k <= radius; ++k)
    kernel[static_cast<std::size_t>(k + radius)] = std::exp(-0.5 * static_cast<double>(k * k) / (r.blur * r.blur));
  matrix<float> basis(pixels, r.latent);
  std::vector<double> tmp(static_cast<std::size_t>(pixels));
  for (index j = 0; j < r.latent; ++j) {
    const double* src = white.col(j).data();
    for (index y = 0; y < h; ++y)  // along rows (zero padding)
      for (index x = 0; x < w; ++x) {
        double s = 0;
        for (index k = std::max(-radius, -x); k <= std::min(radius, w - 1 - x); ++k)
          s += kernel[static_cast<std::size_t>(k + radius)] * src[y * w + x + k];
        tmp[static_cast<std::size_t>(y * w + x)] = s;
      }
    double ss = 0;
    std::vector<double> out(static_cast<std::size_t>(pixels));
    for (index y = 0; y < h; ++y)  // along columns
      for (index x = 0; x < w; ++x) {
        double s = 0;
        for (index k = std::max(-radius, -y); k <= std::min(radius, h - 1 - y); ++k)
          s += kernel[static_cast<std::size_t>(k + radius)] * tmp[static_cast<std::size_t>((y + k) * w + x)];
        out[static_cast<std::size_t>(y * w + x)] = s;
        ss += s * s;
      }
    const double scale = 1 / std::sqrt(ss / static_cast<double>(pixels));
    for (index p = 0; p < pixels; ++p) basis(p, j) = static_cast<float>(out[static_cast<std::size_t>(p)] * scale);
  }
  return basis;
}

/// One split of the task: `n` examples whose draws come from engine streams of their own.
/// Every draw sits in a matrix with one row per example (per run of 10 for the labels), so the
/// logical index of example i's values does not depend on n: a larger split extends a smaller
/// one (before standardization, whose mean and std depend on the whole training split).
inline void synthetic_split(const synthetic_recipe& r, const matrix<float>& map, const matrix<float>& centres,
                            index n, const engine& eng, matrix<float>& x, Eigen::VectorXi& y) {
  using row_major = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const index pixels = map.rows();
  // Labels: each run of `classes` consecutive examples holds every class once, in a random
  // order (Fisher-Yates; run b draws from row b), so the classes are balanced in every prefix.
  const index runs = (n + r.classes - 1) / r.classes;
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> shuffle(runs, r.classes);
  nninit::uniform(shuffle, eng.fork(0));
  y.resize(n);
  std::vector<int> perm(static_cast<std::size_t>(r.classes));
  for (index run = 0; run < runs; ++run) {
    for (index c = 0; c < r.classes; ++c) perm[static_cast<std::size_t>(c)] = static_cast<int>(c);
    for (index i = r.classes - 1; i > 0; --i) {
      const auto j = std::min(static_cast<index>(shuffle(run, i) * static_cast<double>(i + 1)), i);
      std::swap(perm[static_cast<std::size_t>(i)], perm[static_cast<std::size_t>(j)]);
    }
    for (index c = 0; c < r.classes && run * r.classes + c < n; ++c)
      y(run * r.classes + c) = perm[static_cast<std::size_t>(c)];
  }
  // Latent point of each example: one of its class's centres, uniformly, plus isotropic spread.
  Eigen::VectorXd pick(n);
  nninit::uniform(pick, eng.fork(1));
  row_major z(n, r.latent);
  nninit::normal(z, eng.fork(2), 0.0, r.latent_spread);
  for (index i = 0; i < n; ++i) {
    const auto k = std::min(static_cast<index>(pick(i) * static_cast<double>(r.prototypes)), r.prototypes - 1);
    z.row(i) += centres.col(y(i) * r.prototypes + k).transpose();
  }
  // Image: tanh of the linear map, plus white pixel noise. A row-major n x pixels matrix is, in
  // memory, the column-major pixels x n matrix the dataset wants.
  row_major noise(n, pixels);
  nninit::normal(noise, eng.fork(3), 0.0, r.pixel_noise);
  x.noalias() = map * z.transpose();
  x.array() = x.array().tanh() + Eigen::Map<const matrix<float>>(noise.data(), pixels, n).array();
}

inline dataset make_synthetic(const synthetic_recipe& r, index train_samples, index test_samples, std::uint64_t seed) {
  const nninit::detail::checker check("synthetic_task", "");
  // Up to 2^31 floats per split.
  const index max_samples = (index{1} << 31) / (r.height * r.width);
  for (const auto& [name, v] : {std::pair<const char*, index>{"train_samples", train_samples}, {"test_samples", test_samples}})
    if (v < 1 || v > max_samples)
      check.fail(name, nninit::detail::cat("in [1, ", nninit::detail::number(max_samples), "]"), nninit::detail::number(v));
  // A stream of the task's own, so no engine a caller derives from the same seed
  // (engine{seed}.fork(i) for the weights) repeats these values.
  const engine base(seed, 0x6e6e696e69742d64ull);  // "nninit-d"
  const double norm = r.gain / std::sqrt(static_cast<double>(r.latent) * (1 + r.latent_spread * r.latent_spread));
  const matrix<float> map = synthetic_basis(r, base.fork(1)) * static_cast<float>(norm);
  matrix<float> centres(r.latent, r.classes * r.prototypes);
  nninit::normal(centres, base.fork(2));

  dataset d;
  synthetic_split(r, map, centres, train_samples, base.fork(3), d.train_x, d.train_y);
  synthetic_split(r, map, centres, test_samples, base.fork(4), d.test_x, d.test_y);
  standardize(d.train_x, d.test_x);
  d.classes = r.classes;
  d.channels = 1;
  d.height = r.height;
  d.width = r.width;
  d.synthetic = true;
  d.source = "synthetic task";
  return d;
}

}  // namespace dataset_detail

/// A built-in 10-class task of 1x28x28 "images", for when Fashion-MNIST is not installed.
/// Each class is a mixture of a few clusters in a 20-dimensional latent space; an example is
/// tanh of a fixed random linear map of its latent point (the map's 20 basis images are smooth
/// random fields) plus white pixel noise. The clusters of different classes interleave, so a
/// linear classifier does clearly worse than a small MLP. Classes are balanced (exactly, when
/// the sample counts are multiples of 10). Everything is a function of `seed` through nninit's
/// counter-based engine; the same seed gives the same data bit for bit with the same build
/// (Eigen's matrix product and std::tanh may round differently across compilers or SIMD levels).
inline dataset synthetic_task(index train_samples = 12000, index test_samples = 2000, std::uint64_t seed = 0) {
  return dataset_detail::make_synthetic(dataset_detail::synthetic_recipe{}, train_samples, test_samples, seed);
}

/// Fashion-MNIST when wanted and installed, else the synthetic task (seeded by `seed`) with the
/// reason in `source`. An installed but corrupt Fashion-MNIST throws rather than being replaced
/// silently.
inline dataset training_data(bool want_fashion_mnist, std::uint64_t seed) {
  if (want_fashion_mnist && fashion_mnist_available()) return load_fashion_mnist();
  dataset d = synthetic_task(12000, 2000, seed);
  d.source = want_fashion_mnist ? "synthetic task (Fashion-MNIST not installed: apt install dataset-fashion-mnist)"
                                : "synthetic task (Fashion-MNIST not requested)";
  return d;
}

}  // namespace nninit::harness
