// libFuzzer target: the tool's weight arguments (parsed by CLI11 as `nninit fill` parses them)
// and the registry's dispatch, on arbitrary text. Input lines: scheme, shape ("64,3,3,3"),
// layout, groups, "t" for transposed, then any number of NAME=VALUE option settings. Whatever the bytes: either an init_error, or a plan, and (for
// weights of at most 2^20 elements) a fill of the weight's last 8x8 block whose values are all
// finite. Anything else (another exception, a non-finite value, a sanitizer report) is a finding.
#include <CLI/CLI.hpp>
#include <nninit/nninit.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "weight_args.hpp"

namespace {

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size() && lines.size() < 64) {
    const std::size_t end = text.find('\n', start);
    lines.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::string> lines = lines_of(std::string_view(reinterpret_cast<const char*>(data), size));
  std::vector<std::string> argv = {"fuzz"};
  if (lines.size() > 0) argv.push_back(lines[0]);
  if (lines.size() > 1) argv.insert(argv.end(), {"--shape", lines[1]});
  if (lines.size() > 2 && !lines[2].empty()) argv.insert(argv.end(), {"--layout", lines[2]});
  if (lines.size() > 3 && !lines[3].empty()) argv.insert(argv.end(), {"--groups", lines[3]});
  if (lines.size() > 4 && lines[4] == "t") argv.push_back("--transposed");
  for (std::size_t i = 5; i < lines.size(); ++i) argv.insert(argv.end(), {"--set", lines[i]});
  CLI::App app;
  nninit_cli::weight_args args;
  nninit_cli::add_weight_options(app, args);
  try {
    std::vector<const char*> pointers;
    for (const auto& a : argv) pointers.push_back(a.c_str());
    app.parse(static_cast<int>(pointers.size()), pointers.data());
  } catch (const CLI::ParseError&) {
    return 0;  // refused by the command line parser (the tool prints it as an nninit:: line)
  }
  try {
    nninit_cli::weight w = nninit_cli::resolve("fuzz", args);
    nninit_cli::apply_sets("fuzz", args.sets, w.init, w.shape.text());
    w.init.describe(w.shape);
    if (w.init.takes_data() || w.shape.numel() > (std::int64_t{1} << 20)) return 0;
    const nninit::index rows = std::min<nninit::index>(w.shape.rows(), 8), cols = std::min<nninit::index>(w.shape.cols(), 8);
    Eigen::MatrixXf block(rows, cols);
    nninit::shape at = w.shape;
    at.at(w.shape.rows() - rows, w.shape.cols() - cols);
    w.init.fill(block, nninit::engine(size), at);
    if (!block.allFinite()) std::abort();  // a NaN or infinity written silently
  } catch (const nninit::init_error&) {
    // refused, as it should be
  }
  return 0;
}
