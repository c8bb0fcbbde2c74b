// nninit tool: a tiny SVG line-plot writer for `nninit compare` (a tool header, not a library one).
//
//   svg::figure f;
//   f.title = "forward variance";  f.x_label = "layer";  f.y_label = "Var[h]";  f.log_y = true;
//   f.lines.push_back({"xavier_normal", {0, 1, 2}, {1.0, 0.98, 0.97}});
//   std::string text = svg::render(f);   // one standalone <svg> element, inline-able in HTML
//
// The output is byte-stable: every coordinate is rounded to two decimals by std::to_chars (no
// locale, no iostream), labels are escaped, and nothing depends on time or the environment.
// Points that cannot be drawn (NaN, ±inf, and values <= 0 on a log axis) are skipped and
// break the line there; a line that stops at a non-finite value ends with a small cross. Lines
// are clipped to the plot area geometrically (no clipPath ids, so several figures can share one
// HTML page). Series differ by colour (Okabe–Ito, without its yellow) *and* dash pattern, which
// cycle on periods 7 and 5, so the first 35 series are all distinct. Axes far beyond what a
// double can usefully show (|v| > 1e300 linear, or outside 1e-300..1e+300 on a log axis) are
// limited to that range, and the figure says so in a note.
//
// Axes: linear ones get "nice" limits and ticks (steps of 1, 2 or 5 × 10^k, at least 1 when
// all values are integers, such as layers or epochs); log ones get whole decades, at most
// eight labelled ("1e-30", "1", "1e+30"; "0.01" … "1000" in small ranges). The legend sits
// right of the plot; long labels are cut with "…" (the full label is the entry's <title>), and
// entries that do not fit are counted in a last "+ N more" entry.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace nninit_cli::svg {

/// One line. With an empty `x`, the x values are 0, 1, 2, …; otherwise the first
/// min(x.size(), y.size()) points are drawn.
struct series {
  std::string label;
  std::vector<double> x, y;
};

struct figure {
  std::string title, x_label, y_label;
  bool log_x = false, log_y = false;
  std::vector<series> lines;
  int width = 640, height = 400;
};

/// The figure as one `<svg xmlns=...>` element, followed by a newline.
std::string render(const figure& fig);

namespace detail {

// ---------------------------------------------------------------------------------------------
// Text

/// Concatenation by appending. Not `"literal" + std::string`: g++ 12 flags that with a false
/// -Wrestrict at -O2 (GCC PR 105329).
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string s;
  (s.append(std::string_view(parts)), ...);
  return s;
}

/// Escapes text for XML content and attribute values. Control characters other than tab and
/// newline are not allowed in XML 1.0 and become spaces.
inline std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\t' && ch != '\n')
          out += ' ';
        else
          out += ch;
    }
  }
  return out;
}

/// `v` rounded to `decimals` decimals with trailing zeros removed ("12.5", "3", "-0.25"), never
/// "-0"; a non-finite value (which the writer never passes) prints as "0", not as "nan".
inline std::string fixed(double v, int decimals = 2) {
  if (!std::isfinite(v)) return "0";
  char buf[400];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  if (res.ec != std::errc()) return "0";
  // Trimmed in the buffer: assigning "0" to a std::string here trips g++ 12's false -Wrestrict.
  const char* end = res.ptr;
  if (std::find(static_cast<const char*>(buf), end, '.') != end) {
    while (end[-1] == '0') --end;
    if (end[-1] == '.') --end;
  }
  const char* begin = end - buf == 2 && buf[0] == '-' && buf[1] == '0' ? buf + 1 : buf;  // never "-0"
  return std::string(begin, end);
}

/// `v` with exactly `decimals` decimals ("0.50"), for tick labels of one axis.
inline std::string fixed_exact(double v, int decimals) {
  if (!std::isfinite(v)) return "0";
  if (v == 0) v = 0;  // no "-0.0"
  char buf[400];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  return res.ec == std::errc() ? std::string(buf, res.ptr) : std::string("0");
}

/// Shortest scientific text that reads back to `v` ("2.5e-07", "1e+20").
inline std::string scientific(double v) {
  if (!std::isfinite(v)) return "0";
  if (v == 0) return "0";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  return res.ec == std::errc() ? std::string(buf, res.ptr) : std::string("0");
}

/// 10^e, correctly rounded (parsed, so the same bits on every machine), for |e| <= 308.
inline double pow10(int e) {
  const std::string text = cat("1e", std::to_string(e));
  double v = 1;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

/// The advance width of an ASCII character in DejaVu Sans, in ems, rounded up a little (the
/// widest of the sans-serif fonts the figures ask for, so estimates err on the wide side).
inline double char_em(char c) {
  if (c >= '0' && c <= '9') return 0.64;
  if (c >= 'A' && c <= 'Z') {
    switch (c) {
      case 'I': case 'J': return 0.32;
      case 'M': return 0.87;
      case 'W': return 1.0;
      case 'L': case 'F': case 'E': return 0.63;
      default: return 0.75;
    }
  }
  switch (c) {
    case 'i': case 'j': case 'l': return 0.28;
    case 'f': case 't': return 0.4;
    case 'r': return 0.42;
    case 'm': return 0.98;
    case 'w': return 0.82;
    case ' ': case '.': case ',': case ':': case ';': case '\'': case '|': case '!': return 0.33;
    case '(': case ')': case '[': case ']': case '{': case '}': return 0.4;
    case '-': return 0.37;
    case '"': return 0.46;
    case '_': return 0.5;
    case '@': return 1.0;
    case '%': return 0.95;
    case '&': return 0.78;
    case '<': case '>': case '=': case '+': case '~': case '^': case '*': return 0.84;
    default: return c >= 'a' && c <= 'z' ? 0.62 : 0.7;
  }
}

/// The width of `text` in pixels at font size `size`, estimated from DejaVu Sans (non-ASCII
/// code points count as 0.8 em).
inline double text_width(std::string_view text, double size) {
  double em = 0;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80)
      em += char_em(ch);
    else if ((c & 0xC0) != 0x80)
      em += 0.8;
  }
  return em * size;
}

/// `text`, or as much of it as fits in `max_width` pixels followed by "…".
inline std::string fit(std::string_view text, double max_width, double size) {
  if (text_width(text, size) <= max_width) return std::string(text);
  const double budget = max_width - text_width("\u2026", size);
  double used = 0;
  std::size_t end = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t j = i + 1;  // one code point: [i, j)
    while (j < text.size() && (static_cast<unsigned char>(text[j]) & 0xC0) == 0x80) ++j;
    used += text_width(text.substr(i, j - i), size);
    if (used > budget) break;
    end = i = j;
  }
  return cat(text.substr(0, end), "\u2026");
}

// ---------------------------------------------------------------------------------------------
// Elements

/// An element being written into `out`: attributes first, then either text, children or
/// nothing. The destructor closes it (`/>`, or `</name>`), so nesting follows C++ scopes:
///
///   tag root(out, "svg");  root.attr("width", 640);
///   { tag g = root.child("g");  g.attr("fill", "none");
///     g.child("path").attr("d", d); }            // a temporary: closed at the end of the line
///   root.child("text").attr("x", 3).text("label");
class tag {
 public:
  tag(std::string& out, std::string_view name) : out_(out), name_(name) { out_.append("<").append(name_); }
  tag(const tag&) = delete;
  tag& operator=(const tag&) = delete;
  ~tag() {
    if (state_ == state::attributes)
      out_ += "/>\n";
    else
      out_.append("</").append(name_).append(">\n");
  }

  tag& attr(std::string_view key, std::string_view value) {
    out_.append(" ").append(key).append("=\"").append(escape(value)).append("\"");
    return *this;
  }
  tag& attr(std::string_view key, const char* value) { return attr(key, std::string_view(value)); }
  tag& attr(std::string_view key, const std::string& value) { return attr(key, std::string_view(value)); }
  tag& attr(std::string_view key, double value) {
    out_.append(" ").append(key).append("=\"").append(fixed(value)).append("\"");
    return *this;
  }
  tag& attr(std::string_view key, int value) { return attr(key, static_cast<double>(value)); }

  /// Escaped text content; ends the attributes.
  tag& text(std::string_view content) {
    start_content(false);
    out_ += escape(content);
    return *this;
  }

  /// A child element; ends this element's attributes. Returned by value (guaranteed elision).
  tag child(std::string_view name) {
    start_content(true);
    return tag(out_, name);
  }

 private:
  enum class state { attributes, content };
  void start_content(bool newline) {
    if (state_ == state::attributes) {
      out_ += newline ? ">\n" : ">";
      state_ = state::content;
    }
  }

  std::string& out_;
  std::string name_;
  state state_ = state::attributes;
};

// ---------------------------------------------------------------------------------------------
// Style

/// Okabe & Ito (2008), colour-blind safe, without the yellow that is too faint on white.
inline constexpr std::array<std::string_view, 7> colours = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                            "#E69F00", "#56B4E9", "#000000"};
/// Dash patterns (for a 1.75 px line); a different period from the colours.
inline constexpr std::array<std::string_view, 5> dashes = {"", "7 3", "2 2.5", "9 3 2 3", "4 2 1 2 1 2"};

inline std::string_view colour_of(std::size_t i) { return colours[i % colours.size()]; }
inline std::string_view dash_of(std::size_t i) { return dashes[i % dashes.size()]; }

inline constexpr std::string_view font_family = "DejaVu Sans, Liberation Sans, Helvetica, Arial, sans-serif";
inline constexpr double title_size = 14, label_size = 12, tick_size = 11, legend_size = 11, note_size = 10;
inline constexpr double line_width = 1.75;
inline constexpr double tick_length = 5;
/// Linear axes beyond ±this, and log axes beyond 10^±this, are limited to it.
inline constexpr double linear_limit = 1e300;
inline constexpr double log_limit = 300;
/// Points are clamped to this many plot sizes outside the plot before clipping: far enough that
/// the visible part of a segment moves by less than a pixel, near enough that nothing overflows.
inline constexpr double far_away = 1e4;

// ---------------------------------------------------------------------------------------------
// Axes

struct tick {
  double at;          // in axis units (log10 of the value on a log axis)
  std::string label;  // empty: a minor tick, no label and no grid line
};

struct axis {
  bool log = false;
  double lo = 0, hi = 1;  // axis units; hi > lo
  bool limited = false;   // data reached beyond the limits
  std::vector<tick> ticks;

  /// 0 at lo, 1 at hi, clamped to ±far_away.
  double unit(double t) const {
    const double u = (t - lo) / (hi - lo);
    if (std::isnan(u)) return 0;
    return std::clamp(u, -far_away, far_away);
  }
};

/// Whether `v` can be drawn on an axis, and its axis units.
inline bool usable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }
inline double axis_units(double v, bool log) { return log ? std::log10(v) : v; }

/// n * m * 10^e with n * m exact, correctly rounded.
inline double scaled(double nm, int e) { return e >= 0 ? nm * pow10(e) : nm / pow10(-e); }

/// A linear axis over data [lo, hi] (both finite, lo <= hi), or no data: "nice" limits that are
/// multiples of a step of 1, 2 or 5 times a power of ten, and a labelled tick at each multiple.
/// With `integral` data (layers, epochs) the step is at least 1.
inline axis linear_axis(bool any, double lo, double hi, bool integral = false) {
  axis a;
  a.log = false;
  if (!any) {
    lo = 0;
    hi = 1;
  }
  if (lo < -linear_limit || hi > linear_limit) a.limited = true;
  lo = std::clamp(lo, -linear_limit, linear_limit);
  hi = std::clamp(hi, -linear_limit, linear_limit);
  const double big = std::max(std::fabs(lo), std::fabs(hi));
  if (!(hi - lo > big * 1e-9) || !(hi - lo > 1e-280)) {
    // Constant (or nearly): give the axis a span around the value.
    const double mid = lo / 2 + hi / 2;
    double pad = mid == 0 ? 1 : std::fabs(mid) * 0.1;
    if (!(pad > 1e-280)) pad = 1;
    lo = mid - pad;
    hi = mid + pad;
  }
  const double raw = (hi - lo) / 5;
  int e = static_cast<int>(std::floor(std::log10(raw)));
  const double f = raw / pow10(e);
  double m = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  if (m == 10) {
    m = 1;
    ++e;
  }
  if (integral && e < 0) {
    m = 1;
    e = 0;
  }
  const double step = scaled(m, e);
  const double n_lo = std::floor(lo / step), n_hi = std::ceil(hi / step);
  a.lo = scaled(n_lo * m, e);
  a.hi = scaled(n_hi * m, e);
  if (!(a.hi > a.lo)) {  // cannot happen for the spans above; keep the axis usable regardless
    a.lo = lo;
    a.hi = hi;
  }

  std::vector<double> values;
  for (double n = n_lo; n <= n_hi && values.size() < 64; n += 1) values.push_back(scaled(n * m, e));
  double largest = 0;
  for (const double v : values) largest = std::max(largest, std::fabs(v));
  const bool sci = largest >= 1e6 || (largest > 0 && largest < 1e-4);
  for (const double v : values)
    a.ticks.push_back({v, sci ? scientific(v) : fixed_exact(v, std::max(0, -e))});
  return a;
}

/// The label of j·10^k (j a digit): "0.02", "500" when every label of the axis is within
/// 0.001 … 10000, else "2e-30", "1", "5e+30" (10^0 is always "1").
inline std::string log_label(int j, int k, bool plain) {
  const std::string digit = std::to_string(j);
  if (k == 0) return digit;
  if (plain) return k > 0 ? cat(digit, std::string(static_cast<std::size_t>(k), '0'))
                          : cat("0.", std::string(static_cast<std::size_t>(-k - 1), '0'), digit);
  return cat(digit, "e", k > 0 ? "+" : "-", std::to_string(std::abs(k)));
}

/// A log axis over data [lo, hi] in log10 units (or no data): whole decades, at most about
/// eight labelled.
inline axis log_axis(bool any, double lo, double hi) {
  axis a;
  a.log = true;
  if (!any) {
    lo = 0;
    hi = 1;
  }
  if (lo < -log_limit || hi > log_limit) a.limited = true;
  lo = std::clamp(lo, -log_limit, log_limit);
  hi = std::clamp(hi, -log_limit, log_limit);
  const int d_lo = static_cast<int>(std::floor(lo)), d_hi = static_cast<int>(std::ceil(hi));
  // Labels every `every` decades, at most eight of them; the ends snap to labelled decades.
  int every = 1, k_lo = d_lo, k_hi = d_hi;
  for (const int s : {1, 2, 5, 10, 20, 25, 50, 100, 200}) {
    every = s;
    k_lo = static_cast<int>(std::floor(static_cast<double>(d_lo) / s)) * s;
    k_hi = static_cast<int>(std::ceil(static_cast<double>(d_hi) / s)) * s;
    if ((k_hi - k_lo) / s <= 7) break;
  }
  if (k_hi == k_lo) {
    k_lo -= every;
    k_hi += every;
  }
  a.lo = k_lo;
  a.hi = k_hi;
  const int decades = k_hi - k_lo;
  // Unlabelled ticks between labels: at 2…9 times each decade when few decades show, else at
  // every `minor` decades (a divisor of `every`), at most about 30 of them.
  int minor = every;
  for (const int s : {1, 2, 5, 10, 20, 25, 50, 100})
    if (every % s == 0 && decades / s <= 30) {
      minor = s;
      break;
    }
  bool plain = true;
  for (int k = k_lo; k <= k_hi; k += every)
    if (k < -3 || k > (decades <= 2 ? 3 : 4)) plain = false;
  for (int k = k_lo; k <= k_hi; ++k) {
    if (k % every == 0)
      a.ticks.push_back({static_cast<double>(k), log_label(1, k, plain)});
    else if (k % minor == 0)
      a.ticks.push_back({static_cast<double>(k), std::string()});
    if (decades <= 6 && k < k_hi)  // 2…9 × 10^k, with 2 and 5 labelled when at most two decades show
      for (int j = 2; j <= 9; ++j)
        a.ticks.push_back({k + std::log10(static_cast<double>(j)),
                           decades <= 2 && (j == 2 || j == 5) ? log_label(j, k, plain) : std::string()});
  }
  return a;
}

// ---------------------------------------------------------------------------------------------
// Lines

struct point {
  double x, y;  // pixels
};

/// Clips the segment p–q to the rectangle [x0, x1] × [y0, y1] (Liang–Barsky); false when
/// nothing is left.
inline bool clip(point& p, point& q, double x0, double y0, double x1, double y1) {
  double t0 = 0, t1 = 1;
  const double dx = q.x - p.x, dy = q.y - p.y;
  const double edges[4][2] = {{-dx, p.x - x0}, {dx, x1 - p.x}, {-dy, p.y - y0}, {dy, y1 - p.y}};
  for (const auto& edge : edges) {
    const double num = edge[1], den = edge[0];
    if (den == 0) {
      if (num < 0) return false;
      continue;
    }
    const double r = num / den;
    if (den < 0) {
      if (r > t1) return false;
      t0 = std::max(t0, r);
    } else {
      if (r < t0) return false;
      t1 = std::min(t1, r);
    }
  }
  const point a{p.x + t0 * dx, p.y + t0 * dy}, b{p.x + t1 * dx, p.y + t1 * dy};
  p = a;
  q = b;
  return true;
}

/// SVG path data for polylines, dropping points that round to the one before.
class path_data {
 public:
  void move(point p) {
    text_ = coords(p);
    pending_move_ = true;
  }
  void line(point p) {
    const std::string c = coords(p);
    if (c == text_) return;
    if (pending_move_) {
      d_.append(d_.empty() ? "M" : " M").append(text_);
      pending_move_ = false;
    }
    d_.append(" L").append(c);
    text_ = c;
  }
  const std::string& data() const { return d_; }

 private:
  static std::string coords(point p) { return cat(fixed(p.x), ",", fixed(p.y)); }
  std::string d_, text_;
  bool pending_move_ = false;
};

struct plot_area {
  double x0, y0, x1, y1;
  bool inside(point p) const { return p.x >= x0 && p.x <= x1 && p.y >= y0 && p.y <= y1; }
};

struct drawn_series {
  std::string d;                // path data of the lines
  std::vector<point> dots;      // isolated points, drawn as dots
  std::vector<point> crosses;   // where a line stops at a non-finite value
};

/// What one series draws in the plot area.
inline drawn_series trace(const series& s, const axis& ax, const axis& ay, const plot_area& area) {
  drawn_series out;
  const std::size_t n = s.x.empty() ? s.y.size() : std::min(s.x.size(), s.y.size());
  const auto x_of = [&](std::size_t i) { return s.x.empty() ? static_cast<double>(i) : s.x[i]; };
  const auto ok = [&](std::size_t i) { return usable(x_of(i), ax.log) && usable(s.y[i], ay.log); };
  const auto to_px = [&](std::size_t i) {
    return point{area.x0 + ax.unit(axis_units(x_of(i), ax.log)) * (area.x1 - area.x0),
                 area.y1 - ay.unit(axis_units(s.y[i], ay.log)) * (area.y1 - area.y0)};
  };

  path_data d;
  std::size_t i = 0;
  while (i < n) {
    if (!ok(i)) {
      ++i;
      continue;
    }
    std::size_t j = i;  // the run of drawable points is [i, j]
    while (j + 1 < n && ok(j + 1)) ++j;
    const std::size_t drawn_before = d.data().size();
    if (j > i) {
      bool pen_down = false;
      point last_end{0, 0};
      for (std::size_t k = i; k < j; ++k) {
        point p = to_px(k), q = to_px(k + 1);
        const point q_raw = q;
        if (!clip(p, q, area.x0, area.y0, area.x1, area.y1)) {
          pen_down = false;
          continue;
        }
        if (!pen_down || p.x != last_end.x || p.y != last_end.y) d.move(p);
        d.line(q);
        pen_down = q.x == q_raw.x && q.y == q_raw.y;  // the next segment starts here unless clipped
        last_end = q;
      }
    }
    if (d.data().size() == drawn_before) {  // one point, or a run that rounds to one point: a dot
      const point p = to_px(i);
      if (area.inside(p)) out.dots.push_back(p);
    }
    if (j + 1 < n) {  // the run ends at a point that is not drawable: a cross if it is non-finite
      const double xn = x_of(j + 1), yn = s.y[j + 1];
      const point p = to_px(j);
      if ((!std::isfinite(xn) || !std::isfinite(yn)) && area.inside(p)) out.crosses.push_back(p);
    }
    i = j + 1;
  }
  out.d = d.data();
  return out;
}

}  // namespace detail

inline std::string render(const figure& fig) {
  using namespace detail;
  const double W = std::max(fig.width, 320), H = std::max(fig.height, 200);

  // Data ranges and what cannot be drawn.
  bool any = false, x_integral = true, y_integral = true;
  double x_lo = 0, x_hi = 0, y_lo = 0, y_hi = 0;
  std::size_t non_finite = 0, non_positive = 0;
  for (const series& s : fig.lines) {
    const std::size_t n = s.x.empty() ? s.y.size() : std::min(s.x.size(), s.y.size());
    for (std::size_t i = 0; i < n; ++i) {
      const double x = s.x.empty() ? static_cast<double>(i) : s.x[i], y = s.y[i];
      if (!std::isfinite(x) || !std::isfinite(y)) {
        ++non_finite;
        continue;
      }
      if ((fig.log_x && x <= 0) || (fig.log_y && y <= 0)) {
        ++non_positive;
        continue;
      }
      x_integral = x_integral && x == std::floor(x) && std::fabs(x) < 9e15;
      y_integral = y_integral && y == std::floor(y) && std::fabs(y) < 9e15;
      const double tx = axis_units(x, fig.log_x), ty = axis_units(y, fig.log_y);
      if (!any) {
        x_lo = x_hi = tx;
        y_lo = y_hi = ty;
        any = true;
      }
      x_lo = std::min(x_lo, tx);
      x_hi = std::max(x_hi, tx);
      y_lo = std::min(y_lo, ty);
      y_hi = std::max(y_hi, ty);
    }
  }
  const axis ax = fig.log_x ? log_axis(any, x_lo, x_hi) : linear_axis(any, x_lo, x_hi, x_integral);
  const axis ay = fig.log_y ? log_axis(any, y_lo, y_hi) : linear_axis(any, y_lo, y_hi, y_integral);

  // The note under the plot.
  std::vector<std::string> notes;
  if (non_finite > 0)
    notes.push_back(cat(std::to_string(non_finite), " non-finite point", non_finite == 1 ? "" : "s",
                        " not shown (\u00d7 marks where a line stops)"));
  if (non_positive > 0)
    notes.push_back(cat(std::to_string(non_positive), " point", non_positive == 1 ? "" : "s",
                        " \u2264 0 not shown on the log axis"));
  for (const auto& [a, name] : {std::pair<const axis*, const char*>{&ax, "x"}, {&ay, "y"}})
    if (a->limited)
      notes.push_back(cat(name, " axis limited to ", a->log ? "1e-300 \u2026 1e+300" : "\u00b11e+300"));
  std::string note;
  for (const std::string& n : notes) note.append(note.empty() ? "" : "; ").append(n);

  // Layout.
  double y_tick_w = 0;
  for (const tick& t : ay.ticks) y_tick_w = std::max(y_tick_w, text_width(t.label, tick_size));
  const double top = fig.title.empty() ? 14 : 36;
  const double left = 10 + (fig.y_label.empty() ? 0 : label_size + 8) + y_tick_w + tick_length + 4;
  const double bottom = 10 + tick_length + 4 + tick_size + (fig.x_label.empty() ? 0 : 8 + label_size) +
                        (note.empty() ? 0 : 8 + note_size);

  // The legend sits right of the plot; labels longer than about 38% of the width are cut.
  const double row_h = 17, swatch = 30, legend_pad = 14;
  const double label_max = std::max(30.0, W * 0.38 - legend_pad - swatch - 6);
  double label_w = fig.lines.empty() ? 0 : text_width("+ 999 more", legend_size);
  for (const series& s : fig.lines) label_w = std::max(label_w, text_width(fit(s.label, label_max, legend_size), legend_size));
  // Rows as tall as the plot, columns up to about 45% of the width; what does not fit is
  // summed up in a last entry, "+ 12 more".
  const double column_w = swatch + 6 + label_w + 10;
  const std::size_t rows_fit = std::max<std::size_t>(1, static_cast<std::size_t>((H - top - bottom) / row_h));
  const std::size_t columns_fit =
      std::max<std::size_t>(1, static_cast<std::size_t>((W * 0.45 - legend_pad) / column_w));
  const std::size_t n_lines = fig.lines.size();
  const bool legend_full = n_lines > rows_fit * columns_fit;
  const std::size_t shown_entries = legend_full ? rows_fit * columns_fit - 1 : n_lines;
  const std::size_t entries = shown_entries + (legend_full ? 1 : 0);
  const std::size_t columns = entries == 0 ? 0 : (entries + rows_fit - 1) / rows_fit;
  const std::size_t rows = columns == 0 ? 0 : (entries + columns - 1) / columns;
  const double right = columns == 0 ? 16 : legend_pad + static_cast<double>(columns) * column_w;

  plot_area area{left, top, W - right, H - bottom};
  if (area.x1 - area.x0 < 60) area.x1 = std::min(W - 4, area.x0 + 60);
  if (area.y1 - area.y0 < 60) area.y1 = std::min(H - 4, area.y0 + 60);
  const double pw = area.x1 - area.x0, ph = area.y1 - area.y0;
  const auto px_x = [&](double t) { return area.x0 + ax.unit(t) * pw; };
  const auto px_y = [&](double t) { return area.y1 - ay.unit(t) * ph; };

  std::string out;
  {
    tag root(out, "svg");
    root.attr("xmlns", "http://www.w3.org/2000/svg")
        .attr("width", W)
        .attr("height", H)
        .attr("viewBox", cat("0 0 ", fixed(W), " ", fixed(H)))
        .attr("font-family", font_family)
        .attr("font-size", tick_size)
        .attr("role", "img")
        .attr("aria-label", fig.title.empty() ? std::string("plot") : fig.title);
    root.child("rect").attr("width", W).attr("height", H).attr("fill", "#ffffff");
    if (!fig.title.empty()) {
      // Bold text is about 10% wider. A title too wide for the figure is cut; it is centred over
      // the plot where it fits.
      const double bold = title_size * 1.1;
      const std::string title = fit(fig.title, W - 16, bold);
      const double half = text_width(title, bold) / 2;
      root.child("text")
          .attr("x", std::clamp(area.x0 + pw / 2, std::min(half + 8, W / 2), std::max(W - half - 8, W / 2)))
          .attr("y", 22)
          .attr("text-anchor", "middle")
          .attr("font-size", title_size)
          .attr("font-weight", "bold")
          .attr("fill", "#222222")
          .text(title);
    }

    // Grid lines at labelled ticks.
    {
      tag grid = root.child("g");
      grid.attr("stroke", "#e3e3e3").attr("stroke-width", 1);
      for (const tick& t : ax.ticks)
        if (!t.label.empty() && t.at > ax.lo && t.at < ax.hi)
          grid.child("line").attr("x1", px_x(t.at)).attr("y1", area.y0).attr("x2", px_x(t.at)).attr("y2", area.y1);
      for (const tick& t : ay.ticks)
        if (!t.label.empty() && t.at > ay.lo && t.at < ay.hi)
          grid.child("line").attr("x1", area.x0).attr("y1", px_y(t.at)).attr("x2", area.x1).attr("y2", px_y(t.at));
    }

    // The lines.
    {
      tag lines = root.child("g");
      lines.attr("fill", "none").attr("stroke-width", line_width).attr("stroke-linejoin", "round")
          .attr("stroke-linecap", "round");
      for (std::size_t i = 0; i < fig.lines.size(); ++i) {
        const drawn_series ds = trace(fig.lines[i], ax, ay, area);
        const std::string colour(colour_of(i));
        if (!ds.d.empty()) {
          tag p = lines.child("path");
          p.attr("d", ds.d).attr("stroke", colour);
          if (!dash_of(i).empty()) p.attr("stroke-dasharray", dash_of(i));
        }
        for (const point& dot : ds.dots)
          lines.child("circle").attr("cx", dot.x).attr("cy", dot.y).attr("r", 2.5).attr("fill", colour)
              .attr("stroke", "none");
        for (const point& c : ds.crosses) {
          const double r = 4;
          lines.child("path")
              .attr("d", cat("M", fixed(c.x - r), ",", fixed(c.y - r), " L", fixed(c.x + r), ",", fixed(c.y + r),
                             " M", fixed(c.x - r), ",", fixed(c.y + r), " L", fixed(c.x + r), ",", fixed(c.y - r)))
              .attr("stroke", colour)
              .attr("stroke-width", 2);
        }
      }
    }
    if (!any)
      root.child("text")
          .attr("x", area.x0 + pw / 2)
          .attr("y", area.y0 + ph / 2)
          .attr("text-anchor", "middle")
          .attr("fill", "#777777")
          .text("no data to plot");

    // Frame, ticks and tick labels.
    {
      tag axes = root.child("g");
      axes.attr("stroke", "#444444").attr("stroke-width", 1);
      axes.child("rect").attr("x", area.x0).attr("y", area.y0).attr("width", pw).attr("height", ph).attr("fill", "none");
      for (const tick& t : ax.ticks) {
        if (t.at < ax.lo || t.at > ax.hi) continue;
        const double len = t.label.empty() ? tick_length * 0.6 : tick_length;
        axes.child("line").attr("x1", px_x(t.at)).attr("y1", area.y1).attr("x2", px_x(t.at)).attr("y2", area.y1 + len);
      }
      for (const tick& t : ay.ticks) {
        if (t.at < ay.lo || t.at > ay.hi) continue;
        const double len = t.label.empty() ? tick_length * 0.6 : tick_length;
        axes.child("line").attr("x1", area.x0 - len).attr("y1", px_y(t.at)).attr("x2", area.x0).attr("y2", px_y(t.at));
      }
    }
    {
      tag labels = root.child("g");
      labels.attr("fill", "#333333");
      for (const tick& t : ax.ticks)
        if (!t.label.empty() && t.at >= ax.lo && t.at <= ax.hi)
          labels.child("text")
              .attr("x", px_x(t.at))
              .attr("y", area.y1 + tick_length + 3 + tick_size)
              .attr("text-anchor", "middle")
              .text(t.label);
      for (const tick& t : ay.ticks)
        if (!t.label.empty() && t.at >= ay.lo && t.at <= ay.hi)
          labels.child("text")
              .attr("x", area.x0 - tick_length - 4)
              .attr("y", px_y(t.at) + tick_size * 0.35)
              .attr("text-anchor", "end")
              .text(t.label);
    }

    // Axis labels.
    if (!fig.x_label.empty())
      root.child("text")
          .attr("x", area.x0 + pw / 2)
          .attr("y", area.y1 + tick_length + 4 + tick_size + 8 + label_size)
          .attr("text-anchor", "middle")
          .attr("font-size", label_size)
          .attr("fill", "#222222")
          .text(fig.x_label);
    if (!fig.y_label.empty()) {
      const double x = 10 + label_size * 0.8, y = area.y0 + ph / 2;
      root.child("text")
          .attr("x", x)
          .attr("y", y)
          .attr("transform", cat("rotate(-90 ", fixed(x), " ", fixed(y), ")"))
          .attr("text-anchor", "middle")
          .attr("font-size", label_size)
          .attr("fill", "#222222")
          .text(fig.y_label);
    }

    // Legend.
    if (columns > 0) {
      tag legend = root.child("g");
      legend.attr("font-size", legend_size).attr("fill", "#222222");
      const auto where = [&](std::size_t i) {
        return point{area.x1 + legend_pad + static_cast<double>(i / rows) * column_w,
                     area.y0 + 8 + static_cast<double>(i % rows) * row_h};
      };
      for (std::size_t i = 0; i < shown_entries; ++i) {
        const point at = where(i);
        tag entry = legend.child("g");
        const std::string shown = fit(fig.lines[i].label, label_max, legend_size);
        if (shown != fig.lines[i].label) entry.child("title").text(fig.lines[i].label);
        {
          tag sample = entry.child("line");
          sample.attr("x1", at.x).attr("y1", at.y).attr("x2", at.x + swatch).attr("y2", at.y)
              .attr("stroke", colour_of(i)).attr("stroke-width", line_width + 0.25);
          if (!dash_of(i).empty()) sample.attr("stroke-dasharray", dash_of(i));
        }
        entry.child("text").attr("x", at.x + swatch + 6).attr("y", at.y + legend_size * 0.35).text(shown);
      }
      if (legend_full) {
        const point at = where(shown_entries);
        legend.child("text")
            .attr("x", at.x)
            .attr("y", at.y + legend_size * 0.35)
            .attr("fill", "#666666")
            .text(cat("+ ", std::to_string(n_lines - shown_entries), " more"));
      }
    }

    if (!note.empty())
      root.child("text")
          .attr("x", 10)
          .attr("y", H - 10)
          .attr("font-size", note_size)
          .attr("fill", "#666666")
          .text(note);
  }
  return out;
}

}  // namespace nninit_cli::svg
