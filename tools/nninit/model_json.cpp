// nninit tool: the --model file (model_json.hpp).
#include "model_json.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <nninit/detail/enum_names.hpp>
#include <nninit/hf_models.hpp>
#include <optional>
#include <set>

#include "errors.hpp"
#include "safetensors.hpp"
#include "weight_args.hpp"

namespace nninit_cli {

namespace {

using json = nlohmann::json;

constexpr std::size_t max_model_bytes = std::size_t{64} << 20;

/// "line 3, column 14" of the 1-based byte position `byte` (nlohmann's parse_error::byte).
std::string line_and_column(std::string_view text, std::size_t byte) {
  const std::size_t end = std::min(byte == 0 ? 0 : byte - 1, text.size());
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') ++line, column = 1;
    else ++column;
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

/// The fields of one JSON object, read with their names in messages ("num_attention_heads").
struct fields {
  std::string_view command;
  const json& object;
  std::string where;  // "" or "tensors[3]."

  const json* find(std::string_view key) const {
    const auto it = object.find(std::string(key));
    return it == object.end() || it->is_null() ? nullptr : &*it;
  }
  [[noreturn]] void bad(std::string_view key, std::string_view rule, const json& v) const {
    fail(command, where + std::string(key), rule, json_excerpt(v));
  }
  std::optional<std::int64_t> integer(std::string_view key) const {
    const json* v = find(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_number_integer()) bad(key, "an integer", *v);
    if (v->is_number_unsigned() && v->get<std::uint64_t>() > (std::uint64_t{1} << 62)) bad(key, "an integer below 2^62", *v);
    return v->get<std::int64_t>();
  }
  std::int64_t required(std::string_view key) const {
    const auto v = integer(key);
    if (!v) fail(command, where + std::string(key), "given in the model file", "nothing");
    return *v;
  }
  bool flag(std::string_view key, bool otherwise) const {
    const json* v = find(key);
    if (v == nullptr) return otherwise;
    if (!v->is_boolean()) bad(key, "true or false", *v);
    return v->get<bool>();
  }
  double number(std::string_view key, double otherwise) const {
    const json* v = find(key);
    if (v == nullptr) return otherwise;
    if (!v->is_number()) bad(key, "a number", *v);
    return v->get<double>();
  }
  std::string text(std::string_view key) const {
    const json* v = find(key);
    if (v == nullptr) fail(command, where + std::string(key), "given in the model file", "nothing");
    if (!v->is_string()) bad(key, "a string", *v);
    return v->get<std::string>();
  }
};

/// A config.json's sizes in transformers' names for its model_type.
nninit::hf_config read_config(std::string_view command, const json& j) {
  const fields f{command, j, ""};
  nninit::hf_config c;
  c.model_type = f.text("model_type");
  nninit::check_hf_model_type(c.model_type);  // before the fields, whose names depend on it
  const bool gpt2 = c.model_type == "gpt2";
  if (gpt2) {
    c.vocab_size = f.required("vocab_size");
    c.hidden_size = f.required("n_embd");
    c.layers = f.required("n_layer");
    c.heads = f.required("n_head");
    c.intermediate_size = f.integer("n_inner").value_or(0);
    c.positions = f.required("n_positions");
    c.tie_word_embeddings = f.flag("tie_word_embeddings", true);  // GPT2Config's default
  } else {
    c.vocab_size = f.required("vocab_size");
    c.hidden_size = f.required("hidden_size");
    c.layers = f.required("num_hidden_layers");
    c.heads = f.required("num_attention_heads");
    c.kv_heads = f.integer("num_key_value_heads").value_or(0);
    c.head_dim = f.integer("head_dim").value_or(0);
    c.intermediate_size = f.required("intermediate_size");
    c.tie_word_embeddings = f.flag("tie_word_embeddings", false);  // LlamaConfig's, MistralConfig's, Qwen2Config's
    c.attention_bias = f.flag("attention_bias", false);
    c.mlp_bias = f.flag("mlp_bias", false);
    c.pad_token_id = f.integer("pad_token_id").value_or(-1);
  }
  c.initializer_range = f.number("initializer_range", 0.02);
  return c;
}

std::string option_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

/// One entry of an explicit tensor list.
nninit::checkpoint_tensor read_tensor(std::string_view command, const json& j, std::size_t i, nninit::storage_type type) {
  const std::string where = "tensors[" + std::to_string(i) + "].";
  if (!j.is_object()) fail(command, where.substr(0, where.size() - 1), "an object", json_excerpt(j));
  const fields f{command, j, where};
  static const std::set<std::string> known = {"name", "shape", "scheme", "options", "dtype", "layout", "split"};
  for (const auto& [k, v] : j.items())
    if (known.count(k) == 0) fail(command, where + k, "absent (fields: name, shape, scheme, options, dtype, layout, split)", json_excerpt(v));
  const std::string name = f.text("name");
  const json* dims = f.find("shape");
  if (dims == nullptr || !dims->is_array()) fail(command, where + "shape", "a list of integers >= 0", dims ? json_excerpt(*dims) : "nothing");
  std::vector<nninit::index> shape;
  for (const json& d : *dims) {
    if (!d.is_number_integer() || d.get<std::int64_t>() < 0 || (d.is_number_unsigned() && d.get<std::uint64_t>() > (std::uint64_t{1} << 62)))
      fail(command, where + "shape", "a list of integers >= 0", json_excerpt(*dims));
    shape.push_back(d.get<std::int64_t>());
  }
  nninit::checkpoint_tensor t{name, nninit::shape(shape), nninit::initializer(f.text("scheme")), type};
  if (const json* o = f.find("options")) {
    if (!o->is_object()) f.bad("options", "an object of option values", *o);
    for (const auto& [k, v] : o->items()) {
      if (!v.is_string() && !v.is_number() && !v.is_boolean()) fail(command, where + "options." + k, "a string, number or boolean", json_excerpt(v));
      t.scheme.set(k, option_text(v), nninit::shape(shape).text());
    }
  }
  if (f.find("dtype") != nullptr) t.type = parse_storage_type(command, where + "dtype", f.text("dtype"));
  if (f.find("layout") != nullptr) {
    const std::string l = f.text("layout");
    if (l != "out_in" && l != "in_out") fail(command, where + "layout", "out_in or in_out", in_quotes(l));
    t.shape.order = l == "in_out" ? nninit::layout::in_out : nninit::layout::out_in;
  }
  if (const json* s = f.find("split")) {
    // column: the output dimension (Megatron's ColumnParallelLinear), row: the input one.
    const bool in_out = t.shape.order == nninit::layout::in_out;
    if (s->is_string()) {
      const std::string k = s->get<std::string>();
      if (k == "column") t.split.dim = in_out && shape.size() == 2 ? 1 : 0;
      else if (k == "row") t.split.dim = in_out ? 0 : 1;
      else if (k != "none") fail(command, where + "split", "none, column, row or {\"dim\", \"granule\", \"even\"}", json_excerpt(*s));
    } else if (s->is_object()) {
      const fields sf{command, *s, where + "split."};
      for (const auto& [k, v] : s->items())
        if (k != "dim" && k != "granule" && k != "even") fail(command, where + "split." + k, "absent (fields: dim, granule, even)", json_excerpt(v));
      const auto dim = sf.integer("dim").value_or(-1);
      if (dim < -1 || dim > 1) fail(command, where + "split.dim", "-1, 0 or 1", std::to_string(dim));
      t.split.dim = static_cast<int>(dim);
      t.split.granule = sf.integer("granule").value_or(1);
      t.split.even = sf.flag("even", true);
    } else {
      f.bad("split", "none, column, row or {\"dim\", \"granule\", \"even\"}", *s);
    }
  }
  return t;
}

}  // namespace

nninit::storage_type parse_storage_type(std::string_view command, std::string_view argument, std::string_view text) {
  const auto t = nninit::detail::parse_enum<nninit::storage_type>(text);
  if (!t) fail(command, argument, "float32, bfloat16, float16 or float64", in_quotes(text));
  return *t;
}

std::int64_t parse_count(std::string_view command, std::string_view argument, const std::string& text, std::int64_t lo,
                         std::int64_t hi) {
  const auto v = parse_int64(text);
  if (!v || *v < lo || *v > hi)
    fail(command, argument, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", in_quotes(text));
  return *v;
}

void add_model_options(CLI::App& sub, model_args& a) {
  a.model_option = sub.add_option("--model", a.model,
                                  "a Hugging Face config.json (model_type llama, mistral, qwen2 or gpt2) or a tensor list "
                                  "{\"tensors\": [{\"name\", \"shape\", \"scheme\", \"options\", \"dtype\", \"layout\", \"split\"}]}")
                       ->type_name("FILE.json");
  sub.add_option("--seed", a.seed, "the seed, an integer in [0, 2^64); tensor NAME draws from stream tensor_engine(seed, NAME)")
      ->type_name("S")
      ->capture_default_str();
  sub.add_option("--dtype", a.dtype, "float32, bfloat16, float16 or float64 (values computed in float, rounded once)")
      ->type_name("DTYPE")
      ->capture_default_str();
  sub.add_option("--tp", a.tp, "tensor-parallel ranks: the tensors split as Megatron-LM splits them, whole heads per rank")
      ->type_name("R")
      ->capture_default_str();
  sub.add_option("--rank", a.rank, "the rank whose slices the file holds, in [0, R)")->type_name("r")->capture_default_str();
  sub.add_option("--rule", a.rule,
                 "a network rule for a config's tensors (gpt2, megatron_scaled, mup, neox, olmo_mitchell, completep, ...); "
                 "default: transformers' _init_weights")
      ->type_name("SCHEME");
  sub.add_option("--set", a.sets, "an option of the rule, OPTION=VALUE (repeatable)")->type_name("OPTION=VALUE");
}

resolved_model resolve_model(std::string_view command, const model_args& a) {
  if (a.model_option->count() == 0) fail(command, "model", "given (--model FILE.json)", "nothing");
  resolved_model r;
  const auto seed = parse_uint64(a.seed);
  if (!seed) fail(command, "seed", "an integer in [0, 2^64)", in_quotes(a.seed));
  r.seed = *seed;
  const nninit::storage_type type = parse_storage_type(command, "dtype", a.dtype);
  r.tp.size = parse_count(command, "tp", a.tp, 1, 65536);
  r.tp.rank = parse_count(command, "rank", a.rank, 0, 65535);
  if (r.tp.rank >= r.tp.size) fail(command, "rank", "in [0, tp) = [0, " + std::to_string(r.tp.size) + ")", std::to_string(r.tp.rank));
  r.model = load_model(command, {a.model, a.rule, a.sets, type, r.tp.size});
  return r;
}

model_tensors load_model(std::string_view command, const model_request& request) {
  const std::string text = read_small_file(command, "model", "JSON file", request.path, max_model_bytes);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    // nlohmann's own text says "parse error at line L, column C: syntax error while parsing
    // value - <why>; last read: ..."; we keep its reason and give our line and column.
    std::string why = e.what();
    const auto colon = why.find(": ", why.find("column"));
    why = colon == std::string::npos ? "a syntax error" : why.substr(colon + 2);
    fail(command, "model", "valid JSON", why + " at " + line_and_column(text, e.byte) + " of " + in_quotes(request.path));
  }
  if (!j.is_object()) fail(command, "model", "a JSON object (a config.json or {\"tensors\": [...]})", json_excerpt(j));
  model_tensors out;
  if (j.contains("tensors")) {
    if (!request.rule.empty()) fail(command, "rule", "absent for a tensor list (each tensor names its scheme)", in_quotes(request.rule));
    const json& list = j["tensors"];
    if (!list.is_array() || list.empty()) fail(command, "tensors", "a non-empty list of tensors", json_excerpt(list));
    for (std::size_t i = 0; i < list.size(); ++i) out.tensors.push_back(read_tensor(command, list[i], i, request.type));
    out.kind = "tensor list";
    return out;
  }
  if (!j.contains("model_type")) fail(command, "model", "a config.json (with model_type) or {\"tensors\": [...]}", "neither");
  const nninit::hf_config config = read_config(command, j);
  std::optional<nninit::initializer> rule;
  if (!request.rule.empty()) {
    rule.emplace(request.rule);
    apply_sets(command, request.sets, *rule, "");
  } else if (!request.sets.empty()) {
    fail(command, "set", "given with --rule (transformers' init has only initializer_range)", in_quotes(request.sets.front()));
  }
  out.tensors = nninit::hf_model_tensors(config, request.type, rule ? &*rule : nullptr, request.tp);
  out.kind = config.model_type + " config";
  out.metadata.emplace_back("nninit_model", j.dump());
  out.metadata.emplace_back("nninit_rule", rule ? std::string(rule->name()) : std::string("transformers"));
  return out;
}

}  // namespace nninit_cli
