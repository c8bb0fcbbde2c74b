// nninit harness: the one forward/backward machinery every model of the harness is built on.
//
// A model is a straight sequence of layers (harness/layers/) over buffers allocated once, in the
// manner of llm.c's gpt2_forward/gpt2_backward (STYLE.md §9): each layer's forward writes its
// output buffer and caches what its backward needs; backward runs the sequence in reverse.
// A buffer read by several layers (a residual stream, a shortcut) gets the sum of their
// gradients: the first layer to reach it in the backward pass writes its gradient, the others
// add to it (decided once, when the sequence is built). The only step that is not a layer is
// the residual sum, y = a + b.
//
// Because the sequence is explicit, a forward pass can stop after any step and resume from
// there: LSUV (nninit/lsuv.hpp) calibrates layer k from the cached input of layer k, one layer
// forward per rescale instead of the whole prefix.
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../detail/format.hpp"
#include "network.hpp"

namespace nninit::harness {

/// Where a layer's parameters sit in the network, for network rules and messages.
struct placement {
  std::string name;                     ///< "fc3", "block7.fc2", "stage1.block0.conv1"
  layer_role role = layer_role::hidden;
  index block = -1;                     ///< residual block (0-based) inside a residual network
};

/// What a layer's backward does with d loss / d input: `dx` is null when nobody needs it, and
/// `accumulate` says whether to add to it (another reader of the same buffer wrote it already)
/// or to overwrite it.
template <class T>
struct input_gradient {
  matrix<T>* dx = nullptr;
  bool accumulate = false;

  /// dx = e or dx += e, for any Eigen expression e (products included: noalias, no temporary).
  template <class Expr>
  void set(const Expr& e) const {
    if (!dx) return;
    if (accumulate) dx->noalias() += e;
    else dx->noalias() = e;
  }
};

/// One layer of the set: a map from one buffer to another, with its parameters.
template <class T>
class layer {
 public:
  virtual ~layer() = default;
  layer() = default;
  layer(const layer&) = delete;  // parameters point into the object
  layer& operator=(const layer&) = delete;

  /// y = f(x); y is resized as needed (and kept between calls: no allocation at a fixed batch).
  virtual void forward(const matrix<T>& x, matrix<T>& y) = 0;
  /// Given x, y and dy = d loss / d y from the last forward, sets the gradient of each of the
  /// layer's parameters and writes (or adds) dx.
  virtual void backward(const matrix<T>& x, const matrix<T>& y, const matrix<T>& dy, const input_gradient<T>& dx) = 0;
  /// Appends the layer's parameters, in the order streams are forked in.
  virtual void add_parameters(std::vector<parameter<T>>& /*out*/) {}
  virtual void set_mode(network_mode /*m*/) {}
  /// The smallest batch (columns of x) a training forward accepts.
  virtual index min_training_batch() const { return 1; }
  /// Multiply-adds of the forward pass per example (a dense layer's out*in, a conv's
  /// out*in*k*k*output pixels); what a training step's FLOPs are counted from.
  virtual double macs_per_example() const { return 0; }
  /// The weight LSUV rescales (the layer's output is linear in it), or null.
  virtual matrix<T>* lsuv_weight() { return nullptr; }
  /// The bias LSUV shifts with adjust_mean (one value per output row), or null.
  virtual matrix<T>* lsuv_bias() { return nullptr; }
};

/// A sequence of layers and residual sums over buffers; buffer 0 is the input.
template <class T>
class graph {
 public:
  using id = std::size_t;
  static constexpr id input = 0;

  graph() : buffers_(1) {}
  graph(const graph&) = delete;
  graph& operator=(const graph&) = delete;

  /// Appends `l` reading buffer `x`; returns the buffer it writes.
  template <class Layer>
  id add(std::unique_ptr<Layer> l, id x) {
    steps_.push_back({std::move(l), x, no_buffer, new_buffer(), false, false, false, false});
    return steps_.back().out;
  }
  /// Constructs a layer of type L in place; returns it, its output buffer in `out`.
  template <class L, class... Args>
  L& emplace(id x, id& out, Args&&... args) {
    auto owned = std::make_unique<L>(std::forward<Args>(args)...);
    L& ref = *owned;
    out = add(std::move(owned), x);
    return ref;
  }
  /// Appends y = a + b; returns y.
  id sum(id a, id b) {
    steps_.push_back({nullptr, a, b, new_buffer(), false, false, false, false});
    return steps_.back().out;
  }
  /// Names buffer `b` as a probe of the signal statistics.
  void add_probe(std::string name, id b, bool in_branch = false) {
    probes_.push_back({std::move(name), &buffers_[b].value, &buffers_[b].grad, in_branch});
  }

  /// Decides, for every step, who writes and who adds each input gradient; `output` is the
  /// buffer whose gradient backward receives. Called once, after the last step.
  void finish(id output) {
    output_ = output;
    std::vector<bool> written(buffers_.size(), false);
    written[output] = true;
    for (auto s = steps_.rbegin(); s != steps_.rend(); ++s) {
      s->accumulate = written[s->in];
      written[s->in] = true;
      if (s->in2 != no_buffer) {
        s->accumulate2 = written[s->in2];
        written[s->in2] = true;
      }
    }
    set_input_gradient(true);
  }

  /// Whether backward computes d loss / d input (the Jacobian needs it; training does not).
  void set_input_gradient(bool wanted) {
    for (step& s : steps_) {
      s.need_dx = wanted || s.in != input;
      s.need_dx2 = wanted || s.in2 != input;
    }
  }

  /// Copies x into the input buffer; `run` then computes the steps.
  void set_input(const matrix<T>& x) {
    buffers_[input].value = x;
    done_ = 0;
  }
  /// Runs steps [done, last) (all with last = size()), resuming where the last run stopped.
  void run(std::size_t last) {
    for (; done_ < last && done_ < steps_.size(); ++done_, ++runs_) {
      step& s = steps_[done_];
      matrix<T>& y = buffers_[s.out].value;
      if (s.op) s.op->forward(buffers_[s.in].value, y);
      else y.noalias() = buffers_[s.in].value + buffers_[s.in2].value;
    }
  }
  /// Recomputes step k alone (its input unchanged, its parameters changed); steps after k are
  /// stale until run again.
  void rerun(std::size_t k) {
    done_ = k;
    run(k + 1);
  }

  const matrix<T>& forward(const matrix<T>& x) {
    set_input(x);
    run(steps_.size());
    return buffers_[output_].value;
  }

  const matrix<T>& backward(const matrix<T>& grad_output) {
    buffers_[output_].grad = grad_output;
    for (auto s = steps_.rbegin(); s != steps_.rend(); ++s) {
      const matrix<T>& dy = buffers_[s->out].grad;
      const input_gradient<T> dx{s->need_dx ? &buffers_[s->in].grad : nullptr, s->accumulate};
      if (s->op) {
        s->op->backward(buffers_[s->in].value, buffers_[s->out].value, dy, dx);
      } else {
        dx.set(dy);
        input_gradient<T>{s->need_dx2 ? &buffers_[s->in2].grad : nullptr, s->accumulate2}.set(dy);
      }
    }
    return buffers_[input].grad;
  }

  std::vector<parameter<T>> parameters() {
    std::vector<parameter<T>> out;
    for (step& s : steps_)
      if (s.op) s.op->add_parameters(out);
    return out;
  }
  const std::vector<probe<T>>& probes() const { return probes_; }

  void set_mode(network_mode m) {
    mode_ = m;
    for (step& s : steps_)
      if (s.op) s.op->set_mode(m);
  }
  network_mode mode() const { return mode_; }
  index min_training_batch() const {
    index n = 1;
    for (const step& s : steps_)
      if (s.op) n = std::max(n, s.op->min_training_batch());
    return n;
  }

  std::size_t size() const { return steps_.size(); }
  /// Multiply-adds of a forward pass per example, over every layer.
  double macs_per_example() const {
    double n = 0;
    for (const step& s : steps_)
      if (s.op) n += s.op->macs_per_example();
    return n;
  }
  /// Steps computed by forward passes since construction (what a calibration costs).
  std::size_t steps_run() const { return runs_; }
  /// The layer of step k (null for a residual sum) and the buffers it reads and writes.
  layer<T>* layer_at(std::size_t k) { return steps_[k].op.get(); }
  id input_of(std::size_t k) const { return steps_[k].in; }
  id output_of(std::size_t k) const { return steps_[k].out; }
  const matrix<T>& value(id b) const { return buffers_[b].value; }
  id output() const { return output_; }

 private:
  static constexpr id no_buffer = static_cast<id>(-1);

  struct buffer {
    matrix<T> value, grad;
  };
  struct step {
    std::unique_ptr<layer<T>> op;  // null: the residual sum out = in + in2
    id in, in2, out;
    bool accumulate, accumulate2;  // add to the input's gradient instead of writing it
    bool need_dx, need_dx2;
  };

  id new_buffer() {
    buffers_.emplace_back();
    return buffers_.size() - 1;
  }

  std::deque<buffer> buffers_;  // a deque: probes point into it as it grows
  std::vector<step> steps_;
  std::vector<probe<T>> probes_;
  id output_ = input;
  std::size_t done_ = 0, runs_ = 0;
  network_mode mode_ = network_mode::train;
};

/// A network of the harness built as a graph: the models only build it in their constructors.
template <class T>
class graph_network : public network<T> {
 public:
  const matrix<T>& forward(const matrix<T>& x) override {
    check_input(x);
    if (graph_.mode() == network_mode::train && x.cols() < graph_.min_training_batch())
      nninit::detail::checker(name(), "").fail(
          "batch", nninit::detail::cat(">= ", nninit::detail::number(graph_.min_training_batch()),
                                       " in training mode (batch normalization needs two values per channel)"),
          nninit::detail::number(static_cast<index>(x.cols())));
    forwarded_ = x.cols();
    return graph_.forward(x);
  }
  const matrix<T>& backward(const matrix<T>& grad_output) override {
    using nninit::detail::cat, nninit::detail::number;
    const nninit::detail::checker check(name(), "");
    if (forwarded_ < 0) check.fail("backward", "preceded by forward", "no forward pass");
    const matrix<T>& y = graph_.value(graph_.output());
    if (grad_output.rows() != y.rows() || grad_output.cols() != y.cols())
      check.fail("grad_output", cat(number(index{y.rows()}), "x", number(index{y.cols()}), " (the output of the forward)"),
                 cat(number(index{grad_output.rows()}), "x", number(index{grad_output.cols()})));
    return graph_.backward(grad_output);
  }
  std::vector<parameter<T>> parameters() override { return graph_.parameters(); }
  std::vector<probe<T>> probes() const override { return graph_.probes(); }
  void set_mode(network_mode m) override { graph_.set_mode(m); }
  network_mode mode() const override { return graph_.mode(); }
  index min_training_batch() const override { return graph_.min_training_batch(); }
  void set_input_gradient(bool wanted) override { graph_.set_input_gradient(wanted); }

  /// The sequence itself: LSUV, the benchmarks and tests read and run it step by step.
  graph<T>& steps() { return graph_; }

 protected:
  graph_network() = default;
  /// "mlp", "resmlp", "resnet": the name in messages.
  virtual const char* name() const = 0;
  /// What the input's row count must be, for the message ("784", "channels*height*width = 98").
  virtual std::string input_rule() const { return nninit::detail::number(this->input_size()); }

  virtual void check_input(const matrix<T>& x) const {
    if (x.rows() != this->input_size())
      nninit::detail::checker(name(), "").fail("input rows", input_rule(), nninit::detail::number(static_cast<index>(x.rows())));
  }

  graph<T> graph_;

 private:
  index forwarded_ = -1;
};

}  // namespace nninit::harness
