// nninit tool: the HTML report of `nninit compare` (see report.hpp).
#include "report.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <utility>
#include <vector>

#include "npy.hpp"

namespace nninit_cli::report {

namespace {

using svg::detail::escape;

constexpr std::string_view css = R"css(
:root { color-scheme: light; }
body { margin: 0; background: #f4f5f7; color: #1f2328;
  font: 15px/1.55 "DejaVu Sans", "Liberation Sans", Helvetica, Arial, sans-serif; }
main { max-width: 1800px; margin: 0 auto; padding: 24px 28px 48px; background: #ffffff;
  border-left: 1px solid #e1e4e8; border-right: 1px solid #e1e4e8; min-height: 100vh; box-sizing: border-box; }
h1 { font-size: 25px; margin: 0 0 14px; }
h2 { font-size: 19px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #d8dee4; }
p { margin: 8px 0; max-width: 78ch; }
pre { margin: 6px 0 14px; padding: 10px 12px; background: #f3f4f6; border: 1px solid #d8dee4;
  border-radius: 4px; white-space: pre-wrap; overflow-wrap: anywhere;
  font: 13px/1.45 "DejaVu Sans Mono", "Liberation Mono", monospace; }
.label { margin: 0; font-size: 12px; font-weight: bold; color: #57606a; text-transform: uppercase;
  letter-spacing: 0.04em; }
ul.notes { margin: 12px 0; padding: 8px 14px 8px 30px; background: #fff8e5; border-left: 4px solid #e69f00;
  border-radius: 2px; }
ul.notes li { margin: 2px 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 8px 0 18px; font-size: 12.5px; line-height: 1.4; }
th, td { padding: 4px 6px; text-align: left; border-bottom: 1px solid #e1e4e8; vertical-align: top; }
td { white-space: nowrap; }
td.wrap { white-space: normal; }
th { background: #f3f4f6; border-bottom: 2px solid #c9ced4; font-weight: bold; vertical-align: bottom; }
tbody tr:nth-child(even) td { background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 560px), 1fr)); gap: 18px;
  margin: 12px 0; }
figure { margin: 0; min-width: 0; }
figure svg { display: block; max-width: 100%; height: auto; border: 1px solid #e1e4e8; border-radius: 3px; }
)css";

/// Whether a cell reads as one number ("0.25", "-1e-30", "inf", "nan", "12"), to right-align it.
bool numeric(std::string_view cell) {
  if (cell.empty()) return false;
  if (cell.front() == '+') cell.remove_prefix(1);
  double v = 0;
  const auto res = std::from_chars(cell.data(), cell.data() + cell.size(), v);
  return res.ec == std::errc() && res.ptr == cell.data() + cell.size();
}

/// Code points of UTF-8 text: what a width in ch counts.
std::size_t glyphs(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

/// Where a cell may break: after a space (which the break eats) or after a ':' (scheme options,
/// "kaiming_normal:nonlinearity=tanh"); [first line end, second line start) per break.
std::vector<std::pair<std::size_t, std::size_t>> breaks(std::string_view cell) {
  std::vector<std::pair<std::size_t, std::size_t>> at;
  for (std::size_t i = 0; i + 1 < cell.size(); ++i)
    if (cell[i] == ' ') at.emplace_back(i, i + 1);
    else if (cell[i] == ':') at.emplace_back(i + 1, i + 1);
  return at;
}

/// The longer line of `cell` broken at its best place into two (the whole cell when it cannot break).
std::size_t two_line_width(std::string_view cell) {
  std::size_t best = glyphs(cell);
  for (const auto& [end, start] : breaks(cell))
    best = std::min(best, std::max(glyphs(cell.substr(0, end)), glyphs(cell.substr(start))));
  return best;
}

/// Text longer than this ("stuck at chance", a verdict, a scheme with options) may wrap where the
/// page is narrow; shorter cells and numbers stay on one line.
constexpr std::size_t long_text = 14;

void append_table(std::string& out, const table& t) {
  if (t.header.empty() && t.rows.empty()) return;
  // A column is numeric when all its non-empty body cells are.
  std::size_t columns = t.header.size();
  for (const auto& row : t.rows) columns = std::max(columns, row.size());
  std::vector<bool> num(columns, true), seen(columns, false), wraps(columns, false);
  for (const auto& row : t.rows)
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (row[c].empty()) continue;
      seen[c] = true;
      if (!numeric(row[c])) num[c] = false;
      if (glyphs(row[c]) > long_text && !breaks(row[c]).empty()) wraps[c] = true;
    }
  // A wrapping column is at least as wide as its cells' longer half: two lines at most.
  std::vector<std::size_t> min_ch(columns, 0);
  for (const auto& row : t.rows)
    for (std::size_t c = 0; c < row.size(); ++c)
      if (wraps[c]) min_ch[c] = std::max(min_ch[c], two_line_width(row[c]) + 1);
  const auto cls = [&](std::size_t c) {
    return num[c] && seen[c] ? std::string_view(" class=\"num\"") : wraps[c] ? " class=\"wrap\"" : "";
  };
  // A break after ':' is no break for the browser: <wbr> marks it.
  const auto cell_html = [&](std::size_t c, const std::string& text) {
    std::string e = escape(text);
    if (!wraps[c]) return e;
    for (std::size_t at = e.find(':'); at != std::string::npos && at + 1 < e.size(); at = e.find(':', at + 6))
      e.insert(at + 1, "<wbr>");
    return e;
  };

  out += "<div class=\"scroll\"><table>\n";
  if (!t.header.empty()) {
    // One heading per column, even for a row wider than the header (a caller's bug, shown as an
    // empty heading rather than a column without one).
    out += "<thead><tr>";
    for (std::size_t c = 0; c < columns; ++c) {
      out.append("<th").append(num[c] && seen[c] ? " class=\"num\"" : "");
      if (wraps[c]) out.append(" style=\"min-width: ").append(std::to_string(min_ch[c])).append("ch\"");
      out.append(">").append(c < t.header.size() ? escape(t.header[c]) : "").append("</th>");
    }
    out += "</tr></thead>\n";
  }
  out += "<tbody>\n";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (std::size_t c = 0; c < columns; ++c)
      out.append("<td").append(cls(c)).append(">").append(c < row.size() ? cell_html(c, row[c]) : "").append("</td>");
    out += "</tr>\n";
  }
  out += "</tbody></table></div>\n";
}

/// Paragraphs separated by blank lines; single line breaks stay within a paragraph.
void append_text(std::string& out, std::string_view text) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find("\n\n", start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view para = text.substr(start, end - start);
    while (!para.empty() && (para.front() == '\n' || para.front() == ' ')) para.remove_prefix(1);
    while (!para.empty() && (para.back() == '\n' || para.back() == ' ')) para.remove_suffix(1);
    if (!para.empty()) out.append("<p>").append(escape(para)).append("</p>\n");
    start = end + 2;
  }
}

}  // namespace

std::string html(const document& doc) {
  const std::string title = doc.title.empty() ? std::string("nninit compare") : doc.title;
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out.append("<title>").append(escape(title)).append("</title>\n");
  out.append("<style>").append(css).append("</style>\n</head>\n<body>\n<main>\n");
  out.append("<h1>").append(escape(title)).append("</h1>\n");

  if (!doc.command.empty()) {
    out += "<p class=\"label\">Command</p>\n";
    out.append("<pre>").append(escape(doc.command)).append("</pre>\n");
  }
  if (!doc.notes.empty()) {
    out += "<ul class=\"notes\">\n";
    for (const std::string& note : doc.notes) out.append("<li>").append(escape(note)).append("</li>\n");
    out += "</ul>\n";
  }
  if (!doc.summary.header.empty() || !doc.summary.rows.empty()) {
    out += "<h2>Summary</h2>\n";
    append_table(out, doc.summary);
  }
  for (const section& s : doc.sections) {
    out += "<section>\n";
    if (!s.heading.empty()) out.append("<h2>").append(escape(s.heading)).append("</h2>\n");
    append_text(out, s.text);
    if (!s.figures.empty()) {
      out += "<div class=\"figures\">\n";
      for (const svg::figure& f : s.figures) out.append("<figure>\n").append(svg::render(f)).append("</figure>\n");
      out += "</div>\n";
    }
    if (s.table) append_table(out, *s.table);
    out += "</section>\n";
  }
  out += "</main>\n</body>\n</html>\n";
  return out;
}

void write_file_atomically(const std::string& path, const std::string& content, std::string_view argument) {
  nninit_cli::write_file_atomically("compare", path, {{content.data(), content.size()}}, argument);
}

}  // namespace nninit_cli::report
