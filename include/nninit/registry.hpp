// nninit: every scheme by name, with its options, for tools and configuration files.
#pragma once

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "constant.hpp"
#include "dirac.hpp"
#include "eye.hpp"
#include "kaiming.hpp"
#include "normal.hpp"
#include "orthogonal.hpp"
#include "sparse.hpp"
#include "torch_default.hpp"
#include "trunc_normal.hpp"
#include "uniform.hpp"
#include "variance_scaling.hpp"
#include "xavier.hpp"

namespace nninit {

/// One option of a scheme, as `nninit list` shows it.
struct option_info {
  std::string name;
  std::string default_value;  ///< as text ("1", "fan_in", "nan" for required numbers)
  std::string type;           ///< "number", "integer", "bool" or "choice"
  std::string choices;        ///< for "choice": the accepted names, comma separated
  std::string doc;
};

/// A scheme, as `nninit list` shows it.
struct scheme_info {
  std::string_view name;
  std::string_view reference;
  bool is_random;
  std::vector<option_info> options;
};

namespace detail {

using any_scheme =
    std::variant<scheme::constant, scheme::zeros, scheme::ones, scheme::uniform, scheme::normal, scheme::trunc_normal,
                 scheme::variance_scaling, scheme::xavier_uniform, scheme::xavier_normal, scheme::kaiming_uniform,
                 scheme::kaiming_normal, scheme::lecun_uniform, scheme::lecun_normal, scheme::glorot_uniform,
                 scheme::glorot_normal, scheme::he_uniform, scheme::he_normal, scheme::eye, scheme::dirac,
                 scheme::sparse, scheme::orthogonal, scheme::delta_orthogonal, scheme::torch_default>;

template <class F, std::size_t... I>
void for_each_alternative(F&& f, std::index_sequence<I...>) {
  (f(std::variant_alternative_t<I, any_scheme>{}), ...);
}
template <class F>
void for_each_scheme(F&& f) {
  for_each_alternative(f, std::make_index_sequence<std::variant_size_v<any_scheme>>{});
}

template <class E, class = void>
struct is_named_enum : std::false_type {};
template <class E>
struct is_named_enum<E, std::void_t<decltype(enum_names<E>::table)>> : std::true_type {};

template <class M>
option_info describe_option(std::string_view name, const M& value, std::string_view doc) {
  option_info o{std::string(name), "", "", "", std::string(doc)};
  if constexpr (std::is_same_v<M, double>) o.type = "number", o.default_value = number(value);
  else if constexpr (std::is_same_v<M, index>) o.type = "integer", o.default_value = number(value);
  else if constexpr (std::is_same_v<M, bool>) o.type = "bool", o.default_value = value ? "true" : "false";
  else {
    static_assert(is_named_enum<M>::value, "nninit: option types are double, index, bool or named enums");
    o.type = "choice", o.default_value = std::string(name_of(value)), o.choices = choices_of<M>();
  }
  return o;
}

/// Parses `text` into an option member; on failure throws in the library's message form.
template <class M>
void parse_option(const checker& check, std::string_view name, std::string_view text, M& out) {
  const std::string quoted = detail::quoted(text);
  const char* end = text.data() + text.size();
  if constexpr (std::is_same_v<M, double>) {
    // from_chars: locale-independent, and reads "inf" and "nan", which the scheme then rejects by name.
    const std::string_view digits = !text.empty() && text[0] == '+' ? text.substr(1) : text;
    double v = 0;
    const auto res = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (digits.empty() || res.ec != std::errc() || res.ptr != digits.data() + digits.size())
      check.fail(name, "a number", quoted);
    out = v;
  } else if constexpr (std::is_same_v<M, index>) {
    index v = 0;
    const auto res = std::from_chars(text.data(), end, v);
    if (res.ec != std::errc() || res.ptr != end) check.fail(name, "an integer", quoted);
    out = v;
  } else if constexpr (std::is_same_v<M, bool>) {
    if (text == "true" || text == "1") out = true;
    else if (text == "false" || text == "0") out = false;
    else check.fail(name, "true or false", quoted);
  } else {
    const auto v = parse_enum<M>(text);
    if (!v) check.fail(name, cat("one of ", choices_of<M>()), quoted);
    out = *v;
  }
}

}  // namespace detail

/// Every scheme with its options and defaults, in a fixed order.
inline std::vector<scheme_info> list_schemes() {
  std::vector<scheme_info> out;
  detail::for_each_scheme([&](auto s) {
    scheme_info info{decltype(s)::name, decltype(s)::reference, decltype(s)::is_random, {}};
    s.visit_options([&](std::string_view n, const auto& v, std::string_view doc) {
      info.options.push_back(detail::describe_option(n, v, doc));
    });
    out.push_back(std::move(info));
  });
  return out;
}

/// A scheme chosen by name at run time, with options set from text.
class initializer {
 public:
  /// Throws init_error naming the valid schemes when `name` is unknown.
  explicit initializer(std::string_view name) {
    bool found = false;
    detail::for_each_scheme([&](auto s) {
      if (!found && decltype(s)::name == name) scheme_ = s, found = true;
    });
    if (!found) {
      std::string names;
      for (const auto& info : list_schemes()) names.append(names.empty() ? "" : ", ").append(info.name);
      detail::checker("initializer", "").fail("scheme", detail::cat("one of ", names), detail::quoted(name));
    }
  }

  std::string_view name() const {
    return std::visit([](const auto& s) { return std::decay_t<decltype(s)>::name; }, scheme_);
  }
  bool is_random() const {
    return std::visit([](const auto& s) { return std::decay_t<decltype(s)>::is_random; }, scheme_);
  }

  /// Sets option `option` from text ("0.5", "fan_out", "relu"); `target` names the target in
  /// messages. Range checks happen when the scheme plans (describe or fill).
  void set(std::string_view option, std::string_view value, const std::string& target = "") {
    std::visit(
        [&](auto& s) {
          const detail::checker check(std::decay_t<decltype(s)>::name, target);
          bool found = false;
          std::string names;
          s.visit_options([&](std::string_view n, auto& member, std::string_view) {
            names.append(names.empty() ? "" : ", ").append(n);
            if (n == option) detail::parse_option(check, n, value, member), found = true;
          });
          if (!found)
            check.fail("option", names.empty() ? std::string("absent (this scheme has no options)") : detail::cat("one of ", names),
                       detail::quoted(option));
        },
        scheme_);
  }

  plan describe(const shape& s) const {
    return std::visit([&](const auto& scheme) { return scheme.describe(s); }, scheme_);
  }

  /// Fills any writable Eigen target, as the scheme's own operator() does.
  template <class Target>
  void fill(Target&& w, const engine& eng, const shape& s = {}) const {
    std::visit([&](const auto& scheme) { scheme(std::forward<Target>(w), eng, s); }, scheme_);
  }

 private:
  detail::any_scheme scheme_;
};

}  // namespace nninit
