// nninit tool: shared weight arguments and text parsers (see weight_args.hpp).
#include "weight_args.hpp"

#include <CLI/CLI.hpp>
#include <charconv>
#include <nninit/detail/enum_names.hpp>
#include <nninit/gain.hpp>  // enum_names<layout>
#include <system_error>
#include <utility>

#include "errors.hpp"

namespace nninit_cli {

namespace {

template <class Int>
std::optional<Int> parse_whole(std::string_view text) {
  Int v{};
  const char* end = text.data() + text.size();
  const auto res = std::from_chars(text.data(), end, v);
  if (text.empty() || res.ec != std::errc() || res.ptr != end) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::int64_t> parse_int64(std::string_view text) { return parse_whole<std::int64_t>(text); }

// from_chars takes no sign for unsigned types, so "-1" is refused rather than wrapped.
std::optional<std::uint64_t> parse_uint64(std::string_view text) { return parse_whole<std::uint64_t>(text); }

std::optional<std::vector<std::int64_t>> parse_int64_list(std::string_view text) {
  std::vector<std::int64_t> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const auto v = parse_int64(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (!v) return std::nullopt;
    out.push_back(*v);
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

void add_weight_options(CLI::App& sub, weight_args& args) {
  args.scheme_option =
      sub.add_option("scheme", args.scheme, "initialization scheme (see nninit list)")->type_name("NAME");
  args.shape_option = sub.add_option("--shape", args.shape,
                                     "logical shape of the whole weight, positive integers: 64,3,3,3 (required)")
                          ->type_name("D0,D1[,...]");
  sub.add_option("--set", args.sets, "set a scheme option (repeatable): --set mode=fan_out")
      ->type_name("NAME=VALUE")
      ->allow_extra_args(false);
  sub.add_option("--layout", args.layout,
                 "dimension order: out_in (PyTorch: out, in, *kernel) or in_out (Keras/JAX: *kernel, in, out)")
      ->type_name("out_in|in_out")
      ->capture_default_str();
  sub.add_option("--groups", args.groups, "conv groups: per-group fans (fan_out / G; fan_in / G with --transposed)")
      ->type_name("G")
      ->capture_default_str();
  sub.add_flag("--transposed", args.transposed,
               "the weight of a transposed conv, stored (in, out/groups, *k), with its true fans");
}

weight resolve(std::string_view command, const weight_args& args) {
  if (args.scheme_option->count() == 0) fail(command, "scheme", "given (see nninit list)", "nothing");
  nninit::initializer init(args.scheme);  // throws naming the valid schemes

  if (args.shape_option->count() == 0) fail(command, "shape", "given (--shape D0,D1[,...])", "nothing");
  const auto dims = parse_int64_list(args.shape);
  bool positive = dims.has_value();
  if (positive)
    for (std::int64_t d : *dims) positive = positive && d > 0;
  if (!positive) fail(command, "shape", "positive integers separated by commas", in_quotes(args.shape));
  // The library's own limit, checked here before any size is computed from the dimensions.
  constexpr std::int64_t limit = std::int64_t{1} << 58;
  std::int64_t n = 1;
  for (std::int64_t d : *dims) {
    if (n > limit / d) fail(command, "shape", "at most 2^58 elements", in_quotes(args.shape));
    n *= d;
  }

  nninit::shape s(*dims);
  const auto order = nninit::detail::parse_enum<nninit::layout>(args.layout);
  if (!order)
    fail(command, "layout", "one of " + nninit::detail::choices_of<nninit::layout>(), in_quotes(args.layout));
  s.order = *order;
  const auto groups = parse_int64(args.groups);
  if (!groups || *groups < 1) fail(command, "groups", "an integer >= 1", in_quotes(args.groups));
  s.groups = *groups;
  s.transposed = args.transposed;
  return weight{std::move(init), std::move(s)};
}

void apply_sets(std::string_view command, const std::vector<std::string>& sets, nninit::initializer& init,
                const std::string& target) {
  for (const std::string& item : sets) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) fail(command, "set", "NAME=VALUE", in_quotes(item));
    init.set(std::string_view(item).substr(0, eq), std::string_view(item).substr(eq + 1), target);
  }
}

std::vector<scheme_entry> parse_scheme_entries(std::string_view command, const std::vector<std::string>& names,
                                               const std::vector<std::string>& sets) {
  std::vector<scheme_entry> entries;
  for (const std::string& text : names) {
    for (const auto& e : entries)
      if (e.label == text) fail(command, "schemes", "distinct entries", in_quotes(text));
    scheme_entry e{text, text.substr(0, text.find(':')), {}};
    for (std::size_t at = text.find(':'); at != std::string::npos;) {
      const std::size_t next = text.find(':', at + 1);
      const std::string item = text.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1);
      const auto eq = item.find('=');
      if (eq == std::string::npos || eq == 0) fail(command, "schemes", "SCHEME[:OPTION=VALUE]...", in_quotes(text));
      e.options.emplace_back(item.substr(0, eq), item.substr(eq + 1));
      at = next;
    }
    entries.push_back(std::move(e));
  }
  for (const std::string& s : sets) {
    const auto dot = s.find('.'), eq = s.find('=');
    if (dot == std::string::npos || eq == std::string::npos || dot == 0 || eq < dot + 2)
      fail(command, "set", "SCHEME.OPTION=VALUE", in_quotes(s));
    const std::string scheme = s.substr(0, dot);
    bool used = false;
    for (auto& e : entries)
      if (e.scheme == scheme) e.options.emplace_back(s.substr(dot + 1, eq - dot - 1), s.substr(eq + 1)), used = true;
    if (!used) fail(command, "set", "for a scheme in --schemes", in_quotes(s));
  }
  return entries;
}

std::string command_line(int argc, const char* const* argv) {
  const auto quote = [](const std::string& arg) {
    if (!arg.empty() &&
        arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,:=/+@%") ==
            std::string::npos)
      return arg;
    std::string out = "'";
    for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  };
  std::string out;
  for (int i = 0; i < argc; ++i) out += (i ? " " : "") + quote(i == 0 ? std::string("nninit") : std::string(argv[i]));
  return out;
}

}  // namespace nninit_cli
