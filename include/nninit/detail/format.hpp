// nninit::detail: text for error messages and plans (numbers, shapes) and the argument checker.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "../error.hpp"

namespace nninit::detail {

/// Shortest text that reads back to the same double ("1.5", "0.1", "nan", "inf").
inline std::string number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

inline std::string number(std::int64_t v) { return std::to_string(v); }

/// `digits` significant digits ("1.000001"), for computed quantities whose last bits are noise.
inline std::string significant(double v, int digits) {
  if (!std::isfinite(v)) return number(v);
  char buf[40];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, digits);
  return std::string(buf, res.ptr);
}

/// Concatenation by appending. Not `"literal" + std::string`: g++ 12 flags that with a false
/// -Wrestrict at -O2 (GCC PR 105329), which would break users' -Werror builds.
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string s;
  (s.append(std::string_view(parts)), ...);
  return s;
}

/// 'text', for messages.
inline std::string quoted(std::string_view text) { return cat("'", text, "'"); }

/// "100x50", "64x3x3x3", "0" for a 0-d list.
inline std::string dims_text(const std::vector<std::int64_t>& dims) {
  std::string s;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(dims[i]);
  }
  return s.empty() ? std::string("scalar") : s;
}

/// Validates arguments of one call and throws init_error in the library's one message form:
///   nninit::<scheme>: <argument> must be <rule>, got <value>, for a <target> target
class checker {
 public:
  checker(std::string_view scheme, std::string target) : scheme_(scheme), target_(std::move(target)) {}

  [[noreturn]] void fail(std::string_view argument, std::string_view rule, std::string_view got) const {
    std::string msg = "nninit::";
    msg.append(scheme_).append(": ").append(argument).append(" must be ").append(rule);
    msg.append(", got ").append(got);
    if (!target_.empty()) msg.append(", for a ").append(target_).append(" target");
    throw init_error(msg);
  }
  [[noreturn]] void fail(std::string_view argument, std::string_view rule, double got) const {
    fail(argument, rule, number(got));
  }

  void finite(std::string_view argument, double v) const {
    if (!std::isfinite(v)) fail(argument, "finite", v);
  }
  void positive(std::string_view argument, double v) const {
    if (!(std::isfinite(v) && v > 0)) fail(argument, "finite and > 0", v);
  }
  void non_negative(std::string_view argument, double v) const {
    if (!(std::isfinite(v) && v >= 0)) fail(argument, "finite and >= 0", v);
  }
  /// Finite and within float's range, so that the same options fill float and double targets.
  void representable(std::string_view argument, double v) const {
    if (!(std::isfinite(v) && std::fabs(v) <= 3.4028234663852886e38)) fail(argument, "finite and within float range", v);
  }
  void positive_count(std::string_view argument, std::int64_t v) const {
    if (v < 1) fail(argument, ">= 1", number(v));
  }

  std::string_view scheme() const { return scheme_; }
  const std::string& target() const { return target_; }

 private:
  std::string_view scheme_;
  std::string target_;
};

}  // namespace nninit::detail
