// parity_driver: prints, as JSON lines, what nninit computes for a list of requests, so that
// torch_parity.py can compare them with PyTorch. It is a test helper, not a user tool.
//
// Requests are read one per line from standard input (argument `-`), or taken from the command
// line (one whole request per argument), or, with no argument or `--builtin`, from a small
// built-in grid. Blank lines and lines starting with '#' are skipped.
// Tokens are separated by spaces; dimensions are written "8x4x3x3".
//
//   gain <nonlinearity> [param]           nninit::calculate_gain(name[, param])
//   plan <scheme> <dims> [opts]           initializer(scheme).set(opts).describe(shape)
//   fill <scheme> <dims> [opts]           the plan and every value of the fill, in C order
//   moments <scheme> <dims> [opts]        the plan and n, mean, var, m4, min, max, zeros of a fill
//   bias <weight dims> <length> [@seed=S] [@stream=T]
//                                         moments of nninit::torch_default_bias for that weight
//   torch_seed <S>                        a new nninit::torch_generator(S), as torch.manual_seed(S)
//   torch <f32|f64> <scheme> <dims> [opts] [@storage=col]
//                                         a fill from that generator (which it advances): the
//                                         bytes of the values in C order, as hex ("hex")
//   torch_module <weight dims>            nninit::torch_default(weight, bias, generator): the
//                                         float32 weight's and bias's bytes ("hex", "bias_hex")
//
// opts are `name=value` scheme options (initializer::set), plus `@seed=`, `@stream=` (the
// engine; default seed 20240917, stream 0), and `@groups=`, `@layout=out_in|in_out`,
// `@transposed=true|false` (the shape). The fill target is a row-major double matrix of the
// shape's 2-D view (rows = shape.rows(), cols = shape.cols()), so its storage order is the
// logical C order of the shape.
//
// Every answer is one line: {"req": <the request>, ...fields...} or {"req": ..., "error": "..."}.
// Doubles are printed with nninit::detail::number (shortest round-trip text, so Python reads
// back the exact double); NaN prints as null and +-infinity as +-1e999 (which Python's json
// module reads as +-inf). Fans of -1 ("does not apply") print as null.
#include <nninit/nninit.hpp>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using row_major = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// A request that cannot be carried out (bad syntax); nninit's own errors are init_error.
struct request_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string json_number(double v) {
  if (std::isnan(v)) return "null";
  if (std::isinf(v)) return v > 0 ? "1e999" : "-1e999";
  return nninit::detail::number(v);
}

std::string json_count(nninit::index v) { return v < 0 ? "null" : std::to_string(v); }

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

/// Accumulates `"key": value` pairs of one JSON object.
class json_object {
 public:
  json_object& raw(std::string_view key, const std::string& value) {
    text_ += (text_.empty() ? "{" : ", ") + json_string(key) + ": " + value;
    return *this;
  }
  json_object& num(std::string_view key, double v) { return raw(key, json_number(v)); }
  json_object& count(std::string_view key, nninit::index v) { return raw(key, json_count(v)); }
  json_object& str(std::string_view key, std::string_view v) { return raw(key, json_string(v)); }
  std::string done() const { return (text_.empty() ? "{" : text_) + "}"; }

 private:
  std::string text_;
};

std::vector<std::string> split_words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::vector<nninit::index> parse_dims(const std::string& text) {
  std::vector<nninit::index> dims;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find('x', start);
    const std::string part = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos)
      throw request_error("bad dimensions '" + text + "' (expected e.g. 8x4x3x3)");
    dims.push_back(static_cast<nninit::index>(std::stoll(part)));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return dims;
}

bool parse_bool(const std::string& key, const std::string& v) {
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  throw request_error(key + " must be true or false, got '" + v + "'");
}

/// A parsed plan/fill/moments request.
struct case_request {
  std::string scheme;
  nninit::shape shape;
  std::vector<std::pair<std::string, std::string>> options;
  std::uint64_t seed = 20240917;
  std::uint64_t stream = 0;
  bool col_major = false;  // the target's storage order (torch requests)
};

case_request parse_case(const std::vector<std::string>& words) {
  if (words.size() < 3) throw request_error("expected: " + words[0] + " <scheme> <dims> [options]");
  case_request r;
  r.scheme = words[1];
  r.shape = nninit::shape(parse_dims(words[2]));
  for (std::size_t i = 3; i < words.size(); ++i) {
    const std::string& w = words[i];
    const std::size_t eq = w.find('=');
    if (eq == std::string::npos || eq == 0) throw request_error("expected name=value, got '" + w + "'");
    const std::string key = w.substr(0, eq), value = w.substr(eq + 1);
    if (key == "@seed") r.seed = std::stoull(value);
    else if (key == "@stream") r.stream = std::stoull(value);
    else if (key == "@groups") r.shape.groups = static_cast<nninit::index>(std::stoll(value));
    else if (key == "@transposed") r.shape.transposed = parse_bool(key, value);
    else if (key == "@layout") {
      if (value == "out_in") r.shape.order = nninit::layout::out_in;
      else if (value == "in_out") r.shape.order = nninit::layout::in_out;
      else throw request_error("@layout must be out_in or in_out, got '" + value + "'");
    } else if (key == "@storage") {
      if (value != "row" && value != "col") throw request_error("@storage must be row or col, got '" + value + "'");
      r.col_major = value == "col";
    } else if (key[0] == '@') {
      throw request_error("unknown setting '" + key + "'");
    } else {
      r.options.emplace_back(key, value);
    }
  }
  return r;
}

nninit::initializer make_initializer(const case_request& r) {
  nninit::initializer init(r.scheme);
  for (const auto& [k, v] : r.options) init.set(k, v);
  return init;
}

std::string dims_json(const std::vector<nninit::index>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

void add_plan(json_object& o, const nninit::plan& p) {
  o.str("scheme", p.scheme)
      .raw("shape", dims_json(p.shape.dims))
      .str("dist", nninit::detail::name_of(p.dist))
      .count("fan_in", p.fan_in)
      .count("fan_out", p.fan_out)
      .num("gain", p.gain)
      .num("std", p.std)
      .num("bound", p.bound)
      .num("lo", p.lo)
      .num("hi", p.hi)
      .num("mean", p.mean)
      .num("value", p.value)
      .num("output_std", p.output_std)
      .count("groups", p.groups)
      .count("zeros_per_column", p.zeros_per_column)
      .count("rows", p.shape.rows())
      .count("cols", p.shape.cols());
}

/// Sample moments, two-pass (the mean first), in long double so the sums lose nothing visible.
void add_moments(json_object& o, const double* data, std::size_t n) {
  long double sum = 0;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  std::size_t zeros = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sum += data[i];
    lo = std::min(lo, data[i]);
    hi = std::max(hi, data[i]);
    zeros += data[i] == 0.0;
  }
  const long double mean = n ? sum / static_cast<long double>(n) : 0.0L;
  long double s2 = 0, s4 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const long double d = data[i] - mean, d2 = d * d;
    s2 += d2;
    s4 += d2 * d2;
  }
  o.count("n", static_cast<nninit::index>(n))
      .num("sample_mean", static_cast<double>(mean))
      // Unbiased (n - 1) variance; m4 is the plain fourth central moment of the sample.
      .num("sample_var", n > 1 ? static_cast<double>(s2 / static_cast<long double>(n - 1)) : 0.0)
      .num("sample_m4", n ? static_cast<double>(s4 / static_cast<long double>(n)) : 0.0)
      .num("sample_min", lo)
      .num("sample_max", hi)
      .count("sample_zeros", static_cast<nninit::index>(zeros));
}

/// The generator of the torch requests, advanced by each of them in order.
std::optional<nninit::torch_generator> torch;

template <class T>
std::string hex_bytes(const T* data, Eigen::Index n) {
  static constexpr char digits[] = "0123456789abcdef";
  const auto* bytes = reinterpret_cast<const unsigned char*>(data);
  std::string out;
  for (std::size_t i = 0; i < static_cast<std::size_t>(n) * sizeof(T); ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

/// A torch-generator fill of a row- or column-major target; the values' bytes in C order.
template <class T>
std::string torch_fill(const nninit::initializer& init, const case_request& r) {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> values(r.shape.rows(), r.shape.cols());
  if (r.col_major) {
    Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> w(r.shape.rows(), r.shape.cols());
    init.fill(w, *torch, r.shape);
    values = w;
  } else {
    init.fill(values, *torch, r.shape);
  }
  return hex_bytes(values.data(), values.size());
}

std::string run_case(const std::string& line, const std::vector<std::string>& words) {
  json_object o;
  o.str("req", line).str("kind", words[0]);
  if (words[0] == "gain") {
    if (words.size() < 2 || words.size() > 3) throw request_error("expected: gain <nonlinearity> [param]");
    double g;
    if (words.size() == 3) {
      char* stop = nullptr;
      const double param = std::strtod(words[2].c_str(), &stop);
      if (stop == words[2].c_str() || *stop != '\0') throw request_error("bad param '" + words[2] + "'");
      g = nninit::calculate_gain(words[1], param);
      o.num("param", param);
    } else {
      g = nninit::calculate_gain(words[1]);
    }
    return o.str("name", words[1]).num("gain", g).done();
  }
  if (words[0] == "bias") {
    if (words.size() < 3) throw request_error("expected: bias <weight dims> <length> [@seed=S] [@stream=T]");
    const nninit::shape weight(parse_dims(words[1]));
    const nninit::index length = std::stoll(words[2]);
    std::uint64_t seed = 20240917, stream = 0;
    for (std::size_t i = 3; i < words.size(); ++i) {
      if (words[i].rfind("@seed=", 0) == 0) seed = std::stoull(words[i].substr(6));
      else if (words[i].rfind("@stream=", 0) == 0) stream = std::stoull(words[i].substr(8));
      else throw request_error("unknown bias setting '" + words[i] + "'");
    }
    Eigen::VectorXd b(length);
    nninit::torch_default_bias(b, nninit::engine(seed, stream), weight);
    add_moments(o, b.data(), static_cast<std::size_t>(b.size()));
    return o.raw("shape", dims_json(weight.dims)).done();
  }
  if (words[0] == "torch_seed") {
    if (words.size() != 2) throw request_error("expected: torch_seed <S>");
    torch.emplace(std::stoull(words[1]));
    return o.done();
  }
  if (words[0] == "torch" || words[0] == "torch_module") {
    if (!torch) throw request_error("torch_seed first");
    if (words[0] == "torch_module") {
      if (words.size() != 2) throw request_error("expected: torch_module <weight dims>");
      const nninit::shape s(parse_dims(words[1]));
      Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> weight(s.rows(), s.cols());
      Eigen::VectorXf bias(s.dims[0]);
      nninit::torch_default(weight, bias, *torch, s);
      return o.str("hex", hex_bytes(weight.data(), weight.size())).str("bias_hex", hex_bytes(bias.data(), bias.size())).done();
    }
    if (words.size() < 4 || (words[1] != "f32" && words[1] != "f64"))
      throw request_error("expected: torch <f32|f64> <scheme> <dims> [options]");
    const case_request r = parse_case(std::vector<std::string>(words.begin() + 1, words.end()));
    const nninit::initializer init = make_initializer(r);
    return words[1] == "f32" ? o.str("hex", torch_fill<float>(init, r)).done()
                             : o.str("hex", torch_fill<double>(init, r)).done();
  }
  if (words[0] != "plan" && words[0] != "fill" && words[0] != "moments")
    throw request_error("unknown request '" + words[0] + "' (gain, plan, fill, moments, bias, torch_seed, torch, torch_module)");

  const case_request r = parse_case(words);
  const nninit::initializer init = make_initializer(r);
  add_plan(o, init.describe(r.shape));
  if (words[0] == "plan") return o.done();

  row_major w(r.shape.rows(), r.shape.cols());
  w.setConstant(std::numeric_limits<double>::quiet_NaN());  // so an unwritten element shows
  init.fill(w, nninit::engine(r.seed, r.stream), r.shape);
  if (words[0] == "moments") {
    add_moments(o, w.data(), static_cast<std::size_t>(w.size()));
    return o.done();
  }
  std::string values = "[";
  for (Eigen::Index i = 0; i < w.size(); ++i) values += (i ? "," : "") + json_number(w.data()[i]);
  return o.raw("values", values + "]").done();
}

std::string answer(const std::string& line) {
  const std::vector<std::string> words = split_words(line);
  try {
    return run_case(line, words);
  } catch (const std::exception& e) {  // init_error from nninit, request_error or std::sto* from here
    return json_object().str("req", line).str("kind", words[0]).str("error", e.what()).done();
  }
}

const char* const builtin_requests[] = {
    "gain leaky_relu",
    "gain leaky_relu 0.2",
    "gain tanh",
    "plan kaiming_uniform 8x4x3x3",
    "plan kaiming_normal 16x1x3x3 mode=fan_out nonlinearity=relu",
    "plan xavier_uniform 3x5 gain=2.5",
    "plan torch_default 64x3x7x7",
    "fill eye 3x5",
    "fill dirac 6x4x3x3 groups=2",
    "moments uniform 256x1024 a=-1 b=1",
    "moments trunc_normal 256x1024 std=0.02",
};

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string> lines;
  bool from_stdin = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-") from_stdin = true;
    else if (arg == "--builtin") lines.insert(lines.end(), std::begin(builtin_requests), std::end(builtin_requests));
    else if (arg == "-h" || arg == "--help") {
      std::cout << "usage: parity_driver [--builtin | - | 'request' ...]  (see the comment atop parity_driver.cpp)\n";
      return 0;
    } else lines.push_back(arg);
  }
  if (argc == 1) lines.assign(std::begin(builtin_requests), std::end(builtin_requests));
  if (from_stdin)
    for (std::string line; std::getline(std::cin, line);) lines.push_back(line);

  for (const std::string& line : lines) {
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    std::string trimmed = line.substr(first);
    while (!trimmed.empty() && (trimmed.back() == '\r' || trimmed.back() == ' ' || trimmed.back() == '\t'))
      trimmed.pop_back();
    std::cout << answer(trimmed) << '\n';
  }
  std::cout.flush();
  return std::cout ? 0 : 1;
}
