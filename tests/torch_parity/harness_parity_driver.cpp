// harness_parity_driver: prints, as JSON lines (one case a line), what the harness's normalization
// layers (batch_norm, layer_norm, rms_norm), its optimizers (AdamW, SGD with momentum), its
// global-norm gradient clipping and its transformers (logits, loss, gradients; the torch_default
// rule's plans) compute in double precision, so that harness_parity.py can
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
#include <nninit/harness/init.hpp>
#include <nninit/harness/optimizer.hpp>
#include <nninit/harness/train.hpp>
#include <nninit/harness/transformer.hpp>
#include <nninit/normal.hpp>
#include <nninit/uniform.hpp>

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <limits>
#include <memory>
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

// ---------------------------------------------------------------------------------------------
// Transformers: a small ViT (side 8, patches 4x4: 4 + cls tokens) or causal LM with random
// parameters (gains near 1), one forward on random images or ids, the mean cross-entropy against
// random labels (next tokens for the LM), its backward: every parameter, the logits, the loss
// and every gradient.
// ---------------------------------------------------------------------------------------------
const char* form_name(h::block_form f) { return nninit::detail::name_of(f).data(); }

std::string params_json(const std::vector<h::parameter<double>>& params, bool grads) {
  fields f;
  for (const auto& p : params) f.emplace_back(p.name, json(grads ? *p.grad : *p.value));
  return object(f);
}

std::string transformer_case(const std::string& name, bool lm, const h::transformer_stack& stack, bool tied) {
  std::unique_ptr<h::network<double>> net;
  const Eigen::Index batch = 3, vocabulary = 11, context = 5;
  mat x;
  if (lm) {
    h::lm_config c;
    c.stack = stack, c.vocabulary = vocabulary, c.context = context, c.tied = tied;
    net = std::make_unique<h::char_lm<double>>(c);
    x = (uniform(1, context * batch, 0, 1) * static_cast<double>(vocabulary)).array().floor().matrix();
  } else {
    h::vit_config c;
    c.stack = stack, c.side = 8, c.patch = 4, c.classes = 4;
    net = std::make_unique<h::vit<double>>(c);
    x = uniform(64, batch, 0, 1);
  }
  auto params = net->parameters();
  for (auto& p : params) {
    if (p.kind == nninit::parameter_kind::norm_gain) *p.value = uniform(p.value->rows(), p.value->cols(), 0.5, 1.5);
    else *p.value = normal(p.value->rows(), p.value->cols(), 0, 0.4);
  }
  const mat logits = net->forward(x);
  std::vector<int> labels(static_cast<std::size_t>(logits.cols()));
  const mat u = uniform(1, logits.cols(), 0, 1);
  for (std::size_t i = 0; i < labels.size(); ++i)
    labels[i] = std::min(static_cast<int>(u(0, static_cast<Eigen::Index>(i)) * static_cast<double>(logits.rows())),
                         static_cast<int>(logits.rows()) - 1);
  mat grad;
  const double loss = h::detail::softmax_cross_entropy<double>(logits, labels.data(), &grad, nullptr);
  net->backward(grad);
  std::vector<std::string> label_text;
  for (int l : labels) label_text.push_back(std::to_string(l));
  std::vector<std::string> alpha, s;
  for (double v : stack.shortcut_scale) alpha.push_back(num(v));
  for (double v : stack.branch_scale) s.push_back(num(v));
  return object({{"case", str(name)},
                 {"kind", str("transformer")},
                 {"task", str(lm ? "lm" : "vit")},
                 {"form", str(form_name(stack.form))},
                 {"norm", str(nninit::detail::name_of(stack.norm).data())},
                 {"activation", str(stack.act.text())},
                 {"blocks", std::to_string(stack.blocks)},
                 {"width", std::to_string(stack.width)},
                 {"heads", std::to_string(stack.heads)},
                 {"packed", stack.packed_qkv ? "true" : "false"},
                 {"bias", stack.bias ? "true" : "false"},
                 {"tied", tied ? "true" : "false"},
                 {"alpha", array(alpha)},
                 {"s", array(s)},
                 {"ln_eps", num(1e-5)},
                 {"rms_eps", num(std::numeric_limits<double>::epsilon())},
                 {"context", std::to_string(context)},
                 {"batch", std::to_string(batch)},
                 {"params", params_json(params, false)},
                 {"x", json(x)},
                 {"labels", array(label_text)},
                 {"logits", json(logits)},
                 {"loss", num(loss)},
                 {"grads", params_json(params, true)}});
}

/// The torch_default rule's plan of every weight of a ViT and an LM (d = 32, h = 4, d_ff = 64):
/// name, role, distribution and its bound or std, and fans, to set beside torch's own modules.
std::string plan_case(bool packed) {
  h::vit_config c;
  c.stack.blocks = 1, c.stack.width = 32, c.stack.heads = 4, c.stack.ffn_width = 64, c.stack.packed_qkv = packed;
  h::vit<double> net(c);
  std::vector<std::string> plans;
  for (const auto& pl : h::plan_weights(net, nninit::initializer("torch_default")))
    plans.push_back(object({{"name", str(pl.name)},
                            {"role", str(nninit::detail::name_of(pl.role).data())},
                            {"scheme", str(std::string(pl.scheme.name()))},
                            {"dist", str(std::string(nninit::detail::name_of(pl.plan.dist)))},
                            {"bound", num(pl.plan.bound)},
                            {"std", num(pl.plan.std)},
                            {"rows", std::to_string(pl.plan.shape.dims[0])},
                            {"fan_in", std::to_string(pl.plan.fan_in)},
                            {"fan_out", std::to_string(pl.plan.fan_out)}}));
  std::vector<std::string> biases;
  for (const auto& p : net.parameters())
    if (p.kind == nninit::parameter_kind::bias) {
      const auto v = nninit::initializer("torch_default").for_parameter(p.kind, p.role);
      biases.push_back(object({{"name", str(p.name)}, {"torch_default", v.torch_default ? "true" : "false"}, {"value", num(v.value)}}));
    }
  return object({{"case", str(packed ? "torch_default plan, packed qkv" : "torch_default plan, separate q k v")},
                 {"kind", str("transformer_plan")},
                 {"width", "32"},
                 {"heads", "4"},
                 {"ffn_width", "64"},
                 {"patch_inputs", "49"},
                 {"plans", array(plans)},
                 {"biases", array(biases)}});
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

  h::transformer_stack st;
  st.blocks = 2, st.width = 8, st.heads = 2, st.ffn_width = 12;
  for (const auto form : {h::block_form::post_norm, h::block_form::pre_norm, h::block_form::no_norm, h::block_form::attention_only})
    for (const bool lm : {false, true}) {
      h::transformer_stack f = st;
      f.form = form;
      print(transformer_case(std::string(lm ? "lm " : "vit ") + form_name(form), lm, f, false));
    }
  h::transformer_stack v = st;
  v.packed_qkv = true, v.bias = false, v.norm = h::norm_kind::rms, v.act = h::activation(h::activation_kind::relu);
  print(transformer_case("vit pre rms packed no-bias relu", false, v, false));
  v.form = h::block_form::post_norm, v.shortcut_scale = {1.6, 2.1}, v.branch_scale = {0.7, 0.4};
  print(transformer_case("lm post rms packed alpha and s, tied", true, v, true));
  v = st, v.form = h::block_form::pre_norm, v.branch_scale = {0.5, 0.25}, v.heads = 4;
  print(transformer_case("lm pre s = 0.5, 0.25, 4 heads, tied", true, v, true));
  v.form = h::block_form::no_norm, v.shortcut_scale = {0.9, 1.2};
  print(transformer_case("vit none alpha and s", false, v, false));
  print(plan_case(false));
  print(plan_case(true));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "harness_parity_driver: %s\n", e.what());
  return 1;
}
