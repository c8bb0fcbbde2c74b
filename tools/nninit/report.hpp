// nninit tool: the HTML report of `nninit compare`: one self-contained file (inline CSS and SVG,
// no scripts, no fonts or links to fetch), byte-stable for the same input.
#pragma once

#include <optional>
#include <string>
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

/// Writes `content` to `path` atomically (a temporary file in the same directory, renamed over
/// `path`), through the tool's one atomic writer (npy.hpp). On failure the temporary file is
/// removed, `path` is left as it was, and std::system_error is thrown, its message beginning
/// "nninit::compare: " and naming the path; a `path` that cannot name a file at all (empty, or
/// a directory) throws nninit::init_error in the same form, as the tool does for bad input.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace nninit_cli::report
