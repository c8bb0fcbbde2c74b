// nninit tool: .npy preamble and the atomic file write (see npy.hpp). POSIX only.
#include "npy.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

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

/// The temporary file until it is renamed: closed and removed on every early exit.
class temporary_file {
 public:
  temporary_file(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  temporary_file(const temporary_file&) = delete;
  temporary_file& operator=(const temporary_file&) = delete;
  ~temporary_file() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  /// Closes the descriptor; returns 0 or the errno of close.
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }
  /// Called once renamed: nothing left to remove.
  void keep() { path_.clear(); }

 private:
  std::string path_;
  int fd_;
};

/// Writes all of [data, data + size), retrying short writes and interruptions; 0 or an errno.
int write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
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

}  // namespace

void write_file_atomically(std::string_view command, const std::string& path, const std::vector<byte_span>& parts) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const std::string name = target.filename().string();
  if (path.empty() || name.empty() || name == "." || name == "..")
    fail(command, "out", "a file path", in_quotes(path));
  std::error_code ec;
  if (fs::is_directory(target, ec)) fail(command, "out", "a file path, not a directory", in_quotes(path));

  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string pattern = (dir / ("." + name + ".tmp-XXXXXX")).string();
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) {
    const int err = errno;
    fail_io(command, "out", "in a writable directory", in_quotes(path), err);
  }
  temporary_file tmp(pattern, fd);

  const auto check = [&](int err) {
    if (err != 0) fail_io(command, "out", "writable", in_quotes(path), err);
  };
  for (const byte_span& part : parts) check(write_all(tmp.fd(), part.data, part.size));
  check(::fchmod(tmp.fd(), default_file_mode()) == 0 ? 0 : errno);
  check(::fsync(tmp.fd()) == 0 ? 0 : errno);
  check(tmp.close());
  check(std::rename(tmp.path().c_str(), path.c_str()) == 0 ? 0 : errno);
  tmp.keep();

  // Make the rename itself durable; the file is already complete, so a failure here is not reported.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace nninit_cli
