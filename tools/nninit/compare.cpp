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
#include <thread>

#include <nninit/harness/dataset.hpp>
#include <nninit/harness/init.hpp>
#include <nninit/harness/lsuv.hpp>
#include <nninit/harness/mlp.hpp>
#include <nninit/harness/resnet.hpp>
#include <nninit/harness/transformer.hpp>
#include <nninit/propagation.hpp>
#include <nninit/registry.hpp>
#include <nninit/vi3nr.hpp>

#include "commands.hpp"
#include "errors.hpp"
#include "report.hpp"
#include "task_pool.hpp"
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
  std::string norm;  // none (mlp, resmlp, resnet); pre (vit, lm)
  // Transformers.
  nninit::index heads = 4, ffn_width = unset, patch = 7, context = 64, steps = unset, validation_windows = 256;
  bool rms = false, tied = false;
  std::string corpus = h::default_corpus_path();
  std::vector<std::string> activations;
  std::vector<std::string> schemes;
  std::vector<std::string> sets;
  bool bias = false;
  nninit::index batch = 256, seeds = 4, jacobian_max = 1024, calibration = 512;
  std::string seed = "0";
  std::string gradient = "random";
  std::string train = "fashion-mnist";
  nninit::index epochs = 1, train_batch = unset, warmup = 0;
  std::string optimizer;  // sgd (mlp, resmlp, resnet); adamw (vit, lm)
  double learning_rate = 0;
  const CLI::Option* lr_option = nullptr;  // not given: the default for the architecture and optimizer
  double momentum = 0.9, weight_decay = 0, clip = 0;
  double beta1 = h::optimizer_options{}.beta1, beta2 = h::optimizer_options{}.beta2, eps = h::optimizer_options{}.eps;
  bool cosine = false;
  unsigned threads = 0;
  std::string json, report;
};

const std::vector<std::string> default_schemes = {"xavier_normal", "kaiming_normal", "lecun_normal", "orthogonal",
                                                  "torch_default", "lsuv"};
// PyTorch's nn.TransformerEncoderLayer init, Glorot and He on every weight, GPT-2's N(0, 0.02^2).
const std::vector<std::string> default_transformer_schemes = {"torch_default", "xavier_uniform", "kaiming_normal", "gpt2"};

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

/// `t` with the learning-rate, epsilon and weight-decay multipliers `scheme`'s rule gives each of
/// `net`'s parameters (mup, depth_mup, completep; all 1 otherwise).
template <class T>
h::train_options with_groups(h::train_options t, h::network<T>& net, const nninit::initializer& scheme) {
  t.groups = h::parameter_groups(net, scheme, t.algorithm);
  return t;
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
  if (c.transformer()) {  // the probed network is the trained one
    h::transformer_stack st;
    st.blocks = depth, st.width = width, st.heads = c.heads, st.ffn_width = c.ffn_width, st.act = act;
    st.form = c.form, st.norm = c.rms ? h::norm_kind::rms : h::norm_kind::layer;
    h::apply_scalars(st, scheme);  // deepnet's alpha, admin's omega, completep's branch multiplier, ...
    if (c.arch == "vit") {
      h::vit_config v;
      v.stack = st, v.patch = c.patch, v.classes = classes;
      return std::make_unique<h::vit<T>>(v);
    }
    h::lm_config l;
    l.stack = st, l.context = c.context, l.tied = c.tied, l.vocabulary = c.text->vocabulary();
    return std::make_unique<h::char_lm<T>>(l);
  }
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
  // Transformers train with AdamW by default (the same 1e-3).
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

/// Training steps of a transformer by default: 300 (the default `--arch vit` run, 4 schemes, in
/// about a minute and a half on 2 cores).
constexpr nninit::index default_transformer_steps = 300;

config resolve(const compare_options& o, int argc, char** argv) {
  config c;
  c.command = command_line(argc, argv);
  if (o.arch != "mlp" && o.arch != "resmlp" && o.arch != "resnet" && o.arch != "vit" && o.arch != "lm")
    fail(command, "arch", "one of mlp, resmlp, resnet, vit, lm", in_quotes(o.arch));
  c.arch = o.arch;
  const bool resnet = c.arch == "resnet", transformer = c.transformer();
  // mlp: layers; resmlp: blocks; resnet: blocks per stage (3 is ResNet-20), width: the first
  // stage's; vit, lm: transformer blocks and d_model.
  c.depth = or_default(o.depth, c.arch == "mlp" ? 50 : c.arch == "resmlp" ? 100 : c.arch == "vit" ? 12 : c.arch == "lm" ? 6 : 3);
  c.width = or_default(o.width, resnet ? 16 : transformer ? 64 : 256);
  check_range(command, "depth", c.depth, 1, 10000);
  check_range(command, "width", c.width, 1, resnet ? 1024 : 65536);
  c.layers_per_block = o.layers_per_block;
  check_range(command, "layers-per-block", c.layers_per_block, 1, 100);
  if (c.arch == "mlp" && c.depth * c.width > (nninit::index{1} << 22))
    fail(command, "depth x width", "at most 2^22 (the statistics keep every layer's batch)",
         std::to_string(c.depth) + " x " + std::to_string(c.width));
  if (transformer) {
    const std::string form = o.norm.empty() ? "pre" : o.norm;
    const auto f = nninit::detail::parse_enum<h::block_form>(form);
    if (!f) fail(command, "norm", "one of " + nninit::detail::choices_of<h::block_form>() + " for a transformer", in_quotes(form));
    c.form = *f;
    c.rms = o.rms, c.tied = o.tied;
    c.heads = o.heads, c.patch = o.patch, c.context = o.context, c.validation_windows = o.validation_windows;
    c.ffn_width = or_default(o.ffn_width, 2 * c.width);
    check_range(command, "heads", c.heads, 1, c.width);
    if (c.width % c.heads != 0)
      fail(command, "heads", "a divisor of the width " + std::to_string(c.width), std::to_string(c.heads));
    check_range(command, "ffn-width", c.ffn_width, 1, 65536);
    check_range(command, "patch", c.patch, 1, 28);
    if (28 % c.patch != 0) fail(command, "patch", "a divisor of the image side 28 (1, 2, 4, 7, 14, 28)", std::to_string(c.patch));
    check_range(command, "context", c.context, 1, 4096);
    check_range(command, "validation-windows", c.validation_windows, 1, 1 << 20);
  } else {
    const std::string name = o.norm.empty() ? "none" : o.norm;
    const auto norm = nninit::detail::parse_enum<h::norm_kind>(name);
    if (!norm) fail(command, "norm", "one of " + nninit::detail::choices_of<h::norm_kind>(), in_quotes(name));
    c.norm = *norm;
    if (o.rms || o.tied) fail(command, o.rms ? "rms" : "tied", "given only with --arch vit or lm", "given");
  }

  const std::vector<std::string> default_activations = transformer ? std::vector<std::string>{"gelu"}
                                                                    : std::vector<std::string>{"relu", "tanh"};
  for (const std::string& a : o.activations.empty() ? default_activations : o.activations)
    c.activations.push_back(h::activation::parse(a));  // init_error names the valid ones

  std::vector<std::string> names = o.schemes;
  if (names.empty() && transformer) {
    names = default_transformer_schemes;
  } else if (names.empty()) {
    names = default_schemes;
    for (const auto& a : c.activations)  // PyTorch's tanh gain beside the default one
      if (a.kind == h::activation_kind::tanh) names.push_back("kaiming_normal:nonlinearity=tanh");
  }
  c.schemes = parse_scheme_entries(command, names, o.sets);
  if (transformer)
    for (const auto& e : c.schemes)
      if (e.scheme == "lsuv") fail(command, "schemes", "schemes without data-dependent calibration for a transformer", "lsuv");
  if (transformer)  // a rule made for one block form (deepnet, admin: post) refuses the others
    for (const auto& e : c.schemes) {
      nninit::initializer init(e.scheme);
      for (const auto& [name, value] : e.options) init.set(name, value);
      const nninit::transformer_scalars planned = init.scalars_for({c.depth, c.width, c.heads, c.ffn_width});
      if (!planned.fits(nninit::detail::name_of(c.form)))
        fail(command, "norm", std::string(nninit::detail::name_of(planned.form)) + " for scheme " + e.scheme, nninit::detail::name_of(c.form));
    }

  c.bias = o.bias;
  c.batch = o.batch, c.seeds = o.seeds, c.jacobian_max = o.jacobian_max, c.calibration = o.calibration;
  check_range(command, "batch", c.batch, 1, 65536);
  check_range(command, "seeds", c.seeds, 1, 1000);
  check_range(command, "jacobian-max", c.jacobian_max, 0, 4096);
  check_range(command, "calibration-batch", c.calibration, 1, 65536);
  const auto seed = parse_uint64(o.seed);
  if (!seed) fail(command, "seed", "an integer in [0, 2^64)", in_quotes(o.seed));
  c.seed = *seed;
  if (o.gradient != "random" && o.gradient != "loss") fail(command, "gradient", "random or loss", in_quotes(o.gradient));
  c.gradient = o.gradient == "loss" ? h::gradient_source::loss : h::gradient_source::random;

  if (o.train != "fashion-mnist" && o.train != "synthetic" && o.train != "none")
    fail(command, "train", "one of fashion-mnist, synthetic, none", in_quotes(o.train));
  c.train = o.train;
  if (c.arch == "lm") {  // read now: a missing, empty or binary corpus is an error before any run
    c.corpus = o.corpus;
    c.text = std::make_shared<const h::text_corpus>(h::load_corpus(c.corpus));
    const auto shortest = static_cast<nninit::index>(std::min(c.text->train.size(), c.text->validation.size()));
    if (c.context >= shortest)
      fail(command, "context", "shorter than the corpus's smaller split (" + std::to_string(shortest) + " bytes)",
           std::to_string(c.context));
  }
  // The trained network is the probed one (its depth, width, activation and norm), reading the
  // data through its first layer and ending in a classifier.
  c.train_depth = or_default(o.train_depth, c.depth);
  c.train_width = or_default(o.train_width, c.width);
  check_range(command, "train-depth", c.train_depth, 1, 10000);
  check_range(command, "train-width", c.train_width, 1, resnet ? 1024 : 65536);
  auto& t = c.train_options;
  const std::string optimizer = o.optimizer.empty() ? (transformer ? "adamw" : "sgd") : o.optimizer;
  if (optimizer != "sgd" && optimizer != "adamw") fail(command, "optimizer", "sgd or adamw", in_quotes(optimizer));
  t.algorithm = optimizer == "adamw" ? h::optimizer_kind::adamw : h::optimizer_kind::sgd;
  t.epochs = o.epochs, t.momentum = o.momentum;
  t.batch = or_default(o.train_batch, c.arch == "vit" ? 64 : c.arch == "lm" ? 32 : 128);
  t.learning_rate = o.lr_option && o.lr_option->count() ? o.learning_rate : default_learning_rate(c.arch, t.algorithm);
  t.warmup = o.warmup, t.cosine = o.cosine, t.clip_norm = o.clip, t.weight_decay = o.weight_decay;
  t.beta1 = o.beta1, t.beta2 = o.beta2, t.eps = o.eps;
  if (!(t.beta1 >= 0 && t.beta1 < 1)) fail(command, "beta1", "in [0, 1)", nninit::detail::number(t.beta1));
  if (!(t.beta2 >= 0 && t.beta2 < 1)) fail(command, "beta2", "in [0, 1)", nninit::detail::number(t.beta2));
  if (!(t.eps > 0 && std::isfinite(t.eps))) fail(command, "eps", "finite and > 0", nninit::detail::number(t.eps));
  if (transformer) {
    if (o.steps != compare_options::unset) check_range(command, "steps", o.steps, 1, nninit::index{1} << 24);
    if (c.arch == "lm" && o.train_samples != compare_options::unset)
      fail(command, "train-samples", "not given for --arch lm (it trains on --steps batches of random windows)",
           std::to_string(o.train_samples));
    t.steps = or_default(o.steps, default_transformer_steps);
  } else if (o.steps != compare_options::unset) {
    fail(command, "steps", "given only with --arch vit or lm (use --train-samples)", std::to_string(o.steps));
  }
  // The ViT trains on its first steps x batch images unless --train-samples says otherwise.
  t.max_samples = or_default(o.train_samples, c.arch == "vit" ? t.steps * t.batch : default_train_samples(c.arch));
  if (c.arch == "lm") t.max_samples = 0;
  check_range(command, "epochs", t.epochs, 1, 1000);
  check_range(command, "train-batch", t.batch, 1, 65536);
  check_range(command, "train-samples", t.max_samples, 0, nninit::index{1} << 31);
  check_range(command, "warmup", t.warmup, 0, nninit::index{1} << 31);
  if (!(t.learning_rate > 0 && t.learning_rate <= 100)) fail(command, "lr", "in (0, 100]", nninit::detail::number(t.learning_rate));
  if (!(t.momentum >= 0 && t.momentum < 1)) fail(command, "momentum", "in [0, 1)", nninit::detail::number(t.momentum));
  if (!(t.weight_decay >= 0 && std::isfinite(t.weight_decay)))
    fail(command, "weight-decay", "finite and >= 0", nninit::detail::number(t.weight_decay));
  if (!(t.clip_norm >= 0 && std::isfinite(t.clip_norm)))
    fail(command, "clip", "finite and >= 0 (0: no clipping)", nninit::detail::number(t.clip_norm));

  if (c.arch == "lm") c.train_depth = c.depth, c.train_width = c.width;  // one network, probed and trained
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
      auto net = make_network<float>(c, init, c.activations.front(), training, 784, 10);  // inputs, classes of Fashion-MNIST
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

/// "stuck at chance", "diverged at step N" or nothing (see train_run::outcome).
std::string outcome_of(const h::train_result& r, nninit::index classes) {
  if (r.diverged) return "diverged at step " + std::to_string(r.diverged_step);
  const double chance = std::log(static_cast<double>(classes));
  if (std::abs(r.final_train_loss - chance) <= 0.01 * chance) return "stuck at chance";
  return "";
}

/// The language model's training runs, one per (activation, scheme): --steps steps of AdamW on
/// random windows of the corpus's training split, validation nats per character at the end.
void train_language_model(const config& c, results& r, task_pool& pool) {
  const auto& t = c.train_options;
  r.train_data = c.text->source;
  r.split = c.text->split;
  r.classes = c.text->vocabulary();
  r.train_examples = t.steps * t.batch * t.epochs;
  r.train_available = static_cast<nninit::index>(c.text->train.size());
  r.train_options = t;
  r.train_options.loss_window = std::max<nninit::index>(1, t.steps * t.epochs / 60);
  r.train.resize(c.activations.size() * c.schemes.size());
  for (std::size_t a = 0; a < c.activations.size(); ++a) {
    r.train_models.push_back(make_network<float>(c, nninit::initializer("kaiming_normal"), c.activations[a], true, 1, 0)->summary());
    for (std::size_t s = 0; s < c.schemes.size(); ++s) {
      compare::train_run& run = r.train[a * c.schemes.size() + s];
      run.activation = c.activations[a].text();
      run.scheme = &c.schemes[s];
      pool.add("train " + run.activation + " " + run.scheme->label, [&c, &r, &run, act = c.activations[a]] {
        const nninit::initializer init = make_initializer(*run.scheme, act, standard_inputs);
        auto net = make_network<float>(c, init, act, true, 1, 0);
        h::initialize(*net, init, nninit::engine(c.seed, 2));
        auto& lm = dynamic_cast<h::char_lm<float>&>(*net);
        run.result = h::train_lm(lm, *c.text, with_groups(r.train_options, *net, init), c.validation_windows, nninit::engine(c.seed, 3));
        run.outcome = outcome_of(run.result, r.classes);
      });
    }
  }
}

/// A transformer's probing batch: the first `batch` training images (vit), or `batch` windows
/// spread evenly over the corpus's training split (lm); and what it is, for the outputs.
h::matrix<double> probe_batch(const config& c, const h::dataset& data, std::string& what) {
  if (c.arch == "vit") {
    const nninit::index n = std::min<nninit::index>(c.batch, data.train_x.cols());
    what = "the first " + std::to_string(n) + " training images of " + data.source;
    return data.train_x.leftCols(n).cast<double>();
  }
  const auto starts = h::even_starts(static_cast<nninit::index>(c.text->train.size()), c.context, c.batch);
  what = std::to_string(starts.size()) + " windows of " + std::to_string(c.context) + " bytes spread over the training split of " +
         c.text->source;
  h::matrix<double> x;
  std::vector<int> labels;
  h::corpus_windows(c.text->train, starts, c.context, x, labels);
  return x;
}

results run(const config& c) {
  results r;
  task_pool pool;
  // Transformers are probed on real data: the images or text they train on.
  h::dataset data;
  if (c.train != "none" || c.arch == "vit") data = h::training_data(c.train != "synthetic", c.seed);
  h::matrix<double> probe;
  if (c.transformer()) probe = probe_batch(c, data, r.probe_data);
  r.signal.resize(c.activations.size() * c.schemes.size());
  for (std::size_t a = 0; a < c.activations.size(); ++a)
    for (std::size_t s = 0; s < c.schemes.size(); ++s) {
      compare::signal_run& run = r.signal[a * c.schemes.size() + s];
      run.activation = c.activations[a].text();
      run.scheme = &c.schemes[s];
      pool.add("signal " + run.activation + " " + run.scheme->label, [&c, &run, &probe, act = c.activations[a]] {
        const nninit::initializer init = make_initializer(*run.scheme, act, standard_inputs);
        h::signal_options opt;
        opt.batch = c.batch, opt.gradient = c.gradient, opt.jacobian_max_size = c.jacobian_max;
        std::vector<h::signal_stats> seeds;
        std::vector<h::transformer_signal> tokens;
        for (nninit::index k = 0; k < c.seeds; ++k) {
          const auto fork = static_cast<std::uint64_t>(k);
          auto net = make_network<double>(c, init, act, false, 0, 10);
          h::initialize(*net, init, nninit::engine(c.seed, 0).fork(fork));
          run.model = net->summary();
          if (auto* t = dynamic_cast<h::detail::transformer_network<double>*>(net.get())) {
            opt.at_batch = [&tokens, t] { tokens.push_back(h::measure_tokens(*t)); };
            seeds.push_back(h::measure_signal(*net, probe, opt, nninit::engine(c.seed, 1).fork(fork)));
            continue;
          }
          h::matrix<double> calibration;
          if (init.get_if<nninit::scheme::lsuv>()) {  // the probing distribution, N(0, 1)
            calibration.resize(net->input_size(), c.calibration);
            nninit::normal(calibration, nninit::engine(c.seed, 4).fork(fork));
          }
          auto report = calibrate(*net, init, calibration, nninit::engine(c.seed, 0).fork(fork));
          seeds.push_back(h::measure_signal(*net, opt, nninit::engine(c.seed, 1).fork(fork)));
          if (k == 0) run.hidden_plan = hidden_plan(c, *net, init, act), run.lsuv = std::move(report);
        }
        run.stats = h::average(seeds);
        if (!tokens.empty()) run.tokens = h::average(tokens);
      });
    }

  nninit::data_moments inputs;
  if (c.arch == "lm" && c.train != "none") {
    train_language_model(c, r, pool);
  } else if (c.train != "none") {
    r.train_data = data.source;
    r.train_synthetic = data.synthetic;
    r.classes = data.classes;
    const nninit::index available = data.train_x.cols();
    r.train_available = available;
    r.train_examples = c.train_options.max_samples > 0 ? std::min(c.train_options.max_samples, available) : available;
    // LSUV calibrates on the first examples of what is trained on: there must be enough.
    if (!c.transformer() && c.calibration > r.train_examples)
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
          run.result = h::train(*net, data.train_x, data.train_y, data.test_x, data.test_y,
                                with_groups(r.train_options, *net, init), nninit::engine(c.seed, 3));
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
  sub->add_option("--arch", o->arch,
                  "mlp, resmlp (residual MLP), resnet (CIFAR-style, conv), vit (a ViT on Fashion-MNIST) or lm (a causal "
                  "character-level transformer on a text corpus)")
      ->capture_default_str();
  sub->add_option("--depth", o->depth,
                  "layers (mlp), residual blocks (resmlp), blocks per stage (resnet), transformer blocks (vit, lm) "
                  "[50, 100, 3, 12, 6]");
  sub->add_option("--width", o->width,
                  "hidden width (mlp, resmlp), first stage's channels (resnet), d_model (vit, lm) [256, 256, 16, 64, 64]");
  sub->add_option("--heads", o->heads, "attention heads, a divisor of the width (vit, lm)")->capture_default_str();
  sub->add_option("--ffn-width", o->ffn_width, "FFN width d_ff (vit, lm) [2 x width]");
  sub->add_flag("--rms", o->rms, "RMSNorm instead of LayerNorm (vit, lm)");
  sub->add_option("--patch", o->patch, "patch side (vit): 7 (16 tokens + cls) or 4 (49 + cls)")->capture_default_str();
  sub->add_option("--context", o->context, "tokens per window (lm)")->capture_default_str();
  sub->add_flag("--tied", o->tied, "readout tied to the token table (lm)");
  sub->add_option("--corpus", o->corpus,
                  "text file or directory (lm; Debian's fortunes by default); bytes are the alphabet, the last 10% "
                  "validates")
      ->capture_default_str();
  sub->add_option("--layers-per-block", o->layers_per_block, "weight layers per residual branch (resmlp)")
      ->capture_default_str();
  sub->add_option("--norm", o->norm,
                  "normalization after every dense/conv layer, before the activation: none, batch (PyTorch's "
                  "BatchNorm: momentum 0.1, eps 1e-5), layer or rms [none]; for vit and lm the block form: post, pre, "
                  "none or attention_only [pre]");
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
  sub->add_option("--train-batch", o->train_batch, "mini-batch [128; vit 64, lm 32]");
  sub->add_option("--steps", o->steps, "training steps per epoch (vit: on its first steps x batch images; lm: random windows) [300]");
  sub->add_option("--validation-windows", o->validation_windows, "windows of the validation split the lm is evaluated on")
      ->capture_default_str();
  sub->add_option("--optimizer", o->optimizer, "sgd (with momentum) or adamw, with PyTorch's semantics [sgd; vit, lm adamw]");
  sub->add_option("--beta1", o->beta1, "AdamW's beta1")->capture_default_str();
  sub->add_option("--beta2", o->beta2, "AdamW's beta2")->capture_default_str();
  sub->add_option("--eps", o->eps, "AdamW's eps")->capture_default_str();
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
