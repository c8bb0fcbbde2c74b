// nninit harness: optimizers over a network's parameters, with PyTorch's semantics, and what goes
// around them: the learning-rate schedule (linear warm-up, cosine decay) and gradient clipping by
// the global norm.
//
//   SGD   (torch.optim.SGD, dampening 0, not Nesterov): g <- grad + wd w; v <- momentum v + g;
//         w <- w - lr v.
//   AdamW (torch.optim.AdamW, Loshchilov & Hutter 2019; torch 1.13's _single_tensor_adamw, op for
//         op): w <- w (1 - lr wd); m <- beta1 m + (1 - beta1) g; v <- beta2 v + (1 - beta2) g^2;
//         w <- w - (lr / (1 - beta1^t)) m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
// Weight decay goes to weight matrices only unless `decay_all` (biases, norm gains and the
// scalar multipliers and biases are left alone, as GPT-2/nanoGPT and timm group them; PyTorch's
// own default, one group, decays everything: decay_all = true). A rule's per-parameter
// multipliers (optimizer_multipliers: μP's MuAdam, CompleteP's groups) scale each parameter's
// learning rate, epsilon and weight decay; `parameter_groups` reads them from a rule.
#pragma once

#include <cmath>
#include <vector>

#include "../detail/format.hpp"
#include "../registry.hpp"
#include "network.hpp"

namespace nninit::harness {

enum class optimizer_kind { sgd, adamw };

struct optimizer_options {
  optimizer_kind algorithm = optimizer_kind::sgd;
  double momentum = 0.9;                          ///< SGD
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  ///< AdamW (PyTorch's defaults)
  double weight_decay = 0;                        ///< SGD: L2 in the gradient; AdamW: decoupled
  bool decay_all = false;                         ///< decay every parameter, not only weights

  /// Throws init_error naming the first bad option (`who` names the caller in the message).
  void validate(std::string_view who = "optimizer") const {
    const nninit::detail::checker check(who, "");
    if (!(momentum >= 0 && momentum < 1)) check.fail("momentum", "in [0, 1)", momentum);
    if (!(beta1 >= 0 && beta1 < 1)) check.fail("beta1", "in [0, 1)", beta1);
    if (!(beta2 >= 0 && beta2 < 1)) check.fail("beta2", "in [0, 1)", beta2);
    check.positive("eps", eps);
    check.non_negative("weight_decay", weight_decay);
  }
};

/// What `rule` asks of the optimizer for each of `net`'s parameters, in parameters() order
/// (initializer::optimizer_for); all 1 for a rule without multipliers.
template <class T>
std::vector<optimizer_multipliers> parameter_groups(network<T>& net, const initializer& rule, optimizer_kind algorithm) {
  const optimizer_family family = algorithm == optimizer_kind::adamw ? optimizer_family::adam : optimizer_family::sgd;
  std::vector<optimizer_multipliers> groups;
  for (const auto& p : net.parameters())
    groups.push_back(rule.optimizer_for(p.kind, layer_site{p.role, net.structure(), 0, p.block, net.transformer()}, family));
  return groups;
}

/// One optimizer's state over a fixed list of parameters (their values and gradients), with
/// `groups[i]` multiplying parameter i's learning rate, epsilon and weight decay (empty: all 1).
template <class T>
class optimizer {
 public:
  optimizer(std::vector<parameter<T>> params, const optimizer_options& opt, std::vector<optimizer_multipliers> groups = {})
      : params_(std::move(params)), opt_(opt), groups_(std::move(groups)) {
    opt_.validate();
    if (groups_.empty()) groups_.resize(params_.size());
    const nninit::detail::checker check("optimizer", "");
    if (groups_.size() != params_.size())
      check.fail("groups", nninit::detail::cat("one per parameter (", nninit::detail::number(static_cast<index>(params_.size())), ")"),
                 nninit::detail::number(static_cast<index>(groups_.size())));
    for (const auto& m : groups_)
      for (double v : {m.learning_rate, m.eps, m.weight_decay})
        if (!(v >= 0) || !std::isfinite(v)) check.fail("group multiplier", "finite and >= 0", v);
    for (const auto& p : params_) {
      first_.push_back(matrix<T>::Zero(p.value->rows(), p.value->cols()));
      if (opt_.algorithm == optimizer_kind::adamw) second_.push_back(matrix<T>::Zero(p.value->rows(), p.value->cols()));
    }
  }

  /// One update with learning rate `lr` from the gradients the last backward left.
  void step(double base_lr) {
    ++steps_;
    for (std::size_t i = 0; i < params_.size(); ++i) {
      matrix<T>& w = *params_[i].value;
      const matrix<T>& g = *params_[i].grad;
      const optimizer_multipliers& group = groups_[i];
      const double lr = base_lr * group.learning_rate;
      const double wd = decays(params_[i]) ? opt_.weight_decay * group.weight_decay : 0.0;
      if (opt_.algorithm == optimizer_kind::sgd) {
        matrix<T>& v = first_[i];
        if (wd > 0) v = static_cast<T>(opt_.momentum) * v + (g + static_cast<T>(wd) * w);
        else v = static_cast<T>(opt_.momentum) * v + g;
        w -= static_cast<T>(lr) * v;
      } else {
        matrix<T>& m = first_[i];
        matrix<T>& v = second_[i];
        const double t = static_cast<double>(steps_);
        const T step_size = static_cast<T>(lr / (1 - std::pow(opt_.beta1, t)));
        const T correction2_sqrt = static_cast<T>(std::sqrt(1 - std::pow(opt_.beta2, t)));
        if (wd > 0) w *= static_cast<T>(1 - lr * wd);
        m = static_cast<T>(opt_.beta1) * m + static_cast<T>(1 - opt_.beta1) * g;
        v = static_cast<T>(opt_.beta2) * v + static_cast<T>(1 - opt_.beta2) * g.cwiseProduct(g);
        w.array() -= step_size * m.array() / (v.array().sqrt() / correction2_sqrt + static_cast<T>(opt_.eps * group.eps));
      }
    }
  }

  index steps() const { return steps_; }
  const optimizer_options& options() const { return opt_; }

 private:
  bool decays(const parameter<T>& p) const { return opt_.decay_all || p.kind == parameter_kind::weight; }

  std::vector<parameter<T>> params_;
  optimizer_options opt_;
  std::vector<optimizer_multipliers> groups_;
  std::vector<matrix<T>> first_, second_;  // SGD: velocity; AdamW: first and second moments
  index steps_ = 0;
};

/// The learning rate of step t (1-based) of `total`: linear warm-up from lr / warmup to lr over
/// the first `warmup` steps, then constant or, with `cosine`, half a cosine from lr down to 0
/// at the last step.
inline double scheduled_rate(double lr, index t, index total, index warmup, bool cosine) {
  if (t <= warmup) return lr * static_cast<double>(t) / static_cast<double>(warmup);
  if (!cosine || total <= warmup) return lr;
  const double progress = static_cast<double>(t - warmup) / static_cast<double>(total - warmup);
  return lr * 0.5 * (1 + std::cos(3.14159265358979323846 * progress));
}

/// torch.nn.utils.clip_grad_norm_: the 2-norm of all gradients together; when it exceeds
/// `max_norm`, every gradient is scaled by max_norm / (norm + 1e-6). Returns the norm before
/// clipping (inf or NaN when a gradient is).
template <class T>
double clip_gradients(const std::vector<parameter<T>>& params, double max_norm) {
  double sum = 0;
  for (const auto& p : params) sum += static_cast<double>(p.grad->squaredNorm());
  const double norm = std::sqrt(sum);
  const double coef = max_norm / (norm + 1e-6);
  if (coef < 1)
    for (const auto& p : params) *p.grad *= static_cast<T>(coef);
  return norm;
}

}  // namespace nninit::harness
