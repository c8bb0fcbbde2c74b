// Tests of the tool's plot and report layer (tools/nninit/svg.hpp, report.hpp): byte-stable SVG,
// points that cannot be drawn, escaping, distinct series, degenerate and extreme figures, the
// self-contained HTML, the atomic write, and a real rendering by headless Chromium when present.
//
// NNINIT_REPORT_KEEP_DIR=<dir> keeps the sample report and its screenshots in <dir>.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <stdlib.h>  // mkdtemp
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <nninit/error.hpp>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "chromium_screenshot.hpp"
#include "report.hpp"
#include "svg.hpp"

namespace {

namespace fs = std::filesystem;
using nninit_cli::report::document;
using nninit_cli::report::section;
using nninit_cli::report::table;
using nninit_cli::svg::figure;
using nninit_cli::svg::series;
using nninit_cli::svg::detail::cat;

constexpr double qnan = std::numeric_limits<double>::quiet_NaN();
constexpr double pinf = std::numeric_limits<double>::infinity();

std::size_t count(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// Empty when `text` is well-formed XML as the writer produces it (elements, attributes in
/// double quotes, escaped text, no comments or CDATA); otherwise what is wrong.
std::string xml_problem(std::string_view text) {
  std::vector<std::string> open;
  std::size_t i = 0;
  bool root_closed = false;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '&') {
      const std::size_t semi = text.find(';', i);
      if (semi == std::string_view::npos || semi - i > 8) return cat("a bare '&' at ", std::to_string(i));
      const std::string_view entity = text.substr(i, semi - i + 1);
      if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" && entity != "&quot;" && entity != "&#39;")
        return cat("an unknown entity ", entity);
      i = semi + 1;
      continue;
    }
    if (c == '>') return cat("a bare '>' at ", std::to_string(i));
    if (c != '<') {
      if (open.empty() && c != '\n') return cat("text outside the root at ", std::to_string(i));
      ++i;
      continue;
    }
    // A tag: find its end, respecting quoted attribute values.
    std::size_t j = i + 1;
    bool quoted = false;
    while (j < text.size() && (quoted || text[j] != '>')) {
      if (text[j] == '"') quoted = !quoted;
      if (quoted && text[j] == '<') return cat("a '<' inside an attribute at ", std::to_string(j));
      ++j;
    }
    if (j >= text.size()) return cat("an unterminated tag at ", std::to_string(i));
    std::string_view body = text.substr(i + 1, j - i - 1);
    i = j + 1;
    if (body.empty()) return "an empty tag";
    if (body.front() == '/') {
      const std::string name(body.substr(1));
      if (open.empty() || open.back() != name) return cat("a stray </", name, ">");
      open.pop_back();
      if (open.empty()) root_closed = true;
      continue;
    }
    if (root_closed) return "a second root element";
    const bool self_closing = body.back() == '/';
    const std::size_t name_end = body.find_first_of(" /");
    const std::string name(body.substr(0, name_end));
    if (name.empty() || !std::isalpha(static_cast<unsigned char>(name.front()))) return "a bad tag name";
    if (count(body, "\"") % 2 != 0) return cat("an unbalanced quote in <", name, ">");
    if (!self_closing) open.push_back(name);
  }
  if (!open.empty()) return cat("<", open.back(), "> is never closed");
  if (!root_closed) return "no root element";
  return "";
}

/// Every (stroke, stroke-dasharray) pair of the line paths, in order.
std::vector<std::pair<std::string, std::string>> line_styles(const std::string& svg) {
  std::vector<std::pair<std::string, std::string>> styles;
  for (std::size_t at = svg.find("<path d=\""); at != std::string::npos; at = svg.find("<path d=\"", at + 1)) {
    const std::size_t end = svg.find("/>", at);
    const std::string elem = svg.substr(at, end - at);
    if (elem.find("stroke-width=\"2\"") != std::string::npos) continue;  // a cross, not a line
    const auto value = [&](const std::string& key) {
      const std::size_t k = elem.find(cat(" ", key, "=\""));
      if (k == std::string::npos) return std::string();
      const std::size_t v = k + key.size() + 3;
      return elem.substr(v, elem.find('"', v) - v);
    };
    styles.emplace_back(value("stroke"), value("stroke-dasharray"));
  }
  return styles;
}

/// The tick labels: text of every <text> with text-anchor "end" (y) or "middle" inside the label group.
std::vector<std::string> texts(const std::string& svg) {
  std::vector<std::string> out;
  for (std::size_t at = svg.find("<text"); at != std::string::npos; at = svg.find("<text", at + 1)) {
    const std::size_t start = svg.find('>', at) + 1;
    out.push_back(svg.substr(start, svg.find("</text>", start) - start));
  }
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

/// A fresh directory under the system's temporary directory, removed at the end of the scope
/// (unless NNINIT_REPORT_KEEP_DIR names a directory to use and keep instead).
class scratch_dir {
 public:
  explicit scratch_dir(bool may_keep = false) {
    const char* keep = may_keep ? std::getenv("NNINIT_REPORT_KEEP_DIR") : nullptr;
    if (keep != nullptr && *keep != '\0') {
      path_ = fs::absolute(keep);
      fs::create_directories(path_);
      keep_ = true;
      return;
    }
    std::string pattern = (fs::temp_directory_path() / "nninit_report_test.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  ~scratch_dir() {
    std::error_code ec;
    if (!keep_) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  bool keep_ = false;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

/// The sample report: forward variance of five schemes over 50 layers on a log axis (one
/// exploding like 2^l, one vanishing like 2^-l, one overflowing to NaN after layer 30) and
/// training curves, with a summary table.
document sample_document() {
  figure variance;
  variance.title = "Forward variance by depth (ReLU, width 256)";
  variance.x_label = "layer l";
  variance.y_label = "Var[h_l] / Var[x]";
  variance.log_y = true;
  variance.width = 760;
  variance.height = 440;
  struct scheme {
    const char* name;
    double (*f)(int);
  };
  const scheme schemes[] = {
      {"kaiming_normal (fan_in, relu)", [](int l) { return 1.0 + 0.04 * std::sin(0.7 * l); }},
      {"xavier_normal", [](int l) { return std::pow(2.0, -l); }},
      {"normal(std=0.1) \u00d7 2", [](int l) { return std::pow(2.0, l); }},
      {"orthogonal (gain \u221a2)", [](int l) { return std::pow(1.02, l) * (1.0 + 0.1 * std::cos(l)); }},
      {"uniform(-1, 1)", [](int l) { return l > 30 ? qnan : std::pow(10.0, 1.3 * l); }},
  };
  for (const scheme& s : schemes) {
    series line{s.name, {}, {}};
    for (int l = 0; l <= 50; ++l) {
      line.x.push_back(l);
      line.y.push_back(s.f(l));
    }
    variance.lines.push_back(std::move(line));
  }

  figure training;
  training.title = "Training loss (synthetic task)";
  training.x_label = "epoch";
  training.y_label = "cross-entropy";
  training.width = 760;
  training.height = 440;
  const double rates[] = {0.35, 0.22, 0.12, 0.5};
  const char* names[] = {"kaiming_normal (fan_in, relu)", "xavier_normal", "orthogonal (gain \u221a2)",
                         "lecun_uniform"};
  for (int s = 0; s < 4; ++s) {
    series line{names[s], {}, {}};
    for (int e = 0; e <= 20; ++e) {
      line.x.push_back(e);
      line.y.push_back(s == 3 && e > 12 ? qnan : 0.28 + 2.02 * std::exp(-rates[s] * e) + 0.03 * std::sin(1.7 * e + s));
    }
    training.lines.push_back(std::move(line));
  }

  document doc;
  doc.title = "nninit compare: signal propagation";
  doc.command = "nninit compare --schemes kaiming_normal,xavier_normal,normal,orthogonal,uniform "
                "--depth 50 --width 256 --seed 42 --out report.html";
  doc.notes = {"training used a synthetic task because Fashion-MNIST is not installed",
               "seed 42; every number here is reproducible with the command above"};
  doc.summary = {{"scheme", "Var[h_50]", "layers finite", "final loss"},
                 {{"kaiming_normal (fan_in, relu)", "0.97", "51", "0.31"},
                  {"xavier_normal", "8.9e-16", "51", "0.43"},
                  {"normal(std=0.1) \u00d7 2", "1.1e+15", "51", "0.52"},
                  {"orthogonal (gain \u221a2)", "2.9", "51", "0.36"},
                  {"uniform(-1, 1)", "nan", "31", ""}}};
  section s1{"Forward pass",
             "Variance of the pre-activations at each layer, relative to the input, for one batch.\n\n"
             "A flat line is what an initializer aims for: the signal neither explodes nor vanishes.",
             {variance},
             std::nullopt};
  section s2{"Training", "Loss per epoch on the synthetic task, same seed for every scheme.", {training},
             table{{"scheme", "epochs", "best loss"}, {{"kaiming_normal (fan_in, relu)", "20", "0.29"}}}};
  doc.sections = {s1, s2};
  return doc;
}

}  // namespace

TEST_CASE("report svg: the same figure renders to the same bytes") {
  const document doc = sample_document();
  for (const section& s : doc.sections)
    for (const figure& f : s.figures) {
      const std::string a = nninit_cli::svg::render(f), b = nninit_cli::svg::render(f);
      CHECK(a == b);
      CHECK(xml_problem(a).empty());
    }
}

TEST_CASE("report svg: golden text of a tiny figure") {
  figure f;
  f.title = "t";
  f.x_label = "x";
  f.y_label = "y";
  f.width = 320;
  f.height = 200;
  f.lines.push_back({"a", {0, 1, 2}, {0, 1, 0.5}});
  const std::string golden = R"svg(<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200" viewBox="0 0 320 200" font-family="DejaVu Sans, Liberation Sans, Helvetica, Arial, sans-serif" font-size="11" role="img" aria-label="t">
<rect width="320" height="200" fill="#ffffff"/>
<text x="125.02" y="22" text-anchor="middle" font-size="14" font-weight="bold" fill="#222222">t</text>
<g stroke="#e3e3e3" stroke-width="1">
<line x1="125.02" y1="36" x2="125.02" y2="150"/>
<line x1="56.71" y1="127.2" x2="193.34" y2="127.2"/>
<line x1="56.71" y1="104.4" x2="193.34" y2="104.4"/>
<line x1="56.71" y1="81.6" x2="193.34" y2="81.6"/>
<line x1="56.71" y1="58.8" x2="193.34" y2="58.8"/>
</g>
<g fill="none" stroke-width="1.75" stroke-linejoin="round" stroke-linecap="round">
<path d="M56.71,150 L125.02,36 L193.34,93" stroke="#0072B2"/>
</g>
<g stroke="#444444" stroke-width="1">
<rect x="56.71" y="36" width="136.63" height="114" fill="none"/>
<line x1="56.71" y1="150" x2="56.71" y2="155"/>
<line x1="125.02" y1="150" x2="125.02" y2="155"/>
<line x1="193.34" y1="150" x2="193.34" y2="155"/>
<line x1="51.71" y1="150" x2="56.71" y2="150"/>
<line x1="51.71" y1="127.2" x2="56.71" y2="127.2"/>
<line x1="51.71" y1="104.4" x2="56.71" y2="104.4"/>
<line x1="51.71" y1="81.6" x2="56.71" y2="81.6"/>
<line x1="51.71" y1="58.8" x2="56.71" y2="58.8"/>
<line x1="51.71" y1="36" x2="56.71" y2="36"/>
</g>
<g fill="#333333">
<text x="56.71" y="169" text-anchor="middle">0</text>
<text x="125.02" y="169" text-anchor="middle">1</text>
<text x="193.34" y="169" text-anchor="middle">2</text>
<text x="47.71" y="153.85" text-anchor="end">0.0</text>
<text x="47.71" y="131.05" text-anchor="end">0.2</text>
<text x="47.71" y="108.25" text-anchor="end">0.4</text>
<text x="47.71" y="85.45" text-anchor="end">0.6</text>
<text x="47.71" y="62.65" text-anchor="end">0.8</text>
<text x="47.71" y="39.85" text-anchor="end">1.0</text>
</g>
<text x="125.02" y="190" text-anchor="middle" font-size="12" fill="#222222">x</text>
<text x="19.6" y="93" transform="rotate(-90 19.6 93)" text-anchor="middle" font-size="12" fill="#222222">y</text>
<g font-size="11" fill="#222222">
<g>
<line x1="207.34" y1="44" x2="237.34" y2="44" stroke="#0072B2" stroke-width="2"/>
<text x="243.34" y="47.85">a</text>
</g>
</g>
</svg>
)svg";
  const std::string got = nninit_cli::svg::render(f);
  CHECK(got == golden);
  if (got != golden) MESSAGE("rendered:\n" << got);
}

TEST_CASE("report svg: NaN, Inf and non-positive values on log axes are skipped, never printed") {
  figure f;
  f.title = "gaps";
  f.log_y = true;
  f.lines.push_back({"gap a", {0, 1, 2, 3, 4, 5}, {1, 2, qnan, 4, 8, 16}});
  f.lines.push_back({"gap b", {0, 1, 2, 3, 4, 5}, {1, pinf, 0.5, 0.25, -pinf, 0.1}});
  f.lines.push_back({"non-positive", {0, 1, 2, 3, 4, 5}, {1, 0, 3, -2, 5, 6}});
  f.lines.push_back({"bad x", {0, qnan, 2, pinf, 4, 5}, {1, 1, 1, 1, 1, 1}});
  const std::string svg = nninit_cli::svg::render(f);
  CHECK(xml_problem(svg).empty());
  const std::string low = lower(svg);
  CHECK(low.find("nan") == std::string::npos);
  CHECK(low.find("inf") == std::string::npos);
  CHECK(svg.find("e+308") == std::string::npos);
  // Each gap breaks the line into separate sub-paths (a second "M"), or leaves a lone dot.
  const auto styles = line_styles(svg);
  REQUIRE(styles.size() >= 3);
  CHECK(count(svg, " M") >= 2);
  CHECK(svg.find("<circle") != std::string::npos);  // "gap b" has a lone first point
  // The note counts what is not shown.
  CHECK(svg.find("non-finite points not shown") != std::string::npos);
  CHECK(svg.find("\u2264 0 not shown on the log axis") != std::string::npos);

  figure x_log;
  x_log.log_x = true;
  x_log.lines.push_back({"x", {-1, 0, 1, 10, 100}, {1, 2, 3, 4, 5}});
  const std::string s2 = nninit_cli::svg::render(x_log);
  CHECK(xml_problem(s2).empty());
  CHECK(s2.find("2 points \u2264 0 not shown") != std::string::npos);
  CHECK(lower(s2).find("nan") == std::string::npos);
}

TEST_CASE("report svg: labels are escaped") {
  const std::string nasty = "a<b & \"c\" 'd' >";
  figure f;
  f.title = nasty;
  f.x_label = nasty;
  f.y_label = nasty;
  f.lines.push_back({nasty, {0, 1}, {0, 1}});
  const std::string svg = nninit_cli::svg::render(f);
  CHECK(svg.find("a<b") == std::string::npos);
  CHECK(svg.find("\"c\"") == std::string::npos);
  CHECK(count(svg, "a&lt;b &amp; &quot;c&quot; &#39;d&#39; &gt;") == 5);  // aria-label, title, axes, legend
  CHECK(xml_problem(svg).empty());

  document doc;
  doc.title = nasty;
  doc.command = "nninit compare --title '<b>x</b>' && rm -rf /";
  doc.notes = {nasty};
  doc.summary = {{nasty}, {{nasty}}};
  doc.sections.push_back({nasty, nasty, {}, table{{nasty}, {{nasty}}}});
  const std::string html = nninit_cli::report::html(doc);
  CHECK(html.find("a<b") == std::string::npos);
  CHECK(html.find("<b>x") == std::string::npos);
  CHECK(html.find("<pre>nninit compare --title &#39;&lt;b&gt;x&lt;/b&gt;&#39; &amp;&amp; rm -rf /</pre>") !=
        std::string::npos);
}

TEST_CASE("report svg: twelve and more series differ by colour and by dash") {
  figure f;
  for (int s = 0; s < 35; ++s) f.lines.push_back({cat("s", std::to_string(s)), {0, 1}, {double(s), double(s) + 1}});
  const std::string svg = nninit_cli::svg::render(f);
  const auto styles = line_styles(svg);
  REQUIRE(styles.size() == 35);
  std::set<std::pair<std::string, std::string>> distinct(styles.begin(), styles.end());
  CHECK(distinct.size() == 35);
  std::set<std::string> colours, dashes;
  for (std::size_t i = 0; i < 12; ++i) {
    colours.insert(styles[i].first);
    dashes.insert(styles[i].second);
    if (i > 0) {  // neighbours differ in both
      CHECK(styles[i].first != styles[i - 1].first);
      CHECK(styles[i].second != styles[i - 1].second);
    }
  }
  CHECK(colours.size() >= 7);
  CHECK(dashes.size() >= 5);
  // Legend samples carry the same style: 35 sample lines with a colour.
  CHECK(count(svg, "stroke-width=\"2\"") == 35);
  CHECK(xml_problem(svg).empty());
}

TEST_CASE("report svg: degenerate figures still render well-formed output") {
  std::vector<figure> figures;
  figures.emplace_back();  // nothing at all
  {
    figure f;
    f.title = "all missing";
    f.log_y = true;
    f.lines.push_back({"all missing", {0, 1, 2}, {qnan, qnan, qnan}});
    f.lines.push_back({"empty", {}, {}});
    figures.push_back(f);
  }
  for (const bool log : {false, true}) {
    figure one;
    one.log_x = one.log_y = log;
    one.lines.push_back({"single", {3}, {7}});
    figures.push_back(one);
    figure constant;
    constant.log_y = log;
    constant.lines.push_back({"constant", {0, 1, 2, 3}, {5, 5, 5, 5}});
    figures.push_back(constant);
    figure zero;
    zero.log_x = log;
    zero.lines.push_back({"zero", {1, 2, 3}, {0, 0, 0}});
    figures.push_back(zero);
    figure denormal;
    denormal.log_y = log;
    denormal.lines.push_back({"denormal", {1, 2}, {5e-324, 5e-324}});
    figures.push_back(denormal);
    figure same_x;
    same_x.log_x = log;
    same_x.lines.push_back({"vertical", {1, 1, 1}, {1, 2, 3}});
    figures.push_back(same_x);
  }
  {
    figure tiny;
    tiny.width = 1;
    tiny.height = -5;
    tiny.title = "a very long title that cannot possibly fit in the width of such a tiny figure at all";
    for (int s = 0; s < 40; ++s)
      tiny.lines.push_back({std::string(200, 'w'), {}, {1.0 * s, 2.0, 3.0}});  // no x: 0, 1, 2
    figures.push_back(tiny);
  }
  {
    figure mismatched;
    mismatched.lines.push_back({"more x than y", {0, 1, 2, 3, 4}, {1, 2}});
    mismatched.lines.push_back({"near-constant", {0, 1}, {1.0, 1.0 + 1e-15}});
    figures.push_back(mismatched);
  }
  for (const figure& f : figures) {
    CAPTURE(f.title);
    const std::string svg = nninit_cli::svg::render(f);
    CHECK(xml_problem(svg).empty());
    CHECK(count(svg, "<svg") == 1);
    CHECK(count(svg, "</svg>") == 1);
    std::size_t g_open = 0;  // groups that are not self-closing (an empty group is "<g .../>")
    for (std::size_t at = svg.find("<g"); at != std::string::npos; at = svg.find("<g", at + 1))
      if ((svg[at + 2] == ' ' || svg[at + 2] == '>') && svg[svg.find('>', at) - 1] != '/') ++g_open;
    CHECK(g_open == count(svg, "</g>"));
    CHECK(count(svg, "<text") == count(svg, "</text>"));
    const std::string low = lower(svg);
    CHECK(low.find("nan") == std::string::npos);
    CHECK(low.find("inf") == std::string::npos);
    CHECK(svg.size() < 200000);
  }
  CHECK(nninit_cli::svg::render(figures[0]).find("no data to plot") != std::string::npos);
  CHECK(nninit_cli::svg::render(figures[1]).find("no data to plot") != std::string::npos);
}

TEST_CASE("report svg: huge dynamic range") {
  figure f;
  f.title = "forward variance";
  f.log_y = true;
  series up{"up", {}, {}}, down{"down", {}, {}};
  for (int l = 0; l <= 40; ++l) {
    up.y.push_back(std::pow(10.0, l));
    down.y.push_back(std::pow(10.0, -l));
  }
  f.lines = {up, down};
  const std::string svg = nninit_cli::svg::render(f);
  CHECK(xml_problem(svg).empty());
  const auto t = texts(svg);
  for (const char* label : {"1e-40", "1e-20", "1", "1e+20", "1e+40"}) CHECK(contains(t, label));
  std::size_t decade_labels = 0;
  for (const std::string& s : t)
    if (s == "1" || s.rfind("1e", 0) == 0) ++decade_labels;
  CHECK(decade_labels <= 8);
  CHECK(svg.find("limited") == std::string::npos);

  // Beyond 300 decades, and beyond ±1e300 on a linear axis: limited, and the note says so.
  figure extreme = f;
  extreme.lines = {{"extreme", {0, 1, 2, 3}, {5e-324, 1e-200, 1e200, 1.7976931348623157e308}}};
  const std::string e1 = nninit_cli::svg::render(extreme);
  CHECK(xml_problem(e1).empty());
  CHECK(e1.find("y axis limited to 1e-300 \u2026 1e+300") != std::string::npos);
  CHECK(contains(texts(e1), "1e+300"));
  extreme.log_y = false;
  extreme.lines = {{"extreme", {0, 1, 2, 3}, {-1.7976931348623157e308, 0, 1, 1.7976931348623157e308}}};
  const std::string e2 = nninit_cli::svg::render(extreme);
  CHECK(xml_problem(e2).empty());
  CHECK(e2.find("y axis limited to \u00b11e+300") != std::string::npos);
  for (const std::string& s : {e1, e2}) {
    CHECK(lower(s).find("nan") == std::string::npos);
    CHECK(lower(s).find("inf") == std::string::npos);
    // Every number in the output is short: coordinates are clamped near the plot.
    std::size_t run = 0, longest = 0;
    for (const char c : s) {
      run = (std::isdigit(static_cast<unsigned char>(c)) != 0) ? run + 1 : 0;
      longest = std::max(longest, run);
    }
    CHECK(longest <= 8);
  }
}

TEST_CASE("report svg: nice ticks on linear axes") {
  figure f;
  f.lines.push_back({"a", {0, 50}, {0.23, 2.3}});
  const auto t = texts(nninit_cli::svg::render(f));
  for (const char* label : {"0", "10", "20", "30", "40", "50", "0.0", "0.5", "1.0", "1.5", "2.0", "2.5"})
    CHECK(contains(t, label));
  figure big;
  big.lines.push_back({"a", {0, 1}, {0, 3e7}});
  const auto tb = texts(nninit_cli::svg::render(big));
  CHECK(contains(tb, "1e+07"));
  CHECK(contains(tb, "3e+07"));
}

TEST_CASE("report html: one self-contained, byte-stable HTML file") {
  const document doc = sample_document();
  const std::string html = nninit_cli::report::html(doc);
  CHECK(html == nninit_cli::report::html(doc));
  CHECK(html.rfind("<!DOCTYPE html>\n", 0) == 0);
  CHECK(lower(html).find("<script") == std::string::npos);
  CHECK(lower(html).find("<link") == std::string::npos);
  CHECK(lower(html).find("@import") == std::string::npos);
  CHECK(lower(html).find("url(") == std::string::npos);
  // The only address is the SVG namespace, once per figure.
  const std::size_t ns = count(html, "http://www.w3.org/2000/svg");
  CHECK(ns == 2);
  CHECK(count(html, "http://") == ns);
  CHECK(count(html, "https://") == 0);
  CHECK(count(html, "<svg") == 2);
  CHECK(html.find(cat("<pre>", doc.command, "</pre>")) != std::string::npos);  // nothing to escape in it
  CHECK(html.find("<li>training used a synthetic task because Fashion-MNIST is not installed</li>") !=
        std::string::npos);
  // The scheme column holds text longer than a short label: it may wrap, to two lines at most.
  CHECK(html.find("<th style=\"min-width: 16ch\">scheme</th><th class=\"num\">Var[h_50]</th>") != std::string::npos);
  CHECK(html.find("<td class=\"num\">8.9e-16</td>") != std::string::npos);
  CHECK(html.find("<p>A flat line is what an initializer aims for") != std::string::npos);

  document empty;
  const std::string e = nninit_cli::report::html(empty);
  CHECK(e.find("<h1>nninit compare</h1>") != std::string::npos);
  CHECK(e.find("<h2>") == std::string::npos);
}

TEST_CASE("report html: write_file_atomically writes, replaces and fails cleanly") {
  scratch_dir dir;
  const fs::path target = dir.path() / "report.html";
  nninit_cli::report::write_file_atomically(target.string(), "first");
  CHECK(read_file(target) == "first");
  nninit_cli::report::write_file_atomically(target.string(), "second, longer");
  CHECK(read_file(target) == "second, longer");
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);

  const std::string missing = (dir.path() / "no-such-dir" / "report.html").string();
  try {
    nninit_cli::report::write_file_atomically(missing, "x");
    FAIL("no exception");
  } catch (const std::system_error& e) {
    const std::string what = e.what();
    CHECK(what.rfind("nninit::compare: ", 0) == 0);
    CHECK(what.find(missing) != std::string::npos);
  }
  try {
    nninit_cli::report::write_file_atomically(dir.path().string(), "x");
    FAIL("no exception");
  } catch (const nninit::init_error& e) {
    CHECK(std::string(e.what()).rfind("nninit::compare: ", 0) == 0);
  }
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
  CHECK(read_file(target) == "second, longer");
}

TEST_CASE("report html: headless Chromium renders the sample report") {
  if (!test::chromium_available()) {
    std::puts("SKIPPED: chromium not installed");
    return;
  }
  scratch_dir dir(true);
  const fs::path report = dir.path() / "sample_report.html", blank = dir.path() / "blank.html";
  nninit_cli::report::write_file_atomically(report.string(), nninit_cli::report::html(sample_document()));
  write(blank, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>x</title></head><body></body></html>\n");
  const document doc = sample_document();
  write(dir.path() / "forward_variance.svg", nninit_cli::svg::render(doc.sections[0].figures[0]));
  write(dir.path() / "training.svg", nninit_cli::svg::render(doc.sections[1].figures[0]));

  const fs::path shot = dir.path() / "sample_report.png", blank_shot = dir.path() / "blank.png";
  REQUIRE(test::chromium_screenshot(dir.path(), blank, blank_shot, "blank"));
  REQUIRE(test::chromium_screenshot(dir.path(), report, shot, "report"));
  REQUIRE(fs::exists(shot));
  REQUIRE(fs::exists(blank_shot));
  const auto size = fs::file_size(shot), blank_size = fs::file_size(blank_shot);
  MESSAGE("screenshot " << shot.string() << ": " << size << " bytes; blank page: " << blank_size << " bytes");
  CHECK(read_file(shot).rfind("\x89PNG\r\n\x1a\n", 0) == 0);
  CHECK(size > 4 * blank_size);
  CHECK(size > blank_size + 50000);
}

namespace {

/// A report shaped like `nninit compare`'s with the columns it is growing: twelve columns of
/// names, numbers, marks and verdicts, thirteen rows, and a figure.
document compare_summary_document() {
  document doc = sample_document();
  doc.title = "nninit compare: mlp, depth 50, width 256";
  doc.summary.header = {"activation", "scheme",          "fwd var L/1", "grad var 1/L",     "E[z^2] L/x", "Jacobian E[s^2]",
                        "s_max/s_min", "map slope",     "final train loss", "test acc", "mark",       "verdict"};
  doc.summary.rows = {
      {"relu", "xavier_normal", "3.53e-15", "2.09e-15", "3.53e-15", "1.46e-15", "singular", "decays", "0.412", "86%", "", "signal and gradient vanish"},
      {"relu", "kaiming_normal", "1.99", "1.18", "3.97", "1.65", "singular", "neutral", "0.305", "85.6%", "", "stable"},
      {"relu", "lecun_normal", "1.69e-15", "2.28e-15", "1.69e-15", "1.61e-15", "singular", "decays", "0.398", "86.1%", "", "signal and gradient vanish"},
      {"relu", "orthogonal", "1.47e-15", "1.64e-15", "1.47e-15", "8.77e-16", "singular", "-", "0.401", "85.9%", "", "signal and gradient vanish"},
      {"relu", "torch_default", "4.84e-39", "8.19e-39", "1.61e-39", "1.66e-39", "singular", "decays", "0.433", "85.7%", "", "signal and gradient vanish"},
      {"relu", "kaiming_normal:nonlinearity=tanh", "1.95e+07", "1.15e+07", "5.4e+07", "2.24e+07", "singular", "grows", "nan", "10%", "diverged", "signal and gradient explode"},
      {"tanh", "xavier_normal", "0.0093", "0.0139", "0.00929", "0.0114", "singular", "decays", "2.302", "10.1%", "stuck at chance", "signal and gradient vanish"},
      {"tanh", "kaiming_normal", "0.301", "63.8", "0.602", "81.4", "singular", "0.553 stable", "0.512", "82.3%", "", "gradient explodes"},
      {"tanh", "lecun_normal", "0.011", "0.0174", "0.011", "0.0165", "singular", "decays", "0.61", "80.2%", "", "signal and gradient vanish"},
      {"tanh", "orthogonal", "0.0105", "0.0147", "0.0105", "0.0137", "1.31e+03", "-", "0.597", "80.8%", "", "signal and gradient vanish"},
      {"tanh", "torch_default", "2.13e-24", "2.29e-24", "7.07e-25", "7.48e-25", "singular", "decays", "2.301", "9.8%", "stuck at chance", "signal and gradient vanish"},
      {"tanh", "kaiming_normal:nonlinearity=tanh", "0.418", "7.01e+03", "1.16", "8.07e+03", "singular", "0.431 stable", "0.557", "81.9%", "", "gradient explodes"},
      {"sine:30", "siren:omega0=30", "3.1e+04", "2.2e-09", "3.1e+04", "1.8e+02", "4.41e+12", "1.95e+07 unstable", "1.7e+03", "10%", "diverged", "signal explodes, gradient vanishes"},
  };
  return doc;
}

/// The cells of every row of the first table in `html`: <th> rows and <td> rows alike.
std::vector<std::vector<std::string>> first_table_rows(const std::string& html, const char* cell_tag) {
  std::vector<std::vector<std::string>> rows;
  const std::size_t begin = html.find("<table>"), end = html.find("</table>");
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  const std::string open = cat("<", cell_tag), close = cat("</", cell_tag, ">");
  for (std::size_t tr = html.find("<tr>", begin); tr < end; tr = html.find("<tr>", tr + 1)) {
    const std::size_t tr_end = html.find("</tr>", tr);
    std::vector<std::string> cells;
    for (std::size_t at = html.find(open, tr); at < tr_end; at = html.find(open, at + 1)) {
      const std::size_t text = html.find('>', at) + 1;
      cells.push_back(html.substr(text, html.find(close, text) - text));
    }
    if (!cells.empty()) rows.push_back(cells);
  }
  return rows;
}

}  // namespace

TEST_CASE("report html: the summary has one heading per column, for the compare summary and for a ragged table") {
  const std::string html = nninit_cli::report::html(compare_summary_document());
  const auto heads = first_table_rows(html, "th"), body = first_table_rows(html, "td");
  REQUIRE(heads.size() == 1);
  REQUIRE(body.size() == 13);
  CHECK(heads[0].size() == 12);
  for (const auto& h : heads[0]) CHECK_FALSE(h.empty());
  for (const auto& row : body) CHECK(row.size() == heads[0].size());
  // Numbers and short cells never wrap. Longer text may, to two lines, in a column at least as
  // wide as its cells' longer half + 1: "signal explodes," / "gradient vanishes" (17 glyphs);
  // "kaiming_normal:" / "nonlinearity=tanh", the break after ':' marked by <wbr>; "stuck at" / "chance".
  CHECK(html.find("<td class=\"num\">3.53e-15</td>") != std::string::npos);
  CHECK(html.find("<td>tanh</td>") != std::string::npos);
  CHECK(html.find("<th>activation</th><th style=\"min-width: 18ch\">scheme</th>") != std::string::npos);
  CHECK(html.find("<td class=\"wrap\">kaiming_normal:<wbr>nonlinearity=tanh</td>") != std::string::npos);
  CHECK(html.find("<th style=\"min-width: 9ch\">mark</th>") != std::string::npos);
  CHECK(html.find("<th style=\"min-width: 18ch\">verdict</th>") != std::string::npos);
  CHECK(html.find("<td class=\"wrap\">signal explodes, gradient vanishes</td>") != std::string::npos);

  // A row wider than the header (a caller's bug): every column still gets a <th>, so the table
  // stays rectangular and the missing heading shows as an empty one, not as a shifted column.
  document ragged;
  ragged.summary = {{"scheme", "value"}, {{"a", "1", "extra"}, {"b", "2"}}};
  const std::string r = nninit_cli::report::html(ragged);
  const auto ragged_heads = first_table_rows(r, "th"), ragged_body = first_table_rows(r, "td");
  REQUIRE(ragged_heads.size() == 1);
  CHECK(ragged_heads[0] == std::vector<std::string>{"scheme", "value", ""});
  for (const auto& row : ragged_body) CHECK(row.size() == 3);
}

TEST_CASE("report html: in Chromium at 1300 and 1600 px the summary fits the page, headed, rows at most two lines") {
  if (!test::chromium_available()) {
    std::puts("SKIPPED: chromium not installed");
    return;
  }
  scratch_dir dir(true);
  const std::string report = nninit_cli::report::html(compare_summary_document());
  CHECK(report.find("<script") == std::string::npos);  // the report stays script-free: only the copy measures
  // Measured after load, written as "key value" lines into a <pre> that --dump-dom serialises.
  const std::string measure = R"js(<script>
addEventListener('load', () => {
  const lines = [];
  const page = document.documentElement.clientWidth;
  const table = document.querySelector('table');
  const box = table.parentElement;
  const rows = [...table.tBodies[0].rows];
  lines.push('page ' + page);
  lines.push('columns ' + Math.max(...rows.map(r => r.cells.length)));
  lines.push('headings ' + [...table.tHead.rows[0].cells].filter(th => th.textContent.trim() !== '').length);
  lines.push('table_right ' + table.getBoundingClientRect().right);
  lines.push('table_scroll_width ' + table.scrollWidth);
  lines.push('box_scroll_width ' + box.scrollWidth);
  lines.push('box_client_width ' + box.clientWidth);
  for (const svg of document.querySelectorAll('figure svg')) lines.push('figure_right ' + svg.getBoundingClientRect().right);
  for (const r of rows) {
    const cs = getComputedStyle(r.cells[0]);
    const line = cs.lineHeight === 'normal' ? 1.2 * parseFloat(cs.fontSize) : parseFloat(cs.lineHeight);
    const limit = 2 * line + parseFloat(cs.paddingTop) + parseFloat(cs.paddingBottom) + parseFloat(cs.borderBottomWidth);
    lines.push('row ' + r.getBoundingClientRect().height + ' ' + limit + ' ' + line);
  }
  const out = document.createElement('pre');
  out.id = 'nninit-layout';
  out.textContent = lines.join('\n');
  document.body.appendChild(out);
});
</script>
)js";
  std::string measured = report;
  measured.insert(measured.rfind("</body>"), measure);
  const fs::path page = dir.path() / "layout_report.html";
  write(page, measured);

  for (const int width : {1300, 1600}) {
    CAPTURE(width);
    const std::string dom = test::chromium_dump_dom(dir.path(), page, width, 1000, "layout-" + std::to_string(width));
    REQUIRE_MESSAGE(!dom.empty(), "chromium failed: see its log in ", dir.path().string());
    const std::size_t at = dom.find("<pre id=\"nninit-layout\">");
    REQUIRE_MESSAGE(at != std::string::npos, "the measuring script did not run");
    std::istringstream in(dom.substr(at + 24, dom.find("</pre>", at) - at - 24));
    std::map<std::string, double> value;
    std::vector<double> figure_right;
    std::vector<std::array<double, 3>> rows;  // height, limit, line height
    for (std::string key; in >> key;) {
      if (key == "row") {
        std::array<double, 3> r{};
        in >> r[0] >> r[1] >> r[2];
        rows.push_back(r);
      } else if (key == "figure_right") {
        figure_right.push_back(0);
        in >> figure_right.back();
      } else {
        in >> value[key];
      }
    }
    CHECK(value["page"] == width);
    CHECK(value["columns"] == 12);
    CHECK(value["headings"] == value["columns"]);  // every column headed, none empty
    // Nothing past the page's right edge, and nothing hidden by the scrolling box's overflow.
    CHECK(value["table_right"] <= value["page"]);
    CHECK(value["table_scroll_width"] <= value["box_client_width"]);
    CHECK(value["box_scroll_width"] <= value["box_client_width"]);
    CHECK(figure_right.size() == 2);
    for (const double right : figure_right) CHECK(right <= value["page"]);
    // Two lines of text, the padding and the border: 1 px of margin for subpixel rounding.
    REQUIRE(rows.size() == 13);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      CAPTURE(i);
      CHECK(rows[i][2] > 10);  // a real line height was measured
      CHECK(rows[i][0] <= rows[i][1] + 1);
    }
  }
}
