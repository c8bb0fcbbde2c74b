// nninit tool: `nninit inspect FILE [--json]`: every tensor of a safetensors checkpoint (a file,
// or the shards an index lists) or a .npy file, with its measured mean, std, min, max and
// fraction of zeros, and the plan nninit recorded in the metadata when there is one.
#include <CLI/CLI.hpp>
#include <cmath>
#include <iostream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <nninit/detail/format.hpp>
#include <string>
#include <vector>

#include "commands.hpp"
#include "errors.hpp"
#include "inspect.hpp"
#include "npy.hpp"
#include "safetensors.hpp"
#include "text_table.hpp"

namespace nninit_cli {

void value_stats::add(const double* v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const double x = v[i];
    ++count;
    if (!std::isfinite(x)) {
      ++non_finite;
      continue;
    }
    if (x == 0) ++zeros;
    min = std::min(min, x);
    max = std::max(max, x);
    // Welford: stable for the millions of values of one tensor.
    const double delta = x - mean;
    mean += delta / static_cast<double>(count - non_finite);
    m2 += delta * (x - mean);
  }
}

double value_stats::std() const {
  const std::uint64_t n = count - non_finite;
  return n > 1 ? std::sqrt(m2 / static_cast<double>(n - 1)) : 0.0;
}

std::string dims_text(const std::vector<std::int64_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

void for_each_tensor(std::string_view command, const std::string& path, const tensor_visitor& visit) {
  if (ends_with(path, ".npy")) {
    const npy_matrix m = read_npy_matrix(command, "file", path);
    visit({"(npy)", m.dtype, {m.rows, m.cols}, path, {}}, [&](const chunk_sink& sink) { sink(m.values.data(), m.values.size()); });
    return;
  }
  // Every file checked before the first tensor is shown.
  std::vector<std::unique_ptr<safetensors_file>> files;
  for (const std::string& file : checkpoint_files(command, "file", path)) files.push_back(std::make_unique<safetensors_file>(command, "file", file));
  for (const auto& f : files) {
    const auto meta = f->header().metadata.find("nninit");
    const auto plans = meta == f->header().metadata.end() ? nlohmann::json() : nlohmann::json::parse(meta->second, nullptr, false);
    for (const auto& e : f->header().tensors) {
      tensor_info info{e.name, e.dtype, e.shape, f->path(), {}};
      if (plans.is_object() && plans.contains("tensors") && plans["tensors"].is_object() && plans["tensors"].contains(e.name))
        info.plan = plans["tensors"][e.name].dump();
      visit(info, [&](const chunk_sink& sink) { f->for_each_chunk(e, sink); });
    }
  }
}

namespace {

constexpr std::string_view command = "inspect";

/// "normal std 0.02", "uniform bound 0.0625", "ones": the recorded plan in a few words.
std::string plan_words(const std::string& plan) {
  if (plan.empty()) return "";
  const auto j = nlohmann::json::parse(plan, nullptr, false);
  const auto one = [](const nlohmann::json& p) {
    std::string s = p.value("scheme", std::string("?"));
    if (p.contains("std") && p["std"].is_number()) s += " std " + nninit::detail::significant(p["std"].get<double>(), 4);
    else if (p.contains("bound") && p["bound"].is_number()) s += " bound " + nninit::detail::significant(p["bound"].get<double>(), 4);
    return s;
  };
  if (j.contains("pieces") && j["pieces"].is_array()) {
    std::string s;
    for (const auto& p : j["pieces"]) s += (s.empty() ? "" : " | ") + p.value("name", std::string()) + ": " + one(p);
    return s;
  }
  return one(j);
}

void run(const std::string& path, bool as_json) {
  std::vector<std::vector<std::string>> rows = {{"tensor", "dtype", "shape", "mean", "std", "min", "max", "zeros", "plan"}};
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for_each_tensor(command, path, [&](const tensor_info& t, const tensor_reader& read) {
    value_stats s;
    read([&](const double* v, std::size_t n) { s.add(v, n); });
    const auto num = [](double v) { return nninit::detail::significant(v, 4); };
    const bool any = s.count > s.non_finite;
    const double zero_fraction = s.count ? static_cast<double>(s.zeros) / static_cast<double>(s.count) : 0.0;
    if (as_json) {
      nlohmann::ordered_json j;
      j["name"] = t.name;
      j["dtype"] = t.dtype;
      j["shape"] = t.shape;
      j["file"] = t.file;
      j["count"] = s.count;
      j["mean"] = any ? nlohmann::ordered_json(s.mean) : nlohmann::ordered_json();
      j["std"] = any ? nlohmann::ordered_json(s.std()) : nlohmann::ordered_json();
      j["min"] = any ? nlohmann::ordered_json(s.min) : nlohmann::ordered_json();
      j["max"] = any ? nlohmann::ordered_json(s.max) : nlohmann::ordered_json();
      j["zero_fraction"] = zero_fraction;
      j["non_finite"] = s.non_finite;
      j["plan"] = t.plan.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json::parse(t.plan);
      out.push_back(std::move(j));
    } else {
      std::string zeros = nninit::detail::significant(zero_fraction, 3);
      if (s.non_finite) zeros += " (" + std::to_string(s.non_finite) + " not finite)";
      rows.push_back({t.name, t.dtype, dims_text(t.shape), any ? num(s.mean) : "-", any ? num(s.std()) : "-",
                      any ? num(s.min) : "-", any ? num(s.max) : "-", zeros, plan_words(t.plan)});
    }
  });
  if (as_json) std::cout << out.dump(2) << '\n';
  else print_columns(std::cout, rows);
}

}  // namespace

void setup_inspect(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  CLI::App* sub = app.add_subcommand("inspect", "every tensor of a safetensors checkpoint or .npy file, measured, with its recorded plan");
  sub->add_option("file", *path, "a .safetensors file, a .safetensors.index.json (every shard) or a 2-D .npy file")
      ->required()
      ->type_name("FILE");
  sub->add_flag("--json", *as_json, "print JSON instead of the table");
  sub->callback([path, as_json] { run(*path, *as_json); });
}

}  // namespace nninit_cli
