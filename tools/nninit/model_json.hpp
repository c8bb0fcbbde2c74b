// nninit tool: the --model file of init-model and verify, read with nlohmann::json: a Hugging
// Face config.json (llama, mistral, qwen2, gpt2) or an explicit list of tensors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <nninit/checkpoint.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace nninit_cli {

/// How to turn the --model file into tensors.
struct model_request {
  std::string path;
  std::string rule;               ///< a network rule for a config (empty: transformers' own init)
  std::vector<std::string> sets;  ///< OPTION=VALUE for the rule
  nninit::storage_type type = nninit::storage_type::float32;  ///< the dtype of tensors that name none
  nninit::index tp = 1;           ///< the ranks the config's heads and vocabulary must divide among
};

/// The model's tensors, and what to record about it in the checkpoint's metadata.
struct model_tensors {
  std::vector<nninit::checkpoint_tensor> tensors;
  std::string kind;  ///< "llama config", "gpt2 config", "tensor list"
  std::vector<std::pair<std::string, std::string>> metadata;
};

/// Reads and checks the --model file. A config (an object with "model_type") gives its tensors
/// in transformers' names (hf_models.hpp); a list is {"tensors": [{"name", "shape", "scheme",
/// "options", "dtype", "layout", "split"}, ...]}. Malformed JSON throws init_error with the line
/// and column; every other problem names the field.
model_tensors load_model(std::string_view command, const model_request& request);

/// The model arguments init-model and verify share: --model, --seed, --dtype, --tp, --rank,
/// --rule, --set.
struct model_args {
  std::string model, seed = "0", dtype = "float32", tp = "1", rank = "0", rule;
  std::vector<std::string> sets;
  CLI::Option* model_option = nullptr;
};

/// Registers them on `sub`.
void add_model_options(CLI::App& sub, model_args& args);

/// The model's tensors, the seed and the rank, every argument checked.
struct resolved_model {
  model_tensors model;
  std::uint64_t seed = 0;
  nninit::tensor_parallel tp;
};
resolved_model resolve_model(std::string_view command, const model_args& args);

/// The whole text as an integer in [lo, hi], or init_error naming `argument`.
std::int64_t parse_count(std::string_view command, std::string_view argument, const std::string& text, std::int64_t lo,
                         std::int64_t hi);

/// nninit::generate_tensor with a type-erased sink, for verify. Defined in init_model.cpp beside
/// write_checkpoint's own use, so that the tool compiles every scheme's fill for the four storage
/// types once, not once per command (about a minute of compile in each CI build).
void generate_tensor_bytes(const nninit::checkpoint_tensor& t, const nninit::tensor_slice& slice, std::uint64_t seed,
                           const nninit::parallel& par, nninit::index chunk_values,
                           const std::function<void(const char*, std::size_t)>& sink);

/// --dtype: float32, bfloat16, float16 or float64.
nninit::storage_type parse_storage_type(std::string_view command, std::string_view argument, std::string_view text);

}  // namespace nninit_cli
