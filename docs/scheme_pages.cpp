// scheme_pages: writes one Doxygen page per registered scheme (the registry `nninit list` prints),
// and the index of them, into OUT_DIR:
//
//   scheme_pages SNIPPETS_DIR OUT_DIR
//
// A page is the scheme's own documentation (its policy type's comment: formula, paper, defaults,
// via \copydoc), what it matches, its options with their defaults, and its example,
// SNIPPETS_DIR/<name>.cpp with its output <name>.out, both compiled and run by the test suite.
// A scheme without an example is an error (exit 1), so a new scheme cannot go undocumented.
#include <nninit/nninit.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

namespace {

std::string cell(std::string text) {  // a Markdown table cell: no '|' or line breaks
  for (char& c : text)
    if (c == '|' || c == '\n') c = ' ';
  return text.empty() ? " " : text;
}

void write_page(const nninit::scheme_info& s, const std::filesystem::path& out) {
  std::ofstream page(out / ("scheme_" + std::string(s.name) + ".md"));
  page << "# " << s.name << " {#scheme_" << s.name << "}\n\n"
       << "@copydoc nninit::scheme::" << s.name << "\n\n"
       << "**Matches:** " << s.reference << ". "
       << (s.is_random ? "Random: pass an nninit::engine or a standard URBG (a torch_generator gives PyTorch's own values where the plan is a uniform or a normal)."
                       : "Deterministic: no engine needed.")
       << "\n\n";
  if (s.options.empty()) {
    page << "No options.\n\n";
  } else {
    page << "| option | type | default | meaning |\n|---|---|---|---|\n";
    for (const auto& o : s.options) {
      std::string type = o.type;
      if (!o.choices.empty()) type += ": " + o.choices;
      page << "| `" << o.name << "` | " << cell(type) << " | `" << cell(o.default_value) << "` | " << cell(o.doc) << " |\n";
    }
    page << "\n";
  }
  page << "## Example\n\n"
       << "`docs/snippets/" << s.name << ".cpp`, compiled and run by the test suite (`doc_snippet_" << s.name
       << "`):\n\n@include " << s.name << ".cpp\n\nOutput:\n\n@verbinclude " << s.name << ".out\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: scheme_pages SNIPPETS_DIR OUT_DIR\n";
    return 2;
  }
  const std::filesystem::path snippets = argv[1], out = argv[2];
  std::filesystem::create_directories(out);
  std::ofstream index(out / "schemes.md");
  index << "# Schemes {#schemes}\n\nOne page per scheme `nninit list` knows: its formula and paper, what it "
           "matches, its options and defaults, and an example that the test suite compiles and runs.\n\n";
  int missing = 0;
  for (const auto& s : nninit::list_schemes()) {
    if (!std::filesystem::exists(snippets / (std::string(s.name) + ".cpp"))) {
      std::cerr << "scheme_pages: no example for " << s.name << ": add docs/snippets/" << s.name << ".cpp\n";
      ++missing;
      continue;
    }
    write_page(s, out);
    index << "- @subpage scheme_" << s.name << "\n";
  }
  return missing == 0 ? 0 : 1;
}
