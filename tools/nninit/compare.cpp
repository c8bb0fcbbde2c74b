// nninit tool: `nninit compare`, the signal-propagation and training comparison of schemes.
//
// Every experiment is a pure function of the configuration: weights of seed k come from
// engine(seed, 0).fork(k), the probing batch and output gradient from engine(seed, 1).fork(k)
// (the same for every scheme, so schemes are compared on the same inputs), training weights
// from engine(seed, 2), the batch order from engine(seed, 3), and LSUV's N(0, 1) calibration
// batch of the signal runs from engine(seed, 4).fork(k). Runs execute on --threads worker
// threads; each run is independent, so the output does not depend on the thread count.
#include "compare.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include <nninit/harness/dataset.hpp>
#include <nninit/harness/init.hpp>
#include <nninit/harness/lsuv.hpp>
#include <nninit/harness/mlp.hpp>
#include <nninit/harness/resnet.hpp>
#include <nninit/propagation.hpp>
#include <nninit/registry.hpp>
#include <nninit/vi3nr.hpp>

#include "commands.hpp"
#include "errors.hpp"
#include "report.hpp"
#include "weight_args.hpp"

namespace nninit_cli {

namespace {

constexpr std::string_view command = "compare";
namespace h = nninit::harness;
using compare::config;
using compare::results;
using compare::scheme_entry;

/// The options as typed; `resolve` checks them and fills in the architecture's defaults.
struct compare_options {
  std::string arch = "mlp";
  // Not given: the architecture's default. (CLI11 2.1 cannot bind std::optional.)
  static constexpr nninit::index unset = std::numeric_limits<nninit::index>::min();
  nninit::index depth = unset, width = unset, train_depth = unset, train_width = unset, train_samples = unset;
  nninit::index layers_per_block = 2;
  std::string norm = "none";
  std::vector<std::string> activations;
  std::vector<std::string> schemes;
  std::vector<std::string> sets;
  bool bias = false;
  nninit::index batch = 256, seeds = 4, jacobian_max = 1024, calibration = 512;
  std::string seed = "0";
  std::string gradient = "random";
  std::string train = "fashion-mnist";
  nninit::index epochs = 1, train_batch = 128, warmup = 0;
  std::string optimizer = "sgd";
  double learning_rate = 0;
  const CLI::Option* lr_option = nullptr;  // not given: the default for the architecture and optimizer
  double momentum = 0.9, weight_decay = 0, clip = 0;
  bool cosine = false;
  unsigned threads = 0;
  std::string json, report;
};

const std::vector<std::string> default_schemes = {"xavier_normal", "kaiming_normal", "lecun_normal", "orthogonal",
                                                  "torch_default", "lsuv"};

void check_range(std::string_view argument, nninit::index v, nninit::index lo, nninit::index hi) {
  if (v < lo || v > hi)
    fail(command, argument, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", std::to_string(v));
}

/// "kaiming_normal:nonlinearity=tanh:mode=fan_out" -> scheme and inline options.
scheme_entry parse_scheme_entry(const std::string& text) {
  scheme_entry e{text, text.substr(0, text.find(':')), {}};
  for (std::size_t at = text.find(':'); at != std::string::npos;) {
    const std::size_t next = text.find(':', at + 1);
    const std::string item = text.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1);
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) fail(command, "schemes", "SCHEME[:OPTION=VALUE]...", in_quotes(text));
    e.options.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    at = next;
  }
  return e;
}

/// The scheme of an entry for a network of activation `act` whose inputs have the given moments:
/// schemes planned for an activation (vi3nr, kumar) take the network's, and vi3nr's first layer
/// the inputs' mean and std (N(0, 1) in the signal runs, the training data's own in training),
/// unless the entry sets them; then the entry's inline and --set options are applied.
nninit::initializer make_initializer(const scheme_entry& e, const h::activation& act, const nninit::data_moments& inputs) {
  nninit::initializer init(e.scheme);
  const auto given = [&](const char* option) {
    return std::any_of(e.options.begin(), e.options.end(), [&](const auto& o) { return o.first == option; });
  };
  if (init.has_option("activation") && !given("activation")) init.set("activation", act.text());
  if (init.has_option("data_mean") && !given("data_mean")) init.set("data_mean", nninit::detail::number(inputs.mean));
  if (init.has_option("data_std") && !given("data_std")) init.set("data_std", nninit::detail::number(inputs.std));
  for (const auto& [name, value] : e.options) init.set(name, value);
  return init;
}

/// The signal runs' inputs: i.i.d. N(0, 1).
constexpr nninit::data_moments standard_inputs{0.0, 1.0};

/// The first hidden layer's plan of an mlp with its variance map under `act` (what `nninit
/// describe --activation` prints); an empty propagation where that does not apply.
template <class T>
nninit::plan hidden_plan(const config& c, h::network<T>& net, const nninit::initializer& init, const h::activation& act) {
  if (c.arch != "mlp") return {};
  for (const auto& layer : h::plan_weights(net, init))
    if (layer.role == nninit::layer_role::hidden) {
      try {
        return nninit::with_propagation(layer.plan, act);
      } catch (const nninit::init_error&) {
        return layer.plan;  // no output std (orthogonal, eye): no map to report
      }
    }
  return {};
}

/// Architectures: what the signal runs probe (input = width, no classifier; the residual MLP
/// reads 2 x width inputs through a stem, as identity.md's Fixup table, so that its residual
/// stream starts after an activation; the resnet always reads 1x28x28 images into 10 classes)
/// and what training trains (data in, classes out; biases in every layer). The residual
/// networks get the scalars the scheme's rule puts around their branches (Fixup's multiplier
/// and scalar biases, SkipInit's and ReZero's multiplier).
template <class T>
std::unique_ptr<h::graph_network<T>> make_network(const config& c, const nninit::initializer& scheme,
                                                  const h::activation& act, bool for_training, nninit::index inputs,
                                                  nninit::index classes) {
  const nninit::index depth = for_training ? c.train_depth : c.depth;
  const nninit::index width = for_training ? c.train_width : c.width;
  const nninit::residual_parameters scalars = scheme.residual_parameters();
  if (c.arch == "mlp") {
    h::mlp_config m;
    m.inputs = for_training ? inputs : width;
    m.width = width, m.depth = depth, m.act = act, m.norm = c.norm;
    m.outputs = for_training ? classes : 0;
    m.bias = for_training || c.bias;
    return std::make_unique<h::mlp<T>>(m);
  }
  if (c.arch == "resmlp") {
    h::resmlp_config m;
    m.inputs = for_training ? inputs : 2 * width;
    m.width = width, m.blocks = depth, m.layers_per_block = c.layers_per_block, m.act = act, m.norm = c.norm;
    m.outputs = for_training ? classes : 0;
    m.bias = for_training || c.bias;
    m.scalar_params = scalars.scalar_biases;
    m.branch_multiplier = scalars.multiplier;
    return std::make_unique<h::resmlp<T>>(m);
  }
  h::resnet_config m;
  m.base_width = width, m.blocks_per_stage = depth, m.act = act, m.classes = classes, m.norm = c.norm;
  m.scalar_params = scalars.scalar_biases;
  m.branch_multiplier = scalars.multiplier;
  return std::make_unique<h::resnet<T>>(m);
}

/// LSUV's data-dependent part, when the scheme is lsuv: `initialize` has filled its orthonormal
/// pre-init (or, with preinit=keep, left the zeros the harness starts from, which lsuv refuses).
template <class T>
std::optional<nninit::lsuv_report> calibrate(h::graph_network<T>& net, const nninit::initializer& scheme,
                                             const h::matrix<T>& batch, const nninit::engine& eng) {
  const auto* s = scheme.get_if<nninit::scheme::lsuv>();
  if (!s) return std::nullopt;
  nninit::lsuv_options o = s->options();
  o.preinit = nninit::lsuv_preinit::keep;
  return h::lsuv(net, batch, o, eng);
}

/// The default learning rate: SGD's as data_dependent.md §C measured it per architecture (a
/// depth-50 relu MLP trains at 0.002, diverges near 0.01; the residual MLP at 0.01), AdamW's
/// PyTorch default.
double default_learning_rate(const std::string& arch, nninit::harness::optimizer_kind opt) {
  if (opt == nninit::harness::optimizer_kind::adamw) return 1e-3;
  return arch == "mlp" ? 0.002 : arch == "resmlp" ? 0.01 : 0.05;
}

nninit::index or_default(nninit::index given, nninit::index fallback) {
  return given == compare_options::unset ? fallback : given;
}

/// Training examples per epoch by default (0: all): the default `nninit compare` (14 runs of
/// one epoch of a depth-50 MLP) takes under 2 minutes on 2 cores; the 100-block residual MLP
/// costs 4 times as much per example and ResNet-20 about 15 times, so they train on a subset.
nninit::index default_train_samples(const std::string& arch) {
  return arch == "mlp" ? 0 : arch == "resmlp" ? 10000 : 5000;
}

config resolve(const compare_options& o, int argc, char** argv) {
  config c;
  c.command = command_line(argc, argv);
  if (o.arch != "mlp" && o.arch != "resmlp" && o.arch != "resnet")
    fail(command, "arch", "one of mlp, resmlp, resnet", in_quotes(o.arch));
  c.arch = o.arch;
  const bool resnet = c.arch == "resnet";
  // mlp: layers; resmlp: blocks; resnet: blocks per stage (3 is ResNet-20), width: the first stage's.
  c.depth = or_default(o.depth, c.arch == "mlp" ? 50 : c.arch == "resmlp" ? 100 : 3);
  c.width = or_default(o.width, resnet ? 16 : 256);
  check_range("depth", c.depth, 1, 10000);
  check_range("width", c.width, 1, resnet ? 1024 : 65536);
  c.layers_per_block = o.layers_per_block;
  check_range("layers-per-block", c.layers_per_block, 1, 100);
  if (c.arch == "mlp" && c.depth * c.width > (nninit::index{1} << 22))
    fail(command, "depth x width", "at most 2^22 (the statistics keep every layer's batch)",
         std::to_string(c.depth) + " x " + std::to_string(c.width));
  const auto norm = nninit::detail::parse_enum<h::norm_kind>(o.norm);
  if (!norm) fail(command, "norm", "one of " + nninit::detail::choices_of<h::norm_kind>(), in_quotes(o.norm));
  c.norm = *norm;

  for (const std::string& a : o.activations.empty() ? std::vector<std::string>{"relu", "tanh"} : o.activations)
    c.activations.push_back(h::activation::parse(a));  // init_error names the valid ones

  std::vector<std::string> names = o.schemes;
  if (names.empty()) {
    names = default_schemes;
    for (const auto& a : c.activations)  // PyTorch's tanh gain beside the default one
      if (a.kind == h::activation_kind::tanh) names.push_back("kaiming_normal:nonlinearity=tanh");
  }
  std::set<std::string> seen;
  for (const std::string& n : names) {
    if (!seen.insert(n).second) fail(command, "schemes", "distinct entries", in_quotes(n));
    c.schemes.push_back(parse_scheme_entry(n));
  }
  for (const std::string& s : o.sets) {
    const auto dot = s.find('.'), eq = s.find('=');
    if (dot == std::string::npos || eq == std::string::npos || dot == 0 || eq < dot + 2)
      fail(command, "set", "SCHEME.OPTION=VALUE", in_quotes(s));
    const std::string scheme = s.substr(0, dot);
    bool used = false;
    for (auto& e : c.schemes)
      if (e.scheme == scheme) e.options.emplace_back(s.substr(dot + 1, eq - dot - 1), s.substr(eq + 1)), used = true;
    if (!used) fail(command, "set", "for a scheme in --schemes", in_quotes(s));
  }

  c.bias = o.bias;
  c.batch = o.batch, c.seeds = o.seeds, c.jacobian_max = o.jacobian_max, c.calibration = o.calibration;
  check_range("batch", c.batch, 1, 65536);
  check_range("seeds", c.seeds, 1, 1000);
  check_range("jacobian-max", c.jacobian_max, 0, 4096);
  check_range("calibration-batch", c.calibration, 1, 65536);
  const auto seed = parse_uint64(o.seed);
  if (!seed) fail(command, "seed", "an integer in [0, 2^64)", in_quotes(o.seed));
  c.seed = *seed;
  if (o.gradient != "random" && o.gradient != "loss") fail(command, "gradient", "random or loss", in_quotes(o.gradient));
  c.gradient = o.gradient == "loss" ? h::gradient_source::loss : h::gradient_source::random;

  if (o.train != "fashion-mnist" && o.train != "synthetic" && o.train != "none")
    fail(command, "train", "one of fashion-mnist, synthetic, none", in_quotes(o.train));
  c.train = o.train;
  // The trained network is the probed one (its depth, width, activation and norm), reading the
  // data through its first layer and ending in a classifier.
  c.train_depth = or_default(o.train_depth, c.depth);
  c.train_width = or_default(o.train_width, c.width);
  check_range("train-depth", c.train_depth, 1, 10000);
  check_range("train-width", c.train_width, 1, resnet ? 1024 : 65536);
  auto& t = c.train_options;
  if (o.optimizer != "sgd" && o.optimizer != "adamw") fail(command, "optimizer", "sgd or adamw", in_quotes(o.optimizer));
  t.algorithm = o.optimizer == "adamw" ? h::optimizer_kind::adamw : h::optimizer_kind::sgd;
  t.epochs = o.epochs, t.batch = o.train_batch, t.momentum = o.momentum;
  t.learning_rate = o.lr_option && o.lr_option->count() ? o.learning_rate : default_learning_rate(c.arch, t.algorithm);
  t.warmup = o.warmup, t.cosine = o.cosine, t.clip_norm = o.clip, t.weight_decay = o.weight_decay;
  t.max_samples = or_default(o.train_samples, default_train_samples(c.arch));
  check_range("epochs", t.epochs, 1, 1000);
  check_range("train-batch", t.batch, 1, 65536);
  check_range("train-samples", t.max_samples, 0, nninit::index{1} << 31);
  check_range("warmup", t.warmup, 0, nninit::index{1} << 31);
  if (!(t.learning_rate > 0 && t.learning_rate <= 100)) fail(command, "lr", "in (0, 100]", nninit::detail::number(t.learning_rate));
  if (!(t.momentum >= 0 && t.momentum < 1)) fail(command, "momentum", "in [0, 1)", nninit::detail::number(t.momentum));
  if (!(t.weight_decay >= 0 && std::isfinite(t.weight_decay)))
    fail(command, "weight-decay", "finite and >= 0", nninit::detail::number(t.weight_decay));
  if (!(t.clip_norm >= 0 && std::isfinite(t.clip_norm)))
    fail(command, "clip", "finite and >= 0 (0: no clipping)", nninit::detail::number(t.clip_norm));

  c.threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  if (c.threads > 256) fail(command, "threads", "at most 256", std::to_string(c.threads));
  c.json = o.json, c.report = o.report;
  // Checked now, not after minutes of runs (errors.hpp). With an output on stdout, the table goes
  // to stderr, so that stdout carries that file's bytes alone.
  if (check_outputs(command, {{"json", c.json}, {"report", c.report}})) std::cout.rdbuf(std::cerr.rdbuf());

  // Every scheme must plan every weight of every network it will fill, before anything runs:
  // a scheme that does not fit the architecture (dirac on a linear layer) is an error now; and
  // batch normalization needs two examples per batch in training mode.
  for (const scheme_entry& e : c.schemes) {
    const nninit::initializer init = make_initializer(e, c.activations.front(), standard_inputs);
    for (bool training : {false, true}) {
      if (training && c.train == "none") continue;
      auto net = make_network<float>(c, init, c.activations.front(), training, 784, 10);
      (void)h::plan_weights(*net, init);
      const nninit::index batch = training ? t.batch : c.batch;
      if (batch < net->min_training_batch())
        fail(command, training ? "train-batch" : "batch",
             ">= " + std::to_string(net->min_training_batch()) + " with batch normalization (statistics of one example per channel)",
             std::to_string(batch));
    }
  }
  return c;
}

/// Runs tasks on `threads` workers; rethrows the first exception after all have stopped.
class task_pool {
 public:
  void add(std::string label, std::function<void()> task) { tasks_.push_back({std::move(label), std::move(task)}); }

  void run(unsigned threads) {
    const bool tty = isatty(STDERR_FILENO) != 0;
    std::atomic<std::size_t> next{0};
    std::mutex mutex;
    std::size_t done = 0;
    std::exception_ptr error;
    auto worker = [&] {
      for (std::size_t i; (i = next++) < tasks_.size();) {
        {
          std::lock_guard<std::mutex> lock(mutex);
          if (error) return;
        }
        try {
          tasks_[i].second();
        } catch (...) {
          std::lock_guard<std::mutex> lock(mutex);
          if (!error) error = std::current_exception();
          return;
        }
        std::lock_guard<std::mutex> lock(mutex);
        ++done;
        if (tty) progress(done, tasks_[i].first);
      }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < std::min<std::size_t>(threads, tasks_.size()); ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    if (tty) std::cerr << "\r\033[K" << std::flush;
    if (error) std::rethrow_exception(error);
  }

 private:
  void progress(std::size_t done, const std::string& label) const {
    constexpr std::size_t bar = 30;
    const std::size_t filled = done * bar / tasks_.size();
    std::cerr << "\r\033[K[" << std::string(filled, '#') << std::string(bar - filled, '.') << "] " << done << "/"
              << tasks_.size() << "  " << label << std::flush;
  }

  std::vector<std::pair<std::string, std::function<void()>>> tasks_;
};

/// "stuck at chance", "diverged at step N" or nothing (see train_run::outcome).
std::string outcome_of(const h::train_result& r, nninit::index classes) {
  if (r.diverged) return "diverged at step " + std::to_string(r.diverged_step);
  const double chance = std::log(static_cast<double>(classes));
  if (std::abs(r.final_train_loss - chance) <= 0.01 * chance) return "stuck at chance";
  return "";
}

results run(const config& c) {
  results r;
  task_pool pool;
  r.signal.resize(c.activations.size() * c.schemes.size());
  for (std::size_t a = 0; a < c.activations.size(); ++a)
    for (std::size_t s = 0; s < c.schemes.size(); ++s) {
      compare::signal_run& run = r.signal[a * c.schemes.size() + s];
      run.activation = c.activations[a].text();
      run.scheme = &c.schemes[s];
      pool.add("signal " + run.activation + " " + run.scheme->label, [&c, &run, act = c.activations[a]] {
        const nninit::initializer init = make_initializer(*run.scheme, act, standard_inputs);
        h::signal_options opt;
        opt.batch = c.batch, opt.gradient = c.gradient, opt.jacobian_max_size = c.jacobian_max;
        std::vector<h::signal_stats> seeds;
        for (nninit::index k = 0; k < c.seeds; ++k) {
          const auto fork = static_cast<std::uint64_t>(k);
          auto net = make_network<double>(c, init, act, false, 0, 10);
          h::initialize(*net, init, nninit::engine(c.seed, 0).fork(fork));
          h::matrix<double> calibration;
          if (init.get_if<nninit::scheme::lsuv>()) {  // the probing distribution, N(0, 1)
            calibration.resize(net->input_size(), c.calibration);
            nninit::normal(calibration, nninit::engine(c.seed, 4).fork(fork));
          }
          auto report = calibrate(*net, init, calibration, nninit::engine(c.seed, 0).fork(fork));
          seeds.push_back(h::measure_signal(*net, opt, nninit::engine(c.seed, 1).fork(fork)));
          run.model = net->summary();
          if (k == 0) run.hidden_plan = hidden_plan(c, *net, init, act), run.lsuv = std::move(report);
        }
        run.stats = h::average(seeds);
      });
    }

  h::dataset data;
  nninit::data_moments inputs;
  if (c.train != "none") {
    data = h::training_data(c.train == "fashion-mnist", c.seed);
    r.train_data = data.source;
    r.train_synthetic = data.synthetic;
    r.classes = data.classes;
    const nninit::index available = data.train_x.cols();
    r.train_available = available;
    r.train_examples = c.train_options.max_samples > 0 ? std::min(c.train_options.max_samples, available) : available;
    // LSUV calibrates on the first examples of what is trained on: there must be enough.
    if (c.calibration > r.train_examples)
      fail(command, "calibration-batch", "at most the " + std::to_string(r.train_examples) + " training examples",
           std::to_string(c.calibration));
    inputs = nninit::vi3nr_data_moments(data.train_x);
    // About 60 points on each loss curve, whatever the run's length.
    const nninit::index steps = (r.train_examples + c.train_options.batch - 1) / c.train_options.batch * c.train_options.epochs;
    r.train_options = c.train_options;
    r.train_options.loss_window = std::max<nninit::index>(1, steps / 60);
    r.train.resize(c.activations.size() * c.schemes.size());
    for (std::size_t a = 0; a < c.activations.size(); ++a) {
      const nninit::initializer plain("kaiming_normal");
      r.train_models.push_back(make_network<float>(c, plain, c.activations[a], true, data.train_x.rows(), data.classes)->summary());
      for (std::size_t s = 0; s < c.schemes.size(); ++s) {
        compare::train_run& run = r.train[a * c.schemes.size() + s];
        run.activation = c.activations[a].text();
        run.scheme = &c.schemes[s];
        pool.add("train " + run.activation + " " + run.scheme->label, [&c, &r, &run, &data, &inputs, act = c.activations[a]] {
          const nninit::initializer init = make_initializer(*run.scheme, act, inputs);
          auto net = make_network<float>(c, init, act, true, data.train_x.rows(), data.classes);
          h::initialize(*net, init, nninit::engine(c.seed, 2));
          if (init.get_if<nninit::scheme::lsuv>())
            run.lsuv = calibrate(*net, init, data.train_x.leftCols(c.calibration).eval(), nninit::engine(c.seed, 2));
          run.result = h::train(*net, data.train_x, data.train_y, data.test_x, data.test_y, r.train_options,
                                nninit::engine(c.seed, 3));
          run.outcome = outcome_of(run.result, r.classes);
        });
      }
    }
  }
  pool.run(c.threads);
  return r;
}

int run_compare(const compare_options& o, int argc, char** argv) {
  const config c = resolve(o, argc, argv);
  const results r = run(c);
  // Build every output in memory first: a failure leaves no partial file behind.
  const std::string table = compare::table(c, r);
  const std::string json = c.json.empty() ? std::string() : compare::json(c, r);
  const std::string html = c.report.empty() ? std::string() : compare::html(c, r);
  if (!c.json.empty()) report::write_file_atomically(c.json, json, "json");
  if (!c.report.empty()) report::write_file_atomically(c.report, html, "report");
  std::cout << table;
  return 0;
}

}  // namespace

void setup_compare(CLI::App& app, int argc, char** argv) {
  auto o = std::make_shared<compare_options>();
  CLI::App* sub = app.add_subcommand(
      "compare", "compare schemes on deep networks: signal propagation, Jacobian spectrum, and training the same network");
  sub->add_option("--arch", o->arch, "mlp, resmlp (residual MLP) or resnet (CIFAR-style, conv)")->capture_default_str();
  sub->add_option("--depth", o->depth, "layers (mlp), residual blocks (resmlp), blocks per stage (resnet) [50, 100, 3]");
  sub->add_option("--width", o->width, "hidden width (mlp, resmlp), first stage's channels (resnet) [256, 256, 16]");
  sub->add_option("--layers-per-block", o->layers_per_block, "weight layers per residual branch (resmlp)")
      ->capture_default_str();
  sub->add_option("--norm", o->norm,
                  "normalization after every dense/conv layer, before the activation: none, batch (PyTorch's "
                  "BatchNorm: momentum 0.1, eps 1e-5), layer or rms")
      ->capture_default_str();
  sub->add_option("--activation", o->activations,
                  "activations, each a run of its own: linear, relu, leaky_relu[:slope], tanh, sigmoid, selu, gelu, "
                  "silu, elu[:alpha], sine[:omega0], gaussian[:width] [relu,tanh]")
      ->delimiter(',');
  sub->add_option("--schemes", o->schemes,
                  "schemes to compare, each SCHEME[:OPTION=VALUE]... [xavier_normal,kaiming_normal,lecun_normal,"
                  "orthogonal,torch_default,lsuv; with tanh also kaiming_normal:nonlinearity=tanh]")
      ->delimiter(',');
  sub->add_option("--set", o->sets, "SCHEME.OPTION=VALUE, for every entry of that scheme (repeatable)");
  sub->add_flag("--bias", o->bias, "zero-initialized biases in the probed networks (the trained ones always have them)");
  sub->add_option("--batch", o->batch, "examples in the probing batch")->capture_default_str();
  sub->add_option("--seeds", o->seeds, "independent initializations averaged per scheme (the Jacobian spectrum plotted is the first's)")->capture_default_str();
  sub->add_option("--seed", o->seed, "base seed of every engine")->capture_default_str();
  sub->add_option("--gradient", o->gradient,
                  "backward pass from i.i.d. N(0,1) output gradients (random) or cross-entropy on random labels (loss)")
      ->capture_default_str();
  sub->add_option("--jacobian-max", o->jacobian_max, "largest input or output size whose Jacobian is computed")
      ->capture_default_str();
  sub->add_option("--calibration-batch", o->calibration,
                  "examples LSUV calibrates on: the first N training examples (N(0,1) inputs for the probed networks)")
      ->capture_default_str();
  sub->add_option("--train", o->train,
                  "fashion-mnist (Debian's dataset-fashion-mnist; a synthetic task, said so, when absent), "
                  "synthetic, or none")
      ->capture_default_str();
  sub->add_option("--epochs", o->epochs, "training epochs")->capture_default_str();
  sub->add_option("--train-depth", o->train_depth, "depth of the trained network [--depth]");
  sub->add_option("--train-width", o->train_width, "width of the trained network [--width]");
  sub->add_option("--train-samples", o->train_samples, "train on the first N examples only; 0: all [mlp all, resmlp 10000, resnet 5000]");
  sub->add_option("--train-batch", o->train_batch, "mini-batch")->capture_default_str();
  sub->add_option("--optimizer", o->optimizer, "sgd (with momentum) or adamw, with PyTorch's semantics")
      ->capture_default_str();
  o->lr_option = sub->add_option("--lr", o->learning_rate, "learning rate [sgd: mlp 0.002, resmlp 0.01, resnet 0.05; adamw 0.001]");
  sub->add_option("--momentum", o->momentum, "SGD momentum")->capture_default_str();
  sub->add_option("--weight-decay", o->weight_decay,
                  "weight decay of the weight matrices (SGD: L2 in the gradient; AdamW: decoupled)")
      ->capture_default_str();
  sub->add_option("--warmup", o->warmup, "steps of linear learning-rate warm-up")->capture_default_str();
  sub->add_flag("--cosine", o->cosine, "decay the learning rate to 0 along half a cosine after the warm-up");
  sub->add_option("--clip", o->clip, "clip the gradients' global 2-norm to this; 0: no clipping")->capture_default_str();
  sub->add_option("--threads", o->threads, "worker threads (runs are independent; results do not depend on it) [all]");
  sub->add_option("--json", o->json, "write every figure as JSON to FILE (-: stdout, and the table to stderr)");
  sub->add_option("--report", o->report,
                  "write a self-contained HTML report with SVG plots to FILE (-: stdout, and the table to stderr)");
  sub->callback([o, argc, argv] { run_compare(*o, argc, argv); });
}

}  // namespace nninit_cli
