// nninit tool: `nninit verify FILE ...`, two checks:
//  - with --model: recomputes every tensor of a seed checkpoint (init-model's arguments) and
//    compares the bytes, reporting the first differing element or "identical";
//  - with --scheme: a statistical test of one tensor, written by any framework, against the law
//    the scheme plans for its shape (moments and a Kolmogorov-Smirnov test, bounds from the
//    sample size), the "does my framework initialize what it claims" check.
// Exit codes: 0 identical / consistent with the law; 1 different / not consistent; 2 bad input.
#include <CLI/CLI.hpp>
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nninit/checkpoint.hpp>
#include <nninit/nninit.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "errors.hpp"
#include "inspect.hpp"
#include "model_json.hpp"
#include "safetensors.hpp"
#include "text_table.hpp"
#include "weight_args.hpp"

namespace nninit_cli {

namespace {

constexpr std::string_view command = "verify";

struct verify_options {
  std::string file, tensor, scheme, shape, layout = "out_in", threads = "all";
  model_args model;
  CLI::Option* scheme_option = nullptr;
  CLI::Option* tensor_option = nullptr;
  CLI::Option* shape_option = nullptr;
};

/// Thrown as the outcome "not identical" / "not consistent": exit code 1, the line on stdout.
struct verdict_failed {};

/// The multi-index "[i, j]" of C-order element `flat` of a tensor of `dims`.
std::string index_text(std::uint64_t flat, const std::vector<std::int64_t>& dims) {
  std::vector<std::int64_t> at(dims.size());
  for (std::size_t k = dims.size(); k-- > 0;) {
    const auto d = static_cast<std::uint64_t>(dims[k]);
    at[k] = static_cast<std::int64_t>(d ? flat % d : 0);
    flat = d ? flat / d : 0;
  }
  return dims_text(at);
}

/// One stored value of the dtype, widened to double.
double decode(nninit::storage_type t, const char* p) {
  double v = 0;
  decode_values(nninit::safetensors_dtype(t), p, 1, &v);
  return v;
}

/// --model: every tensor recomputed and compared byte for byte.
void verify_model(const verify_options& o) {
  const resolved_model m = resolve_model(command, o.model);
  const nninit::parallel par = o.threads == "all" ? nninit::parallel::all_threads()
                                                  : nninit::parallel{static_cast<int>(parse_count(command, "threads", o.threads, 1, 1024))};
  std::vector<std::unique_ptr<safetensors_file>> files;
  for (const std::string& f : checkpoint_files(command, "file", o.file)) files.push_back(std::make_unique<safetensors_file>(command, "file", f));
  const auto find = [&](const std::string& name) -> std::pair<const safetensors_file*, const safetensors_entry*> {
    for (const auto& f : files)
      if (const auto* e = f->find(name)) return {f.get(), e};
    return {nullptr, nullptr};
  };
  const auto differs = [](const std::string& what) {
    std::cout << "differs: " << what << '\n';
    throw verdict_failed{};
  };
  std::size_t listed = 0;
  for (const auto& f : files) listed += f->header().tensors.size();
  std::vector<nninit::tensor_slice> slices;
  for (const auto& t : m.model.tensors) {
    slices.push_back(nninit::slice_of(t, m.tp));
    const auto [file, e] = find(t.name);
    if (e == nullptr) differs("tensor '" + t.name + "' is missing from the file");
    const std::string want = std::string(nninit::safetensors_dtype(t.type)) + " " + dims_text(slices.back().dims);
    if (e->dtype + " " + dims_text(e->shape) != want)
      differs("tensor '" + t.name + "' is " + e->dtype + " " + dims_text(e->shape) + ", expected " + want);
  }
  if (listed != m.model.tensors.size())
    differs("the file holds " + std::to_string(listed) + " tensors, the model " + std::to_string(m.model.tensors.size()));

  std::uint64_t bytes = 0;
  std::vector<char> found;
  for (std::size_t i = 0; i < m.model.tensors.size(); ++i) {
    const auto& t = m.model.tensors[i];
    const auto where = find(t.name);  // not a structured binding: the lambda below captures it (clang 14)
    const auto* file = where.first;
    const auto* e = where.second;
    std::uint64_t at = 0;  // bytes of this tensor compared so far
    const std::uint64_t size = nninit::storage_bytes(t.type);
    generate_tensor_bytes(t, slices[i], m.seed, par, nninit::index{1} << 22, [&](const char* expected, std::size_t n) {
      found.resize(n);
      file->read(e->begin + at, found.data(), n);
      if (std::memcmp(expected, found.data(), n) != 0) {
        std::size_t k = 0;
        while (expected[k] == found[k]) ++k;
        const std::size_t first = k / size * size;
        const std::uint64_t element = (at + first) / size;
        std::ostringstream s;
        s << std::setprecision(9) << "tensor '" << t.name << "' element " << element << " " << index_text(element, e->shape)
          << ": expected " << decode(t.type, expected + first) << ", found " << decode(t.type, found.data() + first);
        differs(s.str());
      }
      at += n;
    });
    bytes += at;
  }
  std::cout << "identical: " << m.model.tensors.size() << " tensors, " << bytes << " bytes, seed " << m.seed;
  if (m.tp.size > 1) std::cout << ", tensor-parallel rank " << m.tp.rank << " of " << m.tp.size;
  std::cout << '\n';
}

/// The law a scheme plans: its CDF and moments.
struct law {
  nninit::plan p;
  static double phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }
  double cdf(double x) const {
    switch (p.dist) {
      case nninit::distribution::uniform: return std::clamp((x - p.lo) / (p.hi - p.lo), 0.0, 1.0);
      case nninit::distribution::normal: return phi((x - p.mean) / p.std);
      case nninit::distribution::truncated_normal: {
        if (x <= p.lo) return 0;
        if (x >= p.hi) return 1;
        const double a = phi((p.lo - p.mean) / p.std), b = phi((p.hi - p.mean) / p.std);
        return (phi((x - p.mean) / p.std) - a) / (b - a);
      }
      default: return x >= p.value ? 1 : 0;
    }
  }
  /// Mean, variance and kurtosis of the law (kurtosis bounds the sample variance's spread).
  std::array<double, 3> moments() const {
    switch (p.dist) {
      case nninit::distribution::uniform: {
        const double w = p.hi - p.lo;
        return {(p.lo + p.hi) / 2, w * w / 12, 1.8};
      }
      case nninit::distribution::normal: return {p.mean, p.std * p.std, 3};
      case nninit::distribution::truncated_normal: {
        // Moments of N(mu, s^2) on [lo, hi] (Johnson, Kotz and Balakrishnan, ch. 13).
        const auto pdf = [](double z) { return std::exp(-z * z / 2) / std::sqrt(2 * M_PI); };
        const double a = (p.lo - p.mean) / p.std, b = (p.hi - p.mean) / p.std, z = phi(b) - phi(a);
        const double m1 = (pdf(a) - pdf(b)) / z;
        const double var = 1 + (a * pdf(a) - b * pdf(b)) / z - m1 * m1;
        return {p.mean + p.std * m1, p.std * p.std * var, 3};  // kurtosis <= 3 for a truncation: a safe bound
      }
      default: return {p.value, 0, 3};
    }
  }
};

/// Half the gap between stored values around x, for the dtype: rounding moves a value by up to this.
double half_gap(const std::string& dtype, double x) {
  const double a = std::abs(x);
  if (dtype == "BF16") return a == 0 ? 0 : std::ldexp(1.0, std::ilogb(a) - 8);
  if (dtype == "F16") return a == 0 ? 0 : std::ldexp(1.0, std::max(std::ilogb(a), -14) - 11);
  return 0;
}

/// --scheme: one tensor against the scheme's law for its shape.
void verify_law(const verify_options& o) {
  if (o.tensor_option->count() == 0 && !ends_with(o.file, ".npy"))
    fail(command, "tensor", "given for a safetensors file (--tensor NAME)", "nothing");
  nninit::initializer scheme(o.scheme);
  tensor_info info;
  // The tests read the first 2^24 values in C order (a correct fill's are as random as any), so
  // that a 7B model's tensor is checked in seconds.
  constexpr std::size_t max_values = std::size_t{1} << 24;
  std::vector<double> values;
  std::uint64_t count = 0;
  bool seen = false;
  for_each_tensor(command, o.file, [&](const tensor_info& t, const tensor_reader& read) {
    if (seen || (o.tensor_option->count() > 0 && t.name != o.tensor)) return;
    seen = true;
    info = t;
    read([&](const double* v, std::size_t n) {
      count += n;
      values.insert(values.end(), v, v + std::min(n, max_values - std::min(max_values, values.size())));
    });
  });
  if (!seen) fail(command, "tensor", "a tensor of the file", in_quotes(o.tensor));
  nninit::shape s(info.shape);
  if (o.shape_option->count() > 0) {
    const auto dims = parse_int64_list(o.shape);
    if (!dims || dims->empty()) fail(command, "shape", "comma-separated integers (the weight the law is planned for)", in_quotes(o.shape));
    s = nninit::shape(*dims);
  }
  if (o.layout != "out_in" && o.layout != "in_out") fail(command, "layout", "out_in or in_out", in_quotes(o.layout));
  s.order = o.layout == "in_out" ? nninit::layout::in_out : nninit::layout::out_in;
  apply_sets(command, o.model.sets, scheme, s.text());  // --set: the scheme's options here, the rule's with --model
  const law l{scheme.describe(s)};
  const auto dist = l.p.dist;
  if (dist != nninit::distribution::uniform && dist != nninit::distribution::normal &&
      dist != nninit::distribution::truncated_normal && dist != nninit::distribution::constant)
    fail(command, "scheme", "one whose values are drawn from a uniform, normal or truncated normal law, or a constant",
         std::string(scheme.name()) + " (" + std::string(nninit::detail::name_of(dist)) + ": compare it with --model)");
  const auto n = static_cast<double>(values.size());
  if (values.size() < 2) fail(command, "tensor", "at least 2 values", std::to_string(values.size()));

  value_stats st;
  st.add(values.data(), values.size());
  const auto [mu, var, kurtosis] = l.moments();
  const auto num = [](double v) { return nninit::detail::significant(v, 4); };
  std::cout << "tensor " << info.name << ": " << info.dtype << " " << dims_text(info.shape) << ", " << count << " values";
  if (values.size() < count) std::cout << " (the first " << values.size() << " tested)";
  std::cout << '\n';
  std::cout << "law: " << scheme.name() << " on " << s.text();
  if (l.p.fan_in >= 0) std::cout << " (fan_in " << l.p.fan_in << ", fan_out " << l.p.fan_out << ")";
  std::cout << ": " << nninit::detail::name_of(dist);
  if (dist == nninit::distribution::constant) std::cout << " " << num(l.p.value);
  else std::cout << ", mean " << num(mu) << ", std " << num(std::sqrt(var));
  if (dist == nninit::distribution::uniform || dist == nninit::distribution::truncated_normal)
    std::cout << " on [" << num(l.p.lo) << ", " << num(l.p.hi) << "]";
  std::cout << '\n';

  std::vector<std::vector<std::string>> rows = {{"test", "measured", "expected", "allowed", "result"}};
  bool ok = st.non_finite == 0;
  if (st.non_finite) rows.push_back({"finite", std::to_string(st.non_finite) + " not finite", "all finite", "0", "FAIL"});
  // Bounds: 5 standard errors for the moments, and the KS critical value at p = 1e-6,
  // sqrt(ln(2 / 1e-6) / 2) / sqrt(n): false alarms are one in a million for a true law.
  constexpr double z = 5;
  if (dist == nninit::distribution::constant) {
    const bool same = st.min == l.p.value && st.max == l.p.value;
    ok = ok && same;
    rows.push_back({"every value", "[" + num(st.min) + ", " + num(st.max) + "]", num(l.p.value), "exact", same ? "ok" : "FAIL"});
  } else {
    const double mean_bound = z * std::sqrt(var / n);
    const bool mean_ok = std::abs(st.mean - mu) <= mean_bound;
    const double ratio = st.std() * st.std() / var, ratio_bound = z * std::sqrt((kurtosis - 1) / n);
    const bool var_ok = std::abs(ratio - 1) <= ratio_bound;
    // KS over the sorted values; a value stored rounded stands for the interval it rounds from.
    std::sort(values.begin(), values.end());
    double d = 0;
    for (std::size_t i = 0; i < values.size();) {
      std::size_t j = i;
      while (j < values.size() && values[j] == values[i]) ++j;
      const double h = half_gap(info.dtype, values[i]);
      d = std::max({d, std::abs(static_cast<double>(j) / n - l.cdf(values[i] + h)), std::abs(static_cast<double>(i) / n - l.cdf(values[i] - h))});
      i = j;
    }
    const double ks_bound = std::sqrt(std::log(2 / 1e-6) / 2) / std::sqrt(n);
    const bool ks_ok = d <= ks_bound;
    ok = ok && mean_ok && var_ok && ks_ok;
    rows.push_back({"mean", num(st.mean), num(mu), "+-" + num(mean_bound), mean_ok ? "ok" : "FAIL"});
    rows.push_back({"variance / law's", num(ratio), "1", "+-" + num(ratio_bound), var_ok ? "ok" : "FAIL"});
    rows.push_back({"KS distance", num(d), "0", "<= " + num(ks_bound), ks_ok ? "ok" : "FAIL"});
  }
  print_columns(std::cout, rows);
  std::cout << (ok ? "consistent with the law\n" : "not consistent with the law\n");
  if (!ok) throw verdict_failed{};
}

void run(const verify_options& o) {
  const bool by_model = o.model.model_option->count() > 0, by_law = o.scheme_option->count() > 0;
  if (by_model == by_law) fail(command, "check", "one of --model FILE.json (recompute) and --scheme NAME (statistical test)", by_model ? "both" : "neither");
  if (by_model) verify_model(o);
  else verify_law(o);
}

}  // namespace

void setup_verify(CLI::App& app) {
  auto o = std::make_shared<verify_options>();
  CLI::App* sub = app.add_subcommand("verify",
                                     "check a checkpoint against its model (--model: every byte recomputed) or a tensor against a "
                                     "scheme's law (--scheme: moments and a KS test); exit 0 identical/consistent, 1 not");
  sub->add_option("file", o->file, "a .safetensors file, a .safetensors.index.json or a 2-D .npy file")->required()->type_name("FILE");
  add_model_options(*sub, o->model);
  o->scheme_option = sub->add_option("--scheme", o->scheme, "the scheme whose law the tensor should follow")->type_name("NAME");
  o->tensor_option = sub->add_option("--tensor", o->tensor, "the tensor to test (a safetensors file)")->type_name("NAME");
  o->shape_option = sub->add_option("--shape", o->shape,
                                    "the weight the law is planned for (default: the tensor's own shape; a packed tensor's "
                                    "block, e.g. one of the three projections of a QKV in-projection)")
                        ->type_name("D0,D1,...");
  sub->add_option("--layout", o->layout, "out_in (PyTorch) or in_out (Keras, JAX, GPT-2's Conv1D)")->capture_default_str();
  sub->add_option("--threads", o->threads, "threads to recompute with, or all")->capture_default_str();
  sub->callback([o] {
    try {
      run(*o);
    } catch (const verdict_failed&) {
      std::cout.flush();
      std::exit(1);
    }
  });
}

}  // namespace nninit_cli
