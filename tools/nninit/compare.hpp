// nninit tool: `nninit compare`, its configuration and results, shared by compare.cpp (which
// runs the experiments) and compare_output.cpp (the table, the JSON and the HTML report).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nninit/harness/activation.hpp>
#include <nninit/harness/corpus.hpp>
#include <nninit/harness/layers/norm.hpp>
#include <nninit/harness/signal.hpp>
#include <nninit/harness/train.hpp>
#include <nninit/harness/transformer_signal.hpp>
#include <nninit/lsuv.hpp>
#include <nninit/plan.hpp>

#include "weight_args.hpp"

namespace nninit_cli::compare {

using nninit_cli::scheme_entry;

/// The resolved configuration: every default filled in, every value checked.
struct config {
  std::string arch;  ///< mlp, resmlp, resnet, vit or lm
  nninit::index depth = 0, width = 0, layers_per_block = 2;
  nninit::harness::norm_kind norm = nninit::harness::norm_kind::none;
  // Transformers (vit, lm): the block form (--norm post|pre|none|attention_only), RMSNorm instead
  // of LayerNorm, heads, FFN width, the ViT's patch, the LM's context, tied readout and corpus.
  nninit::harness::block_form form = nninit::harness::block_form::pre_norm;
  bool rms = false, tied = false;
  nninit::index heads = 4, ffn_width = 0, patch = 7, context = 64, validation_windows = 256;
  std::string corpus;
  std::shared_ptr<const nninit::harness::text_corpus> text;  ///< the LM's corpus, read when resolving
  bool transformer() const { return arch == "vit" || arch == "lm"; }
  std::vector<nninit::harness::activation> activations;
  std::vector<scheme_entry> schemes;
  bool bias = false;
  nninit::index batch = 256, seeds = 1, jacobian_max = 1024;
  nninit::index calibration = 512;  ///< LSUV's calibration batch
  std::uint64_t seed = 0;
  nninit::harness::gradient_source gradient = nninit::harness::gradient_source::random;
  std::string train;  ///< fashion-mnist, synthetic or none
  nninit::index train_depth = 0, train_width = 0;
  nninit::harness::train_options train_options;
  unsigned threads = 1;
  std::string json, report;
  std::string command;  ///< the command line, quoted for a POSIX shell
};

struct signal_run {
  std::string activation;  ///< activation text ("relu", "sine:30")
  const scheme_entry* scheme = nullptr;
  std::string model;       ///< the network's summary
  nninit::harness::signal_stats stats;  ///< averaged over the seeds
  /// The plan of the first hidden layer of an mlp, with its variance map under the activation
  /// (propagation empty for other architectures and for schemes without an output std).
  nninit::plan hidden_plan;
  std::optional<nninit::lsuv_report> lsuv;  ///< the first seed's calibration, under lsuv
  std::optional<nninit::harness::transformer_signal> tokens;  ///< a transformer's attention diagnostics, averaged
};

struct train_run {
  std::string activation;
  const scheme_entry* scheme = nullptr;
  nninit::harness::train_result result;
  std::optional<nninit::lsuv_report> lsuv;
  /// "stuck at chance" (the final training loss within 1 % of ln(classes)), "diverged at step
  /// N", or empty.
  std::string outcome;
};

struct results {
  std::vector<signal_run> signal;  ///< activation-major, in the order of the configuration
  std::vector<train_run> train;    ///< the same order, when training was asked for
  std::vector<std::string> train_models;  ///< summary of the trained network, per activation
  std::string train_data;          ///< where the data came from
  nninit::index train_examples = 0;   ///< training examples used per epoch
  nninit::index train_available = 0;  ///< training examples in the data
  nninit::index classes = 10;  ///< the LM's vocabulary
  bool train_synthetic = false;
  std::string probe_data;  ///< a transformer's probing batch: "the first 256 training images of ..."
  std::string split;       ///< the LM corpus's train/validation split
  nninit::harness::train_options train_options;  ///< as trained: the configuration's, loss_window set for the run
};

/// A run's verdict: "stable", or what went wrong ("signal explodes, gradient vanishes",
/// "overflow at block57.out").
std::string verdict(const nninit::harness::signal_stats& s);

/// The aligned table on stdout.
std::string table(const config& c, const results& r);
/// The JSON document of --json.
std::string json(const config& c, const results& r);
/// The self-contained HTML report of --report.
std::string html(const config& c, const results& r);

}  // namespace nninit_cli::compare
