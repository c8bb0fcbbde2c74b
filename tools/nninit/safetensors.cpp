// nninit tool: the strict safetensors reader (safetensors.hpp).
#include "safetensors.hpp"

#include <Eigen/Core>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "errors.hpp"

namespace nninit_cli {

namespace {

using json = nlohmann::json;

constexpr std::uint64_t max_header = std::uint64_t{100} << 20;  // the reference reader's limit

struct header_check {
  std::string_view command, argument, source;
  [[noreturn]] void fail(std::string_view what, std::string_view got) const {
    nninit_cli::fail(command, argument, "a safetensors file (" + std::string(what) + ")",
                     std::string(got) + " in " + in_quotes(source));
  }
};

std::uint64_t to_u64(const header_check& check, const std::string& name, std::string_view field, const json& v) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
    check.fail(std::string(field) + " must be integers >= 0", "'" + name + "': " + json_excerpt(v));
  return v.get<std::uint64_t>();
}

}  // namespace

std::string json_excerpt(const json& v) {
  std::string s = v.dump(-1, ' ', true, json::error_handler_t::replace);
  return s.size() > 64 ? s.substr(0, 61) + "..." : s;
}

std::string read_small_file(std::string_view command, std::string_view argument, std::string_view kind, const std::string& path,
                            std::size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(command, argument, "a readable " + std::string(kind), in_quotes(path) + " (" + std::strerror(errno) + ")");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    fail(command, argument, "a regular " + std::string(kind) + " of at most " + std::to_string(max_bytes >> 20) + " MB", in_quotes(path));
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t at = 0;
  while (at < text.size()) {
    const ssize_t n = ::read(fd, text.data() + at, text.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    at += static_cast<std::size_t>(n);
  }
  ::close(fd);
  text.resize(at);
  return text;
}

std::uint64_t safetensors_dtype_size(std::string_view d) {
  if (d == "F64" || d == "I64" || d == "U64") return 8;
  if (d == "F32" || d == "I32" || d == "U32") return 4;
  if (d == "F16" || d == "BF16" || d == "I16" || d == "U16") return 2;
  if (d == "I8" || d == "U8" || d == "BOOL") return 1;
  return 0;
}

safetensors_header parse_safetensors_header(std::string_view command, std::string_view argument, std::string_view source,
                                            std::string_view prefix, std::uint64_t file_size) {
  const header_check check{command, argument, source};
  if (prefix.size() < 8 || file_size < 8) check.fail("8 bytes of header length first", std::to_string(file_size) + " bytes");
  std::uint64_t length = 0;
  for (int b = 7; b >= 0; --b) length = length << 8 | static_cast<unsigned char>(prefix[static_cast<std::size_t>(b)]);
  if (length > max_header) check.fail("a header of at most 100 MB", "a header length of " + std::to_string(length));
  if (length > file_size - 8)
    check.fail("a header inside the file", "a header length of " + std::to_string(length) + " in " + std::to_string(file_size) + " bytes");
  if (prefix.size() < 8 + length) check.fail("the whole header read", std::to_string(prefix.size()) + " bytes");
  const std::string_view text = prefix.substr(8, static_cast<std::size_t>(length));
  if (text.empty() || text.front() != '{') check.fail("a header that is a JSON object", "a header starting with other than '{'");

  // Duplicate keys would let two readers see different tensors: refused at every depth.
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  const json::parser_callback_t no_duplicates = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) keys.emplace_back();
    else if (event == json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
    else if (event == json::parse_event_t::key && !keys.empty() && !keys.back().insert(parsed.get<std::string>()).second && duplicate.empty())
      duplicate = parsed.get<std::string>();
    return true;
  };
  json h;
  try {
    h = json::parse(text.begin(), text.end(), no_duplicates);
  } catch (const json::parse_error& e) {
    check.fail("a header of valid UTF-8 JSON", "a JSON error at byte " + std::to_string(8 + e.byte - 1) + " of the file");
  }
  if (!duplicate.empty()) check.fail("no key twice", "'" + duplicate + "' twice");
  if (!h.is_object()) check.fail("a header that is a JSON object", json_excerpt(h));

  safetensors_header out;
  out.data_start = 8 + length;
  const std::uint64_t data_size = file_size - out.data_start;
  for (const auto& [name, v] : h.items()) {
    if (name == "__metadata__") {
      if (!v.is_object()) check.fail("__metadata__ an object of strings", json_excerpt(v));
      for (const auto& [k, s] : v.items()) {
        if (!s.is_string()) check.fail("__metadata__ an object of strings", "'" + k + "': " + json_excerpt(s));
        out.metadata[k] = s.get<std::string>();
      }
      continue;
    }
    if (!v.is_object() || v.size() != 3 || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
      check.fail("each tensor exactly dtype, shape and data_offsets", "'" + name + "': " + json_excerpt(v));
    safetensors_entry e;
    e.name = name;
    const json& dtype = v["dtype"];
    if (!dtype.is_string() || safetensors_dtype_size(dtype.get<std::string>()) == 0)
      check.fail("dtype one of F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL", "'" + name + "': " + json_excerpt(dtype));
    e.dtype = dtype.get<std::string>();
    const json& shape = v["shape"];
    if (!shape.is_array()) check.fail("shape a list of integers >= 0", "'" + name + "': " + json_excerpt(shape));
    std::uint64_t count = 1;
    bool overflow = false;
    for (const json& d : shape) {
      const std::uint64_t n = to_u64(check, name, "shape", d);
      if (n > (std::uint64_t{1} << 62)) overflow = true;
      e.shape.push_back(static_cast<std::int64_t>(std::min(n, std::uint64_t{1} << 62)));
      if (n != 0 && count > (std::uint64_t{1} << 62) / n) overflow = true;
      else count *= n;
    }
    const json& offsets = v["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2) check.fail("data_offsets [begin, end]", "'" + name + "': " + json_excerpt(offsets));
    const std::uint64_t begin = to_u64(check, name, "data_offsets", offsets[0]);
    const std::uint64_t end = to_u64(check, name, "data_offsets", offsets[1]);
    if (begin > end || end > data_size)
      check.fail("data_offsets with begin <= end <= the data's " + std::to_string(data_size) + " bytes",
                 "'" + name + "': " + json_excerpt(offsets));
    const std::uint64_t size = safetensors_dtype_size(e.dtype);
    if (overflow || count > (std::uint64_t{1} << 62) / size || count * size != end - begin)
      check.fail("data_offsets spanning the shape's values times the dtype's size",
                 "'" + name + "': " + json_excerpt(shape) + " " + e.dtype + " in " + std::to_string(end - begin) + " bytes");
    e.begin = out.data_start + begin;
    e.end = out.data_start + end;
    e.count = count;
    out.tensors.push_back(std::move(e));
  }
  std::sort(out.tensors.begin(), out.tensors.end(), [](const auto& a, const auto& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t at = out.data_start;
  for (const auto& e : out.tensors) {
    if (e.begin != at)
      check.fail("tensors covering the data without gap or overlap",
                 "'" + e.name + "' at data offset " + std::to_string(e.begin - out.data_start) + " where " +
                     std::to_string(at - out.data_start) + " was expected");
    at = e.end;
  }
  if (at != file_size)
    check.fail("tensors covering the data without gap or overlap",
               std::to_string(file_size - at) + " bytes after the last tensor");
  return out;
}

safetensors_file::safetensors_file(std::string_view command, std::string_view argument, const std::string& path)
    : command_(command), path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) fail(command, argument, "a readable file", in_quotes(path) + " (" + std::strerror(errno) + ")");
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fail(command, argument, "a regular file", in_quotes(path));
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  std::string prefix(static_cast<std::size_t>(std::min<std::uint64_t>(size, 8)), '\0');
  try {
    read(0, prefix.data(), prefix.size());
    if (prefix.size() == 8) {
      std::uint64_t length = 0;
      for (int b = 7; b >= 0; --b) length = length << 8 | static_cast<unsigned char>(prefix[static_cast<std::size_t>(b)]);
      if (length <= max_header && length <= size - 8) {
        prefix.resize(static_cast<std::size_t>(8 + length));
        read(8, prefix.data() + 8, static_cast<std::size_t>(length));
      }
    }
    header_ = parse_safetensors_header(command, argument, path, prefix, size);
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

safetensors_file::~safetensors_file() {
  if (fd_ >= 0) ::close(fd_);
}

const safetensors_entry* safetensors_file::find(std::string_view name) const {
  for (const auto& e : header_.tensors)
    if (e.name == name) return &e;
  return nullptr;
}

void safetensors_file::read(std::uint64_t offset, char* out, std::size_t size) const {
  while (size > 0) {
    const ssize_t n = ::pread(fd_, out, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail_io(command_, "file", "readable in full", in_quotes(path_), n == 0 ? EIO : errno);
    out += n, size -= static_cast<std::size_t>(n), offset += static_cast<std::uint64_t>(n);
  }
}

void decode_values(std::string_view d, const char* bytes, std::size_t count, double* out) {
  const auto load = [&](auto zero) {
    using T = decltype(zero);
    for (std::size_t i = 0; i < count; ++i) {
      T v;
      std::memcpy(&v, bytes + i * sizeof(T), sizeof(T));  // little-endian hosts, as the format
      out[i] = static_cast<double>(v);
    }
  };
  if (d == "F64") load(0.0);
  else if (d == "F32") load(0.0f);
  else if (d == "F16") load(Eigen::half());
  else if (d == "BF16") load(Eigen::bfloat16());
  else if (d == "I64") load(std::int64_t{});
  else if (d == "I32") load(std::int32_t{});
  else if (d == "I16") load(std::int16_t{});
  else if (d == "I8") load(std::int8_t{});
  else if (d == "U64") load(std::uint64_t{});
  else if (d == "U32") load(std::uint32_t{});
  else if (d == "U16") load(std::uint16_t{});
  else load(std::uint8_t{});  // U8, BOOL
}

std::vector<std::string> checkpoint_files(std::string_view command, std::string_view argument, const std::string& path) {
  constexpr std::string_view suffix = ".safetensors.index.json";
  if (path.size() <= suffix.size() || path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0) return {path};
  json index;
  try {
    index = json::parse(read_small_file(command, argument, "file", path, std::size_t{64} << 20));
  } catch (const json::parse_error& e) {
    fail(command, argument, "a safetensors index (JSON)", "a JSON error at byte " + std::to_string(e.byte) + " in " + in_quotes(path));
  }
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
    fail(command, argument, "a safetensors index with a weight_map object", in_quotes(path));
  const std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  std::vector<std::string> files;
  for (const auto& [name, file] : index["weight_map"].items()) {
    if (!file.is_string() || file.get<std::string>().find('/') != std::string::npos || file.get<std::string>().empty())
      fail(command, argument, "a weight_map of file names in its directory", "'" + name + "': " + json_excerpt(file) + " in " + in_quotes(path));
    const std::string f = dir + "/" + file.get<std::string>();
    if (std::find(files.begin(), files.end(), f) == files.end()) files.push_back(f);
  }
  return files;
}

}  // namespace nninit_cli
