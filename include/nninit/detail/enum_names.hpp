// nninit::detail: names of the option enums, for messages, `describe`, the registry and the CLI.
#pragma once

#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

namespace nninit::detail {

/// Specialised next to each enum: `static constexpr std::array<std::pair<E, std::string_view>, N> table`.
template <class E>
struct enum_names;

template <class E>
std::string_view name_of(E value) {
  for (const auto& [v, n] : enum_names<E>::table)
    if (v == value) return n;
  return "?";
}

/// Case-insensitive, as PyTorch lower-cases `mode`.
template <class E>
std::optional<E> parse_enum(std::string_view text) {
  for (const auto& [v, n] : enum_names<E>::table) {
    if (n.size() != text.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < n.size() && same; ++i)
      same = std::tolower(static_cast<unsigned char>(text[i])) == n[i];
    if (same) return v;
  }
  return std::nullopt;
}

/// "fan_in, fan_out, fan_avg" for messages and help.
template <class E>
std::string choices_of() {
  std::string s;
  for (const auto& entry : enum_names<E>::table) {
    if (!s.empty()) s += ", ";
    s += entry.second;
  }
  return s;
}

}  // namespace nninit::detail
