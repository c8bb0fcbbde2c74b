// nninit tool: `nninit describe SCHEME --shape ... [--json]`.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nninit/plan.hpp>
#include <nninit/propagation.hpp>
#include <string>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "json.hpp"
#include "weight_args.hpp"

namespace nninit_cli {

namespace {

struct describe_options {
  weight_args weight;
  std::string activation;
  bool json = false;
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

void run(const describe_options& o) {
  constexpr std::string_view command = "describe";
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
  sub->callback([options] { run(*options); });
}

}  // namespace nninit_cli
