// nninit tool: every error the tool raises itself, in the library's one message form
//   nninit::<command>: <argument> must be <rule>, got <value>
// Bad input throws nninit::init_error (exit code 2); failures of the system (a file that cannot
// be written) throw std::system_error with a message of the same form (exit code 1).
#pragma once

#include <string>
#include <string_view>

namespace CLI {
class App;
class ParseError;
}  // namespace CLI

namespace nninit_cli {

/// Throws nninit::init_error: "nninit::<command>: <argument> must be <rule>, got <got>".
[[noreturn]] void fail(std::string_view command, std::string_view argument, std::string_view rule,
                       std::string_view got);

/// Throws std::system_error for errno `code` with the same message form and the system's reason appended.
[[noreturn]] void fail_io(std::string_view command, std::string_view argument, std::string_view rule,
                          std::string_view got, int code);

/// 'text', as messages quote what the user typed.
std::string in_quotes(std::string_view text);

/// The one stderr line for a CLI11 parse error (not help or version), in the message form above.
std::string parse_error_line(const CLI::App& app, const CLI::ParseError& e, int argc, const char* const* argv);

}  // namespace nninit_cli
