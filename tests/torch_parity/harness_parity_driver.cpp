// harness_parity_driver: prints, as JSON lines (one case a line), what the harness's normalization
// layers (batch_norm, layer_norm, rms_norm), its optimizers (AdamW, SGD with momentum) and its
// global-norm gradient clipping compute in double precision, so that harness_parity.py can
// recompute the same with PyTorch and compare. It is a test helper, not a user tool; it takes no
// arguments.
//
// Every input (x, dy, gamma, beta, the optimizer's data and starting point, the gradients to
// clip) comes from an nninit engine and is printed with what nninit computed from it: the script
// rebuilds its tensors from the printed inputs, so torch's generator never has to match ours.
// Matrices print as lists of rows in the harness's layout (features x batch, or the feature-map
// layout (C, H*W*batch) of layers/conv.hpp); the script transposes and reshapes. Doubles print
// with %.17g (reads back to the same double); NaN and infinities as NaN / +-Infinity, which
// Python's json module reads, so that a non-finite value fails the comparison instead of the parse.
#include <nninit/harness/layers/batch_norm.hpp>
#include <nninit/harness/layers/layer_norm.hpp>
#include <nninit/harness/optimizer.hpp>
#include <nninit/normal.hpp>
#include <nninit/uniform.hpp>

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

namespace h = nninit::harness;
using mat = h::matrix<double>;
using fields = std::vector<std::pair<std::string, std::string>>;

constexpr std::uint64_t seed = 20250301;
std::uint64_t next_stream = 1;  // every random matrix gets its own stream: no two inputs alias

std::string num(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string str(const std::string& s) { return "\"" + s + "\""; }  // our names need no escaping

std::string json(const mat& m) {
  std::string out = "[";
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    out += r ? ",[" : "[";
    for (Eigen::Index c = 0; c < m.cols(); ++c) out += (c ? "," : "") + num(m(r, c));
    out += "]";
  }
  return out + "]";
}

std::string object(const fields& f) {
  std::string out = "{";
  for (std::size_t i = 0; i < f.size(); ++i) out += (i ? "," : "") + str(f[i].first) + ":" + f[i].second;
  return out + "}";
}

std::string array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "]";
}

mat normal(Eigen::Index rows, Eigen::Index cols, double mean, double std) {
  mat m(rows, cols);
  nninit::normal(m, nninit::engine{seed, next_stream++}, mean, std);
  return m;
}

mat uniform(Eigen::Index rows, Eigen::Index cols, double a, double b) {
  mat m(rows, cols);
  nninit::uniform(m, nninit::engine{seed, next_stream++}, a, b);
  return m;
}

/// An input whose rows (channels or features) have their own offset and scale, so that a
/// normalization over the wrong axis, or without centring, cannot pass by luck.
mat input(Eigen::Index rows, Eigen::Index cols, double scale) {
  mat x = normal(rows, cols, 0, 1);
  const mat offset = normal(rows, 1, 0, 1.5 * scale);
  const mat spread = uniform(rows, 1, 0.3 * scale, 2 * scale);
  x.array().colwise() *= spread.col(0).array();
  x.array().colwise() += offset.col(0).array();
  return x;
}

/// One forward and backward (dx written, not added) of `l` on (x, dy), with what it printed.
template <class Layer>
fields pass(Layer& l, const mat& x, const mat& dy) {
  mat y, dx;
  l.forward(x, y);
  l.backward(x, y, dy, h::input_gradient<double>{&dx, false});
  return {{"x", json(x)}, {"dy", json(dy)}, {"y", json(y)}, {"dx", json(dx)}, {"dgamma", json(l.gamma_grad)}};
}

// ---------------------------------------------------------------------------------------------
// batch_norm: `trains` training forwards (each with its backward), then one in eval mode.
// height = width = 1 is the dense case (nn.BatchNorm1d on (batch, channels)); otherwise the
// feature-map case (nn.BatchNorm2d on (batch, C, H, W)). momentum/eps < 0 keep the defaults.
// ---------------------------------------------------------------------------------------------
std::string batch_norm_case(const std::string& name, bool spatial, Eigen::Index channels, Eigen::Index height,
                            Eigen::Index width, Eigen::Index batch, double momentum, double eps, int trains,
                            double scale) {
  const Eigen::Index positions = height * width;
  h::layers::batch_norm<double> bn(h::placement{"bn", nninit::layer_role::hidden, -1}, channels, positions);
  const double default_momentum = bn.momentum, default_eps = bn.eps;
  if (momentum >= 0) bn.momentum = momentum;
  if (eps >= 0) bn.eps = eps;
  bn.gamma = uniform(channels, 1, 0.5, 1.5);
  bn.beta = normal(channels, 1, 0, 0.5);
  fields out{{"case", str(name)},
             {"kind", str("batch_norm")},
             {"spatial", spatial ? "true" : "false"},
             {"channels", std::to_string(channels)},
             {"height", std::to_string(height)},
             {"width", std::to_string(width)},
             {"batch", std::to_string(batch)},
             {"default_momentum", num(default_momentum)},
             {"default_eps", num(default_eps)},
             {"momentum", num(bn.momentum)},
             {"eps", num(bn.eps)},
             {"gamma", json(bn.gamma)},
             {"beta", json(bn.beta)}};
  std::vector<std::string> train;
  for (int k = 0; k < trains; ++k) {
    fields f = pass(bn, input(channels, positions * batch, scale), normal(channels, positions * batch, 0, 1));
    f.emplace_back("dbeta", json(bn.beta_grad));
    // The running statistics after this forward (updated by it).
    f.emplace_back("running_mean", json(bn.running_mean));
    f.emplace_back("running_var", json(bn.running_var));
    train.push_back(object(f));
  }
  out.emplace_back("train", array(train));
  bn.set_mode(h::network_mode::eval);
  fields e = pass(bn, input(channels, positions * batch, scale), normal(channels, positions * batch, 0, 1));
  e.emplace_back("dbeta", json(bn.beta_grad));
  // Eval must leave the running statistics alone.
  e.emplace_back("running_mean", json(bn.running_mean));
  e.emplace_back("running_var", json(bn.running_var));
  out.emplace_back("eval", object(e));
  return object(out);
}

// ---------------------------------------------------------------------------------------------
// layer_norm / rms_norm: one forward and backward on (features, batch); eps < 0 keeps the default.
// ---------------------------------------------------------------------------------------------
template <class Layer>
std::string norm_case(const std::string& name, const char* kind, Eigen::Index features, Eigen::Index batch,
                      double eps, double scale) {
  Layer l(h::placement{"ln", nninit::layer_role::hidden, -1}, features);
  const double default_eps = l.eps;
  if (eps >= 0) l.eps = eps;
  l.gamma = uniform(features, 1, 0.5, 1.5);
  fields out{{"case", str(name)},
             {"kind", str(kind)},
             {"features", std::to_string(features)},
             {"batch", std::to_string(batch)},
             {"default_eps", num(default_eps)},
             {"eps", num(l.eps)},
             {"gamma", json(l.gamma)}};
  if constexpr (std::is_same_v<Layer, h::layers::layer_norm<double>>) {
    l.beta = normal(features, 1, 0, 0.5);
    out.emplace_back("beta", json(l.beta));
  }
  fields f = pass(l, input(features, batch, scale), normal(features, batch, 0, 1));
  if constexpr (std::is_same_v<Layer, h::layers::layer_norm<double>>) f.emplace_back("dbeta", json(l.beta_grad));
  out.insert(out.end(), f.begin(), f.end());
  return object(out);
}

// ---------------------------------------------------------------------------------------------
// Optimizers: 5 steps on loss = 0.5 ||W X + b 1^T - Y||_F^2 (W: kind weight, b: kind bias, so the
// weight-decay grouping shows), gradients dW = R X^T, db = R 1 with R = W X + b 1^T - Y.
// ---------------------------------------------------------------------------------------------
std::string optimizer_case(const std::string& name, const h::optimizer_options& opt, const std::vector<double>& lrs) {
  const Eigen::Index out_dim = 3, in_dim = 4, samples = 6;
  const mat X = normal(in_dim, samples, 0, 1), Y = normal(out_dim, samples, 0, 1);
  mat W = normal(out_dim, in_dim, 0, 0.5), b = normal(out_dim, 1, 0, 0.5);
  mat W_grad = mat::Zero(out_dim, in_dim), b_grad = mat::Zero(out_dim, 1);
  std::vector<h::parameter<double>> params{
      {"w", &W, &W_grad, nninit::parameter_kind::weight, nninit::layer_role::hidden, nninit::shape{out_dim, in_dim}, -1},
      {"b", &b, &b_grad, nninit::parameter_kind::bias, nninit::layer_role::hidden, nninit::shape{out_dim}, -1}};
  fields out{{"case", str(name)},
             {"kind", str("optimizer")},
             {"algorithm", str(opt.algorithm == h::optimizer_kind::adamw ? "adamw" : "sgd")},
             {"momentum", num(opt.momentum)},
             {"beta1", num(opt.beta1)},
             {"beta2", num(opt.beta2)},
             {"eps", num(opt.eps)},
             {"weight_decay", num(opt.weight_decay)},
             {"decay_all", opt.decay_all ? "true" : "false"},
             {"X", json(X)},
             {"Y", json(Y)},
             {"w0", json(W)},
             {"b0", json(b)}};
  h::optimizer<double> optim(params, opt);
  std::vector<std::string> steps;
  for (const double lr : lrs) {
    const mat R = (W * X).colwise() + b.col(0) - Y;
    W_grad = R * X.transpose();
    b_grad = R.rowwise().sum();
    const double loss = 0.5 * R.squaredNorm();
    optim.step(lr);
    steps.push_back(object({{"lr", num(lr)},
                            {"loss", num(loss)},
                            {"w_grad", json(W_grad)},
                            {"b_grad", json(b_grad)},
                            {"w", json(W)},
                            {"b", json(b)}}));
  }
  out.emplace_back("steps", array(steps));
  return object(out);
}

// ---------------------------------------------------------------------------------------------
// clip_gradients on two gradients; max_norm < 0 means "the total norm plus -max_norm": a
// threshold just above the norm, where torch still scales (by max_norm / (norm + 1e-6) < 1).
// ---------------------------------------------------------------------------------------------
std::string clip_case(const std::string& name, double max_norm) {
  mat W = mat::Zero(3, 4), b = mat::Zero(3, 1);
  mat W_grad = normal(3, 4, 0, 1), b_grad = normal(3, 1, 0, 1);
  const mat W_before = W_grad, b_before = b_grad;
  std::vector<h::parameter<double>> params{
      {"w", &W, &W_grad, nninit::parameter_kind::weight, nninit::layer_role::hidden, nninit::shape{3, 4}, -1},
      {"b", &b, &b_grad, nninit::parameter_kind::bias, nninit::layer_role::hidden, nninit::shape{3}, -1}};
  if (max_norm < 0) max_norm = std::sqrt(W_grad.squaredNorm() + b_grad.squaredNorm()) - max_norm;
  const double norm = h::clip_gradients(params, max_norm);
  return object({{"case", str(name)},
                 {"kind", str("clip")},
                 {"max_norm", num(max_norm)},
                 {"w_grad", json(W_before)},
                 {"b_grad", json(b_before)},
                 {"norm", num(norm)},
                 {"w_clipped", json(W_grad)},
                 {"b_clipped", json(b_grad)}});
}

void print(const std::string& line) { std::printf("%s\n", line.c_str()); }

}  // namespace

int main() try {
  using ln = h::layers::layer_norm<double>;
  using rms = h::layers::rms_norm<double>;
  // BatchNorm1d: PyTorch's defaults (momentum 0.1, eps 1e-5), then other values; 3 training
  // batches so the running statistics compound.
  print(batch_norm_case("bn1d defaults C=5 N=8", false, 5, 1, 1, 8, -1, -1, 3, 1));
  print(batch_norm_case("bn1d momentum=0.3 eps=1e-3 C=4 N=6", false, 4, 1, 1, 6, 0.3, 1e-3, 3, 1));
  // Small inputs: var ~ 1e-4, so eps = 1e-3 dominates and a misplaced eps shows.
  print(batch_norm_case("bn1d small-x eps=1e-3 C=3 N=5", false, 3, 1, 1, 5, 0.25, 1e-3, 2, 0.01));
  print(batch_norm_case("bn1d N=2 (minimum batch)", false, 3, 1, 1, 2, -1, -1, 2, 1));
  // BatchNorm2d: the feature-map layout.
  print(batch_norm_case("bn2d defaults C=3 H=4 W=5 N=2", true, 3, 4, 5, 2, -1, -1, 3, 1));
  print(batch_norm_case("bn2d momentum=0.5 eps=1e-2 C=2 H=3 W=2 N=3", true, 2, 3, 2, 3, 0.5, 1e-2, 3, 1));
  print(batch_norm_case("bn2d N=1 C=4 H=2 W=3", true, 4, 2, 3, 1, 0.05, 1e-4, 2, 1));

  print(norm_case<ln>("layer_norm defaults H=6 N=4", "layer_norm", 6, 4, -1, 1));
  print(norm_case<ln>("layer_norm eps=1e-3 H=7 N=5", "layer_norm", 7, 5, 1e-3, 1));
  print(norm_case<ln>("layer_norm small-x eps=1e-3 H=5 N=3", "layer_norm", 5, 3, 1e-3, 0.01));
  print(norm_case<rms>("rms_norm defaults H=7 N=5", "rms_norm", 7, 5, -1, 1));
  print(norm_case<rms>("rms_norm eps=1e-6 H=6 N=4", "rms_norm", 6, 4, 1e-6, 1));
  print(norm_case<rms>("rms_norm small-x eps=1e-4 H=5 N=3", "rms_norm", 5, 3, 1e-4, 0.01));

  const std::vector<double> flat(5, 1e-3);
  h::optimizer_options adamw;
  adamw.algorithm = h::optimizer_kind::adamw;
  adamw.weight_decay = 1e-2;  // torch.optim.AdamW's default (ours is 0)
  print(optimizer_case("adamw defaults lr=1e-3 wd=1e-2", adamw, flat));
  h::optimizer_options custom = adamw;
  custom.beta1 = 0.8, custom.beta2 = 0.95, custom.eps = 1e-6, custom.weight_decay = 0.1;
  // A changing rate (warm-up then cosine), set per step on the torch side as a scheduler would.
  std::vector<double> scheduled;
  for (nninit::index t = 1; t <= 5; ++t) scheduled.push_back(h::scheduled_rate(0.05, t, 5, 2, true) + 0.01);
  print(optimizer_case("adamw betas=(0.8,0.95) eps=1e-6 wd=0.1 scheduled lr", custom, scheduled));
  h::optimizer_options all = adamw;
  all.weight_decay = 0.05, all.decay_all = true;
  print(optimizer_case("adamw decay_all wd=0.05 lr=0.02", all, std::vector<double>(5, 0.02)));
  h::optimizer_options no_decay = adamw;
  no_decay.weight_decay = 0;
  print(optimizer_case("adamw wd=0 lr=0.01", no_decay, std::vector<double>(5, 0.01)));

  h::optimizer_options sgd;
  sgd.algorithm = h::optimizer_kind::sgd, sgd.momentum = 0.9, sgd.weight_decay = 1e-3;
  print(optimizer_case("sgd momentum=0.9 wd=1e-3 lr=0.05", sgd, std::vector<double>(5, 0.05)));
  h::optimizer_options sgd_all = sgd;
  sgd_all.momentum = 0.5, sgd_all.weight_decay = 0.01, sgd_all.decay_all = true;
  print(optimizer_case("sgd momentum=0.5 wd=0.01 decay_all lr=0.03", sgd_all, std::vector<double>(5, 0.03)));

  print(clip_case("clip below the threshold (max_norm 10)", 10));
  print(clip_case("clip above the threshold (max_norm 1)", 1));
  print(clip_case("clip just above the norm (max_norm = norm + 5e-7)", -5e-7));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "harness_parity_driver: %s\n", e.what());
  return 1;
}
