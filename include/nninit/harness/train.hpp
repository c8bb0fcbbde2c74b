// nninit harness: training on softmax cross-entropy, with the optimizers of optimizer.hpp.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "../detail/format.hpp"
#include "../engine.hpp"
#include "../uniform.hpp"
#include "corpus.hpp"
#include "network.hpp"
#include "optimizer.hpp"

namespace nninit::harness {

/// How `train` trains: mini-batches drawn without replacement, softmax cross-entropy, the
/// optimizer of optimizer_options (SGD with momentum by default; AdamW) with PyTorch's semantics,
/// an optional linear warm-up and cosine decay, and optional clipping of the gradients' global norm.
struct train_options : optimizer_options {
  index epochs = 1;
  index batch = 128;
  double learning_rate = 0.05;
  index warmup = 0;         ///< steps of linear warm-up from learning_rate / warmup
  bool cosine = false;      ///< after the warm-up, decay to 0 at the last step along half a cosine
  double clip_norm = 0;     ///< clip the gradients' global 2-norm to this (0: no clipping)
  index loss_window = 50;   ///< steps averaged into one point of the training-loss curve
  index final_window = 50;  ///< the last steps averaged into final_train_loss
  index max_samples = 0;    ///< use only the first N training examples (0: all)
  index steps = 0;          ///< a language model's steps per epoch (train_lm; random windows)
  /// Per parameter (net.parameters() order), the rule's multipliers of the learning rate, epsilon
  /// and weight decay (parameter_groups(net, rule, algorithm)); empty: all 1.
  std::vector<optimizer_multipliers> groups;
};

struct epoch_result {
  index epoch = 0;
  double train_loss = 0;     ///< mean over the epoch's steps
  double test_loss = 0;
  double test_accuracy = 0;  ///< in [0, 1]
};

struct loss_point {
  index step = 0;  ///< last step of the window, 1-based
  double loss = 0; ///< mean over the window
};

struct train_result {
  std::vector<epoch_result> epochs;
  std::vector<loss_point> curve;
  double seconds = 0;
  bool diverged = false;      ///< the loss became NaN or inf; training stopped there
  index diverged_step = 0;    ///< the step whose loss was not finite (1-based), when diverged
  index steps = 0;
  /// Mean training loss over the last `final_window` steps (all of them when fewer); NaN when
  /// the run diverged.
  double final_train_loss = std::numeric_limits<double>::quiet_NaN();
};

namespace detail {

/// Mean cross-entropy of softmax(logits) against labels; fills the gradient when asked, and
/// counts correct argmax predictions.
template <class T>
double softmax_cross_entropy(const matrix<T>& logits, const int* labels, matrix<T>* grad, index* correct) {
  double loss = 0;
  const auto n = logits.cols();
  if (grad) grad->resize(logits.rows(), n);
  Eigen::VectorXd e(logits.rows());  // exp(logit - top) of one column, computed once
  for (Eigen::Index c = 0; c < n; ++c) {
    Eigen::Index best = 0;
    const double top = static_cast<double>(logits.col(c).maxCoeff(&best));
    double z = 0;
    for (Eigen::Index r = 0; r < logits.rows(); ++r) z += e(r) = std::exp(static_cast<double>(logits(r, c)) - top);
    // cppcheck-suppress invalidFunctionArg ; z >= 1: the top logit's own term is exp(0)
    loss += std::log(z) + top - static_cast<double>(logits(labels[c], c));
    if (correct && best == labels[c]) ++*correct;
    if (grad) {
      for (Eigen::Index r = 0; r < logits.rows(); ++r) (*grad)(r, c) = static_cast<T>(e(r) / z / static_cast<double>(n));
      (*grad)(labels[c], c) -= static_cast<T>(1.0 / static_cast<double>(n));
    }
  }
  return loss / static_cast<double>(n);
}

/// A permutation of 0..n-1 that depends only on (eng, n): Fisher-Yates with counter-based draws.
inline std::vector<index> permutation(index n, const engine& eng) {
  std::vector<index> p(static_cast<std::size_t>(n));
  std::iota(p.begin(), p.end(), index{0});
  if (n < 2) return p;
  Eigen::VectorXd u(n);
  nninit::uniform(u, eng);
  for (index i = n - 1; i > 0; --i) {
    const auto j = std::min(static_cast<index>(u(i) * static_cast<double>(i + 1)), i);
    std::swap(p[static_cast<std::size_t>(i)], p[static_cast<std::size_t>(j)]);
  }
  return p;
}

}  // namespace detail

/// Loss and accuracy of `net` on a labelled set, in batches, in eval mode (batch normalization
/// with its running averages); the network's mode is restored after.
template <class T>
epoch_result evaluate(network<T>& net, const matrix<float>& x, const Eigen::VectorXi& y, index batch = 1000) {
  epoch_result r;
  index correct = 0;
  double loss = 0;
  const network_mode mode = net.mode();
  net.set_mode(network_mode::eval);
  matrix<T> xb;
  for (index start = 0; start < x.cols(); start += batch) {
    const index n = std::min(batch, static_cast<index>(x.cols()) - start);
    xb = x.middleCols(start, n).template cast<T>();
    loss += detail::softmax_cross_entropy<T>(net.forward(xb), y.data() + start, nullptr, &correct) * static_cast<double>(n);
  }
  net.set_mode(mode);
  r.test_loss = loss / static_cast<double>(x.cols());
  r.test_accuracy = static_cast<double>(correct) / static_cast<double>(x.cols());
  return r;
}

/// A training run's data: the batch of every step and the evaluation after every epoch.
template <class T>
struct training_task {
  index steps_per_epoch = 0;
  /// Fills x (the network's input) and one label per output column for step `step` (0-based) of
  /// epoch `epoch` (1-based).
  std::function<void(index epoch, index step, matrix<T>& x, std::vector<int>& labels)> batch;
  std::function<epoch_result()> evaluate;
};

namespace detail {

template <class T>
void check_train_options(const nninit::detail::checker& check, const network<T>& net, const train_options& opt) {
  using nninit::detail::cat, nninit::detail::number;
  if (opt.epochs < 1) check.fail("epochs", ">= 1", number(opt.epochs));
  if (opt.batch < net.min_training_batch())
    check.fail("batch", net.min_training_batch() > 1 ? cat(">= ", number(net.min_training_batch()), " with batch normalization")
                                                     : std::string(">= 1"),
               number(opt.batch));
  if (!(opt.learning_rate > 0) || !std::isfinite(opt.learning_rate)) check.fail("learning_rate", "finite and > 0", opt.learning_rate);
  opt.validate("train");
  if (opt.warmup < 0) check.fail("warmup", ">= 0", number(opt.warmup));
  if (!(opt.clip_norm >= 0) || !std::isfinite(opt.clip_norm)) check.fail("clip_norm", "finite and >= 0", opt.clip_norm);
  if (opt.loss_window < 1) check.fail("loss_window", ">= 1", number(opt.loss_window));
  if (opt.final_window < 1) check.fail("final_window", ">= 1", number(opt.final_window));
}

}  // namespace detail

/// Trains an initialized network on `task` with the options' optimizer and schedule (the options
/// checked by the caller), softmax cross-entropy over the output's columns. `progress(step,
/// steps)` is called after every step when given. A loss that is not finite stops the run there
/// (`diverged`, `diverged_step`).
template <class T>
train_result run_training(network<T>& net, const training_task<T>& task, const train_options& opt,
                          const std::function<void(index, index)>& progress = {}) {
  const auto started = std::chrono::steady_clock::now();
  train_result result;
  const auto params = net.parameters();
  optimizer<T> update(params, opt, opt.groups);
  net.set_mode(network_mode::train);
  net.set_input_gradient(false);  // nobody reads d loss / d data

  const index total_steps = task.steps_per_epoch * opt.epochs;
  matrix<T> xb, grad;
  std::vector<int> yb;
  double window_sum = 0;
  index window_count = 0;
  std::vector<double> last(static_cast<std::size_t>(opt.final_window));  // a ring of the last losses
  for (index epoch = 1; epoch <= opt.epochs && !result.diverged; ++epoch) {
    double epoch_loss = 0;
    index epoch_steps = 0;
    for (index step = 0; step < task.steps_per_epoch; ++step) {
      task.batch(epoch, step, xb, yb);
      const double loss = detail::softmax_cross_entropy<T>(net.forward(xb), yb.data(), &grad, nullptr);
      ++result.steps;
      if (!std::isfinite(loss)) {
        result.diverged = true;
        result.diverged_step = result.steps;
        break;
      }
      net.backward(grad);
      if (opt.clip_norm > 0) clip_gradients(params, opt.clip_norm);
      update.step(scheduled_rate(opt.learning_rate, result.steps, total_steps, opt.warmup, opt.cosine));
      last[static_cast<std::size_t>((result.steps - 1) % opt.final_window)] = loss;
      epoch_loss += loss, ++epoch_steps;
      window_sum += loss, ++window_count;
      if (window_count == opt.loss_window) {
        result.curve.push_back({result.steps, window_sum / static_cast<double>(window_count)});
        window_sum = 0, window_count = 0;
      }
      if (progress) progress(result.steps, total_steps);
    }
    if (result.diverged) break;
    epoch_result e = task.evaluate();
    e.epoch = epoch;
    e.train_loss = epoch_loss / static_cast<double>(std::max<index>(epoch_steps, 1));
    result.epochs.push_back(e);
  }
  if (window_count > 0 && !result.diverged)
    result.curve.push_back({result.steps, window_sum / static_cast<double>(window_count)});
  if (!result.diverged && result.steps > 0) {
    const auto kept_losses = static_cast<std::size_t>(std::min(result.steps, opt.final_window));
    double sum = 0;
    for (std::size_t i = 0; i < kept_losses; ++i) sum += last[i];
    result.final_train_loss = sum / static_cast<double>(kept_losses);
  }
  net.set_input_gradient(true);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

/// Trains an initialized network (outputs = classes) on (train_x, train_y), one example per
/// column, and evaluates on (test_x, test_y) after every epoch. Batches are drawn without
/// replacement in an order that depends only on `eng` and the epoch; a last batch smaller than
/// the network's min_training_batch() (one example under batch normalization) is dropped, as
/// DataLoader's drop_last would. See run_training for the rest.
template <class T>
train_result train(network<T>& net, const matrix<float>& train_x, const Eigen::VectorXi& train_y,
                   const matrix<float>& test_x, const Eigen::VectorXi& test_y, const train_options& opt,
                   const engine& eng, const std::function<void(index, index)>& progress = {}) {
  using nninit::detail::cat, nninit::detail::number;
  const nninit::detail::checker check("train", "");
  detail::check_train_options(check, net, opt);
  if (train_x.rows() != net.input_size() || test_x.rows() != net.input_size())
    check.fail("data features", cat("the network's ", number(net.input_size()), " inputs"),
               number(static_cast<index>(train_x.rows())));
  if (train_x.cols() != train_y.size() || test_x.cols() != test_y.size() || train_x.cols() == 0 || test_x.cols() == 0)
    check.fail("data", "non-empty, one label per example", "a mismatch");
  for (const Eigen::VectorXi* labels : {&train_y, &test_y})
    if (labels->size() && (labels->minCoeff() < 0 || labels->maxCoeff() >= net.output_size()))
      check.fail("labels", cat("in [0, ", number(net.output_size()), ")"), "a label outside");

  const index n = opt.max_samples > 0 ? std::min<index>(opt.max_samples, train_x.cols()) : train_x.cols();
  const index kept = n % opt.batch != 0 && n % opt.batch < net.min_training_batch() ? n - n % opt.batch : n;
  std::vector<index> order;
  training_task<T> task;
  task.steps_per_epoch = (kept + opt.batch - 1) / opt.batch;
  task.batch = [&](index epoch, index step, matrix<T>& xb, std::vector<int>& yb) {
    if (step == 0) order = detail::permutation(n, eng.fork(static_cast<std::uint64_t>(epoch)));
    const index start = step * opt.batch, m = std::min(opt.batch, kept - start);
    xb.resize(train_x.rows(), m);
    yb.resize(static_cast<std::size_t>(m));
    for (index j = 0; j < m; ++j) {
      const index src = order[static_cast<std::size_t>(start + j)];
      xb.col(j) = train_x.col(src).template cast<T>();
      yb[static_cast<std::size_t>(j)] = train_y(src);
    }
  };
  task.evaluate = [&] { return evaluate(net, test_x, test_y); };
  return run_training(net, task, opt, progress);
}

/// Mean cross-entropy per character (nats) and next-character accuracy of a language model on
/// the validation windows of `corpus` (even_starts), in eval mode, `batch` windows at a time.
/// `LanguageModel` is char_lm<T> (transformer.hpp).
template <class LanguageModel>
epoch_result evaluate_lm(LanguageModel& net, const text_corpus& corpus, index windows, index batch = 64) {
  using T = typename LanguageModel::value_type;
  const index n = net.config().context;
  const auto starts = even_starts(static_cast<index>(corpus.validation.size()), n, windows);
  epoch_result r;
  index correct = 0;
  double loss = 0;
  const network_mode mode = net.mode();
  net.set_mode(network_mode::eval);
  matrix<T> x;
  std::vector<int> labels;
  for (std::size_t first = 0; first < starts.size(); first += static_cast<std::size_t>(batch)) {
    const std::vector<index> part(starts.begin() + static_cast<std::ptrdiff_t>(first),
                                  starts.begin() + static_cast<std::ptrdiff_t>(std::min(starts.size(), first + static_cast<std::size_t>(batch))));
    corpus_windows(corpus.validation, part, n, x, labels);
    loss += detail::softmax_cross_entropy<T>(net.forward(x), labels.data(), nullptr, &correct) * static_cast<double>(x.cols());
  }
  net.set_mode(mode);
  const double tokens = static_cast<double>(starts.size()) * static_cast<double>(n);
  r.test_loss = loss / tokens;
  r.test_accuracy = static_cast<double>(correct) / tokens;
  return r;
}

/// Trains a character-level language model on random windows of the corpus's training split:
/// opt.steps steps of opt.batch windows per epoch, step t's windows drawn from eng.fork(epoch)
/// .fork(t) alone; after each epoch, the validation nats per character on `validation_windows`
/// evenly spread windows (test_loss; test_accuracy the next-character accuracy). The model's
/// vocabulary must be the corpus's. `LanguageModel` is char_lm<T> (transformer.hpp).
template <class LanguageModel>
train_result train_lm(LanguageModel& net, const text_corpus& corpus, const train_options& opt, index validation_windows,
                      const engine& eng, const std::function<void(index, index)>& progress = {}) {
  using T = typename LanguageModel::value_type;
  using nninit::detail::cat, nninit::detail::number;
  const nninit::detail::checker check("train_lm", "");
  detail::check_train_options(check, net, opt);
  const index n = net.config().context;
  if (net.config().vocabulary != corpus.vocabulary())
    check.fail("vocabulary", cat("the corpus's ", number(corpus.vocabulary())), number(net.config().vocabulary));
  if (opt.steps < 1) check.fail("steps", ">= 1", number(opt.steps));
  if (validation_windows < 1) check.fail("validation_windows", ">= 1", number(validation_windows));
  check_window_fits(static_cast<index>(corpus.train.size()), n);
  check_window_fits(static_cast<index>(corpus.validation.size()), n);
  training_task<T> task;
  task.steps_per_epoch = opt.steps;
  task.batch = [&](index epoch, index step, matrix<T>& x, std::vector<int>& labels) {
    const auto starts = random_starts(static_cast<index>(corpus.train.size()), n, opt.batch,
                                      eng.fork(static_cast<std::uint64_t>(epoch)).fork(static_cast<std::uint64_t>(step)));
    corpus_windows(corpus.train, starts, n, x, labels);
  };
  task.evaluate = [&] { return evaluate_lm(net, corpus, validation_windows); };
  return run_training(net, task, opt, progress);
}

}  // namespace nninit::harness
