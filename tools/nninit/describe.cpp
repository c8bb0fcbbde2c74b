// nninit tool: `nninit describe SCHEME --shape ... [--json]`, and `nninit describe SCHEME --arch
// vit|lm [...]`: a transformer's whole plan under the scheme's network rule (every role's scheme
// and std or bound per block, every non-weight parameter, the forward scalars and the optimizer
// multipliers) from its structure alone, without building or filling anything.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <memory>
#include <nninit/layer_role.hpp>
#include <nninit/plan.hpp>
#include <nninit/propagation.hpp>
#include <string>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "errors.hpp"
#include "json.hpp"
#include "text_table.hpp"
#include "weight_args.hpp"

namespace nninit_cli {

namespace {

struct describe_options {
  weight_args weight;
  std::string activation;
  bool json = false;
  // --arch: a transformer's plan.
  std::string arch;
  nninit::index depth = 6, width = 64, heads = 4, ffn_width = 0, patch = 7, classes = 10, vocabulary = 256, context = 64;
  std::string norm = "pre", optimizer = "adamw";
  bool tied = false;
};

/// One field of the plan, as text and as JSON.
struct field {
  std::string key, text, json;
};

field real(std::string key, double v) {
  const std::string j = json::number(v);
  return {std::move(key), j == "null" ? "null" : nninit::detail::number(v), j};
}

/// Fans and counts: -1 means "does not apply".
field count(std::string key, nninit::index v) {
  const std::string j = json::integer(v, 0);
  return {std::move(key), j, j};
}

field word(std::string key, std::string_view v) { return {std::move(key), std::string(v), json::string(v)}; }

/// Text that may be absent: null when empty.
field remark(std::string key, std::string_view v) {
  return v.empty() ? field{std::move(key), "null", "null"} : word(std::move(key), v);
}

std::vector<field> plan_fields(const nninit::plan& p) {
  std::vector<std::string> dims;
  for (nninit::index d : p.shape.dims) dims.push_back(nninit::detail::number(d));
  return {
      word("scheme", p.scheme),
      {"shape", p.shape.text(), json::array(dims)},
      word("layout", nninit::detail::name_of(p.shape.order)),
      {"shape_groups", nninit::detail::number(p.shape.groups), nninit::detail::number(p.shape.groups)},
      {"transposed", json::boolean(p.shape.transposed), json::boolean(p.shape.transposed)},
      word("distribution", nninit::detail::name_of(p.dist)),
      count("fan_in", p.fan_in),
      count("fan_out", p.fan_out),
      real("gain", p.gain),
      real("mean", p.mean),
      real("std", p.std),
      real("bound", p.bound),
      real("lo", p.lo),
      real("hi", p.hi),
      real("value", p.value),
      real("output_std", p.output_std),
      {"groups", nninit::detail::number(p.groups), nninit::detail::number(p.groups)},
      count("zeros_per_column", p.zeros_per_column),
      count("connections", p.connections),
      remark("propagation", p.propagation),
      real("fixed_point_std", p.fixed_point_std),
      real("fixed_point_slope", p.fixed_point_slope),
      real("gradient_growth", p.gradient_growth),
      remark("note", p.note),
  };
}

/// One parameter of a transformer as the plan lists it: its role, kind, shape (a bias: its
/// weight's, whose fan_in PyTorch's default bias reads) and block (-1: outside the blocks).
struct tensor_site {
  nninit::layer_role role;
  nninit::parameter_kind kind;
  nninit::shape shape;
  nninit::index block;
};

/// The harness's ViT or character LM (harness/transformer.hpp), parameter by parameter, in
/// forward order, from the structure alone.
std::vector<tensor_site> transformer_tensors(const describe_options& o, nninit::index ffn) {
  using nninit::layer_role, nninit::parameter_kind;
  const nninit::index d = o.width;
  std::vector<tensor_site> out;
  const auto dense = [&](layer_role r, nninit::index in, nninit::index outs, nninit::index block) {
    out.push_back({r, parameter_kind::weight, {outs, in}, block});
    out.push_back({r, parameter_kind::bias, {outs, in}, block});
  };
  const auto norm = [&](nninit::index block) {
    out.push_back({layer_role::hidden, parameter_kind::norm_gain, {d}, block});
    out.push_back({layer_role::hidden, parameter_kind::norm_bias, {d}, block});
  };
  if (o.arch == "vit") {
    const nninit::index side = 28 / o.patch;
    dense(layer_role::input, o.patch * o.patch, d, -1);
    out.push_back({layer_role::cls, parameter_kind::weight, {1, d}, -1});
    out.push_back({layer_role::position, parameter_kind::weight, {side * side + 1, d}, -1});
  } else {
    out.push_back({layer_role::embedding, parameter_kind::weight, {o.vocabulary, d}, -1});
    out.push_back({layer_role::position, parameter_kind::weight, {o.context, d}, -1});
  }
  for (nninit::index b = 0; b < o.depth; ++b) {
    if (o.norm != "none") norm(b);
    for (layer_role r : {layer_role::query, layer_role::key, layer_role::value}) dense(r, d, d, b);
    dense(layer_role::attention_out, d, d, b);
    if (o.norm != "none") norm(b);
    dense(layer_role::ffn_in, d, ffn, b);
    dense(layer_role::ffn_out, ffn, d, b);
  }
  if (o.norm == "pre") norm(-1);
  if (o.arch == "vit") dense(layer_role::classifier, d, o.classes, -1);
  else if (!o.tied) out.push_back({layer_role::classifier, parameter_kind::weight, {o.vocabulary, d}, -1});
  return out;
}

/// What the rule gives one parameter: its scheme and plan (weights) or value, and its optimizer multipliers.
struct planned_tensor {
  tensor_site site{};
  std::string scheme, distribution;
  double std = 0, bound = 0, value = 0, scale = 1;
  bool torch_default = false;
  nninit::optimizer_multipliers group;
  nninit::index last_block = -1;  ///< the same plan through this block

  bool same_plan(const planned_tensor& o) const {
    const auto eq = [](double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); };
    return site.role == o.site.role && site.kind == o.site.kind && scheme == o.scheme && distribution == o.distribution &&
           eq(std, o.std) && eq(bound, o.bound) && value == o.value && scale == o.scale && torch_default == o.torch_default &&
           group.learning_rate == o.group.learning_rate && group.eps == o.group.eps && group.weight_decay == o.group.weight_decay;
  }
};

std::string blocks_text(const planned_tensor& t) {
  if (t.site.block < 0) return "-";
  if (t.last_block == t.site.block) return nninit::detail::number(t.site.block);
  return nninit::detail::number(t.site.block) + "-" + nninit::detail::number(t.last_block);
}

void run_transformer(const describe_options& o) {
  constexpr std::string_view command = "describe";
  if (o.arch != "vit" && o.arch != "lm") fail(command, "arch", "vit or lm", in_quotes(o.arch));
  if (o.weight.shape_option->count() > 0) fail(command, "shape", "not given with --arch (the structure sets every shape)", in_quotes(o.weight.shape));
  check_range(command, "depth", o.depth, 1, 10000);
  check_range(command, "width", o.width, 1, 65536);
  check_range(command, "heads", o.heads, 1, o.width);
  if (o.width % o.heads != 0) fail(command, "heads", "a divisor of the width " + std::to_string(o.width), std::to_string(o.heads));
  const nninit::index ffn = o.ffn_width > 0 ? o.ffn_width : 2 * o.width;
  check_range(command, "ffn-width", ffn, 1, 1 << 20);
  check_range(command, "vocabulary", o.vocabulary, 1, 1 << 24);
  check_range(command, "context", o.context, 1, 1 << 20);
  check_range(command, "classes", o.classes, 1, 1 << 20);
  if (o.patch < 1 || 28 % o.patch != 0) fail(command, "patch", "a divisor of the image side 28", std::to_string(o.patch));
  if (o.norm != "pre" && o.norm != "post" && o.norm != "none") fail(command, "norm", "pre, post or none", in_quotes(o.norm));
  if (o.optimizer != "adamw" && o.optimizer != "sgd") fail(command, "optimizer", "adamw or sgd", in_quotes(o.optimizer));
  if (o.weight.scheme_option->count() == 0) fail(command, "scheme", "given (a scheme name)", "nothing");
  nninit::initializer rule(o.weight.scheme);
  const nninit::transformer_structure net{o.depth, o.width, o.heads, ffn};
  apply_sets(command, o.weight.sets, rule, o.arch);
  const nninit::transformer_scalars k = rule.scalars_for(net);
  if (!k.fits(o.norm))
    fail(command, "norm", std::string(nninit::detail::name_of(k.form)) + " for scheme " + o.weight.scheme, o.norm);
  const nninit::residual_structure residual{2 * o.depth, 2};
  const auto family = o.optimizer == "adamw" ? nninit::optimizer_family::adam : nninit::optimizer_family::sgd;

  // Every plan first (a rule that does not fit throws before anything is printed), runs of
  // blocks with the same plan merged.
  std::vector<planned_tensor> rows;
  nninit::index position = 0;
  for (const tensor_site& t : transformer_tensors(o, ffn)) {
    const nninit::layer_site site{t.role, residual, position, t.block, net};
    planned_tensor p;
    p.site = t, p.last_block = t.block;
    p.group = rule.optimizer_for(t.kind, site, family);
    if (t.kind == nninit::parameter_kind::weight) {
      ++position;
      const nninit::initializer chosen = rule.for_layer(site);
      const nninit::plan plan = chosen.describe(t.shape);
      p.scheme = std::string(chosen.name());
      p.distribution = std::string(nninit::detail::name_of(plan.dist));
      p.std = plan.std, p.bound = plan.hi, p.value = std::isnan(plan.value) ? 0 : plan.value;
    } else {
      const nninit::parameter_value v = rule.for_parameter(t.kind, site);
      p.scheme = v.torch_default ? "torch_default_bias" : "constant";
      p.value = v.value, p.torch_default = v.torch_default, p.scale = v.scale;
      p.std = std::numeric_limits<double>::quiet_NaN(), p.bound = p.std;
      if (v.torch_default) p.bound = v.scale / std::sqrt(static_cast<double>(t.shape.dims.size() > 1 ? t.shape.dims[1] : 1));
    }
    // Merge with the same tensor of the previous block when nothing differs.
    bool merged = false;
    for (auto it = rows.rbegin(); t.block > 0 && it != rows.rend(); ++it)
      if (it->site.block >= 0 && it->last_block == t.block - 1 && it->same_plan(p) && it->site.shape.dims == t.shape.dims) {
        it->last_block = t.block, merged = true;
        break;
      }
    if (!merged) rows.push_back(p);
  }

  const auto kind_name = [](nninit::parameter_kind kind) { return std::string(nninit::detail::name_of(kind)); };
  if (o.json) {
    std::string out = "{\n  \"arch\": " + json::string(o.arch) + ",\n  \"scheme\": " + json::string(rule.name()) +
                      ",\n  \"structure\": {\"depth\": " + json::integer(o.depth, 0) + ", \"width\": " + json::integer(o.width, 0) +
                      ", \"heads\": " + json::integer(o.heads, 0) + ", \"ffn_width\": " + json::integer(ffn, 0) +
                      ", \"norm\": " + json::string(o.norm) + "},\n  \"scalars\": {\"form\": " +
                      json::string(nninit::detail::name_of(k.form)) + ", \"shortcut\": " + json::number(k.shortcut) +
                      ", \"branch\": " + json::number(k.branch) + ", \"attention_scale\": " +
                      json::number(k.attention_scale > 0 ? k.attention_scale : 1 / std::sqrt(static_cast<double>(o.width / o.heads))) +
                      ", \"logits\": " + json::number(k.output) + ", \"embedding\": " + json::number(k.embedding) +
                      "},\n  \"optimizer\": " + json::string(o.optimizer) + ",\n  \"parameters\": [";
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const planned_tensor& r = rows[i];
      std::vector<std::string> dims;
      for (nninit::index dim : r.site.shape.dims) dims.push_back(nninit::detail::number(dim));
      out += std::string(i ? ",\n    " : "\n    ") + "{\"role\": " + json::string(nninit::detail::name_of(r.site.role)) +
             ", \"kind\": " + json::string(kind_name(r.site.kind)) + ", \"blocks\": " +
             (r.site.block < 0 ? std::string("null") : "[" + json::integer(r.site.block, 0) + ", " + json::integer(r.last_block, 0) + "]") +
             ", \"shape\": " + json::array(dims) + ", \"scheme\": " + json::string(r.scheme) +
             (r.site.kind == nninit::parameter_kind::weight ? ", \"distribution\": " + json::string(r.distribution) : std::string()) +
             ", \"std\": " + json::number(r.std) + ", \"bound\": " + json::number(r.bound) + ", \"value\": " + json::number(r.value) +
             ", \"lr\": " + json::number(r.group.learning_rate) + ", \"eps\": " + json::number(r.group.eps) +
             ", \"weight_decay\": " + json::number(r.group.weight_decay) + "}";
    }
    std::cout << out << "\n  ]\n}\n";
    return;
  }
  using nninit::detail::number;
  std::cout << o.arch << ", " << o.depth << " blocks, width " << o.width << ", " << o.heads << " heads, ffn " << ffn << ", " << o.norm
            << " norm, under " << rule.name() << "'s rule\n";
  std::cout << "forward: block form " << nninit::detail::name_of(k.form) << ", shortcut x" << number(k.shortcut) << ", branch x"
            << number(k.branch) << ", attention scale "
            << (k.attention_scale > 0 ? number(k.attention_scale) : "1/sqrt(d_head) = " + number(1 / std::sqrt(static_cast<double>(o.width / o.heads))))
            << ", logits x" << number(k.output) << ", token embedding x" << number(k.embedding) << "\n";
  std::cout << "optimizer " << o.optimizer << ": multipliers of the learning rate, epsilon and weight decay per parameter\n\n";
  std::vector<std::vector<std::string>> table{{"role", "kind", "blocks", "shape", "scheme", "std", "bound", "value", "lr x", "eps x", "wd x"}};
  for (const planned_tensor& r : rows) {
    const bool weight = r.site.kind == nninit::parameter_kind::weight;
    const auto maybe = [](double v) { return std::isnan(v) ? std::string("-") : number(v); };
    const bool norm = r.site.kind == nninit::parameter_kind::norm_gain || r.site.kind == nninit::parameter_kind::norm_bias;
    table.push_back({norm ? std::string("norm") : std::string(nninit::detail::name_of(r.site.role)), kind_name(r.site.kind), blocks_text(r),
                     weight ? r.site.shape.text() : nninit::detail::number(r.site.shape.dims[0]),
                     weight ? r.scheme + " " + r.distribution : (r.torch_default ? "torch default x" + number(r.scale) : "constant"),
                     maybe(r.std), maybe(r.bound), weight && r.distribution != "constant" ? std::string("-") : number(r.value),
                     number(r.group.learning_rate), number(r.group.eps), number(r.group.weight_decay)});
  }
  print_columns(std::cout, table);
}

void run(const describe_options& o) {
  constexpr std::string_view command = "describe";
  if (!o.arch.empty()) return run_transformer(o);
  weight w = resolve(command, o.weight);
  // --activation: the scheme's own option when it has one and --set did not give it, else the
  // activation after a fan-based plan, for its variance map.
  const bool own = !o.activation.empty() && w.init.has_option("activation");
  if (own) w.init.set("activation", o.activation, w.shape.text());
  apply_sets(command, o.weight.sets, w.init, w.shape.text());
  nninit::plan p = w.init.describe(w.shape);
  if (!o.activation.empty() && !own) p = nninit::with_propagation(p, nninit::activation::parse(o.activation));
  const auto fields = plan_fields(p);
  if (o.json) {
    std::string out = "{";
    for (std::size_t i = 0; i < fields.size(); ++i)
      out += (i ? ",\n  " : "\n  ") + json::string(fields[i].key) + ": " + fields[i].json;
    std::cout << out << "\n}\n";
  } else {
    for (const auto& f : fields) std::cout << f.key << ": " << f.text << '\n';
  }
}

}  // namespace

void setup_describe(CLI::App& app) {
  auto options = std::make_shared<describe_options>();
  CLI::App* sub = app.add_subcommand("describe", "print the plan of a fill (fans, gain, std, bounds) without filling");
  add_weight_options(*sub, options->weight);
  sub->add_option("--activation", options->activation,
                  "the activation after this layer: the scheme's own option (vi3nr, kumar), or, for a fan-based "
                  "scheme, the variance map of a deep stack (fixed point, slope, gradient growth)");
  sub->add_flag("--json", options->json,
                "print one JSON object; numbers round-trip exactly, fields that do not apply are null");
  sub->add_option("--arch", options->arch,
                  "vit or lm: the whole plan of the harness's transformer under SCHEME's network rule (instead of --shape)");
  sub->add_option("--depth", options->depth, "--arch: transformer blocks L")->capture_default_str();
  sub->add_option("--width", options->width, "--arch: d_model")->capture_default_str();
  sub->add_option("--heads", options->heads, "--arch: attention heads, a divisor of the width")->capture_default_str();
  sub->add_option("--ffn-width", options->ffn_width, "--arch: d_ff [2 x width]");
  sub->add_option("--norm", options->norm, "--arch: the block form, pre, post or none")->capture_default_str();
  sub->add_option("--patch", options->patch, "--arch vit: patch side (28x28 images)")->capture_default_str();
  sub->add_option("--classes", options->classes, "--arch vit: classes")->capture_default_str();
  sub->add_option("--vocabulary", options->vocabulary, "--arch lm: vocabulary size")->capture_default_str();
  sub->add_option("--context", options->context, "--arch lm: tokens per window (the position table)")->capture_default_str();
  sub->add_flag("--tied", options->tied, "--arch lm: the readout tied to the token table");
  sub->add_option("--optimizer", options->optimizer, "--arch: adamw or sgd, for the rule's multipliers")->capture_default_str();
  sub->callback([options] { run(*options); });
}

}  // namespace nninit_cli
