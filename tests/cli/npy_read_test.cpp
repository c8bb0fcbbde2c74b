// Tests of the tool's strict .npy reader (tools/nninit/npy.cpp): round trips with its writer,
// every accepted header variant, and hostile input (truncated, corrupt, huge) rejected with an
// init_error in the tool's message form, never a crash.
#include <doctest/doctest.h>
#include <stdlib.h>  // mkdtemp
#include <sys/stat.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <nninit/error.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "npy.hpp"
#include "tool_test_util.hpp"

namespace npy_read_test {

namespace fs = std::filesystem;
using nninit_cli::npy_matrix;

using scratch = cli_test::scratch_dir;

/// The bytes of `v` in little- or big-endian order.
template <class T>
std::string encoded(T v, bool little) {
  using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  const U u = std::bit_cast<U>(v);
  std::string out(sizeof(T), '\0');
  for (std::size_t b = 0; b < sizeof(T); ++b) {
    const auto byte = static_cast<char>(static_cast<unsigned char>((u >> (8 * b)) & 0xff));
    out[little ? b : sizeof(T) - 1 - b] = byte;
  }
  return out;
}

template <class T>
std::string encoded_all(const std::vector<T>& values, bool little = true) {
  std::string out;
  for (T v : values) out += encoded(v, little);
  return out;
}

/// A .npy file: magic, version major.0, the header length, `header` exactly as given, `payload`.
std::string npy_raw(std::string_view header, std::string_view payload, int major = 1) {
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += '\0';
  const std::size_t length_size = major == 1 ? 2 : 4;
  for (std::size_t b = 0; b < length_size; ++b) out += static_cast<char>((header.size() >> (8 * b)) & 0xff);
  out.append(header);
  out.append(payload);
  return out;
}

/// The same with `dict` padded with spaces and a final '\n' to a multiple of 64 bytes, as NumPy does.
std::string npy_file(std::string_view dict, std::string_view payload, int major = 1) {
  const std::size_t fixed = major == 1 ? 10 : 12;
  std::string header(dict);
  const std::size_t total = (fixed + header.size() + 1 + 63) / 64 * 64;
  header.append(total - fixed - header.size() - 1, ' ');
  header += '\n';
  return npy_raw(header, payload, major);
}

std::string dict_of(std::string_view descr, std::string_view shape, bool fortran = false) {
  return "{'descr': '" + std::string(descr) + "', 'fortran_order': " + (fortran ? "True" : "False") +
         ", 'shape': " + std::string(shape) + ", }";
}

/// A valid 3 x 4 float64 file, C order, values 0.5 * k.
std::string small_valid(int major = 1) {
  std::vector<double> v;
  for (int k = 0; k < 12; ++k) v.push_back(0.5 * k);
  return npy_file(dict_of("<f8", "(3, 4)"), encoded_all(v), major);
}

npy_matrix parse(std::string_view bytes) { return nninit_cli::parse_npy_matrix("fill", "data", "x.npy", bytes); }

/// The init_error message parsing `bytes` raises; fails the test on success or on any other exception.
std::string error_of(std::string_view bytes) {
  try {
    parse(bytes);
  } catch (const nninit::init_error& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("not an init_error: " << e.what());
    return {};
  }
  FAIL("accepted");
  return {};
}

/// The message is in the tool's form, names the argument and the file, and contains `detail`.
void check_error(std::string_view bytes, const std::string& detail) {
  const std::string m = error_of(bytes);
  INFO(m);
  CHECK(m.rfind("nninit::fill: data must be a 2-D float32 or float64 .npy file (NumPy format 1.0-3.0), got ", 0) == 0);
  CHECK(m.find("in 'x.npy'") != std::string::npos);
  CHECK(m.find(detail) != std::string::npos);
  CHECK(m.size() < 600);
}

/// Parses `bytes`: either a matrix or an init_error, nothing else. True when accepted.
bool survives(std::string_view bytes) {
  try {
    const npy_matrix m = parse(bytes);
    CHECK(m.values.size() == static_cast<std::size_t>(m.rows * m.cols));
    return true;
  } catch (const nninit::init_error&) {
    return false;
  } catch (const std::exception& e) {
    FAIL("not an init_error: " << e.what());
  }
  return false;
}

template <class T>
void check_round_trip() {
  scratch dir;
  const std::string path = dir / "w.npy";
  const T inf = std::numeric_limits<T>::infinity();
  const std::vector<T> v = {T(0), T(-0.0), T(1) / T(3), T(-2.5), std::numeric_limits<T>::denorm_min(),
                            std::numeric_limits<T>::max(), std::numeric_limits<T>::lowest(), inf, -inf,
                            std::numeric_limits<T>::quiet_NaN(), T(1e-3), T(123456.75)};
  nninit_cli::write_npy<T>("fill", path, {3, 4}, v.data(), v.size());
  const npy_matrix m = nninit_cli::read_npy_matrix("fill", "data", path);
  CHECK(m.rows == 3);
  CHECK(m.cols == 4);
  CHECK(m.dtype == (sizeof(T) == 4 ? "float32" : "float64"));
  REQUIRE(m.values.size() == v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    INFO("element " << i);
    if (std::isnan(v[i])) {
      CHECK(std::isnan(m.values[i]));
    } else {
      // Exact, sign of zero included.
      CHECK(std::bit_cast<std::uint64_t>(m.values[i]) == std::bit_cast<std::uint64_t>(static_cast<double>(v[i])));
    }
  }
}

}  // namespace npy_read_test

using namespace npy_read_test;

TEST_CASE("npy reader: round trip of float32 written by write_npy") { check_round_trip<float>(); }

TEST_CASE("npy reader: round trip of float64 written by write_npy") { check_round_trip<double>(); }

TEST_CASE("npy reader: Fortran order is transposed into row-major") {
  // The 2 x 3 matrix [[1 2 3] [4 5 6]] stored column by column: 1 4 2 5 3 6.
  const std::string file = npy_file(dict_of("<f8", "(2, 3)", true), encoded_all<double>({1, 4, 2, 5, 3, 6}));
  const npy_matrix m = parse(file);
  CHECK(m.rows == 2);
  CHECK(m.cols == 3);
  CHECK(m.values == std::vector<double>{1, 2, 3, 4, 5, 6});

  const std::string f4 = npy_file(dict_of(">f4", "(3, 1)", true), encoded_all<float>({7, 8, 9}, false));
  CHECK(parse(f4).values == std::vector<double>{7, 8, 9});
}

TEST_CASE("npy reader: big-endian float64 and float32") {
  const std::vector<double> v = {1.0 / 3, -1e300, 2.5e-310, 42};
  const npy_matrix m = parse(npy_file(dict_of(">f8", "(2, 2)"), encoded_all(v, false)));
  CHECK(m.dtype == "float64");
  CHECK(m.values == v);

  const std::vector<float> f = {0.1f, -3.0f, 1e-40f, 7.0f, 1e30f, -0.0f};
  const npy_matrix n = parse(npy_file(dict_of(">f4", "(3, 2)"), encoded_all(f, false)));
  CHECK(n.dtype == "float32");
  REQUIRE(n.values.size() == f.size());
  for (std::size_t i = 0; i < f.size(); ++i)
    CHECK(std::bit_cast<std::uint64_t>(n.values[i]) == std::bit_cast<std::uint64_t>(static_cast<double>(f[i])));
}

TEST_CASE("npy reader: native byte order descr") {
  const bool little = std::endian::native == std::endian::little;
  const npy_matrix m = parse(npy_file(dict_of("=f8", "(1, 2)"), encoded_all<double>({1.5, -2}, little)));
  CHECK(m.values == std::vector<double>{1.5, -2});
}

TEST_CASE("npy reader: versions 2.0 and 3.0") {
  for (int major : {2, 3}) {
    INFO("version " << major);
    const npy_matrix m = parse(small_valid(major));
    CHECK(m.rows == 3);
    CHECK(m.cols == 4);
    CHECK(m.values[11] == 5.5);
  }
}

TEST_CASE("npy reader: empty matrices") {
  const npy_matrix m = parse(npy_file(dict_of("<f4", "(0, 5)"), ""));
  CHECK(m.rows == 0);
  CHECK(m.cols == 5);
  CHECK(m.values.empty());
  const npy_matrix n = parse(npy_file(dict_of("<f8", "(5, 0)", true), ""));
  CHECK(n.rows == 5);
  CHECK(n.cols == 0);
  CHECK(n.values.empty());
  check_error(npy_file(dict_of("<f8", "(0, 5)"), std::string(8, '\0')), "8 bytes of data after the header");
}

TEST_CASE("npy reader: header dict variants") {
  const std::string payload = encoded_all<double>({1, 2, 3, 4, 5, 6});
  for (const char* dict : {
           "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
           "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}",
           "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2, 3)}",
           "{'shape': (2,3,), 'descr':'<f8','fortran_order':False}",
           "{ 'fortran_order' : False , 'shape' : ( 2 , 3 ) , 'descr' : '<f8' , }",
       }) {
    INFO(dict);
    const npy_matrix m = parse(npy_file(dict, payload));
    CHECK(m.rows == 2);
    CHECK(m.cols == 3);
    CHECK(m.values == std::vector<double>{1, 2, 3, 4, 5, 6});
  }
  // Unpadded: the header is just the dict and '\n'.
  CHECK(parse(npy_raw(dict_of("<f8", "(2, 3)") + "\n", payload)).values.size() == 6);
}

TEST_CASE("npy reader: every truncated prefix is an init_error") {
  for (int major : {1, 2}) {
    const std::string file = small_valid(major);
    for (std::size_t n = 0; n < file.size(); ++n) {
      INFO("version " << major << " prefix of " << n << " bytes");
      CHECK_THROWS_AS(parse(std::string_view(file).substr(0, n)), nninit::init_error);
    }
  }
  check_error("", "an empty file");
  check_error(small_valid().substr(0, 4), "cut before its format version");
  check_error(small_valid().substr(0, 9), "cut inside its header length");
  check_error(small_valid().substr(0, 30), "(a truncated file or a corrupt header length)");
}

TEST_CASE("npy reader: flipped bytes in the preamble and header never crash") {
  const std::string file = small_valid();
  const std::size_t data_start = file.size() - 12 * 8;
  for (std::size_t i = 0; i < data_start; ++i)
    for (unsigned mask : {0x01u, 0x08u, 0x20u, 0x80u, 0xffu}) {
      std::string bad = file;
      bad[i] = static_cast<char>(static_cast<unsigned char>(bad[i]) ^ mask);
      INFO("byte " << i << " xor " << mask);
      survives(bad);
    }
  // Magic, version and the dict's punctuation are all checked.
  std::string bad = file;
  bad[0] = 'X';
  check_error(bad, "without the .npy magic string");
  bad = file;
  bad[6] = 4;
  check_error(bad, "format version 4.0");
  bad = file;
  bad[7] = 1;
  check_error(bad, "format version 1.1");
  bad = file;
  bad[10] = '[';
  check_error(bad, "a malformed header dict (expected '{') at byte 0 of the header");
}

TEST_CASE("npy reader: a randomly mutated file is parsed or rejected") {
  std::mt19937 rng(12345);
  const std::string seeds[] = {small_valid(1), small_valid(3),
                               npy_file(dict_of(">f4", "(2, 2)", true), encoded_all<float>({1, 2, 3, 4}, false))};
  int accepted = 0;
  for (int it = 0; it < 20000; ++it) {
    std::string f = seeds[it % 3];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % f.size();
      switch (rng() % 4) {
        case 0: f[at] = static_cast<char>(rng() & 0xff); break;
        case 1: f.erase(at, 1 + rng() % 8); break;
        case 2: f.insert(at, 1, static_cast<char>(" ,()'0123456789{}:\n"[rng() % 19])); break;
        default: f.resize(at); break;
      }
      if (f.empty()) f.push_back('x');
    }
    accepted += survives(f) ? 1 : 0;
  }
  MESSAGE(accepted << " of 20000 mutated files accepted");
}

TEST_CASE("npy reader: rank other than 2 is rejected with the shape") {
  check_error(npy_file(dict_of("<f8", "(3, 4, 5)"), std::string(480, '\0')), "got shape (3, 4, 5) in 'x.npy'");
  check_error(npy_file(dict_of("<f8", "(5,)"), std::string(40, '\0')), "got shape (5,) in 'x.npy'");
  check_error(npy_file(dict_of("<f8", "()"), std::string(8, '\0')), "got shape () in 'x.npy'");
  check_error(npy_file(dict_of("<f4", "(1, 1, 1, 1, 1, 1, 1, 1, 1, 1)"), std::string(4, '\0')),
              "shape (1, 1, 1, 1, 1, 1, 1, 1, ...) of 10 dimensions");
}

TEST_CASE("npy reader: unsupported dtypes are quoted") {
  const std::string payload(96, '\0');
  check_error(npy_file(dict_of("<i8", "(3, 4)"), payload), "dtype '<i8', neither float32");
  check_error(npy_file(dict_of("|f4", "(3, 4)"), payload), "dtype '|f4'");
  check_error(npy_file(dict_of("<f2", "(3, 4)"), payload), "dtype '<f2'");
  check_error(npy_file(dict_of("<f8 ", "(3, 4)"), payload), "dtype '<f8 '");
  check_error(npy_file("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (3, 4)}", payload),
              "expected a quoted string as 'descr'");
}

TEST_CASE("npy reader: huge shapes are refused before allocating") {
  const std::string big = std::to_string(std::uint64_t{1} << 62);
  check_error(npy_file(dict_of("<f8", "(" + big + ", " + big + ")"), std::string(8, '\0')),
              "more than 2^64 bytes of data, while 8 bytes follow the header");
  check_error(npy_file(dict_of("<f4", "(4294967296, 1073741824)"), ""), "more than 2^64 bytes");
  // Fits in 64 bits, but the file does not hold it.
  check_error(npy_file(dict_of("<f8", "(1000000000, 1000000000)"), std::string(16, '\0')),
              "16 bytes of data after the header, while shape (1000000000, 1000000000) of float64 needs "
              "8000000000000000000 bytes");
  check_error(npy_file(dict_of("<f8", "(9223372036854775807, 1)"), ""), "more than 2^64 bytes");
  check_error(npy_file(dict_of("<f8", "(9223372036854775808, 1)"), ""), "a dimension above 2^63 - 1");
  check_error(npy_file(dict_of("<f8", "(99999999999999999999999999, 1)"), ""), "a dimension above 2^63 - 1");
}

TEST_CASE("npy reader: payload one byte short or long") {
  const std::string file = small_valid();
  check_error(file.substr(0, file.size() - 1), "95 bytes of data after the header, while shape (3, 4) of float64 needs 96");
  check_error(file + '\0', "97 bytes of data after the header, while shape (3, 4) of float64 needs 96");
}

TEST_CASE("npy reader: header length past the end of the file") {
  std::string file = small_valid();
  file[8] = static_cast<char>(0xff);
  file[9] = static_cast<char>(0xff);
  check_error(file, "a header of 65535 bytes, but only");
  std::string v2 = small_valid(2);
  v2[11] = static_cast<char>(0xff);  // 2^24 * 255 + ...
  check_error(v2, "(a truncated file or a corrupt header length)");
  // Shorter than the dict: the header no longer ends with '\n'.
  file = small_valid();
  file[8] = 20;
  file[9] = 0;
  check_error(file, "a header that does not end with a newline");
}

TEST_CASE("npy reader: malformed header dicts say what is wrong") {
  const std::string payload(96, '\0');
  check_error(npy_file("[1, 2]", payload), "(expected '{') at byte 0 of the header, before '[1, 2]");
  check_error(npy_file("{'descr': '<f8', 'shape': (3, 4)}", payload), "missing key 'fortran_order'");
  check_error(npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), 'x': 1}", payload),
              "unknown key 'x'");
  check_error(npy_file("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)}", payload),
              "duplicate key 'descr'");
  check_error(npy_file("{descr: '<f8', 'fortran_order': False, 'shape': (3, 4)}", payload),
              "expected a quoted key or '}'");
  check_error(npy_file("{'descr' '<f8', 'fortran_order': False, 'shape': (3, 4)}", payload),
              "expected ':' after key 'descr'");
  std::string lower = dict_of("<f8", "(3, 4)");
  lower.replace(lower.find("False"), 5, "false");
  check_error(npy_file(lower, payload),
              "expected True or False as 'fortran_order'");
  check_error(npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': [3, 4]}", payload),
              "expected a tuple as 'shape'");
  check_error(npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (3; 4)}", payload),
              "expected ',' or ')' in 'shape'");
  check_error(npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (-3, 4)}", payload),
              "expected a non-negative integer in 'shape'");
  check_error(npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (03, 4)}", payload),
              "a dimension with a leading zero");
  check_error(npy_file("{'descr': '<f8' 'fortran_order': False, 'shape': (3, 4)}", payload),
              "expected ',' or '}' after the value of 'descr'");
  check_error(npy_file("{'descr': '<f8\", 'fortran_order': False, 'shape': (3, 4)}", payload),
              "(expected ',' or '}' after the value of 'descr') at byte 18 of the header, before 'fortran_order'");
  check_error(npy_file("{'descr': \"<f8, 'fortran_order': False, 'shape': (3, 4)}", payload),
              "(a string without its closing quote) at byte 10 of the header, before '\"<f8, ");
  check_error(npy_file("{'descr': '<f\\x38', 'fortran_order': False, 'shape': (3, 4)}", payload),
              "a backslash or control character inside a string");
  check_error(npy_file(dict_of("<f8", "(3, 4)") + " x", payload), "unexpected text after the closing '}'");
  check_error(npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)", payload),
              "at the end of the header");
  check_error(npy_raw(dict_of("<f8", "(3, 4)") + "\n\n", payload), "unexpected text after the closing '}'");
  check_error(npy_raw("", payload), "an empty header");
}

TEST_CASE("npy reader: hostile header text is quoted short and printable") {
  std::string junk;
  for (int i = 0; i < 100000; ++i) junk += static_cast<char>(i % 256);
  const std::string m =
      error_of(npy_file("{'descr': '" + junk + "', 'fortran_order': False, 'shape': (3, 4)}", "", 2));
  INFO(m);
  CHECK(m.size() < 600);
  CHECK(m.find("\\x01") != std::string::npos);
  CHECK(m.find("...") != std::string::npos);
  for (char c : m) CHECK((static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f));

  std::string descr(200, 'A');
  descr[0] = static_cast<char>(0xe9);
  const std::string d = error_of(npy_file(dict_of(descr, "(3, 4)"), std::string(96, '\0')));
  CHECK(d.find("dtype '\\xe9AAAA") != std::string::npos);
  CHECK(d.size() < 400);
}

TEST_CASE("npy reader: read_npy_matrix refuses missing files and directories") {
  scratch dir;
  const std::string missing = dir / "missing.npy";
  try {
    nninit_cli::read_npy_matrix("lsh", "dataset", missing);
    FAIL("accepted a missing file");
  } catch (const nninit::init_error& e) {
    const std::string m = e.what();
    INFO(m);
    CHECK(m.rfind("nninit::lsh: dataset must be an existing, readable .npy file, got '", 0) == 0);
    CHECK(m.find(missing) != std::string::npos);
    CHECK(m.find("No such file") != std::string::npos);
  }
  try {
    nninit_cli::read_npy_matrix("lsh", "dataset", dir.path().string());
    FAIL("accepted a directory");
  } catch (const nninit::init_error& e) {
    const std::string m = e.what();
    INFO(m);
    CHECK(m.rfind("nninit::lsh: dataset must be a regular .npy file, got '", 0) == 0);
    CHECK(m.find(dir.path().string()) != std::string::npos);
    CHECK(m.find("a directory") != std::string::npos);
  }
  // A FIFO is refused before it is opened: no hang waiting for a writer.
  const std::string fifo = dir / "fifo.npy";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_WITH_AS(nninit_cli::read_npy_matrix("lsh", "dataset", fifo),
                       doctest::Contains("not a regular file"), nninit::init_error);
  CHECK_THROWS_AS(nninit_cli::read_npy_matrix("lsh", "dataset", ""), nninit::init_error);
}

TEST_CASE("npy reader: read_npy_matrix names the file in parse errors") {
  scratch dir;
  const std::string path = dir / "bad.npy";
  std::vector<float> v(6, 1.0f);
  nninit_cli::write_npy<float>("fill", path, {6}, v.data(), v.size());
  CHECK_THROWS_WITH_AS(nninit_cli::read_npy_matrix("fill", "data", path),
                       doctest::Contains(("got shape (6,) in '" + path + "'").c_str()), nninit::init_error);
}
