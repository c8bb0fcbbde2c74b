// nninit tool: the HTML report of `nninit compare`: one self-contained file (inline CSS and SVG,
// no scripts, no fonts or links to fetch), byte-stable for the same input.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "svg.hpp"

namespace nninit_cli::report {

/// A table of text cells; cells that read as numbers are right-aligned.
struct table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

/// A heading, text (paragraphs separated by blank lines), figures and an optional table.
struct section {
  std::string heading;
  std::string text;
  std::vector<svg::figure> figures;
  std::optional<report::table> table;
};

struct document {
  std::string title;
  std::string command;             // the exact command line, shown in a <pre>
  std::vector<std::string> notes;  // e.g. "training used a synthetic task because Fashion-MNIST is not installed"
  table summary;
  std::vector<section> sections;
};

/// The whole report as one HTML5 file. All text is escaped.
std::string html(const document& doc);

/// Writes `content` to `path` through the tool's one writer (npy.hpp: a file atomically, through
/// its symlinks; `-` to stdout; a device, FIFO or socket in place). On failure a file's
/// temporary file is removed, `path` is left as it was, and std::system_error is thrown, its
/// message beginning "nninit::compare: <argument>" and naming the path; a `path` that cannot
/// name an output (empty, a directory) or a device that refuses the bytes throws
/// nninit::init_error in the same form, as the tool does for bad input.
void write_file_atomically(const std::string& path, const std::string& content, std::string_view argument = "out");

}  // namespace nninit_cli::report
