// nninit tool: `nninit coord-check`: the μP coordinate check (microsoft/mup's coord_check.py,
// ../shared transformer.md §7) on the harness's character language model, in width or depth, and
// the learning-rate transfer μP exists for.
//
//   --vary width  widths 64 ... 1024 at a fixed depth: every layer's output mean |x| at steps
//                 t = 1 (initialization) ... T of AdamW (or SGD) on one fixed batch, seeds averaged;
//                 the slope of log2 mean|x| against log2 width per (layer, t), flagged when
//                 |slope| > threshold at t >= 2. Standard parametrization with Adam: the hidden
//                 layers grow with width after one step; μP: flat.
//   --vary depth  the same over depths 2 ... 32 at a fixed width, layers of a kind averaged over
//                 the blocks (CompleteP's depth check): alpha = 1 flatter than alpha = 0.
//   --vary lr     the final training loss of short runs on a grid of learning rates x widths; the
//                 best learning rate per width moves under SP and stays put under μP.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nninit/harness/coord_check.hpp>
#include <nninit/harness/corpus.hpp>
#include <nninit/harness/init.hpp>
#include <nninit/harness/train.hpp>
#include <nninit/harness/transformer.hpp>
#include <nninit/registry.hpp>

#include "commands.hpp"
#include "errors.hpp"
#include "json.hpp"
#include "report.hpp"
#include "task_pool.hpp"
#include "text_table.hpp"
#include "weight_args.hpp"

namespace nninit_cli {

namespace {

namespace h = nninit::harness;
using nninit::index;
constexpr std::string_view command = "coord-check";

struct options {
  std::string vary = "width";
  std::vector<std::string> schemes;  // default by --vary
  std::vector<std::string> sets;
  std::string widths, depths = "2,4,8,16,32", lrs = "1e-4,3e-4,1e-3,3e-3,1e-2";
  index depth = 2, width = 128, heads = 4, steps = 3, lr_steps = 200, seeds = 3, batch = 16, context = 32;
  std::uint64_t seed = 0;
  double lr = 0.01, threshold = 0.2;
  std::string optimizer = "adamw", corpus = h::default_corpus_path();
  std::string json_path, report_path;
  unsigned threads = 2;
};

std::vector<index> parse_sizes(const char* what, const std::string& text, index lo, index hi) {
  const auto v = parse_int64_list(text);
  if (!v || v->size() < 2) fail(command, what, "two or more integers separated by commas", in_quotes(text));
  std::vector<index> out(v->begin(), v->end());
  for (index x : out)
    if (x < lo || x > hi) fail(command, what, "values in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", std::to_string(x));
  if (!std::is_sorted(out.begin(), out.end()) || std::adjacent_find(out.begin(), out.end()) != out.end())
    fail(command, what, "increasing values", in_quotes(text));
  return out;
}

std::vector<double> parse_rates(const std::string& text) {
  std::vector<double> out;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t comma = std::min(text.find(',', at), text.size());
    const std::string field = text.substr(at, comma - at);
    char* end = nullptr;
    const double v = std::strtod(field.c_str(), &end);
    if (field.empty() || end != field.c_str() + field.size() || !(v > 0) || !std::isfinite(v))
      fail(command, "lrs", "positive numbers separated by commas", in_quotes(text));
    out.push_back(v);
    at = comma + 1;
  }
  if (out.size() < 2) fail(command, "lrs", "two or more learning rates", in_quotes(text));
  return out;
}

/// The configuration, every argument checked before any run starts.
struct config {
  options o;
  std::vector<scheme_entry> schemes;
  std::vector<index> sizes;  // widths or depths
  std::vector<double> rates;
  h::optimizer_kind algorithm = h::optimizer_kind::adamw;
  std::shared_ptr<const h::text_corpus> text;
};

/// The scheme of `spec` with its options, and, unless given, the base width and depth the μP
/// rules scale from: the smallest model of the sweep (so the smallest is the base model).
nninit::initializer make_rule(const config& c, const scheme_entry& spec) {
  nninit::initializer init(spec.scheme);
  std::set<std::string> given;
  for (const auto& [k, v] : spec.options) init.set(k, v), given.insert(k);
  const bool width = c.o.vary != "depth";
  if (init.has_option("base_width") && !given.count("base_width"))
    init.set("base_width", std::to_string(width ? c.sizes.front() : c.o.width));
  if (init.has_option("base_depth") && !given.count("base_depth"))
    init.set("base_depth", std::to_string(width ? c.o.depth : c.sizes.front()));
  return init;
}

/// The character LM of the sweep's model `size` (a width, or a depth with --vary depth) under `rule`'s forward scalars.
std::unique_ptr<h::char_lm<float>> make_model(const config& c, const nninit::initializer& rule, index size) {
  h::lm_config l;
  l.stack.blocks = c.o.vary == "depth" ? size : c.o.depth;
  l.stack.width = c.o.vary == "depth" ? c.o.width : size;
  l.stack.heads = c.o.heads, l.stack.ffn_width = 2 * l.stack.width;
  h::apply_scalars(l.stack, rule);
  l.context = c.o.context, l.vocabulary = c.text->vocabulary();
  return std::make_unique<h::char_lm<float>>(l);
}

config resolve(const options& o) {
  config c;
  c.o = o;
  if (o.vary != "width" && o.vary != "depth" && o.vary != "lr") fail(command, "vary", "width, depth or lr", in_quotes(o.vary));
  if (o.vary == "depth") c.sizes = parse_sizes("depths", o.depths, 1, 256);
  else c.sizes = parse_sizes("widths", !o.widths.empty() ? o.widths : o.vary == "lr" ? "32,64,128,256" : "64,128,256,512,1024", 1, 4096);
  if (o.vary == "lr") c.rates = parse_rates(o.lrs);
  check_range(command, "depth", o.depth, 1, 256);
  check_range(command, "width", o.width, 1, 4096);
  check_range(command, "heads", o.heads, 1, 4096);
  check_range(command, "steps", o.steps, 1, 1000);
  check_range(command, "lr-steps", o.lr_steps, 1, 100000);
  check_range(command, "seeds", o.seeds, 1, 100);
  check_range(command, "batch", o.batch, 1, 4096);
  check_range(command, "context", o.context, 1, 4096);
  const std::vector<index> widths = o.vary == "depth" ? std::vector<index>{o.width} : c.sizes;
  for (index w : widths)
    if (w % o.heads != 0) fail(command, "heads", "a divisor of every width (" + std::to_string(w) + ")", std::to_string(o.heads));
  if (!(o.lr > 0) || !std::isfinite(o.lr)) fail(command, "lr", "finite and > 0", std::to_string(o.lr));
  if (!(o.threshold > 0) || !std::isfinite(o.threshold)) fail(command, "threshold", "finite and > 0", std::to_string(o.threshold));
  if (o.optimizer != "adamw" && o.optimizer != "sgd") fail(command, "optimizer", "adamw or sgd", in_quotes(o.optimizer));
  c.algorithm = o.optimizer == "sgd" ? h::optimizer_kind::sgd : h::optimizer_kind::adamw;
  if (o.threads < 1) fail(command, "threads", ">= 1", std::to_string(o.threads));

  // μP with zero readout, the mup README's remedy for the readout's initial term, which shrinks
  // like width^-1/2 and keeps the logits' slope near -0.2 at t = 2 (see the README).
  // μP with zero readout, the mup README's remedy for the readout's initial term, which shrinks
  // like width^-1/2 and keeps the logits' slope near -0.2 at t = 2 (see the README).
  const std::vector<std::string> names = !o.schemes.empty() ? o.schemes
                                         : o.vary == "depth" ? std::vector<std::string>{"completep:alpha=0", "completep"}
                                                             : std::vector<std::string>{"torch_default", "mup:zero_readout=true"};
  c.schemes = parse_scheme_entries(command, names, o.sets);
  c.text = std::make_shared<const h::text_corpus>(h::load_corpus(o.corpus));
  h::check_window_fits(static_cast<index>(c.text->train.size()), o.context);
  // Every rule against every model of the sweep (bad options, a base larger than a model, a
  // rule made for another block form: pre-LN here), before anything runs.
  for (const auto& spec : c.schemes)
    for (index size : c.sizes) {
      const nninit::initializer rule = make_rule(c, spec);
      (void)h::plan_weights(*make_model(c, rule, size), rule);
    }
  return c;
}

/// One model's coordinates at t = 1 ... T: [t][layer] (mean |x|), layers named (depth: by kind).
struct trace {
  std::vector<std::string> layers;
  std::vector<std::vector<double>> values;
};

trace coordinates(const config& c, const nninit::initializer& rule, index size, std::uint64_t seed) {
  auto net = make_model(c, rule, size);
  h::initialize(*net, rule, nninit::engine(seed, 2));
  h::optimizer_options options;
  options.algorithm = c.algorithm;
  h::optimizer<float> opt(net->parameters(), options, h::parameter_groups(*net, rule, c.algorithm));
  h::matrix<float> x;
  std::vector<int> labels;
  h::corpus_windows(c.text->train, h::even_starts(static_cast<index>(c.text->train.size()), c.o.context, c.o.batch), c.o.context, x, labels);
  net->set_mode(h::network_mode::train);
  net->set_input_gradient(false);
  trace out;
  h::matrix<float> grad;
  for (index step = 1; step <= c.o.steps; ++step) {
    h::detail::softmax_cross_entropy<float>(net->forward(x), labels.data(), &grad, nullptr);
    std::vector<h::coordinate> coords = h::layer_coordinates(*net);
    if (c.o.vary == "depth") {  // averaged over the blocks by kind: "blockN.ffn_in" -> "ffn_in"
      std::map<std::string, std::pair<double, int>> kinds;
      std::vector<std::string> order;
      for (const auto& k : coords) {
        std::string kind = k.layer;
        if (kind.rfind("block", 0) == 0) kind = kind.substr(kind.find('.') + 1);
        if (!kinds.count(kind)) order.push_back(kind);
        kinds[kind].first += k.mean_abs, kinds[kind].second += 1;
      }
      coords.clear();
      for (const auto& kind : order) coords.push_back({kind, kinds[kind].first / kinds[kind].second});
    }
    if (out.layers.empty())
      for (const auto& k : coords) out.layers.push_back(k.layer);
    std::vector<double> row;
    for (const auto& k : coords) row.push_back(k.mean_abs);
    out.values.push_back(row);
    net->backward(grad);
    opt.step(c.o.lr);
  }
  return out;
}

/// The final training loss (mean of the last 20 steps) of a short run.
double final_loss(const config& c, const nninit::initializer& rule, index width, double lr, std::uint64_t seed) {
  auto net = make_model(c, rule, width);
  h::initialize(*net, rule, nninit::engine(seed, 2));
  h::train_options t;
  t.algorithm = c.algorithm, t.learning_rate = lr, t.steps = c.o.lr_steps, t.batch = c.o.batch, t.epochs = 1;
  t.final_window = std::min<index>(20, c.o.lr_steps), t.loss_window = c.o.lr_steps;
  t.groups = h::parameter_groups(*net, rule, c.algorithm);
  const h::train_result r = h::train_lm(*net, *c.text, t, 1, nninit::engine(seed, 3));
  return r.diverged ? std::numeric_limits<double>::infinity() : r.final_train_loss;
}

std::string sizes_text(const std::vector<index>& sizes) {
  std::string out;
  for (index s : sizes) out += (out.empty() ? "" : ",") + std::to_string(s);
  return out;
}

std::string fmt(double v, int digits = 3) {
  if (std::isnan(v)) return "-";
  if (std::isinf(v)) return v > 0 ? "diverged" : "-inf";
  const double rounded = std::round(v * std::pow(10.0, digits)) / std::pow(10.0, digits);
  return nninit::detail::number(rounded == 0 ? 0.0 : rounded);  // never "-0"
}

void run_coordinates(const config& c) {
  const std::string axis = c.o.vary;  // width or depth
  const std::size_t S = c.schemes.size(), N = c.sizes.size();
  const auto seeds = static_cast<std::size_t>(c.o.seeds);
  std::vector<trace> traces(S * N * seeds);
  task_pool pool;
  for (std::size_t s = 0; s < S; ++s)
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t k = 0; k < seeds; ++k)
        pool.add(c.schemes[s].label + " " + axis + " " + std::to_string(c.sizes[n]) + " seed " + std::to_string(c.o.seed + k),
                 [&c, &traces, s, n, k, N, seeds] {
                   traces[(s * N + n) * seeds + k] = coordinates(c, make_rule(c, c.schemes[s]), c.sizes[n], c.o.seed + k);
                 });
  pool.run(c.o.threads);

  // Seeds averaged; per scheme, the layers of its smallest model (width: all models share them).
  const auto T = static_cast<std::size_t>(c.o.steps);
  std::vector<double> xs(c.sizes.begin(), c.sizes.end());
  std::string json = "{\n  \"vary\": " + json::string(axis) + ",\n  \"" + axis + "s\": [";
  for (std::size_t n = 0; n < N; ++n) json += (n ? ", " : "") + json::integer(c.sizes[n], 0);
  json += "],\n  \"steps\": " + json::integer(c.o.steps, 0) + ",\n  \"threshold\": " + json::number(c.o.threshold) + ",\n  \"schemes\": [";
  report::document doc;
  doc.title = "nninit coord-check: mean |x| of every layer against " + axis;
  doc.summary.header = {"scheme", "layers", "flagged at t >= 2", "largest |slope| at t >= 2"};
  std::cout << "nninit coord-check: character LM on " << c.text->source << ", " << c.o.batch << " windows of " << c.o.context
            << " bytes (one fixed batch), " << c.o.steps << " steps of " << c.o.optimizer << " at lr " << fmt(c.o.lr, 6) << ", "
            << c.o.seeds << " seeds from " << c.o.seed << "; "
            << (axis == "width" ? std::to_string(c.o.depth) + " blocks, " + std::to_string(c.o.heads) + " heads, widths "
                                : "width " + std::to_string(c.o.width) + ", " + std::to_string(c.o.heads) + " heads, depths ")
            << sizes_text(c.sizes) << "\n";
  std::cout << "slope: of log2 mean|x| against log2 " << axis << " (seeds averaged); * when |slope| > " << fmt(c.o.threshold)
            << " at t >= 2 (t = 1 is the initialization)\n\n";
  for (std::size_t s = 0; s < S; ++s) {
    const trace& first = traces[s * N * seeds];
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> head{"layer"};
    for (std::size_t t = 1; t <= T; ++t) head.push_back("t=" + std::to_string(t));
    rows.push_back(head);
    std::size_t flagged = 0, layers = 0;
    double worst = 0;
    std::string worst_at;
    std::vector<svg::figure> panels(T);
    std::string layers_json;
    for (std::size_t l = 0; l < first.layers.size(); ++l) {
      const std::string& name = first.layers[l];
      ++layers;
      std::vector<std::string> row{name};
      bool flag = false;
      std::string slopes_json, means_json;
      for (std::size_t t = 0; t < T; ++t) {
        std::vector<double> ys;
        for (std::size_t n = 0; n < N; ++n) {
          double sum = 0;
          int count = 0;
          for (std::size_t k = 0; k < seeds; ++k) {
            const trace& tr = traces[(s * N + n) * seeds + k];
            const auto at = std::find(tr.layers.begin(), tr.layers.end(), name);
            if (at == tr.layers.end()) continue;
            sum += tr.values[t][static_cast<std::size_t>(at - tr.layers.begin())], ++count;
          }
          ys.push_back(count ? sum / count : std::numeric_limits<double>::quiet_NaN());
        }
        const double slope = h::log2_slope(xs, ys);
        const bool over = t >= 1 && std::abs(slope) > c.o.threshold;
        flag = flag || over;
        if (t >= 1 && std::isfinite(slope) && std::abs(slope) > worst) worst = std::abs(slope), worst_at = name + " at t = " + std::to_string(t + 1);
        row.push_back(fmt(slope, 2) + (over ? "*" : ""));
        panels[t].lines.push_back({name, xs, ys});
        slopes_json += (t ? ", " : "") + json::number(slope);
        std::string m;
        for (std::size_t n = 0; n < N; ++n) m += (n ? ", " : "") + json::number(ys[n]);
        means_json += std::string(t ? ", " : "") + "[" + m + "]";
      }
      flagged += flag;
      rows.push_back(row);
      layers_json += std::string(layers_json.empty() ? "" : ",\n        ") + "{\"layer\": " + json::string(name) +
                     ", \"slope\": [" + slopes_json + "], \"mean_abs\": [" + means_json + "], \"flagged\": " + json::boolean(flag) + "}";
    }
    std::cout << c.schemes[s].label << ":\n";
    print_columns(std::cout, rows);
    const std::string verdict = flagged == 0 ? "none flagged" : std::to_string(flagged) + " of " + std::to_string(layers) + " layers flagged";
    std::cout << c.schemes[s].label << ": " << verdict << " (largest |slope| at t >= 2: " << fmt(worst, 2)
              << (worst_at.empty() ? "" : ", " + worst_at) << ")\n\n";
    doc.summary.rows.push_back({c.schemes[s].label, std::to_string(layers), std::to_string(flagged), fmt(worst, 2) + (worst_at.empty() ? "" : " (" + worst_at + ")")});
    report::section sec;
    sec.heading = c.schemes[s].label;
    sec.text = "Mean |x| of each layer's output against " + axis + " (log-log), one panel per step t; seeds averaged. " + verdict + ".";
    for (std::size_t t = 0; t < T; ++t) {
      panels[t].title = c.schemes[s].label + ", t = " + std::to_string(t + 1) + (t == 0 ? " (initialization)" : "");
      panels[t].x_label = axis, panels[t].y_label = "mean |x|", panels[t].log_x = true, panels[t].log_y = true;
      sec.figures.push_back(panels[t]);
    }
    report::table tab;
    tab.header = rows.front();
    tab.rows.assign(rows.begin() + 1, rows.end());
    sec.table = tab;
    doc.sections.push_back(sec);
    json += std::string(s ? ",\n    " : "\n    ") + "{\"scheme\": " + json::string(c.schemes[s].label) + ", \"flagged\": " +
            json::integer(static_cast<index>(flagged), 0) + ", \"layers\": [\n        " + layers_json + "]}";
  }
  json += "\n  ]\n}\n";
  if (!c.o.json_path.empty()) report::write_file_atomically(c.o.json_path, json, "json");
  if (!c.o.report_path.empty()) report::write_file_atomically(c.o.report_path, report::html(doc), "report");
}

void run_learning_rates(const config& c) {
  const std::size_t S = c.schemes.size(), N = c.sizes.size(), R = c.rates.size();
  std::vector<double> loss(S * N * R);
  task_pool pool;
  for (std::size_t s = 0; s < S; ++s)
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t r = 0; r < R; ++r)
        pool.add(c.schemes[s].label + " width " + std::to_string(c.sizes[n]) + " lr " + fmt(c.rates[r], 6), [&c, &loss, s, n, r, N, R] {
          loss[(s * N + n) * R + r] = final_loss(c, make_rule(c, c.schemes[s]), c.sizes[n], c.rates[r], c.o.seed);
        });
  pool.run(c.o.threads);
  std::cout << "nninit coord-check --vary lr: character LM on " << c.text->source << ", " << c.o.depth << " blocks, "
            << c.o.heads << " heads; " << c.o.lr_steps << " steps of " << c.o.optimizer << " on batches of " << c.o.batch
            << " random windows of " << c.o.context << " bytes, seed " << c.o.seed
            << "; final training loss (mean of the last 20 steps) per width and learning rate, the best marked *\n\n";
  std::string json = "{\n  \"vary\": \"lr\",\n  \"schemes\": [";
  report::document doc;
  doc.title = "nninit coord-check: learning-rate transfer across width";
  doc.summary.header = {"scheme", "best learning rate per width", "moves by (grid steps)"};
  for (std::size_t s = 0; s < S; ++s) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> head{"width"};
    for (double lr : c.rates) head.push_back("lr " + fmt(lr, 6));
    head.push_back("best");
    rows.push_back(head);
    std::vector<std::size_t> best(N);
    svg::figure fig;
    fig.title = c.schemes[s].label + ": final training loss against learning rate";
    fig.x_label = "learning rate", fig.y_label = "loss", fig.log_x = true;
    std::string grid_json;
    for (std::size_t n = 0; n < N; ++n) {
      std::vector<std::string> row{std::to_string(c.sizes[n])};
      std::vector<double> ys;
      best[n] = 0;
      for (std::size_t r = 0; r < R; ++r) {
        const double v = loss[(s * N + n) * R + r];
        ys.push_back(v);
        if (v < loss[(s * N + n) * R + best[n]]) best[n] = r;
      }
      for (std::size_t r = 0; r < R; ++r) row.push_back(fmt(ys[r]) + (r == best[n] ? "*" : ""));
      row.push_back(fmt(c.rates[best[n]], 6));
      rows.push_back(row);
      fig.lines.push_back({"width " + std::to_string(c.sizes[n]), c.rates, ys});
      std::string v;
      for (double y : ys) v += (v.empty() ? "" : ", ") + json::number(y);
      grid_json += std::string(n ? ", " : "") + "{\"width\": " + json::integer(c.sizes[n], 0) + ", \"loss\": [" + v +
                   "], \"best_lr\": " + json::number(c.rates[best[n]]) + "}";
    }
    const auto [lo, hi] = std::minmax_element(best.begin(), best.end());
    const std::size_t moves = *hi - *lo;
    std::cout << c.schemes[s].label << ":\n";
    print_columns(std::cout, rows);
    std::string bests;
    for (std::size_t n = 0; n < N; ++n) bests += (n ? ", " : "") + fmt(c.rates[best[n]], 6);
    std::cout << c.schemes[s].label << ": the best learning rate spans " << moves << " grid step" << (moves == 1 ? "" : "s")
              << " across widths (" << bests << ")\n\n";
    doc.summary.rows.push_back({c.schemes[s].label, bests, std::to_string(moves)});
    report::section sec;
    sec.heading = c.schemes[s].label;
    sec.text = "Final training loss against learning rate, one line per width.";
    sec.figures.push_back(fig);
    report::table tab;
    tab.header = rows.front();
    tab.rows.assign(rows.begin() + 1, rows.end());
    sec.table = tab;
    doc.sections.push_back(sec);
    json += std::string(s ? ",\n    " : "\n    ") + "{\"scheme\": " + json::string(c.schemes[s].label) + ", \"grid_steps_moved\": " +
            json::integer(static_cast<index>(moves), 0) + ", \"widths\": [" + grid_json + "]}";
  }
  std::string rates;
  for (double lr : c.rates) rates += (rates.empty() ? "" : ", ") + json::number(lr);
  json += "\n  ],\n  \"learning_rates\": [" + rates + "]\n}\n";
  if (!c.o.json_path.empty()) report::write_file_atomically(c.o.json_path, json, "json");
  if (!c.o.report_path.empty()) report::write_file_atomically(c.o.report_path, report::html(doc), "report");
}

}  // namespace

void setup_coord_check(CLI::App& app, int argc, char** argv) {
  auto o = std::make_shared<options>();
  CLI::App* sub = app.add_subcommand("coord-check",
                                     "μP coordinate check on the character LM: every layer's mean |x| against width (or depth) "
                                     "over a few steps, and learning-rate transfer (--vary lr)");
  sub->add_option("--vary", o->vary, "width (μP), depth (depth-μP, CompleteP) or lr (learning-rate transfer)")->capture_default_str();
  sub->add_option("--schemes", o->schemes,
                  "network rules, each SCHEME[:OPTION=VALUE]... [width, lr: torch_default,mup:zero_readout=true; "
                  "depth: completep:alpha=0,completep]; base_width and base_depth default to the smallest model")
      ->delimiter(',');
  sub->add_option("--set", o->sets, "SCHEME.OPTION=VALUE, for every entry of that scheme (repeatable)");
  sub->add_option("--widths", o->widths, "widths [--vary width: 64,128,256,512,1024; lr: 32,64,128,256]");
  sub->add_option("--depths", o->depths, "depths (--vary depth)")->capture_default_str();
  sub->add_option("--lrs", o->lrs, "learning rates (--vary lr)")->capture_default_str();
  sub->add_option("--depth", o->depth, "blocks when varying width or lr")->capture_default_str();
  sub->add_option("--width", o->width, "width when varying depth")->capture_default_str();
  sub->add_option("--heads", o->heads, "attention heads (d_head grows with width)")->capture_default_str();
  sub->add_option("--steps", o->steps, "steps T on the fixed batch; t = 1 is the initialization")->capture_default_str();
  sub->add_option("--lr-steps", o->lr_steps, "training steps per run (--vary lr)")->capture_default_str();
  sub->add_option("--seeds", o->seeds, "seeds averaged (--vary width, depth)")->capture_default_str();
  sub->add_option("--seed", o->seed, "first seed")->capture_default_str();
  sub->add_option("--lr", o->lr, "learning rate (--vary width, depth)")->capture_default_str();
  sub->add_option("--optimizer", o->optimizer, "adamw or sgd, with the rule's multipliers")->capture_default_str();
  sub->add_option("--batch", o->batch, "windows per batch")->capture_default_str();
  sub->add_option("--context", o->context, "bytes per window")->capture_default_str();
  sub->add_option("--threshold", o->threshold, "flag |slope| above this at t >= 2")->capture_default_str();
  sub->add_option("--corpus", o->corpus, "text file or directory (Debian's fortunes by default)")->capture_default_str();
  sub->add_option("--json", o->json_path, "write the results as JSON to this file");
  sub->add_option("--report", o->report_path, "write an HTML report (one panel per t) to this file");
  sub->add_option("--threads", o->threads, "independent runs at once")->capture_default_str();
  (void)argc, (void)argv;
  sub->callback([o] {
    const config c = resolve(*o);
    if (c.o.vary == "lr") run_learning_rates(c);
    else run_coordinates(c);
  });
}

}  // namespace nninit_cli
