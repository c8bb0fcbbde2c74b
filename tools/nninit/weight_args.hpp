// nninit tool: the arguments `describe` and `fill` share (scheme, shape, layout, groups,
// transposed, --set), and the text parsers every command uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nninit/registry.hpp>
#include <nninit/shape.hpp>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace nninit_cli {

/// The weight arguments as typed; parsed and checked by `resolve` in a fixed order.
struct weight_args {
  std::string scheme;
  std::string shape;
  std::vector<std::string> sets;  ///< NAME=VALUE, in the order given (a later one wins)
  std::string layout = "out_in";
  std::string groups = "1";
  bool transposed = false;
  CLI::Option* scheme_option = nullptr;
  CLI::Option* shape_option = nullptr;
};

/// Registers SCHEME, --shape, --set, --layout, --groups and --transposed on `sub`.
void add_weight_options(CLI::App& sub, weight_args& args);

/// A scheme chosen by name and the logical shape of the weight it initializes.
struct weight {
  nninit::initializer init;
  nninit::shape shape;
};

/// Checks and parses the scheme, the shape, layout, groups and transposed, in that order
/// (the options given with --set are applied separately, by `apply_sets`).
weight resolve(std::string_view command, const weight_args& args);

/// Applies every --set NAME=VALUE in order; `target` names the target in the library's messages.
void apply_sets(std::string_view command, const std::vector<std::string>& sets, nninit::initializer& init,
                const std::string& target);

/// One entry of a --schemes list: a scheme and its options ("kaiming_normal:nonlinearity=tanh"),
/// with the --set options for that scheme applied after the inline ones.
struct scheme_entry {
  std::string label;                                         ///< as typed
  std::string scheme;                                        ///< the registry name
  std::vector<std::pair<std::string, std::string>> options;  ///< in the order applied
};

/// `names` ("SCHEME[:OPTION=VALUE]...", distinct) as entries, then every `sets` item
/// ("SCHEME.OPTION=VALUE") appended to each entry of its scheme; `command` names the caller in
/// messages (compare, coord-check). The scheme names themselves are checked by the registry.
std::vector<scheme_entry> parse_scheme_entries(std::string_view command, const std::vector<std::string>& names,
                                               const std::vector<std::string>& sets);

/// The whole text as a decimal integer of the type, or nothing ("", "+1", "1x", overflow).
std::optional<std::int64_t> parse_int64(std::string_view text);
std::optional<std::uint64_t> parse_uint64(std::string_view text);

/// The command as typed, for reports: "nninit" and the arguments, each quoted for a POSIX shell
/// when it holds anything but letters, digits and -_.,:=/+@%.
std::string command_line(int argc, const char* const* argv);

/// Comma-separated decimal integers ("64,3,3,3"); nothing when any field is not an integer.
std::optional<std::vector<std::int64_t>> parse_int64_list(std::string_view text);

}  // namespace nninit_cli
