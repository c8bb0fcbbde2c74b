// Shared helpers of the tool's tests: running the built binary in a scratch directory, and
// small JSON and .npy readers for what it writes.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>  // mkdtemp
#include <sys/wait.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#ifndef NNINIT_CLI_PATH
#error "NNINIT_CLI_PATH must name the nninit binary"
#endif

namespace cli_test {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Running the tool

/// A new empty directory, removed with its contents when the test ends.
class scratch_dir {
 public:
  scratch_dir() {
    std::string pattern = (fs::temp_directory_path() / "nninit_cli_test_XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  ~scratch_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

  /// Every entry, hidden ones included (a leftover temporary file would start with '.').
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  fs::path path_;
};

struct result {
  int code = -1;
  std::string out, err;
};

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Runs the tool; stdout and stderr are captured in a directory of their own, so the
/// directories the tool writes to hold only what the tool wrote.
inline result run(const std::vector<std::string>& args) {
  const scratch_dir capture;
  std::string cmd = shell_quote(NNINIT_CLI_PATH);
  for (const auto& a : args) cmd.append(" ").append(shell_quote(a));
  cmd.append(" >").append(shell_quote(capture / "out")).append(" 2>").append(shell_quote(capture / "err"));
  const int status = std::system(cmd.c_str());
  result r;
  r.code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(capture.path() / "out");
  r.err = slurp(capture.path() / "err");
  return r;
}

inline std::string joined(const std::vector<std::string>& args) {
  std::string s = "nninit";
  for (const auto& a : args) s.append(" ").append(a);
  return s;
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// ---------------------------------------------------------------------------------------------
// A small JSON reader: enough for what the tool prints. Numbers keep their text, so that the
// test converts them with strtod (correctly rounded) and compares bits.

struct json {
  enum class kind { null, boolean, number, string, array, object };
  kind type = kind::null;
  bool flag = false;
  std::string text;  // a number's text or a string's value
  std::vector<json> items;      // an array's items, or an object's values
  std::vector<std::string> keys;  // an object's keys, one per item (a vector of pairs would need json complete)

  bool is_null() const { return type == kind::null; }
  const json& operator[](std::string_view key) const {
    for (std::size_t i = 0; i < keys.size(); ++i)
      if (keys[i] == key) return items[i];
    throw std::runtime_error("missing key " + std::string(key));
  }
  double number() const {
    if (type != kind::number) throw std::runtime_error("not a number: " + text);
    return std::strtod(text.c_str(), nullptr);
  }
  std::int64_t integer() const {
    if (type != kind::number) throw std::runtime_error("not a number");
    return std::stoll(text);
  }
};

class json_reader {
 public:
  explicit json_reader(std::string_view text) : s_(text) {}
  json document() {
    json v = value();
    space();
    if (i_ != s_.size()) fail("trailing text");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error("JSON: " + why + " at " + std::to_string(i_));
  }
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
  }
  bool eat(char c) {
    space();
    if (i_ < s_.size() && s_[i_] == c) return ++i_, true;
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail(std::string("expected ") + c);
  }
  bool word(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  json value() {
    space();
    if (i_ >= s_.size()) fail("unexpected end");
    json v;
    const char c = s_[i_];
    if (c == '{') {
      ++i_;
      v.type = json::kind::object;
      if (eat('}')) return v;
      do {
        space();
        v.keys.push_back(string());
        expect(':');
        v.items.push_back(value());
      } while (eat(','));
      expect('}');
    } else if (c == '[') {
      ++i_;
      v.type = json::kind::array;
      if (eat(']')) return v;
      do v.items.push_back(value());
      while (eat(','));
      expect(']');
    } else if (c == '"') {
      v.type = json::kind::string;
      v.text = string();
    } else if (word("null")) {
      v.type = json::kind::null;
    } else if (word("true")) {
      v.type = json::kind::boolean, v.flag = true;
    } else if (word("false")) {
      v.type = json::kind::boolean, v.flag = false;
    } else {
      v.type = json::kind::number;
      v.text = number();
    }
    return v;
  }
  std::string string() {
    if (i_ >= s_.size() || s_[i_] != '"') fail("expected a string");
    ++i_;
    std::string out;
    while (true) {
      if (i_ >= s_.size()) fail("unterminated string");
      const char c = s_[i_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) fail("unterminated escape");
      const char e = s_[i_++];
      switch (e) {
        case '"': case '\\': case '/': out += e; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          if (i_ + 4 > s_.size()) fail("short \\u escape");
          const unsigned cp = static_cast<unsigned>(std::stoul(std::string(s_.substr(i_, 4)), nullptr, 16));
          i_ += 4;
          if (cp < 0x80) {
            out += static_cast<char>(cp);
          } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          }
          break;
        }
        default: fail("bad escape");
      }
    }
  }
  /// JSON's number grammar, strictly: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  std::string number() {
    const std::size_t start = i_;
    const auto digits = [&] {
      const std::size_t from = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ - from;
    };
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (i_ < s_.size() && s_[i_] == '0') ++i_;
    else if (digits() == 0) fail("bad number");
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (digits() == 0) fail("bad fraction");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (digits() == 0) fail("bad exponent");
    }
    return std::string(s_.substr(start, i_ - start));
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

inline json parse_json(const std::string& text) { return json_reader(text).document(); }

// ---------------------------------------------------------------------------------------------
// A small .npy reader (format 1.0, as the tool writes it), checking the header as it goes.

struct npy {
  std::string descr;
  bool fortran_order = true;
  std::vector<std::int64_t> shape;
  std::string data;  // the raw little-endian bytes
};

inline npy read_npy(const std::string& path) {
  const std::string bytes = slurp(path);
  REQUIRE(bytes.size() >= 10);
  REQUIRE(bytes.compare(0, 6, std::string("\x93NUMPY", 6)) == 0);
  CHECK(bytes[6] == '\x01');
  CHECK(bytes[7] == '\x00');
  const std::size_t header_len =
      static_cast<unsigned char>(bytes[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
  REQUIRE(bytes.size() >= 10 + header_len);
  CHECK((10 + header_len) % 64 == 0);  // data aligned as NumPy writes it
  const std::string header = bytes.substr(10, header_len);
  CHECK(header.back() == '\n');
  CHECK(header.front() == '{');

  npy f;
  const auto after = [&](const std::string& key) {
    const auto at = header.find("'" + key + "': ");
    REQUIRE(at != std::string::npos);
    return at + key.size() + 4;
  };
  std::size_t at = after("descr");
  REQUIRE(header[at] == '\'');
  f.descr = header.substr(at + 1, header.find('\'', at + 1) - at - 1);
  at = after("fortran_order");
  if (header.compare(at, 5, "False") == 0) f.fortran_order = false;
  else CHECK(header.compare(at, 4, "True") == 0);
  at = after("shape");
  REQUIRE(header[at] == '(');
  const std::string tuple = header.substr(at + 1, header.find(')', at) - at - 1);
  std::istringstream in(tuple);
  for (std::string item; std::getline(in, item, ',');)
    if (item.find_first_not_of(' ') != std::string::npos) f.shape.push_back(std::stoll(item));
  if (f.shape.size() == 1) CHECK(tuple.back() == ',');  // (n,) is a tuple, (n) is not
  f.data = bytes.substr(10 + header_len);
  return f;
}

/// The values of an npy's data, as the bit patterns of T (read little-endian).
template <class T>
std::vector<std::uint64_t> npy_bits(const npy& f) {
  std::vector<std::uint64_t> out(f.data.size() / sizeof(T));
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::uint64_t v = 0;
    for (std::size_t b = 0; b < sizeof(T); ++b)
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(f.data[i * sizeof(T) + b])) << (8 * b);
    out[i] = v;
  }
  return out;
}

/// The tool run with `all` exits with 2, one line on stderr beginning with `message`, nothing on
/// stdout, and nothing in `dir` (where its outputs would go).
inline void check_refuses(const std::vector<std::string>& all, const std::string& message, const scratch_dir& dir) {
  const result r = run(all);
  INFO(joined(all), "\n", r.err);
  CHECK(r.code == 2);
  CHECK(r.err.rfind(message, 0) == 0);
  CHECK(lines_of(r.err).size() == 1);
  CHECK(r.out.empty());
  CHECK(dir.entries().empty());
}

/// `nninit compare` with --json and --report in a scratch directory, then `args`: it must exit 2
/// with one stderr line starting with `message`, print nothing on stdout and write no file.
inline void check_compare_refuses(const std::vector<std::string>& args, const std::string& message) {
  const scratch_dir dir;
  std::vector<std::string> all = {"compare", "--json", dir / "c.json", "--report", dir / "c.html"};
  all.insert(all.end(), args.begin(), args.end());
  check_refuses(all, message, dir);
}

template <class T>
std::uint64_t bits_of(T v) {
  if constexpr (sizeof(T) == 4) return std::bit_cast<std::uint32_t>(v);
  else return std::bit_cast<std::uint64_t>(v);
}

}  // namespace cli_test
