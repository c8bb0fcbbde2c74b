// nninit tool: the few JSON values the tool prints (strings, numbers, integers, arrays of them).
//
// Numbers are nninit::detail::number's shortest round-trip text, so a reader gets back the
// same double to the bit. Three values need care: NaN (a field that does not apply) is null;
// ±inf is 1e999 / -1e999, which is valid JSON and which Python's json, JavaScript's JSON.parse
// and strtod all read as ±inf; -0 is "-0.0", since several readers turn "-0" into the integer 0.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <nninit/detail/format.hpp>

namespace nninit_cli::json {

inline std::string string(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += ch;  // UTF-8 passes through unchanged
        }
    }
  }
  return out + "\"";
}

inline std::string number(double v) {
  if (std::isnan(v)) return "null";
  if (std::isinf(v)) return v > 0 ? "1e999" : "-1e999";
  if (v == 0 && std::signbit(v)) return "-0.0";
  return nninit::detail::number(v);
}

/// An integer; `null_below` and anything under it print as null (fans of -1 that do not apply).
inline std::string integer(std::int64_t v, std::int64_t null_below = std::numeric_limits<std::int64_t>::min()) {
  return v < null_below ? std::string("null") : nninit::detail::number(v);
}

inline std::string boolean(bool v) { return v ? "true" : "false"; }

/// [a, b, c] of already-formatted values.
inline std::string array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out + "]";
}

}  // namespace nninit_cli::json
