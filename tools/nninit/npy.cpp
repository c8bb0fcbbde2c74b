// nninit tool: .npy preamble, the atomic file write and the strict .npy reader (see npy.hpp). POSIX only.
#include "npy.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <system_error>

#include "errors.hpp"

namespace nninit_cli {

std::string npy_preamble(std::string_view command, std::string_view descr, const std::vector<std::int64_t>& shape) {
  std::string dict = "{'descr': '";
  dict.append(descr).append("', 'fortran_order': False, 'shape': (");
  for (std::size_t i = 0; i < shape.size(); ++i) dict += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) dict += ',';  // a 1-tuple
  dict += "), }";

  constexpr std::size_t fixed = 10;  // magic (6) + version (2) + header length (2)
  std::size_t total = fixed + dict.size() + 1;  // + the final '\n'
  total = (total + 63) / 64 * 64;
  const std::size_t header_len = total - fixed;
  if (header_len > 0xFFFF)
    fail(command, "shape", "short enough for a .npy 1.0 header (65535 bytes)",
         std::to_string(shape.size()) + " dimensions");
  dict.append(header_len - dict.size() - 1, ' ');
  dict += '\n';

  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header_len & 0xFF);
  out += static_cast<char>((header_len >> 8) & 0xFF);
  return out + dict;
}

namespace {

namespace fs = std::filesystem;

/// A descriptor, closed on every exit unless closed (and checked) first.
class descriptor {
 public:
  explicit descriptor(int fd) : fd_(fd) {}
  descriptor(const descriptor&) = delete;
  descriptor& operator=(const descriptor&) = delete;
  ~descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }
  /// Closes the descriptor; returns 0 or the errno of close. Linux closes it even on EINTR.
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 || errno == EINTR ? 0 : errno;
  }

 private:
  int fd_;
};

/// The temporary file until it is renamed: closed and removed on every early exit.
class temporary_file {
 public:
  temporary_file(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  temporary_file(const temporary_file&) = delete;
  temporary_file& operator=(const temporary_file&) = delete;
  ~temporary_file() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  int fd() const { return fd_.fd(); }
  const std::string& path() const { return path_; }
  int close() { return fd_.close(); }
  /// Called once renamed: nothing left to remove.
  void keep() { path_.clear(); }

 private:
  std::string path_;
  descriptor fd_;
};

/// Writes all of [data, data + size), retrying short writes and interruptions, and waiting when
/// the descriptor is non-blocking (a shell may hand us such a pipe); 0 or an errno.
int write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        pollfd ready{fd, POLLOUT, 0};
        if (::poll(&ready, 1, -1) < 0 && errno != EINTR) return errno;
        continue;
      }
      return errno;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return 0;
}

/// The permissions a file created with open(..., 0666) would get: mkstemp makes it 0600.
mode_t default_file_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return static_cast<mode_t>(0666 & ~mask);
}

/// Symlinks followed by hand at most this many times, Linux's own limit: a longer chain is a loop.
constexpr int max_symlinks = 40;

/// How an output is written.
enum class output_kind {
  standard_output,  // "-", or the very file descriptor 1 is: written through descriptor 1
  file,             // a regular file, new or existing: replaced atomically
  in_place,         // a character device, FIFO or socket: written, never created or replaced
};

struct output_target {
  output_kind kind;
  std::string path;  // what is written: for a file, the last symlink's target
  mode_t type = 0;   // for in_place: S_IFCHR, S_IFIFO or S_IFSOCK
};

/// 'path', with the file a symlink led to when that differs: what messages name.
std::string shown(const std::string& path, const std::string& target) {
  return target == path ? in_quotes(path) : in_quotes(path) + " (a symlink to " + in_quotes(target) + ")";
}

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

/// Whether the final name can be a file's: not empty, ".", ".." or after a trailing "/".
bool names_a_file(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  return !name.empty() && name != "." && name != "..";
}

/// `path` with its symlinks followed by hand to the last one's target, which may not exist (a
/// relative link is relative to the link's own directory). By hand because realpath refuses a
/// missing target, and the directories on the way need no rewriting.
std::string follow_symlinks(std::string_view command, std::string_view argument, const std::string& path) {
  std::string current = path;
  for (int hops = 0; hops <= max_symlinks; ++hops) {
    struct stat st {};
    if (::lstat(current.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return current;
    std::error_code ec;
    const fs::path next = fs::read_symlink(current, ec);
    if (ec) fail_output(command, argument, "a readable symlink", shown(path, current), ec.value());
    current = next.is_absolute() ? next.string() : (fs::path(current).parent_path() / next).string();
  }
  fail(command, argument, "a path without a symlink loop", in_quotes(path));
}

/// What `path` names as an output, and how it is written; refuses what cannot be one.
output_target resolve_output(std::string_view command, std::string_view argument, const std::string& path) {
  if (path == "-") return {output_kind::standard_output, path};
  if (!names_a_file(path)) fail(command, argument, "a file path or - (standard output)", in_quotes(path));
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ELOOP) fail(command, argument, "a path without a symlink loop", in_quotes(path));
    if (err != ENOENT) fail_output(command, argument, "a file path", in_quotes(path), err);
    // Nothing there, or a dangling symlink: the file the link names is created, as `>` in a shell does.
    const std::string target = follow_symlinks(command, argument, path);
    if (!names_a_file(target)) fail(command, argument, "a file path", shown(path, target));
    return {output_kind::file, target};
  }
  struct stat out {};
  // /dev/stdout, or the file stdout was redirected to: one stream, so written through it.
  if (::fstat(STDOUT_FILENO, &out) == 0 && same_file(st, out)) return {output_kind::standard_output, path};
  if (S_ISDIR(st.st_mode)) fail(command, argument, "a file path, not a directory", in_quotes(path));
  if (S_ISBLK(st.st_mode)) fail(command, argument, "a file, not a block device", in_quotes(path));
  if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
    return {output_kind::in_place, path, static_cast<mode_t>(st.st_mode & S_IFMT)};
  if (!S_ISREG(st.st_mode)) fail(command, argument, "a file, character device, FIFO or socket", in_quotes(path));
  const std::string target = follow_symlinks(command, argument, path);
  // /proc's links to descriptors name no path ("pipe:[12]", "/x (deleted)"): refused, not guessed.
  struct stat t {};
  if (::lstat(target.c_str(), &t) != 0 || !same_file(st, t))
    fail(command, argument, "a path whose symlinks lead to a file", shown(path, target));
  return {output_kind::file, target};
}

/// Opens a device or FIFO for writing (it exists and is no file: nothing to create or truncate),
/// or connects to a socket; -1 and errno on failure.
int open_in_place(const output_target& t) {
  if (t.type == S_IFSOCK) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (t.path.size() >= sizeof(address.sun_path)) {
      errno = ENAMETOOLONG;
      return -1;
    }
    std::memcpy(address.sun_path, t.path.c_str(), t.path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
      const int err = errno;
      ::close(fd);
      errno = err;
      return -1;
    }
    return fd;
  }
  int fd = -1;
  // A FIFO's open waits for a reader; a signal may interrupt the wait.
  do fd = ::open(t.path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  return fd;
}

/// Writes `parts` to a descriptor written in place, then fsyncs it where that means something;
/// 0 or an errno.
int write_in_place(int fd, const std::vector<byte_span>& parts) {
  for (const byte_span& part : parts)
    if (const int err = write_all(fd, part.data, part.size)) return err;
  struct stat st {};
  if (::fstat(fd, &st) != 0) return errno;
  if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) return 0;  // no storage behind them
  // A character device or terminal may have none either, and says so with EINVAL or EROFS.
  if (::fsync(fd) != 0 && errno != EINVAL && errno != EROFS) return errno;
  return 0;
}

/// The atomic replacement of the regular file `target` (`path` after its symlinks).
void replace_file(std::string_view command, std::string_view argument, const std::string& path,
                  const std::string& target, const std::vector<byte_span>& parts) {
  const fs::path file(target);
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  // Appended, not "." + name: g++ 12 warns falsely (-Wrestrict) on operator+ with an rvalue.
  std::string hidden = ".";
  hidden.append(file.filename().string()).append(".tmp-XXXXXX");
  std::string pattern = (dir / hidden).string();
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) {
    const int err = errno;
    fail_io(command, argument, "in a writable directory", shown(path, target), err);
  }
  temporary_file tmp(pattern, fd);

  const auto check = [&](int err) {
    if (err != 0) fail_io(command, argument, "writable", shown(path, target), err);
  };
  for (const byte_span& part : parts) check(write_all(tmp.fd(), part.data, part.size));
  check(::fchmod(tmp.fd(), default_file_mode()) == 0 ? 0 : errno);
  check(::fsync(tmp.fd()) == 0 ? 0 : errno);
  check(tmp.close());
  check(std::rename(tmp.path().c_str(), target.c_str()) == 0 ? 0 : errno);
  tmp.keep();

  // Make the rename itself durable; the file is already complete, so a failure here is not reported.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace

bool check_outputs(std::string_view command,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> outputs) {
  std::string_view on_stdout;  // the argument already writing to standard output
  for (const auto& [argument, given] : outputs) {
    if (given.empty()) continue;
    const std::string path(given);
    const output_target t = resolve_output(command, argument, path);
    if (t.kind == output_kind::standard_output) {
      // Two files on one stream could not be told apart.
      if (!on_stdout.empty())
        fail(command, argument, "a file when --" + std::string(on_stdout) + " is standard output", in_quotes(path));
      on_stdout = argument;
    } else if (t.kind == output_kind::in_place) {
      if (::access(path.c_str(), W_OK) != 0) {
        const int err = errno;
        fail_output(command, argument, "writable", in_quotes(path), err);
      }
    } else {
      const fs::path file(t.path);
      const std::string dir = file.has_parent_path() ? file.parent_path().string() : std::string(".");
      struct stat d {};
      if (::stat(dir.c_str(), &d) != 0 || !S_ISDIR(d.st_mode))
        fail(command, argument, "a file in an existing directory", shown(path, t.path));
      if (::access(dir.c_str(), W_OK | X_OK) != 0) {
        const int err = errno;
        fail_output(command, argument, "a file in a writable directory", shown(path, t.path), err);
      }
    }
  }
  return !on_stdout.empty();
}

void write_file_atomically(std::string_view command, const std::string& path, const std::vector<byte_span>& parts,
                           std::string_view argument) {
  // Resolved again: the path may have changed since check_outputs, minutes ago.
  const output_target t = resolve_output(command, argument, path);
  if (t.kind == output_kind::file) return replace_file(command, argument, path, t.path, parts);
  if (t.kind == output_kind::standard_output) {
    std::cout.flush();  // what the command printed first stays first
    if (const int err = write_in_place(STDOUT_FILENO, parts))
      fail_output(command, argument, "writable", path == "-" ? "standard output" : in_quotes(path), err);
    return;
  }
  descriptor out(open_in_place(t));
  if (out.fd() < 0) {
    const int err = errno;
    fail_output(command, argument, "writable", in_quotes(path), err);
  }
  struct stat st {};
  // Replaced by a file since resolved: writing without O_TRUNC would leave its old tail.
  if (::fstat(out.fd(), &st) != 0 || (st.st_mode & S_IFMT) != t.type)
    fail(command, argument, "the device, FIFO or socket it was when checked", in_quotes(path));
  int err = write_in_place(out.fd(), parts);
  const int close_err = out.close();
  if (err == 0) err = close_err;
  if (err != 0) fail_output(command, argument, "writable", in_quotes(path), err);
}

// ---------------------------------------------------------------------------------------------
// Reading: a strict parser of 2-D float32 / float64 .npy files. Every input is untrusted: no
// recursion, every loop advances through the input, sizes are checked before any arithmetic
// that could overflow and before anything is allocated.

namespace {

constexpr std::string_view npy_rule = "a 2-D float32 or float64 .npy file (NumPy format 1.0-3.0)";
constexpr std::size_t quote_cap = 60;    // bytes of untrusted text shown in a message
constexpr std::size_t source_cap = 256;  // bytes of the file name shown
constexpr std::size_t shown_dims = 8;    // dimensions of a shape shown
constexpr std::uint64_t max_file_bytes = std::uint64_t{1} << 34;

/// Untrusted text made printable: ASCII 0x20-0x7e kept (a backslash doubled), every other byte
/// as \xNN; at most `cap` bytes of it, then "...".
std::string printable(std::string_view text, std::size_t cap) {
  static constexpr char hex[] = "0123456789abcdef";
  const std::size_t n = std::min(text.size(), cap);
  std::string out;
  out.reserve(n + 3);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  if (text.size() > cap) out += "...";
  return out;
}

std::string quoted(std::string_view text, std::size_t cap = quote_cap) { return in_quotes(printable(text, cap)); }

/// Every rejection of one file, in the tool's message form:
///   "<argument> must be a 2-D float32 or float64 .npy file (...), got <detail> in '<source>'".
class npy_rejecter {
 public:
  npy_rejecter(std::string_view command, std::string_view argument, std::string_view source)
      : command_(command), argument_(argument), source_(source) {}
  [[noreturn]] void operator()(const std::string& detail) const {
    fail(command_, argument_, npy_rule, detail + " in " + quoted(source_, source_cap));
  }

 private:
  std::string_view command_, argument_, source_;
};

/// What the header dict says.
struct npy_header {
  std::string_view descr;
  bool fortran_order = false;
  std::size_t rank = 0;
  std::vector<std::uint64_t> dims;  // the first `shown_dims` dimensions (all of them when rank is 2)
};

/// "(3, 4, 5)", "(5,)", "()"; long shapes cut after `shown_dims` dimensions.
std::string shape_text(const npy_header& h) {
  std::string t = "(";
  for (std::size_t i = 0; i < h.dims.size(); ++i) t += (i ? ", " : "") + std::to_string(h.dims[i]);
  if (h.rank == 1) t += ',';
  if (h.rank > h.dims.size()) t += ", ...";
  t += ')';
  if (h.rank > h.dims.size()) t += " of " + std::to_string(h.rank) + " dimensions";
  return t;
}

/// The header dict, a Python literal of a single line:
///   {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }   + spaces + '\n'
/// with exactly these three keys in any order, single or double quotes, spaces between tokens
/// and an optional trailing comma. One pass, left to right; each step consumes at least one byte
/// or stops with an error.
class npy_header_parser {
 public:
  npy_header_parser(std::string_view text, const npy_rejecter& reject) : text_(text), reject_(reject) {}

  npy_header parse() {
    static constexpr std::string_view keys[3] = {"descr", "fortran_order", "shape"};
    npy_header h;
    bool seen[3] = {false, false, false};
    skip_spaces();
    expect('{', "expected '{'");
    bool closed = false;
    while (!closed && !at_end()) {
      skip_spaces();
      if (accept('}')) {
        closed = true;
        break;
      }
      const std::size_t key_at = pos_;
      const std::string_view key = string_literal("expected a quoted key or '}'");
      std::size_t k = 0;
      while (k < 3 && keys[k] != key) ++k;
      if (k == 3) {
        pos_ = key_at;
        malformed("unknown key " + quoted(key) + ", only 'descr', 'fortran_order' and 'shape' are allowed");
      }
      if (seen[k]) {
        pos_ = key_at;
        malformed("duplicate key " + quoted(key));
      }
      seen[k] = true;
      skip_spaces();
      expect(':', "expected ':' after key " + quoted(key));
      skip_spaces();
      if (k == 0) {
        h.descr = string_literal("expected a quoted string as 'descr'");
      } else if (k == 1) {
        h.fortran_order = boolean();
      } else {
        shape(h);
      }
      skip_spaces();
      if (accept(',')) continue;
      closed = accept('}');
      if (!closed) malformed("expected ',' or '}' after the value of " + quoted(key));
    }
    if (!closed) malformed("a dict without its closing '}'");
    for (std::size_t k = 0; k < 3; ++k)
      if (!seen[k]) malformed("missing key " + quoted(keys[k]));
    skip_spaces();
    // The caller made sure the header ends with '\n': nothing but spaces may come before it.
    if (pos_ + 1 != text_.size()) malformed("unexpected text after the closing '}'");
    return h;
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  bool accept(char c) {
    if (at_end() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  void expect(char c, const std::string& what) {
    if (!accept(c)) malformed(what);
  }
  void skip_spaces() {
    while (!at_end() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }

  [[noreturn]] void malformed(const std::string& what) const {
    // What follows, without the padding and the final '\n'.
    std::string_view rest = text_.substr(std::min(pos_, text_.size()));
    while (!rest.empty() && (rest.back() == '\n' || rest.back() == ' ')) rest.remove_suffix(1);
    const std::string where = rest.empty() ? std::string("at the end of the header")
                                           : "at byte " + std::to_string(pos_) + " of the header, before " + quoted(rest);
    reject_("a malformed header dict (" + what + ") " + where);
  }

  /// A Python string literal without escapes: '...' or "...".
  std::string_view string_literal(const std::string& what) {
    if (at_end() || (text_[pos_] != '\'' && text_[pos_] != '"')) malformed(what);
    const char quote = text_[pos_];
    const std::size_t open = pos_++;
    while (!at_end() && text_[pos_] != quote) {
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '\n') break;  // the header's last byte: a string cannot span it
      if (c == '\\' || c < 0x20) malformed("a backslash or control character inside a string");
      ++pos_;
    }
    if (at_end() || text_[pos_] != quote) {
      pos_ = open;
      malformed("a string without its closing quote");
    }
    const std::string_view s = text_.substr(open + 1, pos_ - open - 1);
    ++pos_;
    return s;
  }

  bool boolean() {
    const std::string_view rest = text_.substr(pos_);
    if (rest.substr(0, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (rest.substr(0, 5) == "False") {
      pos_ += 5;
      return false;
    }
    malformed("expected True or False as 'fortran_order'");
  }

  /// A non-negative decimal integer of at most 2^63 - 1, without sign or leading zeros.
  std::uint64_t dimension() {
    constexpr std::uint64_t max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    const std::size_t start = pos_;
    std::uint64_t v = 0;
    while (!at_end() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      const auto d = static_cast<std::uint64_t>(text_[pos_] - '0');
      if (v > (max - d) / 10) {
        pos_ = start;
        malformed("a dimension above 2^63 - 1 in 'shape'");
      }
      v = v * 10 + d;
      ++pos_;
    }
    if (pos_ == start) malformed("expected a non-negative integer in 'shape'");
    if (pos_ - start > 1 && text_[start] == '0') {
      pos_ = start;
      malformed("a dimension with a leading zero in 'shape'");
    }
    return v;
  }

  /// A tuple of integers: "()", "(5,)", "(3, 4)", "(3, 4,)".
  void shape(npy_header& h) {
    expect('(', "expected a tuple as 'shape'");
    skip_spaces();
    if (accept(')')) return;
    while (!at_end()) {
      const std::uint64_t d = dimension();
      if (h.dims.size() < shown_dims) h.dims.push_back(d);
      ++h.rank;
      skip_spaces();
      if (accept(')')) return;
      expect(',', "expected ',' or ')' in 'shape'");
      skip_spaces();
      if (accept(')')) return;
    }
    malformed("a 'shape' tuple without its closing ')'");
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  const npy_rejecter& reject_;
};

/// Element k of the data (Size bytes each, in the file's byte order) as a double, exactly.
template <std::size_t Size>
double load_value(const unsigned char* data, std::size_t k, bool little_endian) {
  const unsigned char* e = data + k * Size;
  std::uint64_t u = 0;
  for (std::size_t b = 0; b < Size; ++b) u = (u << 8) | e[little_endian ? Size - 1 - b : b];
  if constexpr (Size == 4) {
    return static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(u)));
  } else {
    return std::bit_cast<double>(u);
  }
}

template <std::size_t Size>
void load_values(npy_matrix& m, const unsigned char* data, bool little_endian, bool fortran_order) {
  const auto rows = static_cast<std::size_t>(m.rows), cols = static_cast<std::size_t>(m.cols);
  m.values.resize(rows * cols);
  if (!fortran_order) {
    for (std::size_t k = 0; k < rows * cols; ++k) m.values[k] = load_value<Size>(data, k, little_endian);
    return;
  }
  // Column-major in the file: element (r, c) is at c * rows + r.
  std::size_t k = 0;
  for (std::size_t c = 0; c < cols; ++c)
    for (std::size_t r = 0; r < rows; ++r) m.values[r * cols + c] = load_value<Size>(data, k++, little_endian);
}

}  // namespace

npy_matrix parse_npy_matrix(std::string_view command, std::string_view argument, std::string_view source,
                            std::string_view bytes) {
  const npy_rejecter reject(command, argument, source);
  const std::string size_text = std::to_string(bytes.size());

  // Magic string (6 bytes) and version (2 bytes).
  constexpr std::string_view magic("\x93NUMPY", 6);
  if (bytes.empty()) reject("an empty file");
  const std::size_t head = std::min(bytes.size(), magic.size());
  if (bytes.substr(0, head) != magic.substr(0, head))
    reject("a file without the .npy magic string '\\x93NUMPY' (its first bytes are " + quoted(bytes.substr(0, 8), 8) +
           ")");
  if (bytes.size() < magic.size() + 2) reject("a file of " + size_text + " bytes, cut before its format version");
  const auto major = static_cast<unsigned char>(bytes[6]), minor = static_cast<unsigned char>(bytes[7]);
  if (major < 1 || major > 3 || minor != 0)
    reject("format version " + std::to_string(major) + "." + std::to_string(minor) + " (1.0, 2.0 and 3.0 are read)");

  // Header length: 16 bits (1.0) or 32 bits (2.0, 3.0), little-endian; then the header.
  const std::size_t length_size = major == 1 ? 2 : 4;
  const std::size_t header_start = 8 + length_size;
  if (bytes.size() < header_start)
    reject("a file of " + size_text + " bytes, cut inside its header length");
  std::uint64_t header_length = 0;
  for (std::size_t b = 0; b < length_size; ++b)
    header_length |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[8 + b])) << (8 * b);
  const std::size_t after_length = bytes.size() - header_start;
  if (header_length > after_length)
    reject("a header of " + std::to_string(header_length) + " bytes, but only " + std::to_string(after_length) +
           " bytes follow its length (a truncated file or a corrupt header length)");
  const std::string_view header = bytes.substr(header_start, static_cast<std::size_t>(header_length));
  if (header.empty()) reject("an empty header");
  if (header.back() != '\n') {
    const std::size_t tail = std::min<std::size_t>(header.size(), 16);
    reject("a header that does not end with a newline (it ends with " + quoted(header.substr(header.size() - tail)) +
           ")");
  }
  const npy_header h = npy_header_parser(header, reject).parse();

  // dtype and shape.
  const std::string_view d = h.descr;
  const bool known_dtype =
      d.size() == 3 && (d[0] == '<' || d[0] == '>' || d[0] == '=') && d[1] == 'f' && (d[2] == '4' || d[2] == '8');
  if (!known_dtype)
    reject("dtype " + quoted(d) + ", neither float32 ('<f4', '>f4') nor float64 ('<f8', '>f8')");
  const bool little_endian = d[0] == '=' ? std::endian::native == std::endian::little : d[0] == '<';
  const std::size_t item_size = d[2] == '4' ? 4 : 8;
  const std::string dtype = item_size == 4 ? "float32" : "float64";
  if (h.rank != 2) reject("shape " + shape_text(h));

  // Exactly rows * cols values after the header, checked without overflow before allocating.
  const std::uint64_t rows = h.dims[0], cols = h.dims[1];
  const std::size_t data_start = header_start + static_cast<std::size_t>(header_length);
  const std::uint64_t available = bytes.size() - data_start;
  constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  if ((cols != 0 && rows > max / cols) || rows * cols > max / item_size)
    reject("shape " + shape_text(h) + " of " + dtype + ", more than 2^64 bytes of data, while " +
           std::to_string(available) + " bytes follow the header");
  const std::uint64_t expected = rows * cols * item_size;
  if (expected != available)
    reject(std::to_string(available) + " bytes of data after the header, while shape " + shape_text(h) + " of " +
           dtype + " needs " + std::to_string(expected) + " bytes");

  // expected == available <= bytes.size(): every count below fits in size_t.
  npy_matrix m;
  m.rows = static_cast<std::int64_t>(rows);
  m.cols = static_cast<std::int64_t>(cols);
  m.dtype = dtype;
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data()) + data_start;
  if (item_size == 4)
    load_values<4>(m, data, little_endian, h.fortran_order);
  else
    load_values<8>(m, data, little_endian, h.fortran_order);
  return m;
}

namespace {

/// A descriptor closed when the reader is done with it.
class read_descriptor {
 public:
  explicit read_descriptor(int fd) : fd_(fd) {}
  read_descriptor(const read_descriptor&) = delete;
  read_descriptor& operator=(const read_descriptor&) = delete;
  ~read_descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

npy_matrix read_npy_matrix(std::string_view command, std::string_view argument, const std::string& path) {
  const std::string where = quoted(path, source_cap);
  const auto reason = [](int err) { return " (" + std::generic_category().message(err) + ")"; };
  if (path.empty()) fail(command, argument, "a .npy file path", where);

  // Refuse what is not a regular file, or is too large, before opening it (a FIFO or device
  // could block or act on open); then again on the descriptor, in case the path changed since.
  const auto check = [&](const struct stat& st) {
    if (S_ISDIR(st.st_mode)) fail(command, argument, "a regular .npy file", where + ", a directory");
    if (!S_ISREG(st.st_mode)) fail(command, argument, "a regular .npy file", where + ", not a regular file");
    if (st.st_size < 0 || static_cast<std::uint64_t>(st.st_size) > max_file_bytes)
      fail(command, argument, "a .npy file of at most 2^34 bytes (16 GiB)",
           where + " of " + std::to_string(st.st_size) + " bytes");
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    fail(command, argument, "an existing, readable .npy file", where + reason(err));
  }
  check(st);
  const read_descriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (file.fd() < 0) {
    const int err = errno;
    fail(command, argument, "an existing, readable .npy file", where + reason(err));
  }
  if (::fstat(file.fd(), &st) != 0) {
    const int err = errno;
    fail(command, argument, "an existing, readable .npy file", where + reason(err));
  }
  check(st);

  // At most the size fstat saw: a file growing meanwhile is read as it was.
  std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(file.fd(), bytes.data() + got, bytes.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      fail(command, argument, "an existing, readable .npy file", where + reason(err));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  bytes.resize(got);
  return parse_npy_matrix(command, argument, path, bytes);
}

}  // namespace nninit_cli
