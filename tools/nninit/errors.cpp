// nninit tool: error messages (see errors.hpp).
#include "errors.hpp"

#include <CLI/CLI.hpp>
#include <cerrno>
#include <nninit/error.hpp>
#include <string>
#include <system_error>

namespace nninit_cli {

namespace {

std::string message(std::string_view command, std::string_view argument, std::string_view rule,
                    std::string_view got) {
  std::string m = "nninit::";
  m.append(command).append(": ").append(argument).append(" must be ").append(rule).append(", got ").append(got);
  return m;
}

/// CLI11 messages may span lines; the tool promises one.
std::string one_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& c : text)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return text;
}

/// What follows the first ": " of a CLI11 message ("The following argument was not expected: --x").
std::string after_colon(const std::string& text) {
  const auto at = text.find(": ");
  return at == std::string::npos ? text : text.substr(at + 2);
}

/// errno's symbolic name, the stable word to search for or match (the reason text is localised
/// and varies by libc); the errors that writing an output can meet, others by number.
std::string errno_name(int code) {
  switch (code) {
    case ENOSPC: return "ENOSPC";
    case EDQUOT: return "EDQUOT";
    case EFBIG: return "EFBIG";
    case EIO: return "EIO";
    case EPIPE: return "EPIPE";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EROFS: return "EROFS";
    case ENOENT: return "ENOENT";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENXIO: return "ENXIO";
    case ENODEV: return "ENODEV";
    case EAGAIN: return "EAGAIN";
    case EBUSY: return "EBUSY";
    case EINVAL: return "EINVAL";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EPROTOTYPE: return "EPROTOTYPE";
    case EMFILE: return "EMFILE";
    case ETXTBSY: return "ETXTBSY";
    default: return "errno " + std::to_string(code);
  }
}

/// errno values whose message() is "<reason> (<NAME>)".
class named_errno final : public std::error_category {
 public:
  const char* name() const noexcept override { return "errno"; }
  std::string message(int code) const override {
    return std::generic_category().message(code) + " (" + errno_name(code) + ")";
  }
};

const std::error_category& named_errno_category() {
  static const named_errno category;
  return category;
}

std::string command_names(const CLI::App& app) {
  std::string names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    names += (names.empty() ? "" : ", ") + sub->get_name();
  return names;
}

}  // namespace

void fail(std::string_view command, std::string_view argument, std::string_view rule, std::string_view got) {
  throw nninit::init_error(message(command, argument, rule, got));
}

void check_range(std::string_view command, std::string_view argument, std::int64_t v, std::int64_t lo, std::int64_t hi) {
  if (v < lo || v > hi)
    fail(command, argument, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", std::to_string(v));
}

void fail_io(std::string_view command, std::string_view argument, std::string_view rule, std::string_view got,
             int code) {
  // system_error appends ": <reason>" to what() itself; the category's reason carries the name.
  throw std::system_error(code, named_errno_category(), message(command, argument, rule, got));
}

void fail_output(std::string_view command, std::string_view argument, std::string_view rule, std::string_view got,
                 int code) {
  throw nninit::init_error(message(command, argument, rule, got) + ": " + named_errno_category().message(code));
}

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string parse_error_line(const CLI::App& app, const CLI::ParseError& e, int argc, const char* const* argv) {
  // The subcommand the error belongs to, when one was recognised before it.
  std::string command = "cli";
  for (const CLI::App* sub : app.get_subcommands()) command = sub->get_name();
  const std::string what = one_line(e.what());

  // By type, not get_name(): CLI11 names some errors after the app that raised them.
  if (command == "cli" && dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) {
    // No subcommand: either none was given or the first word is not one.
    const std::string got = argc > 1 ? in_quotes(argv[1]) : std::string("nothing");
    return message("cli", "command", "one of " + command_names(app) + " (see nninit --help)", got);
  }
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    const std::string where = command == "cli" ? std::string("nninit") : "nninit " + command;
    return message(command, "arguments", "options of " + where + " (see --help)", in_quotes(after_colon(what)));
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr)
    return message(command, "each option", "given its value", what);
  if (dynamic_cast<const CLI::ConversionError*>(&e) != nullptr ||
      dynamic_cast<const CLI::ValidationError*>(&e) != nullptr)
    return message(command, "each value", "valid", what);
  return message(command, "the command line", "valid (see --help)", what);
}

}  // namespace nninit_cli
