// nninit tool: `nninit lsh`: random (FlyHash) against developed (DevFly) wiring on nearest-
// neighbour search, by the protocol of the DevFly code (shared/algorithms/devfly.md §5, §9).
//
// The wiring is developed from, and hashes, the same samples (transductive, as the code does);
// the true neighbours of each query are the nearest other samples by Euclidean distance on the
// centred data; predictions rank every other sample by code overlap (ties: lower index); mAP is
// the code's prefix-overlap AP, with the textbook AP@T beside it.
#include <CLI/CLI.hpp>
#include <Eigen/Core>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nninit/detail/wiring.hpp>
#include <nninit/devfly.hpp>
#include <nninit/flyhash.hpp>
#include <nninit/harness/dataset.hpp>
#include <nninit/harness/neighbours.hpp>
#include <nninit/lsh.hpp>

#include "commands.hpp"
#include "errors.hpp"
#include "json.hpp"
#include "npy.hpp"
#include "report.hpp"
#include "weight_args.hpp"

namespace nninit_cli {

namespace {

constexpr std::string_view command = "lsh";
using nninit::index;

struct lsh_options {
  std::string dataset = "fashion-mnist";
  index samples = 10000, queries = 1000, neighbours = 200, expansion = 20, seeds = 5;
  std::string k = "2,4,8,16,32";
  std::string methods = "flyhash,devfly1,devfly2,devfly3";
  double alpha = 0.1, novelty_threshold = 10;
  std::string json, report;
};

struct method_info {
  std::string name;
  bool random;  // run once per seed
  std::string what;
};
const std::vector<method_info> known_methods = {
    {"flyhash", true, "random wiring (FlyHash)"},
    {"devfly1", false, "DevFly method 1: successive samples, in data order"},
    {"devfly2", false, "DevFly method 2: novelty gate, in data order"},
    {"devfly3", true, "DevFly method 3: novelty gate, weighted random choice"},
};

struct data_set {
  Eigen::MatrixXd x;  // samples x inputs, raw
  std::string description;
  std::vector<std::string> notes;
};

data_set load(const lsh_options& o) {
  data_set d;
  if (o.dataset == "fashion-mnist" && nninit::harness::fashion_mnist_available()) {
    const auto dir = nninit::harness::default_fashion_mnist_dir();
    const auto images = nninit::harness::dataset_detail::read_idx(
        nninit::harness::dataset_detail::join_path(dir, nninit::harness::dataset_detail::fashion_mnist_files[0]), 3, "images");
    const index count = static_cast<index>(images.dims[0]), inputs = static_cast<index>(images.dims[1] * images.dims[2]);
    const index n = std::min(o.samples, count);
    d.x.resize(n, inputs);
    for (index s = 0; s < n; ++s)
      for (index i = 0; i < inputs; ++i) d.x(s, i) = images.bytes[static_cast<std::size_t>(s * inputs + i)];
    d.description = "Fashion-MNIST, the first " + std::to_string(n) + " training images, raw pixels 0-255";
    return d;
  }
  if (o.dataset == "fashion-mnist" || o.dataset == "synthetic") {
    const auto task = nninit::harness::synthetic_task(o.samples, 1, 0);
    d.x = task.train_x.transpose().cast<double>();
    d.description = "synthetic clustered images (" + std::to_string(o.samples) +
                    " samples of 784 standardized pixels, 10 classes of 8 clusters)";
    if (o.dataset == "fashion-mnist") {
      d.notes.push_back("Fashion-MNIST is not installed (apt install dataset-fashion-mnist): the synthetic clustered "
                        "dataset is used instead, and the novelty threshold is in its standardized units");
      std::cerr << "nninit lsh: " << d.notes.back() << '\n';
    }
    return d;
  }
  const npy_matrix m = read_npy_matrix(command, "dataset", o.dataset);
  const index n = std::min<index>(o.samples, m.rows);
  d.x = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(m.values.data(), m.rows,
                                                                                                  m.cols)
            .topRows(n);
  d.description = o.dataset + ", the first " + std::to_string(n) + " of " + std::to_string(m.rows) + " rows (" +
                  m.dtype + ", " + std::to_string(m.cols) + " inputs)";
  return d;
}

struct config {
  std::vector<index> ks;
  std::vector<method_info> methods;
  std::string command;
};

config resolve(const lsh_options& o, int argc, char** argv) {
  config c;
  c.command = command_line(argc, argv);
  const auto ks = parse_int64_list(o.k);
  if (!ks || ks->empty()) fail(command, "k", "a comma-separated list of integers >= 1", in_quotes(o.k));
  for (auto k : *ks) {
    if (k < 1 || k > 4096) fail(command, "k", "a list of integers in [1, 4096]", in_quotes(o.k));
    c.ks.push_back(k);
  }
  std::stringstream list(o.methods);
  for (std::string name; std::getline(list, name, ',');) {
    bool found = false;
    for (const auto& m : known_methods)
      if (m.name == name) c.methods.push_back(m), found = true;
    if (!found) fail(command, "methods", "a list of flyhash, devfly1, devfly2, devfly3", in_quotes(name));
  }
  if (c.methods.empty()) fail(command, "methods", "a list of flyhash, devfly1, devfly2, devfly3", in_quotes(o.methods));
  const auto range = [](std::string_view arg, index v, index lo, index hi) {
    if (v < lo || v > hi)
      fail(command, arg, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", std::to_string(v));
  };
  range("samples", o.samples, 2, index{1} << 24);
  range("queries", o.queries, 1, index{1} << 20);
  range("neighbours", o.neighbours, 1, o.samples - 1);
  range("expansion", o.expansion, 1, 4096);
  range("seeds", o.seeds, 1, 1000);
  if (!(o.alpha > 0 && o.alpha <= 1)) fail(command, "alpha", "in (0, 1]", nninit::detail::number(o.alpha));
  if (!(std::isfinite(o.novelty_threshold) && o.novelty_threshold > 0))
    fail(command, "novelty-threshold", "finite and > 0", nninit::detail::number(o.novelty_threshold));
  const bool npy = o.dataset.size() > 4 && o.dataset.compare(o.dataset.size() - 4, 4, ".npy") == 0;
  if (o.dataset != "fashion-mnist" && o.dataset != "synthetic" && !npy)
    fail(command, "dataset", "fashion-mnist, synthetic or a FILE.npy (samples as rows)", in_quotes(o.dataset));
  return c;
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? NAN : s / static_cast<double>(v.size());
}
double std_of(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

/// One (k, method) cell over its seeds.
struct cell {
  index k = 0, units = 0;
  const method_info* method = nullptr;
  std::vector<double> map, ap, develop_seconds, hash_seconds;
  index duplicates = 0, passes = 0;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

cell run_cell(const Eigen::MatrixXd& x, const std::vector<index>& queries,
              const std::vector<std::vector<index>>& truth, index k, const method_info& method, const lsh_options& o) {
  cell c;
  c.k = k;
  c.units = o.expansion * k;
  c.method = &method;
  const index d = x.cols();
  const index runs = method.random ? o.seeds : 1;
  Eigen::MatrixXf wiring(c.units, d);
  for (index seed = 0; seed < runs; ++seed) {
    const nninit::engine eng(static_cast<std::uint64_t>(seed), static_cast<std::uint64_t>(k));
    const auto t0 = std::chrono::steady_clock::now();
    if (method.name == "flyhash") {
      nninit::scheme::flyhash s;
      s.alpha = o.alpha;
      s(wiring, eng);
    } else {
      nninit::scheme::devfly s;
      s.alpha = o.alpha;
      s.method = method.name.back() - '0';
      s.novelty_threshold = o.novelty_threshold;
      const nninit::detail::checker check("devfly", std::to_string(c.units) + "x" + std::to_string(d));
      const auto dev = s.develop(x, c.units, &eng, check);
      c.duplicates += dev.duplicates;
      c.passes = std::max(c.passes, dev.passes);
      wiring.setZero();
      for (index j = 0; j < c.units; ++j)
        for (index i : dev.units[static_cast<std::size_t>(j)]) wiring(j, i) = 1;
    }
    c.develop_seconds.push_back(seconds_since(t0));
    const auto t1 = std::chrono::steady_clock::now();
    const nninit::wta_codes codes = nninit::fly_hash(wiring, x, k);
    c.hash_seconds.push_back(seconds_since(t1));
    double map = 0, ap = 0;
    for (std::size_t q = 0; q < queries.size(); ++q) {
      const auto predicted =
          nninit::nearest_by_overlap(codes, codes, queries[q], static_cast<index>(truth[q].size()), queries[q]);
      map += nninit::harness::prefix_overlap_ap(predicted, truth[q], x.rows());
      ap += nninit::harness::average_precision(predicted, truth[q], x.rows());
    }
    c.map.push_back(map / static_cast<double>(queries.size()));
    c.ap.push_back(ap / static_cast<double>(queries.size()));
  }
  return c;
}

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}
std::string mean_std(const std::vector<double>& v, int digits) {
  return v.size() > 1 ? fixed(mean_of(v), digits) + " ± " + fixed(std_of(v), digits) : fixed(mean_of(v), digits);
}

const cell* find(const std::vector<cell>& cells, index k, std::string_view method) {
  for (const auto& c : cells)
    if (c.k == k && c.method->name == method) return &c;
  return nullptr;
}

/// devfly1's mAP over flyhash's at k, or NaN when either did not run.
double devfly_gain(const std::vector<cell>& cells, index k) {
  const cell* dev = find(cells, k, "devfly1");
  const cell* fly = find(cells, k, "flyhash");
  return dev && fly ? mean_of(dev->map) / mean_of(fly->map) : NAN;
}

/// Rows: k; columns: one per method (mean ± std over seeds), then devfly1 / flyhash when both ran.
report::table precision_table(const config& c, const std::vector<cell>& cells, bool textbook) {
  report::table t;
  t.header = {"k", "units"};
  for (const auto& m : c.methods) t.header.push_back(m.name);
  const bool ratio = !std::isnan(devfly_gain(cells, c.ks.front()));
  if (ratio && !textbook) t.header.push_back("devfly1 / flyhash");
  for (index k : c.ks) {
    std::vector<std::string> row{std::to_string(k), std::to_string(find(cells, k, c.methods.front().name)->units)};
    for (const auto& m : c.methods) row.push_back(mean_std(textbook ? find(cells, k, m.name)->ap : find(cells, k, m.name)->map, 4));
    if (ratio && !textbook) row.push_back(fixed(devfly_gain(cells, k), 2) + "x");
    t.rows.push_back(row);
  }
  return t;
}

/// Rows: k; columns: each method's development time, then the hashing time (ms, mean over runs).
report::table time_table(const config& c, const std::vector<cell>& cells) {
  report::table t;
  t.header = {"k", "units"};
  for (const auto& m : c.methods) t.header.push_back(m.name + " develop ms");
  t.header.push_back("hash ms");
  for (index k : c.ks) {
    std::vector<std::string> row{std::to_string(k), std::to_string(find(cells, k, c.methods.front().name)->units)};
    std::vector<double> hash;
    for (const auto& m : c.methods) {
      const cell* x = find(cells, k, m.name);
      row.push_back(fixed(1e3 * mean_of(x->develop_seconds), 1));
      hash.insert(hash.end(), x->hash_seconds.begin(), x->hash_seconds.end());
    }
    row.push_back(fixed(1e3 * mean_of(hash), 1));
    t.rows.push_back(row);
  }
  return t;
}

/// Display width of UTF-8 text: its code points.
std::size_t width_of(const std::string& s) {
  std::size_t w = 0;
  for (unsigned char ch : s) w += (ch & 0xC0) != 0x80;
  return w;
}

std::string aligned(const report::table& t) {
  std::vector<std::size_t> width(t.header.size());
  for (std::size_t i = 0; i < width.size(); ++i) width[i] = width_of(t.header[i]);
  for (const auto& row : t.rows)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], width_of(row[i]));
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "  " : "") + std::string(width[i] - width_of(cells[i]), ' ') + cells[i];
    return out + "\n";
  };
  std::string out = line(t.header);
  for (const auto& row : t.rows) out += line(row);
  return out;
}

std::string json_array(const std::vector<double>& v) {
  std::vector<std::string> items;
  for (double x : v) items.push_back(json::number(x));
  return json::array(items);
}

std::string to_json(const config& c, const lsh_options& o, const data_set& d, index connections,
                    const std::vector<cell>& cells) {
  std::vector<std::string> ks, methods, notes;
  for (index k : c.ks) ks.push_back(json::integer(k));
  for (const auto& m : c.methods) methods.push_back(json::string(m.name));
  for (const auto& n : d.notes) notes.push_back(json::string(n));
  std::string out = "{\n  \"config\": {\"dataset\": " + json::string(d.description) + ", \"samples\": " +
                    json::integer(d.x.rows()) + ", \"inputs\": " + json::integer(d.x.cols()) + ", \"queries\": " +
                    json::integer(o.queries) + ", \"neighbours\": " + json::integer(o.neighbours) + ", \"k\": " +
                    json::array(ks) + ", \"expansion\": " + json::integer(o.expansion) + ", \"alpha\": " +
                    json::number(o.alpha) + ", \"connections\": " + json::integer(connections) +
                    ", \"novelty_threshold\": " + json::number(o.novelty_threshold) + ", \"methods\": " +
                    json::array(methods) + ", \"seeds\": " + json::integer(o.seeds) + ", \"notes\": " +
                    json::array(notes) + ", \"command\": " + json::string(c.command) + "},\n  \"results\": [";
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const cell& x = cells[i];
    out += std::string(i ? "," : "") + "\n    {\"k\": " + json::integer(x.k) + ", \"units\": " + json::integer(x.units) +
           ", \"method\": " + json::string(x.method->name) + ", \"runs\": " +
           json::integer(static_cast<index>(x.map.size())) + ", \"map_mean\": " + json::number(mean_of(x.map)) +
           ", \"map_std\": " + json::number(std_of(x.map)) + ", \"map\": " + json_array(x.map) +
           ", \"ap_mean\": " + json::number(mean_of(x.ap)) + ", \"ap_std\": " + json::number(std_of(x.ap)) +
           ", \"develop_seconds\": " + json_array(x.develop_seconds) + ", \"hash_seconds\": " +
           json_array(x.hash_seconds) + ", \"duplicates_skipped\": " + json::integer(x.duplicates) +
           ", \"passes\": " + json::integer(x.passes) + "}";
  }
  return out + "\n  ]\n}\n";
}

std::string to_html(const config& c, const lsh_options& o, const data_set& d, const std::string& setup,
                    const std::vector<cell>& cells) {
  report::document doc;
  doc.title = "nninit lsh: developed (DevFly) against random (FlyHash) wiring";
  doc.command = c.command;
  doc.notes = d.notes;
  doc.summary = precision_table(c, cells, false);
  svg::figure precision{"mAP against k", "k (active units)", "mAP (prefix overlap)", true, false, {}, 640, 400};
  svg::figure textbook{"AP@" + std::to_string(o.neighbours) + " against k", "k (active units)", "AP", true, false, {}, 640, 400};
  svg::figure time{"development time against k", "k (active units)", "seconds", true, true, {}, 640, 400};
  for (const auto& m : c.methods) {
    svg::series p{m.name, {}, {}}, a{m.name, {}, {}}, t{m.name, {}, {}};
    for (index k : c.ks) {
      const cell* x = find(cells, k, m.name);
      p.x.push_back(static_cast<double>(k)), p.y.push_back(mean_of(x->map));
      a.x.push_back(static_cast<double>(k)), a.y.push_back(mean_of(x->ap));
      t.x.push_back(static_cast<double>(k)), t.y.push_back(mean_of(x->develop_seconds));
    }
    precision.lines.push_back(p), textbook.lines.push_back(a), time.lines.push_back(t);
  }
  std::string methods_text;
  for (const auto& m : c.methods) methods_text += m.name + ": " + m.what + (m.random ? " (mean ± std over seeds)" : "") + ".\n";
  doc.sections.push_back({"Precision", setup + "\n\n" + methods_text, {precision, textbook}, precision_table(c, cells, true)});
  doc.sections.push_back({"Speed", "Development: building the wiring (FlyHash: drawing it). Hashing: all samples "
                                   "through the wiring and the winner-take-all, using the wiring's sparsity.",
                          {time}, time_table(c, cells)});
  return report::html(doc);
}

void run(const lsh_options& o, int argc, char** argv) {
  const config c = resolve(o, argc, argv);
  // Checked before the runs. With an output on stdout the tables go to stderr, so that stdout
  // carries that file's bytes alone.
  std::ostream& said = check_outputs(command, {{"json", o.json}, {"report", o.report}}) ? std::cerr : std::cout;
  const data_set d = load(o);
  const index n = d.x.rows(), inputs = d.x.cols();
  if (n < 2 || inputs < 1)
    fail(command, "dataset", "at least 2 samples and 1 input", std::to_string(n) + "x" + std::to_string(inputs));
  if (o.neighbours > n - 1)
    fail(command, "neighbours", "at most the samples - 1 (" + std::to_string(n - 1) + ")", std::to_string(o.neighbours));
  if (!d.x.allFinite()) fail(command, "dataset", "finite", "a non-finite value in " + in_quotes(o.dataset));
  const auto connections = static_cast<index>(std::floor(o.alpha * static_cast<double>(inputs)));
  if (connections < 1)
    fail(command, "alpha", "large enough that floor(alpha x " + std::to_string(inputs) + " inputs) >= 1",
         nninit::detail::number(o.alpha));

  // Queries with replacement (np.random.choice's default), from a stream of their own.
  nninit::detail::word_source draws(nninit::engine(0, 0x6e6e696e69742d71ull));  // "nninit-q"
  std::vector<index> queries(static_cast<std::size_t>(o.queries));
  for (auto& q : queries) q = static_cast<index>(draws.below(static_cast<std::uint64_t>(n)));
  const auto truth = nninit::harness::true_neighbours(nninit::harness::centre_rows(d.x), queries, o.neighbours);

  const std::string setup = d.description + "; " + std::to_string(o.queries) + " queries (drawn with replacement), " +
                            std::to_string(o.neighbours) + " true neighbours each (Euclidean, on the centred data); " +
                            "m = " + std::to_string(o.expansion) + " k units, " + std::to_string(connections) +
                            " connections each (alpha " + nninit::detail::number(o.alpha) + " of " +
                            std::to_string(inputs) + " inputs); novelty threshold " +
                            nninit::detail::number(o.novelty_threshold) + ", growth 1.2; random methods over " +
                            std::to_string(o.seeds) + " seeds";
  std::vector<cell> cells;
  for (index k : c.ks)
    for (const auto& m : c.methods) cells.push_back(run_cell(d.x, queries, truth, k, m, o));

  said << "nninit lsh: " << setup << "\n\nmAP (the DevFly code's prefix-overlap AP, mean ± std over seeds):\n"
       << aligned(precision_table(c, cells, false)) << "\nAP@" << o.neighbours << " (textbook):\n"
       << aligned(precision_table(c, cells, true)) << "\ntime:\n"
       << aligned(time_table(c, cells));
  if (!o.json.empty()) {
    const std::string text = to_json(c, o, d, connections, cells);
    write_file_atomically(command, o.json, {{text.data(), text.size()}}, "json");
  }
  if (!o.report.empty()) {
    const std::string text = to_html(c, o, d, setup, cells);
    write_file_atomically(command, o.report, {{text.data(), text.size()}}, "report");
  }
}

}  // namespace

void setup_lsh(CLI::App& app, int argc, char** argv) {
  auto o = std::make_shared<lsh_options>();
  CLI::App* sub = app.add_subcommand(
      "lsh", "nearest-neighbour search with fly hashes: random (FlyHash) against developed (DevFly) wiring");
  sub->add_option("--dataset", o->dataset,
                  "fashion-mnist (Debian's dataset-fashion-mnist, raw pixels; a synthetic clustered dataset, said "
                  "so, when absent), synthetic, or FILE.npy (2-D float32/float64, samples as rows)")
      ->capture_default_str();
  sub->add_option("--samples", o->samples, "samples to develop from, hash and search (the first N)")->capture_default_str();
  sub->add_option("--queries", o->queries, "query samples, drawn with replacement")->capture_default_str();
  sub->add_option("--neighbours", o->neighbours, "true neighbours per query, and predictions ranked")->capture_default_str();
  sub->add_option("--k", o->k, "active units (winner-take-all), comma-separated")->capture_default_str();
  sub->add_option("--expansion", o->expansion, "coding units per active unit: m = expansion x k")->capture_default_str();
  sub->add_option("--alpha", o->alpha, "fraction of the inputs each unit reads: floor(alpha x inputs)")->capture_default_str();
  sub->add_option("--methods", o->methods, "flyhash, devfly1, devfly2, devfly3, comma-separated")->capture_default_str();
  sub->add_option("--seeds", o->seeds, "seeds of the random methods (flyhash, devfly3)")->capture_default_str();
  sub->add_option("--novelty-threshold", o->novelty_threshold, "devfly2 and devfly3: the gate's first theta, in data units")
      ->capture_default_str();
  sub->add_option("--json", o->json,
                  "write the results as JSON (- : to stdout, and the tables to stderr; at most one output may be -)")
      ->type_name("FILE");
  sub->add_option("--report", o->report,
                  "write an HTML report (mAP against k, development time); - as for --json")
      ->type_name("FILE.html");
  sub->callback([o, argc, argv] { run(*o, argc, argv); });
}

}  // namespace nninit_cli
