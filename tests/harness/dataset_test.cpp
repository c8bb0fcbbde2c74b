// Tests of the harness data: the strict IDX loader on small hand-written files (gzipped and
// plain), the real Fashion-MNIST when installed, and the synthetic task.
#include <nninit/harness/dataset.hpp>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace {

namespace fs = std::filesystem;
using nninit::harness::dataset;

/// A fresh directory under the system temp dir, removed with everything in it.
struct temp_dir {
  fs::path path;
  temp_dir() {
    static int counter = 0;
    const auto base = fs::temp_directory_path();
    for (;;) {
      path = base / ("nninit_dataset_test_" + std::to_string(std::random_device{}()) + "_" + std::to_string(counter++));
      if (fs::create_directory(path)) break;
    }
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  std::string file(const char* name) const { return (path / name).string(); }
};

void put_be32(std::vector<unsigned char>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<unsigned char>(v >> shift));
}

/// The bytes of an IDX file: magic, dims, payload.
std::vector<unsigned char> idx_bytes(std::uint32_t magic, const std::vector<std::uint32_t>& dims,
                                     const std::vector<unsigned char>& payload) {
  std::vector<unsigned char> out;
  put_be32(out, magic);
  for (auto d : dims) put_be32(out, d);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

void write_file(const std::string& path, const std::vector<unsigned char>& bytes, bool gzip) {
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    REQUIRE(f != nullptr);
    if (!bytes.empty()) REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
    REQUIRE(gzclose(f) == Z_OK);
  } else {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(out.good());
  }
}

std::vector<unsigned char> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// A small valid set: images of 2x3 pixels, 7 for training and 4 for testing, with pixel
/// values spread over 0..255 and labels covering 0..9.
struct small_set {
  static constexpr std::uint32_t rows = 2, cols = 3, n_train = 7, n_test = 4;
  std::vector<unsigned char> train_px, test_px, train_lb, test_lb;
  small_set() {
    for (std::uint32_t i = 0; i < n_train * rows * cols; ++i) train_px.push_back(static_cast<unsigned char>((i * 37 + 11) % 256));
    train_px[0] = 0, train_px[1] = 255;
    for (std::uint32_t i = 0; i < n_test * rows * cols; ++i) test_px.push_back(static_cast<unsigned char>((i * 53 + 200) % 256));
    train_lb = {9, 0, 3, 7, 1, 9, 5};
    test_lb = {2, 8, 4, 6};
  }
  std::vector<unsigned char> file(std::size_t which) const {
    switch (which) {
      case 0: return idx_bytes(0x803, {n_train, rows, cols}, train_px);
      case 1: return idx_bytes(0x801, {n_train}, train_lb);
      case 2: return idx_bytes(0x803, {n_test, rows, cols}, test_px);
      default: return idx_bytes(0x801, {n_test}, test_lb);
    }
  }
  void write(const temp_dir& dir, bool gzip) const {
    for (std::size_t i = 0; i < 4; ++i)
      write_file(dir.file(nninit::harness::dataset_detail::fashion_mnist_files[i]), file(i), gzip);
  }
};

const char* file_name(std::size_t i) { return nninit::harness::dataset_detail::fashion_mnist_files[i]; }

/// Loading `dir` throws init_error in the loader's form, naming the full path of file `which`
/// and containing every one of `parts`.
void expect_failure(const temp_dir& dir, std::size_t which, const std::vector<std::string>& parts) {
  std::string message;
  try {
    (void)nninit::harness::load_fashion_mnist(dir.path.string());
  } catch (const nninit::init_error& e) {
    message = e.what();
  }
  INFO("message: " << message);
  REQUIRE(!message.empty());
  CHECK(message.rfind("nninit::fashion_mnist: ", 0) == 0);
  CHECK(message.find(dir.file(file_name(which))) != std::string::npos);
  CHECK(message.size() >= dir.file(file_name(which)).size());
  CHECK(message.substr(message.size() - dir.file(file_name(which)).size()) == dir.file(file_name(which)));
  for (const auto& part : parts) {
    INFO("expected part: " << part);
    CHECK(message.find(part) != std::string::npos);
  }
}

/// The standardization the loader promises: (v / 255 - mean) / std, mean and (population) std
/// over every training pixel.
struct standardization {
  double mean = 0, sd = 0;
  explicit standardization(const std::vector<unsigned char>& px) {
    for (auto v : px) mean += v / 255.0;
    mean /= static_cast<double>(px.size());
    double var = 0;
    for (auto v : px) var += (v / 255.0 - mean) * (v / 255.0 - mean);
    sd = std::sqrt(var / static_cast<double>(px.size()));
  }
  double operator()(unsigned char v) const { return (v / 255.0 - mean) / sd; }
};

template <class M>
double mean_of(const M& m) {
  return m.template cast<double>().sum() / static_cast<double>(m.size());
}
template <class M>
double variance_of(const M& m) {
  const double mu = mean_of(m);
  return (m.template cast<double>().array() - mu).square().sum() / static_cast<double>(m.size());
}

bool bitwise_equal(const dataset& a, const dataset& b) {
  auto same = [](const auto& x, const auto& y) {
    return x.rows() == y.rows() && x.cols() == y.cols() &&
           std::memcmp(x.data(), y.data(), sizeof(*x.data()) * static_cast<std::size_t>(x.size())) == 0;
  };
  return same(a.train_x, b.train_x) && same(a.test_x, b.test_x) && same(a.train_y, b.train_y) && same(a.test_y, b.test_y);
}

std::vector<nninit::index> class_counts(const Eigen::VectorXi& y, nninit::index classes) {
  std::vector<nninit::index> counts(static_cast<std::size_t>(classes), 0);
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    REQUIRE(y(i) >= 0);
    REQUIRE(y(i) < classes);
    ++counts[static_cast<std::size_t>(y(i))];
  }
  return counts;
}

/// 10 classes of 1x28x28 images, `train` and `test` examples, every class equally often.
void check_balanced_layout(const dataset& d, Eigen::Index train, Eigen::Index test) {
  CHECK(d.classes == 10);
  CHECK(d.channels == 1);
  CHECK(d.height == 28);
  CHECK(d.width == 28);
  REQUIRE(d.train_x.rows() == 784);
  REQUIRE(d.test_x.rows() == 784);
  REQUIRE(d.train_x.cols() == train);
  REQUIRE(d.test_x.cols() == test);
  REQUIRE(d.train_y.size() == train);
  REQUIRE(d.test_y.size() == test);
  for (auto c : class_counts(d.train_y, 10)) CHECK(c == train / 10);
  for (auto c : class_counts(d.test_y, 10)) CHECK(c == test / 10);
}

}  // namespace

TEST_CASE("fashion_mnist loader reads small gzipped and plain IDX files exactly") {
  for (const bool gzip : {true, false}) {
    CAPTURE(gzip);
    temp_dir dir;
    const small_set s;
    s.write(dir, gzip);
    CHECK(nninit::harness::fashion_mnist_available(dir.path.string()));
    const dataset d = nninit::harness::load_fashion_mnist(dir.path.string());
    CHECK_FALSE(d.synthetic);
    CHECK(d.source == "Fashion-MNIST (" + dir.path.string() + ")");
    CHECK(d.classes == 10);
    CHECK(d.channels == 1);
    CHECK(d.height == 2);
    CHECK(d.width == 3);
    REQUIRE(d.train_x.rows() == 6);
    REQUIRE(d.train_x.cols() == 7);
    REQUIRE(d.test_x.rows() == 6);
    REQUIRE(d.test_x.cols() == 4);
    REQUIRE(d.train_y.size() == 7);
    REQUIRE(d.test_y.size() == 4);
    for (Eigen::Index i = 0; i < 7; ++i) CHECK(d.train_y(i) == s.train_lb[static_cast<std::size_t>(i)]);
    for (Eigen::Index i = 0; i < 4; ++i) CHECK(d.test_y(i) == s.test_lb[static_cast<std::size_t>(i)]);

    // Pixel k of image i is column i, row k (row-major within the image, as in the file); both
    // sets use the training statistics.
    const standardization z(s.train_px);
    for (Eigen::Index i = 0; i < 7; ++i)
      for (Eigen::Index k = 0; k < 6; ++k)
        CHECK(d.train_x(k, i) == doctest::Approx(z(s.train_px[static_cast<std::size_t>(i * 6 + k)])).epsilon(1e-6));
    for (Eigen::Index i = 0; i < 4; ++i)
      for (Eigen::Index k = 0; k < 6; ++k)
        CHECK(d.test_x(k, i) == doctest::Approx(z(s.test_px[static_cast<std::size_t>(i * 6 + k)])).epsilon(1e-6));
    CHECK(std::fabs(mean_of(d.train_x)) < 1e-6);
    CHECK(variance_of(d.train_x) == doctest::Approx(1.0).epsilon(1e-6));
    CHECK(d.train_x(0, 0) == doctest::Approx(-z.mean / z.sd).epsilon(1e-6));  // pixel value 0
    CHECK(d.train_x(1, 0) == doctest::Approx((1 - z.mean) / z.sd).epsilon(1e-6));  // pixel value 255
  }
}

TEST_CASE("fashion_mnist loader accepts a directory with a trailing slash") {
  temp_dir dir;
  small_set{}.write(dir, true);
  const auto d = nninit::harness::load_fashion_mnist(dir.path.string() + "/");
  CHECK(d.train_x.cols() == 7);
}

TEST_CASE("fashion_mnist_available needs all four files") {
  temp_dir dir;
  CHECK_FALSE(nninit::harness::fashion_mnist_available(dir.path.string()));
  CHECK_FALSE(nninit::harness::fashion_mnist_available((dir.path / "absent").string()));
  small_set{}.write(dir, true);
  CHECK(nninit::harness::fashion_mnist_available(dir.path.string()));
  for (std::size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    temp_dir partial;
    small_set{}.write(partial, true);
    fs::remove(partial.file(file_name(i)));
    CHECK_FALSE(nninit::harness::fashion_mnist_available(partial.path.string()));
  }
}

TEST_CASE("fashion_mnist loader refuses a missing file, naming it") {
  for (std::size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    temp_dir dir;
    small_set{}.write(dir, true);
    fs::remove(dir.file(file_name(i)));
    expect_failure(dir, i, {"file must be present and readable", "No such file"});
  }
}

TEST_CASE("fashion_mnist loader refuses a bad magic number") {
  const small_set s;
  for (const bool gzip : {true, false}) {
    CAPTURE(gzip);
    {
      temp_dir dir;
      s.write(dir, gzip);
      write_file(dir.file(file_name(0)), idx_bytes(0x801, {7}, s.train_lb), gzip);
      expect_failure(dir, 0, {"magic number must be 0x00000803 (images), got 0x00000801"});
    }
    {
      temp_dir dir;
      s.write(dir, gzip);
      write_file(dir.file(file_name(3)), idx_bytes(0x803, {4, 2, 3}, s.test_px), gzip);
      expect_failure(dir, 3, {"magic number must be 0x00000801 (labels), got 0x00000803"});
    }
    {  // a little-endian header (magic read the wrong way round)
      temp_dir dir;
      s.write(dir, gzip);
      auto bytes = s.file(2);
      std::reverse(bytes.begin(), bytes.begin() + 4);
      write_file(dir.file(file_name(2)), bytes, gzip);
      expect_failure(dir, 2, {"magic number must be 0x00000803 (images), got 0x03080000"});
    }
  }
}

TEST_CASE("fashion_mnist loader refuses truncated files") {
  const small_set s;
  for (const bool gzip : {true, false}) {
    CAPTURE(gzip);
    {  // payload one byte short
      temp_dir dir;
      s.write(dir, gzip);
      auto bytes = s.file(0);
      bytes.pop_back();
      write_file(dir.file(file_name(0)), bytes, gzip);
      expect_failure(dir, 0, {"data must be 42 bytes (7x2x3 images), got 41 (file truncated"});
    }
    {  // labels short
      temp_dir dir;
      s.write(dir, gzip);
      auto bytes = s.file(3);
      bytes.resize(bytes.size() - 2);
      write_file(dir.file(file_name(3)), bytes, gzip);
      expect_failure(dir, 3, {"data must be 4 bytes (4 labels), got 2 (file truncated"});
    }
    {  // header cut
      temp_dir dir;
      s.write(dir, gzip);
      auto bytes = s.file(2);
      bytes.resize(10);
      write_file(dir.file(file_name(2)), bytes, gzip);
      expect_failure(dir, 2, {"header must be 16 bytes (IDX images), got 10 (file truncated"});
    }
    {  // empty file
      temp_dir dir;
      s.write(dir, gzip);
      write_file(dir.file(file_name(1)), {}, gzip);
      expect_failure(dir, 1, {"header must be 8 bytes (IDX labels), got 0"});
    }
  }
  {  // a gzip stream cut in the middle: zlib's own complaint is passed on
    temp_dir dir;
    s.write(dir, true);
    // Incompressible-ish payload, so the cut falls inside the deflate data.
    std::vector<unsigned char> px(7 * 28 * 28);
    std::uint32_t state = 12345;
    for (auto& v : px) state = state * 1664525u + 1013904223u, v = static_cast<unsigned char>(state >> 24);
    write_file(dir.file(file_name(0)), idx_bytes(0x803, {7, 28, 28}, px), true);
    write_file(dir.file(file_name(2)), idx_bytes(0x803, {4, 28, 28}, std::vector<unsigned char>(4 * 28 * 28, 7)), true);
    auto gz = read_file(dir.file(file_name(0)));
    REQUIRE(gz.size() > 1000);
    gz.resize(gz.size() / 2);
    write_file(dir.file(file_name(0)), gz, false);
    expect_failure(dir, 0, {"data must be 5488 bytes (7x28x28 images), got", "file truncated"});
  }
}

TEST_CASE("fashion_mnist loader refuses trailing bytes") {
  const small_set s;
  for (const bool gzip : {true, false}) {
    CAPTURE(gzip);
    temp_dir dir;
    s.write(dir, gzip);
    auto bytes = s.file(1);
    bytes.push_back(3);
    write_file(dir.file(file_name(1)), bytes, gzip);
    expect_failure(dir, 1, {"data must be 7 bytes (7 labels), got more (trailing bytes"});
  }
}

TEST_CASE("fashion_mnist loader refuses a label count that differs from the image count") {
  const small_set s;
  {
    temp_dir dir;
    s.write(dir, true);
    write_file(dir.file(file_name(1)), idx_bytes(0x801, {6}, {1, 2, 3, 4, 5, 6}), true);
    expect_failure(dir, 1, {"label count must be 7 (the image count of " + dir.file(file_name(0)) + "), got 6"});
  }
  {
    temp_dir dir;
    s.write(dir, true);
    write_file(dir.file(file_name(3)), idx_bytes(0x801, {5}, {1, 2, 3, 4, 5}), true);
    expect_failure(dir, 3, {"label count must be 4", "got 5"});
  }
}

TEST_CASE("fashion_mnist loader refuses a label of 10 or more") {
  const small_set s;
  for (const unsigned char bad : {10, 255}) {
    CAPTURE(int{bad});
    temp_dir dir;
    s.write(dir, true);
    auto labels = s.train_lb;
    labels[4] = bad;
    write_file(dir.file(file_name(1)), idx_bytes(0x801, {7}, labels), true);
    expect_failure(dir, 1, {"every label must be < 10, got " + std::to_string(bad) + " at example 4"});
  }
  temp_dir dir;
  s.write(dir, true);
  write_file(dir.file(file_name(3)), idx_bytes(0x801, {4}, {0, 1, 2, 10}), true);
  expect_failure(dir, 3, {"every label must be < 10, got 10 at example 3"});
}

TEST_CASE("fashion_mnist loader refuses test images of another size than the training images") {
  const small_set s;
  temp_dir dir;
  s.write(dir, true);
  write_file(dir.file(file_name(2)), idx_bytes(0x803, {4, 3, 2}, s.test_px), true);
  expect_failure(dir, 2, {"image size must be 2x3 (as in " + dir.file(file_name(0)) + "), got 3x2"});
}

TEST_CASE("fashion_mnist loader refuses absurd and empty header sizes before allocating") {
  const small_set s;
  {  // 2^32-1 images of 65535x65535 would be ~2^64 bytes; refused from the header alone
    temp_dir dir;
    s.write(dir, false);
    write_file(dir.file(file_name(0)), idx_bytes(0x803, {0xFFFFFFFFu, 0xFFFFu, 0xFFFFu}, {}), false);
    expect_failure(dir, 0, {"size must be <= 2147483648 bytes (images), got 4294967295x65535x65535"});
  }
  {  // just over the limit: 2^31 + 1328 bytes
    temp_dir dir;
    s.write(dir, true);
    write_file(dir.file(file_name(2)), idx_bytes(0x803, {(1u << 31) / 784 + 2, 28, 28}, {}), true);
    expect_failure(dir, 2, {"size must be <= 2147483648 bytes (images)"});
  }
  {  // a label file claiming 2^32-1 labels
    temp_dir dir;
    s.write(dir, true);
    write_file(dir.file(file_name(1)), idx_bytes(0x801, {0xFFFFFFFFu}, {}), true);
    expect_failure(dir, 1, {"size must be <= 2147483648 bytes (labels), got 4294967295"});
  }
  {  // zero images
    temp_dir dir;
    s.write(dir, true);
    write_file(dir.file(file_name(0)), idx_bytes(0x803, {0, 2, 3}, {}), true);
    expect_failure(dir, 0, {"every dimension must be >= 1 (images), got 0x2x3"});
  }
  {  // zero columns, even with a huge count
    temp_dir dir;
    s.write(dir, true);
    write_file(dir.file(file_name(2)), idx_bytes(0x803, {0xFFFFFFFFu, 28, 0}, {}), true);
    expect_failure(dir, 2, {"every dimension must be >= 1 (images), got 4294967295x28x0"});
  }
}

TEST_CASE("fashion_mnist loader refuses a corrupt gzip stream") {
  const small_set s;
  temp_dir dir;
  s.write(dir, true);
  auto gz = read_file(dir.file(file_name(0)));
  REQUIRE(gz.size() > 20);
  for (std::size_t i = 12; i < gz.size() - 8; ++i) gz[i] = static_cast<unsigned char>(gz[i] ^ 0x5A);
  write_file(dir.file(file_name(0)), gz, false);
  // Depending on where zlib notices, a data error or a short read; either way the file is named.
  expect_failure(dir, 0, {});
}

TEST_CASE("real Fashion-MNIST has the published sizes, balance and first labels") {
  if (!nninit::harness::fashion_mnist_available()) {
    test::skip("Fashion-MNIST is not installed (apt install dataset-fashion-mnist)");
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const dataset d = nninit::harness::load_fashion_mnist();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  MESSAGE("Fashion-MNIST loaded in " << seconds << " s");
  CHECK_FALSE(d.synthetic);
  CHECK(d.source == "Fashion-MNIST (/usr/share/datasets/fashion-mnist)");
  check_balanced_layout(d, 60000, 10000);
  // Checked with Python's gzip module: the first labels are 9 (ankle boot) in both files.
  CHECK(d.train_y(0) == 9);
  CHECK(d.test_y(0) == 9);
  CHECK(d.train_y(1) == 0);
  CHECK(d.test_y(1) == 2);
  CHECK(std::fabs(mean_of(d.train_x)) < 1e-4);
  CHECK(std::fabs(variance_of(d.train_x) - 1) < 1e-4);
  CHECK(d.train_x.allFinite());
  CHECK(d.test_x.allFinite());
  // Pixel values read with Python (train image 0 at row 10, col 13: 193; test image 0 at
  // row 10, col 15: 53), standardized with the training pixels' mean 0.28604059698879547 and
  // population std 0.35302424451492254, also from Python.
  const double mean = 0.28604059698879547, sd = 0.35302424451492254;
  CHECK(d.train_x(10 * 28 + 13, 0) == doctest::Approx((193 / 255.0 - mean) / sd).epsilon(1e-6));
  CHECK(d.test_x(10 * 28 + 15, 0) == doctest::Approx((53 / 255.0 - mean) / sd).epsilon(1e-6));
  CHECK(d.test_x(14 * 28 + 14, 9999) == doctest::Approx((132 / 255.0 - mean) / sd).epsilon(1e-6));
  CHECK(d.train_x.minCoeff() == doctest::Approx(-mean / sd).epsilon(1e-6));
  CHECK(d.train_x.maxCoeff() == doctest::Approx((1 - mean) / sd).epsilon(1e-6));
}

TEST_CASE("synthetic task is deterministic per seed and differs across seeds") {
  const dataset a = nninit::harness::synthetic_task(600, 200, 7);
  const dataset b = nninit::harness::synthetic_task(600, 200, 7);
  const dataset c = nninit::harness::synthetic_task(600, 200, 8);
  CHECK(bitwise_equal(a, b));
  CHECK_FALSE(bitwise_equal(a, c));
  CHECK((a.train_x.array() != c.train_x.array()).count() > a.train_x.size() * 9 / 10);
  CHECK(a.train_y != c.train_y);
}

TEST_CASE("synthetic task has the dataset layout, balanced classes and finite standardized values") {
  const dataset d = nninit::harness::synthetic_task(2000, 500, 1);
  CHECK(d.synthetic);
  CHECK(d.source.find("synthetic") != std::string::npos);
  check_balanced_layout(d, 2000, 500);
  // Every run of ten consecutive examples holds each class once.
  for (Eigen::Index start = 0; start < 2000; start += 10) {
    const auto counts = class_counts(d.train_y.segment(start, 10), 10);
    CHECK(*std::min_element(counts.begin(), counts.end()) == 1);
  }
  CHECK(d.train_x.allFinite());
  CHECK(d.test_x.allFinite());
  CHECK(std::fabs(mean_of(d.train_x)) < 1e-5);
  CHECK(std::fabs(variance_of(d.train_x) - 1) < 1e-5);
  // The test set uses the training statistics, so it is close to, not exactly, standardized.
  CHECK(std::fabs(mean_of(d.test_x)) < 0.1);
  CHECK(std::fabs(variance_of(d.test_x) - 1) < 0.1);
  // The classes differ: the class means are further apart than the noise in them.
  Eigen::MatrixXd means = Eigen::MatrixXd::Zero(784, 10);
  for (Eigen::Index i = 0; i < 2000; ++i) means.col(d.train_y(i)) += d.train_x.col(i).cast<double>() / 200.0;
  for (Eigen::Index c = 1; c < 10; ++c) CHECK((means.col(c) - means.col(0)).norm() > 5.0);
}

TEST_CASE("synthetic task with the default sizes is balanced") {
  const dataset d = nninit::harness::synthetic_task();
  REQUIRE(d.train_x.cols() == 12000);
  REQUIRE(d.test_x.cols() == 2000);
  for (auto c : class_counts(d.train_y, 10)) CHECK(c == 1200);
  for (auto c : class_counts(d.test_y, 10)) CHECK(c == 200);
  CHECK(d.train_x.allFinite());
  CHECK(d.test_x.allFinite());
}

TEST_CASE("synthetic task with sizes that are not multiples of ten is balanced within one") {
  const dataset d = nninit::harness::synthetic_task(1003, 17, 2);
  REQUIRE(d.train_y.size() == 1003);
  REQUIRE(d.test_y.size() == 17);
  const auto train = class_counts(d.train_y, 10), test = class_counts(d.test_y, 10);
  CHECK(*std::max_element(train.begin(), train.end()) - *std::min_element(train.begin(), train.end()) <= 1);
  CHECK(*std::max_element(test.begin(), test.end()) - *std::min_element(test.begin(), test.end()) <= 1);
}

TEST_CASE("synthetic task draws per example: a larger split extends a smaller one") {
  const dataset small = nninit::harness::synthetic_task(105, 30, 4);
  const dataset large = nninit::harness::synthetic_task(300, 30, 4);
  CHECK(small.train_y == large.train_y.head(105));
  CHECK(small.test_y == large.test_y);
  // Before standardization the images agree too; after it they are one affine map apart.
  const Eigen::ArrayXXd s = small.train_x.cast<double>().array(), l = large.train_x.leftCols(105).cast<double>().array();
  const double scale = (l - l.mean()).matrix().norm() / (s - s.mean()).matrix().norm();
  CHECK(((l - l.mean()) - scale * (s - s.mean())).abs().maxCoeff() < 1e-4);
}

TEST_CASE("synthetic task refuses empty and oversized splits") {
  auto message_of = [](nninit::index train, nninit::index test) {
    try {
      (void)nninit::harness::synthetic_task(train, test, 0);
    } catch (const nninit::init_error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(message_of(0, 10) == "nninit::synthetic_task: train_samples must be in [1, 2739137], got 0");
  CHECK(message_of(10, -1) == "nninit::synthetic_task: test_samples must be in [1, 2739137], got -1");
  CHECK(message_of(2739138, 10) == "nninit::synthetic_task: train_samples must be in [1, 2739137], got 2739138");
}

TEST_CASE("training_data picks Fashion-MNIST when wanted and installed, else the synthetic task") {
  const dataset not_wanted = nninit::harness::training_data(false, 5);
  CHECK(not_wanted.synthetic);
  CHECK(not_wanted.source == "synthetic task (Fashion-MNIST not requested)");
  CHECK(bitwise_equal(not_wanted, nninit::harness::synthetic_task(12000, 2000, 5)));

  const dataset wanted = nninit::harness::training_data(true, 5);
  if (nninit::harness::fashion_mnist_available()) {
    CHECK_FALSE(wanted.synthetic);
    CHECK(wanted.source == "Fashion-MNIST (/usr/share/datasets/fashion-mnist)");
    CHECK(wanted.train_x.cols() == 60000);
  } else {
    CHECK(wanted.synthetic);
    CHECK(wanted.source == "synthetic task (Fashion-MNIST not installed: apt install dataset-fashion-mnist)");
    CHECK(bitwise_equal(wanted, not_wanted));
  }
}
