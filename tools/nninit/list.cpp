// nninit tool: `nninit list [--json]`.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <nninit/registry.hpp>
#include <string>
#include <vector>

#include "commands.hpp"
#include "json.hpp"

namespace nninit_cli {

namespace {

struct list_options {
  bool json = false;
};

/// The choices of a "choice" option as a list ("fan_in, fan_out" -> {fan_in, fan_out}).
std::vector<std::string> split_choices(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    item.erase(0, item.find_first_not_of(' '));
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

/// A required option has no default: its default text is "nan" (a number nobody may leave unset).
bool is_required(const nninit::option_info& o) { return o.type == "number" && o.default_value == "nan"; }

/// The default as a JSON value of the option's type.
std::string json_default(const nninit::option_info& o) {
  if (o.type == "choice" || o.type == "activation") return json::string(o.default_value);
  if (o.type == "bool") return o.default_value == "true" ? "true" : "false";
  if (o.type == "number") {
    if (o.default_value == "nan") return "null";
    if (o.default_value == "inf") return "1e999";
    if (o.default_value == "-inf") return "-1e999";
  }
  return o.default_value;  // detail::number's text is a JSON number
}

void print_json(const std::vector<nninit::scheme_info>& schemes) {
  std::string out = "[";
  for (std::size_t i = 0; i < schemes.size(); ++i) {
    const auto& s = schemes[i];
    out += i ? ",\n  {" : "\n  {";
    out += "\"name\": " + json::string(s.name) + ", \"reference\": " + json::string(s.reference) +
           ", \"random\": " + json::boolean(s.is_random) + ", \"options\": [";
    for (std::size_t j = 0; j < s.options.size(); ++j) {
      const auto& o = s.options[j];
      std::vector<std::string> choices;
      for (const auto& c : split_choices(o.choices)) choices.push_back(json::string(c));
      out += j ? ",\n    {" : "\n    {";
      out += "\"name\": " + json::string(o.name) + ", \"default\": " + json_default(o) +
             ", \"type\": " + json::string(o.type) + ", \"choices\": " + json::array(choices) +
             ", \"required\": " + json::boolean(is_required(o)) + ", \"doc\": " + json::string(o.doc) + "}";
    }
    out += s.options.empty() ? "]}" : "\n  ]}";
  }
  out += schemes.empty() ? "]\n" : "\n]\n";
  std::cout << out;
}

void print_text(const std::vector<nninit::scheme_info>& schemes) {
  // One column width for every "NAME=DEFAULT", so the whole listing lines up.
  std::size_t width = 0;
  const auto setting = [](const nninit::option_info& o) {
    return o.name + "=" + (is_required(o) ? std::string("<required>") : o.default_value);
  };
  for (const auto& s : schemes)
    for (const auto& o : s.options) width = std::max(width, setting(o).size());

  std::cout << "Schemes (set options with --set NAME=VALUE; defaults shown):\n";
  for (const auto& s : schemes) {
    std::cout << '\n' << s.name << (s.is_random ? "  (random)" : "  (deterministic)") << '\n';
    std::cout << "    " << s.reference << '\n';
    if (s.options.empty()) std::cout << "    no options\n";
    for (const auto& o : s.options) {
      const std::string left = setting(o);
      std::cout << "    " << left << std::string(width - left.size() + 2, ' ') << o.type;
      std::cout << std::string(9 - std::min<std::size_t>(o.type.size(), 8), ' ') << o.doc;
      if (o.type == "choice") std::cout << " [" << o.choices << ']';
      if (o.type == "activation") std::cout << " [" << o.choices << ", NAME:PARAM]";
      std::cout << '\n';
    }
  }
}

}  // namespace

void setup_list(CLI::App& app) {
  auto options = std::make_shared<list_options>();
  CLI::App* sub = app.add_subcommand("list", "list every scheme with its options, defaults and reference");
  sub->add_flag("--json", options->json,
                "print a JSON array of {name, reference, random, options: [{name, default, type, choices, "
                "required, doc}]}");
  sub->callback([options] {
    const auto schemes = nninit::list_schemes();
    if (options->json) print_json(schemes);
    else print_text(schemes);
  });
}

}  // namespace nninit_cli
