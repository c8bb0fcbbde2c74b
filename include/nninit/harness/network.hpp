// nninit harness: what every model of the harness exposes, so that initialization, the
// signal-propagation statistics and training are written once for all of them.
//
// Data layout: a batch is a matrix with one example per column (features x batch), so a layer
// is z = W x + b with W in PyTorch's (out, in) layout, exactly the matrix the library fills.
// Images are flattened channel-major (C, H, W), as PyTorch's NCHW is per example.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "../layer_role.hpp"
#include "../shape.hpp"

namespace nninit::harness {

template <class T>
using matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

// Where a parameter sits (input, hidden, branch_first/middle/last, shortcut, classifier) and the
// residual structure (Fixup's L and m) are the library's: network-level schemes assign each role
// its own rule (initializer::for_layer).
using nninit::layer_role;
using nninit::residual_structure;

// What a parameter is (weight, bias, scalar bias, multiplier, norm gain or bias): the library's,
// since network rules decide what each kind gets (initializer::for_parameter).
using nninit::parameter_kind;

/// One parameter: its value, the gradient the last backward pass left, and what it is.
template <class T>
struct parameter {
  std::string name;            ///< "block3.fc2.weight"
  matrix<T>* value = nullptr;  ///< owned by the network
  matrix<T>* grad = nullptr;   ///< same size as value
  parameter_kind kind = parameter_kind::weight;
  layer_role role = layer_role::hidden;
  nninit::shape shape;  ///< logical shape of a weight ((out, in) or (out, in, kh, kw)); of the
                        ///< weight a bias belongs to, for a bias
  index block = -1;     ///< residual block (0-based) for branch parameters, else -1
  /// A packed weight's equal row blocks, each filled as its own tensor with the scheme of its role
  /// (PyTorch's packed QKV in-projection: query, key, value); empty for an ordinary parameter.
  std::vector<layer_role> packed_roles = {};
};

/// A point of the network where statistics are taken: the pre-activation of a layer (what
/// enters the nonlinearity) and, after a backward pass, the gradient of the loss with respect
/// to it. For a conv layer the matrix is channels x (positions * batch); statistics are over all
/// entries either way.
template <class T>
struct probe {
  std::string name;  ///< "fc3", "block7.fc2", "stage2.block1.conv1"
  const matrix<T>* pre_activation = nullptr;
  const matrix<T>* gradient = nullptr;  ///< d loss / d pre_activation; valid after backward
  /// Inside a residual branch (a branch's inner layers), not on the main path (stem, plain
  /// layers, block outputs, classifier). Ratios are taken along the main path.
  bool in_branch = false;
};

/// How layers whose output depends on the batch (batch normalization) compute it.
enum class network_mode {
  train,   ///< batch statistics, running averages updated (PyTorch's module.train())
  eval,    ///< the running averages (module.eval()); also what LSUV calibrates in
  frozen,  ///< the statistics of the last `train` forward, held constant: a per-example function
           ///< whose Jacobian the signal statistics take
};

/// A model of the harness. `forward` keeps what `backward` needs; `backward` must follow the
/// `forward` of the same batch.
template <class T>
class network {
 public:
  virtual ~network() = default;
  network() = default;
  network(const network&) = delete;  // parameters and probes point into the object
  network& operator=(const network&) = delete;

  virtual index input_size() const = 0;
  virtual index output_size() const = 0;

  /// The output for a batch x (input_size x batch).
  virtual const matrix<T>& forward(const matrix<T>& x) = 0;
  /// Given d loss / d output (output_size x batch), sets every parameter's grad and returns
  /// d loss / d input (valid until the next forward).
  virtual const matrix<T>& backward(const matrix<T>& grad_output) = 0;

  /// Every parameter, in a fixed order (the order streams are forked in).
  virtual std::vector<parameter<T>> parameters() = 0;
  /// Every probe, input to output.
  virtual std::vector<probe<T>> probes() const = 0;
  virtual residual_structure structure() const { return {}; }
  /// A transformer's L, d, h and d_ff (transformer rules scale by them); zeros otherwise.
  virtual transformer_structure transformer() const { return {}; }
  /// Train, eval or frozen batch statistics; networks without batch normalization ignore it.
  virtual void set_mode(network_mode) {}
  virtual network_mode mode() const { return network_mode::train; }
  /// Whether backward computes d loss / d input (on by default; training turns it off).
  virtual void set_input_gradient(bool) {}
  /// The smallest batch a training-mode forward accepts: 2 with batch normalization over a
  /// batch of vectors (one value per channel has no variance; PyTorch refuses it too), else 1.
  virtual index min_training_batch() const { return 1; }
  /// False when the input is not a point of a space (a language model's token ids): no
  /// input-output Jacobian.
  virtual bool differentiable_input() const { return true; }
  /// One line: "mlp depth 50, width 512, relu, no bias".
  virtual std::string summary() const = 0;
};

}  // namespace nninit::harness
