// nninit tool: every error the tool raises itself, in the library's one message form
//   nninit::<command>: <argument> must be <rule>, got <value>
// Bad input throws nninit::init_error (exit code 2); failures of the system (a regular file that
// cannot be written: a full disk, an I/O error) throw std::system_error with a message of the same
// form (exit code 1).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace CLI {
class App;
class ParseError;
}  // namespace CLI

namespace nninit_cli {

/// Throws nninit::init_error: "nninit::<command>: <argument> must be <rule>, got <got>".
[[noreturn]] void fail(std::string_view command, std::string_view argument, std::string_view rule,
                       std::string_view got);

/// fail() unless lo <= v <= hi: "<argument> must be an integer in [lo, hi], got v".
void check_range(std::string_view command, std::string_view argument, std::int64_t v, std::int64_t lo, std::int64_t hi);

/// Throws std::system_error for errno `code` with the same message form and the system's reason
/// and errno name appended: "...: No space left on device (ENOSPC)".
[[noreturn]] void fail_io(std::string_view command, std::string_view argument, std::string_view rule,
                          std::string_view got, int code);

/// The message of fail_io, thrown as nninit::init_error (exit code 2): for an output that refused
/// the bytes because of what the user named (a full device, a FIFO), which no retry would fix.
[[noreturn]] void fail_output(std::string_view command, std::string_view argument, std::string_view rule,
                              std::string_view got, int code);

/// Checks the outputs a command will write, before any work is done, the way every command
/// does: each (argument, path) must be `-` (standard output), a regular file or a symlink to one
/// (followed), a new file in an existing, writable directory, or a writable character device,
/// FIFO or socket; directories, block devices and symlink loops are refused. Empty paths are
/// outputs not asked for. At most one output may be standard output (or standard output's own
/// file, e.g. /dev/stdout). Returns whether one is, so that the command prints its human text
/// to stderr instead. Throws nninit::init_error in the message form above. Defined beside the
/// writer it mirrors (write_file_atomically, npy.cpp).
bool check_outputs(std::string_view command,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> outputs);

/// 'text', as messages quote what the user typed.
std::string in_quotes(std::string_view text);

/// The one stderr line for a CLI11 parse error (not help or version), in the message form above.
std::string parse_error_line(const CLI::App& app, const CLI::ParseError& e, int argc, const char* const* argv);

}  // namespace nninit_cli
